/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_zbud.c - unit tests of the page source (zpool/page.c) and of the
 * zbud allocator (zbud/zbud.c).
 *
 * The zbud tests check the allocator against the geometry and policy of
 * mm/zbud.c, computed here independently: 64-byte chunks, a one-chunk
 * header, the first buddy at page + 64, the last at page + 4096 - 64 * its
 * chunks, best fit among the pages holding one object (the page that
 * joined its free list last among equals), a page given back when empty.
 * The reference models below know nothing of lists: they scan an array of
 * pages.
 *
 * Environment: TEST_SEED replays a randomised test; ZBUD_TEST_OPS sets the
 * number of operations of the model check (default 1000000; also scales
 * the threaded test), for slow runs under valgrind.
 */
#include "config.h"

#include <assert.h>
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
#include "zbud/zbud.h"
#include "zpool/page.h"
#include "zpool/zpool.h"

/* The geometry, restated: the tests do not use zbud.c's macros. */
#define PG		4096ul
#define CHUNK		64ul
#define USABLE_CHUNKS	63u
#define MAX_OBJ		3968ul

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

static unsigned long ops_scale(void)
{
	return tu_ops_scale("ZBUD_TEST_OPS", 1000000);
}

/*****************
 * Page source
 *****************/

static void test_page_source_basic(void)
{
	enum { N = 1500 };
	uint64_t base = zpool_page_count();
	void **pages = calloc(N, sizeof(*pages));

	ASSERT_TRUE(pages);
	for (int i = 0; i < N; i++) {
		pages[i] = zpool_page_alloc();
		ASSERT_TRUE(pages[i]);
		EXPECT_EQ((uintptr_t)pages[i] % PG, 0);
		memset(pages[i], i & 0xff, PG);
	}
	EXPECT_EQ(zpool_page_count() - base, N);
	EXPECT_TRUE(zpool_page_resident() >= zpool_page_count());
	for (int i = 0; i < N; i++) {
		const unsigned char *b = pages[i];

		EXPECT_TRUE(b[0] == (i & 0xff) && b[PG - 1] == (i & 0xff));
	}
	for (int i = 0; i < N; i += 2)
		zpool_page_free(pages[i]);
	EXPECT_EQ(zpool_page_count() - base, N / 2);
	for (int i = 1; i < N; i += 2)
		zpool_page_free(pages[i]);
	EXPECT_EQ(zpool_page_count(), base);
	zpool_page_free(NULL);
	EXPECT_EQ(zpool_page_count(), base);

	/* fault injection: n more successes, then failures until reset */
	zpool_page_fail_after(3);
	for (int i = 0; i < 3; i++) {
		pages[i] = zpool_page_alloc();
		EXPECT_TRUE(pages[i] != NULL);
	}
	EXPECT_TRUE(zpool_page_alloc() == NULL);
	EXPECT_TRUE(zpool_page_alloc() == NULL);
	EXPECT_EQ(zpool_page_count() - base, 3);
	zpool_page_fail_after(-1);
	pages[3] = zpool_page_alloc();
	EXPECT_TRUE(pages[3] != NULL);
	for (int i = 0; i < 4; i++)
		zpool_page_free(pages[i]);
	EXPECT_EQ(zpool_page_count(), base);
	free(pages);
}

/*
 * The warm reserve: freed pages stay resident up to a bound of a few MiB,
 * the rest goes back to the kernel; allocations take reserve pages first.
 */
static void test_page_source_reserve(void)
{
	enum { N = 8192 };	/* 32 MiB: well past any "few MiB" reserve */
	uint64_t base = zpool_page_count();
	uint64_t reserve, r;
	void **pages = calloc(N, sizeof(*pages));

	ASSERT_TRUE(pages);
	for (int i = 0; i < N; i++) {
		pages[i] = zpool_page_alloc();
		ASSERT_TRUE(pages[i]);
		*(volatile char *)pages[i] = 1;
	}
	for (int i = 0; i < N; i++)
		zpool_page_free(pages[i]);
	EXPECT_EQ(zpool_page_count(), base);
	reserve = zpool_page_resident() - zpool_page_count();
	printf("# warm reserve: %" PRIu64 " pages\n", reserve);
	EXPECT_TRUE(reserve >= 64);			/* worth having */
	EXPECT_TRUE(reserve <= 16 * 1024 * 1024 / PG);	/* a few MiB */

	/* taking reserve pages leaves the resident count alone */
	for (uint64_t i = 0; i < reserve; i++) {
		pages[i] = zpool_page_alloc();
		ASSERT_TRUE(pages[i]);
	}
	EXPECT_EQ(zpool_page_count() - base, reserve);
	EXPECT_EQ(zpool_page_resident(), zpool_page_count());
	/* the next one is cold: resident grows with it */
	r = zpool_page_resident();
	pages[reserve] = zpool_page_alloc();
	ASSERT_TRUE(pages[reserve]);
	EXPECT_EQ(zpool_page_resident(), r + 1);
	for (uint64_t i = 0; i <= reserve; i++)
		zpool_page_free(pages[i]);
	/* the reserve refills to its bound and no further */
	EXPECT_EQ(zpool_page_resident() - zpool_page_count(), reserve);
	EXPECT_EQ(zpool_page_count(), base);
	free(pages);
}

/*****************
 * zbud: geometry and policy
 *****************/

static void test_boundaries(void)
{
	struct zbud_pool *pool = zbud_create_pool(0);
	unsigned long h = 12345, h1, h2;

	ASSERT_TRUE(pool);
	EXPECT_EQ(zbud_get_pool_pages(pool), 0);
	EXPECT_EQ(zbud_alloc(pool, 0, 0, &h), -EINVAL);
	EXPECT_EQ(zbud_alloc(pool, 100, ZPOOL_GFP_HIGHMEM, &h), -EINVAL);
	EXPECT_EQ(zbud_alloc(pool, 100, ZPOOL_GFP_HIGHMEM | ZPOOL_GFP_MOVABLE,
			     &h), -EINVAL);
	EXPECT_EQ(zbud_alloc(pool, 0, ZPOOL_GFP_HIGHMEM, &h), -EINVAL);
	EXPECT_EQ(zbud_alloc(pool, MAX_OBJ + 1, 0, &h), -ENOSPC);
	EXPECT_EQ(zbud_alloc(pool, PG, 0, &h), -ENOSPC);
	EXPECT_EQ(zbud_alloc(pool, SIZE_MAX, 0, &h), -ENOSPC);
	EXPECT_EQ(h, 12345);			/* untouched on error */
	EXPECT_EQ(zbud_get_pool_pages(pool), 0);

	ASSERT_EQ(zbud_alloc(pool, MAX_OBJ, 0, &h1), 0);
	EXPECT_EQ(offset_of(h1), 64);
	EXPECT_EQ(zbud_get_pool_pages(pool), 1);
	tu_fill(zbud_map(pool, h1), MAX_OBJ, 1);
	/* 3968 + 64 fill the page exactly: 1 + 62 + 1 chunks */
	ASSERT_EQ(zbud_alloc(pool, 1, ZPOOL_GFP_MOVABLE, &h2), 0);
	EXPECT_EQ(page_of(h2), page_of(h1));
	EXPECT_EQ(offset_of(h2), PG - 64);
	tu_fill(zbud_map(pool, h2), 1, 2);
	EXPECT_TRUE(tu_verify(zbud_map(pool, h1), MAX_OBJ, 1));
	EXPECT_TRUE(tu_verify(zbud_map(pool, h2), 1, 2));
	EXPECT_EQ(zbud_get_pool_pages(pool), 1);
	zbud_free(pool, h1);
	zbud_free(pool, h2);
	EXPECT_EQ(zbud_get_pool_pages(pool), 0);

	/* 3968 + 65 do not fit one page */
	ASSERT_EQ(zbud_alloc(pool, MAX_OBJ, 0, &h1), 0);
	ASSERT_EQ(zbud_alloc(pool, 65, 0, &h2), 0);
	EXPECT_NE(page_of(h2), page_of(h1));
	EXPECT_EQ(offset_of(h2), 64);
	EXPECT_EQ(zbud_get_pool_pages(pool), 2);
	zbud_free(pool, h2);
	zbud_free(pool, h1);
	EXPECT_EQ(zbud_get_pool_pages(pool), 0);
	zbud_destroy_pool(pool);
	zbud_destroy_pool(NULL);
}

/*
 * Every size from 1 to 3968 takes exactly ceil(size / 64) chunks: alone in
 * a page it sits at + 64; an object of the 63 - chunks left fits beside it,
 * right-aligned, and one of 64 - chunks does not.
 */
static void test_chunk_rounding(void)
{
	struct zbud_pool *pool = zbud_create_pool(0);
	uint64_t base = zpool_page_count();
	int bad = 0;

	ASSERT_TRUE(pool);
	for (size_t size = 1; size <= MAX_OBJ && bad < 5; size++) {
		unsigned int c = chunks_of(size), rest = USABLE_CHUNKS - c;
		unsigned long h, hfit, hbig;

		ASSERT_EQ(zbud_alloc(pool, size, 0, &h), 0);
		if (offset_of(h) != 64) {
			TAP_FAIL("size %zu at offset %lu", size, offset_of(h));
			bad++;
		}
		if (rest < 62) {
			/* one chunk more than the slack: a new page */
			ASSERT_EQ(zbud_alloc(pool, (rest + 1) * CHUNK, 0,
					     &hbig), 0);
			if (page_of(hbig) == page_of(h)) {
				TAP_FAIL("size %zu: %u chunks fit in %u", size,
					 rest + 1, rest);
				bad++;
			}
			zbud_free(pool, hbig);
		}
		/* exactly the slack: beside it, right-aligned */
		ASSERT_EQ(zbud_alloc(pool, rest * CHUNK, 0, &hfit), 0);
		if (page_of(hfit) != page_of(h) ||
		    offset_of(hfit) != PG - rest * CHUNK) {
			TAP_FAIL("size %zu: slack object at %#lx, page %#lx",
				 size, hfit, page_of(h));
			bad++;
		}
		tu_fill(zbud_map(pool, h), size, size);
		tu_fill(zbud_map(pool, hfit), rest * CHUNK, ~size);
		if (!tu_verify(zbud_map(pool, h), size, size)) {
			TAP_FAIL("size %zu: overwritten", size);
			bad++;
		}
		zbud_free(pool, hfit);
		zbud_free(pool, h);
		if (zbud_get_pool_pages(pool) != 0) {
			TAP_FAIL("size %zu: pages left", size);
			bad++;
		}
	}
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(zpool_page_count(), base);
	zbud_destroy_pool(pool);
}

/* First and last buddy placement, the buddy freed, the side reused. */
static void test_placement(void)
{
	struct zbud_pool *pool = zbud_create_pool(0);
	uint64_t base = zpool_page_count();
	unsigned long a, b, c, d, page;

	ASSERT_TRUE(pool);
	ASSERT_EQ(zbud_alloc(pool, 100, 0, &a), 0);	/* 2 chunks */
	page = page_of(a);
	EXPECT_EQ(a - page, 64);
	EXPECT_TRUE(zbud_map(pool, a) == (void *)a);
	EXPECT_EQ(zpool_page_count() - base, 1);
	ASSERT_EQ(zbud_alloc(pool, 200, 0, &b), 0);	/* 4 chunks */
	EXPECT_EQ(b - page, PG - 4 * CHUNK);
	EXPECT_TRUE(zbud_map(pool, b) == (void *)b);
	EXPECT_EQ(zbud_get_pool_pages(pool), 1);
	tu_fill(zbud_map(pool, a), 100, 0xa);
	tu_fill(zbud_map(pool, b), 200, 0xb);
	zbud_unmap(pool, a);
	zbud_unmap(pool, b);

	/* two objects: the page is buddied, though 57 chunks are free */
	ASSERT_EQ(zbud_alloc(pool, 57 * CHUNK, 0, &c), 0);
	EXPECT_NE(page_of(c), page);	/* the page is buddied */
	EXPECT_EQ(zbud_get_pool_pages(pool), 2);
	zbud_free(pool, c);
	EXPECT_EQ(zbud_get_pool_pages(pool), 1);
	EXPECT_EQ(zpool_page_count() - base, 1);

	/* free the first buddy: the next object takes the first side */
	zbud_free(pool, a);
	EXPECT_EQ(zbud_get_pool_pages(pool), 1);
	ASSERT_EQ(zbud_alloc(pool, 59 * CHUNK, 0, &c), 0);
	EXPECT_EQ(c, page + 64);
	tu_fill(zbud_map(pool, c), 59 * CHUNK, 0xc);
	EXPECT_TRUE(tu_verify(zbud_map(pool, b), 200, 0xb));
	/* free the last buddy: the next object takes the last side */
	zbud_free(pool, b);
	ASSERT_EQ(zbud_alloc(pool, 3 * CHUNK, 0, &d), 0);
	EXPECT_EQ(d, page + PG - 3 * CHUNK);
	tu_fill(zbud_map(pool, d), 3 * CHUNK, 0xd);
	EXPECT_TRUE(tu_verify(zbud_map(pool, c), 59 * CHUNK, 0xc));
	EXPECT_EQ(zbud_get_pool_pages(pool), 1);
	/* both freed: the page goes back */
	zbud_free(pool, c);
	EXPECT_EQ(zpool_page_count() - base, 1);
	zbud_free(pool, d);
	EXPECT_EQ(zbud_get_pool_pages(pool), 0);
	EXPECT_EQ(zpool_page_count(), base);
	zbud_destroy_pool(pool);
}

/* An object of @chunks chunks (the smallest size that needs them). */
static size_t sz(unsigned int chunks)
{
	return (chunks - 1) * CHUNK + 1;
}

static void test_best_fit(void)
{
	struct zbud_pool *pool = zbud_create_pool(0);
	unsigned long p5, p10, p20, p30, q1, q2, h[16];
	int n = 0;

	ASSERT_TRUE(pool);
	/* pages with 5, 10, 20 and 30 free chunks, each in a new page */
	ASSERT_EQ(zbud_alloc(pool, sz(58), 0, &h[n]), 0);
	p5 = page_of(h[n++]);
	ASSERT_EQ(zbud_alloc(pool, sz(53), 0, &h[n]), 0);
	p10 = page_of(h[n++]);
	ASSERT_EQ(zbud_alloc(pool, sz(43), 0, &h[n]), 0);
	p20 = page_of(h[n++]);
	ASSERT_EQ(zbud_alloc(pool, sz(33), 0, &h[n]), 0);
	p30 = page_of(h[n++]);
	EXPECT_EQ(zbud_get_pool_pages(pool), 4);

	/* 15 chunks: 20 free fits tightest, not 30 */
	ASSERT_EQ(zbud_alloc(pool, sz(15), 0, &h[n]), 0);
	EXPECT_EQ(h[n++], p20 + PG - 15 * CHUNK);
	/* 7 chunks: 10 free (5 is too small) */
	ASSERT_EQ(zbud_alloc(pool, 7 * CHUNK, 0, &h[n]), 0);
	EXPECT_EQ(h[n++], p10 + PG - 7 * CHUNK);
	/* 5 chunks: exact fit */
	ASSERT_EQ(zbud_alloc(pool, sz(5), 0, &h[n]), 0);
	EXPECT_EQ(h[n++], p5 + PG - 5 * CHUNK);
	/* 31 chunks: nothing fits, a new page with 32 free */
	ASSERT_EQ(zbud_alloc(pool, sz(31), 0, &h[n]), 0);
	EXPECT_EQ(offset_of(h[n]), 64);
	EXPECT_TRUE(page_of(h[n]) != p30);
	n++;
	EXPECT_EQ(zbud_get_pool_pages(pool), 5);
	/* 30 chunks: 30 free fits, not the newer 32 */
	ASSERT_EQ(zbud_alloc(pool, 30 * CHUNK, 0, &h[n]), 0);
	EXPECT_EQ(h[n++], p30 + PG - 30 * CHUNK);

	/* among equals, the page that joined its list last */
	ASSERT_EQ(zbud_alloc(pool, sz(53), 0, &h[n]), 0);
	q1 = page_of(h[n++]);
	ASSERT_EQ(zbud_alloc(pool, 53 * CHUNK, 0, &h[n]), 0);
	q2 = page_of(h[n++]);
	EXPECT_NE(q1, q2);
	ASSERT_EQ(zbud_alloc(pool, sz(10), 0, &h[n]), 0);
	EXPECT_EQ(page_of(h[n++]), q2);
	ASSERT_EQ(zbud_alloc(pool, sz(10), 0, &h[n]), 0);
	EXPECT_EQ(page_of(h[n++]), q1);
	EXPECT_EQ(zbud_get_pool_pages(pool), 7);

	for (int i = 0; i < n; i++)
		zbud_free(pool, h[i]);
	EXPECT_EQ(zbud_get_pool_pages(pool), 0);
	zbud_destroy_pool(pool);
}

/*
 * Pages needed by a sequence of allocations alone under two-per-page best
 * fit: each object joins the page with one object whose free chunks fit it
 * most tightly, else opens a new page.
 */
static uint64_t best_fit_pages(const size_t *sizes, size_t n)
{
	unsigned int *open = malloc(n * sizeof(*open));	/* free chunks */
	size_t nopen = 0;
	uint64_t pages = 0;

	assert(open);
	for (size_t i = 0; i < n; i++) {
		unsigned int c = chunks_of(sizes[i]);
		size_t best = nopen;

		for (size_t j = 0; j < nopen; j++)
			if (open[j] >= c &&
			    (best == nopen || open[j] < open[best]))
				best = j;
		if (best < nopen) {
			open[best] = open[--nopen];	/* now full */
		} else {
			open[nopen++] = USABLE_CHUNKS - c;
			pages++;
		}
	}
	free(open);
	return pages;
}

static size_t random_size(uint64_t *rng)
{
	uint64_t r = tap_rand(rng);

	switch (r & 3) {
	case 0:				/* anything */
		return 1 + (r >> 8) % MAX_OBJ;
	case 1:				/* small */
		return 1 + (r >> 8) % 512;
	case 2: {			/* chunk boundaries */
		size_t s = (1 + (r >> 8) % 62) * CHUNK - 1 + (r >> 20) % 3;

		return s < MAX_OBJ ? s : MAX_OBJ;
	}
	default:			/* typical compressed pages */
		return 1500 + (r >> 8) % (MAX_OBJ - 1500 + 1);
	}
}

static void test_pages_match_best_fit(void)
{
	uint64_t rng = tap_seed("pages_match_best_fit");
	uint64_t base = zpool_page_count();
	struct zbud_pool *pool = zbud_create_pool(0);

	ASSERT_TRUE(pool);
	for (int round = 0; round < 20; round++) {
		size_t n = 1 + tap_rand(&rng) % 3000;
		size_t *sizes = malloc(n * sizeof(*sizes));
		unsigned long *h = malloc(n * sizeof(*h));
		uint64_t pages;

		ASSERT_TRUE(sizes && h);
		for (size_t i = 0; i < n; i++) {
			sizes[i] = round % 4 == 3 ? 1 + tap_rand(&rng) % MAX_OBJ
						  : random_size(&rng);
			ASSERT_EQ(zbud_alloc(pool, sizes[i], 0, &h[i]), 0);
			pages = zbud_get_pool_pages(pool);
			/* one or two objects a page */
			EXPECT_LE(pages, i + 1);
			EXPECT_LE((i + 2) / 2, pages);
		}
		EXPECT_EQ(zbud_get_pool_pages(pool), best_fit_pages(sizes, n));
		EXPECT_EQ(zpool_page_count() - base, zbud_get_pool_pages(pool));
		/* free in a random order */
		tu_shuffle_handles(h, n, &rng);
		for (size_t i = 0; i < n; i++) {
			zbud_free(pool, h[i]);
			EXPECT_LE(zbud_get_pool_pages(pool), n - i - 1);
		}
		EXPECT_EQ(zbud_get_pool_pages(pool), 0);
		EXPECT_EQ(zpool_page_count(), base);
		free(sizes);
		free(h);
		if (tap_failed_current)
			break;
	}
	zbud_destroy_pool(pool);
}

/* -ENOMEM from the page source leaves the pool as it was. */
static void test_enomem(void)
{
	struct zbud_pool *pool = zbud_create_pool(0);
	uint64_t base = zpool_page_count();
	unsigned long h[8], bad = 777;
	int n = 0;

	ASSERT_TRUE(pool);
	ASSERT_EQ(zbud_alloc(pool, MAX_OBJ, 0, &h[n++]), 0); /* 1 free */
	tu_fill(zbud_map(pool, h[0]), MAX_OBJ, 100);

	zpool_page_fail_after(0);
	EXPECT_EQ(zbud_alloc(pool, 100, 0, &bad), -ENOMEM);
	EXPECT_EQ(bad, 777);
	EXPECT_EQ(zbud_get_pool_pages(pool), 1);
	/* no page needed: still works */
	ASSERT_EQ(zbud_alloc(pool, 64, 0, &h[n]), 0);
	EXPECT_EQ(h[n], page_of(h[0]) + PG - 64);
	tu_fill(zbud_map(pool, h[n++]), 64, 101);
	for (int i = 0; i < 100; i++)
		EXPECT_EQ(zbud_alloc(pool, 1 + i * 39, 0, &bad), -ENOMEM);
	EXPECT_EQ(bad, 777);
	EXPECT_EQ(zbud_get_pool_pages(pool), 1);
	EXPECT_EQ(zpool_page_count() - base, 1);

	/* one more page allowed */
	zpool_page_fail_after(1);
	ASSERT_EQ(zbud_alloc(pool, 100, 0, &h[n]), 0);	/* 61 free */
	tu_fill(zbud_map(pool, h[n++]), 100, 102);
	EXPECT_EQ(zbud_alloc(pool, MAX_OBJ, 0, &bad), -ENOMEM);
	ASSERT_EQ(zbud_alloc(pool, 61 * CHUNK, 0, &h[n]), 0);	/* fits */
	EXPECT_EQ(page_of(h[n]), page_of(h[2]));
	tu_fill(zbud_map(pool, h[n++]), 61 * CHUNK, 103);
	EXPECT_EQ(zbud_get_pool_pages(pool), 2);

	zpool_page_fail_after(-1);
	ASSERT_EQ(zbud_alloc(pool, MAX_OBJ, 0, &h[n]), 0);
	tu_fill(zbud_map(pool, h[n++]), MAX_OBJ, 104);
	EXPECT_EQ(zbud_get_pool_pages(pool), 3);
	EXPECT_TRUE(tu_verify(zbud_map(pool, h[0]), MAX_OBJ, 100));
	EXPECT_TRUE(tu_verify(zbud_map(pool, h[1]), 64, 101));
	EXPECT_TRUE(tu_verify(zbud_map(pool, h[2]), 100, 102));
	EXPECT_TRUE(tu_verify(zbud_map(pool, h[3]), 61 * CHUNK, 103));
	EXPECT_TRUE(tu_verify(zbud_map(pool, h[4]), MAX_OBJ, 104));
	for (int i = 0; i < n; i++)
		zbud_free(pool, h[i]);
	EXPECT_EQ(zbud_get_pool_pages(pool), 0);
	EXPECT_EQ(zpool_page_count(), base);
	zbud_destroy_pool(pool);
}

/* Destroying a pool that still holds objects gives its pages back. */
static void test_destroy_nonempty(void)
{
	struct zbud_pool *pool = zbud_create_pool(0);
	uint64_t base = zpool_page_count();
	unsigned long h;

	ASSERT_TRUE(pool);
	for (int i = 0; i < 1000; i++)
		ASSERT_EQ(zbud_alloc(pool, 1 + (size_t)i * 3, 0, &h), 0);
	EXPECT_TRUE(zpool_page_count() - base >= 500);
	zbud_destroy_pool(pool);
	EXPECT_EQ(zpool_page_count(), base);
}

/* The driver record zpool.c registers, used through its function pointers. */
static void test_driver(void)
{
	const struct zpool_driver *d = &zbud_zpool_driver;
	uint64_t base = zpool_page_count();
	unsigned long h1, h2, bad = 5;
	void *pool;

	EXPECT_STREQ(d->type, "zbud");
	EXPECT_TRUE(!d->malloc_support_movable);
	pool = d->create("test", 0);
	ASSERT_TRUE(pool);
	EXPECT_EQ(d->malloc(pool, 0, 0, &bad), -EINVAL);
	EXPECT_EQ(d->malloc(pool, 10, ZPOOL_GFP_HIGHMEM, &bad), -EINVAL);
	EXPECT_EQ(d->malloc(pool, MAX_OBJ + 1, 0, &bad), -ENOSPC);
	EXPECT_EQ(bad, 5);
	ASSERT_EQ(d->malloc(pool, 1000, ZPOOL_GFP_MOVABLE, &h1), 0);
	ASSERT_EQ(d->malloc(pool, 2000, 0, &h2), 0);
	EXPECT_EQ(d->total_pages(pool), 1);
	tu_fill(d->map(pool, h1, ZPOOL_MM_WO), 1000, 1);
	d->unmap(pool, h1);
	tu_fill(d->map(pool, h2, ZPOOL_MM_RW), 2000, 2);
	d->unmap(pool, h2);
	EXPECT_TRUE(tu_verify(d->map(pool, h1, ZPOOL_MM_RO), 1000, 1));
	d->unmap(pool, h1);
	EXPECT_TRUE(tu_verify(d->map(pool, h2, ZPOOL_MM_RO), 2000, 2));
	d->unmap(pool, h2);
	d->free(pool, h1);
	d->free(pool, h2);
	EXPECT_EQ(d->total_pages(pool), 0);
	d->destroy(pool);
	EXPECT_EQ(zpool_page_count(), base);
}

/*****************
 * zbud: model check
 *****************/

/*
 * The reference: an array of pages, each with its two chunk counts and a
 * stamp of when it last joined a free list. Best fit is a scan: the page
 * with one object, enough free chunks, the fewest of them, and the latest
 * stamp among equals.
 */
#define MODEL_LIVE	400

struct mpage {
	bool used;
	unsigned int first, last;	/* chunks, 0 = free side */
	uint64_t stamp;
	unsigned long addr;
};

struct mobj {
	unsigned long handle;
	size_t size;
	uint64_t tag;
	int page;
};

struct model {
	struct mpage pages[MODEL_LIVE];
	struct mobj objs[MODEL_LIVE];
	int nobjs, npages;
	uint64_t clock;
};

/* The page an object of @c chunks goes to, or -1 for a new page. */
static int model_best_fit(const struct model *m, unsigned int c)
{
	int best = -1;
	unsigned int bestfree = 0;

	for (int i = 0; i < MODEL_LIVE; i++) {
		const struct mpage *p = &m->pages[i];
		unsigned int f;

		if (!p->used || (p->first && p->last))
			continue;
		f = USABLE_CHUNKS - p->first - p->last;
		if (f < c)
			continue;
		if (best < 0 || f < bestfree ||
		    (f == bestfree && p->stamp > m->pages[best].stamp)) {
			best = i;
			bestfree = f;
		}
	}
	return best;
}

static bool model_alloc(struct model *m, struct zbud_pool *pool, size_t size,
			uint64_t tag)
{
	unsigned int c = chunks_of(size);
	int p = model_best_fit(m, c);
	struct mobj *o = &m->objs[m->nobjs];
	unsigned long h, want;
	int ret = zbud_alloc(pool, size, 0, &h);

	if (ret) {
		TAP_FAIL("alloc %zu: %d", size, ret);
		return false;
	}
	if (p >= 0) {
		struct mpage *mp = &m->pages[p];

		if (!mp->first) {
			mp->first = c;
			want = mp->addr + CHUNK;
		} else {
			mp->last = c;
			want = mp->addr + PG - c * CHUNK;
		}
		if (h != want) {
			TAP_FAIL("alloc %zu: handle %#lx, model %#lx", size,
				 h, want);
			return false;
		}
	} else {
		if (offset_of(h) != CHUNK) {
			TAP_FAIL("alloc %zu: new page, offset %lu", size,
				 offset_of(h));
			return false;
		}
		for (int i = 0; i < MODEL_LIVE; i++)
			if (m->pages[i].used &&
			    m->pages[i].addr == page_of(h)) {
				TAP_FAIL("alloc %zu: page %#lx reused while "
					 "in use", size, page_of(h));
				return false;
			}
		for (p = 0; m->pages[p].used; p++)
			;
		m->pages[p] = (struct mpage){ .used = true, .first = c,
			.stamp = ++m->clock, .addr = page_of(h) };
		m->npages++;
	}
	tu_fill(zbud_map(pool, h), size, tag);
	zbud_unmap(pool, h);
	*o = (struct mobj){ .handle = h, .size = size, .tag = tag, .page = p };
	m->nobjs++;
	return true;
}

static bool model_verify(struct model *m, struct zbud_pool *pool, int i)
{
	struct mobj *o = &m->objs[i];
	bool ok = tu_verify(zbud_map(pool, o->handle), o->size, o->tag);

	zbud_unmap(pool, o->handle);
	if (!ok)
		TAP_FAIL("object %#lx (%zu bytes) corrupted", o->handle,
			 o->size);
	return ok;
}

static bool model_free(struct model *m, struct zbud_pool *pool, int i)
{
	struct mobj *o = &m->objs[i];
	struct mpage *mp = &m->pages[o->page];
	bool ok = model_verify(m, pool, i);

	if (offset_of(o->handle) == CHUNK)
		mp->first = 0;
	else
		mp->last = 0;
	if (!mp->first && !mp->last) {
		mp->used = false;
		m->npages--;
	} else {
		mp->stamp = ++m->clock;	/* joins a free list */
	}
	zbud_free(pool, o->handle);
	*o = m->objs[--m->nobjs];
	return ok;
}

static void test_model_random(void)
{
	uint64_t rng = tap_seed("model_random");
	unsigned long ops = ops_scale(), done;
	uint64_t base = zpool_page_count();
	struct zbud_pool *pool = zbud_create_pool(0);
	struct model *m = calloc(1, sizeof(*m));
	unsigned long counts[4] = { 0 };
	int target = MODEL_LIVE / 2;
	uint64_t tag = 0;

	ASSERT_TRUE(pool && m);
	for (done = 0; done < ops; done++) {
		uint64_t r = tap_rand(&rng);
		unsigned int what = (unsigned int)(r % 100);
		bool ok = true;

		if (done % 4096 == 0)
			target = (int)(tap_rand(&rng) % (MODEL_LIVE + 1));
		if (what < 3) {
			/* a refused size changes nothing */
			unsigned long h = 1;
			size_t bad = r & 128 ? 0 : MAX_OBJ + 1 + (r >> 40) % 99;

			EXPECT_EQ(zbud_alloc(pool, bad, 0, &h),
				  bad ? -ENOSPC : -EINVAL);
			EXPECT_EQ(h, 1);
			counts[3]++;
		} else if (what < 15 && m->nobjs) {
			ok = model_verify(m, pool, (int)((r >> 32) %
						     (unsigned int)m->nobjs));
			counts[2]++;
		} else if (m->nobjs < MODEL_LIVE &&
			   (m->nobjs == 0 ||
			    what < (m->nobjs < target ? 65u : 40u))) {
			ok = model_alloc(m, pool, random_size(&rng), ++tag);
			counts[0]++;
		} else {
			ok = model_free(m, pool,
					(int)((r >> 32) % (unsigned)m->nobjs));
			counts[1]++;
		}
		if (!ok || zbud_get_pool_pages(pool) != (uint64_t)m->npages ||
		    m->npages > m->nobjs || 2 * m->npages < m->nobjs) {
			TAP_FAIL("op %lu: pool pages %" PRIu64 ", model %d, "
				 "%d objects", done, zbud_get_pool_pages(pool),
				 m->npages, m->nobjs);
			break;
		}
	}
	printf("# %lu ops: %lu alloc+write, %lu verify+free, %lu verify, "
	       "%lu refused\n", done, counts[0], counts[1], counts[2],
	       counts[3]);
	EXPECT_EQ(zpool_page_count() - base, zbud_get_pool_pages(pool));
	while (m->nobjs)
		model_free(m, pool, m->nobjs - 1);
	EXPECT_EQ(zbud_get_pool_pages(pool), 0);
	EXPECT_EQ(zpool_page_count(), base);
	zbud_destroy_pool(pool);
	free(m);
}

/*****************
 * zbud: threads
 *****************/

#define THREADS		4
#define THREAD_LIVE	300

/* How the workers use a zbud pool. */
static size_t worker_size(uint64_t r, uint64_t *rng)
{
	(void)r;
	return random_size(rng);
}

static int worker_alloc(void *pool, size_t size, unsigned long *h)
{
	return zbud_alloc(pool, size, 0, h);
}

static void worker_put(void *pool, unsigned long h, size_t size,
		       uint64_t tag)
{
	tu_fill(zbud_map(pool, h), size, tag);
	zbud_unmap(pool, h);
}

static unsigned int worker_check(void *pool, unsigned long h, size_t size,
				 uint64_t tag, uint64_t r)
{
	unsigned int bad = !tu_verify(zbud_map(pool, h), size, tag);

	(void)r;
	zbud_unmap(pool, h);
	return bad;
}

/* Checked while mapped, then freed without an unmap. */
static unsigned int worker_drain(void *pool, unsigned long h, size_t size,
				 uint64_t tag)
{
	return !tu_verify(zbud_map(pool, h), size, tag);
}

static void worker_free(void *pool, unsigned long h)
{
	zbud_free(pool, h);
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
	struct zbud_pool *pool = zbud_create_pool(0);
	struct tu_worker w[THREADS];
	unsigned long errors;
	uint64_t max_pages = 0;

	ASSERT_TRUE(pool);
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct tu_worker){ .pool = pool,
			.pool_ops = &worker_ops, .live = THREAD_LIVE,
			.seed = tap_rand(&rng), .ops = ops_scale() / 5 };
		ASSERT_EQ(pthread_create(&w[i].tid, NULL, tu_worker_run,
					 &w[i]), 0);
	}
	/* lock-free reads while the workers run */
	for (int i = 0; i < 1000; i++) {
		uint64_t p = zbud_get_pool_pages(pool);

		if (p > max_pages)
			max_pages = p;
		EXPECT_LE(p, THREADS * THREAD_LIVE);
		usleep(100);
	}
	errors = tu_workers_join(w, THREADS);
	printf("# %d threads x %lu ops, up to %" PRIu64 " pages seen\n",
	       THREADS, w[0].ops, max_pages);
	EXPECT_EQ(errors, 0);
	EXPECT_EQ(zbud_get_pool_pages(pool), 0);
	EXPECT_EQ(zpool_page_count(), base);
	zbud_destroy_pool(pool);
}

/*****************
 * Memory goes back to the system
 *****************/

/*
 * Fill a 256 MiB pool (two 1984-byte objects in each page), free every
 * object: the resident set must drop by at least 80 % of 256 MiB. The
 * objects of every other page go first, so that no arena becomes empty
 * and unmapping whole arenas cannot do the job alone.
 */
static void test_rss_returned(void)
{
	const uint64_t pool_bytes = 256ull << 20;
	const size_t nobj = 2 * pool_bytes / PG, size = 31 * CHUNK;
	uint64_t base = zpool_page_count();
	struct zbud_pool *pool = zbud_create_pool(0);
	unsigned long *h = malloc(nobj * sizeof(*h));
	uint64_t rss0, rss1, rss_half, rss2;
	size_t bad = 0;

	ASSERT_TRUE(pool && h);
	memset(h, 0, nobj * sizeof(*h));	/* make the array resident */
	rss0 = tu_rss_bytes();
	ASSERT_TRUE(rss0 > 0);
	for (size_t i = 0; i < nobj; i++) {
		ASSERT_EQ(zbud_alloc(pool, size, 0, &h[i]), 0);
		tu_fill(zbud_map(pool, h[i]), size, i);
	}
	EXPECT_EQ(zbud_get_pool_pages(pool), pool_bytes / PG);
	rss1 = tu_rss_bytes();
	/* page j holds objects 2j and 2j + 1: free the even pages */
	for (size_t i = 0; i < nobj; i++) {
		if (i & 2)
			continue;
		bad += !tu_verify(zbud_map(pool, h[i]), size, i);
		zbud_free(pool, h[i]);
	}
	EXPECT_EQ(zbud_get_pool_pages(pool), pool_bytes / PG / 2);
	rss_half = tu_rss_bytes();
	for (size_t i = 0; i < nobj; i++) {
		if (!(i & 2))
			continue;
		bad += !tu_verify(zbud_map(pool, h[i]), size, i);
		zbud_free(pool, h[i]);
	}
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(zbud_get_pool_pages(pool), 0);
	EXPECT_EQ(zpool_page_count(), base);
	rss2 = tu_rss_bytes();
	tu_rss_print("", rss0, rss1, rss_half, rss2, pool_bytes);
	/* the pages were really resident, and really went back */
	EXPECT_TRUE(rss1 >= rss0 + pool_bytes / 10 * 8);
	EXPECT_TRUE(rss1 >= rss_half + pool_bytes / 2 / 10 * 8);
	EXPECT_TRUE(rss1 >= rss2 + pool_bytes / 10 * 8);
	zbud_destroy_pool(pool);
	free(h);
}

TAP_MAIN(TAP_TEST(test_page_source_basic),
	 TAP_TEST(test_page_source_reserve),
	 TAP_TEST(test_boundaries),
	 TAP_TEST(test_chunk_rounding),
	 TAP_TEST(test_placement),
	 TAP_TEST(test_best_fit),
	 TAP_TEST(test_pages_match_best_fit),
	 TAP_TEST(test_enomem),
	 TAP_TEST(test_destroy_nonempty),
	 TAP_TEST(test_driver),
	 TAP_TEST(test_model_random),
	 TAP_TEST(test_threads),
	 TAP_TEST(test_rss_returned))
