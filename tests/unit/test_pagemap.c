/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_pagemap.c - unit tests of fs/pagemap.c, the sparse page map.
 *
 * The map is driven directly, without a store: a "stored" page is a slot of
 * kind ZPFS_SLOT_SAME whose 32-bit pattern is a serial number, new for
 * every put, that names an entry of a table holding the page's index and a
 * generation number; so every read and every drop callback can check that
 * it sees the right slot, put at the right time. (A slot has no room for a
 * 64-bit index and a 32-bit generation themselves.) The randomised model
 * check replays the same operations on a sorted array and compares after
 * each step.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fs/fs_i.h"
#include "tests/unit/tap.h"

#define MAX_PAGE_INDEX	(ZPFS_MAX_FILE_SIZE >> ZPFS_PAGE_SHIFT)

/* What each put() marked its slot with; a slot names its entry. */
struct mark {
	uint64_t index;
	uint32_t gen;
};

static struct mark *marks;
static size_t nr_marks, marks_cap;

/* Mark @slot as page @index of generation @gen. */
static void mark(struct zpfs_slot *slot, uint64_t index, uint32_t gen)
{
	uint64_t serial;

	if (nr_marks == marks_cap) {
		marks_cap = marks_cap ? 2 * marks_cap : 4096;
		marks = realloc(marks, marks_cap * sizeof(*marks));
		if (!marks)
			abort();
	}
	serial = nr_marks++;
	if (serial > UINT32_MAX)	/* the pattern holds 32 bits */
		abort();
	marks[serial].index = index;
	marks[serial].gen = gen;
	*slot = zpfs_slot_same(serial << 32 | serial);
}

/* The mark of a slot, NULL when it bears none. */
static const struct mark *mark_of(const struct zpfs_slot *slot)
{
	uint64_t serial;

	if (zpfs_slot_kind(slot) != ZPFS_SLOT_SAME)
		return NULL;
	serial = (uint32_t)zpfs_slot_word(slot);
	if (zpfs_slot_word(slot) != (serial << 32 | serial) ||
	    serial >= nr_marks)
		return NULL;
	return &marks[serial];
}

/* Make the slot of @index non-hole, marked with @gen. */
static int put(struct zpfs_pagemap *pm, uint64_t index, uint32_t gen)
{
	struct zpfs_slot *slot;
	int ret = zpfs_pagemap_get(pm, index, &slot);

	if (ret)
		return ret;
	mark(slot, index, gen);
	return 0;
}

/* Whether @index reads as stored with @gen. */
static int stored(const struct zpfs_pagemap *pm, uint64_t index, uint32_t gen)
{
	const struct zpfs_slot *slot = zpfs_pagemap_lookup(pm, index);
	const struct mark *m = slot ? mark_of(slot) : NULL;

	return m && m->index == index && m->gen == gen;
}

static int is_hole(const struct zpfs_pagemap *pm, uint64_t index)
{
	const struct zpfs_slot *slot = zpfs_pagemap_lookup(pm, index);

	return !slot || zpfs_slot_kind(slot) == ZPFS_SLOT_HOLE;
}

/* Drop callback: counts, checks the range, makes the slot a hole. */
struct drop_ctx {
	uint64_t first, last;
	uint64_t count;
	int bad;
};

static void drop_cb(struct zpfs_slot *slot, void *arg)
{
	struct drop_ctx *ctx = arg;
	const struct mark *m = mark_of(slot);

	if (!m || m->index < ctx->first || m->index > ctx->last)
		ctx->bad++;
	ctx->count++;
	slot->enc = 0;
}

/* Remove [first, last]; Return: slots dropped, -1 if a wrong one was. */
static long long remove_range(struct zpfs_pagemap *pm, uint64_t first,
			      uint64_t last)
{
	struct drop_ctx ctx = { .first = first, .last = last };

	zpfs_pagemap_remove(pm, first, last, drop_cb, &ctx);
	return ctx.bad ? -1 : (long long)ctx.count;
}

static void test_empty(void)
{
	struct zpfs_pagemap pm;
	uint64_t index = 0;

	zpfs_pagemap_init(&pm);
	EXPECT_TRUE(zpfs_pagemap_lookup(&pm, 0) == NULL);
	EXPECT_TRUE(zpfs_pagemap_lookup(&pm, UINT64_MAX) == NULL);
	EXPECT_EQ(zpfs_pagemap_next(&pm, &index), -ENXIO);
	EXPECT_EQ(remove_range(&pm, 0, UINT64_MAX), 0);
	EXPECT_EQ(pm.node_bytes, 0);
	EXPECT_TRUE(pm.root == NULL);
	EXPECT_EQ(pm.height, 0);
}

static void test_small(void)
{
	struct zpfs_pagemap pm;
	uint64_t index;

	zpfs_pagemap_init(&pm);
	for (uint64_t i = 0; i < 200; i++)
		ASSERT_EQ(put(&pm, i, 7), 0);
	for (uint64_t i = 0; i < 200; i++)
		EXPECT_TRUE(stored(&pm, i, 7));
	EXPECT_TRUE(is_hole(&pm, 200));
	EXPECT_TRUE(is_hole(&pm, 1ull << 40));
	EXPECT_NE(pm.node_bytes, 0);

	index = 0;
	EXPECT_EQ(zpfs_pagemap_next(&pm, &index), 0);
	EXPECT_EQ(index, 0);
	index = 150;
	EXPECT_EQ(zpfs_pagemap_next(&pm, &index), 0);
	EXPECT_EQ(index, 150);
	index = 200;
	EXPECT_EQ(zpfs_pagemap_next(&pm, &index), -ENXIO);

	EXPECT_EQ(remove_range(&pm, 50, 149), 100);
	for (uint64_t i = 0; i < 200; i++) {
		if (i >= 50 && i <= 149)
			EXPECT_TRUE(is_hole(&pm, i));
		else
			EXPECT_TRUE(stored(&pm, i, 7));
	}
	index = 50;
	EXPECT_EQ(zpfs_pagemap_next(&pm, &index), 0);
	EXPECT_EQ(index, 150);

	/* overwrite in place */
	ASSERT_EQ(put(&pm, 10, 8), 0);
	EXPECT_TRUE(stored(&pm, 10, 8));

	EXPECT_EQ(remove_range(&pm, 0, UINT64_MAX), 100);
	EXPECT_EQ(pm.node_bytes, 0);
	EXPECT_TRUE(pm.root == NULL);
	EXPECT_EQ(pm.height, 0);
}

static void test_huge(void)
{
	static const uint64_t idx[] = {
		MAX_PAGE_INDEX, MAX_PAGE_INDEX - 1, MAX_PAGE_INDEX - 64,
		1ull << 50, (1ull << 48) + 12345, UINT64_MAX, UINT64_MAX - 63,
		(1ull << 63) + 1,
	};
	const size_t n = sizeof(idx) / sizeof(idx[0]);
	struct zpfs_pagemap pm;
	uint64_t index;

	zpfs_pagemap_init(&pm);
	for (size_t i = 0; i < n; i++)
		ASSERT_EQ(put(&pm, idx[i], (uint32_t)i), 0);
	for (size_t i = 0; i < n; i++)
		EXPECT_TRUE(stored(&pm, idx[i], (uint32_t)i));
	EXPECT_TRUE(is_hole(&pm, 0));
	EXPECT_TRUE(is_hole(&pm, MAX_PAGE_INDEX - 2));

	index = 0;
	EXPECT_EQ(zpfs_pagemap_next(&pm, &index), 0);
	EXPECT_EQ(index, (1ull << 48) + 12345);
	index = MAX_PAGE_INDEX - 63;
	EXPECT_EQ(zpfs_pagemap_next(&pm, &index), 0);
	EXPECT_EQ(index, MAX_PAGE_INDEX - 1);
	index = MAX_PAGE_INDEX + 1;
	EXPECT_EQ(zpfs_pagemap_next(&pm, &index), 0);
	EXPECT_EQ(index, (1ull << 63) + 1);
	index = UINT64_MAX;
	EXPECT_EQ(zpfs_pagemap_next(&pm, &index), 0);
	EXPECT_EQ(index, UINT64_MAX);

	/* a small page joins a tall tree */
	ASSERT_EQ(put(&pm, 3, 99), 0);
	EXPECT_TRUE(stored(&pm, 3, 99));
	index = 0;
	EXPECT_EQ(zpfs_pagemap_next(&pm, &index), 0);
	EXPECT_EQ(index, 3);

	EXPECT_EQ(remove_range(&pm, MAX_PAGE_INDEX, MAX_PAGE_INDEX), 1);
	EXPECT_TRUE(is_hole(&pm, MAX_PAGE_INDEX));
	EXPECT_TRUE(stored(&pm, MAX_PAGE_INDEX - 1, 1));
	EXPECT_EQ(remove_range(&pm, 1ull << 63, UINT64_MAX), 3);
	/* left: MAX - 1, MAX - 64, 2^50, 2^48 + 12345 and 3 */
	EXPECT_EQ(remove_range(&pm, 0, UINT64_MAX), 5);
	EXPECT_EQ(pm.node_bytes, 0);
	EXPECT_TRUE(pm.root == NULL);
}

/* A 1 TiB sparse file with its first and last page written. */
static void test_sparse_tib(void)
{
	const uint64_t last = (1ull << (40 - ZPFS_PAGE_SHIFT)) - 1;
	struct zpfs_pagemap pm;
	uint64_t index;

	zpfs_pagemap_init(&pm);
	ASSERT_EQ(put(&pm, 0, 1), 0);
	ASSERT_EQ(put(&pm, last, 2), 0);
	printf("# 1 TiB file, 2 pages: %zu bytes of nodes\n", pm.node_bytes);
	EXPECT_LE(pm.node_bytes, 16384);
	index = 1;
	EXPECT_EQ(zpfs_pagemap_next(&pm, &index), 0);
	EXPECT_EQ(index, last);
	EXPECT_TRUE(is_hole(&pm, last / 2));
	EXPECT_EQ(remove_range(&pm, 0, UINT64_MAX), 2);
	EXPECT_EQ(pm.node_bytes, 0);

	/* the same at the largest file size */
	ASSERT_EQ(put(&pm, 0, 1), 0);
	ASSERT_EQ(put(&pm, MAX_PAGE_INDEX, 2), 0);
	printf("# largest file, 2 pages: %zu bytes of nodes\n", pm.node_bytes);
	EXPECT_LE(pm.node_bytes, 16384);
	EXPECT_EQ(remove_range(&pm, 0, UINT64_MAX), 2);
	EXPECT_EQ(pm.node_bytes, 0);
}

/* Metadata per page of a dense file stays well under 1 % of the page. */
static void test_dense_overhead(void)
{
	const uint64_t n = 1 << 20;	/* a 4 GiB file */
	struct zpfs_pagemap pm;

	zpfs_pagemap_init(&pm);
	for (uint64_t i = 0; i < n; i++)
		ASSERT_EQ(put(&pm, i, 0), 0);
	printf("# dense: %.2f bytes of nodes per page (%.3f %%)\n",
	       (double)pm.node_bytes / n,
	       100.0 * (double)pm.node_bytes / (double)(n * ZPFS_PAGE_SIZE));
	EXPECT_LE(pm.node_bytes * 100, n * ZPFS_PAGE_SIZE / 2);
	EXPECT_EQ(remove_range(&pm, 0, UINT64_MAX), n);
	EXPECT_EQ(pm.node_bytes, 0);
}

/* Slots handed out and left holes: invisible, kept until removed over. */
static void test_unfilled(void)
{
	struct zpfs_pagemap pm;
	struct zpfs_slot *slot, *again;
	uint64_t index;
	size_t bytes;

	zpfs_pagemap_init(&pm);
	ASSERT_EQ(zpfs_pagemap_get(&pm, 100, &slot), 0);
	EXPECT_EQ(slot->enc, 0);
	bytes = pm.node_bytes;
	EXPECT_NE(bytes, 0);
	index = 0;
	EXPECT_EQ(zpfs_pagemap_next(&pm, &index), -ENXIO);

	/* a remove of another range keeps the slot valid */
	EXPECT_EQ(remove_range(&pm, 0, 99), 0);
	EXPECT_EQ(remove_range(&pm, 101, UINT64_MAX), 0);
	EXPECT_EQ(pm.node_bytes, bytes);
	ASSERT_EQ(zpfs_pagemap_get(&pm, 100, &again), 0);
	EXPECT_TRUE(again == slot);
	mark(slot, 100, 5);
	EXPECT_TRUE(stored(&pm, 100, 5));
	index = 0;
	EXPECT_EQ(zpfs_pagemap_next(&pm, &index), 0);
	EXPECT_EQ(index, 100);

	/* made a hole again by the caller, reclaimed by a remove over it */
	memset(slot, 0, sizeof(*slot));
	EXPECT_EQ(remove_range(&pm, 100, 100), 0);
	EXPECT_EQ(pm.node_bytes, 0);
	EXPECT_TRUE(pm.root == NULL);

	/* many unfilled slots on deep paths */
	for (uint64_t i = 0; i < 1000; i++)
		ASSERT_EQ(zpfs_pagemap_get(&pm, i * 7919 * 7919, &slot), 0);
	index = 0;
	EXPECT_EQ(zpfs_pagemap_next(&pm, &index), -ENXIO);
	EXPECT_EQ(remove_range(&pm, 0, UINT64_MAX), 0);
	EXPECT_EQ(pm.node_bytes, 0);
}

/* Removes that cut leaves and inner nodes in part. */
static void test_partial_leaves(void)
{
	struct zpfs_pagemap pm, one;
	size_t full, leaf;

	zpfs_pagemap_init(&one);
	ASSERT_EQ(put(&one, 63, 0), 0);		/* a full leaf */
	leaf = one.node_bytes;
	EXPECT_EQ(remove_range(&one, 63, 63), 1);

	zpfs_pagemap_init(&pm);
	for (uint64_t i = 0; i < 1000; i++)
		ASSERT_EQ(put(&pm, i, 1), 0);
	full = pm.node_bytes;

	EXPECT_EQ(remove_range(&pm, 10, 70), 61);	/* leaves 0 and 1 */
	EXPECT_EQ(pm.node_bytes, full);
	EXPECT_EQ(remove_range(&pm, 100, 100), 1);
	EXPECT_EQ(remove_range(&pm, 127, 128), 2);
	EXPECT_EQ(remove_range(&pm, 50, 60), 0);	/* already gone */
	/* leaf 3 (192..255) entirely: freed */
	EXPECT_EQ(remove_range(&pm, 192, 255), 64);
	EXPECT_EQ(pm.node_bytes, full - leaf);
	/* the tail, from the middle of a leaf */
	EXPECT_EQ(remove_range(&pm, 900, UINT64_MAX), 100);

	for (uint64_t i = 0; i < 1100; i++) {
		int gone = (i >= 10 && i <= 70) || i == 100 || i == 127 ||
			   i == 128 || (i >= 192 && i <= 255) || i >= 900;

		if (gone)
			EXPECT_TRUE(is_hole(&pm, i));
		else
			EXPECT_TRUE(stored(&pm, i, 1));
	}
	EXPECT_EQ(remove_range(&pm, 0, 899), 1000 - 61 - 1 - 2 - 64 - 100);
	EXPECT_EQ(pm.node_bytes, 0);
}

/*
 * A map of height 1 starts with a root leaf of 1 slot and grows it to 4,
 * 16, 64 as higher indexes come, keeping what it holds; one page costs a
 * 24-byte leaf.
 */
static void test_small_leaves(void)
{
	static const struct { uint64_t index; size_t slots; } steps[] = {
		{ 0, 1 }, { 1, 4 }, { 3, 4 }, { 4, 16 }, { 15, 16 },
		{ 16, 64 }, { 63, 64 },
	};
	struct zpfs_pagemap pm;
	size_t i, j;

	zpfs_pagemap_init(&pm);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		ASSERT_EQ(put(&pm, steps[i].index, (uint32_t)i + 1), 0);
		EXPECT_EQ(pm.height, 1);
		EXPECT_EQ(pm.node_bytes,
			  8 + steps[i].slots * sizeof(struct zpfs_slot));
		for (j = 0; j <= i; j++)
			EXPECT_TRUE(stored(&pm, steps[j].index,
					   (uint32_t)j + 1));
		/* Past the small leaf: a hole, nothing allocated. */
		EXPECT_TRUE(is_hole(&pm, steps[i].slots));
	}
	EXPECT_EQ(remove_range(&pm, 0, UINT64_MAX), 7);
	EXPECT_EQ(pm.node_bytes, 0);

	/* A small leaf grows to full size when the tree grows above it. */
	ASSERT_EQ(put(&pm, 2, 1), 0);
	ASSERT_EQ(put(&pm, 64, 2), 0);
	EXPECT_EQ(pm.height, 2);
	EXPECT_TRUE(stored(&pm, 2, 1));
	EXPECT_TRUE(stored(&pm, 64, 2));
	EXPECT_EQ(remove_range(&pm, 0, UINT64_MAX), 2);
	EXPECT_EQ(pm.node_bytes, 0);
}

/* The tree grows for large indexes and shrinks back when they go. */
static void test_grow_shrink(void)
{
	struct zpfs_pagemap pm;
	size_t small;
	unsigned int h;

	zpfs_pagemap_init(&pm);
	ASSERT_EQ(put(&pm, 5, 1), 0);
	small = pm.node_bytes;
	h = pm.height;
	EXPECT_EQ(h, 1);
	ASSERT_EQ(put(&pm, 1ull << 30, 2), 0);
	EXPECT_EQ(pm.height, 6);
	EXPECT_TRUE(stored(&pm, 5, 1));
	EXPECT_EQ(remove_range(&pm, 1ull << 30, 1ull << 30), 1);
	EXPECT_EQ(pm.height, h);
	/* The small root leaf was made full to go under a node. */
	EXPECT_TRUE(pm.node_bytes > small);
	EXPECT_EQ(pm.node_bytes, 8 + 64 * sizeof(struct zpfs_slot));
	EXPECT_TRUE(stored(&pm, 5, 1));
	EXPECT_EQ(remove_range(&pm, 0, UINT64_MAX), 1);
	EXPECT_EQ(pm.node_bytes, 0);
}

/* ------------------------------------------------------------------------
 * The model check
 * ------------------------------------------------------------------------ */

/* The reference: a sorted array of (index, gen). */
struct model {
	uint64_t *index;
	uint32_t *gen;
	size_t n, cap;
};

/* The position of the first entry >= @index. */
static size_t model_lower(const struct model *m, uint64_t index)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->index[mid] < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void model_set(struct model *m, uint64_t index, uint32_t gen)
{
	size_t pos = model_lower(m, index);

	if (pos < m->n && m->index[pos] == index) {
		m->gen[pos] = gen;
		return;
	}
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 256;
		m->index = realloc(m->index, m->cap * sizeof(*m->index));
		m->gen = realloc(m->gen, m->cap * sizeof(*m->gen));
		if (!m->index || !m->gen)
			abort();
	}
	memmove(m->index + pos + 1, m->index + pos,
		(m->n - pos) * sizeof(*m->index));
	memmove(m->gen + pos + 1, m->gen + pos, (m->n - pos) * sizeof(*m->gen));
	m->index[pos] = index;
	m->gen[pos] = gen;
	m->n++;
}

/* Remove [first, last]; Return: how many entries went. */
static size_t model_remove(struct model *m, uint64_t first, uint64_t last)
{
	size_t lo, hi;

	if (!m->n)
		return 0;
	lo = model_lower(m, first);
	hi = last == UINT64_MAX ? m->n : model_lower(m, last + 1);

	memmove(m->index + lo, m->index + hi, (m->n - hi) * sizeof(*m->index));
	memmove(m->gen + lo, m->gen + hi, (m->n - hi) * sizeof(*m->gen));
	m->n -= hi - lo;
	return hi - lo;
}

/* Indexes in clusters around interesting places: page-map edges, huge. */
static uint64_t pick_index(uint64_t *rng, const uint64_t *bases, size_t nb)
{
	return bases[tap_rand(rng) % nb] + tap_rand(rng) % 300;
}

/* Whole-map comparison: next() walks exactly the model's indexes. */
static int model_compare(const struct zpfs_pagemap *pm, const struct model *m)
{
	uint64_t index = 0;
	size_t i = 0;

	for (;;) {
		if (zpfs_pagemap_next(pm, &index))
			break;
		if (i >= m->n || m->index[i] != index ||
		    !stored(pm, index, m->gen[i]))
			return 0;
		i++;
		if (index == UINT64_MAX)
			break;
		index++;
	}
	return i == m->n;
}

static void test_model(void)
{
	uint64_t seed = tap_seed("test_model");
	uint64_t rng = seed | 1;
	/* leaf, height-2 and height-3 edges, a tall tree, the ends */
	uint64_t bases[] = {
		0, 4096 - 150, 262144 - 150, 1ull << 30,
		MAX_PAGE_INDEX - 299, UINT64_MAX - 299, 0, 0,
	};
	const size_t nb = sizeof(bases) / sizeof(bases[0]);
	struct zpfs_pagemap pm;
	struct model m = { 0 };
	const int ops = 100000;
	size_t most = 0;

	bases[nb - 2] = tap_rand(&rng) >> 13;	/* within the file size */
	bases[nb - 1] = tap_rand(&rng) >> 30;
	zpfs_pagemap_init(&pm);

	for (int op = 0; op < ops; op++) {
		unsigned int what = (unsigned int)(tap_rand(&rng) % 10000);
		uint64_t index = pick_index(&rng, bases, nb);

		if (what < 4500) {
			uint32_t gen = (uint32_t)tap_rand(&rng);

			ASSERT_EQ(put(&pm, index, gen), 0);
			model_set(&m, index, gen);
		} else if (what < 5000) {
			struct zpfs_slot *slot;

			/* handed out, left as it is */
			ASSERT_EQ(zpfs_pagemap_get(&pm, index, &slot), 0);
		} else if (what < 7000) {
			size_t pos = model_lower(&m, index);
			int in = pos < m.n && m.index[pos] == index;

			if (in ? !stored(&pm, index, m.gen[pos]) :
				 !is_hole(&pm, index)) {
				TAP_FAIL("op %d: lookup %llu", op,
					 (unsigned long long)index);
				return;
			}
		} else if (what < 8500) {
			size_t pos = model_lower(&m, index);
			uint64_t found = index;
			int ret = zpfs_pagemap_next(&pm, &found);

			if (pos == m.n ? ret != -ENXIO :
					 ret || found != m.index[pos]) {
				TAP_FAIL("op %d: next %llu", op,
					 (unsigned long long)index);
				return;
			}
		} else if (what < 9998) {
			uint64_t span, last;
			long long got;
			size_t want;

			switch (tap_rand(&rng) % 1000) {
			case 0 ... 599:
				span = 0;
				break;
			case 600 ... 989:
				span = tap_rand(&rng) % 130;
				break;
			case 990 ... 997:
				span = tap_rand(&rng) >> (tap_rand(&rng) % 64);
				break;
			default:
				span = UINT64_MAX;
				break;
			}
			last = index > UINT64_MAX - span ? UINT64_MAX :
							   index + span;
			got = remove_range(&pm, index, last);
			want = model_remove(&m, index, last);
			if (got != (long long)want) {
				TAP_FAIL("op %d: remove [%llu, %llu]: %lld, "
					 "expected %zu", op,
					 (unsigned long long)index,
					 (unsigned long long)last, got, want);
				return;
			}
		} else {
			m.n = 0;
			ASSERT_TRUE(remove_range(&pm, 0, UINT64_MAX) >= 0);
			EXPECT_EQ(pm.node_bytes, 0);
		}
		if (m.n > most)
			most = m.n;
		if (op % 2000 == 0 && !model_compare(&pm, &m)) {
			TAP_FAIL("op %d: map and model differ", op);
			return;
		}
	}
	EXPECT_TRUE(model_compare(&pm, &m));
	printf("# model: %zu pages at most, %zu at the end in %zu bytes of "
	       "nodes\n", most, m.n, pm.node_bytes);
	EXPECT_EQ(remove_range(&pm, 0, UINT64_MAX), m.n);
	EXPECT_EQ(pm.node_bytes, 0);
	EXPECT_TRUE(pm.root == NULL);
	free(m.index);
	free(m.gen);
}

TAP_MAIN(TAP_TEST(test_empty),
	 TAP_TEST(test_small),
	 TAP_TEST(test_huge),
	 TAP_TEST(test_sparse_tib),
	 TAP_TEST(test_dense_overhead),
	 TAP_TEST(test_unfilled),
	 TAP_TEST(test_partial_leaves),
	 TAP_TEST(test_small_leaves), TAP_TEST(test_grow_shrink),
	 TAP_TEST(test_model))
