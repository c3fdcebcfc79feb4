/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zbud.c - a special-purpose allocator for compressed pages (design of
 * mm/zbud.c, Linux v6.1, re-done for userspace).
 *
 * zbud stores at most two compressed objects ("buddies") in one 4 KiB
 * page (a "zbud page"). It is not a buddy allocator in the usual sense:
 * the name says only that objects come in pairs. Pairing gives up some
 * density (a page never holds more than two objects, however small) for a
 * design that is simple, fast and predictable: an object shares its page
 * with at most one other, so freeing objects frees pages promptly (a page
 * goes straight back to the page source when its second object goes), and
 * density can never fall below one object per page, so storing compressed
 * pages in zbud never costs more pages than storing them uncompressed.
 *
 * A page is divided into 2^NCHUNKS_ORDER = 64 chunks of CHUNK_SIZE = 64
 * bytes. The first chunk holds the page's header (struct zbud_header), so
 * NCHUNKS = 63 chunks are left for data. An object takes a whole number of
 * chunks. The first buddy is left-aligned just after the header, the last
 * buddy is right-aligned at the end of the page, and the free space (the
 * "slack") lies between them:
 *
 *   page + 0    + 64                                     + 4096 - 64*last
 *   |           |                                        |             + 4096
 *   v           v                                        v                  v
 *   +-----------+----------------------+-----------------+------------------+
 *   |  header   | first buddy          |      slack      |       last buddy |
 *   | 1 chunk   | first_chunks chunks  | NCHUNKS - first | last_chunks      |
 *   |           |                      |  - last chunks  | chunks           |
 *   +-----------+----------------------+-----------------+------------------+
 *    \_ list link, first_chunks, last_chunks
 *
 * Either buddy may be absent (its chunk count is 0). When one is freed its
 * chunks merge with the slack, so the free space of a page is always one
 * run of NCHUNKS - first_chunks - last_chunks chunks, and the next object
 * placed in the page takes whichever side is empty.
 *
 * The pool keeps each page that holds exactly one buddy on unbuddied[i],
 * where i is its number of free chunks, and each page holding two buddies
 * on the buddied list. zbud_alloc() of an object of n chunks looks at
 * unbuddied[n], unbuddied[n + 1], ... and takes the first page of the first
 * non-empty list: the page whose free space fits the object most tightly
 * (best fit; among equals the page that joined its list last). If none
 * fits, it takes a new page and places the object as its first buddy. A
 * page is given back to the page source as soon as both buddies are freed.
 * The largest object is PAGE_SIZE - ZHDR_SIZE_ALIGNED - CHUNK_SIZE = 3968
 * bytes, so a page holding one object always has a chunk free.
 *
 * A handle is the address of the object: page + ZHDR_SIZE_ALIGNED for the
 * first buddy, page + PAGE_SIZE - (last_chunks << CHUNK_SHIFT) for the last.
 * zbud_map() returns it as is, and the header is found by masking the
 * handle with PAGE_MASK; a handle is the first buddy's iff it lies exactly
 * ZHDR_SIZE_ALIGNED bytes into its page.
 *
 * Invariants (under the pool lock): every page in the pool holds one or
 * two buddies, first_chunks + last_chunks <= NCHUNKS; a page with one
 * buddy is on unbuddied[NCHUNKS - first_chunks - last_chunks], a page with
 * two is on buddied; pages_nr counts them all.
 *
 * Differences from the kernel: the zswap write-back machinery (LRU, evict
 * callbacks, zbud_reclaim_page) is left out, since nothing here writes
 * objects back; a 64-bit mask of the non-empty unbuddied lists finds the
 * same list the kernel's linear walk would find, without the walk; the
 * pool lock is a mutex (see zpool/kcompat.h), and zbud_free() gives a page
 * back after dropping it.
 *
 * Locking: the pool lock is the only lock taken here. It is never held
 * while calling into the page source (which has its own leaf lock), so
 * zbud_alloc() drops it around the page allocation as the kernel does
 * around alloc_page().
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "zbud/zbud.h"
#include "zpool/kcompat.h"
#include "zpool/page.h"
#include "zpool/zpool.h"

/*****************
 * Structures
 *****************/

/*
 * NCHUNKS_ORDER determines the internal allocation granularity, effectively
 * adjusting internal fragmentation. It also determines the number of free
 * lists (NCHUNKS). Raising it gives finer chunks: less space lost to
 * rounding each object up, but more lists to keep and a longer best-fit
 * search. With 6, every page is 64 chunks of 64 bytes and an object wastes
 * 32 bytes on average.
 */
#define NCHUNKS_ORDER	6

#define CHUNK_SHIFT	(PAGE_SHIFT - NCHUNKS_ORDER)
#define CHUNK_SIZE	(1ul << CHUNK_SHIFT)
#define ZHDR_SIZE_ALIGNED CHUNK_SIZE
#define NCHUNKS		((PAGE_SIZE - ZHDR_SIZE_ALIGNED) >> CHUNK_SHIFT)
#define ZBUD_MAX_SIZE	(PAGE_SIZE - ZHDR_SIZE_ALIGNED - CHUNK_SIZE)

/**
 * struct zbud_pool - stores metadata for each zbud pool
 * @lock:	protects all pool fields and the first_chunks/last_chunks
 *		fields and list links of every zbud page in the pool
 * @unbuddied:	array of lists tracking zbud pages that only contain one
 *		buddy; the list each page is on depends on its free chunks
 *		(unbuddied[0] is never needed, since a page holding one
 *		object always has a chunk free)
 * @buddied:	list tracking the zbud pages that contain two buddies; it
 *		reuses unbuddied[0]
 * @unbuddied_mask: bit i set iff unbuddied[i] is not empty (i >= 1)
 * @pages_nr:	number of zbud pages in the pool; written under @lock,
 *		read without it
 */
struct zbud_pool {
	spinlock_t lock;
	union {
		struct list_head buddied;	   /* protected by lock */
		struct list_head unbuddied[NCHUNKS]; /* protected by lock */
	};
	uint64_t unbuddied_mask;		/* protected by lock */
	uint64_t pages_nr;			/* protected by lock */
};

/**
 * struct zbud_header - zbud page metadata occupying the first chunk of each
 *			zbud page
 * @buddy:	links the zbud page into the unbuddied/buddied lists
 * @first_chunks: the size of the first buddy in chunks, 0 if free
 * @last_chunks: the size of the last buddy in chunks, 0 if free
 */
struct zbud_header {
	struct list_head buddy;		/* protected by pool->lock */
	unsigned int first_chunks;	/* protected by pool->lock */
	unsigned int last_chunks;	/* protected by pool->lock */
};

enum buddy {
	FIRST,
	LAST,
};

BUILD_BUG_ON(sizeof(struct zbud_header) > ZHDR_SIZE_ALIGNED);
BUILD_BUG_ON(NCHUNKS != 63);
BUILD_BUG_ON(NCHUNKS > 64);	/* unbuddied_mask */
BUILD_BUG_ON(ZBUD_MAX_SIZE != 3968);

/*****************
 * Helpers
 *****************/

/* Converts an allocation size in bytes to size in zbud chunks. */
static unsigned int size_to_chunks(size_t size)
{
	return (unsigned int)((size + CHUNK_SIZE - 1) >> CHUNK_SHIFT);
}

/* Initializes the zbud header of a newly allocated zbud page. */
static struct zbud_header *init_zbud_page(void *page)
{
	struct zbud_header *zhdr = page;

	zhdr->first_chunks = 0;
	zhdr->last_chunks = 0;
	INIT_LIST_HEAD(&zhdr->buddy);
	return zhdr;
}

/*
 * Encodes the handle of a particular buddy within a zbud page. Caller
 * must hold the pool lock (last_chunks).
 */
static unsigned long encode_handle(struct zbud_header *zhdr, enum buddy bud)
{
	unsigned long handle = (unsigned long)zhdr;

	if (bud == FIRST)
		/* the first buddy is left-aligned just after the header */
		handle += ZHDR_SIZE_ALIGNED;
	else
		/* the last buddy is right-aligned at the end of the page */
		handle += PAGE_SIZE - (zhdr->last_chunks << CHUNK_SHIFT);
	return handle;
}

/* Returns the zbud page where a given handle is stored. */
static struct zbud_header *handle_to_zbud_header(unsigned long handle)
{
	return (struct zbud_header *)(handle & PAGE_MASK);
}

/*
 * Returns the number of free chunks in a zbud page. A free buddy has a
 * length of zero, so one formula covers every case. Caller must hold the
 * pool lock.
 */
static unsigned int num_free_chunks(const struct zbud_header *zhdr)
{
	return NCHUNKS - zhdr->first_chunks - zhdr->last_chunks;
}

/* Puts a page holding one buddy on its unbuddied list. Caller holds lock. */
static void add_unbuddied_locked(struct zbud_pool *pool,
				 struct zbud_header *zhdr)
{
	unsigned int freechunks = num_free_chunks(zhdr);

	assert(freechunks >= 1 && freechunks < NCHUNKS);
	list_add(&zhdr->buddy, &pool->unbuddied[freechunks]);
	pool->unbuddied_mask |= 1ull << freechunks;
}

/*
 * Takes a page off the list it is on (unbuddied or buddied), before its
 * chunk counts change. Caller must hold the pool lock.
 */
static void del_page_locked(struct zbud_pool *pool, struct zbud_header *zhdr)
{
	unsigned int freechunks = num_free_chunks(zhdr);

	list_del(&zhdr->buddy);
	if (zhdr->first_chunks && zhdr->last_chunks)
		return;
	if (list_empty(&pool->unbuddied[freechunks]))
		pool->unbuddied_mask &= ~(1ull << freechunks);
}

/*
 * The best fit for an object of @chunks chunks: the first non-empty list
 * among unbuddied[chunks], unbuddied[chunks + 1], ..., unbuddied[NCHUNKS - 1],
 * or NCHUNKS when none is. Caller must hold the pool lock.
 */
static unsigned int best_fit_locked(const struct zbud_pool *pool,
				    unsigned int chunks)
{
	uint64_t fits = pool->unbuddied_mask & (~0ull << chunks);

	return fits ? (unsigned int)__builtin_ctzll(fits) : NCHUNKS;
}

/* pages_nr is read without the lock: store it atomically. */
static void pages_nr_add_locked(struct zbud_pool *pool, int delta)
{
	__atomic_store_n(&pool->pages_nr, pool->pages_nr + (uint64_t)delta,
			 __ATOMIC_RELAXED);
}

/*****************
 * API
 *****************/

/**
 * zbud_create_pool() - create a new zbud pool
 * @gfp: gfp flags when allocating the zbud pool structure (unused)
 *
 * Return: the new pool, empty, or NULL if the pool structure could not be
 * allocated.
 */
struct zbud_pool *zbud_create_pool(gfp_t gfp)
{
	struct zbud_pool *pool;
	unsigned int i;

	(void)gfp;
	pool = calloc(1, sizeof(*pool));
	if (!pool)
		return NULL;
	spin_lock_init(&pool->lock);
	/* unbuddied[0] is the buddied list */
	for (i = 0; i < NCHUNKS; i++)
		INIT_LIST_HEAD(&pool->unbuddied[i]);
	pool->unbuddied_mask = 0;
	pool->pages_nr = 0;
	return pool;
}

/**
 * zbud_destroy_pool() - destroy an existing zbud pool
 * @pool: the zbud pool to be destroyed; NULL is ignored
 *
 * Every handle should have been freed. Pages still holding objects are
 * given back to the page source all the same, and their handles become
 * invalid. No other thread may use the pool any more. Can't fail.
 */
void zbud_destroy_pool(struct zbud_pool *pool)
{
	struct zbud_header *zhdr, *next;
	unsigned int i;

	if (!pool)
		return;
	/* unbuddied[0] is the buddied list */
	for (i = 0; i < NCHUNKS; i++)
		list_for_each_entry_safe(zhdr, next, &pool->unbuddied[i], buddy)
			zpool_page_free(zhdr);
	spin_lock_destroy(&pool->lock);
	free(pool);
}

/**
 * zbud_alloc() - allocates a region of a given size
 * @pool:	zbud pool from which to allocate
 * @size:	size in bytes of the desired allocation
 * @gfp:	gfp flags used if the pool needs to grow
 * @handle:	handle of the new allocation
 *
 * This function will attempt to find a free region in the pool large enough
 * to satisfy the allocation request. A search of the unbuddied lists is
 * performed first, from the list of pages with exactly the object's chunks
 * free upwards (best fit). If no suitable free region is found, then a new
 * page is allocated, with the pool lock dropped, and added to the pool to
 * satisfy the request.
 *
 * Return: 0 on success and *handle is set; -EINVAL if @size is 0 or @gfp
 * has ZPOOL_GFP_HIGHMEM; -ENOSPC if @size is larger than 3968 bytes (the
 * largest object a page can hold beside its header and one chunk);
 * -ENOMEM if the pool was unable to allocate a new page. On error nothing
 * is modified.
 */
int zbud_alloc(struct zbud_pool *pool, size_t size, gfp_t gfp,
	       unsigned long *handle)
{
	struct zbud_header *zhdr;
	unsigned int chunks, i;
	enum buddy bud;
	void *page;

	if (!size || (gfp & ZPOOL_GFP_HIGHMEM))
		return -EINVAL;
	if (size > ZBUD_MAX_SIZE)
		return -ENOSPC;
	chunks = size_to_chunks(size);

	spin_lock(&pool->lock);
	/* First, try to find an unbuddied zbud page. */
	i = best_fit_locked(pool, chunks);
	if (i < NCHUNKS) {
		zhdr = list_first_entry(&pool->unbuddied[i], struct zbud_header,
					buddy);
		del_page_locked(pool, zhdr);
		bud = zhdr->first_chunks == 0 ? FIRST : LAST;
		goto found;
	}

	/* Couldn't find unbuddied zbud page, create new one. */
	spin_unlock(&pool->lock);
	page = zpool_page_alloc();
	if (!page)
		return -ENOMEM;
	zhdr = init_zbud_page(page);
	bud = FIRST;
	spin_lock(&pool->lock);
	pages_nr_add_locked(pool, 1);

found:
	if (bud == FIRST)
		zhdr->first_chunks = chunks;
	else
		zhdr->last_chunks = chunks;

	if (zhdr->first_chunks == 0 || zhdr->last_chunks == 0)
		/* Add to unbuddied list */
		add_unbuddied_locked(pool, zhdr);
	else
		/* Add to buddied list */
		list_add(&zhdr->buddy, &pool->buddied);

	*handle = encode_handle(zhdr, bud);
	spin_unlock(&pool->lock);
	return 0;
}

/**
 * zbud_free() - frees the allocation associated with the given handle
 * @pool:	pool in which the allocation resided
 * @handle:	handle returned by zbud_alloc() for the allocation
 *
 * If the page holding the object becomes empty, it is given back to the
 * page source (after the pool lock is dropped). Otherwise, the page is put
 * on the unbuddied list matching its new free space. Can't fail.
 */
void zbud_free(struct zbud_pool *pool, unsigned long handle)
{
	struct zbud_header *zhdr = handle_to_zbud_header(handle);

	spin_lock(&pool->lock);
	del_page_locked(pool, zhdr);

	/* If first buddy, handle will be page aligned */
	if ((handle - ZHDR_SIZE_ALIGNED) & ~PAGE_MASK) {
		assert(zhdr->last_chunks &&
		       handle == encode_handle(zhdr, LAST));
		zhdr->last_chunks = 0;
	} else {
		assert(zhdr->first_chunks);
		zhdr->first_chunks = 0;
	}

	if (zhdr->first_chunks == 0 && zhdr->last_chunks == 0) {
		/* zbud page is empty, free */
		pages_nr_add_locked(pool, -1);
		spin_unlock(&pool->lock);
		zpool_page_free(zhdr);
		return;
	}
	/* Add to unbuddied list */
	add_unbuddied_locked(pool, zhdr);
	spin_unlock(&pool->lock);
}

/**
 * zbud_map() - maps the allocation associated with the given handle
 * @pool:	pool in which the allocation resides
 * @handle:	handle associated with the allocation to be mapped
 *
 * The handle is the object's address, so this is only a cast: the object
 * is always mapped. Can't fail.
 *
 * Return: a pointer to the mapped allocation, valid until zbud_free().
 */
void *zbud_map(struct zbud_pool *pool, unsigned long handle)
{
	(void)pool;
	return (void *)handle;
}

/**
 * zbud_unmap() - unmaps the allocation associated with the given handle
 * @pool:	pool in which the allocation resides
 * @handle:	handle associated with the allocation to be unmapped
 *
 * Nothing to do; kept for symmetry with zbud_map(). Can't fail.
 */
void zbud_unmap(struct zbud_pool *pool, unsigned long handle)
{
	(void)pool;
	(void)handle;
}

/**
 * zbud_get_pool_pages() - gets the number of pages in the pool
 * @pool:	pool whose size is being queried
 *
 * The pool lock need not be taken: the count is read atomically and may be
 * stale by the time it is used. Can't fail.
 *
 * Return: number of zbud pages in the pool.
 */
uint64_t zbud_get_pool_pages(struct zbud_pool *pool)
{
	return __atomic_load_n(&pool->pages_nr, __ATOMIC_RELAXED);
}

/*****************
 * zpool driver glue
 *****************/

static void *zbud_zpool_create(const char *name, gfp_t gfp)
{
	(void)name;
	return zbud_create_pool(gfp);
}

static void zbud_zpool_destroy(void *pool)
{
	zbud_destroy_pool(pool);
}

static int zbud_zpool_malloc(void *pool, size_t size, gfp_t gfp,
			     unsigned long *handle)
{
	return zbud_alloc(pool, size, gfp, handle);
}

static void zbud_zpool_free(void *pool, unsigned long handle)
{
	zbud_free(pool, handle);
}

static void *zbud_zpool_map(void *pool, unsigned long handle,
			    enum zpool_mapmode mm)
{
	(void)mm;
	return zbud_map(pool, handle);
}

static void zbud_zpool_unmap(void *pool, unsigned long handle)
{
	zbud_unmap(pool, handle);
}

static uint64_t zbud_zpool_total_pages(void *pool)
{
	return zbud_get_pool_pages(pool);
}

#ifdef ZPOOL_MODULE
/* The one symbol a zpool-zbud.so module exports. */
#define ZBUD_EXPORT	__attribute__((visibility("default")))
#else
#define ZBUD_EXPORT
#endif

ZBUD_EXPORT struct zpool_driver zbud_zpool_driver = {
	.type =		"zbud",
	.create =	zbud_zpool_create,
	.destroy =	zbud_zpool_destroy,
	.malloc_support_movable = false,
	.malloc =	zbud_zpool_malloc,
	.free =		zbud_zpool_free,
	.map =		zbud_zpool_map,
	.unmap =	zbud_zpool_unmap,
	.total_pages =	zbud_zpool_total_pages,
};

#ifdef ZPOOL_MODULE
/*
 * The module's own driver, bound inside the module: a program that has zbud
 * built in also exports a zbud_zpool_driver, which would otherwise take the
 * place of ours when the constructor refers to it by name.
 */
extern struct zpool_driver zbud_module_driver
	__attribute__((alias("zbud_zpool_driver"), visibility("hidden")));

static void __attribute__((constructor)) init_zbud(void)
{
	zpool_register_driver(&zbud_module_driver);
}

static void __attribute__((destructor)) exit_zbud(void)
{
	/* -EBUSY only at process exit with pools alive: nothing to undo. */
	(void)zpool_unregister_driver(&zbud_module_driver);
}
#endif /* ZPOOL_MODULE */
