/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_backend.c - the behaviour every zpool back end owes its users,
 * checked through the zpool API alone, for the back end named on the
 * command line (meson registers one test per back end):
 *
 *	test_backend zbud
 *	test_backend zsmalloc
 *
 * Checked: the size limits and flags (largest object and ZPOOL_GFP_HIGHMEM
 * from the table below: what each back end documents), every size written
 * and read back, a seeded random model check of alloc/write/verify/free
 * (and compaction, where the back end has it) against a reference, -ENOMEM
 * from the page source leaving the pool usable, several threads
 * allocating, writing, verifying and freeing while another compacts and
 * reads the statistics, memory given back to the operating system, and
 * the pool's pages staying within what its live objects can justify.
 *
 * A back end missing from the table is still tested: its largest object
 * is found by asking (bisection on -ENOSPC), ZPOOL_GFP_HIGHMEM may be
 * refused or accepted, and the page bound is a loose one.
 *
 * Environment: TEST_SEED replays a randomised test; BACKEND_TEST_OPS sets
 * the number of operations of the model check (default 400000; it also
 * scales the threaded test), for slow runs under valgrind.
 */
#include "config.h"

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

#define PG	4096ul

/**
 * struct backend_info - what a back end documents
 * @type:	zpool type name
 * @max_size:	largest object (-ENOSPC above); 0: find it by asking
 * @highmem:	1: ZPOOL_GFP_HIGHMEM gives -EINVAL; 0: accepted; -1: either
 * @movable:	1/0: zpool_malloc_support_movable(); -1: either
 * @pages_per_obj, @slack_pages: the pool never holds more than
 *		pages_per_obj * live objects + slack_pages pages
 */
struct backend_info {
	const char *type;
	size_t max_size;
	int highmem;
	int movable;
	unsigned int pages_per_obj;
	unsigned int slack_pages;
};

static const struct backend_info known[] = {
	/* two objects a page, never fewer than one: a page per object */
	{ "zbud", 3968, 1, 0, 1, 0 },
	/*
	 * An object lies on at most two pages; a zspage descriptor (at most
	 * one per object, plus a kept spare per class) is under 2.2 KiB;
	 * handle pages hold 1008 entries each, plus up to 32 reserved per
	 * class holding objects and a partly used page per shard (4).
	 */
	{ "zsmalloc", 4096, 0, 1, 4, 8 },
	/* up to three objects a page, never fewer than one */
	{ "z3fold", 4032, 1, 0, 1, 0 },
};

static struct backend_info be;

/*****************
 * Helpers
 *****************/

static unsigned long ops_scale(void)
{
	return tu_ops_scale("BACKEND_TEST_OPS", 400000);
}

static void put(struct zpool *zp, unsigned long h, size_t size, uint64_t tag)
{
	tu_fill(zpool_map_handle(zp, h, ZPOOL_MM_WO), size, tag);
	zpool_unmap_handle(zp, h);
}

static bool check(struct zpool *zp, unsigned long h, size_t size,
		  uint64_t tag)
{
	bool ok = tu_verify(zpool_map_handle(zp, h, ZPOOL_MM_RO), size, tag);

	zpool_unmap_handle(zp, h);
	return ok;
}

/* The most pages @objs live objects may justify. */
static uint64_t page_bound(uint64_t objs)
{
	return be.pages_per_obj * objs + be.slack_pages;
}

static size_t random_size(uint64_t *rng)
{
	uint64_t r = tap_rand(rng);

	switch (r & 3) {
	case 0:				/* anything */
		return 1 + (r >> 8) % be.max_size;
	case 1:				/* small */
		return 1 + (r >> 8) % 512;
	case 2: {			/* around 16- and 64-byte steps */
		size_t s = (1 + (r >> 8) % 63) * 64 - 1 + (r >> 20) % 3;

		return s < be.max_size ? s : be.max_size;
	}
	default:			/* typical compressed pages */
		return 1500 + (r >> 8) % (be.max_size - 1500 + 1);
	}
}

/* Largest size zpool_malloc() takes, found by bisection on -ENOSPC. */
static size_t probe_max_size(void)
{
	struct zpool *zp = zpool_create_pool(be.type, "probe", 0);
	size_t lo = 1, hi = 1 << 20;
	unsigned long h;

	if (!zp)
		return 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo + 1) / 2;
		int ret = zpool_malloc(zp, mid, 0, &h);

		if (!ret) {
			zpool_free(zp, h);
			lo = mid;
		} else {
			hi = mid - 1;
		}
	}
	zpool_destroy_pool(zp);
	return lo;
}

/*****************
 * Tests
 *****************/

static void test_create(void)
{
	struct zpool *zp = zpool_create_pool(be.type, "create", 0);

	ASSERT_TRUE(zp);
	EXPECT_TRUE(zpool_has_pool(be.type));
	EXPECT_STREQ(zpool_get_type(zp), be.type);
	if (be.movable >= 0)
		EXPECT_EQ(zpool_malloc_support_movable(zp), be.movable);
	EXPECT_EQ(zpool_get_total_pages(zp), 0);
	EXPECT_EQ(zpool_compact(zp), 0);
	zpool_destroy_pool(zp);
	zpool_destroy_pool(NULL);
}

static void test_boundaries(void)
{
	struct zpool *zp = zpool_create_pool(be.type, "bounds", 0);
	uint64_t base = zpool_page_count();
	unsigned long h = 12345, h1, h2;
	int ret;

	ASSERT_TRUE(zp);
	EXPECT_EQ(zpool_malloc(zp, 0, 0, &h), -EINVAL);
	EXPECT_EQ(zpool_malloc(zp, 0, ZPOOL_GFP_MOVABLE, &h), -EINVAL);
	EXPECT_EQ(zpool_malloc(zp, be.max_size + 1, 0, &h), -ENOSPC);
	EXPECT_EQ(zpool_malloc(zp, be.max_size + 4096, 0, &h), -ENOSPC);
	EXPECT_EQ(zpool_malloc(zp, SIZE_MAX, 0, &h), -ENOSPC);
	EXPECT_EQ(zpool_malloc(zp, SIZE_MAX, ZPOOL_GFP_MOVABLE, &h), -ENOSPC);
	EXPECT_EQ(h, 12345);			/* untouched on error */
	EXPECT_EQ(zpool_get_total_pages(zp), 0);

	/* ZPOOL_GFP_HIGHMEM: refused, or accepted as documented */
	ret = zpool_malloc(zp, 100, ZPOOL_GFP_HIGHMEM, &h);
	if (be.highmem == 1 || (be.highmem < 0 && ret)) {
		EXPECT_EQ(ret, -EINVAL);
		EXPECT_EQ(h, 12345);
	} else {
		EXPECT_EQ(ret, 0);
		if (!ret) {
			put(zp, h, 100, 7);
			EXPECT_TRUE(check(zp, h, 100, 7));
			zpool_free(zp, h);
		}
	}
	EXPECT_EQ(zpool_get_total_pages(zp), 0);

	/* the largest and the smallest object */
	ASSERT_EQ(zpool_malloc(zp, be.max_size, 0, &h1), 0);
	ASSERT_EQ(zpool_malloc(zp, 1, ZPOOL_GFP_MOVABLE, &h2), 0);
	EXPECT_NE(h1, h2);
	put(zp, h1, be.max_size, 1);
	put(zp, h2, 1, 2);
	EXPECT_TRUE(check(zp, h1, be.max_size, 1));
	EXPECT_TRUE(check(zp, h2, 1, 2));
	EXPECT_LE(zpool_get_total_pages(zp), page_bound(2));
	EXPECT_TRUE(zpool_get_total_pages(zp) >= 1);
	zpool_free(zp, h1);
	EXPECT_TRUE(check(zp, h2, 1, 2));
	zpool_free(zp, h2);
	EXPECT_EQ(zpool_get_total_pages(zp), 0);
	EXPECT_EQ(zpool_page_count(), base);
	zpool_destroy_pool(zp);
}

/* Every size from 1 to the largest, all live at once, then freed. */
static void test_every_size(void)
{
	struct zpool *zp = zpool_create_pool(be.type, "sizes", 0);
	uint64_t base = zpool_page_count(), max_pages = 0;
	unsigned long *h = calloc(be.max_size + 1, sizeof(*h));
	size_t bad = 0;

	ASSERT_TRUE(zp && h);
	for (size_t size = 1; size <= be.max_size; size++) {
		ASSERT_EQ(zpool_malloc(zp, size, ZPOOL_GFP_MOVABLE, &h[size]),
			  0);
		put(zp, h[size], size, size);
	}
	max_pages = zpool_get_total_pages(zp);
	EXPECT_LE(max_pages, page_bound(be.max_size));
	for (size_t size = 1; size <= be.max_size; size++)
		bad += !check(zp, h[size], size, size);
	EXPECT_EQ(bad, 0);
	/* free the odd sizes, check the even ones, compact, check again */
	for (size_t size = 1; size <= be.max_size; size += 2)
		zpool_free(zp, h[size]);
	EXPECT_LE(zpool_get_total_pages(zp), page_bound(be.max_size / 2));
	zpool_compact(zp);
	for (size_t size = 2; size <= be.max_size; size += 2)
		bad += !check(zp, h[size], size, size);
	EXPECT_EQ(bad, 0);
	for (size_t size = 2; size <= be.max_size; size += 2)
		zpool_free(zp, h[size]);
	printf("# %zu objects of 1..%zu bytes: %" PRIu64 " pages\n",
	       be.max_size, be.max_size, max_pages);
	EXPECT_EQ(zpool_get_total_pages(zp), 0);
	EXPECT_EQ(zpool_page_count(), base);
	zpool_destroy_pool(zp);
	free(h);
}

/*
 * The reference model: the live objects with their sizes and tags; the
 * pool must hand out distinct handles, keep every object's contents
 * whatever else happens (frees, compaction), and stay within its page
 * bound.
 */
#define MODEL_LIVE	2000

struct mobj {
	unsigned long handle;
	size_t size;
	uint64_t tag;
};

static void test_model_random(void)
{
	uint64_t rng = tap_seed("model_random");
	unsigned long ops = ops_scale(), done, counts[6] = { 0 };
	uint64_t base = zpool_page_count(), tag = 0;
	struct zpool *zp = zpool_create_pool(be.type, "model", 0);
	struct mobj *objs = calloc(MODEL_LIVE, sizeof(*objs));
	unsigned int target = MODEL_LIVE / 2;
	unsigned int n = 0;

	ASSERT_TRUE(zp && objs);
	for (done = 0; done < ops; done++) {
		uint64_t r = tap_rand(&rng);
		unsigned int what = (unsigned int)(r % 1000);
		unsigned int i = n ? (unsigned int)((r >> 32) % n) : 0;
		uint64_t pages;

		if (done % 8192 == 0)
			target = (unsigned int)(tap_rand(&rng) %
						(MODEL_LIVE + 1));
		if (what < 20) {
			/* a refused size changes nothing */
			unsigned long h = 1;
			size_t bad = r & 1024 ? 0 :
				     be.max_size + 1 + (r >> 40) % 5000;

			if (zpool_malloc(zp, bad, 0, &h) !=
			    (bad ? -ENOSPC : -EINVAL) || h != 1) {
				TAP_FAIL("op %lu: size %zu accepted", done,
					 bad);
				break;
			}
			counts[4]++;
		} else if (what < 22) {
			zpool_compact(zp);
			counts[5]++;
		} else if (what < 150 && n) {
			if (!check(zp, objs[i].handle, objs[i].size,
				   objs[i].tag)) {
				TAP_FAIL("op %lu: object %#lx (%zu bytes) "
					 "corrupted", done, objs[i].handle,
					 objs[i].size);
				break;
			}
			counts[2]++;
		} else if (what < 200 && n) {
			/* rewrite in place (read-write mapping) */
			void *p = zpool_map_handle(zp, objs[i].handle,
						   ZPOOL_MM_RW);
			bool ok = tu_verify(p, objs[i].size, objs[i].tag);

			objs[i].tag = ++tag;
			tu_fill(p, objs[i].size, objs[i].tag);
			zpool_unmap_handle(zp, objs[i].handle);
			if (!ok) {
				TAP_FAIL("op %lu: object %#lx corrupted", done,
					 objs[i].handle);
				break;
			}
			counts[3]++;
		} else if (n < MODEL_LIVE &&
			   (n == 0 || what < (n < target ? 600u : 400u))) {
			struct mobj *o = &objs[n];
			int ret;

			o->size = random_size(&rng);
			o->tag = ++tag;
			ret = zpool_malloc(zp, o->size, r & 1 ?
					   ZPOOL_GFP_MOVABLE : 0, &o->handle);
			if (ret) {
				TAP_FAIL("op %lu: alloc %zu: %d", done,
					 o->size, ret);
				break;
			}
			put(zp, o->handle, o->size, o->tag);
			n++;
			counts[0]++;
		} else {
			if (!check(zp, objs[i].handle, objs[i].size,
				   objs[i].tag)) {
				TAP_FAIL("op %lu: object %#lx corrupted before "
					 "free", done, objs[i].handle);
				break;
			}
			zpool_free(zp, objs[i].handle);
			objs[i] = objs[--n];
			counts[1]++;
		}
		pages = zpool_get_total_pages(zp);
		if (pages > page_bound(n) || (n == 0 && pages != 0)) {
			TAP_FAIL("op %lu: %" PRIu64 " pages for %u objects",
				 done, pages, n);
			break;
		}
	}
	printf("# %lu ops: %lu alloc+write, %lu verify+free, %lu verify, "
	       "%lu rewrite, %lu refused, %lu compact\n", done, counts[0],
	       counts[1], counts[2], counts[3], counts[4], counts[5]);
	/* every object intact after a last compaction */
	zpool_compact(zp);
	for (unsigned int i = 0; i < n; i++)
		if (!check(zp, objs[i].handle, objs[i].size, objs[i].tag)) {
			TAP_FAIL("object %#lx corrupted at the end",
				 objs[i].handle);
			break;
		}
	while (n) {
		n--;
		zpool_free(zp, objs[n].handle);
	}
	EXPECT_EQ(zpool_get_total_pages(zp), 0);
	EXPECT_EQ(zpool_page_count(), base);
	zpool_destroy_pool(zp);
	free(objs);
}

/* -ENOMEM from the page source leaves the pool as it was, and usable. */
static void test_enomem(void)
{
	struct zpool *zp = zpool_create_pool(be.type, "enomem", 0);
	uint64_t base = zpool_page_count(), rng = 42;
	enum { N = 3000 };
	unsigned long *h = calloc(N, sizeof(*h)), bad = 777;
	size_t *size = calloc(N, sizeof(*size));
	int n = 0, ret = 0, fails = 0;

	ASSERT_TRUE(zp && h && size);
	for (; n < 100; n++) {
		size[n] = random_size(&rng);
		ASSERT_EQ(zpool_malloc(zp, size[n], 0, &h[n]), 0);
		put(zp, h[n], size[n], (uint64_t)n);
	}
	/* no page to be had: allocations fail sooner or later, cleanly */
	zpool_page_fail_after(0);
	while (n < N) {
		size[n] = random_size(&rng);
		ret = zpool_malloc(zp, size[n], 0, &bad);
		if (ret) {
			EXPECT_EQ(ret, -ENOMEM);
			EXPECT_EQ(bad, 777);
			if (++fails == 50)
				break;
			continue;
		}
		h[n] = bad;
		bad = 777;
		put(zp, h[n], size[n], (uint64_t)n);
		n++;
	}
	EXPECT_EQ(fails, 50);
	EXPECT_LE(zpool_page_count() - base, zpool_get_total_pages(zp));
	/* freeing works without the page source */
	for (int i = 0; i < n; i += 3)
		zpool_free(zp, h[i]);
	zpool_compact(zp);
	zpool_page_fail_after(-1);
	for (int i = 0; i < n; i++)
		if (i % 3 && !check(zp, h[i], size[i], (uint64_t)i)) {
			TAP_FAIL("object %d corrupted", i);
			break;
		}
	/* and allocating works again */
	for (int i = 0; i < n; i += 3) {
		size[i] = random_size(&rng);
		ASSERT_EQ(zpool_malloc(zp, size[i], 0, &h[i]), 0);
		put(zp, h[i], size[i], (uint64_t)i + N);
	}
	for (int i = 0; i < n; i++) {
		EXPECT_TRUE(check(zp, h[i], size[i],
				  i % 3 ? (uint64_t)i : (uint64_t)i + N));
		zpool_free(zp, h[i]);
	}
	EXPECT_EQ(zpool_get_total_pages(zp), 0);
	EXPECT_EQ(zpool_page_count(), base);
	zpool_destroy_pool(zp);
	free(h);
	free(size);
}

/*****************
 * Threads
 *****************/

#define THREADS		4
#define THREAD_LIVE	400

/* How the workers use a pool through the zpool API. */
static size_t worker_size(uint64_t r, uint64_t *rng)
{
	(void)r;
	return random_size(rng);
}

static int worker_alloc(void *zp, size_t size, unsigned long *h)
{
	return zpool_malloc(zp, size, ZPOOL_GFP_MOVABLE, h);
}

static void worker_put(void *zp, unsigned long h, size_t size, uint64_t tag)
{
	put(zp, h, size, tag);
}

static unsigned int worker_check(void *zp, unsigned long h, size_t size,
				 uint64_t tag, uint64_t r)
{
	(void)r;
	return !check(zp, h, size, tag);
}

static unsigned int worker_drain(void *zp, unsigned long h, size_t size,
				 uint64_t tag)
{
	return !check(zp, h, size, tag);
}

static void worker_free(void *zp, unsigned long h)
{
	zpool_free(zp, h);
}

static const struct tu_pool_ops worker_ops = {
	.size = worker_size,
	.alloc = worker_alloc,
	.put = worker_put,
	.check = worker_check,
	.drain = worker_drain,
	.free = worker_free,
};

static atomic_int workers_done;

static void *worker_run(void *arg)
{
	tu_worker_run(arg);
	atomic_fetch_add(&workers_done, 1);
	return NULL;
}

static void count_stat(void *arg, const char *key, uint64_t value)
{
	(void)key;
	(void)value;
	(*(unsigned long *)arg)++;
}

static void test_threads(void)
{
	uint64_t rng = tap_seed("threads");
	uint64_t base = zpool_page_count();
	struct zpool *zp = zpool_create_pool(be.type, "threads", 0);
	struct tu_worker w[THREADS];
	unsigned long errors, compactions = 0, freed = 0, stats = 0;
	uint64_t max_pages = 0;

	ASSERT_TRUE(zp);
	atomic_store(&workers_done, 0);
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct tu_worker){ .pool = zp,
			.pool_ops = &worker_ops, .live = THREAD_LIVE,
			.seed = tap_rand(&rng), .ops = ops_scale() / 2 };
		ASSERT_EQ(pthread_create(&w[i].tid, NULL, worker_run, &w[i]),
			  0);
	}
	/* compaction, statistics and lock-free reads while they run */
	while (atomic_load(&workers_done) < THREADS) {
		uint64_t p = zpool_get_total_pages(zp);

		if (p > max_pages)
			max_pages = p;
		EXPECT_LE(p, page_bound(THREADS * THREAD_LIVE));
		freed += zpool_compact(zp);
		compactions++;
		zpool_get_stats(zp, count_stat, &stats);
		usleep(200);
	}
	errors = tu_workers_join(w, THREADS);
	printf("# %d threads x %lu ops, up to %" PRIu64 " pages seen, %lu "
	       "compactions freed %lu pages\n", THREADS, w[0].ops, max_pages,
	       compactions, freed);
	EXPECT_EQ(errors, 0);
	EXPECT_TRUE(stats > 0);
	EXPECT_EQ(zpool_get_total_pages(zp), 0);
	EXPECT_EQ(zpool_page_count(), base);
	zpool_destroy_pool(zp);
}

/*****************
 * Memory goes back to the system
 *****************/

/*
 * Fill a pool up to 256 MiB of pages with objects of a typical compressed
 * size, then free every object, half of them first in a scattered order:
 * the resident set must drop by at least 80 % of 256 MiB.
 */
static void test_rss_returned(void)
{
	const uint64_t pool_pages = (256ull << 20) / PG;
	const size_t size = be.max_size < 1984 ? be.max_size : 1984;
	const size_t max_objs = 4 * pool_pages;
	uint64_t base = zpool_page_count(), rss0, rss1, rss_half, rss2;
	struct zpool *zp = zpool_create_pool(be.type, "rss", 0);
	unsigned long *h = malloc(max_objs * sizeof(*h));
	size_t n = 0, bad = 0;
	char what[64];

	ASSERT_TRUE(zp && h);
	memset(h, 0, max_objs * sizeof(*h));	/* make the array resident */
	rss0 = tu_rss_bytes();
	ASSERT_TRUE(rss0 > 0);
	while (zpool_get_total_pages(zp) < pool_pages && n < max_objs) {
		ASSERT_EQ(zpool_malloc(zp, size, 0, &h[n]), 0);
		put(zp, h[n], size, n);
		n++;
	}
	rss1 = tu_rss_bytes();
	for (size_t i = 0; i < n; i++) {
		if (i & 2)
			continue;
		bad += !check(zp, h[i], size, i);
		zpool_free(zp, h[i]);
	}
	rss_half = tu_rss_bytes();
	for (size_t i = 0; i < n; i++) {
		if (!(i & 2))
			continue;
		bad += !check(zp, h[i], size, i);
		zpool_free(zp, h[i]);
	}
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(zpool_get_total_pages(zp), 0);
	EXPECT_EQ(zpool_page_count(), base);
	rss2 = tu_rss_bytes();
	snprintf(what, sizeof(what), "%zu objects of %zu bytes; ", n, size);
	tu_rss_print(what, rss0, rss1, rss_half, rss2, pool_pages * PG);
	EXPECT_TRUE(rss1 >= rss0 + pool_pages * PG / 10 * 8);
	EXPECT_TRUE(rss1 >= rss2 + pool_pages * PG / 10 * 8);
	zpool_destroy_pool(zp);
	free(h);
}

/* zpool_get_stats(): "pages" first, equal to the page count. */
struct stats_seen {
	unsigned long calls;
	uint64_t first;
	char first_key[64];
	bool bad_key;
};

static void note_stat(void *arg, const char *key, uint64_t value)
{
	struct stats_seen *s = arg;

	if (!s->calls++) {
		snprintf(s->first_key, sizeof(s->first_key), "%s", key);
		s->first = value;
	}
	for (const char *c = key; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
		      *c == '_'))
			s->bad_key = true;
}

static void test_stats(void)
{
	struct zpool *zp = zpool_create_pool(be.type, "stats", 0);
	struct stats_seen s = { 0 };
	unsigned long h[64];

	ASSERT_TRUE(zp);
	for (int i = 0; i < 64; i++) {
		ASSERT_EQ(zpool_malloc(zp, 100 + (size_t)i * 50, 0, &h[i]), 0);
		put(zp, h[i], 100 + (size_t)i * 50, (uint64_t)i);
	}
	zpool_get_stats(zp, note_stat, &s);
	EXPECT_TRUE(s.calls >= 1);
	EXPECT_STREQ(s.first_key, "pages");
	EXPECT_EQ(s.first, zpool_get_total_pages(zp));
	EXPECT_TRUE(!s.bad_key);
	printf("# %lu figures\n", s.calls);
	for (int i = 0; i < 64; i++) {
		EXPECT_TRUE(check(zp, h[i], 100 + (size_t)i * 50,
				  (uint64_t)i));
		zpool_free(zp, h[i]);
	}
	zpool_destroy_pool(zp);
}

int main(int argc, char **argv)
{
	static const struct tap_test tests[] = {
		TAP_TEST(test_create),
		TAP_TEST(test_boundaries),
		TAP_TEST(test_every_size),
		TAP_TEST(test_model_random),
		TAP_TEST(test_enomem),
		TAP_TEST(test_threads),
		TAP_TEST(test_rss_returned),
		TAP_TEST(test_stats),
	};
	const char *type = argc > 1 ? argv[1] : "zbud";
	bool in_table = false;

	be = (struct backend_info){ .type = type, .highmem = -1,
		.movable = -1, .pages_per_obj = 4, .slack_pages = 64 };
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (!strcmp(known[i].type, type)) {
			be = known[i];
			in_table = true;
		}
	}
	if (!zpool_has_pool(type)) {
		printf("1..0 # SKIP back end %s not available\n", type);
		return 0;
	}
	if (!be.max_size)
		be.max_size = probe_max_size();
	printf("# back end %s: largest object %zu bytes%s\n", type,
	       be.max_size, in_table ? "" : " (asked: not in the table)");
	if (be.max_size < 1600) {
		printf("Bail out! %s: largest object %zu is too small\n", type,
		       be.max_size);
		return 1;
	}
	return tap_main(tests, sizeof(tests) / sizeof(tests[0]));
}
