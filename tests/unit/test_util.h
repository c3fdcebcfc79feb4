/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_util.h - helpers shared by the allocator unit tests (test_zbud.c,
 * test_z3fold.c, test_zsmalloc.c, test_backend.c).
 *
 * All of these tests write objects with a recognisable pattern and read
 * them back; the zbud, z3fold and generic back-end tests also scale their
 * long runs by an environment variable (for slow runs under valgrind),
 * check that freed memory leaves the resident set and run worker threads
 * that allocate, write, verify and free objects at random. That logic is
 * the same in each of them, so it lives here once; what differs (the
 * variable's name and its default, the allocator's calls) is a parameter.
 *
 * Everything is static inline: each test program is one translation unit
 * and takes only what it uses, without unused-function warnings.
 */
#ifndef ZPOOLFS_TESTS_TEST_UTIL_H
#define ZPOOLFS_TESTS_TEST_UTIL_H

#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/tap.h"

/**
 * tu_ops_scale() - the operation count of a long randomised test
 * @env:	name of the environment variable that overrides it
 * @dflt:	the count when @env is unset, empty or zero
 *
 * Return: the value of @env (strtoul() base 0) when set and non-zero,
 * else @dflt.
 */
static inline unsigned long tu_ops_scale(const char *env, unsigned long dflt)
{
	const char *val = getenv(env);
	unsigned long n = val && *val ? strtoul(val, NULL, 0) : 0;

	return n ? n : dflt;
}

/**
 * tu_tag_byte() - the byte that fills the middle of an object
 * @tag:	what identifies the object
 *
 * Return: a byte derived from @tag (its top byte after a multiplicative
 * hash).
 */
static inline unsigned char tu_tag_byte(uint64_t tag)
{
	return (unsigned char)(tag * 0x9e3779b97f4a7c15ull >> 56);
}

/**
 * tu_fill() - write the test pattern of @tag into an object
 * @obj:	the object's mapping
 * @size:	its size in bytes
 * @tag:	what identifies it
 *
 * The pattern is the 64-bit tag at both ends with a tag-derived byte in
 * between, or for objects under 16 bytes a byte pattern mixing the tag and
 * the offset. Overlapping objects, a header written over an object, or an
 * object moved without its contents or lost all show up in tu_verify().
 */
static inline void tu_fill(void *obj, size_t size, uint64_t tag)
{
	unsigned char *b = obj;
	unsigned char v = tu_tag_byte(tag);

	if (size >= 16) {
		memcpy(b, &tag, 8);
		memset(b + 8, v, size - 16);
		memcpy(b + size - 8, &tag, 8);
	} else {
		for (size_t i = 0; i < size; i++)
			b[i] = (unsigned char)(v ^ (tag >> (i * 4)) ^ i);
	}
}

/**
 * tu_verify() - check the test pattern of @tag in an object
 * @obj:	the object's mapping
 * @size:	its size in bytes
 * @tag:	what identifies it
 *
 * Return: true when the @size bytes at @obj are what tu_fill() wrote for
 * @tag, false otherwise.
 */
static inline bool tu_verify(const void *obj, size_t size, uint64_t tag)
{
	const unsigned char *b = obj;
	unsigned char v = tu_tag_byte(tag);

	if (size >= 16) {
		if (memcmp(b, &tag, 8) || memcmp(b + size - 8, &tag, 8))
			return false;
		if (size == 16)
			return true;
		/* all equal to v: first byte is v, each byte equals the next */
		return b[8] == v && !memcmp(b + 8, b + 9, size - 17);
	}
	for (size_t i = 0; i < size; i++)
		if (b[i] != (unsigned char)(v ^ (tag >> (i * 4)) ^ i))
			return false;
	return true;
}

/**
 * tu_shuffle_handles() - put handles in a random order
 * @h:		the handles
 * @n:		how many
 * @rng:	the test's random generator (n - 1 draws when n > 1)
 *
 * A Fisher-Yates shuffle, from the last handle down.
 */
static inline void tu_shuffle_handles(unsigned long *h, size_t n,
				      uint64_t *rng)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = tap_rand(rng) % i;
		unsigned long t = h[i - 1];

		h[i - 1] = h[j];
		h[j] = t;
	}
}

/**
 * tu_rss_bytes() - the resident set of this process
 *
 * Read from /proc/self/statm (its second field, in pages).
 *
 * Return: the resident set in bytes, or 0 when it cannot be read.
 */
static inline uint64_t tu_rss_bytes(void)
{
	unsigned long size, resident;
	FILE *f = fopen("/proc/self/statm", "r");
	int n;

	if (!f)
		return 0;
	n = fscanf(f, "%lu %lu", &size, &resident);
	fclose(f);
	return n == 2 ? (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE)
		      : 0;
}

/**
 * tu_rss_print() - report the resident set through a test of memory return
 * @what:	text after "# " on the report line ("" for none)
 * @rss0:	resident set before the pool was filled
 * @rss1:	with the pool full
 * @rss_half:	with half of the objects freed
 * @rss2:	with every object freed
 * @pool_bytes:	the size of the full pool
 *
 * Prints one TAP comment line: the four figures in MiB, what the resident
 * set dropped from full to empty, and that as a share of @pool_bytes.
 */
static inline void tu_rss_print(const char *what, uint64_t rss0,
				uint64_t rss1, uint64_t rss_half,
				uint64_t rss2, uint64_t pool_bytes)
{
	printf("# %sRSS: %" PRIu64 " MiB before, %" PRIu64 " MiB full, %"
	       PRIu64 " MiB half freed, %" PRIu64 " MiB all freed: dropped %"
	       PRIu64 " MiB (%.1f %% of 256)\n",
	       what, rss0 >> 20, rss1 >> 20, rss_half >> 20, rss2 >> 20,
	       (rss1 > rss2 ? rss1 - rss2 : 0) >> 20,
	       rss1 > rss2 ? 100.0 * (double)(rss1 - rss2) / (double)pool_bytes
			   : 0.0);
}

/* Most objects a worker holds at once (the arrays on its stack). */
#define TU_WORKER_LIVE_MAX	400

/**
 * struct tu_pool_ops - how the workers of a threaded test use their pool
 * @size:	size of the next object; @r is the operation's random word,
 *		@rng the worker's generator (for more draws)
 * @alloc:	allocate @size bytes, handle in *@h; 0 or -errno
 * @put:	write the pattern of @tag into the object
 * @check:	check an object picked at random (@r: the operation's random
 *		word); return the number of mismatches seen
 * @drain:	check an object left over at the end, just before it is
 *		freed; return the number of mismatches seen
 * @free:	free the object
 */
struct tu_pool_ops {
	size_t (*size)(uint64_t r, uint64_t *rng);
	int (*alloc)(void *pool, size_t size, unsigned long *h);
	void (*put)(void *pool, unsigned long h, size_t size, uint64_t tag);
	unsigned int (*check)(void *pool, unsigned long h, size_t size,
			      uint64_t tag, uint64_t r);
	unsigned int (*drain)(void *pool, unsigned long h, size_t size,
			      uint64_t tag);
	void (*free)(void *pool, unsigned long h);
};

/**
 * struct tu_worker - one thread of a threaded test
 * @tid:	the thread
 * @pool:	the pool it works on (shared with the other workers)
 * @pool_ops:	how to use @pool
 * @live:	most objects it holds at once (up to TU_WORKER_LIVE_MAX)
 * @seed:	its random seed; also mixed into the object tags
 * @ops:	operations to run
 * @errors:	failed allocations and mismatches seen (result)
 */
struct tu_worker {
	pthread_t tid;
	void *pool;
	const struct tu_pool_ops *pool_ops;
	int live;
	uint64_t seed;
	unsigned long ops;
	unsigned long errors;
};

/**
 * tu_worker_run() - the body of a worker thread
 * @arg:	its struct tu_worker
 *
 * Runs @ops random operations: while it holds fewer than @live objects,
 * with odds of 52 in 100 (always when it holds none), allocate and write
 * an object; else check one picked at random and, half of the time, free
 * it. At the end, check and free what is left. Failed allocations and
 * mismatches add to @errors.
 *
 * Return: NULL.
 */
static inline void *tu_worker_run(void *arg)
{
	struct tu_worker *w = arg;
	const struct tu_pool_ops *p = w->pool_ops;
	unsigned long h[TU_WORKER_LIVE_MAX];
	size_t size[TU_WORKER_LIVE_MAX];
	uint64_t tag[TU_WORKER_LIVE_MAX];
	uint64_t rng = w->seed;
	int live = w->live < TU_WORKER_LIVE_MAX ? w->live : TU_WORKER_LIVE_MAX;
	int n = 0;

	for (unsigned long op = 0; op < w->ops; op++) {
		uint64_t r = tap_rand(&rng);
		int i;

		if (n < live && (n == 0 || r % 100 < 52)) {
			size[n] = p->size(r, &rng);
			tag[n] = w->seed ^ op;
			if (p->alloc(w->pool, size[n], &h[n])) {
				w->errors++;
				continue;
			}
			p->put(w->pool, h[n], size[n], tag[n]);
			n++;
			continue;
		}
		i = (int)((r >> 32) % (unsigned int)n);
		w->errors += p->check(w->pool, h[i], size[i], tag[i], r);
		if (r & (1ull << 20))
			continue;	/* verify only */
		p->free(w->pool, h[i]);
		n--;
		h[i] = h[n];
		size[i] = size[n];
		tag[i] = tag[n];
	}
	while (n--) {
		w->errors += p->drain(w->pool, h[n], size[n], tag[n]);
		p->free(w->pool, h[n]);
	}
	return NULL;
}

/**
 * tu_workers_join() - wait for worker threads and add up their errors
 * @w:		the workers
 * @nr:		how many
 *
 * Return: the sum of their @errors.
 */
static inline unsigned long tu_workers_join(struct tu_worker *w, int nr)
{
	unsigned long errors = 0;

	for (int i = 0; i < nr; i++) {
		pthread_join(w[i].tid, NULL);
		errors += w[i].errors;
	}
	return errors;
}

#endif /* ZPOOLFS_TESTS_TEST_UTIL_H */
