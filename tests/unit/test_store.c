/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_store.c - unit tests of fs/store.c and fs/codec.c on the zbud back
 * end: the encoding of a slot, each kind of slot, partial reads, dup, the
 * memory limit, injected allocation failures, the compressors, several
 * threads at once, and a back end whose handles do not fit in a slot.
 *
 * Every test checks at the end that the store gave back every page it took
 * (zpool_page_count() returns to where it started).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fs/fs_i.h"
#include "zpool/page.h"
#include "zpool/zpool.h"
#include "tests/unit/tap.h"

#define PAGE	ZPFS_PAGE_SIZE

/* What a slot is filled with to show that a failed call left it alone. */
#define POISON	0xccccccccccccccccull

/* The mount's default compressor; "none" in a build without liblz4. */
#define DEFAULT_CODEC	(HAVE_LZ4 ? "lz4" : "none")

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

static const struct zpfs_codec *codec_of(const char *spec, int *level)
{
	const struct zpfs_codec *codec = NULL;

	if (zpfs_codec_find(spec, &codec, level))
		return NULL;
	return codec;
}

/* A store on zbud with @spec and a limit of @limit bytes. */
static struct zpfs_store *store_new(const char *spec, uint64_t limit)
{
	const struct zpfs_codec *codec;
	int level;

	codec = codec_of(spec, &level);
	if (!codec)
		return NULL;
	return zpfs_store_create("zbud", codec, level, limit);
}

/* Text that compresses about 2:1, as source code does; seeded by @seed. */
static void fill_text(unsigned char *page, uint64_t seed)
{
	static const char *const words[] = {
		"static ", "int ", "return ", "struct ", "page", "slot", "->",
		"if (", ") {\n", "}\n", "\tfor (i = 0; i < n; i++)\n",
		"unsigned long ", "handle", "; ", "/* comment */\n", "NULL",
		"zpool_", "map", "free(", "size_t ", "const ", "char *",
	};
	const size_t nw = sizeof(words) / sizeof(words[0]);
	uint64_t rng = seed * 2654435761u + 1;
	size_t off = 0;

	while (off < PAGE) {
		const char *w = words[tap_rand(&rng) % nw];
		size_t len = strlen(w);

		if (len > PAGE - off)
			len = PAGE - off;
		memcpy(page + off, w, len);
		off += len;
		/* a number now and then, so pages differ */
		if (off + 4 < PAGE && tap_rand(&rng) % 4 == 0)
			off += (size_t)snprintf((char *)page + off, 5, "%u",
						(unsigned int)(tap_rand(&rng) %
							       1000));
	}
}

/* Every 8-byte word of @page is @word. */
static void fill_word(unsigned char *page, uint64_t word)
{
	for (size_t off = 0; off < PAGE; off += 8)
		memcpy(page + off, &word, 8);
}

static void fill_random(unsigned char *page, uint64_t seed)
{
	uint64_t rng = seed * 0x9e3779b97f4a7c15ull + 1;

	for (size_t i = 0; i < PAGE; i += 8) {
		uint64_t r = tap_rand(&rng);

		memcpy(page + i, &r, 8);
	}
}

/* Whether the whole page and a set of parts of it read back as @want. */
static int reads_back(struct zpfs_store *st, const struct zpfs_slot *slot,
		      const unsigned char *want)
{
	static const size_t offs[] = { 0, 1, 7, 8, 9, 63, 64, 1000, 2048,
				       4088, 4095, 4096 };
	static const size_t lens[] = { 0, 1, 7, 8, 9, 100, 4095, 4096 };
	unsigned char buf[PAGE + 16];

	memset(buf, 0x5a, sizeof(buf));
	if (zpfs_store_read(st, slot, buf, 0, PAGE) || memcmp(buf, want, PAGE))
		return 0;
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		for (size_t j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			size_t off = offs[i];
			size_t len = lens[j] > PAGE - off ? PAGE - off :
							    lens[j];

			memset(buf, 0x5a, sizeof(buf));
			if (zpfs_store_read(st, slot, buf + 3, off, len) ||
			    memcmp(buf + 3, want + off, len) ||
			    buf[2] != 0x5a || buf[3 + len] != 0x5a)
				return 0;
		}
	}
	return 1;
}

static struct zpfs_store_stats stats_of(struct zpfs_store *st)
{
	struct zpfs_store_stats s;

	zpfs_store_get_stats(st, &s);
	return s;
}

/* Every counter of an empty store is 0. */
static int store_empty(struct zpfs_store *st)
{
	struct zpfs_store_stats s = stats_of(st);

	return s.stored_pages == 0 && s.same_pages == 0 && s.comp_pages == 0 &&
	       s.raw_pages == 0 && s.compr_bytes == 0 && s.pool_pages == 0 &&
	       s.meta_bytes == 0 && s.mem_used == 0;
}

/* ------------------------------------------------------------------------
 * Tests
 * ------------------------------------------------------------------------ */

static void test_codec_find(void)
{
	static const char *const bad[] = {
		"", "zstd", "LZ4", "lz4 ", "lz4:", "lz4:1", "none:0", "lz4hc:",
		"lz4hc:0", "lz4hc:13", "lz4hc:x", "lz4hc:-1", "lz4hc: 3",
		"lz4hc:3x", "lz4hc:99999999999", ":9", "lz4hc:9:9",
	};
	const struct zpfs_codec *codec;
	int level;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		codec = NULL;
		level = -7;
		if (zpfs_codec_find(bad[i], &codec, &level) != -EINVAL)
			TAP_FAIL("\"%s\" was accepted", bad[i]);
		EXPECT_TRUE(codec == NULL);
		EXPECT_EQ(level, -7);
	}
	EXPECT_EQ(zpfs_codec_find("none", &codec, &level), 0);
	EXPECT_STREQ(zpfs_codec_name(codec), "none");
#if HAVE_LZ4
	EXPECT_STREQ(zpfs_codec_list(), "lz4, lz4hc, none");
	EXPECT_EQ(zpfs_codec_find("lz4", &codec, &level), 0);
	EXPECT_STREQ(zpfs_codec_name(codec), "lz4");
	EXPECT_EQ(zpfs_codec_find("lz4hc", &codec, &level), 0);
	EXPECT_STREQ(zpfs_codec_name(codec), "lz4hc");
	EXPECT_EQ(level, 9);
	EXPECT_EQ(zpfs_codec_find("lz4hc:1", &codec, &level), 0);
	EXPECT_EQ(level, 1);
	EXPECT_EQ(zpfs_codec_find("lz4hc:12", &codec, &level), 0);
	EXPECT_EQ(level, 12);
#else
	EXPECT_STREQ(zpfs_codec_list(), "none");
	EXPECT_EQ(zpfs_codec_find("lz4", &codec, &level), -EINVAL);
#endif
}

static void test_codec_roundtrip(void)
{
	unsigned char page[PAGE], out[PAGE], back[PAGE];
	const struct zpfs_codec *codec;
	int level;
	size_t len;

	fill_text(page, 1);
	codec = codec_of("none", &level);
	ASSERT_TRUE(codec);
	EXPECT_EQ(zpfs_codec_compress(codec, level, page, out, PAGE), 0);
#if HAVE_LZ4
	codec = codec_of("lz4", &level);
	ASSERT_TRUE(codec);
	len = zpfs_codec_compress(codec, level, page, out, PAGE);
	ASSERT_TRUE(len > 0 && len < PAGE);
	EXPECT_EQ(zpfs_codec_decompress(codec, out, len, back), 0);
	EXPECT_TRUE(memcmp(page, back, PAGE) == 0);
	/* too little room: "incompressible" */
	EXPECT_EQ(zpfs_codec_compress(codec, level, page, out, len - 1), 0);
	/* damaged input never decodes to a page */
	EXPECT_EQ(zpfs_codec_decompress(codec, out, len - 1, back), -EIO);
	EXPECT_EQ(zpfs_codec_decompress(codec, out, 0, back), -EIO);
	memset(out, 0xff, 16);
	EXPECT_EQ(zpfs_codec_decompress(codec, out, len, back), -EIO);
#else
	(void)len;
	(void)back;
#endif
}

static void test_bad_backend(void)
{
	const struct zpfs_codec *codec;
	int level;

	codec = codec_of("none", &level);
	ASSERT_TRUE(codec);
	errno = 0;
	EXPECT_TRUE(zpfs_store_create("no-such-backend", codec, level,
				      1 << 20) == NULL);
	EXPECT_EQ(errno, ENODEV);
}

/* The slot word: each kind made and taken apart by the fs_i.h helpers. */
static void test_slot_encoding(void)
{
	static const unsigned long handles[] = {
		0, 1, 12345, 0x7fffdeadb000ul, ZPFS_SLOT_HANDLE_MAX,
	};
	static const size_t lens[] = { 1, 2, 100, 4095, 4096 };
	static const struct {
		uint64_t word;
		int mode;
	} words[] = {
		{ 0, 0 }, { UINT64_MAX, 0 }, { 0x4242424242424242ull, 0 },
		{ 0xbeefbeefbeefbeefull, 0 }, { 0x8badf00d8badf00dull, 0 },
		{ 0x0000000100000001ull, 0 },
		{ 0x3ff0000000000000ull, 1 },	/* 1.0 */
		{ 0xffffffff00000000ull, 1 }, { 0x8000000000000000ull, 1 },
		{ 1, 2 }, { 0xfffffffffffffffeull, 2 },	/* -2 */
		{ 0x00007f1234567890ull, 2 }, { 0x07ffffffffffffffull, 2 },
		{ 0xf800000000000001ull, 2 },
		{ 0x0807060504030201ull, -1 }, { 0x1000000000000001ull, -1 },
		{ 0xf7ffffffffffffffull, -1 }, { 0x8877665544332211ull, -1 },
	};
	struct zpfs_slot slot = { 0 };
	void *page;

	EXPECT_EQ(sizeof(struct zpfs_slot), 8);
	EXPECT_EQ(zpfs_slot_kind(&slot), ZPFS_SLOT_HOLE);
	EXPECT_EQ(zpfs_slot_bytes(&slot), 0);
	EXPECT_TRUE(ZPFS_SLOT_HANDLE_MAX == (1ull << 50) - 1);

	for (size_t i = 0; i < sizeof(handles) / sizeof(handles[0]); i++) {
		for (size_t j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			slot = zpfs_slot_comp(handles[i], lens[j]);
			if (zpfs_slot_kind(&slot) != ZPFS_SLOT_COMP ||
			    zpfs_slot_handle(&slot) != handles[i] ||
			    zpfs_slot_len(&slot) != lens[j] ||
			    zpfs_slot_bytes(&slot) != lens[j])
				TAP_FAIL("comp %#lx, %zu: %#" PRIx64,
					 handles[i], lens[j], slot.enc);
		}
	}
	/* the extremes, spelled out */
	slot = zpfs_slot_comp((1ull << 50) - 1, 1);
	EXPECT_EQ(zpfs_slot_len(&slot), 1);
	EXPECT_TRUE(zpfs_slot_handle(&slot) == (1ull << 50) - 1);
	slot = zpfs_slot_comp((1ull << 50) - 1, 4096);
	EXPECT_EQ(zpfs_slot_len(&slot), 4096);
	EXPECT_TRUE(zpfs_slot_handle(&slot) == (1ull << 50) - 1);
	EXPECT_EQ(zpfs_slot_kind(&slot), ZPFS_SLOT_COMP);
	EXPECT_TRUE(slot.enc == UINT64_MAX - 1);

	page = zpool_page_alloc();
	ASSERT_TRUE(page);
	slot = zpfs_slot_raw(page);
	EXPECT_EQ(zpfs_slot_kind(&slot), ZPFS_SLOT_RAW);
	EXPECT_TRUE(zpfs_slot_page(&slot) == page);
	EXPECT_EQ(zpfs_slot_bytes(&slot), PAGE);
	zpool_page_free(page);
	slot = zpfs_slot_raw((void *)(uintptr_t)0x7ffffffff000ull);
	EXPECT_TRUE(zpfs_slot_page(&slot) ==
		    (void *)(uintptr_t)0x7ffffffff000ull);

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		uint64_t w = words[i].word;

		EXPECT_EQ(zpfs_slot_same_mode(w), words[i].mode);
		if (words[i].mode < 0)
			continue;
		slot = zpfs_slot_same(w);
		EXPECT_EQ(zpfs_slot_kind(&slot), ZPFS_SLOT_SAME);
		if (zpfs_slot_word(&slot) != w)
			TAP_FAIL("same %#" PRIx64 ": %#" PRIx64, w,
				 zpfs_slot_word(&slot));
		if (words[i].mode < 2)
			EXPECT_EQ(slot.enc & ZPFS_SLOT_SAME_ZERO, 0);
		EXPECT_EQ(zpfs_slot_bytes(&slot), 0);
	}
}

/* Zero and other same-filled pages: SAME, nothing allocated. */
static void test_same(void)
{
	static const uint64_t words[] = {
		0, 0xababababababababull, UINT64_MAX,
		0x1234123412341234ull,		/* a 16-bit pattern */
		0x0403020104030201ull,		/* a 32-bit pattern */
		0xdeadbeefdeadbeefull,
		0x3ff0000000000000ull,		/* 1.0 */
		0xfffffffffffffffeull,		/* -2 */
		0x00007f1234567890ull,		/* a pointer */
	};
	uint64_t start = zpool_page_count();
	struct zpfs_store *st = store_new(DEFAULT_CODEC, 1 << 20);
	unsigned char page[PAGE];
	struct zpfs_slot slot;

	ASSERT_TRUE(st);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		fill_word(page, words[i]);
		ASSERT_EQ(zpfs_store_put(st, page, &slot), 0);
		EXPECT_EQ(zpfs_slot_kind(&slot), ZPFS_SLOT_SAME);
		EXPECT_TRUE(zpfs_slot_word(&slot) == words[i]);
		EXPECT_EQ(zpfs_slot_bytes(&slot), 0);
		EXPECT_TRUE(reads_back(st, &slot, page));
		EXPECT_EQ(stats_of(st).same_pages, 1);
		EXPECT_EQ(stats_of(st).stored_pages, 1);
		EXPECT_EQ(stats_of(st).pool_pages, 0);
		EXPECT_EQ(stats_of(st).mem_used, 0);
		EXPECT_EQ(zpool_page_count(), start);
		zpfs_store_drop(st, &slot);
		EXPECT_EQ(slot.enc, 0);
		EXPECT_TRUE(store_empty(st));
	}

	/* equal bytes but one word off: not same-filled */
	memset(page, 0, PAGE);
	page[PAGE - 1] = 1;
	ASSERT_EQ(zpfs_store_put(st, page, &slot), 0);
	EXPECT_NE(zpfs_slot_kind(&slot), ZPFS_SLOT_SAME);
	EXPECT_TRUE(reads_back(st, &slot, page));
	zpfs_store_drop(st, &slot);

	/* a hole reads as zeros and drops as nothing */
	memset(&slot, 0, sizeof(slot));
	memset(page, 0, PAGE);
	EXPECT_TRUE(reads_back(st, &slot, page));
	zpfs_store_drop(st, &slot);
	EXPECT_TRUE(store_empty(st));
	zpfs_store_destroy(st);
	EXPECT_EQ(zpool_page_count(), start);
}

/*
 * A repeated 8-byte word a SAME slot has no room for (halves unequal, low
 * half not 0, not a 60-bit signed number): compressed (raw without a
 * compressor), and it reads back.
 */
static void test_same_no_room(void)
{
	static const uint64_t words[] = {
		0x0807060504030201ull, 0x1000000000000001ull,
		0xf7ffffffffffffffull, 0x8877665544332211ull,
	};
	uint64_t start = zpool_page_count();
	struct zpfs_store *st = store_new(DEFAULT_CODEC, 1 << 20);
	unsigned char page[PAGE];
	struct zpfs_slot slot;

	ASSERT_TRUE(st);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		fill_word(page, words[i]);
		ASSERT_EQ(zpfs_store_put(st, page, &slot), 0);
#if HAVE_LZ4
		printf("# word %#018" PRIx64 ": %u bytes\n", words[i],
		       zpfs_slot_len(&slot));
		EXPECT_EQ(zpfs_slot_kind(&slot), ZPFS_SLOT_COMP);
		EXPECT_LE(zpfs_slot_len(&slot), 64);
		EXPECT_EQ(stats_of(st).comp_pages, 1);
#else
		EXPECT_EQ(zpfs_slot_kind(&slot), ZPFS_SLOT_RAW);
#endif
		EXPECT_EQ(stats_of(st).same_pages, 0);
		EXPECT_TRUE(reads_back(st, &slot, page));
		zpfs_store_drop(st, &slot);
		EXPECT_TRUE(store_empty(st));
	}
	zpfs_store_destroy(st);
	EXPECT_EQ(zpool_page_count(), start);
}

/* Text: COMP, smaller than a page, round trip. */
static void test_comp(void)
{
	uint64_t start = zpool_page_count();
	struct zpfs_store *st = store_new(DEFAULT_CODEC, 1 << 20);
	unsigned char page[PAGE];
	struct zpfs_slot slot;
	struct zpfs_store_stats s;

	ASSERT_TRUE(st);
	fill_text(page, 2);
	ASSERT_EQ(zpfs_store_put(st, page, &slot), 0);
#if HAVE_LZ4
	printf("# text page: %u bytes\n", zpfs_slot_len(&slot));
	EXPECT_EQ(zpfs_slot_kind(&slot), ZPFS_SLOT_COMP);
	EXPECT_TRUE(zpfs_slot_len(&slot) < PAGE * 3 / 4);
	EXPECT_EQ(zpfs_slot_bytes(&slot), zpfs_slot_len(&slot));
	s = stats_of(st);
	EXPECT_EQ(s.comp_pages, 1);
	EXPECT_EQ(s.compr_bytes, zpfs_slot_len(&slot));
	EXPECT_EQ(s.pool_pages, 1);
	EXPECT_EQ(s.mem_used, PAGE);
#else
	EXPECT_EQ(zpfs_slot_kind(&slot), ZPFS_SLOT_RAW);
	(void)s;
#endif
	EXPECT_TRUE(reads_back(st, &slot, page));
	zpfs_store_drop(st, &slot);
	EXPECT_EQ(slot.enc, 0);
	EXPECT_TRUE(store_empty(st));
	zpfs_store_destroy(st);
	EXPECT_EQ(zpool_page_count(), start);
}

/* Random bytes and barely compressible pages: RAW. */
static void test_raw(void)
{
	uint64_t start = zpool_page_count();
	struct zpfs_store *st = store_new(DEFAULT_CODEC, 1 << 20);
	unsigned char page[PAGE];
	struct zpfs_slot slot, half;
	struct zpfs_store_stats s;

	ASSERT_TRUE(st);
	fill_random(page, 3);
	ASSERT_EQ(zpfs_store_put(st, page, &slot), 0);
	EXPECT_EQ(zpfs_slot_kind(&slot), ZPFS_SLOT_RAW);
	EXPECT_EQ(zpfs_slot_bytes(&slot), PAGE);
	s = stats_of(st);
	EXPECT_EQ(s.raw_pages, 1);
	EXPECT_EQ(s.compr_bytes, PAGE);
	EXPECT_EQ(s.pool_pages, 0);
	EXPECT_EQ(s.mem_used, PAGE);
	EXPECT_EQ(zpool_page_count(), start + 1);
	EXPECT_TRUE(reads_back(st, &slot, page));

	/* 1/16 of zeros saves less than the threshold: still raw */
	memset(page, 0, PAGE / 16);
	ASSERT_EQ(zpfs_store_put(st, page, &half), 0);
	EXPECT_EQ(zpfs_slot_kind(&half), ZPFS_SLOT_RAW);
	EXPECT_TRUE(reads_back(st, &half, page));
	zpfs_store_drop(st, &half);

	/* half zeros: worth compressing */
	memset(page, 0, PAGE / 2);
	ASSERT_EQ(zpfs_store_put(st, page, &half), 0);
	EXPECT_EQ(zpfs_slot_kind(&half),
		  HAVE_LZ4 ? ZPFS_SLOT_COMP : ZPFS_SLOT_RAW);
	EXPECT_TRUE(reads_back(st, &half, page));
	zpfs_store_drop(st, &half);

	zpfs_store_drop(st, &slot);
	EXPECT_TRUE(store_empty(st));
	zpfs_store_destroy(st);
	EXPECT_EQ(zpool_page_count(), start);
}

/* dup of each kind: a copy that outlives its source. */
static void test_dup(void)
{
	uint64_t start = zpool_page_count();
	struct zpfs_store *st = store_new(DEFAULT_CODEC, 1 << 20);
	unsigned char pages[4][PAGE];
	struct zpfs_slot src, dst;

	ASSERT_TRUE(st);
	memset(pages[0], 0, PAGE);		/* hole */
	memset(pages[1], 0x11, PAGE);		/* SAME */
	fill_text(pages[2], 4);			/* COMP */
	fill_random(pages[3], 5);		/* RAW */
	for (int k = 0; k < 4; k++) {
		memset(&src, 0, sizeof(src));
		if (k)
			ASSERT_EQ(zpfs_store_put(st, pages[k], &src), 0);
		memset(&dst, 0xee, sizeof(dst));
		ASSERT_EQ(zpfs_store_dup(st, &src, &dst), 0);
		EXPECT_EQ(zpfs_slot_kind(&dst), zpfs_slot_kind(&src));
		EXPECT_EQ(zpfs_slot_bytes(&dst), zpfs_slot_bytes(&src));
		switch (zpfs_slot_kind(&src)) {
		case ZPFS_SLOT_HOLE:
			break;
		case ZPFS_SLOT_SAME:
			EXPECT_TRUE(zpfs_slot_word(&dst) ==
				    zpfs_slot_word(&src));
			break;
		case ZPFS_SLOT_COMP:
			EXPECT_EQ(zpfs_slot_len(&dst), zpfs_slot_len(&src));
			EXPECT_TRUE(zpfs_slot_handle(&dst) !=
				    zpfs_slot_handle(&src));
			break;
		case ZPFS_SLOT_RAW:
			EXPECT_TRUE(zpfs_slot_page(&dst) !=
				    zpfs_slot_page(&src));
			break;
		}
		EXPECT_EQ(stats_of(st).stored_pages, k ? 2 : 0);
		zpfs_store_drop(st, &src);
		EXPECT_TRUE(reads_back(st, &dst, pages[k]));
		zpfs_store_drop(st, &dst);
		EXPECT_TRUE(store_empty(st));
	}
	zpfs_store_destroy(st);
	EXPECT_EQ(zpool_page_count(), start);
}

/* The memory limit: -ENOSPC, nothing lost, a full store still works. */
static void test_limit(void)
{
	const uint64_t limit = 64 * PAGE;
	const int max = 1000;
	uint64_t start = zpool_page_count();
	struct zpfs_store *st = store_new(DEFAULT_CODEC, limit);
	unsigned char (*pages)[PAGE] = calloc((size_t)max, PAGE);
	struct zpfs_slot *slots = calloc((size_t)max, sizeof(*slots));
	struct zpfs_store_stats s;
	struct zpfs_slot slot;
	int n, ret = 0;

	ASSERT_TRUE(st && pages && slots);
	for (n = 0; n < max; n++) {
		if (n % 3 == 2)
			fill_random(pages[n], (uint64_t)n);
		else
			fill_text(pages[n], (uint64_t)n + 100);
		ret = zpfs_store_put(st, pages[n], &slots[n]);
		if (ret)
			break;
	}
	printf("# limit of 64 pages: %d pages stored\n", n);
	EXPECT_EQ(ret, -ENOSPC);
	EXPECT_TRUE(n >= 40 && n < max);
	EXPECT_EQ(slots[n].enc, 0);
	s = stats_of(st);
	EXPECT_EQ(s.nospc, 1);
	EXPECT_LE(s.mem_used, limit);
	EXPECT_TRUE(s.mem_used + PAGE > limit);
	EXPECT_EQ(s.stored_pages, n);

	/* still full; a same-filled page costs nothing and goes in */
	fill_random(pages[n], 7777);
	slot.enc = POISON;
	EXPECT_EQ(zpfs_store_put(st, pages[n], &slot), -ENOSPC);
	EXPECT_TRUE(slot.enc == POISON);
	memset(pages[n], 0x42, PAGE);
	EXPECT_EQ(zpfs_store_put(st, pages[n], &slots[n]), 0);
	EXPECT_EQ(zpfs_slot_kind(&slots[n]), ZPFS_SLOT_SAME);
	n++;
	/* a dup that needs room is refused as well */
	slot.enc = POISON;
	EXPECT_EQ(zpfs_store_dup(st, &slots[0], &slot), -ENOSPC);
	EXPECT_EQ(zpfs_store_dup(st, &slots[2], &slot), -ENOSPC);
	EXPECT_TRUE(slot.enc == POISON);
	EXPECT_EQ(zpfs_store_meta_charge(st, PAGE), -ENOSPC);
	EXPECT_EQ(stats_of(st).nospc, 5);

	for (int i = 0; i < n; i++)
		if (!reads_back(st, &slots[i], pages[i]))
			TAP_FAIL("page %d does not read back", i);

	/* room again after a drop; metadata is charged against the limit */
	zpfs_store_drop(st, &slots[2]);
	EXPECT_EQ(zpfs_store_meta_charge(st, 100), 0);
	EXPECT_EQ(stats_of(st).meta_bytes, 100);
	zpfs_store_meta_uncharge(st, 100);

	for (int i = 0; i < n; i++)
		zpfs_store_drop(st, &slots[i]);
	s = stats_of(st);
	EXPECT_EQ(s.pool_pages, 0);
	EXPECT_EQ(s.compr_bytes, 0);
	EXPECT_EQ(s.stored_pages, 0);
	EXPECT_EQ(s.mem_used, 0);
	EXPECT_EQ(zpool_page_count(), start);
	zpfs_store_destroy(st);
	EXPECT_EQ(zpool_page_count(), start);
	free(pages);
	free(slots);
}

/* Metadata alone against the limit. */
static void test_meta(void)
{
	struct zpfs_store *st = store_new("none", 10000);

	ASSERT_TRUE(st);
	EXPECT_EQ(zpfs_store_meta_charge(st, 6000), 0);
	EXPECT_EQ(zpfs_store_meta_charge(st, 4000), 0);
	EXPECT_EQ(zpfs_store_meta_charge(st, 1), -ENOSPC);
	EXPECT_EQ(stats_of(st).meta_bytes, 10000);
	EXPECT_EQ(stats_of(st).mem_used, 10000);
	EXPECT_EQ(stats_of(st).mem_limit, 10000);
	EXPECT_EQ(stats_of(st).nospc, 1);
	zpfs_store_meta_uncharge(st, 10000);
	EXPECT_TRUE(store_empty(st));
	EXPECT_STREQ(zpfs_store_backend(st), "zbud");
	zpfs_store_destroy(st);
}

/* Allocation failures: -ENOMEM, slot untouched, nothing leaked. */
static void test_enomem(void)
{
	uint64_t start = zpool_page_count();
	struct zpfs_store *st = store_new(DEFAULT_CODEC, 1 << 30);
	unsigned char text[PAGE], rnd[PAGE];
	struct zpfs_slot slot, keep_comp, keep_raw, copy;

	ASSERT_TRUE(st);
	fill_text(text, 8);
	fill_random(rnd, 9);

	zpool_page_fail_after(0);
	slot.enc = POISON;
	EXPECT_EQ(zpfs_store_put(st, text, &slot), -ENOMEM);
	EXPECT_EQ(zpfs_store_put(st, rnd, &slot), -ENOMEM);
	EXPECT_TRUE(slot.enc == POISON);
	EXPECT_EQ(zpool_page_count(), start);
	EXPECT_TRUE(store_empty(st));
	/* same-filled pages need no memory */
	memset(text, 0, PAGE);
	EXPECT_EQ(zpfs_store_put(st, text, &slot), 0);
	EXPECT_EQ(zpfs_slot_kind(&slot), ZPFS_SLOT_SAME);
	zpfs_store_drop(st, &slot);
	zpool_page_fail_after(-1);

	/* dups that need a page fail the same way */
	fill_text(text, 10);
	ASSERT_EQ(zpfs_store_put(st, text, &keep_comp), 0);
	ASSERT_EQ(zpfs_store_put(st, rnd, &keep_raw), 0);
	zpool_page_fail_after(0);
	copy.enc = POISON;
	EXPECT_EQ(zpfs_store_dup(st, &keep_raw, &copy), -ENOMEM);
	EXPECT_TRUE(copy.enc == POISON);
#if HAVE_LZ4
	{
		/* the first dup fills the free half of keep_comp's page */
		struct zpfs_slot buddy;
		int ret = zpfs_store_dup(st, &keep_comp, &buddy);

		if (ret == 0) {
			EXPECT_EQ(zpfs_store_dup(st, &keep_comp, &copy),
				  -ENOMEM);
			zpfs_store_drop(st, &buddy);
		} else {
			EXPECT_EQ(ret, -ENOMEM);
		}
		EXPECT_TRUE(copy.enc == POISON);
	}
#endif
	zpool_page_fail_after(-1);
	EXPECT_TRUE(reads_back(st, &keep_comp, text));
	EXPECT_TRUE(reads_back(st, &keep_raw, rnd));
	zpfs_store_drop(st, &keep_comp);
	zpfs_store_drop(st, &keep_raw);
	EXPECT_TRUE(store_empty(st));
	zpfs_store_destroy(st);
	EXPECT_EQ(zpool_page_count(), start);
}

/* A damaged object reads as -EIO. */
static void test_corrupt(void)
{
#if HAVE_LZ4
	struct zpfs_store *st = store_new("lz4", 1 << 20);
	unsigned char page[PAGE], buf[PAGE];
	struct zpfs_slot slot, bad;

	ASSERT_TRUE(st);
	fill_text(page, 11);
	ASSERT_EQ(zpfs_store_put(st, page, &slot), 0);
	ASSERT_EQ(zpfs_slot_kind(&slot), ZPFS_SLOT_COMP);
	bad = zpfs_slot_comp(zpfs_slot_handle(&slot), zpfs_slot_len(&slot) / 2);
	EXPECT_EQ(zpfs_store_read(st, &bad, buf, 0, PAGE), -EIO);
	EXPECT_EQ(zpfs_store_read(st, &bad, buf, 10, 10), -EIO);
	/* bits set that the kind keeps 0: a "hole", a SAME slot */
	bad.enc = slot.enc & ~ZPFS_SLOT_KIND_MASK;
	EXPECT_EQ(zpfs_store_read(st, &bad, buf, 0, PAGE), -EIO);
	bad = zpfs_slot_same(0);
	bad.enc |= 1ull << 12;
	EXPECT_EQ(zpfs_store_read(st, &bad, buf, 0, PAGE), -EIO);
	bad = zpfs_slot_same(0);
	bad.enc |= 3ull << ZPFS_SLOT_MODE_SHIFT;	/* no such mode */
	EXPECT_EQ(zpfs_store_read(st, &bad, buf, 0, PAGE), -EIO);
	EXPECT_TRUE(reads_back(st, &slot, page));
	zpfs_store_drop(st, &slot);
	zpfs_store_destroy(st);
#endif
}

/* lz4hc at several levels, and none. */
static void test_codecs(void)
{
	static const char *const specs[] = {
#if HAVE_LZ4
		"lz4hc", "lz4hc:1", "lz4hc:12",
#endif
		"none",
	};
	uint64_t start = zpool_page_count();
	unsigned char page[PAGE], rnd[PAGE];
	struct zpfs_slot slot, raw;
	uint32_t lz4_len = PAGE;
	struct zpfs_store *st;
	const struct zpfs_codec *codec;
	int level;

	fill_text(page, 12);
	fill_random(rnd, 13);
#if HAVE_LZ4
	st = store_new("lz4", 1 << 20);
	ASSERT_TRUE(st);
	ASSERT_EQ(zpfs_store_put(st, page, &slot), 0);
	lz4_len = zpfs_slot_len(&slot);
	zpfs_store_drop(st, &slot);
	zpfs_store_destroy(st);
#endif
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		st = store_new(specs[i], 1 << 20);
		ASSERT_TRUE(st);
		codec = zpfs_store_codec(st, &level);
		EXPECT_TRUE(strncmp(specs[i], zpfs_codec_name(codec),
				    strlen(zpfs_codec_name(codec))) == 0);
		ASSERT_EQ(zpfs_store_put(st, page, &slot), 0);
		if (strcmp(specs[i], "none") == 0) {
			EXPECT_EQ(zpfs_slot_kind(&slot), ZPFS_SLOT_RAW);
		} else {
			printf("# %s (level %d): %u bytes, lz4 %u\n",
			       specs[i], level, zpfs_slot_len(&slot), lz4_len);
			EXPECT_EQ(zpfs_slot_kind(&slot), ZPFS_SLOT_COMP);
			EXPECT_LE(zpfs_slot_len(&slot), lz4_len);
		}
		EXPECT_TRUE(reads_back(st, &slot, page));
		ASSERT_EQ(zpfs_store_put(st, rnd, &raw), 0);
		EXPECT_EQ(zpfs_slot_kind(&raw), ZPFS_SLOT_RAW);
		EXPECT_TRUE(reads_back(st, &raw, rnd));
		zpfs_store_drop(st, &slot);
		zpfs_store_drop(st, &raw);
		EXPECT_TRUE(store_empty(st));
		zpfs_store_destroy(st);
	}
	EXPECT_EQ(zpool_page_count(), start);
}

/* Several threads put, read and drop their own slots in one store. */
#define NR_THREADS	4
#define THREAD_SLOTS	64
#define THREAD_OPS	20000

struct worker {
	pthread_t tid;
	struct zpfs_store *st;
	uint64_t seed;
	int failed;
};

static void make_page(unsigned char *page, uint64_t id)
{
	switch (id % 4) {
	case 0:
		memset(page, (int)(id & 0xff), PAGE);
		break;
	case 1:
		fill_random(page, id);
		break;
	default:
		fill_text(page, id);
		break;
	}
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	struct zpfs_slot slots[THREAD_SLOTS] = { { 0 } };
	uint64_t ids[THREAD_SLOTS] = { 0 };
	unsigned char page[PAGE], want[PAGE];
	uint64_t rng = w->seed | 1;

	for (int op = 0; op < THREAD_OPS && !w->failed; op++) {
		unsigned int i = (unsigned int)(tap_rand(&rng) % THREAD_SLOTS);
		struct zpfs_slot fresh;

		switch (tap_rand(&rng) % 3) {
		case 0: {	/* replace, as a write does */
			uint64_t id = tap_rand(&rng) >> 8;

			make_page(page, id);
			if (zpfs_store_put(w->st, page, &fresh)) {
				w->failed = 1;
				break;
			}
			zpfs_store_drop(w->st, &slots[i]);
			slots[i] = fresh;
			ids[i] = id;
			break;
		}
		case 1: {	/* read, check */
			size_t off = tap_rand(&rng) % PAGE;
			size_t len = tap_rand(&rng) % (PAGE - off + 1);

			if (zpfs_slot_kind(&slots[i]) == ZPFS_SLOT_HOLE)
				memset(want, 0, PAGE);
			else
				make_page(want, ids[i]);
			if (zpfs_store_read(w->st, &slots[i], page, off, len) ||
			    memcmp(page, want + off, len))
				w->failed = 1;
			break;
		}
		default:
			zpfs_store_drop(w->st, &slots[i]);
			break;
		}
	}
	for (int i = 0; i < THREAD_SLOTS; i++)
		zpfs_store_drop(w->st, &slots[i]);
	return NULL;
}

static void test_threads(void)
{
	uint64_t seed = tap_seed("test_threads");
	uint64_t start = zpool_page_count();
	struct zpfs_store *st = store_new(DEFAULT_CODEC, 1ull << 32);
	struct worker w[NR_THREADS];

	ASSERT_TRUE(st);
	for (int i = 0; i < NR_THREADS; i++) {
		w[i].st = st;
		w[i].seed = seed + (uint64_t)i * 7919;
		w[i].failed = 0;
		ASSERT_EQ(pthread_create(&w[i].tid, NULL, worker_fn, &w[i]), 0);
	}
	for (int i = 0; i < NR_THREADS; i++) {
		pthread_join(w[i].tid, NULL);
		if (w[i].failed)
			TAP_FAIL("thread %d saw wrong data", i);
	}
	EXPECT_TRUE(store_empty(st));
	zpfs_store_destroy(st);
	EXPECT_EQ(zpool_page_count(), start);
}

#if HAVE_LZ4
/* lz4hc from threads that come and go: each frees its state on exit. */
static void *hc_fn(void *arg)
{
	struct zpfs_store *st = arg;
	unsigned char page[PAGE];
	struct zpfs_slot slot;
	void *ret = NULL;

	fill_text(page, 14);
	if (zpfs_store_put(st, page, &slot) || !reads_back(st, &slot, page))
		ret = st;
	zpfs_store_drop(st, &slot);
	return ret;
}

static void test_hc_threads(void)
{
	struct zpfs_store *st = store_new("lz4hc:4", 1 << 20);

	ASSERT_TRUE(st);
	for (int i = 0; i < 8; i++) {
		pthread_t tid;
		void *ret;

		ASSERT_EQ(pthread_create(&tid, NULL, hc_fn, st), 0);
		pthread_join(tid, &ret);
		EXPECT_TRUE(ret == NULL);
	}
	EXPECT_TRUE(store_empty(st));
	zpfs_store_destroy(st);
}
#else
static void test_hc_threads(void)
{
}
#endif

/* zpfs_store_pool_stats() collects into this. */
struct pool_figs {
	int n;
	char first[32];
	uint64_t pages;		/* "pages" */
	uint64_t objects;	/* "objects", or UINT64_MAX when missing */
};

static void collect_fig(void *arg, const char *key, uint64_t value)
{
	struct pool_figs *f = arg;

	if (f->n++ == 0)
		snprintf(f->first, sizeof(f->first), "%s", key);
	if (strcmp(key, "pages") == 0)
		f->pages = value;
	else if (strcmp(key, "objects") == 0)
		f->objects = value;
}

/*
 * Every back end behind the store: text pages in, every other one dropped,
 * zpfs_store_compact(); the figures, the back end's own included, agree,
 * the pages left read back, and only zsmalloc frees pages by compaction
 * (zbud and z3fold free theirs as they empty). Raw pages stay outside the
 * pool whatever the back end (store.c explains why).
 */
static void test_backends_compact(void)
{
	static const char *const backends[] = { "zbud", "z3fold", "zsmalloc" };
	enum { N = 4096 };
	static struct zpfs_slot slots[N];
	static unsigned char page[PAGE];
	const struct zpfs_codec *codec;
	uint64_t start = zpool_page_count();
	int level;

	codec = codec_of(DEFAULT_CODEC, &level);
	ASSERT_TRUE(codec);
	for (size_t b = 0; b < sizeof(backends) / sizeof(backends[0]); b++) {
		bool is_zs = strcmp(backends[b], "zsmalloc") == 0;
		struct zpfs_store *st;
		struct zpfs_store_stats s;
		struct pool_figs f;
		struct zpfs_slot raw;
		unsigned long freed;
		uint64_t before;
		int bad = 0;

		printf("# %s\n", backends[b]);
		st = zpfs_store_create(backends[b], codec, level, 1ull << 30);
		ASSERT_TRUE(st);
		for (int i = 0; i < N; i++) {
			fill_text(page, (uint64_t)i + 1);
			ASSERT_EQ(zpfs_store_put(st, page, &slots[i]), 0);
		}
		fill_random(page, 99);
		ASSERT_EQ(zpfs_store_put(st, page, &raw), 0);
		EXPECT_EQ(zpfs_slot_kind(&raw), ZPFS_SLOT_RAW);

		memset(&f, 0, sizeof(f));
		f.objects = UINT64_MAX;
		zpfs_store_pool_stats(st, collect_fig, &f);
		s = stats_of(st);
		EXPECT_STREQ(f.first, "pages");
		EXPECT_EQ(f.pages, s.pool_pages);
		if (strcmp(backends[b], "zbud") != 0)
			EXPECT_EQ(f.objects, s.comp_pages);
		EXPECT_EQ(s.raw_pages, 1);
		EXPECT_EQ(s.mem_used, (s.pool_pages + 1) * PAGE);
		EXPECT_EQ(s.compacted_pages, 0);

		for (int i = 1; i < N; i += 2)
			zpfs_store_drop(st, &slots[i]);
		before = stats_of(st).pool_pages;
		freed = zpfs_store_compact(st);
		s = stats_of(st);
		printf("#   pool pages %" PRIu64 " -> %" PRIu64 ", freed %lu\n",
		       before, s.pool_pages, freed);
		EXPECT_EQ(s.compacted_pages, freed);
		EXPECT_LE(s.pool_pages + freed, before + 1);
		if (is_zs)
			EXPECT_TRUE(freed > 0);
		else
			EXPECT_EQ(freed, 0);
		for (int i = 0; i < N; i += 2) {
			fill_text(page, (uint64_t)i + 1);
			bad += !reads_back(st, &slots[i], page);
		}
		EXPECT_EQ(bad, 0);

		for (int i = 0; i < N; i += 2)
			zpfs_store_drop(st, &slots[i]);
		zpfs_store_drop(st, &raw);
		EXPECT_TRUE(stats_of(st).pool_pages <= 2);
		zpfs_store_destroy(st);
		EXPECT_EQ(zpool_page_count(), start);
	}
}

#if HAVE_LZ4
/*
 * "wide": a back end whose handles stop fitting in a slot on demand. An
 * object is a malloc() block; its handle is the block's address, with the
 * top bit of the handle set while wide_handles is true (ZPFS_SLOT_HANDLE_MAX
 * is far below it). Used from one thread at a time.
 */
#define WIDE_BIT	((unsigned long)1 << (sizeof(unsigned long) * 8 - 1))

static bool wide_handles;
static long wide_objects;	/* live objects */

static void *wide_create(const char *name, gfp_t gfp)
{
	(void)name;
	(void)gfp;
	return &wide_objects;
}

static void wide_destroy(void *pool)
{
	(void)pool;
}

static int wide_malloc(void *pool, size_t size, gfp_t gfp,
		       unsigned long *handle)
{
	void *obj;

	(void)pool;
	(void)gfp;
	if (!size)
		return -EINVAL;
	obj = malloc(size);
	if (!obj)
		return -ENOMEM;
	wide_objects++;
	*handle = (unsigned long)(uintptr_t)obj | (wide_handles ? WIDE_BIT : 0);
	return 0;
}

static void wide_free(void *pool, unsigned long handle)
{
	(void)pool;
	free((void *)(uintptr_t)(handle & ~WIDE_BIT));
	wide_objects--;
}

static void *wide_map(void *pool, unsigned long handle,
		      enum zpool_mapmode mm)
{
	(void)pool;
	(void)mm;
	return (void *)(uintptr_t)(handle & ~WIDE_BIT);
}

static void wide_unmap(void *pool, unsigned long handle)
{
	(void)pool;
	(void)handle;
}

static uint64_t wide_total_pages(void *pool)
{
	(void)pool;
	return 0;
}

static struct zpool_driver wide_driver = {
	.type = "wide",
	.create = wide_create,
	.destroy = wide_destroy,
	.malloc = wide_malloc,
	.free = wide_free,
	.map = wide_map,
	.unmap = wide_unmap,
	.total_pages = wide_total_pages,
};

/*
 * A handle too large for a slot: put gives the object back and stores the
 * page raw; dup of a compressed page decompresses it into a raw page.
 * Nothing is lost or leaked either way.
 */
static void test_wide_handles(void)
{
	uint64_t start = zpool_page_count();
	const struct zpfs_codec *codec;
	unsigned char text[PAGE], text2[PAGE];
	struct zpfs_slot comp, raw, copy;
	struct zpfs_store *st;
	int level;

	if ((uint64_t)WIDE_BIT <= ZPFS_SLOT_HANDLE_MAX) {
		printf("# handles of %zu bits always fit\n",
		       sizeof(unsigned long) * 8);
		return;
	}
	codec = codec_of("lz4", &level);
	ASSERT_TRUE(codec);
	zpool_register_driver(&wide_driver);
	st = zpfs_store_create("wide", codec, level, 1 << 20);
	ASSERT_TRUE(st);
	fill_text(text, 21);
	fill_text(text2, 22);

	wide_handles = false;
	ASSERT_EQ(zpfs_store_put(st, text, &comp), 0);
	EXPECT_EQ(zpfs_slot_kind(&comp), ZPFS_SLOT_COMP);
	EXPECT_EQ(wide_objects, 1);

	wide_handles = true;
	ASSERT_EQ(zpfs_store_put(st, text2, &raw), 0);
	EXPECT_EQ(zpfs_slot_kind(&raw), ZPFS_SLOT_RAW);
	EXPECT_EQ(wide_objects, 1);
	EXPECT_TRUE(reads_back(st, &raw, text2));

	ASSERT_EQ(zpfs_store_dup(st, &comp, &copy), 0);
	EXPECT_EQ(zpfs_slot_kind(&copy), ZPFS_SLOT_RAW);
	EXPECT_EQ(wide_objects, 1);
	EXPECT_EQ(stats_of(st).comp_pages, 1);
	EXPECT_EQ(stats_of(st).raw_pages, 2);
	zpfs_store_drop(st, &comp);
	EXPECT_TRUE(reads_back(st, &copy, text));
	EXPECT_EQ(zpool_page_count(), start + 2);

	zpfs_store_drop(st, &copy);
	zpfs_store_drop(st, &raw);
	EXPECT_EQ(wide_objects, 0);
	EXPECT_TRUE(store_empty(st));
	zpfs_store_destroy(st);
	EXPECT_EQ(zpool_unregister_driver(&wide_driver), 0);
	EXPECT_EQ(zpool_page_count(), start);
}
#else
static void test_wide_handles(void)
{
}
#endif

TAP_MAIN(TAP_TEST(test_codec_find),
	 TAP_TEST(test_codec_roundtrip),
	 TAP_TEST(test_bad_backend),
	 TAP_TEST(test_slot_encoding),
	 TAP_TEST(test_same),
	 TAP_TEST(test_same_no_room),
	 TAP_TEST(test_comp),
	 TAP_TEST(test_raw),
	 TAP_TEST(test_dup),
	 TAP_TEST(test_limit),
	 TAP_TEST(test_meta),
	 TAP_TEST(test_enomem),
	 TAP_TEST(test_corrupt),
	 TAP_TEST(test_codecs),
	 TAP_TEST(test_threads),
	 TAP_TEST(test_hc_threads),
	 TAP_TEST(test_backends_compact),
	 TAP_TEST(test_wide_handles))
