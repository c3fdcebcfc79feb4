/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * page.c - the page source: 4 KiB pages for the zpool back ends, the
 * userspace stand-in for the kernel's alloc_page()/__free_page().
 *
 * One page source serves the whole process. It has to do two things that
 * pull against each other: be cheap when a back end allocates and frees
 * pages in a tight loop (a compressed filesystem under write churn does
 * exactly that), and give memory back to the operating system when the
 * pages are no longer used, so that the process's resident set follows the
 * data it stores. malloc() is no good here: it neither guarantees page
 * alignment cheaply nor returns freed memory in the middle of its heap.
 *
 * Pages are cut from arenas: anonymous mmap()s of ARENA_SIZE bytes, marked
 * MADV_NOHUGEPAGE so that the kernel backs them with 4 KiB pages and the
 * resident set moves one page at a time. Each arena has its metadata in
 * malloc()ed memory, never inside the arena, so that bookkeeping never
 * touches (and faults in) a page nobody uses.
 *
 * A page is always in one of three states:
 *
 *   in use	handed out by zpool_page_alloc(), owned by the caller;
 *   warm	freed, kept resident in the reserve: a LIFO stack linked
 *		through the first word of the pages themselves;
 *   cold	not resident: never touched since the arena was mapped, or
 *		given back with madvise(MADV_DONTNEED). Cold pages are
 *		tracked by a bit in their arena's bitmap and never touched.
 *
 *     arena (ARENA_SIZE, 512 pages)          struct arena (malloc()ed)
 *   +------+------+------+------+-- ~ --+    +------------------------+
 *   |in use| warm | cold |in use|  ...  |    | base, nr_cold          |
 *   +------+--|---+------+------+-- ~ --+    | cold: 0 0 1 0 ... bits |
 *             |                              | cold_link -> next arena|
 *             v next warm page (any arena)   +------------------------+
 *
 * zpool_page_alloc() takes the most recently freed warm page (still in the
 * CPU caches, no page fault), else a cold page of the first arena on the
 * list of arenas having cold pages (one page fault when first written),
 * else maps a new arena. zpool_page_free() puts the page on the reserve
 * while the reserve holds fewer than ZPOOL_PAGE_RESERVE pages; past that,
 * it madvise()s the page away and marks it cold. When every page of an
 * arena is cold, the arena is unmapped. The free path never allocates.
 *
 * Invariants, under page_lock: nr_warm <= ZPOOL_PAGE_RESERVE; an arena is
 * on cold_arenas iff nr_cold > 0; nr_cold < ARENA_PAGES for every mapped
 * arena except while it is being unmapped; arenas[] is sorted by base.
 * Lock-free: page_count is the number of pages in use, page_resident the
 * pages in use plus the warm ones (relaxed atomics, exact when quiescent).
 *
 * Locking: page_lock protects everything but the two counters. It is a
 * leaf lock: nothing else is taken while it is held. Callers (the back
 * ends) call in without holding their own locks.
 */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "zpool/kcompat.h"
#include "zpool/page.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
/* Warm pages are poisoned, so that a use after free in them is caught. */
#define page_poison(p)	ASAN_POISON_MEMORY_REGION((p), ZPOOL_PAGE_SIZE)
#define page_unpoison(p) ASAN_UNPOISON_MEMORY_REGION((p), ZPOOL_PAGE_SIZE)
#else
#define page_poison(p)	((void)(p))
#define page_unpoison(p) ((void)(p))
#endif

/*****************
 * Structures
 *****************/

/*
 * ZPOOL_PAGE_RESERVE - how many freed pages stay resident for reuse.
 *
 * A larger reserve absorbs longer bursts of free-then-allocate without a
 * madvise() system call and a page fault per page (each costs a few
 * microseconds, against tens of nanoseconds for a warm page), but keeps up
 * to that much memory resident after the data it held is gone, for the
 * whole life of the process. 1024 pages (4 MiB) covers the churn of a
 * filesystem rewriting a few MiB at a time and is noise next to any pool
 * worth compressing.
 */
#ifndef ZPOOL_PAGE_RESERVE
#define ZPOOL_PAGE_RESERVE	1024
#endif

/*
 * ARENA_SHIFT - log2 of the size of one mmap() arena.
 *
 * Larger arenas mean fewer mmap() calls and fewer arena records to search
 * on the cold free path; smaller ones are unmapped sooner once empty (an
 * arena goes back only when all its pages are cold) and leave less
 * virtual address space behind. 2 MiB (512 pages, a 64-byte bitmap) is
 * the size of a huge page, which we refuse anyway with MADV_NOHUGEPAGE.
 */
#define ARENA_SHIFT	21
#define ARENA_SIZE	(1ul << ARENA_SHIFT)
#define ARENA_PAGES	(ARENA_SIZE >> ZPOOL_PAGE_SHIFT)
#define ARENA_WORDS	(ARENA_PAGES / 64)

BUILD_BUG_ON(ARENA_PAGES % 64 != 0);
BUILD_BUG_ON(ZPOOL_PAGE_RESERVE < 0);

/**
 * struct arena - one mmap()ed arena; lives in malloc()ed memory
 * @base:	first byte of the mapping, ARENA_SIZE bytes long
 * @cold:	bit i set: page i is cold (not resident, not handed out)
 * @nr_cold:	number of bits set in @cold
 * @cold_link:	on page_src.cold_arenas while @nr_cold > 0
 *
 * All fields but @base are protected by page_lock.
 */
struct arena {
	char *base;
	uint64_t cold[ARENA_WORDS];	/* protected by page_lock */
	unsigned int nr_cold;		/* protected by page_lock */
	struct list_head cold_link;	/* protected by page_lock */
};

/* A warm page: its first word links the reserve. */
struct warm_page {
	struct warm_page *next;
};

/**
 * struct page_src - the process's page source
 * @lock:	protects every field below; a leaf lock
 * @warm:	top of the reserve stack of warm pages
 * @nr_warm:	pages on @warm, at most ZPOOL_PAGE_RESERVE
 * @cold_arenas: arenas that have cold pages, allocation order
 * @arenas:	every mapped arena, sorted by base address
 * @nr_arenas:	entries used in @arenas
 * @max_arenas:	entries allocated in @arenas
 * @fail_after:	fault injection: allocations left before failing, or -1
 */
struct page_src {
	spinlock_t lock;
	struct warm_page *warm;		/* protected by lock */
	unsigned long nr_warm;		/* protected by lock */
	struct list_head cold_arenas;	/* protected by lock */
	struct arena **arenas;		/* protected by lock */
	size_t nr_arenas;		/* protected by lock */
	size_t max_arenas;		/* protected by lock */
	long fail_after;		/* protected by lock */
};

static struct page_src page_src = {
	.lock = PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP,
	.cold_arenas = LIST_HEAD_INIT(page_src.cold_arenas),
	.fail_after = -1,
};

/*
 * Pages in use, and pages in use plus warm pages: written under page_lock,
 * read without it.
 */
static atomic_uint_fast64_t page_count;
static atomic_uint_fast64_t page_resident;

/*****************
 * Helpers
 *****************/

/*
 * Only writers under page_lock change the counters, so a plain load and
 * store do: no locked read-modify-write on the fast paths. Caller must
 * hold page_lock.
 */
static void counter_add_locked(atomic_uint_fast64_t *c, int delta)
{
	uint_fast64_t v = atomic_load_explicit(c, memory_order_relaxed);

	atomic_store_explicit(c, v + (uint_fast64_t)(int_fast64_t)delta,
			      memory_order_relaxed);
}

/*
 * The index in page_src.arenas of the arena holding @addr, or of the slot
 * where an arena based at @addr would be inserted when none holds it.
 * Caller must hold page_lock.
 */
static size_t arena_search_locked(const char *addr)
{
	size_t lo = 0, hi = page_src.nr_arenas;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *base = page_src.arenas[mid]->base;

		if (addr < base)
			hi = mid;
		else if (addr >= base + ARENA_SIZE)
			lo = mid + 1;
		else
			return mid;
	}
	return lo;
}

/*
 * Map a new arena, all of its pages cold, and put it first on cold_arenas.
 * Caller must hold page_lock. Return: the arena, or NULL (no memory).
 */
static struct arena *arena_create_locked(void)
{
	struct arena *arena;
	size_t pos;
	void *base;

	if (page_src.nr_arenas == page_src.max_arenas) {
		size_t max = page_src.max_arenas ? 2 * page_src.max_arenas : 16;
		struct arena **arenas;

		arenas = realloc(page_src.arenas, max * sizeof(*arenas));
		if (!arenas)
			return NULL;
		page_src.arenas = arenas;
		page_src.max_arenas = max;
	}
	arena = malloc(sizeof(*arena));
	if (!arena)
		return NULL;
	base = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		goto out_free_arena;
	/* Fails only on kernels without THP, where it is not needed. */
	(void)madvise(base, ARENA_SIZE, MADV_NOHUGEPAGE);

	arena->base = base;
	memset(arena->cold, 0xff, sizeof(arena->cold));
	arena->nr_cold = ARENA_PAGES;
	list_add(&arena->cold_link, &page_src.cold_arenas);

	pos = arena_search_locked(base);
	memmove(&page_src.arenas[pos + 1], &page_src.arenas[pos],
		(page_src.nr_arenas - pos) * sizeof(*page_src.arenas));
	page_src.arenas[pos] = arena;
	page_src.nr_arenas++;
	return arena;

out_free_arena:
	free(arena);
	return NULL;
}

/*
 * Unmap an arena whose pages are all cold and forget it. Never allocates.
 * Caller must hold page_lock.
 */
static void arena_destroy_locked(struct arena *arena)
{
	size_t pos = arena_search_locked(arena->base);

	assert(arena->nr_cold == ARENA_PAGES);
	assert(pos < page_src.nr_arenas && page_src.arenas[pos] == arena);
	list_del(&arena->cold_link);
	memmove(&page_src.arenas[pos], &page_src.arenas[pos + 1],
		(page_src.nr_arenas - pos - 1) * sizeof(*page_src.arenas));
	page_src.nr_arenas--;
	munmap(arena->base, ARENA_SIZE);
	free(arena);
}

/*
 * Take a cold page: from the first arena having one, else from a new
 * arena. Caller must hold page_lock. Return: the page, or NULL.
 */
static void *take_cold_locked(void)
{
	struct arena *arena;
	unsigned int w, bit;

	if (list_empty(&page_src.cold_arenas)) {
		arena = arena_create_locked();
		if (!arena)
			return NULL;
	} else {
		arena = list_first_entry(&page_src.cold_arenas, struct arena,
					 cold_link);
	}
	for (w = 0; !arena->cold[w]; w++)
		assert(w + 1 < ARENA_WORDS);
	bit = (unsigned int)__builtin_ctzll(arena->cold[w]);
	arena->cold[w] &= ~(1ull << bit);
	if (--arena->nr_cold == 0)
		list_del_init(&arena->cold_link);
	return arena->base + (((size_t)w * 64 + bit) << ZPOOL_PAGE_SHIFT);
}

/*
 * Mark a page cold (its contents are already gone) and unmap its arena if
 * that was the arena's last page in use. Caller must hold page_lock.
 */
static void put_cold_locked(char *page)
{
	size_t pos = arena_search_locked(page);
	struct arena *arena;
	size_t idx;

	assert(pos < page_src.nr_arenas);
	arena = page_src.arenas[pos];
	idx = (size_t)(page - arena->base) >> ZPOOL_PAGE_SHIFT;
	assert(!(arena->cold[idx / 64] & (1ull << (idx % 64))));
	arena->cold[idx / 64] |= 1ull << (idx % 64);
	if (arena->nr_cold++ == 0)
		list_add_tail(&arena->cold_link, &page_src.cold_arenas);
	if (arena->nr_cold == ARENA_PAGES)
		arena_destroy_locked(arena);
}

/*****************
 * API (kernel-doc in zpool/page.h)
 *****************/

void *zpool_page_alloc(void)
{
	struct warm_page *page;
	void *cold;

	spin_lock(&page_src.lock);
	if (unlikely(page_src.fail_after >= 0)) {
		if (page_src.fail_after == 0)
			goto out_unlock;
		page_src.fail_after--;
	}
	page = page_src.warm;
	if (page) {
		page_unpoison(page);
		page_src.warm = page->next;
		page_src.nr_warm--;
		counter_add_locked(&page_count, 1);
		spin_unlock(&page_src.lock);
		return page;
	}
	cold = take_cold_locked();
	if (!cold)
		goto out_unlock;
	counter_add_locked(&page_count, 1);
	counter_add_locked(&page_resident, 1);
	spin_unlock(&page_src.lock);
	return cold;

out_unlock:
	spin_unlock(&page_src.lock);
	return NULL;
}

void zpool_page_free(void *page)
{
	struct warm_page *warm = page;

	if (!page)
		return;
	assert(((uintptr_t)page & ~ZPOOL_PAGE_MASK) == 0);

	spin_lock(&page_src.lock);
	if (page_src.nr_warm < ZPOOL_PAGE_RESERVE) {
		warm->next = page_src.warm;
		page_poison(warm);
		page_src.warm = warm;
		page_src.nr_warm++;
		counter_add_locked(&page_count, -1);
		spin_unlock(&page_src.lock);
		return;
	}
	spin_unlock(&page_src.lock);

	/*
	 * The page is still ours alone: drop its contents without the lock.
	 * MADV_DONTNEED on private anonymous memory does not fail for a valid
	 * range; should it, the page merely stays resident until reused.
	 */
	(void)madvise(page, ZPOOL_PAGE_SIZE, MADV_DONTNEED);

	spin_lock(&page_src.lock);
	put_cold_locked(page);
	counter_add_locked(&page_count, -1);
	counter_add_locked(&page_resident, -1);
	spin_unlock(&page_src.lock);
}

uint64_t zpool_page_count(void)
{
	return atomic_load_explicit(&page_count, memory_order_relaxed);
}

uint64_t zpool_page_resident(void)
{
	return atomic_load_explicit(&page_resident, memory_order_relaxed);
}

void zpool_page_fail_after(long n)
{
	spin_lock(&page_src.lock);
	page_src.fail_after = n < 0 ? -1 : n;
	spin_unlock(&page_src.lock);
}
