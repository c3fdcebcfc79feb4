/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_dir.c - the directory index of fs/dir.c: names by hash, entries by
 * cookie, readdir offsets that stay valid while entries come and go.
 *
 * The directory never dereferences the inode pointers it stores, so the
 * tests store made-up ones (small integers cast to pointers) and check that
 * each name maps to the right one. A reference model (an array of names
 * with their cookies) checks every answer of the seeded random test.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fs/fs_i.h"
#include "tests/unit/tap.h"

#define FAKE(i)	((struct zpfs_inode *)(uintptr_t)(((i) + 1) * 16))
#define UNFAKE(p)	((size_t)((uintptr_t)(p) / 16 - 1))

static void name_of(char *buf, size_t i)
{
	snprintf(buf, 32, "entry-%zu", i);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_basic(void)
{
	struct zpfs_dir *dir = zpfs_dir_create(NULL);
	struct zpfs_inode *old;
	struct zpfs_dirent *de;
	char longname[300];

	ASSERT_TRUE(dir);
	EXPECT_EQ(zpfs_dir_count(dir), 0);
	EXPECT_TRUE(zpfs_dir_lookup(dir, "a") == NULL);
	EXPECT_TRUE(zpfs_dir_next(dir, 0) == NULL);

	EXPECT_EQ(zpfs_dir_add(dir, "a", FAKE(1)), 0);
	EXPECT_EQ(zpfs_dir_add(dir, "b", FAKE(2)), 0);
	EXPECT_EQ(zpfs_dir_add(dir, "a", FAKE(3)), -EEXIST);
	EXPECT_EQ(zpfs_dir_count(dir), 2);

	de = zpfs_dir_lookup(dir, "a");
	ASSERT_TRUE(de);
	EXPECT_TRUE(de->inode == FAKE(1));
	EXPECT_STREQ(de->name, "a");
	EXPECT_EQ(de->len, 1);
	/* The first cookie comes after "." (1) and ".." (2). */
	EXPECT_EQ(de->cookie, 3);
	EXPECT_EQ(zpfs_dir_lookup(dir, "b")->cookie, 4);

	/* Names differing only past a word boundary or in length. */
	EXPECT_EQ(zpfs_dir_add(dir, "abcdefgh1", FAKE(4)), 0);
	EXPECT_EQ(zpfs_dir_add(dir, "abcdefgh2", FAKE(5)), 0);
	EXPECT_EQ(zpfs_dir_add(dir, "abcdefgh", FAKE(6)), 0);
	EXPECT_TRUE(zpfs_dir_lookup(dir, "abcdefgh1")->inode == FAKE(4));
	EXPECT_TRUE(zpfs_dir_lookup(dir, "abcdefgh2")->inode == FAKE(5));
	EXPECT_TRUE(zpfs_dir_lookup(dir, "abcdefgh")->inode == FAKE(6));
	EXPECT_TRUE(zpfs_dir_lookup(dir, "abcdefg") == NULL);

	/* 255 bytes is the limit. */
	memset(longname, 'x', 255);
	longname[255] = '\0';
	EXPECT_EQ(zpfs_dir_add(dir, longname, FAKE(7)), 0);
	EXPECT_TRUE(zpfs_dir_lookup(dir, longname) != NULL);
	memset(longname, 'y', 256);
	longname[256] = '\0';
	EXPECT_EQ(zpfs_dir_add(dir, longname, FAKE(8)), -ENAMETOOLONG);

	/* replace keeps the cookie. */
	EXPECT_EQ(zpfs_dir_replace(dir, "a", FAKE(9), &old), 0);
	EXPECT_TRUE(old == FAKE(1));
	de = zpfs_dir_lookup(dir, "a");
	EXPECT_TRUE(de->inode == FAKE(9));
	EXPECT_EQ(de->cookie, 3);
	EXPECT_EQ(zpfs_dir_replace(dir, "zz", FAKE(9), NULL), -ENOENT);

	EXPECT_EQ(zpfs_dir_remove(dir, "a", &old), 0);
	EXPECT_TRUE(old == FAKE(9));
	EXPECT_EQ(zpfs_dir_remove(dir, "a", NULL), -ENOENT);
	EXPECT_TRUE(zpfs_dir_lookup(dir, "a") == NULL);
	EXPECT_EQ(zpfs_dir_count(dir), 5);

	/* A removed name comes back with a new, larger cookie. */
	EXPECT_EQ(zpfs_dir_add(dir, "a", FAKE(1)), 0);
	EXPECT_EQ(zpfs_dir_lookup(dir, "a")->cookie, 9);

	/* next: first cookie greater than the offset. */
	EXPECT_EQ(zpfs_dir_next(dir, 0)->cookie, 4);	/* "b" */
	EXPECT_EQ(zpfs_dir_next(dir, 2)->cookie, 4);
	EXPECT_EQ(zpfs_dir_next(dir, 3)->cookie, 4);	/* gone: skipped */
	EXPECT_EQ(zpfs_dir_next(dir, 4)->cookie, 5);
	EXPECT_EQ(zpfs_dir_next(dir, 8)->cookie, 9);
	EXPECT_TRUE(zpfs_dir_next(dir, 9) == NULL);
	EXPECT_TRUE(zpfs_dir_next(dir, UINT64_MAX) == NULL);

	zpfs_dir_destroy(dir);
	zpfs_dir_destroy(NULL);
}

/* Walk the whole directory; check cookies rise; return the count. */
static size_t walk_all(struct zpfs_dir *dir, bool *seen, size_t n)
{
	struct zpfs_dirent *de;
	uint64_t last = ZPFS_DIR_COOKIE_DOTDOT;
	size_t count = 0;

	for (de = zpfs_dir_next(dir, 0); de;
	     de = zpfs_dir_next_after(dir, de)) {
		size_t i = UNFAKE(de->inode);

		if (de->cookie <= last)
			TAP_FAIL("cookie %llu after %llu",
				 (unsigned long long)de->cookie,
				 (unsigned long long)last);
		last = de->cookie;
		if (seen && i < n) {
			if (seen[i])
				TAP_FAIL("entry %zu twice", i);
			seen[i] = true;
		}
		count++;
	}
	return count;
}

static void test_200k(void)
{
	const size_t n = 200000;
	struct zpfs_dir *dir = zpfs_dir_create(NULL);
	bool *seen = calloc(n, sizeof(*seen));
	char name[32];
	size_t i, bad = 0;
	double t0 = now_s(), t;

	ASSERT_TRUE(dir && seen);
	for (i = 0; i < n; i++) {
		name_of(name, i);
		if (zpfs_dir_add(dir, name, FAKE(i)))
			bad++;
	}
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(zpfs_dir_count(dir), n);
	for (i = 0; i < n; i++) {
		struct zpfs_dirent *de;

		name_of(name, i);
		de = zpfs_dir_lookup(dir, name);
		if (!de || de->inode != FAKE(i))
			bad++;
	}
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(walk_all(dir, seen, n), n);
	for (i = 0; i < n; i++)
		if (!seen[i])
			bad++;
	EXPECT_EQ(bad, 0);

	/* Remove every other one, then walk and look up again. */
	for (i = 0; i < n; i += 2) {
		name_of(name, i);
		if (zpfs_dir_remove(dir, name, NULL))
			bad++;
	}
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(zpfs_dir_count(dir), n / 2);
	EXPECT_EQ(walk_all(dir, NULL, n), n / 2);
	for (i = 0; i < n; i++) {
		name_of(name, i);
		if ((zpfs_dir_lookup(dir, name) != NULL) != (i % 2 == 1))
			bad++;
	}
	EXPECT_EQ(bad, 0);

	/* Remove the rest in reverse order (tail tombstones). */
	for (i = n - 1; i < n; i -= 2) {
		name_of(name, i);
		if (zpfs_dir_remove(dir, name, NULL))
			bad++;
	}
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(zpfs_dir_count(dir), 0);
	EXPECT_TRUE(zpfs_dir_next(dir, 0) == NULL);

	t = now_s() - t0;
	printf("# 200k entries: add, lookup, walk, remove in %.2f s\n", t);
	/* Generous even for ASan on a slow machine; quadratic would be far
	 * beyond it. */
	EXPECT_TRUE(t < 20.0);
	zpfs_dir_destroy(dir);
	free(seen);
}

/*
 * readdir in small batches (continuing from the last cookie returned,
 * as the kernel does) while entries are removed and added between the
 * batches: every entry present from start to end is returned exactly
 * once, and no entry twice.
 */
static void test_readdir_while_changing(void)
{
	const size_t n = 20000, batch = 37;
	uint64_t seed = tap_seed("readdir_while_changing"), rng = seed | 1;
	struct zpfs_dir *dir = zpfs_dir_create(NULL);
	size_t total = n * 3;		/* ids for added entries too */
	bool *present = calloc(total, 1), *removed = calloc(total, 1);
	unsigned char *seen = calloc(total, 1);
	size_t next_id = n, i, missing = 0, twice = 0, stale = 0;
	uint64_t off = 0;
	char name[32];

	ASSERT_TRUE(dir && present && removed && seen);
	for (i = 0; i < n; i++) {
		name_of(name, i);
		ASSERT_EQ(zpfs_dir_add(dir, name, FAKE(i)), 0);
		present[i] = true;
	}
	for (;;) {
		struct zpfs_dirent *de = zpfs_dir_next(dir, off);
		size_t k;

		if (!de)
			break;
		for (k = 0; de && k < batch; k++) {
			size_t id = UNFAKE(de->inode);

			if (seen[id]++)
				twice++;
			if (!present[id])
				stale++;
			off = de->cookie;
			de = zpfs_dir_next_after(dir, de);
		}
		/* Between batches: remove a few, add a few. */
		for (k = 0; k < 12; k++) {
			size_t id = tap_rand(&rng) % next_id;

			if (!present[id])
				continue;
			name_of(name, id);
			if (zpfs_dir_remove(dir, name, NULL))
				stale++;
			present[id] = false;
			removed[id] = true;
		}
		for (k = 0; k < 10 && next_id < total; k++) {
			name_of(name, next_id);
			if (zpfs_dir_add(dir, name, FAKE(next_id)))
				stale++;
			present[next_id++] = true;
		}
	}
	for (i = 0; i < n; i++)
		if (!removed[i] && seen[i] != 1)
			missing++;
	EXPECT_EQ(missing, 0);
	EXPECT_EQ(twice, 0);
	EXPECT_EQ(stale, 0);
	zpfs_dir_destroy(dir);
	free(present);
	free(removed);
	free(seen);
}

/* The reference model: names by id, with their cookies, in add order. */
struct model_ent {
	bool live;
	uint64_t cookie;
	size_t inode;
};

static void test_random_model(void)
{
	const size_t ids = 3000, steps = 200000;
	uint64_t seed = tap_seed("random_model"), rng = seed | 1;
	struct zpfs_dir *dir = zpfs_dir_create(NULL);
	struct model_ent *m = calloc(ids, sizeof(*m));
	uint64_t next_cookie = 3;
	size_t live = 0, step, errors = 0;
	char name[32];

	ASSERT_TRUE(dir && m);
	for (step = 0; step < steps && errors < 10; step++) {
		size_t id = tap_rand(&rng) % ids;
		unsigned int op = tap_rand(&rng) % 100;
		struct zpfs_dirent *de;
		struct zpfs_inode *old;
		int err;

		name_of(name, id);
		if (op < 40) {			/* add */
			err = zpfs_dir_add(dir, name, FAKE(step));
			if (err != (m[id].live ? -EEXIST : 0)) {
				TAP_FAIL("step %zu add %s: %d", step, name,
					 err);
				errors++;
			}
			if (!m[id].live) {
				m[id] = (struct model_ent){ true,
					next_cookie++, step };
				live++;
			}
		} else if (op < 75) {		/* remove */
			err = zpfs_dir_remove(dir, name, &old);
			if (err != (m[id].live ? 0 : -ENOENT) ||
			    (!err && old != FAKE(m[id].inode))) {
				TAP_FAIL("step %zu remove %s: %d", step, name,
					 err);
				errors++;
			}
			if (m[id].live) {
				m[id].live = false;
				live--;
			}
		} else if (op < 85) {		/* replace */
			err = zpfs_dir_replace(dir, name, FAKE(step), &old);
			if (err != (m[id].live ? 0 : -ENOENT) ||
			    (!err && old != FAKE(m[id].inode))) {
				TAP_FAIL("step %zu replace %s: %d", step,
					 name, err);
				errors++;
			}
			if (m[id].live)
				m[id].inode = step;
		} else if (op < 99) {		/* lookup */
			de = zpfs_dir_lookup(dir, name);
			if ((de != NULL) != m[id].live ||
			    (de && (de->inode != FAKE(m[id].inode) ||
				    de->cookie != m[id].cookie))) {
				TAP_FAIL("step %zu lookup %s", step, name);
				errors++;
			}
		} else {			/* next from a random offset */
			uint64_t off = tap_rand(&rng) % (next_cookie + 2);
			uint64_t want = UINT64_MAX;
			size_t j;

			for (j = 0; j < ids; j++)
				if (m[j].live && m[j].cookie > off &&
				    m[j].cookie < want)
					want = m[j].cookie;
			de = zpfs_dir_next(dir, off);
			if ((de ? de->cookie : UINT64_MAX) != want) {
				TAP_FAIL("step %zu next(%llu)", step,
					 (unsigned long long)off);
				errors++;
			}
		}
		if (zpfs_dir_count(dir) != live) {
			TAP_FAIL("step %zu: count %zu, model %zu", step,
				 zpfs_dir_count(dir), live);
			errors++;
		}
	}
	EXPECT_EQ(walk_all(dir, NULL, 0), live);
	zpfs_dir_destroy(dir);
	free(m);
}

/* With a store, every byte charged is given back, and a full store says
 * ENOSPC without changing anything. */
static void test_charging(void)
{
	const struct zpfs_codec *codec;
	struct zpfs_store_stats s;
	struct zpfs_store *st;
	struct zpfs_dir *dir;
	char name[32];
	size_t i, added = 0;
	int level, err = 0;

	ASSERT_EQ(zpfs_codec_find("lz4", &codec, &level), 0);
	st = zpfs_store_create("zbud", codec, level, 64 * 1024);
	ASSERT_TRUE(st);
	dir = zpfs_dir_create(st);
	ASSERT_TRUE(dir);
	zpfs_store_get_stats(st, &s);
	EXPECT_TRUE(s.meta_bytes > 0);

	for (i = 0; i < 100000; i++) {
		name_of(name, i);
		err = zpfs_dir_add(dir, name, FAKE(i));
		if (err)
			break;
		added++;
	}
	EXPECT_EQ(err, -ENOSPC);
	EXPECT_TRUE(added > 100);
	EXPECT_EQ(zpfs_dir_count(dir), added);
	name_of(name, added);
	EXPECT_TRUE(zpfs_dir_lookup(dir, name) == NULL);
	zpfs_store_get_stats(st, &s);
	EXPECT_LE(s.meta_bytes, 64 * 1024);

	/* Removing gives room back. */
	for (i = 0; i < added / 2; i++) {
		name_of(name, i);
		EXPECT_EQ(zpfs_dir_remove(dir, name, NULL), 0);
	}
	name_of(name, added);
	EXPECT_EQ(zpfs_dir_add(dir, name, FAKE(added)), 0);

	zpfs_dir_destroy(dir);
	zpfs_store_get_stats(st, &s);
	EXPECT_EQ(s.meta_bytes, 0);
	zpfs_store_destroy(st);
}

TAP_MAIN(TAP_TEST(test_basic), TAP_TEST(test_200k),
	 TAP_TEST(test_readdir_while_changing), TAP_TEST(test_random_model),
	 TAP_TEST(test_charging))
