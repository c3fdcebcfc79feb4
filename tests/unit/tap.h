/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tap.h - a tiny TAP producer for the unit tests (meson protocol: 'tap').
 *
 * Each test is a function registered with TAP_TEST(); EXPECT_*() report a
 * failure with file, line and both values, mark the current test failed and
 * go on; ASSERT_*() also return from the test function. tap_main() runs
 * every test, prints "ok N - name" / "not ok N - name" and the plan.
 *
 * Randomised tests take their seed from $TEST_SEED when set (else from the
 * clock) and print it with tap_seed(), so that a failure can be replayed.
 */
#ifndef ZPOOLFS_TESTS_TAP_H
#define ZPOOLFS_TESTS_TAP_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct tap_test {
	const char *name;
	void (*fn)(void);
};

static int tap_failed_current;

#define TAP_FAIL(fmt, ...) do {						\
	printf("#   %s:%d: " fmt "\n", __FILE__, __LINE__, ##__VA_ARGS__);	\
	fflush(stdout);							\
	tap_failed_current = 1;						\
} while (0)

#define EXPECT_TRUE(c) do {						\
	if (!(c))							\
		TAP_FAIL("expected true: %s", #c);			\
} while (0)

#define EXPECT_EQ(a, b) do {						\
	long long a_ = (long long)(a), b_ = (long long)(b);		\
	if (a_ != b_)							\
		TAP_FAIL("%s == %s: %lld != %lld", #a, #b, a_, b_);	\
} while (0)

#define EXPECT_NE(a, b) do {						\
	long long a_ = (long long)(a), b_ = (long long)(b);		\
	if (a_ == b_)							\
		TAP_FAIL("%s != %s: both %lld", #a, #b, a_);		\
} while (0)

#define EXPECT_LE(a, b) do {						\
	long long a_ = (long long)(a), b_ = (long long)(b);		\
	if (a_ > b_)							\
		TAP_FAIL("%s <= %s: %lld > %lld", #a, #b, a_, b_);	\
} while (0)

#define EXPECT_STREQ(a, b) do {						\
	const char *a_ = (a), *b_ = (b);				\
	if (!a_ || !b_ || strcmp(a_, b_))				\
		TAP_FAIL("%s == %s: \"%s\" != \"%s\"", #a, #b,		\
			 a_ ? a_ : "(null)", b_ ? b_ : "(null)");	\
} while (0)

#define ASSERT_TRUE(c) do {						\
	if (!(c)) {							\
		TAP_FAIL("assertion failed: %s", #c);			\
		return;							\
	}								\
} while (0)

#define ASSERT_EQ(a, b) do {						\
	long long a_ = (long long)(a), b_ = (long long)(b);		\
	if (a_ != b_) {							\
		TAP_FAIL("%s == %s: %lld != %lld", #a, #b, a_, b_);	\
		return;							\
	}								\
} while (0)

/* The seed of a randomised test: $TEST_SEED, or the clock. Printed. */
static inline uint64_t tap_seed(const char *test)
{
	const char *env = getenv("TEST_SEED");
	uint64_t seed;

	if (env && *env) {
		seed = strtoull(env, NULL, 0);
	} else {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (uint64_t)ts.tv_sec * 1000000007u + (uint64_t)ts.tv_nsec;
	}
	printf("# %s: seed %" PRIu64 " (replay with TEST_SEED=%" PRIu64 ")\n",
	       test, seed, seed);
	fflush(stdout);
	return seed;
}

/* xorshift64*: small, fast, good enough for tests; never seed with 0. */
static inline uint64_t tap_rand(uint64_t *state)
{
	uint64_t x = *state ? *state : 0x9e3779b97f4a7c15ull;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

static inline int tap_main(const struct tap_test *tests, size_t n)
{
	int failed = 0;

	printf("1..%zu\n", n);
	for (size_t i = 0; i < n; i++) {
		tap_failed_current = 0;
		tests[i].fn();
		printf("%sok %zu - %s\n", tap_failed_current ? "not " : "",
		       i + 1, tests[i].name);
		fflush(stdout);
		failed |= tap_failed_current;
	}
	return failed;
}

#define TAP_TEST(fn)	{ #fn, fn }
#define TAP_MAIN(...)							\
int main(void)								\
{									\
	static const struct tap_test tests_[] = { __VA_ARGS__ };	\
	return tap_main(tests_, sizeof(tests_) / sizeof(tests_[0]));	\
}

#endif /* ZPOOLFS_TESTS_TAP_H */
