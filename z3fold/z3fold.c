/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * z3fold.c - an allocator for compressed pages that stores up to three
 * objects in each page (design of mm/z3fold.c, Linux v6.1, re-done for
 * userspace).
 *
 * z3fold is zbud with a third object. It keeps zbud's main properties: a
 * page always holds a whole number of objects (never a piece of one), a
 * page goes back to the page source as soon as its last object is freed,
 * and density never falls below one object per page. What it adds is a
 * "middle" object between zbud's first and last, so that three objects of
 * a third of a page each, or a large object with two small ones, share a
 * page where zbud would need two or three.
 *
 * Geometry. A page is 2^NCHUNKS_ORDER = 64 chunks of CHUNK_SIZE = 64
 * bytes. Chunk 0 holds the page's header (struct z3fold_header), the other
 * NCHUNKS = 63 chunks hold objects, each a whole number of chunks. The
 * largest object is NCHUNKS * CHUNK_SIZE = 4032 bytes; it fills its page.
 *
 *   chunk 0    1                                                        64
 *   page  +0   +64          +64 * (1 + a)                    +4096 - 64 * c
 *   v          v            v                                v          v
 *   +----------+------------+-----------+--------------------+----------+
 *   |  header  | first      | middle    |     free run       |     last |
 *   |  1 chunk | a chunks   | b chunks  |  63 - a - b - c    | c chunks |
 *   +----------+------------+-----------+--------------------+----------+
 *    \_ list link, list index, three slots {start, chunks, indirect, mapped}
 *
 * Roles are positions. The header holds three slots, each describing one
 * object (its first chunk and its length); an object is the page's "first"
 * when it starts at chunk 1, its "last" when it ends at chunk 64, and a
 * "middle" otherwise. Which slot holds which object does not matter.
 *
 * Placement. An object goes into the tightest free run of its page that
 * fits it. Inside that run it is put against a page edge when the run
 * touches one (at chunk 1 if the run starts there, else right-aligned at
 * the page end: zbud's first and last), and otherwise right after the
 * object on the run's left (a middle, adjacent to the first). Each choice
 * leaves the rest of the run in one piece.
 *
 * In-page compaction. Freeing an object can split a page's free space in
 * two: free the first of first/middle/last and a gap opens on the left of
 * the middle, beside the run on its right. Each free therefore compacts
 * the page it freed from: when a page holding one or two objects has more
 * than one free run, every object not against an edge is moved (memmove)
 * to one: a lone object to chunk 1, the left one of two to chunk 1, the
 * right one of two to the page end.
 *
 *   free(first):  | hdr | ..free.. | middle | ....free.... |  last |
 *   compacted:    | hdr | middle | ........free.......... |  last |
 *
 * The free space is then one run again, as long as the page's free
 * chunks, and the moved objects sit at an edge where they will never have
 * to move again. Pages holding three objects are left alone: they take no
 * fourth object, and the next free in them compacts them. The kernel skips
 * moves that gain fewer than three chunks, to save the copy; here every
 * split is merged, since a copy of at most 4 KiB within a page costs less
 * than the chunks it would leave idle.
 *
 * Handles. Objects placed against an edge never move (compaction only ever
 * moves objects that are not), so their handle is simply their address,
 * as in zbud, and mapping it is a cast without a lock. An object placed in
 * the middle may move, so its handle names its slot instead; the low six
 * bits of an address are zero (objects are chunk-aligned), which tells
 * the two kinds apart:
 *
 *   direct handle: the object's address, chunk-aligned
 *   63                         12 11           6 5          0
 *   +----------------------------+--------------+------------+
 *   |   page address             | first chunk  |   000000   |
 *   +----------------------------+--------------+------------+
 *
 *   indirect handle: the page and a slot of its header
 *   +----------------------------+--------------+------------+
 *   |   page address             |   000000     |  slot + 1  |  (1..3)
 *   +----------------------------+--------------+------------+
 *        |                                             |
 *        v                                             v
 *   header: slot[0] {start, chunks}  slot[1] {...}  slot[2] {...}
 *
 * The header is found by masking either kind with PAGE_MASK. An indirect
 * handle is mapped under the pool lock: z3fold_map() counts the mapping in
 * the slot and reads the object's current start; compaction never moves an
 * object whose count is not zero. When it has to skip one, the page is
 * marked uncompacted and the unmap that drops the count to zero compacts
 * it. An object that was moved to an edge keeps its indirect handle.
 *
 * The kernel (v6.1) makes every handle point to a per-page "buddy slots"
 * structure allocated on the side, so that it can also move objects to
 * other pages. z3fold here keeps the slots in the header and does not move
 * objects across pages: no allocation besides pages, no memory the page
 * count does not show, and first and last objects mapped without a lock.
 * z3fold_compact() thus compacts every page in place and frees no page.
 *
 * Free lists. A page holding k = 1 or 2 objects is on unbuddied[k - 1][i],
 * where i is the length of its longest free run; a page holding three
 * objects, or whose free runs are all empty, is on the "full" list, which
 * reuses unbuddied[0][0]. z3fold_alloc() of an object of n chunks finds,
 * for each k, the first non-empty list among unbuddied[k - 1][n],
 * unbuddied[k - 1][n + 1], ... (best fit by longest run), and takes the
 * first page of the better of the two (the page that joined its list last
 * among equals). If none fits, it takes a new page and places the object
 * first. Of the two candidates, the page holding one object wins unless
 * the other leaves at least BUDDIED_PENALTY + 1 fewer chunks free: what a
 * page holding two objects has left after a third is lost until a free,
 * whereas a page holding one object can still take a third object.
 *
 * Invariants (under the pool lock): every page in the pool holds one to
 * three objects, which do not overlap and lie within chunks 1..63; a page
 * is on the full list if it holds three objects or has no free chunk,
 * else on unbuddied[objects - 1][longest free run]; a page with one or
 * two objects has a single free run unless page->uncompacted is set, and
 * then every object that compaction would move is a mapped middle; an
 * object with a direct handle is against an edge.
 *
 * Differences from the kernel: no write-back (LRU, eviction, reclaim), no
 * page migration, no headless pages (a header is always present, hence
 * the 4032-byte limit), no per-page locks and no work queue (compaction
 * runs inline, in z3fold_free() and z3fold_unmap()).
 *
 * Locking: the pool lock is the only lock taken here. It protects the
 * lists, the pool's counters and every page header, and it is held while
 * compaction moves an object. It is never held while calling into the
 * page source (which has its own leaf lock): z3fold_alloc() drops it
 * around the page allocation and z3fold_free() gives a page back after
 * dropping it.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "z3fold/z3fold.h"
#include "zpool/kcompat.h"
#include "zpool/page.h"
#include "zpool/zpool.h"

/*****************
 * Structures
 *****************/

/*
 * NCHUNKS_ORDER determines the internal allocation granularity, effectively
 * adjusting internal fragmentation. It also determines the number of free
 * lists. Raising it gives finer chunks: less space lost to rounding each
 * object up, but more lists and a header that must still fit in one
 * chunk. With 6, every page is 64 chunks of 64 bytes and an object wastes
 * 32 bytes on average.
 */
#define NCHUNKS_ORDER	6

#define CHUNK_SHIFT	(PAGE_SHIFT - NCHUNKS_ORDER)
#define CHUNK_SIZE	(1ul << CHUNK_SHIFT)
#define TOTAL_CHUNKS	(PAGE_SIZE >> CHUNK_SHIFT)
#define ZHDR_SIZE_ALIGNED CHUNK_SIZE
#define ZHDR_CHUNKS	(ZHDR_SIZE_ALIGNED >> CHUNK_SHIFT)
#define NCHUNKS		(TOTAL_CHUNKS - ZHDR_CHUNKS)
#define Z3FOLD_MAX_SIZE	(NCHUNKS << CHUNK_SHIFT)

/* Objects a page holds at most: first, middle, last. */
#define BUDDY_SLOTS	3

/*
 * BUDDIED_PENALTY tilts best fit towards pages holding one object: a page
 * holding two is chosen only if it leaves more than BUDDIED_PENALTY chunks
 * fewer free than the best page holding one. 0 is plain best fit. On
 * churn (free a random object, allocate the next size) over wide size
 * ranges, plain best fit ends with 0.5 to 0.8 % more pages than zbud,
 * because small objects go to the leftovers of two-object pages and leave
 * the one-object pages without partners; 1 brings z3fold level with zbud
 * there (within 0.1 % on average over seeds) and costs little where small
 * objects abound. Allocation alone never needs more pages than zbud with
 * any value.
 */
#define BUDDIED_PENALTY	1

/* The low bits of a handle: zero for a direct one, slot + 1 otherwise. */
#define HANDLE_SLOT_MASK (CHUNK_SIZE - 1)

/**
 * struct z3fold_slot - one object of a page
 * @start:	its first chunk (ZHDR_CHUNKS .. TOTAL_CHUNKS - 1)
 * @chunks:	its length in chunks; 0 if the slot is unused
 * @indirect:	its handle names this slot (the object may move)
 * @mapped:	mappings of an indirect object in progress
 */
struct z3fold_slot {
	uint8_t start;			/* protected by pool->lock */
	uint8_t chunks;			/* protected by pool->lock */
	bool indirect;			/* protected by pool->lock */
	unsigned int mapped;		/* protected by pool->lock */
};

/**
 * struct z3fold_header - page metadata, in the first chunk of each page
 * @buddy:	links the page into unbuddied[@list_objs][@list_run]
 * @slot:	the page's objects, in no particular order
 * @list_objs:	the list the page is on: objects - 1 (0 also for full)
 * @list_run:	the list the page is on: longest free run (0: full)
 * @nr_objs:	objects in the page (1..3 while in the pool)
 * @uncompacted: the free space is split and a mapped object keeps
 *		compaction from merging it
 */
struct z3fold_header {
	/* every field protected by pool->lock */
	struct list_head buddy;
	struct z3fold_slot slot[BUDDY_SLOTS];
	uint8_t list_objs;
	uint8_t list_run;
	uint8_t nr_objs;
	bool uncompacted;
};

/**
 * struct z3fold_pool - stores metadata for each z3fold pool
 * @lock:	protects all pool fields, every page header of the pool and
 *		the moves of objects inside pages
 * @unbuddied:	pages holding one ([0]) or two ([1]) objects, by their
 *		longest free run in chunks (1 .. NCHUNKS - 1)
 * @full:	pages holding three objects or no free chunk; it reuses
 *		unbuddied[0][0]
 * @unbuddied_mask: bit i of [k] set iff unbuddied[k][i] is not empty
 *		(i >= 1)
 * @pages_nr:	pages in the pool; written under @lock, read without it
 * @objects:	live objects
 * @pages_by_objects: pages holding 1, 2, 3 objects (index 0, 1, 2)
 * @moves:	objects moved by in-page compaction
 * @uncompacted: pages whose header has @uncompacted set
 */
struct z3fold_pool {
	spinlock_t lock;
	union {
		struct list_head full;		/* protected by lock */
		struct list_head unbuddied[BUDDY_SLOTS - 1][NCHUNKS];
						/* protected by lock */
	};
	uint64_t unbuddied_mask[BUDDY_SLOTS - 1];	/* protected by lock */
	uint64_t pages_nr;			/* protected by lock */
	uint64_t objects;			/* protected by lock */
	uint64_t pages_by_objects[BUDDY_SLOTS];	/* protected by lock */
	uint64_t moves;				/* protected by lock */
	uint64_t uncompacted;			/* protected by lock */
};

BUILD_BUG_ON(sizeof(struct z3fold_header) > ZHDR_SIZE_ALIGNED);
BUILD_BUG_ON(TOTAL_CHUNKS != 64);
BUILD_BUG_ON(NCHUNKS != 63);
BUILD_BUG_ON(NCHUNKS > 64);		/* unbuddied_mask */
BUILD_BUG_ON(BUDDIED_PENALTY >= NCHUNKS);
BUILD_BUG_ON(TOTAL_CHUNKS > UINT8_MAX);	/* slot start and chunks */
BUILD_BUG_ON(BUDDY_SLOTS >= HANDLE_SLOT_MASK);
BUILD_BUG_ON(Z3FOLD_MAX_SIZE != 4032);

/*
 * The free runs of a page, found from its slots: the objects sorted by
 * start, and the gap before each of them and after the last one.
 */
struct layout {
	unsigned int n;				/* objects */
	struct z3fold_slot *obj[BUDDY_SLOTS];	/* by start */
	unsigned int gap[BUDDY_SLOTS + 1];	/* gap[i] before obj[i] */
	unsigned int gap_start[BUDDY_SLOTS + 1];
};

/*****************
 * Helpers
 *****************/

/* Converts an allocation size in bytes to size in z3fold chunks. */
static unsigned int size_to_chunks(size_t size)
{
	return (unsigned int)((size + CHUNK_SIZE - 1) >> CHUNK_SHIFT);
}

/* Initializes the header of a newly allocated page. */
static struct z3fold_header *init_z3fold_page(void *page)
{
	struct z3fold_header *zhdr = page;

	memset(zhdr, 0, sizeof(*zhdr));
	INIT_LIST_HEAD(&zhdr->buddy);
	return zhdr;
}

/* Returns the page where a given handle is stored. */
static struct z3fold_header *handle_to_z3fold_header(unsigned long handle)
{
	return (struct z3fold_header *)(handle & PAGE_MASK);
}

static bool handle_is_direct(unsigned long handle)
{
	return !(handle & HANDLE_SLOT_MASK);
}

/* Address of an object. Caller must hold the pool lock (slot->start). */
static void *slot_address(struct z3fold_header *zhdr,
			  const struct z3fold_slot *slot)
{
	return (char *)zhdr + ((unsigned long)slot->start << CHUNK_SHIFT);
}

/* Encodes the handle of the object in @slot. Caller must hold the lock. */
static unsigned long encode_handle(struct z3fold_header *zhdr,
				   const struct z3fold_slot *slot)
{
	if (!slot->indirect)
		return (unsigned long)slot_address(zhdr, slot);
	return (unsigned long)zhdr + (unsigned long)(slot - zhdr->slot) + 1;
}

/*
 * The slot a handle names: the slot number of an indirect handle, the slot
 * starting at the handle's address for a direct one. Caller must hold the
 * pool lock.
 */
static struct z3fold_slot *handle_to_slot(struct z3fold_header *zhdr,
					  unsigned long handle)
{
	unsigned long low = handle & ~PAGE_MASK;
	unsigned int i;

	if (!handle_is_direct(handle)) {
		assert(low >= 1 && low <= BUDDY_SLOTS);
		assert(zhdr->slot[low - 1].chunks &&
		       zhdr->slot[low - 1].indirect);
		return &zhdr->slot[low - 1];
	}
	for (i = 0; i < BUDDY_SLOTS; i++)
		if (zhdr->slot[i].chunks && !zhdr->slot[i].indirect &&
		    zhdr->slot[i].start == low >> CHUNK_SHIFT)
			return &zhdr->slot[i];
	assert(!"z3fold: no object at this handle");
	return NULL;
}

/* Finds the objects and free runs of a page. Caller must hold the lock. */
static void get_layout(struct z3fold_header *zhdr, struct layout *lay)
{
	unsigned int i, j, at;

	lay->n = 0;
	for (i = 0; i < BUDDY_SLOTS; i++) {
		struct z3fold_slot *s = &zhdr->slot[i];

		if (!s->chunks)
			continue;
		/* insertion sort by start: three elements at most */
		for (j = lay->n; j > 0 && lay->obj[j - 1]->start > s->start;
		     j--)
			lay->obj[j] = lay->obj[j - 1];
		lay->obj[j] = s;
		lay->n++;
	}
	at = ZHDR_CHUNKS;
	for (i = 0; i < lay->n; i++) {
		assert(lay->obj[i]->start >= at);
		lay->gap_start[i] = at;
		lay->gap[i] = lay->obj[i]->start - at;
		at = lay->obj[i]->start + lay->obj[i]->chunks;
	}
	assert(at <= TOTAL_CHUNKS);
	lay->gap_start[lay->n] = at;
	lay->gap[lay->n] = TOTAL_CHUNKS - at;
}

/* The longest free run of a page. Caller must hold the lock. */
static unsigned int longest_run(const struct layout *lay)
{
	unsigned int i, best = 0;

	for (i = 0; i <= lay->n; i++)
		if (lay->gap[i] > best)
			best = lay->gap[i];
	return best;
}

/* Free runs that are not empty. */
static unsigned int nr_runs(const struct layout *lay)
{
	unsigned int i, runs = 0;

	for (i = 0; i <= lay->n; i++)
		runs += lay->gap[i] != 0;
	return runs;
}

/*
 * Puts a page on the list its contents call for: the full list, or
 * unbuddied[objects - 1][longest run]. Caller must hold the pool lock.
 */
static void add_page_locked(struct z3fold_pool *pool,
			    struct z3fold_header *zhdr)
{
	unsigned int k = 0, run = 0;
	struct layout lay;

	assert(zhdr->nr_objs >= 1 && zhdr->nr_objs <= BUDDY_SLOTS);
	if (zhdr->nr_objs < BUDDY_SLOTS) {
		get_layout(zhdr, &lay);
		run = longest_run(&lay);
		if (run)
			k = zhdr->nr_objs - 1u;
	}
	assert(run < NCHUNKS);
	zhdr->list_objs = (uint8_t)k;
	zhdr->list_run = (uint8_t)run;
	list_add(&zhdr->buddy, &pool->unbuddied[k][run]);
	if (run)
		pool->unbuddied_mask[k] |= 1ull << run;
}

/* Takes a page off its list, before it changes. Caller holds the lock. */
static void del_page_locked(struct z3fold_pool *pool,
			    struct z3fold_header *zhdr)
{
	unsigned int k = zhdr->list_objs, run = zhdr->list_run;

	list_del(&zhdr->buddy);
	if (run && list_empty(&pool->unbuddied[k][run]))
		pool->unbuddied_mask[k] &= ~(1ull << run);
}

/* The first non-empty list of unbuddied[k] from @chunks up, or NCHUNKS. */
static unsigned int first_fit_run(const struct z3fold_pool *pool,
				  unsigned int k, unsigned int chunks)
{
	uint64_t fits = pool->unbuddied_mask[k] & (~0ull << chunks);

	return fits ? (unsigned int)__builtin_ctzll(fits) : NCHUNKS;
}

/*
 * The best fit for an object of @chunks chunks: the first page of the
 * tightest list of pages holding one object, unless the tightest list of
 * pages holding two is tighter by more than BUDDIED_PENALTY chunks. Caller
 * must hold the pool lock. Return: the page, or NULL when none fits.
 */
static struct z3fold_header *best_fit_locked(struct z3fold_pool *pool,
					     unsigned int chunks)
{
	unsigned int one = first_fit_run(pool, 0, chunks);
	unsigned int two = first_fit_run(pool, 1, chunks);
	struct list_head *list;

	if (one < NCHUNKS && (two == NCHUNKS || one <= two + BUDDIED_PENALTY))
		list = &pool->unbuddied[0][one];
	else if (two < NCHUNKS)
		list = &pool->unbuddied[1][two];
	else
		return NULL;
	return list_first_entry(list, struct z3fold_header, buddy);
}

/* pages_nr is read without the lock: store it atomically. */
static void pages_nr_add_locked(struct z3fold_pool *pool, int delta)
{
	__atomic_store_n(&pool->pages_nr, pool->pages_nr + (uint64_t)delta,
			 __ATOMIC_RELAXED);
}

static void set_uncompacted_locked(struct z3fold_pool *pool,
				   struct z3fold_header *zhdr, bool on)
{
	if (zhdr->uncompacted == on)
		return;
	zhdr->uncompacted = on;
	if (on)
		pool->uncompacted++;
	else
		pool->uncompacted--;
}

/*
 * Places an object of @chunks chunks in a page that has room for it, in
 * an unused slot: into the tightest free run that fits (the leftmost among
 * equals), against a page edge if the run touches one, else right after
 * the object on the run's left. Caller must hold the pool lock and have
 * taken the page off its list. Return: the slot.
 */
static struct z3fold_slot *place_locked(struct z3fold_pool *pool,
					struct z3fold_header *zhdr,
					unsigned int chunks)
{
	struct z3fold_slot *slot = NULL;
	unsigned int i, best = BUDDY_SLOTS + 1, s, e;
	struct layout lay;

	get_layout(zhdr, &lay);
	assert(lay.n < BUDDY_SLOTS);
	for (i = 0; i <= lay.n; i++)
		if (lay.gap[i] >= chunks &&
		    (best > BUDDY_SLOTS || lay.gap[i] < lay.gap[best]))
			best = i;
	assert(best <= BUDDY_SLOTS);
	for (i = 0; i < BUDDY_SLOTS && !slot; i++)
		if (!zhdr->slot[i].chunks)
			slot = &zhdr->slot[i];
	assert(slot);

	s = lay.gap_start[best];
	e = s + lay.gap[best];
	if (s == ZHDR_CHUNKS) {
		/* a first: at chunk 1 */
		slot->start = (uint8_t)s;
		slot->indirect = false;
	} else if (e == TOTAL_CHUNKS) {
		/* a last: right-aligned at the page end */
		slot->start = (uint8_t)(e - chunks);
		slot->indirect = false;
	} else {
		/* a middle: right after its left neighbour */
		slot->start = (uint8_t)s;
		slot->indirect = true;
	}
	slot->chunks = (uint8_t)chunks;
	slot->mapped = 0;

	if (zhdr->nr_objs)
		pool->pages_by_objects[zhdr->nr_objs - 1]--;
	zhdr->nr_objs++;
	pool->pages_by_objects[zhdr->nr_objs - 1]++;
	pool->objects++;
	if (zhdr->uncompacted) {
		/* a page split by a mapped object: still split? */
		get_layout(zhdr, &lay);
		set_uncompacted_locked(pool, zhdr, lay.n < BUDDY_SLOTS &&
						   nr_runs(&lay) > 1);
	}
	return slot;
}

/* Moves an object to start at chunk @to. Caller must hold the lock. */
static void move_object_locked(struct z3fold_pool *pool,
			       struct z3fold_header *zhdr,
			       struct z3fold_slot *slot, unsigned int to)
{
	char *page = (char *)zhdr;

	assert(slot->indirect && !slot->mapped);
	memmove(page + ((unsigned long)to << CHUNK_SHIFT),
		page + ((unsigned long)slot->start << CHUNK_SHIFT),
		(unsigned long)slot->chunks << CHUNK_SHIFT);
	slot->start = (uint8_t)to;
	pool->moves++;
}

/*
 * In-page compaction: if a page holding one or two objects has more than
 * one free run, move each object that is not against an edge to an edge
 * (the left one of two, or a lone object, to chunk 1; the right one of two
 * to the page end). Mapped objects stay where they are;
 * the page is then marked uncompacted. The page's list is not touched:
 * caller must hold the pool lock and put the page on its new list when
 * objects moved. Return: the number of objects moved.
 */
static unsigned int compact_page_locked(struct z3fold_pool *pool,
					struct z3fold_header *zhdr)
{
	struct z3fold_slot *left, *right;
	unsigned int moved = 0;
	struct layout lay;

	get_layout(zhdr, &lay);
	if (lay.n == BUDDY_SLOTS || nr_runs(&lay) <= 1) {
		set_uncompacted_locked(pool, zhdr, false);
		return 0;
	}
	assert(lay.n >= 1);
	left = lay.obj[0];
	right = lay.n == 2 ? lay.obj[1] : NULL;

	if (lay.gap[0] && !left->mapped) {
		move_object_locked(pool, zhdr, left, ZHDR_CHUNKS);
		moved++;
	}
	if (right && lay.gap[2] && !right->mapped) {
		move_object_locked(pool, zhdr, right,
				   TOTAL_CHUNKS - right->chunks);
		moved++;
	}
	if (moved)
		get_layout(zhdr, &lay);
	set_uncompacted_locked(pool, zhdr, nr_runs(&lay) > 1);
	return moved;
}

/*****************
 * API
 *****************/

/**
 * z3fold_create_pool() - create a new z3fold pool
 * @gfp: gfp flags when allocating the pool structure (unused)
 *
 * Return: the new pool, empty, or NULL if the pool structure could not be
 * allocated.
 */
struct z3fold_pool *z3fold_create_pool(gfp_t gfp)
{
	struct z3fold_pool *pool;
	unsigned int i, k;

	(void)gfp;
	pool = calloc(1, sizeof(*pool));
	if (!pool)
		return NULL;
	spin_lock_init(&pool->lock);
	/* unbuddied[0][0] is the full list */
	for (k = 0; k < BUDDY_SLOTS - 1; k++)
		for (i = 0; i < NCHUNKS; i++)
			INIT_LIST_HEAD(&pool->unbuddied[k][i]);
	return pool;
}

/**
 * z3fold_destroy_pool() - destroy an existing z3fold pool
 * @pool: the pool to be destroyed; NULL is ignored
 *
 * Every handle should have been freed. Pages still holding objects are
 * given back to the page source all the same, and their handles become
 * invalid. No other thread may use the pool any more. Can't fail.
 */
void z3fold_destroy_pool(struct z3fold_pool *pool)
{
	struct z3fold_header *zhdr, *next;
	unsigned int i, k;

	if (!pool)
		return;
	/* unbuddied[0][0] is the full list */
	for (k = 0; k < BUDDY_SLOTS - 1; k++)
		for (i = 0; i < NCHUNKS; i++)
			list_for_each_entry_safe(zhdr, next,
						 &pool->unbuddied[k][i], buddy)
				zpool_page_free(zhdr);
	spin_lock_destroy(&pool->lock);
	free(pool);
}

/**
 * z3fold_alloc() - allocates a region of a given size
 * @pool:	z3fold pool from which to allocate
 * @size:	size in bytes of the desired allocation
 * @gfp:	gfp flags used if the pool needs to grow
 * @handle:	handle of the new allocation
 *
 * Looks for the page whose longest free run fits the object most tightly
 * (best fit) among the pages holding one or two objects, and places the
 * object in it. If no page fits, a new page is allocated, with the pool
 * lock dropped, and the object becomes its first.
 *
 * Return: 0 on success and *handle is set; -EINVAL if @size is 0 or @gfp
 * has ZPOOL_GFP_HIGHMEM; -ENOSPC if @size is larger than 4032 bytes (a
 * page less its header); -ENOMEM if the pool was unable to allocate a new
 * page. On error nothing is modified.
 */
int z3fold_alloc(struct z3fold_pool *pool, size_t size, gfp_t gfp,
		 unsigned long *handle)
{
	struct z3fold_header *zhdr;
	struct z3fold_slot *slot;
	unsigned int chunks;
	void *page;

	if (!size || (gfp & ZPOOL_GFP_HIGHMEM))
		return -EINVAL;
	if (size > Z3FOLD_MAX_SIZE)
		return -ENOSPC;
	chunks = size_to_chunks(size);

	spin_lock(&pool->lock);
	zhdr = best_fit_locked(pool, chunks);
	if (zhdr) {
		del_page_locked(pool, zhdr);
		goto found;
	}

	/* No page fits: create a new one, without the lock. */
	spin_unlock(&pool->lock);
	page = zpool_page_alloc();
	if (!page)
		return -ENOMEM;
	zhdr = init_z3fold_page(page);
	spin_lock(&pool->lock);
	pages_nr_add_locked(pool, 1);

found:
	slot = place_locked(pool, zhdr, chunks);
	add_page_locked(pool, zhdr);
	*handle = encode_handle(zhdr, slot);
	spin_unlock(&pool->lock);
	return 0;
}

/**
 * z3fold_free() - frees the allocation associated with the given handle
 * @pool:	pool in which the allocation resided
 * @handle:	handle returned by z3fold_alloc() for the allocation; it
 *		must not be mapped
 *
 * If the page holding the object becomes empty, it is given back to the
 * page source (after the pool lock is dropped). Otherwise the page is
 * compacted, which may move its middle object (handles stay valid), and
 * put on the list matching its new longest free run. Can't fail.
 */
void z3fold_free(struct z3fold_pool *pool, unsigned long handle)
{
	struct z3fold_header *zhdr = handle_to_z3fold_header(handle);
	struct z3fold_slot *slot;

	spin_lock(&pool->lock);
	slot = handle_to_slot(zhdr, handle);
	assert(!slot->mapped);
	del_page_locked(pool, zhdr);
	slot->chunks = 0;
	slot->indirect = false;
	pool->objects--;
	pool->pages_by_objects[zhdr->nr_objs - 1]--;
	zhdr->nr_objs--;

	if (zhdr->nr_objs == 0) {
		/* the page is empty: give it back */
		set_uncompacted_locked(pool, zhdr, false);
		pages_nr_add_locked(pool, -1);
		spin_unlock(&pool->lock);
		zpool_page_free(zhdr);
		return;
	}
	pool->pages_by_objects[zhdr->nr_objs - 1]++;
	compact_page_locked(pool, zhdr);
	add_page_locked(pool, zhdr);
	spin_unlock(&pool->lock);
}

/**
 * z3fold_map() - maps the allocation associated with the given handle
 * @pool:	pool in which the allocation resides
 * @handle:	handle associated with the allocation to be mapped
 *
 * A direct handle (an object against a page edge) is the object's address:
 * this is a cast, without the lock. An indirect handle (a middle object)
 * is looked up under the pool lock, and the object will not move until
 * the matching z3fold_unmap(). Can't fail.
 *
 * Return: the object's address, valid until z3fold_unmap().
 */
void *z3fold_map(struct z3fold_pool *pool, unsigned long handle)
{
	struct z3fold_header *zhdr;
	struct z3fold_slot *slot;
	void *addr;

	if (handle_is_direct(handle))
		return (void *)handle;
	zhdr = handle_to_z3fold_header(handle);
	spin_lock(&pool->lock);
	slot = handle_to_slot(zhdr, handle);
	slot->mapped++;
	assert(slot->mapped);	/* no wrap-around */
	addr = slot_address(zhdr, slot);
	spin_unlock(&pool->lock);
	return addr;
}

/**
 * z3fold_unmap() - unmaps the allocation associated with the given handle
 * @pool:	pool in which the allocation resides
 * @handle:	handle associated with the allocation to be unmapped
 *
 * Nothing to do for a direct handle. For an indirect one, the last unmap
 * of the object compacts its page if compaction had to skip the object
 * while it was mapped. Can't fail.
 */
void z3fold_unmap(struct z3fold_pool *pool, unsigned long handle)
{
	struct z3fold_header *zhdr;
	struct z3fold_slot *slot;

	if (handle_is_direct(handle))
		return;
	zhdr = handle_to_z3fold_header(handle);
	spin_lock(&pool->lock);
	slot = handle_to_slot(zhdr, handle);
	assert(slot->mapped);
	slot->mapped--;
	if (!slot->mapped && zhdr->uncompacted &&
	    compact_page_locked(pool, zhdr)) {
		/* its longest run grew: move it to its new list */
		del_page_locked(pool, zhdr);
		add_page_locked(pool, zhdr);
	}
	spin_unlock(&pool->lock);
}

/**
 * z3fold_get_pool_pages() - gets the number of pages in the pool
 * @pool:	pool whose size is being queried
 *
 * The pool lock need not be taken: the count is read atomically and may be
 * stale by the time it is used. Can't fail.
 *
 * Return: number of pages in the pool.
 */
uint64_t z3fold_get_pool_pages(struct z3fold_pool *pool)
{
	return __atomic_load_n(&pool->pages_nr, __ATOMIC_RELAXED);
}

/**
 * z3fold_compact() - compact every page of the pool in place
 * @pool:	the pool
 *
 * Retries in-page compaction on every page that needs it and puts the
 * pages that changed on their new lists. Every free and every last unmap
 * compacts its page already, so only pages whose split is held by a
 * mapped object need it; the pool counts them, and the walk of the lists
 * stops once all of them are seen (it is skipped when there are none).
 * Objects are never moved to another page, so no page is freed. Handles
 * stay valid. Can't fail.
 *
 * Return: the number of pages freed: always 0.
 */
unsigned long z3fold_compact(struct z3fold_pool *pool)
{
	struct list_head changed = LIST_HEAD_INIT(changed);
	struct z3fold_header *zhdr, *next;
	unsigned int i, k;
	uint64_t left;

	spin_lock(&pool->lock);
	left = pool->uncompacted;
	for (k = 0; k < BUDDY_SLOTS - 1 && left; k++) {
		for (i = 0; i < NCHUNKS && left; i++) {
			struct list_head *list = &pool->unbuddied[k][i];

			list_for_each_entry_safe(zhdr, next, list, buddy) {
				if (!zhdr->uncompacted)
					continue;
				left--;
				if (!compact_page_locked(pool, zhdr))
					continue;
				del_page_locked(pool, zhdr);
				list_add(&zhdr->buddy, &changed);
			}
		}
	}
	/* on their new lists only now, so that each page is seen once */
	list_for_each_entry_safe(zhdr, next, &changed, buddy) {
		list_del(&zhdr->buddy);
		add_page_locked(pool, zhdr);
	}
	spin_unlock(&pool->lock);
	return 0;
}

/**
 * z3fold_get_stats() - a snapshot of the pool's figures
 * @pool:	the pool
 * @stats:	filled in
 *
 * Takes the pool lock, so the figures agree with each other. Can't fail.
 */
void z3fold_get_stats(struct z3fold_pool *pool, struct z3fold_stats *stats)
{
	unsigned int i;

	spin_lock(&pool->lock);
	stats->pages = pool->pages_nr;
	stats->objects = pool->objects;
	for (i = 0; i < BUDDY_SLOTS; i++)
		stats->pages_by_objects[i] = pool->pages_by_objects[i];
	stats->moves = pool->moves;
	stats->pages_uncompacted = pool->uncompacted;
	spin_unlock(&pool->lock);
}

/*****************
 * zpool driver glue
 *****************/

static void *z3fold_zpool_create(const char *name, gfp_t gfp)
{
	(void)name;
	return z3fold_create_pool(gfp);
}

static void z3fold_zpool_destroy(void *pool)
{
	z3fold_destroy_pool(pool);
}

static int z3fold_zpool_malloc(void *pool, size_t size, gfp_t gfp,
			       unsigned long *handle)
{
	return z3fold_alloc(pool, size, gfp, handle);
}

static void z3fold_zpool_free(void *pool, unsigned long handle)
{
	z3fold_free(pool, handle);
}

static void *z3fold_zpool_map(void *pool, unsigned long handle,
			      enum zpool_mapmode mm)
{
	(void)mm;
	return z3fold_map(pool, handle);
}

static void z3fold_zpool_unmap(void *pool, unsigned long handle)
{
	z3fold_unmap(pool, handle);
}

static uint64_t z3fold_zpool_total_pages(void *pool)
{
	return z3fold_get_pool_pages(pool);
}

static unsigned long z3fold_zpool_compact(void *pool)
{
	return z3fold_compact(pool);
}

static void z3fold_zpool_stats(void *pool, zpool_stats_emit_t emit,
			       void *arg)
{
	struct z3fold_stats st;

	z3fold_get_stats(pool, &st);
	emit(arg, "objects", st.objects);
	emit(arg, "pages_1_object", st.pages_by_objects[0]);
	emit(arg, "pages_2_objects", st.pages_by_objects[1]);
	emit(arg, "pages_3_objects", st.pages_by_objects[2]);
	emit(arg, "moves", st.moves);
	emit(arg, "pages_uncompacted", st.pages_uncompacted);
}

#ifdef ZPOOL_MODULE
/* The one symbol a zpool-z3fold.so module exports. */
#define Z3FOLD_EXPORT	__attribute__((visibility("default")))
#else
#define Z3FOLD_EXPORT
#endif

Z3FOLD_EXPORT struct zpool_driver z3fold_zpool_driver = {
	.type =		"z3fold",
	.create =	z3fold_zpool_create,
	.destroy =	z3fold_zpool_destroy,
	.malloc_support_movable = false,
	.malloc =	z3fold_zpool_malloc,
	.free =		z3fold_zpool_free,
	.map =		z3fold_zpool_map,
	.unmap =	z3fold_zpool_unmap,
	.total_pages =	z3fold_zpool_total_pages,
	.compact =	z3fold_zpool_compact,
	.stats =	z3fold_zpool_stats,
};

#ifdef ZPOOL_MODULE
/*
 * The module's own driver, bound inside the module: a program that has
 * z3fold built in also exports a z3fold_zpool_driver, which would otherwise
 * take the place of ours when the constructor refers to it by name.
 */
extern struct zpool_driver z3fold_module_driver
	__attribute__((alias("z3fold_zpool_driver"), visibility("hidden")));

static void __attribute__((constructor)) init_z3fold(void)
{
	zpool_register_driver(&z3fold_module_driver);
}

static void __attribute__((destructor)) exit_z3fold(void)
{
	/* -EBUSY only at process exit with pools alive: nothing to undo. */
	(void)zpool_unregister_driver(&z3fold_module_driver);
}
#endif /* ZPOOL_MODULE */
