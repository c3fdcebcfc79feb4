/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_z3fold.c - unit tests of the z3fold allocator (z3fold/z3fold.c).
 *
 * The tests check the allocator against its documented geometry and
 * policy, restated here independently: 64-byte chunks, a one-chunk header,
 * at most three objects a page; an object goes into the tightest free run
 * of the chosen page, against a page edge when the run touches one (direct
 * handle: its address), else right after its left neighbour (indirect
 * handle: page + slot + 1); pages holding one object are preferred unless
 * a page holding two fits more than one chunk tighter; when a free splits
 * the free space of a page holding one or two objects, each object not
 * against an edge moves to one (the left or lone one to chunk 1, the
 * right one to the page end), unless it is mapped.
 * The reference model below knows nothing of lists: it scans an array of
 * pages and their slots.
 *
 * Environment: TEST_SEED replays a randomised test; Z3FOLD_TEST_OPS sets
 * the number of operations of the model check (default 600000; also
 * scales the threaded test), for slow runs under valgrind;
 * ZPOOL_BENCH_SIZES names the file of real compressed sizes (one a line)
 * used by the comparison with zbud; Z3FOLD_MODULE names zpool-z3fold.so.
 */
#include "config.h"

#include <assert.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/tap.h"
#include "tests/unit/test_util.h"
#include "z3fold/z3fold.h"
#include "zpool/page.h"
#include "zpool/zpool.h"

/* The geometry, restated: the tests do not use z3fold.c's macros. */
#define PG		4096ul
#define CHUNK		64ul
#define HDR		1u		/* header chunks */
#define END		64u		/* chunks in a page */
#define USABLE		63u
#define MAX_OBJ		4032ul
#define ZBUD_MAX	3968ul		/* for streams shared with zbud */
#define SLOTS		3
#define PENALTY		1u

static unsigned int chunks_of(size_t size)
{
	return (unsigned int)((size + CHUNK - 1) / CHUNK);
}

static unsigned long page_of(unsigned long handle)
{
	return handle & ~(PG - 1);
}

static unsigned long offset_of(unsigned long handle)
{
	return handle & (PG - 1);
}

static bool is_direct(unsigned long handle)
{
	return !(handle & (CHUNK - 1));
}

static unsigned long ops_scale(void)
{
	return tu_ops_scale("Z3FOLD_TEST_OPS", 600000);
}

/* Where an object is now: map, read the address, unmap. */
static unsigned long addr_now(struct z3fold_pool *pool, unsigned long h)
{
	unsigned long a = (unsigned long)z3fold_map(pool, h);

	z3fold_unmap(pool, h);
	return a;
}

static struct z3fold_stats stats_of(struct z3fold_pool *pool)
{
	struct z3fold_stats st;

	z3fold_get_stats(pool, &st);
	return st;
}

static void put(struct z3fold_pool *pool, unsigned long h, size_t size,
		uint64_t tag)
{
	tu_fill(z3fold_map(pool, h), size, tag);
	z3fold_unmap(pool, h);
}

static bool check(struct z3fold_pool *pool, unsigned long h, size_t size,
		  uint64_t tag)
{
	bool ok = tu_verify(z3fold_map(pool, h), size, tag);

	z3fold_unmap(pool, h);
	return ok;
}

/* An object of @chunks chunks (the smallest size that needs them). */
static size_t sz(unsigned int chunks)
{
	return (chunks - 1) * CHUNK + 1;
}

/*****************
 * Geometry and placement
 *****************/

static void test_boundaries(void)
{
	struct z3fold_pool *pool = z3fold_create_pool(0);
	uint64_t base = zpool_page_count();
	unsigned long h = 12345, h1, h2;

	ASSERT_TRUE(pool);
	EXPECT_EQ(z3fold_get_pool_pages(pool), 0);
	EXPECT_EQ(z3fold_alloc(pool, 0, 0, &h), -EINVAL);
	EXPECT_EQ(z3fold_alloc(pool, 100, ZPOOL_GFP_HIGHMEM, &h), -EINVAL);
	EXPECT_EQ(z3fold_alloc(pool, 100, ZPOOL_GFP_HIGHMEM |
			       ZPOOL_GFP_MOVABLE, &h), -EINVAL);
	EXPECT_EQ(z3fold_alloc(pool, 0, ZPOOL_GFP_HIGHMEM, &h), -EINVAL);
	EXPECT_EQ(z3fold_alloc(pool, MAX_OBJ + 1, 0, &h), -ENOSPC);
	EXPECT_EQ(z3fold_alloc(pool, PG, 0, &h), -ENOSPC);
	EXPECT_EQ(z3fold_alloc(pool, SIZE_MAX, 0, &h), -ENOSPC);
	EXPECT_EQ(h, 12345);			/* untouched on error */
	EXPECT_EQ(z3fold_get_pool_pages(pool), 0);
	EXPECT_EQ(zpool_page_count(), base);

	/* the largest object fills its page: the next one takes another */
	ASSERT_EQ(z3fold_alloc(pool, MAX_OBJ, 0, &h1), 0);
	EXPECT_EQ(offset_of(h1), 64);
	EXPECT_TRUE(z3fold_map(pool, h1) == (void *)h1);
	z3fold_unmap(pool, h1);
	put(pool, h1, MAX_OBJ, 1);
	ASSERT_EQ(z3fold_alloc(pool, 1, ZPOOL_GFP_MOVABLE, &h2), 0);
	EXPECT_NE(page_of(h2), page_of(h1));
	EXPECT_EQ(offset_of(h2), 64);
	put(pool, h2, 1, 2);
	EXPECT_TRUE(check(pool, h1, MAX_OBJ, 1));
	EXPECT_TRUE(check(pool, h2, 1, 2));
	EXPECT_EQ(z3fold_get_pool_pages(pool), 2);
	EXPECT_EQ(zpool_page_count() - base, 2);
	z3fold_free(pool, h1);
	EXPECT_EQ(z3fold_get_pool_pages(pool), 1);
	z3fold_free(pool, h2);
	EXPECT_EQ(z3fold_get_pool_pages(pool), 0);
	EXPECT_EQ(zpool_page_count(), base);
	z3fold_destroy_pool(pool);
	z3fold_destroy_pool(NULL);
}

/*
 * Every size from 1 to 4032 takes exactly ceil(size / 64) chunks: alone in
 * a page it sits at + 64; an object of the 63 - chunks left fits beside
 * it, right-aligned, and one of 64 - chunks does not.
 */
static void test_chunk_rounding(void)
{
	struct z3fold_pool *pool = z3fold_create_pool(0);
	uint64_t base = zpool_page_count();
	int bad = 0;

	ASSERT_TRUE(pool);
	for (size_t size = 1; size <= MAX_OBJ && bad < 5; size++) {
		unsigned int c = chunks_of(size), rest = USABLE - c;
		unsigned long h, hfit, hbig;

		ASSERT_EQ(z3fold_alloc(pool, size, 0, &h), 0);
		if (h != page_of(h) + 64) {
			TAP_FAIL("size %zu at %#lx", size, h);
			bad++;
		}
		if (rest < USABLE - 1) {
			/* one chunk more than is left: a new page */
			ASSERT_EQ(z3fold_alloc(pool, (rest + 1) * CHUNK, 0,
					       &hbig), 0);
			if (page_of(hbig) == page_of(h)) {
				TAP_FAIL("size %zu: %u chunks fit in %u", size,
					 rest + 1, rest);
				bad++;
			}
			z3fold_free(pool, hbig);
		}
		if (rest) {
			/* exactly what is left: beside it, right-aligned */
			ASSERT_EQ(z3fold_alloc(pool, rest * CHUNK, 0, &hfit),
				  0);
			if (hfit != page_of(h) + PG - rest * CHUNK) {
				TAP_FAIL("size %zu: rest at %#lx, page %#lx",
					 size, hfit, page_of(h));
				bad++;
			}
			put(pool, hfit, rest * CHUNK, ~size);
		}
		put(pool, h, size, size);
		if (rest && !check(pool, hfit, rest * CHUNK, ~size)) {
			TAP_FAIL("size %zu: neighbour overwritten", size);
			bad++;
		}
		if (!check(pool, h, size, size)) {
			TAP_FAIL("size %zu: overwritten", size);
			bad++;
		}
		if (rest)
			z3fold_free(pool, hfit);
		z3fold_free(pool, h);
		if (z3fold_get_pool_pages(pool) != 0) {
			TAP_FAIL("size %zu: pages left", size);
			bad++;
		}
	}
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(zpool_page_count(), base);
	z3fold_destroy_pool(pool);
}

/* First, last and middle: exact places, handles, a full page. */
static void test_three_in_page(void)
{
	struct z3fold_pool *pool = z3fold_create_pool(0);
	uint64_t base = zpool_page_count();
	unsigned long a, b, c, d, e, f, g, page;
	struct z3fold_stats st;

	ASSERT_TRUE(pool);
	ASSERT_EQ(z3fold_alloc(pool, 20 * CHUNK, 0, &a), 0);	/* first */
	page = page_of(a);
	EXPECT_EQ(a, page + 64);
	ASSERT_EQ(z3fold_alloc(pool, sz(10), 0, &b), 0);	/* last */
	EXPECT_EQ(b, page + PG - 10 * CHUNK);
	EXPECT_TRUE(is_direct(b));
	ASSERT_EQ(z3fold_alloc(pool, 15 * CHUNK, 0, &c), 0);	/* middle */
	EXPECT_EQ(page_of(c), page);
	EXPECT_TRUE(!is_direct(c));
	EXPECT_EQ(c, page + 3);		/* slot 2, the first unused */
	EXPECT_EQ(addr_now(pool, c), page + 64 + 20 * CHUNK);
	EXPECT_EQ(z3fold_get_pool_pages(pool), 1);
	EXPECT_EQ(zpool_page_count() - base, 1);
	put(pool, a, 20 * CHUNK, 0xa);
	put(pool, b, sz(10), 0xb);
	put(pool, c, 15 * CHUNK, 0xc);
	EXPECT_TRUE(check(pool, a, 20 * CHUNK, 0xa));
	EXPECT_TRUE(check(pool, b, sz(10), 0xb));
	EXPECT_TRUE(check(pool, c, 15 * CHUNK, 0xc));

	/* three objects: no fourth, though 18 chunks are free */
	ASSERT_EQ(z3fold_alloc(pool, 64, 0, &d), 0);
	EXPECT_NE(page_of(d), page);
	EXPECT_EQ(z3fold_get_pool_pages(pool), 2);
	st = stats_of(pool);
	EXPECT_EQ(st.objects, 4);
	EXPECT_EQ(st.pages_by_objects[0], 1);
	EXPECT_EQ(st.pages_by_objects[1], 0);
	EXPECT_EQ(st.pages_by_objects[2], 1);
	EXPECT_EQ(st.moves, 0);
	z3fold_free(pool, d);

	/* 20 + 20 + 23 chunks fill a page exactly */
	ASSERT_EQ(z3fold_alloc(pool, 20 * CHUNK, 0, &e), 0);
	ASSERT_EQ(z3fold_alloc(pool, sz(20), 0, &f), 0);
	ASSERT_EQ(z3fold_alloc(pool, 23 * CHUNK, 0, &g), 0);
	EXPECT_NE(page_of(e), page);
	EXPECT_EQ(page_of(f), page_of(e));
	EXPECT_EQ(page_of(g), page_of(e));
	EXPECT_EQ(f, page_of(e) + PG - 20 * CHUNK);
	EXPECT_EQ(addr_now(pool, g), page_of(e) + 64 + 20 * CHUNK);
	put(pool, e, 20 * CHUNK, 0xe);
	put(pool, f, sz(20), 0xf);
	put(pool, g, 23 * CHUNK, 0x9);
	EXPECT_TRUE(check(pool, e, 20 * CHUNK, 0xe));
	EXPECT_TRUE(check(pool, f, sz(20), 0xf));
	EXPECT_TRUE(check(pool, a, 20 * CHUNK, 0xa));
	EXPECT_EQ(z3fold_get_pool_pages(pool), 2);

	/* freeing the middle leaves first and last in place */
	z3fold_free(pool, c);
	EXPECT_EQ(addr_now(pool, a), page + 64);
	EXPECT_EQ(stats_of(pool).moves, 0);
	/* the middle's run is free again: 33 chunks between them */
	ASSERT_EQ(z3fold_alloc(pool, 33 * CHUNK, 0, &c), 0);
	EXPECT_EQ(page_of(c), page);
	EXPECT_EQ(addr_now(pool, c), page + 64 + 20 * CHUNK);
	put(pool, c, 33 * CHUNK, 0xcc);
	EXPECT_TRUE(check(pool, a, 20 * CHUNK, 0xa));
	EXPECT_TRUE(check(pool, b, sz(10), 0xb));
	EXPECT_TRUE(check(pool, c, 33 * CHUNK, 0xcc));

	z3fold_free(pool, a);
	z3fold_free(pool, b);
	z3fold_free(pool, c);
	z3fold_free(pool, e);
	z3fold_free(pool, f);
	z3fold_free(pool, g);
	EXPECT_EQ(z3fold_get_pool_pages(pool), 0);
	EXPECT_EQ(zpool_page_count(), base);
	z3fold_destroy_pool(pool);
}

/* Allocates @chunks chunks, expecting the object at @addr (a page + x). */
static unsigned long alloc_at(struct z3fold_pool *pool, unsigned int chunks,
			      unsigned long addr, int line)
{
	unsigned long h;

	if (z3fold_alloc(pool, sz(chunks), 0, &h)) {
		TAP_FAIL("line %d: alloc of %u chunks failed", line, chunks);
		return 0;
	}
	if (addr && addr_now(pool, h) != addr)
		TAP_FAIL("line %d: %u chunks at %#lx, expected %#lx", line,
			 chunks, addr_now(pool, h), addr);
	return h;
}

#define ALLOC_AT(c, addr) \
	(h[n++] = alloc_at(pool, (c), (addr), __LINE__))

/*
 * Best fit: the tightest page holding one object, unless a page holding
 * two is tighter by more than one chunk; among equals the page that
 * joined its list last. Each page is built from objects too large for
 * the pages built before it.
 */
static void test_best_fit(void)
{
	struct z3fold_pool *pool = z3fold_create_pool(0);
	unsigned long pb, pc, pd, pe, x1, x2, r1, r2, h[32];
	int n = 0;

	ASSERT_TRUE(pool);
	/* two-object pages with 6, 8, 15 and 21 chunks free */
	ALLOC_AT(43, 0);
	pb = page_of(h[n - 1]);
	ALLOC_AT(14, pb + PG - 14 * CHUNK);
	ALLOC_AT(41, 0);
	pc = page_of(h[n - 1]);
	ALLOC_AT(14, pc + PG - 14 * CHUNK);
	ALLOC_AT(34, 0);
	pd = page_of(h[n - 1]);
	ALLOC_AT(14, pd + PG - 14 * CHUNK);
	ALLOC_AT(26, 0);
	pe = page_of(h[n - 1]);
	ALLOC_AT(16, pe + PG - 16 * CHUNK);
	EXPECT_EQ(z3fold_get_pool_pages(pool), 4);
	EXPECT_EQ(stats_of(pool).pages_by_objects[1], 4);

	/* one-object 16 vs two-object 15: within the penalty, 16 wins */
	ALLOC_AT(47, 0);
	x1 = page_of(h[n - 1]);
	EXPECT_EQ(h[n - 1], x1 + 64);
	ALLOC_AT(14, x1 + PG - 14 * CHUNK);
	/* one-object 17 vs two-object 15: the middle of pd wins */
	ALLOC_AT(46, 0);
	x2 = page_of(h[n - 1]);
	ALLOC_AT(14, pd + 64 + 34 * CHUNK);
	EXPECT_TRUE(!is_direct(h[n - 1]));
	/* 5 chunks: two-object pb (6) vs one-object x2 (17) */
	ALLOC_AT(5, pb + 64 + 43 * CHUNK);
	/* 17 chunks: one-object x2 (17) vs two-object pe (21) */
	ALLOC_AT(17, x2 + PG - 17 * CHUNK);
	/* 21 chunks: only pe is left that fits */
	ALLOC_AT(21, pe + 64 + 26 * CHUNK);
	/* 9 chunks: nothing fits (pc has 8): a new page */
	ALLOC_AT(9, 0);
	EXPECT_EQ(offset_of(h[n - 1]), 64);
	EXPECT_EQ(z3fold_get_pool_pages(pool), 7);
	z3fold_free(pool, h[--n]);
	EXPECT_EQ(stats_of(pool).pages_by_objects[2], 3);

	/* among equals, the page that joined its list last */
	ALLOC_AT(50, 0);
	r1 = page_of(h[n - 1]);
	ALLOC_AT(50, 0);
	r2 = page_of(h[n - 1]);
	EXPECT_NE(r1, r2);
	ALLOC_AT(13, r2 + PG - 13 * CHUNK);
	ALLOC_AT(13, r1 + PG - 13 * CHUNK);
	EXPECT_EQ(z3fold_get_pool_pages(pool), 8);

	for (int i = 0; i < n; i++)
		z3fold_free(pool, h[i]);
	EXPECT_EQ(z3fold_get_pool_pages(pool), 0);
	z3fold_destroy_pool(pool);
}

/*****************
 * In-page compaction
 *****************/

/*
 * first | middle | free | last: freeing the first moves the middle to
 * chunk 1; its handle and data survive, and the free space is one run.
 */
static void test_compact_first_freed(void)
{
	struct z3fold_pool *pool = z3fold_create_pool(0);
	uint64_t base = zpool_page_count();
	unsigned long f, m, l, x, page;

	ASSERT_TRUE(pool);
	ASSERT_EQ(z3fold_alloc(pool, 10 * CHUNK, 0, &f), 0);
	page = page_of(f);
	ASSERT_EQ(z3fold_alloc(pool, 20 * CHUNK, 0, &l), 0);
	ASSERT_EQ(z3fold_alloc(pool, sz(12), 0, &m), 0);
	EXPECT_EQ(page_of(m), page);
	EXPECT_EQ(addr_now(pool, m), page + 64 + 10 * CHUNK);
	put(pool, f, 10 * CHUNK, 1);
	put(pool, m, sz(12), 2);
	put(pool, l, 20 * CHUNK, 3);

	/* free runs would be 10 and 21: merged into 31 */
	z3fold_free(pool, f);
	EXPECT_EQ(addr_now(pool, m), page + 64);
	EXPECT_TRUE(check(pool, m, sz(12), 2));
	EXPECT_TRUE(check(pool, l, 20 * CHUNK, 3));
	EXPECT_EQ(stats_of(pool).moves, 1);
	EXPECT_EQ(stats_of(pool).pages_uncompacted, 0);
	/* 31 chunks fit in one run, right after the moved object */
	ASSERT_EQ(z3fold_alloc(pool, 31 * CHUNK, 0, &x), 0);
	EXPECT_EQ(page_of(x), page);
	EXPECT_EQ(addr_now(pool, x), page + 64 + 12 * CHUNK);
	put(pool, x, 31 * CHUNK, 4);
	EXPECT_TRUE(check(pool, m, sz(12), 2));
	EXPECT_TRUE(check(pool, l, 20 * CHUNK, 3));
	EXPECT_EQ(z3fold_get_pool_pages(pool), 1);

	/* free the last: m | x | free is one run, nothing moves */
	z3fold_free(pool, l);
	EXPECT_EQ(addr_now(pool, x), page + 64 + 12 * CHUNK);
	EXPECT_EQ(stats_of(pool).moves, 1);
	/* free m: x is alone off the edge and moves to chunk 1 */
	z3fold_free(pool, m);
	EXPECT_EQ(addr_now(pool, x), page + 64);
	EXPECT_TRUE(check(pool, x, 31 * CHUNK, 4));
	EXPECT_EQ(stats_of(pool).moves, 2);
	z3fold_free(pool, x);
	EXPECT_EQ(z3fold_get_pool_pages(pool), 0);
	EXPECT_EQ(zpool_page_count(), base);
	z3fold_destroy_pool(pool);
}

/*
 * Free the last: the middle stays beside the first (already one run);
 * free the first then: the middle stays beside the new last.
 */
static void test_compact_last_freed(void)
{
	struct z3fold_pool *pool = z3fold_create_pool(0);
	unsigned long f, m, l, x, page;

	ASSERT_TRUE(pool);
	ASSERT_EQ(z3fold_alloc(pool, 10 * CHUNK, 0, &f), 0);
	page = page_of(f);
	ASSERT_EQ(z3fold_alloc(pool, 20 * CHUNK, 0, &l), 0);
	ASSERT_EQ(z3fold_alloc(pool, 12 * CHUNK, 0, &m), 0);
	put(pool, m, 12 * CHUNK, 2);
	z3fold_free(pool, l);
	EXPECT_EQ(addr_now(pool, m), page + 64 + 10 * CHUNK);
	EXPECT_EQ(stats_of(pool).moves, 0);
	/* 41 free chunks in one run: an object of 41 fits, right-aligned */
	ASSERT_EQ(z3fold_alloc(pool, 41 * CHUNK, 0, &x), 0);
	EXPECT_EQ(x, page + PG - 41 * CHUNK);
	EXPECT_TRUE(check(pool, m, 12 * CHUNK, 2));
	/* free the first: the gap it leaves is the only free run */
	z3fold_free(pool, f);
	EXPECT_EQ(addr_now(pool, m), page + 64 + 10 * CHUNK);
	EXPECT_EQ(stats_of(pool).moves, 0);
	/* free x: m is alone off the edge and moves to chunk 1 */
	z3fold_free(pool, x);
	EXPECT_EQ(addr_now(pool, m), page + 64);
	EXPECT_TRUE(check(pool, m, 12 * CHUNK, 2));
	EXPECT_EQ(stats_of(pool).moves, 1);
	z3fold_free(pool, m);
	EXPECT_EQ(z3fold_get_pool_pages(pool), 0);
	z3fold_destroy_pool(pool);
}

/* First and last freed: the lone middle moves to chunk 1. */
static void test_compact_lone_middle(void)
{
	struct z3fold_pool *pool = z3fold_create_pool(0);
	unsigned long f, m, l, x, page;

	ASSERT_TRUE(pool);
	ASSERT_EQ(z3fold_alloc(pool, 25 * CHUNK, 0, &f), 0);
	page = page_of(f);
	ASSERT_EQ(z3fold_alloc(pool, 25 * CHUNK, 0, &l), 0);
	ASSERT_EQ(z3fold_alloc(pool, 13 * CHUNK, 0, &m), 0);	/* full */
	EXPECT_EQ(addr_now(pool, m), page + 64 + 25 * CHUNK);
	put(pool, m, 13 * CHUNK, 7);
	put(pool, f, 25 * CHUNK, 8);
	z3fold_free(pool, l);	/* first + middle: one run of 25 */
	EXPECT_EQ(stats_of(pool).moves, 0);
	z3fold_free(pool, f);	/* a lone middle: runs 25 + 25 -> 50 */
	EXPECT_EQ(addr_now(pool, m), page + 64);
	EXPECT_TRUE(check(pool, m, 13 * CHUNK, 7));
	EXPECT_EQ(stats_of(pool).moves, 1);
	ASSERT_EQ(z3fold_alloc(pool, 50 * CHUNK, 0, &x), 0);
	EXPECT_EQ(x, page + PG - 50 * CHUNK);
	EXPECT_TRUE(check(pool, m, 13 * CHUNK, 7));
	z3fold_free(pool, x);
	z3fold_free(pool, m);
	EXPECT_EQ(z3fold_get_pool_pages(pool), 0);
	z3fold_destroy_pool(pool);
}

/*
 * A mapped middle does not move: the page stays split until the unmap,
 * which compacts it. z3fold_compact() leaves a mapped object alone too.
 */
static void test_compact_mapped(void)
{
	struct z3fold_pool *pool = z3fold_create_pool(0);
	unsigned long f, m, l, x, y, page;
	unsigned char *p, *p2;
	struct z3fold_stats st;

	ASSERT_TRUE(pool);
	ASSERT_EQ(z3fold_alloc(pool, 10 * CHUNK, 0, &f), 0);
	page = page_of(f);
	ASSERT_EQ(z3fold_alloc(pool, 20 * CHUNK, 0, &l), 0);
	ASSERT_EQ(z3fold_alloc(pool, 12 * CHUNK, 0, &m), 0);
	put(pool, m, 12 * CHUNK, 5);
	put(pool, l, 20 * CHUNK, 6);

	p = z3fold_map(pool, m);
	EXPECT_EQ((unsigned long)p, page + 64 + 10 * CHUNK);
	p2 = z3fold_map(pool, m);	/* mapped twice */
	EXPECT_TRUE(p2 == p);
	z3fold_free(pool, f);		/* runs 10 and 21, not merged */
	st = stats_of(pool);
	EXPECT_EQ(st.moves, 0);
	EXPECT_EQ(st.pages_uncompacted, 1);
	EXPECT_TRUE(tu_verify(p, 12 * CHUNK, 5));
	/* the longest run is 21: 22 chunks need a new page */
	ASSERT_EQ(z3fold_alloc(pool, 22 * CHUNK, 0, &x), 0);
	EXPECT_NE(page_of(x), page);
	z3fold_free(pool, x);
	/* on-demand compaction: nothing can move, nothing freed */
	EXPECT_EQ(z3fold_compact(pool), 0);
	EXPECT_EQ(stats_of(pool).moves, 0);
	EXPECT_TRUE(tu_verify(p, 12 * CHUNK, 5));
	tu_fill(p, 12 * CHUNK, 55);	/* writes through the mapping */
	z3fold_unmap(pool, m);		/* still mapped once */
	EXPECT_EQ(stats_of(pool).moves, 0);
	EXPECT_TRUE(tu_verify(p, 12 * CHUNK, 55));
	z3fold_unmap(pool, m);		/* last unmap: compacted */
	st = stats_of(pool);
	EXPECT_EQ(st.moves, 1);
	EXPECT_EQ(st.pages_uncompacted, 0);
	EXPECT_EQ(addr_now(pool, m), page + 64);
	EXPECT_TRUE(check(pool, m, 12 * CHUNK, 55));
	EXPECT_TRUE(check(pool, l, 20 * CHUNK, 6));
	/* and now 31 chunks fit */
	ASSERT_EQ(z3fold_alloc(pool, 31 * CHUNK, 0, &y), 0);
	EXPECT_EQ(page_of(y), page);
	EXPECT_EQ(z3fold_compact(pool), 0);
	EXPECT_TRUE(check(pool, m, 12 * CHUNK, 55));
	z3fold_free(pool, y);
	z3fold_free(pool, m);
	z3fold_free(pool, l);
	EXPECT_EQ(z3fold_get_pool_pages(pool), 0);
	z3fold_destroy_pool(pool);
}

/*
 * Two middles mapped in one page, both off the edges once the objects
 * around them are freed: each moves at its own last unmap.
 */
static void test_compact_two_mapped(void)
{
	struct z3fold_pool *pool = z3fold_create_pool(0);
	unsigned long f, f2, m1, m2, l, page;
	struct z3fold_stats st;

	ASSERT_TRUE(pool);
	ASSERT_EQ(z3fold_alloc(pool, 10 * CHUNK, 0, &f), 0);	/* 1..10 */
	page = page_of(f);
	ASSERT_EQ(z3fold_alloc(pool, 10 * CHUNK, 0, &l), 0);	/* 54..63 */
	ASSERT_EQ(z3fold_alloc(pool, 8 * CHUNK, 0, &m1), 0);	/* 11..18 */
	put(pool, m1, 8 * CHUNK, 1);
	z3fold_map(pool, m1);
	z3fold_free(pool, f);	/* m1 mapped: 10 free | m1 | 35 free | l */
	EXPECT_EQ(stats_of(pool).pages_uncompacted, 1);
	EXPECT_EQ(addr_now(pool, m1), page + 64 + 10 * CHUNK);
	/* 9 chunks: the tightest run (10, left of m1), at chunk 1 */
	ASSERT_EQ(z3fold_alloc(pool, 9 * CHUNK, 0, &f2), 0);
	EXPECT_EQ(f2, page + 64);
	put(pool, f2, 9 * CHUNK, 2);
	/* three objects: not "uncompacted" any more */
	EXPECT_EQ(stats_of(pool).pages_uncompacted, 0);
	z3fold_free(pool, l);	/* f2 | 1 free | m1 | 45 free */
	EXPECT_EQ(stats_of(pool).pages_uncompacted, 1);
	/* 1 chunk: the run between f2 and m1, a middle */
	ASSERT_EQ(z3fold_alloc(pool, 64, 0, &m2), 0);
	EXPECT_TRUE(!is_direct(m2));
	EXPECT_EQ(addr_now(pool, m2), page + 64 + 9 * CHUNK);
	put(pool, m2, 64, 3);
	z3fold_map(pool, m2);
	/* 9 free, m2, m1, 45 free: both mapped, nothing moves */
	z3fold_free(pool, f2);
	st = stats_of(pool);
	EXPECT_EQ(st.moves, 0);
	EXPECT_EQ(st.pages_uncompacted, 1);
	EXPECT_EQ(st.pages_by_objects[1], 1);
	z3fold_unmap(pool, m2);	/* m2 to chunk 1; m1 still mapped */
	st = stats_of(pool);
	EXPECT_EQ(st.moves, 1);
	EXPECT_EQ(st.pages_uncompacted, 1);
	EXPECT_EQ(addr_now(pool, m2), page + 64);
	EXPECT_EQ(addr_now(pool, m1), page + 64 + 10 * CHUNK);
	EXPECT_TRUE(check(pool, m2, 64, 3));
	z3fold_unmap(pool, m1);	/* m1 to the page end: one run */
	st = stats_of(pool);
	EXPECT_EQ(st.moves, 2);
	EXPECT_EQ(st.pages_uncompacted, 0);
	EXPECT_EQ(addr_now(pool, m1), page + PG - 8 * CHUNK);
	EXPECT_TRUE(check(pool, m1, 8 * CHUNK, 1));
	EXPECT_TRUE(check(pool, m2, 64, 3));
	/* the run between them: 63 - 1 - 8 = 54 chunks */
	ASSERT_EQ(z3fold_alloc(pool, 54 * CHUNK, 0, &f), 0);
	EXPECT_EQ(page_of(f), page);
	z3fold_free(pool, f);
	z3fold_free(pool, m1);
	z3fold_free(pool, m2);
	EXPECT_EQ(z3fold_get_pool_pages(pool), 0);
	z3fold_destroy_pool(pool);
}

/*****************
 * Page counts
 *****************/

static size_t random_size(uint64_t *rng, size_t max)
{
	uint64_t r = tap_rand(rng);
	size_t s;

	switch (r & 7) {
	case 0:
	case 1:				/* anything */
		return 1 + (r >> 8) % max;
	case 2:
	case 3:				/* small: three a page */
		return 1 + (r >> 8) % 1344;
	case 4:				/* tiny */
		return 1 + (r >> 8) % 256;
	case 5:				/* chunk boundaries */
		s = (1 + (r >> 8) % 63) * CHUNK - 1 + (r >> 20) % 3;
		return s < max ? s : max;
	default:			/* typical compressed pages */
		return 1500 + (r >> 8) % (max - 1500 + 1);
	}
}

/* Pages never exceed objects, nor fall below a third of them. */
static void test_page_bounds(void)
{
	uint64_t rng = tap_seed("page_bounds");
	uint64_t base = zpool_page_count();
	struct z3fold_pool *pool = z3fold_create_pool(0);

	ASSERT_TRUE(pool);
	for (int round = 0; round < 20 && !tap_failed_current; round++) {
		size_t n = 1 + tap_rand(&rng) % 4000;
		unsigned long *h = malloc(n * sizeof(*h));
		struct z3fold_stats st;

		ASSERT_TRUE(h);
		for (size_t i = 0; i < n; i++) {
			uint64_t pages;

			ASSERT_EQ(z3fold_alloc(pool, random_size(&rng, MAX_OBJ),
					       0, &h[i]), 0);
			pages = z3fold_get_pool_pages(pool);
			EXPECT_LE(pages, i + 1);
			EXPECT_LE((i + 3) / 3, pages);
		}
		st = stats_of(pool);
		EXPECT_EQ(st.objects, n);
		EXPECT_EQ(st.pages, z3fold_get_pool_pages(pool));
		EXPECT_EQ(st.pages_by_objects[0] + st.pages_by_objects[1] +
			  st.pages_by_objects[2], st.pages);
		EXPECT_EQ(st.pages_by_objects[0] + 2 * st.pages_by_objects[1] +
			  3 * st.pages_by_objects[2], n);
		EXPECT_EQ(zpool_page_count() - base, st.pages);
		/* free in a random order */
		tu_shuffle_handles(h, n, &rng);
		for (size_t i = 0; i < n; i++) {
			z3fold_free(pool, h[i]);
			EXPECT_LE(z3fold_get_pool_pages(pool), n - i - 1);
		}
		st = stats_of(pool);
		EXPECT_EQ(st.pages, 0);
		EXPECT_EQ(st.objects, 0);
		EXPECT_EQ(st.pages_by_objects[0] + st.pages_by_objects[1] +
			  st.pages_by_objects[2], 0);
		EXPECT_EQ(st.pages_uncompacted, 0);
		EXPECT_EQ(zpool_page_count(), base);
		free(h);
	}
	z3fold_destroy_pool(pool);
}

/* -ENOMEM from the page source leaves the pool as it was. */
static void test_enomem(void)
{
	struct z3fold_pool *pool = z3fold_create_pool(0);
	uint64_t base = zpool_page_count();
	unsigned long h[8], bad = 777;
	int n = 0;

	ASSERT_TRUE(pool);
	ASSERT_EQ(z3fold_alloc(pool, 3968, 0, &h[n++]), 0);	/* 1 free */
	put(pool, h[0], 3968, 100);

	zpool_page_fail_after(0);
	EXPECT_EQ(z3fold_alloc(pool, 100, 0, &bad), -ENOMEM);
	EXPECT_EQ(bad, 777);
	EXPECT_EQ(z3fold_get_pool_pages(pool), 1);
	/* no page needed: still works */
	ASSERT_EQ(z3fold_alloc(pool, 64, 0, &h[n]), 0);
	EXPECT_EQ(h[n], page_of(h[0]) + PG - 64);
	put(pool, h[n++], 64, 101);
	for (int i = 0; i < 100; i++)
		EXPECT_EQ(z3fold_alloc(pool, 1 + (size_t)i * 40, 0, &bad),
			  -ENOMEM);
	EXPECT_EQ(bad, 777);
	EXPECT_EQ(z3fold_get_pool_pages(pool), 1);
	EXPECT_EQ(zpool_page_count() - base, 1);

	zpool_page_fail_after(1);
	ASSERT_EQ(z3fold_alloc(pool, 100, 0, &h[n]), 0);	/* 61 free */
	put(pool, h[n++], 100, 102);
	EXPECT_EQ(z3fold_alloc(pool, MAX_OBJ, 0, &bad), -ENOMEM);
	ASSERT_EQ(z3fold_alloc(pool, 30 * CHUNK, 0, &h[n]), 0);
	EXPECT_EQ(page_of(h[n]), page_of(h[2]));
	put(pool, h[n++], 30 * CHUNK, 103);
	ASSERT_EQ(z3fold_alloc(pool, 31 * CHUNK, 0, &h[n]), 0); /* middle */
	EXPECT_EQ(page_of(h[n]), page_of(h[2]));
	put(pool, h[n++], 31 * CHUNK, 104);
	EXPECT_EQ(z3fold_get_pool_pages(pool), 2);

	zpool_page_fail_after(-1);
	ASSERT_EQ(z3fold_alloc(pool, MAX_OBJ, 0, &h[n]), 0);
	put(pool, h[n++], MAX_OBJ, 105);
	EXPECT_EQ(z3fold_get_pool_pages(pool), 3);
	EXPECT_TRUE(check(pool, h[0], 3968, 100));
	EXPECT_TRUE(check(pool, h[1], 64, 101));
	EXPECT_TRUE(check(pool, h[2], 100, 102));
	EXPECT_TRUE(check(pool, h[3], 30 * CHUNK, 103));
	EXPECT_TRUE(check(pool, h[4], 31 * CHUNK, 104));
	EXPECT_TRUE(check(pool, h[5], MAX_OBJ, 105));
	for (int i = 0; i < n; i++)
		z3fold_free(pool, h[i]);
	EXPECT_EQ(z3fold_get_pool_pages(pool), 0);
	EXPECT_EQ(zpool_page_count(), base);
	z3fold_destroy_pool(pool);
}

/* Destroying a pool that still holds objects gives its pages back. */
static void test_destroy_nonempty(void)
{
	struct z3fold_pool *pool = z3fold_create_pool(0);
	uint64_t base = zpool_page_count();
	unsigned long h;

	ASSERT_TRUE(pool);
	for (int i = 0; i < 1000; i++)
		ASSERT_EQ(z3fold_alloc(pool, 1 + (size_t)i * 4, 0, &h), 0);
	EXPECT_TRUE(zpool_page_count() - base >= 1000 / 3);
	z3fold_destroy_pool(pool);
	EXPECT_EQ(zpool_page_count(), base);
}

/*****************
 * The zpool driver
 *****************/

struct seen {
	const char *keys[16];
	uint64_t values[16];
	int n;
};

static void collect(void *arg, const char *key, uint64_t value)
{
	struct seen *s = arg;

	if (s->n < 16) {
		s->keys[s->n] = key;
		s->values[s->n] = value;
	}
	s->n++;
}

static uint64_t seen_value(const struct seen *s, const char *key)
{
	for (int i = 0; i < s->n && i < 16; i++)
		if (!strcmp(s->keys[i], key))
			return s->values[i];
	TAP_FAIL("no figure \"%s\"", key);
	return UINT64_MAX;
}

/* Through the front end: type, flags, handles, compact and stats. */
static void test_zpool_api(void)
{
	uint64_t base = zpool_page_count();
	struct zpool *zp;
	unsigned long h[4], bad = 5;
	struct seen s = { .n = 0 };

	ASSERT_TRUE(zpool_has_pool("z3fold"));
	zp = zpool_create_pool("z3fold", "test", 0);
	ASSERT_TRUE(zp);
	EXPECT_STREQ(zpool_get_type(zp), "z3fold");
	EXPECT_TRUE(!zpool_malloc_support_movable(zp));
	EXPECT_EQ(zpool_malloc(zp, 0, 0, &bad), -EINVAL);
	EXPECT_EQ(zpool_malloc(zp, 10, ZPOOL_GFP_HIGHMEM, &bad), -EINVAL);
	EXPECT_EQ(zpool_malloc(zp, MAX_OBJ + 1, 0, &bad), -ENOSPC);
	EXPECT_EQ(bad, 5);
	ASSERT_EQ(zpool_malloc(zp, 1000, ZPOOL_GFP_MOVABLE, &h[0]), 0);
	ASSERT_EQ(zpool_malloc(zp, 1000, 0, &h[1]), 0);
	ASSERT_EQ(zpool_malloc(zp, 1000, 0, &h[2]), 0);
	ASSERT_EQ(zpool_malloc(zp, 2000, 0, &h[3]), 0);
	EXPECT_EQ(zpool_get_total_pages(zp), 2);
	for (int i = 0; i < 4; i++) {
		tu_fill(zpool_map_handle(zp, h[i], ZPOOL_MM_WO),
			i == 3 ? 2000 : 1000, (uint64_t)i);
		zpool_unmap_handle(zp, h[i]);
	}
	zpool_free(zp, h[0]);	/* the middle moves */
	EXPECT_EQ(zpool_compact(zp), 0);
	for (int i = 1; i < 4; i++) {
		EXPECT_TRUE(tu_verify(zpool_map_handle(zp, h[i], ZPOOL_MM_RO),
				      i == 3 ? 2000 : 1000, (uint64_t)i));
		zpool_unmap_handle(zp, h[i]);
	}

	zpool_get_stats(zp, collect, &s);
	EXPECT_EQ(s.n, 7);
	EXPECT_STREQ(s.keys[0], "pages");
	EXPECT_EQ(s.values[0], 2);
	EXPECT_EQ(seen_value(&s, "objects"), 3);
	EXPECT_EQ(seen_value(&s, "pages_1_object"), 1);
	EXPECT_EQ(seen_value(&s, "pages_2_objects"), 1);
	EXPECT_EQ(seen_value(&s, "pages_3_objects"), 0);
	EXPECT_EQ(seen_value(&s, "moves"), 1);
	EXPECT_EQ(seen_value(&s, "pages_uncompacted"), 0);
	for (int i = 1; i < 4; i++)
		zpool_free(zp, h[i]);
	EXPECT_EQ(zpool_get_total_pages(zp), 0);
	zpool_destroy_pool(zp);
	EXPECT_EQ(zpool_page_count(), base);
}

/*
 * zpool-z3fold.so, loaded on its own: it exports its driver and nothing
 * else of z3fold, and the driver works. (z3fold is built in as well, so
 * the registry keeps finding the built-in one first.)
 */
static void test_module(void)
{
	const char *path = getenv("Z3FOLD_MODULE");
	struct zpool_driver *d;
	unsigned long h1, h2, h3;
	uint64_t base = zpool_page_count();
	void *mod, *pool;

	if (!path || !*path) {
		printf("# Z3FOLD_MODULE not set (modules off): skipped\n");
		return;
	}
	mod = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	ASSERT_TRUE(mod);
	d = dlsym(mod, "z3fold_zpool_driver");
	ASSERT_TRUE(d);
	EXPECT_TRUE(d != &z3fold_zpool_driver);
	EXPECT_TRUE(dlsym(mod, "z3fold_alloc") == NULL);
	EXPECT_TRUE(dlsym(mod, "z3fold_module_driver") == NULL);
	EXPECT_STREQ(d->type, "z3fold");
	pool = d->create("module", 0);
	ASSERT_TRUE(pool);
	ASSERT_EQ(d->malloc(pool, 640, 0, &h1), 0);
	ASSERT_EQ(d->malloc(pool, 640, 0, &h2), 0);
	ASSERT_EQ(d->malloc(pool, 640, 0, &h3), 0);
	EXPECT_EQ(d->total_pages(pool), 1);
	tu_fill(d->map(pool, h3, ZPOOL_MM_WO), 640, 3);
	d->unmap(pool, h3);
	d->free(pool, h1);
	EXPECT_TRUE(tu_verify(d->map(pool, h3, ZPOOL_MM_RO), 640, 3));
	d->unmap(pool, h3);
	EXPECT_EQ(d->compact(pool), 0);
	d->free(pool, h2);
	d->free(pool, h3);
	EXPECT_EQ(d->total_pages(pool), 0);
	d->destroy(pool);
	EXPECT_EQ(zpool_page_count(), base);
	/* registered by its constructor, after the built-in driver */
	EXPECT_EQ(zpool_unregister_driver(d), 0);
	EXPECT_TRUE(zpool_has_pool("z3fold"));	/* the built-in */
	/* modules stay loaded: no dlclose() */
}

/*****************
 * Model check
 *****************/

/*
 * The reference: an array of pages, each with three slots and a stamp of
 * when it last joined a free list. Best fit is a scan; placement and
 * compaction follow the rules restated at the top of this file.
 */
#define MODEL_LIVE	600
#define MODEL_PAGES	MODEL_LIVE
#define MODEL_HOLDS	6

struct mslot {
	bool live, indirect;
	unsigned int start, chunks;
	int mapped;
};

struct mpage {
	bool used;
	unsigned long addr;
	struct mslot s[SLOTS];
	int nobj;
	uint64_t stamp;
};

struct mobj {
	unsigned long handle;
	size_t size;
	uint64_t tag;
	int page, slot;
	int held;
};

struct mhold {
	int obj;
	unsigned long addr;
};

struct model {
	struct mpage pages[MODEL_PAGES];
	struct mobj objs[MODEL_LIVE];
	struct mhold holds[MODEL_HOLDS];
	int nobjs, npages, nholds;
	uint64_t clock, moves;
};

/* Objects of a page by start, and the gap before each (gap[n]: after). */
static int m_layout(const struct mpage *p, int *ord, unsigned int *gap,
		    unsigned int *gstart)
{
	int n = 0;
	unsigned int at = HDR;

	for (int i = 0; i < SLOTS; i++) {
		int j;

		if (!p->s[i].live)
			continue;
		for (j = n; j > 0 && p->s[ord[j - 1]].start > p->s[i].start;
		     j--)
			ord[j] = ord[j - 1];
		ord[j] = i;
		n++;
	}
	for (int i = 0; i < n; i++) {
		gstart[i] = at;
		gap[i] = p->s[ord[i]].start - at;
		at = p->s[ord[i]].start + p->s[ord[i]].chunks;
	}
	gstart[n] = at;
	gap[n] = END - at;
	return n;
}

static unsigned int m_longest(const struct mpage *p, int *runs)
{
	int ord[SLOTS];
	unsigned int gap[SLOTS + 1], gs[SLOTS + 1], best = 0;
	int n = m_layout(p, ord, gap, gs);

	*runs = 0;
	for (int i = 0; i <= n; i++) {
		*runs += gap[i] != 0;
		if (gap[i] > best)
			best = gap[i];
	}
	return best;
}

static bool m_uncompacted(const struct mpage *p)
{
	int runs;

	m_longest(p, &runs);
	return p->nobj < SLOTS && runs > 1;
}

/* The page an object of @c chunks goes to, or -1 for a new page. */
static int m_best_fit(const struct model *m, unsigned int c)
{
	int best[2] = { -1, -1 };
	unsigned int run[2] = { 0, 0 };

	for (int i = 0; i < MODEL_PAGES; i++) {
		const struct mpage *p = &m->pages[i];
		unsigned int r;
		int runs, k;

		if (!p->used || p->nobj == SLOTS)
			continue;
		r = m_longest(p, &runs);
		if (r < c)
			continue;
		k = p->nobj - 1;
		if (best[k] < 0 || r < run[k] ||
		    (r == run[k] && p->stamp > m->pages[best[k]].stamp)) {
			best[k] = i;
			run[k] = r;
		}
	}
	if (best[0] >= 0 && (best[1] < 0 || run[0] <= run[1] + PENALTY))
		return best[0];
	return best[1];
}

/* Place @c chunks in page @pi. Return: the slot used. */
static int m_place(struct mpage *p, unsigned int c)
{
	int ord[SLOTS], n, b = -1, slot = 0;
	unsigned int gap[SLOTS + 1], gs[SLOTS + 1], s, e;

	n = m_layout(p, ord, gap, gs);
	for (int i = 0; i <= n; i++)
		if (gap[i] >= c && (b < 0 || gap[i] < gap[b]))
			b = i;
	assert(b >= 0);
	while (p->s[slot].live)
		slot++;
	s = gs[b];
	e = s + gap[b];
	p->s[slot] = (struct mslot){ .live = true, .chunks = c };
	if (s == HDR) {
		p->s[slot].start = s;
	} else if (e == END) {
		p->s[slot].start = e - c;
	} else {
		p->s[slot].start = s;
		p->s[slot].indirect = true;
	}
	p->nobj++;
	return slot;
}

/* After a free or an unmap. Return: objects moved. */
static int m_compact(struct model *m, struct mpage *p)
{
	int ord[SLOTS], n, moved = 0;
	unsigned int gap[SLOTS + 1], gs[SLOTS + 1];

	if (!m_uncompacted(p))
		return 0;
	n = m_layout(p, ord, gap, gs);
	if (gap[0] && !p->s[ord[0]].mapped) {
		p->s[ord[0]].start = HDR;
		moved++;
	}
	if (n == 2 && gap[2] && !p->s[ord[1]].mapped) {
		p->s[ord[1]].start = END - p->s[ord[1]].chunks;
		moved++;
	}
	m->moves += (uint64_t)moved;
	return moved;
}

static unsigned long m_addr(const struct model *m, const struct mobj *o)
{
	const struct mpage *p = &m->pages[o->page];

	return p->addr + p->s[o->slot].start * CHUNK;
}

static bool model_alloc(struct model *m, struct z3fold_pool *pool,
			size_t size, uint64_t tag)
{
	unsigned int c = chunks_of(size);
	int pi = m_best_fit(m, c), slot;
	struct mobj *o = &m->objs[m->nobjs];
	unsigned long h, want;
	struct mpage *p;
	int ret = z3fold_alloc(pool, size, 0, &h);

	if (ret) {
		TAP_FAIL("alloc %zu: %d", size, ret);
		return false;
	}
	if (pi < 0) {
		for (int i = 0; i < MODEL_PAGES; i++)
			if (m->pages[i].used &&
			    m->pages[i].addr == page_of(h)) {
				TAP_FAIL("alloc %zu: page %#lx reused while "
					 "in use", size, page_of(h));
				return false;
			}
		for (pi = 0; m->pages[pi].used; pi++)
			;
		m->pages[pi] = (struct mpage){ .used = true,
					       .addr = page_of(h) };
		m->npages++;
	}
	p = &m->pages[pi];
	slot = m_place(p, c);
	p->stamp = ++m->clock;
	want = p->s[slot].indirect ? p->addr + (unsigned long)slot + 1
				   : p->addr + p->s[slot].start * CHUNK;
	if (h != want) {
		TAP_FAIL("alloc %zu (%u chunks): handle %#lx, model %#lx",
			 size, c, h, want);
		return false;
	}
	*o = (struct mobj){ .handle = h, .size = size, .tag = tag,
			    .page = pi, .slot = slot };
	m->nobjs++;
	if ((unsigned long)z3fold_map(pool, h) != m_addr(m, o)) {
		TAP_FAIL("alloc %zu: mapped at %#lx, model %#lx", size,
			 (unsigned long)z3fold_map(pool, h), m_addr(m, o));
		z3fold_unmap(pool, h);
		z3fold_unmap(pool, h);
		return false;
	}
	tu_fill((void *)m_addr(m, o), size, tag);
	z3fold_unmap(pool, h);
	return true;
}

static bool model_verify(struct model *m, struct z3fold_pool *pool, int i)
{
	struct mobj *o = &m->objs[i];
	void *a = z3fold_map(pool, o->handle);
	bool ok = (unsigned long)a == m_addr(m, o);

	if (!ok)
		TAP_FAIL("object %#lx mapped at %p, model %#lx", o->handle, a,
			 m_addr(m, o));
	else if (!tu_verify(a, o->size, o->tag)) {
		TAP_FAIL("object %#lx (%zu bytes) corrupted", o->handle,
			 o->size);
		ok = false;
	}
	/*
	 * The unmap compacts nothing: in a split page every object that
	 * would move is mapped (held), and this one was not mapped before.
	 */
	z3fold_unmap(pool, o->handle);
	return ok;
}

static bool model_free(struct model *m, struct z3fold_pool *pool, int i)
{
	struct mobj *o = &m->objs[i];
	struct mpage *p = &m->pages[o->page];
	bool ok = model_verify(m, pool, i);

	z3fold_free(pool, o->handle);
	p->s[o->slot] = (struct mslot){ .live = false };
	p->nobj--;
	if (!p->nobj) {
		p->used = false;
		m->npages--;
	} else {
		m_compact(m, p);
		p->stamp = ++m->clock;
	}
	/* the last object takes the freed one's place */
	*o = m->objs[--m->nobjs];
	for (int j = 0; j < m->nholds; j++)
		if (m->holds[j].obj == m->nobjs)
			m->holds[j].obj = i;
	return ok;
}

static bool model_hold(struct model *m, struct z3fold_pool *pool, int i)
{
	struct mobj *o = &m->objs[i];
	struct mhold *hd = &m->holds[m->nholds++];

	hd->obj = i;
	hd->addr = (unsigned long)z3fold_map(pool, o->handle);
	o->held++;
	if (!is_direct(o->handle))
		m->pages[o->page].s[o->slot].mapped++;
	if (hd->addr != m_addr(m, o)) {
		TAP_FAIL("hold %#lx: at %#lx, model %#lx", o->handle, hd->addr,
			 m_addr(m, o));
		return false;
	}
	return tu_verify((void *)hd->addr, o->size, o->tag);
}

static bool model_release(struct model *m, struct z3fold_pool *pool, int j)
{
	struct mhold hd = m->holds[j];
	struct mobj *o = &m->objs[hd.obj];
	struct mpage *p = &m->pages[o->page];
	bool ok = true;

	/* the object did not move while mapped, and kept its data */
	if (hd.addr != m_addr(m, o) || !tu_verify((void *)hd.addr, o->size,
						  o->tag)) {
		TAP_FAIL("held %#lx moved or corrupted", o->handle);
		ok = false;
	}
	z3fold_unmap(pool, o->handle);
	o->held--;
	m->holds[j] = m->holds[--m->nholds];
	if (!is_direct(o->handle)) {
		p->s[o->slot].mapped--;
		if (!p->s[o->slot].mapped && m_uncompacted(p) &&
		    m_compact(m, p))
			p->stamp = ++m->clock;
	}
	return ok;
}

static bool model_stats(struct model *m, struct z3fold_pool *pool)
{
	struct z3fold_stats st = stats_of(pool);
	uint64_t by[SLOTS] = { 0 }, unc = 0;

	for (int i = 0; i < MODEL_PAGES; i++) {
		if (!m->pages[i].used)
			continue;
		by[m->pages[i].nobj - 1]++;
		unc += m_uncompacted(&m->pages[i]);
	}
	if (st.pages != (uint64_t)m->npages ||
	    st.objects != (uint64_t)m->nobjs || st.moves != m->moves ||
	    st.pages_uncompacted != unc || st.pages_by_objects[0] != by[0] ||
	    st.pages_by_objects[1] != by[1] ||
	    st.pages_by_objects[2] != by[2]) {
		TAP_FAIL("stats: pages %" PRIu64 "/%d objects %" PRIu64
			 "/%d moves %" PRIu64 "/%" PRIu64 " uncompacted %"
			 PRIu64 "/%" PRIu64 " by %" PRIu64 ",%" PRIu64 ",%"
			 PRIu64 "/%" PRIu64 ",%" PRIu64 ",%" PRIu64,
			 st.pages, m->npages, st.objects, m->nobjs, st.moves,
			 m->moves, st.pages_uncompacted, unc,
			 st.pages_by_objects[0], st.pages_by_objects[1],
			 st.pages_by_objects[2], by[0], by[1], by[2]);
		return false;
	}
	return true;
}

static void test_model_random(void)
{
	uint64_t rng = tap_seed("model_random");
	unsigned long ops = ops_scale(), done;
	uint64_t base = zpool_page_count();
	struct z3fold_pool *pool = z3fold_create_pool(0);
	struct model *m = calloc(1, sizeof(*m));
	unsigned long counts[7] = { 0 };
	int target = MODEL_LIVE / 2;
	uint64_t tag = 0;

	ASSERT_TRUE(pool && m);
	for (done = 0; done < ops; done++) {
		uint64_t r = tap_rand(&rng);
		unsigned int what = (unsigned int)(r % 100);
		int pick = m->nobjs ? (int)((r >> 32) % (unsigned)m->nobjs)
				    : -1;
		bool ok = true;

		if (done % 4096 == 0)
			target = (int)(tap_rand(&rng) % (MODEL_LIVE + 1));
		if (what < 2) {
			/* a refused request changes nothing */
			unsigned long h = 1;
			size_t bad = r & 128 ? 0 : MAX_OBJ + 1 + (r >> 40) % 99;

			EXPECT_EQ(z3fold_alloc(pool, bad, 0, &h),
				  bad ? -ENOSPC : -EINVAL);
			EXPECT_EQ(z3fold_alloc(pool, 1 + (r >> 40) % 99,
					       ZPOOL_GFP_HIGHMEM, &h), -EINVAL);
			EXPECT_EQ(h, 1);
			counts[3]++;
		} else if (what < 12 && pick >= 0) {
			ok = model_verify(m, pool, pick);
			counts[2]++;
		} else if (what < 17 && pick >= 0 &&
			   m->nholds < MODEL_HOLDS) {
			ok = model_hold(m, pool, pick);
			counts[4]++;
		} else if (what < 22 && m->nholds) {
			ok = model_release(m, pool, (int)((r >> 32) %
						     (unsigned)m->nholds));
			counts[5]++;
		} else if (what < 23) {
			EXPECT_EQ(z3fold_compact(pool), 0);
			counts[6]++;
		} else if (m->nobjs < MODEL_LIVE &&
			   (m->nobjs == 0 ||
			    what < (m->nobjs < target ? 63u : 43u))) {
			ok = model_alloc(m, pool, random_size(&rng, MAX_OBJ),
					 ++tag);
			counts[0]++;
		} else if (pick >= 0) {
			/* a held object is not freed: try its neighbour */
			for (int tries = 0; m->objs[pick].held && tries < 8;
			     tries++)
				pick = (pick + 1) % m->nobjs;
			if (!m->objs[pick].held) {
				ok = model_free(m, pool, pick);
				counts[1]++;
			}
		}
		if (ok && done % 1024 == 0)
			ok = model_stats(m, pool);
		if (!ok || z3fold_get_pool_pages(pool) != (uint64_t)m->npages ||
		    m->npages > m->nobjs || 3 * m->npages < m->nobjs) {
			TAP_FAIL("op %lu: pool pages %" PRIu64 ", model %d, "
				 "%d objects", done,
				 z3fold_get_pool_pages(pool), m->npages,
				 m->nobjs);
			break;
		}
	}
	printf("# %lu ops: %lu alloc+write, %lu verify+free, %lu verify, "
	       "%lu refused, %lu map held, %lu unmapped, %lu compact; "
	       "%" PRIu64 " moves\n", done, counts[0], counts[1], counts[2],
	       counts[3], counts[4], counts[5], counts[6], m->moves);
	EXPECT_TRUE(counts[0] >= ops / 3 && m->moves > 0);
	EXPECT_EQ(zpool_page_count() - base, z3fold_get_pool_pages(pool));
	while (m->nholds)
		model_release(m, pool, m->nholds - 1);
	model_stats(m, pool);
	while (m->nobjs)
		model_free(m, pool, m->nobjs - 1);
	EXPECT_EQ(z3fold_get_pool_pages(pool), 0);
	EXPECT_EQ(stats_of(pool).pages_uncompacted, 0);
	EXPECT_EQ(zpool_page_count(), base);
	z3fold_destroy_pool(pool);
	free(m);
}

/*****************
 * Threads
 *****************/

#define THREADS		4
#define THREAD_LIVE	300

/*
 * How the workers use a z3fold pool: they allocate, write, verify through
 * a mapping held across a yield (while other threads free neighbours in
 * the same pages, which compacts them), free. Objects are small, so that
 * pages are shared by three objects of different threads.
 */
static size_t worker_size(uint64_t r, uint64_t *rng)
{
	return r & 1 ? 1 + (r >> 8) % 1400 : random_size(rng, MAX_OBJ);
}

static int worker_alloc(void *pool, size_t size, unsigned long *h)
{
	return z3fold_alloc(pool, size, 0, h);
}

static void worker_put(void *pool, unsigned long h, size_t size,
		       uint64_t tag)
{
	put(pool, h, size, tag);
}

static unsigned int worker_check(void *pool, unsigned long h, size_t size,
				 uint64_t tag, uint64_t r)
{
	void *a = z3fold_map(pool, h);
	unsigned int bad = 0;

	if (!tu_verify(a, size, tag))
		bad++;
	if (r & (1ull << 21))
		sched_yield();
	if (!tu_verify(a, size, tag))	/* did not move */
		bad++;
	z3fold_unmap(pool, h);
	return bad;
}

static unsigned int worker_drain(void *pool, unsigned long h, size_t size,
				 uint64_t tag)
{
	return !check(pool, h, size, tag);
}

static void worker_free(void *pool, unsigned long h)
{
	z3fold_free(pool, h);
}

static const struct tu_pool_ops worker_ops = {
	.size = worker_size,
	.alloc = worker_alloc,
	.put = worker_put,
	.check = worker_check,
	.drain = worker_drain,
	.free = worker_free,
};

static void test_threads(void)
{
	uint64_t rng = tap_seed("threads");
	uint64_t base = zpool_page_count();
	struct z3fold_pool *pool = z3fold_create_pool(0);
	struct tu_worker w[THREADS];
	unsigned long errors;
	uint64_t max_pages = 0;
	struct z3fold_stats st;

	ASSERT_TRUE(pool);
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct tu_worker){ .pool = pool,
			.pool_ops = &worker_ops, .live = THREAD_LIVE,
			.seed = tap_rand(&rng), .ops = ops_scale() / 3 };
		ASSERT_EQ(pthread_create(&w[i].tid, NULL, tu_worker_run,
					 &w[i]), 0);
	}
	/* lock-free reads and compaction while the workers run */
	for (int i = 0; i < 1000; i++) {
		uint64_t p = z3fold_get_pool_pages(pool);

		if (p > max_pages)
			max_pages = p;
		EXPECT_LE(p, THREADS * THREAD_LIVE);
		if (i % 10 == 0)
			EXPECT_EQ(z3fold_compact(pool), 0);
		usleep(100);
	}
	errors = tu_workers_join(w, THREADS);
	st = stats_of(pool);
	printf("# %d threads x %lu ops, up to %" PRIu64 " pages seen, %"
	       PRIu64 " moves\n", THREADS, w[0].ops, max_pages, st.moves);
	EXPECT_EQ(errors, 0);
	EXPECT_TRUE(st.moves > 0);
	EXPECT_EQ(st.objects, 0);
	EXPECT_EQ(st.pages_uncompacted, 0);
	EXPECT_EQ(z3fold_get_pool_pages(pool), 0);
	EXPECT_EQ(zpool_page_count(), base);
	z3fold_destroy_pool(pool);
}

/*****************
 * Memory goes back to the system
 *****************/

/* valgrind runs the test with its preload libraries. */
static bool under_valgrind(void)
{
	const char *preload = getenv("LD_PRELOAD");

	return preload && strstr(preload, "vgpreload");
}

/*
 * Fill a 256 MiB pool (three 1344-byte objects in each page), free every
 * object: the resident set must drop by at least 80 % of 256 MiB. The
 * objects of every other page go first (so that no arena becomes empty
 * and unmapping whole arenas cannot do the job alone), first objects
 * first, so that their middles move.
 */
static void test_rss_returned(void)
{
	const uint64_t pool_bytes = 256ull << 20;
	const size_t nobj = 3 * pool_bytes / PG, size = 21 * CHUNK;
	uint64_t base = zpool_page_count();
	struct z3fold_pool *pool = z3fold_create_pool(0);
	unsigned long *h = malloc(nobj * sizeof(*h));
	uint64_t rss0, rss1, rss_half, rss2;
	size_t bad = 0;

	ASSERT_TRUE(pool && h);
	memset(h, 0, nobj * sizeof(*h));	/* make the array resident */
	rss0 = tu_rss_bytes();
	ASSERT_TRUE(rss0 > 0);
	for (size_t i = 0; i < nobj; i++) {
		ASSERT_EQ(z3fold_alloc(pool, size, 0, &h[i]), 0);
		put(pool, h[i], size, i);
	}
	EXPECT_EQ(z3fold_get_pool_pages(pool), pool_bytes / PG);
	rss1 = tu_rss_bytes();
	/* page j holds objects 3j, 3j + 1, 3j + 2: free the even pages */
	for (size_t i = 0; i < nobj; i++) {
		if ((i / 3) & 1)
			continue;
		bad += !check(pool, h[i], size, i);
		z3fold_free(pool, h[i]);
	}
	EXPECT_EQ(z3fold_get_pool_pages(pool), pool_bytes / PG / 2);
	EXPECT_TRUE(stats_of(pool).moves >= pool_bytes / PG / 2);
	rss_half = tu_rss_bytes();
	for (size_t i = 0; i < nobj; i++) {
		if (!((i / 3) & 1))
			continue;
		bad += !check(pool, h[i], size, i);
		z3fold_free(pool, h[i]);
	}
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(z3fold_get_pool_pages(pool), 0);
	EXPECT_EQ(zpool_page_count(), base);
	rss2 = tu_rss_bytes();
	tu_rss_print("", rss0, rss1, rss_half, rss2, pool_bytes);
	EXPECT_TRUE(rss1 >= rss0 + pool_bytes / 10 * 8);
	if (under_valgrind())
		/* memcheck keeps the shadow of half-used regions resident */
		printf("# under valgrind: half-freed figure not checked\n");
	else
		EXPECT_TRUE(rss1 >= rss_half + pool_bytes / 2 / 10 * 8);
	EXPECT_TRUE(rss1 >= rss2 + pool_bytes / 10 * 8);
	z3fold_destroy_pool(pool);
	free(h);
}

/*****************
 * Never more pages than zbud
 *****************/

/*
 * Allocate the same sizes into a zbud and a z3fold pool through the zpool
 * API; after every allocation z3fold must hold no more pages than zbud.
 * Return: false on the first violation (reported).
 */
static bool same_stream(const uint32_t *sizes, size_t n, const char *what,
			uint64_t *zbud_pages, uint64_t *z3fold_pages)
{
	struct zpool *zb = zpool_create_pool("zbud", "cmp", 0);
	struct zpool *z3 = zpool_create_pool("z3fold", "cmp", 0);
	unsigned long *hb = malloc(n * sizeof(*hb));
	unsigned long *h3 = malloc(n * sizeof(*h3));
	bool ok = zb && z3 && hb && h3;

	for (size_t i = 0; ok && i < n; i++) {
		if (zpool_malloc(zb, sizes[i], 0, &hb[i]) ||
		    zpool_malloc(z3, sizes[i], 0, &h3[i])) {
			TAP_FAIL("%s: allocation %zu of %u bytes failed", what,
				 i, sizes[i]);
			ok = false;
			n = i;
			break;
		}
		if (zpool_get_total_pages(z3) > zpool_get_total_pages(zb)) {
			TAP_FAIL("%s: after %zu objects z3fold has %" PRIu64
				 " pages, zbud %" PRIu64, what, i + 1,
				 zpool_get_total_pages(z3),
				 zpool_get_total_pages(zb));
			ok = false;
			n = i + 1;
			break;
		}
	}
	if (zb && z3) {
		*zbud_pages = zpool_get_total_pages(zb);
		*z3fold_pages = zpool_get_total_pages(z3);
	}
	for (size_t i = 0; zb && z3 && hb && h3 && i < n; i++) {
		zpool_free(zb, hb[i]);
		zpool_free(z3, h3[i]);
	}
	zpool_destroy_pool(zb);
	zpool_destroy_pool(z3);
	free(hb);
	free(h3);
	return ok;
}

static void test_vs_zbud_random(void)
{
	uint64_t rng = tap_seed("vs_zbud_random");
	uint64_t base = zpool_page_count(), sum_b = 0, sum_3 = 0;
	int rounds = 400;

	for (int round = 0; round < rounds; round++) {
		size_t n = 1 + tap_rand(&rng) % (round % 10 ? 300 : 5000);
		uint32_t *sizes = malloc(n * sizeof(*sizes));
		unsigned int lo = 1 + (unsigned int)(tap_rand(&rng) % 3000);
		unsigned int hi = lo + (unsigned int)(tap_rand(&rng) % 3968);
		uint64_t pb = 0, p3 = 0;
		char what[64];

		ASSERT_TRUE(sizes);
		if (hi > ZBUD_MAX)
			hi = ZBUD_MAX;
		for (size_t i = 0; i < n; i++) {
			switch (round % 4) {
			case 0:		/* zbud's test mix */
				sizes[i] = (uint32_t)random_size(&rng,
								 ZBUD_MAX);
				break;
			case 1:		/* a random range */
				sizes[i] = lo + (uint32_t)(tap_rand(&rng) %
							   (hi - lo + 1));
				break;
			case 2:		/* a few sizes repeated */
				sizes[i] = (uint32_t)(1 + (tap_rand(&rng) % 4 +
					1) * (lo % 997 + 1)) % ZBUD_MAX + 1;
				break;
			default:	/* anything */
				sizes[i] = 1 + (uint32_t)(tap_rand(&rng) %
							  ZBUD_MAX);
			}
		}
		snprintf(what, sizeof(what), "round %d (%zu objects)", round,
			 n);
		if (!same_stream(sizes, n, what, &pb, &p3)) {
			free(sizes);
			break;
		}
		sum_b += pb;
		sum_3 += p3;
		free(sizes);
	}
	printf("# %d streams: zbud %" PRIu64 " pages, z3fold %" PRIu64
	       " pages (%.1f %%)\n", rounds, sum_b, sum_3,
	       100.0 * (double)sum_3 / (double)(sum_b ? sum_b : 1));
	EXPECT_TRUE(sum_3 < sum_b);
	EXPECT_EQ(zpool_page_count(), base);
}

/* The compressed sizes of real data, in the file order and rotated. */
static void test_vs_zbud_real(void)
{
	const char *path = getenv("ZPOOL_BENCH_SIZES");
	uint64_t rng = tap_seed("vs_zbud_real");
	size_t n = 0, cap = 0;
	uint32_t *sizes = NULL, *rot;
	char line[128];
	FILE *f;

	if (!path || !*path)
		path = "tests/bench/linux-6.1-lz4-sizes.txt";
	f = fopen(path, "r");
	if (!f) {
		TAP_FAIL("%s: cannot open (set ZPOOL_BENCH_SIZES)", path);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long s;

		if (line[0] == '#')
			continue;
		s = strtoul(line, NULL, 10);
		if (s == 0 || s > ZBUD_MAX)
			continue;	/* stored raw by zpoolfs */
		if (n == cap) {
			uint32_t *nv;

			cap = cap ? 2 * cap : 4096;
			nv = realloc(sizes, cap * sizeof(*sizes));
			ASSERT_TRUE(nv);
			sizes = nv;
		}
		sizes[n++] = (uint32_t)s;
	}
	fclose(f);
	ASSERT_TRUE(n > 1000);
	rot = malloc(n * sizeof(*rot));
	ASSERT_TRUE(rot);
	for (int round = 0; round < 4; round++) {
		size_t start = round ? tap_rand(&rng) % n : 0;
		uint64_t pb = 0, p3 = 0;
		char what[64];

		for (size_t i = 0; i < n; i++)
			rot[i] = sizes[(start + i) % n];
		snprintf(what, sizeof(what), "%s from %zu", path, start);
		if (!same_stream(rot, n, what, &pb, &p3))
			break;
		printf("# %zu sizes from line %zu: zbud %" PRIu64
		       " pages, z3fold %" PRIu64 " (%.1f %%)\n", n, start, pb,
		       p3, 100.0 * (double)p3 / (double)pb);
		EXPECT_TRUE(p3 < pb);
	}
	free(rot);
	free(sizes);
}

TAP_MAIN(TAP_TEST(test_boundaries),
	 TAP_TEST(test_chunk_rounding),
	 TAP_TEST(test_three_in_page),
	 TAP_TEST(test_best_fit),
	 TAP_TEST(test_compact_first_freed),
	 TAP_TEST(test_compact_last_freed),
	 TAP_TEST(test_compact_lone_middle),
	 TAP_TEST(test_compact_mapped),
	 TAP_TEST(test_compact_two_mapped),
	 TAP_TEST(test_page_bounds),
	 TAP_TEST(test_enomem),
	 TAP_TEST(test_destroy_nonempty),
	 TAP_TEST(test_zpool_api),
	 TAP_TEST(test_module),
	 TAP_TEST(test_model_random),
	 TAP_TEST(test_threads),
	 TAP_TEST(test_rss_returned),
	 TAP_TEST(test_vs_zbud_random),
	 TAP_TEST(test_vs_zbud_real))
