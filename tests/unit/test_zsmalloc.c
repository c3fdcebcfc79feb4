/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_zsmalloc.c - unit tests of the zsmalloc allocator
 * (zsmalloc/zsmalloc.c) beyond what test_backend.c checks for every back
 * end: the size classes and their zspage geometry, the exact pages a
 * sequence of allocations takes (objects laid end to end, spanning pages,
 * pages taken only when first used and given back when no object touches
 * them), mapping through the per-thread buffer, compaction (data and
 * handles survive moves, pages are freed, the class ends up in as few
 * zspages and pages as its objects need, a mapped object is not moved),
 * automatic compaction (also after half a class is freed at random), the
 * statistics, -ENOMEM paths, and the loadable module.
 *
 * The expected page counts are computed here from the geometry the pool
 * reports (zs_class_stats()), checked first against its definition: a
 * zspage of pages_per_zspage pages holds floor(pages * 4096 / size) slots
 * of size bytes, end to end.
 *
 * Environment: TEST_SEED replays a randomised test; ZSMALLOC_MODULE names
 * zpool-zsmalloc.so (set by meson when modules are built).
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/tap.h"
#include "tests/unit/test_util.h"
#include "zpool/page.h"
#include "zpool/zpool.h"
#include "zsmalloc/zsmalloc.h"

#define PG		4096ul
#define DELTA		16ul
#define MAX_CHAIN	32u
#define MAX_SLOTS	256u

static void put(struct zs_pool *pool, unsigned long h, size_t size,
		uint64_t tag)
{
	tu_fill(zs_map_object(pool, h, ZPOOL_MM_WO), size, tag);
	zs_unmap_object(pool, h);
}

static bool check(struct zs_pool *pool, unsigned long h, size_t size,
		  uint64_t tag)
{
	bool ok = tu_verify(zs_map_object(pool, h, ZPOOL_MM_RO), size, tag);

	zs_unmap_object(pool, h);
	return ok;
}

static struct zs_class_stats class_of(struct zs_pool *pool, size_t size)
{
	struct zs_class_stats st;

	memset(&st, 0, sizeof(st));
	if (zs_class_stats(pool, size, &st))
		TAP_FAIL("zs_class_stats(%zu) failed", size);
	return st;
}

/* Pages the first @m slots of a zspage of @size-byte slots lie on. */
static uint64_t pages_of_slots(uint64_t m, uint64_t size)
{
	return (m * size + PG - 1) / PG;
}

/* Free slots wholly on the pages the first @m slots lie on. */
static uint64_t holes_of_slots(uint64_t m, const struct zs_class_stats *c)
{
	uint64_t fit = pages_of_slots(m, c->size) * PG / c->size;

	if (fit > c->objs_per_zspage)
		fit = c->objs_per_zspage;
	return fit - m;
}

/*****************
 * Geometry
 *****************/

static void test_geometry(void)
{
	struct zs_pool *pool = zs_create_pool("geometry");
	struct zs_class_stats prev = { 0 }, c;
	unsigned int classes = 0, chain_hist[MAX_CHAIN + 1] = { 0 };
	double worst = 0;
	int bad = 0;

	ASSERT_TRUE(pool);
	EXPECT_EQ(zs_class_stats(pool, 0, &c), -EINVAL);
	EXPECT_EQ(zs_class_stats(pool, 4097, &c), -EINVAL);
	for (size_t size = 1; size <= 4096 && bad < 5; size++) {
		size_t rounded = (size + DELTA - 1) / DELTA * DELTA;
		double waste, best = 1;

		c = class_of(pool, size);
		if (c.size < rounded || c.size % DELTA || c.size > 4096 ||
		    c.size < prev.size || !c.pages_per_zspage ||
		    c.pages_per_zspage > MAX_CHAIN ||
		    c.objs_per_zspage != c.pages_per_zspage * PG / c.size ||
		    c.objs_per_zspage > MAX_SLOTS || c.objs || c.zspages) {
			TAP_FAIL("size %zu: class %u, %u pages, %u slots",
				 size, c.size, c.pages_per_zspage,
				 c.objs_per_zspage);
			bad++;
		}
		/* merged sizes share the geometry of the class they join */
		if (c.size > rounded) {
			struct zs_class_stats own = class_of(pool, c.size);

			if (own.pages_per_zspage != c.pages_per_zspage ||
			    own.objs_per_zspage != c.objs_per_zspage) {
				TAP_FAIL("size %zu: merged into a class of "
					 "another geometry", size);
				bad++;
			}
		}
		if (c.size != prev.size) {
			classes++;
			chain_hist[c.pages_per_zspage]++;
		}
		/* the chain wastes little more than the best possible one */
		for (unsigned int n = 1; n <= MAX_CHAIN; n++) {
			uint64_t o = n * PG / c.size;

			if (o > MAX_SLOTS)
				break;
			waste = (double)(n * PG - o * c.size) /
				(double)(n * PG);
			if (waste < best)
				best = waste;
		}
		waste = (double)(c.pages_per_zspage * PG -
				 c.objs_per_zspage * c.size) /
			(double)(c.pages_per_zspage * PG);
		if (waste - best > worst)
			worst = waste - best;
		if (waste > best + 0.01) {
			TAP_FAIL("class %u: %u pages waste %.2f %%, best %.2f "
				 "%%", c.size, c.pages_per_zspage,
				 100 * waste, 100 * best);
			bad++;
		}
		prev = c;
	}
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(class_of(pool, 4096).size, 4096);
	EXPECT_EQ(class_of(pool, 1).size, class_of(pool, 16).size);
	printf("# %u classes after merging; worst extra end waste %.3f %%; "
	       "chains:", classes, 100 * worst);
	for (unsigned int n = 1; n <= MAX_CHAIN; n++)
		if (chain_hist[n])
			printf(" %u:%u", n, chain_hist[n]);
	printf("\n");
	zs_destroy_pool(pool);
}

/*****************
 * Placement
 *****************/

/*
 * Objects of one class laid end to end: after each allocation the class
 * holds exactly the pages the used slots lie on, and counts as holes the
 * free slots wholly on them. Then frees give pages back as soon as no
 * object touches them.
 */
static void check_sequence(struct zs_pool *pool, size_t size)
{
	struct zs_class_stats c = class_of(pool, size), now;
	uint64_t o = c.objs_per_zspage, n = 3 * o + o / 2 + 1;
	unsigned long *h = calloc(n, sizeof(*h));
	uint64_t base = zpool_page_count();
	struct zs_pool_stats ps;

	ASSERT_TRUE(h);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t full = (i + 1) / o, rem = (i + 1) % o;
		uint64_t want_pages = full * c.pages_per_zspage +
				      pages_of_slots(rem, c.size);
		uint64_t want_holes = rem ? holes_of_slots(rem, &c) : 0;

		ASSERT_EQ(zs_malloc(pool, size, 0, &h[i]), 0);
		put(pool, h[i], size, i);
		now = class_of(pool, size);
		if (now.pages != want_pages || now.objs != i + 1 ||
		    now.zspages != full + !!rem || now.holes != want_holes) {
			TAP_FAIL("class %u, %" PRIu64 " objects: %" PRIu64
				 " pages (want %" PRIu64 "), %" PRIu64
				 " zspages, %" PRIu64 " holes (want %" PRIu64
				 ")", c.size, i + 1, now.pages, want_pages,
				 now.zspages, now.holes, want_holes);
			break;
		}
	}
	zs_pool_stats(pool, &ps);
	EXPECT_EQ(ps.zspage_pages, class_of(pool, size).pages);
	EXPECT_EQ(ps.objs, n);
	EXPECT_EQ(zpool_page_count() - base, ps.zspage_pages + ps.handle_pages);
	EXPECT_EQ(zs_get_total_pages(pool), ps.zspage_pages + ps.handle_pages +
		  (ps.meta_bytes + PG - 1) / PG);

	/* free the second zspage from its top: pages go one by one */
	for (uint64_t i = 2 * o - 1; i >= o; i--) {
		uint64_t rem = i - o;
		uint64_t want = 2 * c.pages_per_zspage + (n - 3 * o ?
			pages_of_slots(n - 3 * o, c.size) : 0) +
			pages_of_slots(rem, c.size);

		zs_free(pool, h[i]);
		h[i] = 0;
		now = class_of(pool, size);
		if (now.pages != want) {
			TAP_FAIL("class %u: freeing slot %" PRIu64 ": %" PRIu64
				 " pages, want %" PRIu64, c.size, rem,
				 now.pages, want);
			break;
		}
	}
	for (uint64_t i = 0; i < n; i++) {
		if (!h[i])
			continue;
		if (!check(pool, h[i], size, i)) {
			TAP_FAIL("class %u: object %" PRIu64 " corrupted",
				 c.size, i);
			break;
		}
		zs_free(pool, h[i]);
	}
	now = class_of(pool, size);
	EXPECT_EQ(now.pages, 0);
	EXPECT_EQ(now.zspages, 0);
	EXPECT_EQ(now.holes, 0);
	EXPECT_EQ(zs_get_total_pages(pool), 0);
	EXPECT_EQ(zpool_page_count(), base);
	free(h);
}

static void test_sequences(void)
{
	static const size_t sizes[] = { 1, 17, 100, 500, 1000, 1365, 1904,
					2048, 2049, 2730, 3000, 3500, 4000,
					4096 };
	struct zs_pool *pool = zs_create_pool("sequences");

	ASSERT_TRUE(pool);
	zs_set_auto_compact(pool, 0);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		check_sequence(pool, sizes[i]);
	zs_destroy_pool(pool);
}

/* A page in the middle goes back once no object touches it. */
static void test_page_release(void)
{
	struct zs_pool *pool = zs_create_pool("release");
	struct zs_class_stats c;
	unsigned long h[16];

	ASSERT_TRUE(pool);
	zs_set_auto_compact(pool, 0);
	c = class_of(pool, 4096);
	ASSERT_TRUE(c.objs_per_zspage >= 3);
	for (int i = 0; i < 3; i++) {
		void *p;

		ASSERT_EQ(zs_malloc(pool, 4096, 0, &h[i]), 0);
		p = zs_map_object(pool, h[i], ZPOOL_MM_WO);
		EXPECT_EQ((uintptr_t)p % PG, 0);	/* a page of its own */
		tu_fill(p, 4096, (uint64_t)i);
		zs_unmap_object(pool, h[i]);
	}
	EXPECT_EQ(class_of(pool, 4096).pages, 3);
	zs_free(pool, h[1]);
	c = class_of(pool, 4096);
	EXPECT_EQ(c.pages, 2);
	EXPECT_EQ(c.zspages, 1);
	EXPECT_EQ(c.holes, 0);			/* slot 1's page is gone */
	/* the freed slot is used again, with a new page */
	ASSERT_EQ(zs_malloc(pool, 4000, 0, &h[1]), 0);
	put(pool, h[1], 4000, 11);
	EXPECT_EQ(class_of(pool, 4096).pages, 3);
	EXPECT_TRUE(check(pool, h[0], 4096, 0));
	EXPECT_TRUE(check(pool, h[1], 4000, 11));
	EXPECT_TRUE(check(pool, h[2], 4096, 2));
	for (int i = 0; i < 3; i++)
		zs_free(pool, h[i]);
	EXPECT_EQ(zs_get_total_pages(pool), 0);
	zs_destroy_pool(pool);
}

/*****************
 * Mapping
 *****************/

/*
 * Slots lying in one page are mapped in place, at distinct addresses;
 * slots spanning two pages are mapped in the thread's buffer, always the
 * same one, unless their two pages happen to be neighbours in memory.
 * Writes through either, in every mode that writes, stick. Objects of
 * another pool are allocated in between, one page each, so that the pages
 * of a zspage are mostly not neighbours.
 */
static void test_map_spanning(void)
{
	struct zs_pool *pool = zs_create_pool("map");
	struct zs_pool *other = zs_create_pool("other");
	const size_t size = 1904;
	struct zs_class_stats c;
	enum { N = 60 };
	unsigned long h[N], oh[N];
	void *addr[N], *buf = NULL;
	unsigned int spanning = 0, copied = 0;

	ASSERT_TRUE(pool && other);
	zs_set_auto_compact(pool, 0);
	c = class_of(pool, size);
	for (unsigned int i = 0; i < N; i++) {
		uint64_t slot = i % c.objs_per_zspage;
		uint64_t off = slot * c.size % PG;
		bool spans = off + c.size > PG;

		ASSERT_EQ(zs_malloc(pool, size, 0, &h[i]), 0);
		ASSERT_EQ(zs_malloc(other, 4096, 0, &oh[i]), 0);
		addr[i] = zs_map_object(pool, h[i], ZPOOL_MM_WO);
		EXPECT_EQ((uintptr_t)addr[i] % 16, 0);
		tu_fill(addr[i], size, i);
		zs_unmap_object(pool, h[i]);
		if (spans)
			spanning++;
		if (((uintptr_t)addr[i] & (PG - 1)) == off)
			continue;	/* in place */
		EXPECT_TRUE(spans);
		if (!buf)
			buf = addr[i];
		EXPECT_TRUE(addr[i] == buf);
		copied++;
	}
	EXPECT_TRUE(spanning > 0 && spanning < N);
	EXPECT_TRUE(copied > 0);
	for (unsigned int i = 0; i < N; i++)
		for (unsigned int j = i + 1; j < N; j++)
			if (addr[i] == addr[j] && addr[i] != buf)
				TAP_FAIL("objects %u and %u share %p", i, j,
					 addr[i]);
	/* read-modify-write through RW sticks */
	for (unsigned int i = 0; i < N; i++) {
		unsigned char *p = zs_map_object(pool, h[i], ZPOOL_MM_RW);

		EXPECT_TRUE(tu_verify(p, size, i));
		tu_fill(p, size, 1000 + i);
		zs_unmap_object(pool, h[i]);
	}
	for (unsigned int i = 0; i < N; i++) {
		EXPECT_TRUE(check(pool, h[i], size, 1000 + i));
		zs_free(pool, h[i]);
		zs_free(other, oh[i]);
	}
	printf("# %u of %u objects of %zu bytes span two pages, %u through "
	       "the buffer\n", spanning, N, size, copied);
	zs_destroy_pool(pool);
	zs_destroy_pool(other);
}

/*****************
 * Compaction
 *****************/

/*
 * Fill @n objects of @size, free a random @pct percent, compact: every
 * object left is intact through its old handle, pages were freed, the
 * class holds no more zspages than its objects need, all full but one
 * whose objects are its lowest slots, so no more pages than that.
 */
static void compact_one(size_t size, unsigned int n, unsigned int pct,
			uint64_t *rng)
{
	struct zs_pool *pool = zs_create_pool("compact");
	unsigned long *h = calloc(n, sizeof(*h));
	uint64_t base = zpool_page_count(), before, freed, min_pages;
	struct zs_class_stats c;
	struct zs_pool_stats ps;
	unsigned int live = 0, bad = 0;

	ASSERT_TRUE(pool && h);
	zs_set_auto_compact(pool, 0);
	for (unsigned int i = 0; i < n; i++) {
		ASSERT_EQ(zs_malloc(pool, size, 0, &h[i]), 0);
		put(pool, h[i], size, i);
	}
	for (unsigned int i = 0; i < n; i++) {
		if (tap_rand(rng) % 100 < pct) {
			zs_free(pool, h[i]);
			h[i] = 0;
		} else {
			live++;
		}
	}
	c = class_of(pool, size);
	before = c.pages;
	freed = zs_compact(pool);
	c = class_of(pool, size);
	zs_pool_stats(pool, &ps);
	for (unsigned int i = 0; i < n; i++)
		if (h[i] && !check(pool, h[i], size, i))
			bad++;
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(c.objs, live);
	EXPECT_EQ(freed, before - c.pages);
	EXPECT_EQ(ps.pages_compacted, freed);
	EXPECT_EQ(c.zspages, (live + c.objs_per_zspage - 1) /
			     c.objs_per_zspage);
	min_pages = ((uint64_t)live * c.size + PG - 1) / PG;
	EXPECT_LE(c.pages, min_pages + 2 * c.zspages);
	/* full zspages, and one holding the lowest slots: the fewest pages */
	EXPECT_EQ(c.pages, live / c.objs_per_zspage * c.pages_per_zspage +
		  pages_of_slots(live % c.objs_per_zspage, c.size));
	printf("# class %u (%u pages, %u slots): %u objects, %u%% freed: %"
	       PRIu64 " pages -> %" PRIu64 " (at least %" PRIu64 "), %"
	       PRIu64 " moved\n", c.size, c.pages_per_zspage,
	       c.objs_per_zspage, n, pct, before, c.pages, min_pages,
	       ps.objs_moved);
	/* more than the bound above before: compaction freed some */
	if (before > min_pages + 2 * c.zspages)
		EXPECT_TRUE(freed > 0);
	/* 4096-byte objects have a page each: their pages go at once */
	if (c.size == PG)
		EXPECT_EQ(before, live);
	/* compacting again finds little to do, and keeps the data */
	EXPECT_LE(zs_compact(pool), c.zspages);
	for (unsigned int i = 0; i < n; i++)
		if (h[i] && !check(pool, h[i], size, i))
			bad++;
	EXPECT_EQ(bad, 0);
	for (unsigned int i = 0; i < n; i++)
		if (h[i])
			zs_free(pool, h[i]);
	EXPECT_EQ(zs_get_total_pages(pool), 0);
	EXPECT_EQ(zpool_page_count(), base);
	zs_destroy_pool(pool);
	free(h);
}

static void test_compact(void)
{
	uint64_t rng = tap_seed("compact");

	compact_one(1904, 1000, 70, &rng);
	compact_one(100, 5000, 90, &rng);
	compact_one(3000, 300, 50, &rng);
	compact_one(4096, 200, 60, &rng);
	compact_one(2049, 500, 99, &rng);
	compact_one(700, 2000, 10, &rng);
}

/* Objects of many sizes, half freed at random, compacted, still intact. */
static void test_compact_mixed(void)
{
	uint64_t rng = tap_seed("compact_mixed");
	struct zs_pool *pool = zs_create_pool("mixed");
	enum { N = 20000 };
	unsigned long *h = calloc(N, sizeof(*h));
	size_t *size = calloc(N, sizeof(*size));
	uint64_t live_bytes = 0, pages_before, pages_after;
	unsigned int bad = 0;

	ASSERT_TRUE(pool && h && size);
	zs_set_auto_compact(pool, 0);
	for (unsigned int i = 0; i < N; i++) {
		size[i] = 1 + tap_rand(&rng) % 4096;
		ASSERT_EQ(zs_malloc(pool, size[i], 0, &h[i]), 0);
		put(pool, h[i], size[i], i);
	}
	for (unsigned int i = 0; i < N; i++) {
		if (tap_rand(&rng) & 1) {
			zs_free(pool, h[i]);
			h[i] = 0;
		} else {
			live_bytes += size[i];
		}
	}
	pages_before = zs_get_total_pages(pool);
	zs_compact(pool);
	pages_after = zs_get_total_pages(pool);
	for (unsigned int i = 0; i < N; i++) {
		if (h[i] && !check(pool, h[i], size[i], i))
			bad++;
		if (h[i])
			zs_free(pool, h[i]);
	}
	printf("# %d objects, half freed: %" PRIu64 " pages -> %" PRIu64
	       " for %" PRIu64 " bytes (%.1f %% over)\n", N, pages_before,
	       pages_after, live_bytes,
	       100.0 * ((double)pages_after * PG / (double)live_bytes - 1));
	EXPECT_EQ(bad, 0);
	EXPECT_TRUE(pages_after < pages_before);
	/* 0.4 % of rounding, 2 % end waste, 1.5 % metadata, small tails */
	EXPECT_LE(pages_after * PG, live_bytes / 100 * 110);
	EXPECT_EQ(zs_get_total_pages(pool), 0);
	zs_destroy_pool(pool);
	free(h);
	free(size);
}

/* A mapped object is not moved: compaction waits for the unmap. */
struct compactor {
	struct zs_pool *pool;
	atomic_int done;
	unsigned long freed;
};

static void *compactor_run(void *arg)
{
	struct compactor *cp = arg;

	cp->freed = zs_compact(cp->pool);
	atomic_store(&cp->done, 1);
	return NULL;
}

static void test_compact_waits_for_map(void)
{
	struct zs_pool *pool = zs_create_pool("mapped");
	struct compactor cp = { .pool = pool };
	enum { N = 300 };
	unsigned long h[N];
	pthread_t tid;
	void *p;

	ASSERT_TRUE(pool);
	zs_set_auto_compact(pool, 0);
	for (unsigned int i = 0; i < N; i++) {
		ASSERT_EQ(zs_malloc(pool, 1000, 0, &h[i]), 0);
		put(pool, h[i], 1000, i);
	}
	for (unsigned int i = 0; i < N - 1; i++)
		if (i % 5)
			zs_free(pool, h[i]);
	/* the last object is at the top of the sparsest zspage: it moves */
	p = zs_map_object(pool, h[N - 1], ZPOOL_MM_RW);
	ASSERT_EQ(pthread_create(&tid, NULL, compactor_run, &cp), 0);
	usleep(100 * 1000);
	EXPECT_EQ(atomic_load(&cp.done), 0);
	EXPECT_TRUE(tu_verify(p, 1000, N - 1));
	tu_fill(p, 1000, 7777);
	zs_unmap_object(pool, h[N - 1]);
	pthread_join(tid, NULL);
	EXPECT_EQ(atomic_load(&cp.done), 1);
	EXPECT_TRUE(cp.freed > 0);
	EXPECT_TRUE(check(pool, h[N - 1], 1000, 7777));
	for (unsigned int i = 0; i < N - 1; i++)
		if (!(i % 5)) {
			EXPECT_TRUE(check(pool, h[i], 1000, i));
			zs_free(pool, h[i]);
		}
	zs_free(pool, h[N - 1]);
	EXPECT_EQ(zs_get_total_pages(pool), 0);
	zs_destroy_pool(pool);
}

/*
 * Automatic compaction: a class whose objects are mostly freed at random
 * ends up in far fewer pages than without, with no zs_compact() call.
 */
static void test_auto_compact(void)
{
	uint64_t seed = tap_seed("auto_compact");
	uint64_t pages[2], live_bytes = 0;
	struct zs_pool_stats ps[2];
	enum { N = 6000 };

	for (int on = 0; on < 2; on++) {
		struct zs_pool *pool = zs_create_pool("auto");
		unsigned long *h = calloc(N, sizeof(*h));
		uint64_t rng = seed;
		unsigned int bad = 0;

		ASSERT_TRUE(pool && h);
		if (!on)
			zs_set_auto_compact(pool, 0);
		for (unsigned int i = 0; i < N; i++) {
			ASSERT_EQ(zs_malloc(pool, 1500, 0, &h[i]), 0);
			put(pool, h[i], 1500, i);
		}
		live_bytes = 0;
		for (unsigned int i = 0; i < N; i++) {
			if (tap_rand(&rng) % 100 < 75) {
				zs_free(pool, h[i]);
				h[i] = 0;
			} else {
				live_bytes += 1504;
			}
		}
		pages[on] = class_of(pool, 1500).pages;
		zs_pool_stats(pool, &ps[on]);
		for (unsigned int i = 0; i < N; i++) {
			if (h[i] && !check(pool, h[i], 1500, i))
				bad++;
			if (h[i])
				zs_free(pool, h[i]);
		}
		EXPECT_EQ(bad, 0);
		EXPECT_EQ(zs_get_total_pages(pool), 0);
		zs_destroy_pool(pool);
		free(h);
	}
	printf("# %d objects, 75 %% freed: %" PRIu64 " pages without, %"
	       PRIu64 " with automatic compaction (%" PRIu64 " runs, %"
	       PRIu64 " moves) for %" PRIu64 " bytes\n", N, pages[0],
	       pages[1], ps[1].auto_compactions, ps[1].objs_moved,
	       live_bytes);
	EXPECT_EQ(ps[0].auto_compactions, 0);
	EXPECT_EQ(ps[0].objs_moved, 0);
	EXPECT_TRUE(ps[1].auto_compactions > 0);
	EXPECT_TRUE(pages[1] < pages[0]);
	EXPECT_LE(pages[1] * PG, live_bytes / 100 * 110 + 16 * PG);
}

/*
 * Automatic compaction keeps up when half the objects of a class are
 * freed at random: most zspages are then in the same fullness group, in
 * no order, and the class still ends up within its threshold (2 pages,
 * or 1 % of its pages) of what zs_compact() makes of it, plus a page a
 * zspage (a round may leave a zspage's top page partly used).
 */
static void test_auto_compact_half(void)
{
	uint64_t rng = tap_seed("auto_compact_half");
	struct zs_pool *pool = zs_create_pool("half");
	enum { N = 12000, SIZE = 1500 };
	unsigned long *h = calloc(N, sizeof(*h));
	struct zs_class_stats c;
	uint64_t auto_pages, slack;
	unsigned int bad = 0;

	ASSERT_TRUE(pool && h);
	for (unsigned int i = 0; i < N; i++) {
		ASSERT_EQ(zs_malloc(pool, SIZE, 0, &h[i]), 0);
		put(pool, h[i], SIZE, i);
	}
	for (unsigned int i = 0; i < N; i++) {
		if (tap_rand(&rng) & 1) {
			zs_free(pool, h[i]);
			h[i] = 0;
		}
	}
	auto_pages = class_of(pool, SIZE).pages;
	zs_compact(pool);
	c = class_of(pool, SIZE);
	slack = c.pages / 100 > 2 ? c.pages / 100 : 2;
	printf("# %d objects of %d bytes, half freed at random: %" PRIu64
	       " pages with automatic compaction, %" PRIu64 " after "
	       "zs_compact()\n", N, SIZE, auto_pages, c.pages);
	EXPECT_LE(auto_pages, c.pages + slack + c.zspages);
	for (unsigned int i = 0; i < N; i++) {
		if (h[i] && !check(pool, h[i], SIZE, i))
			bad++;
		if (h[i])
			zs_free(pool, h[i]);
	}
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(zs_get_total_pages(pool), 0);
	zs_destroy_pool(pool);
	free(h);
}

/* Threads churning two classes while another compacts all the time. */
struct churner {
	pthread_t tid;
	struct zs_pool *pool;
	uint64_t seed;
	unsigned long errors;
};

static atomic_int churners_done;

static void *churner_run(void *arg)
{
	enum { LIVE = 500 };
	struct churner *w = arg;
	unsigned long h[LIVE];
	uint64_t tag[LIVE], rng = w->seed;
	size_t size[LIVE];
	int n = 0;

	for (int op = 0; op < 60000; op++) {
		uint64_t r = tap_rand(&rng);
		int i;

		if (n < LIVE && (n < 50 || r % 100 < 45)) {
			size[n] = r & 1 ? 1904 : 2048;
			tag[n] = w->seed ^ (uint64_t)op;
			if (zs_malloc(w->pool, size[n], 0, &h[n])) {
				w->errors++;
				continue;
			}
			put(w->pool, h[n], size[n], tag[n]);
			n++;
			continue;
		}
		i = (int)((r >> 32) % (unsigned int)n);
		if (!check(w->pool, h[i], size[i], tag[i]))
			w->errors++;
		zs_free(w->pool, h[i]);
		n--;
		h[i] = h[n];
		size[i] = size[n];
		tag[i] = tag[n];
	}
	while (n--) {
		if (!check(w->pool, h[n], size[n], tag[n]))
			w->errors++;
		zs_free(w->pool, h[n]);
	}
	atomic_fetch_add(&churners_done, 1);
	return NULL;
}

static void test_compact_concurrent(void)
{
	uint64_t rng = tap_seed("compact_concurrent");
	struct zs_pool *pool = zs_create_pool("concurrent");
	struct churner w[3];
	unsigned long errors = 0, runs = 0;
	struct zs_pool_stats ps;

	ASSERT_TRUE(pool);
	atomic_store(&churners_done, 0);
	for (int i = 0; i < 3; i++) {
		w[i] = (struct churner){ .pool = pool, .seed = tap_rand(&rng) };
		ASSERT_EQ(pthread_create(&w[i].tid, NULL, churner_run, &w[i]),
			  0);
	}
	while (atomic_load(&churners_done) < 3) {
		zs_compact(pool);
		runs++;
	}
	for (int i = 0; i < 3; i++) {
		pthread_join(w[i].tid, NULL);
		errors += w[i].errors;
	}
	zs_pool_stats(pool, &ps);
	printf("# %lu compactions, %" PRIu64 " objects moved, %" PRIu64
	       " automatic runs\n", runs, ps.objs_moved,
	       ps.auto_compactions);
	EXPECT_EQ(errors, 0);
	EXPECT_TRUE(ps.objs_moved > 0);
	EXPECT_EQ(zs_get_total_pages(pool), 0);
	zs_destroy_pool(pool);
}

/*****************
 * Statistics, errors, module
 *****************/

struct stat_sink {
	unsigned long n;
	uint64_t pages, objects, zspages, zspage_pages, class_objs;
	bool pages_first;
};

static void sink(void *arg, const char *key, uint64_t value)
{
	struct stat_sink *s = arg;

	if (!s->n++)
		s->pages_first = !strcmp(key, "pages");
	if (!strcmp(key, "pages"))
		s->pages = value;
	else if (!strcmp(key, "objects"))
		s->objects = value;
	else if (!strcmp(key, "zspages"))
		s->zspages = value;
	else if (!strcmp(key, "zspage_pages"))
		s->zspage_pages = value;
	else if (!strcmp(key, "class_1904_objects"))
		s->class_objs = value;
}

static void test_stats(void)
{
	struct zpool *zp = zpool_create_pool("zsmalloc", "stats", 0);
	struct zs_pool *geo = zs_create_pool("geometry");
	struct stat_sink s = { 0 };
	unsigned long h[40], zspages;

	ASSERT_TRUE(zp && geo);
	zspages = (30 + class_of(geo, 1900).objs_per_zspage - 1) /
		  class_of(geo, 1900).objs_per_zspage + 1;
	zs_destroy_pool(geo);
	EXPECT_TRUE(zpool_malloc_support_movable(zp));
	for (int i = 0; i < 40; i++) {
		ASSERT_EQ(zpool_malloc(zp, i < 30 ? 1900 : 300, 0, &h[i]), 0);
		tu_fill(zpool_map_handle(zp, h[i], ZPOOL_MM_WO),
			i < 30 ? 1900 : 300, (uint64_t)i);
		zpool_unmap_handle(zp, h[i]);
	}
	zpool_get_stats(zp, sink, &s);
	EXPECT_TRUE(s.pages_first);
	EXPECT_EQ(s.pages, zpool_get_total_pages(zp));
	EXPECT_EQ(s.objects, 40);
	EXPECT_EQ(s.zspages, zspages);
	EXPECT_EQ(s.class_objs, 30);
	EXPECT_TRUE(s.zspage_pages > 0 && s.zspage_pages < s.pages);
	printf("# %lu figures, %" PRIu64 " pages\n", s.n, s.pages);
	for (int i = 0; i < 40; i++)
		zpool_free(zp, h[i]);
	zpool_destroy_pool(zp);
}

/* -ENOMEM for the handle page, the zspage page; nothing left behind. */
static void test_enomem(void)
{
	struct zs_pool *pool = zs_create_pool("enomem");
	uint64_t base = zpool_page_count();
	unsigned long h = 99, h2;

	ASSERT_TRUE(pool);
	zpool_page_fail_after(0);		/* no handle page */
	EXPECT_EQ(zs_malloc(pool, 1000, 0, &h), -ENOMEM);
	zpool_page_fail_after(1);		/* a handle page, no zspage */
	EXPECT_EQ(zs_malloc(pool, 1000, 0, &h), -ENOMEM);
	zpool_page_fail_after(-1);
	EXPECT_EQ(h, 99);
	EXPECT_EQ(zs_get_total_pages(pool), 0);
	EXPECT_EQ(zpool_page_count(), base);

	/* a slot spanning into a page not held: needs one more page */
	ASSERT_EQ(zs_malloc(pool, 3000, 0, &h), 0);
	put(pool, h, 3000, 1);
	zpool_page_fail_after(0);
	EXPECT_EQ(zs_malloc(pool, 3000, 0, &h2), -ENOMEM);
	zpool_page_fail_after(-1);
	EXPECT_TRUE(check(pool, h, 3000, 1));
	ASSERT_EQ(zs_malloc(pool, 3000, 0, &h2), 0);
	put(pool, h2, 3000, 2);
	EXPECT_TRUE(check(pool, h, 3000, 1));
	EXPECT_TRUE(check(pool, h2, 3000, 2));
	zs_free(pool, h);
	zs_free(pool, h2);
	EXPECT_EQ(zs_get_total_pages(pool), 0);
	EXPECT_EQ(zpool_page_count(), base);
	zs_destroy_pool(pool);
}

/* Destroying a pool that still holds objects gives everything back. */
static void test_destroy_nonempty(void)
{
	struct zs_pool *pool = zs_create_pool("nonempty");
	uint64_t base = zpool_page_count();
	unsigned long h;

	ASSERT_TRUE(pool);
	for (int i = 0; i < 3000; i++)
		ASSERT_EQ(zs_malloc(pool, 1 + (size_t)i, 0, &h), 0);
	EXPECT_TRUE(zpool_page_count() - base > 1000);
	zs_destroy_pool(pool);
	EXPECT_EQ(zpool_page_count(), base);
	zs_destroy_pool(NULL);
}

/*
 * zpool-zsmalloc.so: loading it registers a second "zsmalloc" driver, its
 * own (not the built-in one), which works; nothing but the driver is
 * exported.
 */
static void test_module(void)
{
	const char *path = getenv("ZSMALLOC_MODULE");
	struct zpool_driver *d;
	struct stat_sink s = { 0 };
	unsigned long h[100];
	void *dl, *pool;

	if (!path || !*path) {
		printf("# ZSMALLOC_MODULE not set: module not built\n");
		return;
	}
	dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!dl)
		printf("# dlopen: %s\n", dlerror());
	ASSERT_TRUE(dl);
	d = dlsym(dl, "zsmalloc_zpool_driver");
	ASSERT_TRUE(d);
	EXPECT_TRUE(d != &zsmalloc_zpool_driver);
	EXPECT_STREQ(d->type, "zsmalloc");
	EXPECT_TRUE(d->malloc_support_movable && d->compact && d->stats);
	EXPECT_TRUE(dlsym(dl, "zs_malloc") == NULL);
	EXPECT_TRUE(dlsym(dl, "zs_create_pool") == NULL);

	pool = d->create("module", 0);
	ASSERT_TRUE(pool);
	for (int i = 0; i < 100; i++) {
		ASSERT_EQ(d->malloc(pool, 1000 + (size_t)i * 30, 0, &h[i]), 0);
		tu_fill(d->map(pool, h[i], ZPOOL_MM_WO), 1000 + (size_t)i * 30,
			(uint64_t)i);
		d->unmap(pool, h[i]);
	}
	for (int i = 0; i < 100; i += 2)
		d->free(pool, h[i]);
	d->compact(pool);
	d->stats(pool, sink, &s);
	EXPECT_EQ(s.objects, 50);
	for (int i = 1; i < 100; i += 2) {
		EXPECT_TRUE(tu_verify(d->map(pool, h[i], ZPOOL_MM_RO),
				      1000 + (size_t)i * 30, (uint64_t)i));
		d->unmap(pool, h[i]);
		d->free(pool, h[i]);
	}
	EXPECT_EQ(d->total_pages(pool), 0);
	d->destroy(pool);
	/* registered by its constructor, after the built-in driver */
	EXPECT_EQ(zpool_unregister_driver(d), 0);
	EXPECT_TRUE(zpool_has_pool("zsmalloc"));	/* the built-in */
}

TAP_MAIN(TAP_TEST(test_geometry),
	 TAP_TEST(test_sequences),
	 TAP_TEST(test_page_release),
	 TAP_TEST(test_map_spanning),
	 TAP_TEST(test_compact),
	 TAP_TEST(test_compact_mixed),
	 TAP_TEST(test_compact_waits_for_map),
	 TAP_TEST(test_auto_compact),
	 TAP_TEST(test_auto_compact_half),
	 TAP_TEST(test_compact_concurrent),
	 TAP_TEST(test_stats),
	 TAP_TEST(test_enomem),
	 TAP_TEST(test_destroy_nonempty),
	 TAP_TEST(test_module))
