/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_par.c - fs/par.c: every index of a job runs exactly once, whatever
 * the size of the job and however many threads submit jobs at once, and a
 * job is over (no helper touches it) when zpfs_par_run() returns.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fs/fs_i.h"
#include "tests/unit/tap.h"

#define MAX_NR	1024

struct counts {
	_Atomic unsigned int hits[MAX_NR];
	_Atomic unsigned int others;	/* indexes run by another thread */
	pthread_t caller;
};

static void count_one(void *arg, unsigned int i)
{
	struct counts *c = arg;

	atomic_fetch_add(&c->hits[i], 1);
	if (!pthread_equal(pthread_self(), c->caller))
		atomic_fetch_add(&c->others, 1);
}

static void count_slowly(void *arg, unsigned int i)
{
	struct timespec ts = { 0, 100000 };

	nanosleep(&ts, NULL);
	count_one(arg, i);
}

/* Run a job of @nr indexes on a fresh stack frame; check each ran once. */
static int run_and_check(struct zpfs_par *par, unsigned int nr)
{
	struct counts *c = calloc(1, sizeof(*c));
	unsigned int i, bad = 0;

	if (!c)
		return -1;
	c->caller = pthread_self();
	zpfs_par_run(par, count_one, c, nr);
	for (i = 0; i < MAX_NR; i++)
		if (atomic_load(&c->hits[i]) != (i < nr))
			bad++;
	/* Freed (and poisoned under ASan) right away: a late helper would
	 * be caught touching it. */
	free(c);
	return (int)bad;
}

static void test_sizes(void)
{
	struct zpfs_par *par = zpfs_par_create();
	unsigned int nr;

	ASSERT_TRUE(par != NULL);
	for (nr = 0; nr <= 300; nr++)
		EXPECT_EQ(run_and_check(par, nr), 0);
	EXPECT_EQ(run_and_check(par, MAX_NR), 0);
	zpfs_par_destroy(par);
	/* Without a pool the caller does it all. */
	EXPECT_EQ(run_and_check(NULL, 100), 0);
}

/* Helpers do take work: a job whose items wait for each other can only
 * finish when two threads run it (skipped on one CPU: no helper). */
struct rendezvous {
	_Atomic unsigned int arrived;
};

static void meet(void *arg, unsigned int i)
{
	struct rendezvous *r = arg;
	struct timespec ts = { 0, 1000000 };
	int spins;

	(void)i;
	atomic_fetch_add(&r->arrived, 1);
	for (spins = 0; spins < 5000 && atomic_load(&r->arrived) < 2; spins++)
		nanosleep(&ts, NULL);
}

static void test_helpers_work(void)
{
	struct zpfs_par *par = zpfs_par_create();
	struct rendezvous r = { 0 };
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	ASSERT_TRUE(par != NULL);
	if (cpus > 1) {
		struct counts *c = calloc(1, sizeof(*c));
		int tries;

		ASSERT_TRUE(c != NULL);
		zpfs_par_run(par, meet, &r, 2);
		EXPECT_EQ(atomic_load(&r.arrived), 2);
		/* Some index of a slow job runs in a helper (64 x 100 us:
		 * time for a helper to be scheduled even on a busy machine). */
		c->caller = pthread_self();
		for (tries = 0; tries < 20 && !atomic_load(&c->others);
		     tries++) {
			memset(c->hits, 0, sizeof(c->hits));
			zpfs_par_run(par, count_slowly, c, 64);
		}
		EXPECT_TRUE(atomic_load(&c->others) > 0);
		free(c);
	}
	zpfs_par_destroy(par);
}

struct submitter {
	struct zpfs_par *par;
	uint64_t seed;
	int bad;
};

static void *submit_many(void *arg)
{
	struct submitter *s = arg;
	uint64_t rng = s->seed | 1;
	int k;

	for (k = 0; k < 2000; k++)
		s->bad += run_and_check(s->par,
					(unsigned int)(tap_rand(&rng) % 300));
	return NULL;
}

static void test_concurrent_callers(void)
{
	uint64_t seed = tap_seed("concurrent_callers");
	struct zpfs_par *par = zpfs_par_create();
	struct submitter s[4];
	pthread_t t[4];
	int i;

	ASSERT_TRUE(par != NULL);
	for (i = 0; i < 4; i++) {
		s[i] = (struct submitter){ par, seed + (uint64_t)i, 0 };
		ASSERT_EQ(pthread_create(&t[i], NULL, submit_many, &s[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(s[i].bad, 0);
	}
	zpfs_par_destroy(par);
}

TAP_MAIN(TAP_TEST(test_sizes), TAP_TEST(test_helpers_work),
	 TAP_TEST(test_concurrent_callers))
