/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zsmalloc.c - a memory allocator for compressed objects (design of
 * mm/zsmalloc.c, Linux v6.1, with the zspage chain size of v6.3, re-done
 * for userspace).
 *
 * zsmalloc packs objects of any size from 1 to 4096 bytes densely: unlike
 * zbud, which never puts more than two objects in a page, it lets objects
 * of one size class follow each other across page boundaries, so that
 * little more than the rounding of each object up to its class is lost.
 * zram uses it for exactly that reason. The price is that an object may
 * span two pages which are not contiguous in memory, so users cannot keep
 * pointers: they hold handles and map them (the map copies a spanning
 * object into a per-thread buffer), and the allocator may move objects to
 * undo fragmentation (compaction) while the handles stay valid.
 *
 * Size classes. Objects are rounded up to a multiple of
 * ZS_SIZE_CLASS_DELTA = 16 bytes; the 256 classes hold slots of 16, 32,
 * ..., 4096 bytes. Each class stores its objects in zspages: chains of
 * 1 to ZS_MAX_PAGES_PER_ZSPAGE pages, seen as one array of equal slots
 * laid end to end. The chain length of a class is chosen once, to spend
 * the least memory per object (the end of a zspage that cannot hold a
 * whole slot, plus the zspage's descriptor, shared by its objects).
 * Neighbouring classes that end up with the same pages and slots per
 * zspage would use memory identically, so they are merged into the larger
 * one (the kernel's "can_merge"): fewer partly used zspages.
 *
 * A zspage of the 1904-byte class (14 pages, 30 slots); page k is any
 * page from the page source, usually not next to page k + 1 in memory:
 *
 *          page 0             page 1             page 2        page 13
 *   +------------------+------------------+-----------   ~  --------+---+
 *   | slot 0 | slot 1 | slot| slot 3 | slot 4 |sl...        | slot 29|///|
 *   +------------------+------------------+-----------   ~  --------+---+
 *                    slot 2 spans pages 0 and 1:       end waste /
 *                    map() copies it to a buffer       (224 bytes)
 *
 * Unlike the kernel, a zspage does not hold all of its pages all the
 * time. A page is taken from the page source when a slot on it is first
 * used, and given back as soon as no live object touches it, so a
 * zspage's pages[] has gaps (NULL) and a partly used zspage costs only
 * the pages its objects lie on. This bounds the memory of a pool by the
 * pages its live objects touch, whatever the chain length, and lets long
 * chains (little end waste) cost nothing in partly used zspages.
 *
 * Descriptors. The kernel keeps a zspage's metadata in struct page and
 * struct zspage; here each zspage has a descriptor of its own, malloc()ed
 * with everything sized for its class:
 *
 *   struct zspage        free[]           pages[]          handles[]
 *   +----------------+---------------+-----------------+-----------------+
 *   | lists, inuse,  | 1 bit a slot: | one pointer a   | one back pointer|
 *   | holes,         | set = free    | page, NULL when | a slot: the     |
 *   | nr_pages       |               | not held        | handle entry    |
 *   +----------------+---------------+-----------------+-----------------+
 *
 * Nothing is kept in the object pages themselves: a slot of 4096 bytes
 * fills its page exactly, and freeing an object never touches its page.
 * The back pointers let compaction find the handle of an object it moves.
 * A class keeps the descriptor of its last freed zspage for the next one
 * while it has other zspages.
 *
 * Handles. A handle is the address of an 8-byte entry in a handle page
 * (from the page source, 504 entries after a 64-byte header); the entry
 * holds the object's location, so the handle survives a move:
 *
 *   handle --> entry: | zspage descriptor / 16 (48 bits) | class | slot |
 *                     63                               16 15    8 7    0
 *
 * The class never changes for the life of a handle (objects move only
 * within their class), so map() and free() read it without a lock to know
 * which class lock to take, then read the location under that lock.
 * Handle pages belong to NR_HANDLE_SHARDS shards, each with its own lock,
 * picked per thread; each class keeps a magazine of up to MAG_SIZE free
 * entries, refilled from and returned to the shards in batches, so that
 * an allocation takes one lock (its class's) and threads working in
 * different classes do not meet on a pool-wide lock. An empty handle page
 * goes back at once.
 *
 * Holes and lists. A free slot lying wholly on pages the zspage holds is
 * a "hole": filling it costs no memory. Each zspage counts its holes. As
 * in the kernel, a class keeps its zspages on fullness lists; those with
 * holes are also on hole lists by the same groups:
 *
 *   lists[0..7]	non-full zspages, by inuse * 8 / objs_per_zspage
 *   lists[FULL]	zspages whose every slot is used
 *   hole_lists[0..7]	the zspages of lists[0..7] that have holes
 *
 * zs_malloc() fills the lowest hole of the fullest zspage having holes,
 * else the lowest free slot of the fullest zspage (taking the one or two
 * pages the slot lies on), else the first slot of a new zspage; so
 * zspages fill from the bottom, and sparse zspages, left alone, empty.
 * A zspage whose last object goes is freed (it holds no page by then).
 *
 * Compaction works on one class at a time, under its lock, in two phases.
 * First, as the kernel's: while the class's objects would fit in one
 * zspage fewer, the objects of its sparsest zspage move into the holes,
 * else the lowest free slots, of the fullest ones, and the emptied zspage
 * is freed. Then the top objects of the zspages having holes, sparsest
 * first, move into the holes of fuller zspages, or down into their own
 * lower holes, so that their top pages empty and go back. A move copies
 * the slot, points the handle entry at the new slot and frees the old
 * one; the pages a free slot needs are taken beforehand (struct
 * page_stock), the class lock being dropped meanwhile. zs_compact() runs
 * it on every class (zpool_compact() through the driver). zs_free() runs
 * a short round of it on its class when the class's excess (the bytes of
 * its pages holding no object, beyond the end waste of its zspages) has
 * grown by ZS_AUTO_COMPACT_PAGES pages since the class last compacted
 * completely (or last had less excess); the next free goes on when the
 * round was cut short.
 *
 * Mapping. zs_map_object() returns a pointer into the page when the slot
 * lies in one page (or in two that happen to be neighbours in memory),
 * else copies the slot into a per-thread buffer (unless mapping
 * write-only) and returns the buffer; zs_unmap_object() copies the buffer
 * back unless mapping read-only. The class lock is held from map to
 * unmap: the object cannot move (compaction takes the lock), and the map
 * costs one lock round trip. Other users of the same class wait for the
 * unmap, so mappings must be short, and a thread maps one object at a
 * time and calls nothing else of the pool meanwhile (the zpool rule).
 *
 * Memory accounting. zs_get_total_pages() counts the pages holding
 * objects, the handle pages and the descriptors' bytes (rounded up to
 * pages): everything the pool costs but its fixed pool and class
 * structures.
 *
 * Differences from the kernel: zspages hold only the pages their objects
 * touch (see above); up to 16 pages a zspage (the kernel's
 * CONFIG_ZSMALLOC_CHAIN_SIZE maximum; v6.1 used 4, which loses 5 % of
 * memory to the end of zspages for typical compressed pages, and with
 * partly held zspages a long chain costs nothing); the chain length also
 * weighs the descriptor; metadata lives in descriptors, not in struct page
 * or in the objects (no ZS_HANDLE_SIZE header in each object, no huge
 * class special case); compaction also empties pages, not only whole
 * zspages, and runs on its own; the class lock, not a zspage lock, keeps
 * a mapped object in place; no zspage migration by the page allocator
 * (there is none), no shrinker, no per-CPU mapping areas (per-thread
 * buffers instead). ZPOOL_GFP_HIGHMEM is accepted and ignored, as the
 * kernel's zsmalloc accepts highmem: every object is reached through
 * zs_map_object() anyway.
 *
 * Lock ordering: each class has a lock (class->lock) and each handle
 * shard has one (shard->lock); no function holds two of them at once.
 * Both are taken before the page source's lock (zpool/page.c), which is a
 * leaf; in fact neither is held while calling into the page source or
 * malloc()/free(): zs_malloc() drops the class lock to get pages, handle
 * entries and descriptors, and pages, entries and descriptors to give
 * back are collected and given back after the class lock is dropped. A
 * thread holding a mapping holds a class lock: it must not call into the
 * pool before unmapping.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zpool/kcompat.h"
#include "zpool/page.h"
#include "zpool/zpool.h"
#include "zsmalloc/zsmalloc.h"

/*****************
 * Structures
 *****************/

/*
 * ZS_SIZE_CLASS_DELTA - the step between size classes, in bytes.
 *
 * A smaller step loses less to rounding (an object wastes DELTA / 2 bytes
 * on average), but makes more classes, each with its own partly used
 * zspage. 16 bytes (the kernel's value for 4 KiB pages) costs 0.4 % on
 * 2 KiB objects. It must divide PAGE_SIZE and be a power of two.
 */
#define ZS_SIZE_CLASS_DELTA	16
#define ZS_MIN_ALLOC_SIZE	ZS_SIZE_CLASS_DELTA
#define ZS_SIZE_CLASSES \
	((ZS_MAX_ALLOC_SIZE - ZS_MIN_ALLOC_SIZE) / ZS_SIZE_CLASS_DELTA + 1)

/*
 * ZS_MAX_PAGES_PER_ZSPAGE - the longest zspage chain.
 *
 * Longer chains waste less at the end of each zspage (the part too short
 * for a slot) and share a descriptor among more objects: on the page
 * sizes of lz4-compressed kernel sources, a 4-page limit (the kernel's
 * before v6.3) loses 6.7 % to both, 8 pages 3.2 %, 16 pages 2.0 %. Since
 * a zspage holds only the pages its objects touch, a long chain costs
 * nothing more when it is partly used; what grows is the descriptor's
 * pages[] array and the number of slots (at most ZS_MAX_OBJS_PER_ZSPAGE,
 * which keeps a slot number in 8 bits).
 */
#ifndef ZS_MAX_PAGES_PER_ZSPAGE
#define ZS_MAX_PAGES_PER_ZSPAGE	16
#endif
#define ZS_MAX_OBJS_PER_ZSPAGE	256

/*
 * ZS_AUTO_COMPACT_PAGES - default automatic compaction threshold.
 *
 * zs_free() compacts a class when the class's excess (bytes of its pages
 * holding no object, beyond the unavoidable end of its zspages) has grown
 * by this many pages since the class was last compacted. Lower keeps the
 * pool closer to its live data (each busy class may carry up to this
 * much), higher moves objects less often. 0 turns automatic compaction
 * off. Under zpool-bench's churn (a random object freed, the next size of
 * the lz4 page sizes of linux-6.1 allocated) on a 31 MB pool, the pool
 * stays within 3.8, 4.3, 5.6 and 6.8 % of its objects' bytes for 1, 2, 4
 * and 8 pages, moving 0.77, 0.47, 0.31 and 0.19 objects per free; 16.4 %
 * without.
 */
#define ZS_AUTO_COMPACT_PAGES	2

/*
 * AUTO_COMPACT_MOVES, STOCK_PAGES - the work of one compaction round.
 *
 * A round moves at most AUTO_COMPACT_MOVES objects when started by
 * zs_free() (ZS_COMPACT_MOVES from zs_compact()), and fills slots on pages
 * a zspage does not hold from a stock of at most STOCK_PAGES pages taken
 * beforehand (the class lock is not held while calling the page source);
 * a round stopped by either limit is continued by the next free, or by
 * zs_compact()'s next round. Larger rounds finish sooner; smaller ones
 * hold the class lock for less time and take fewer pages in advance.
 */
#define AUTO_COMPACT_MOVES	16
#define AUTO_STOCK_PAGES	4
#define ZS_COMPACT_MOVES	1024
#define STOCK_PAGES		32

/*
 * NR_HANDLE_SHARDS - independent handle allocators per pool.
 *
 * Each shard has a lock and keeps its own partly used handle page, so
 * more shards let more threads allocate handles at once, for up to one
 * partly used page (4 KiB) per shard. Threads are spread over the shards
 * round-robin, once, when they first allocate.
 */
#define NR_HANDLE_SHARDS	4

/*
 * MAG_SIZE, MAG_BATCH - the handle magazine of a class.
 *
 * Each class keeps up to MAG_SIZE free handle entries, taken from and
 * given back to the shards MAG_BATCH at a time, so that allocating and
 * freeing an object takes the shard lock once in MAG_BATCH times. A
 * larger magazine saves more shard lock round trips, and keeps more
 * entries (8 bytes each) reserved per class; a class with no object left
 * gives its whole magazine back.
 */
#define MAG_SIZE		32
#define MAG_BATCH		16

/* Handle entry: the descriptor's address >> 4, the class, the slot. */
#define OBJ_SLOT_BITS		8
#define OBJ_CLASS_BITS		8
#define OBJ_ZSPAGE_SHIFT	(OBJ_SLOT_BITS + OBJ_CLASS_BITS)
#define OBJ_SLOT_MASK		((1ul << OBJ_SLOT_BITS) - 1)
#define OBJ_CLASS_MASK		((1ul << OBJ_CLASS_BITS) - 1)
#define ZSPAGE_ALIGN		16

/* Estimated bytes malloc() spends on each descriptor besides its size. */
#define MALLOC_OVERHEAD		16

/*
 * The fullness lists of a class, as the kernel's fullness groups: a
 * non-full zspage is on lists[inuse * NR_FULLNESS_GROUPS / objs_per_zspage],
 * a full one on lists[ZS_FULL]. Zspages with holes are also on the hole
 * list (see the file header).
 */
#define NR_FULLNESS_GROUPS	8
enum zs_list {
	ZS_FULL = NR_FULLNESS_GROUPS,
	NR_ZS_LISTS,
	ZS_UNLISTED = NR_ZS_LISTS,	/* new, or isolated by compaction */
};
#define FULLNESS_GROUPS_MASK	((1u << NR_FULLNESS_GROUPS) - 1)
#define GROUP_MULT_SHIFT	20

BUILD_BUG_ON(PAGE_SIZE % ZS_SIZE_CLASS_DELTA != 0);
BUILD_BUG_ON(ZS_SIZE_CLASS_DELTA & (ZS_SIZE_CLASS_DELTA - 1));
BUILD_BUG_ON(ZS_MAX_ALLOC_SIZE != PAGE_SIZE);
BUILD_BUG_ON(ZS_SIZE_CLASSES > (1 << OBJ_CLASS_BITS));
BUILD_BUG_ON(ZS_MAX_OBJS_PER_ZSPAGE > (1 << OBJ_SLOT_BITS));
BUILD_BUG_ON(ZS_MAX_PAGES_PER_ZSPAGE < 1 || ZS_MAX_PAGES_PER_ZSPAGE > 255);
BUILD_BUG_ON(sizeof(unsigned long) < 8);
BUILD_BUG_ON(_Alignof(max_align_t) < ZSPAGE_ALIGN);
BUILD_BUG_ON(AUTO_STOCK_PAGES > STOCK_PAGES || AUTO_STOCK_PAGES < 2);
BUILD_BUG_ON(MAG_BATCH > MAG_SIZE);

/**
 * struct zspage - the descriptor of a zspage (malloc()ed)
 * @list:	links it into its class's fullness list, or a compaction
 *		list while isolated
 * @hole_link:	links it into the hole list of its fullness group while
 *		it has holes (and is not isolated)
 * @inuse:	live objects
 * @holes:	free slots lying wholly on pages held
 * @nr_pages:	pages held (non-NULL entries of pages[])
 * @fullness:	the fullness list it is on (enum zs_list), or ZS_UNLISTED
 *
 * Followed by free[] (class->words words: bit set = slot free), pages[]
 * (class->pages_per_zspage pointers) and handles[] (class->objs_per_zspage
 * back pointers to handle entries, meaningful for used slots). All fields
 * are protected by the class lock.
 */
struct zspage {
	struct list_head list;		/* protected by class->lock */
	struct list_head hole_link;	/* protected by class->lock */
	uint16_t inuse;			/* protected by class->lock */
	uint16_t holes;			/* protected by class->lock */
	uint8_t nr_pages;		/* protected by class->lock */
	uint8_t fullness;		/* protected by class->lock */
};

/**
 * struct size_class - one size class (possibly serving merged sizes)
 * @lock:	protects the lists, the counters below, @spare, @mag, and
 *		every zspage of the class with the handle entries of its
 *		objects; held from zs_map_object() to zs_unmap_object()
 * @lists:	non-full zspages by fullness (used slots), then full ones;
 *		see enum zs_list
 * @hole_lists:	hole_lists[i]: the zspages of lists[i] having holes
 * @list_mask:	bit i set iff lists[i] is not empty
 * @hole_mask:	bit i set iff hole_lists[i] is not empty
 * @spare:	an empty descriptor kept for the next zspage while the class
 *		has zspages, or NULL (counted in the pool's meta_bytes)
 * @size:	slot size
 * @index:	index of @size among the classes (stored in handle entries)
 * @pages_per_zspage: pages a zspage spans
 * @objs_per_zspage: slots in a zspage
 * @words:	words of a zspage's free[] bitmap
 * @end_waste:	bytes at the end of a zspage's last page that no slot uses
 * @group_mult:	fullness_group()'s multiplier
 * @desc_size:	bytes of a zspage's descriptor
 * @page_first:	page_first[p]: first slot touching page p
 * @page_last:	page_last[p]: last slot touching page p
 * @objs:	live objects
 * @zspages:	zspages
 * @pages:	pages held by the zspages
 * @last_pages:	zspages holding their last page (and so its end waste)
 * @holes:	sum of the zspages' holes
 * @compact_mark: excess (see class_excess()) after the last complete
 *		compaction, lowered as allocations use it up
 * @compact_bytes: automatic compaction threshold in bytes (0: off)
 * @mag:	free handle entries kept for the class's next objects
 * @mag_nr:	entries in @mag
 *
 * The geometry fields (@size to @page_last) are set at creation and
 * read-only afterwards.
 */
struct size_class {
	spinlock_t lock;
	struct list_head lists[NR_ZS_LISTS];	/* protected by lock */
	struct list_head hole_lists[NR_FULLNESS_GROUPS]; /* protected by lock */
	unsigned int list_mask;			/* protected by lock */
	unsigned int hole_mask;			/* protected by lock */
	struct zspage *spare;			/* protected by lock */
	unsigned int size;
	unsigned int index;
	unsigned int pages_per_zspage;
	unsigned int objs_per_zspage;
	unsigned int words;
	unsigned int end_waste;
	unsigned int group_mult;
	size_t desc_size;
	uint16_t page_first[ZS_MAX_PAGES_PER_ZSPAGE];
	uint16_t page_last[ZS_MAX_PAGES_PER_ZSPAGE];
	uint64_t objs;				/* protected by lock */
	uint64_t zspages;			/* protected by lock */
	uint64_t pages;				/* protected by lock */
	uint64_t last_pages;			/* protected by lock */
	uint64_t holes;				/* protected by lock */
	int64_t compact_mark;			/* protected by lock */
	int64_t compact_bytes;			/* protected by lock */
	unsigned int mag_nr;			/* protected by lock */
	unsigned long *mag[MAG_SIZE];		/* protected by lock */
} __attribute__((aligned(64)));

/**
 * struct handle_page - header of a page of handle entries
 * @list:	on its shard's partial list (free entries left) or full list
 * @shard:	the shard owning the page
 * @free:	free entries given back, linked through their first word
 * @unused:	entries from this index on were never handed out
 * @inuse:	entries handed out
 *
 * All fields but @shard are protected by the shard's lock.
 */
struct handle_page {
	struct list_head list;		/* protected by shard->lock */
	struct handle_shard *shard;
	unsigned long *free;		/* protected by shard->lock */
	unsigned int unused;		/* protected by shard->lock */
	unsigned int inuse;		/* protected by shard->lock */
};

#define HANDLE_PAGE_HDR		64
#define HANDLES_PER_PAGE \
	((PAGE_SIZE - HANDLE_PAGE_HDR) / sizeof(unsigned long))

BUILD_BUG_ON(sizeof(struct handle_page) > HANDLE_PAGE_HDR);

/**
 * struct handle_shard - one handle allocator of a pool
 * @lock:	protects both lists and the pages on them
 * @partial:	handle pages with free entries
 * @full:	handle pages without
 */
struct handle_shard {
	spinlock_t lock;
	struct list_head partial;	/* protected by lock */
	struct list_head full;		/* protected by lock */
} __attribute__((aligned(64)));

/**
 * struct zs_pool - a zsmalloc pool
 * @size_class:	class of each rounded size; merged sizes share a class
 * @shards:	the handle allocators
 * @pages_nr:	pages held: zspage pages and handle pages
 * @handle_pages: handle pages
 * @meta_bytes:	bytes of the zspage descriptors
 * @pages_compacted: pages freed by compaction
 * @objs_moved:	objects moved by compaction
 * @auto_compactions: compaction runs started by zs_free()
 *
 * The counters are atomics, written under whichever lock the change
 * happens under and read without one; @size_class is read-only after
 * creation.
 */
struct zs_pool {
	struct size_class *size_class[ZS_SIZE_CLASSES];
	struct handle_shard shards[NR_HANDLE_SHARDS];
	uint64_t pages_nr;		/* atomic */
	uint64_t handle_pages;		/* atomic */
	uint64_t meta_bytes;		/* atomic */
	uint64_t pages_compacted;	/* atomic */
	uint64_t objs_moved;		/* atomic */
	uint64_t auto_compactions;	/* atomic */
};

/**
 * struct zs_reclaim - pages and descriptors to give back once the class
 * lock is dropped
 * @pages:	pages, linked through their first word
 * @descs:	descriptors, linked through their list field
 */
struct zs_reclaim {
	void *pages;
	struct list_head descs;
};

/**
 * struct page_stock - pages taken before a compaction round takes the
 * class lock, for the slots it fills on pages a zspage does not hold
 * @pages:	the pages; the first @nr are available
 * @nr:		pages left
 */
struct page_stock {
	void *pages[STOCK_PAGES];
	unsigned int nr;
};

/**
 * struct mapping_area - a thread's buffer for objects spanning two pages
 * @buf:	the copy of the mapped slot
 * @mm:		the mode of the current mapping
 */
struct mapping_area {
	_Alignas(64) char buf[ZS_MAX_ALLOC_SIZE];
	enum zpool_mapmode mm;
};

static __thread struct mapping_area zs_map_area;

/* The thread's handle shard, plus one; 0 until it first allocates. */
static __thread unsigned int zs_thread_shard;
static unsigned int zs_next_shard;	/* atomic */

/*****************
 * Helpers
 *****************/

static void counter_add(uint64_t *c, int64_t delta)
{
	__atomic_fetch_add(c, (uint64_t)delta, __ATOMIC_RELAXED);
}

static uint64_t counter_get(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/* Index of the class serving objects of @size bytes (1 to 4096). */
static unsigned int get_size_class_index(size_t size)
{
	if (size <= ZS_MIN_ALLOC_SIZE)
		return 0;
	return (unsigned int)((size - ZS_MIN_ALLOC_SIZE +
			       ZS_SIZE_CLASS_DELTA - 1) / ZS_SIZE_CLASS_DELTA);
}

static unsigned int map_words(unsigned int objs)
{
	return (objs + 63) / 64;
}

/* Bytes of the descriptor of a zspage of @pages pages and @objs slots. */
static size_t desc_bytes(unsigned int pages, unsigned int objs)
{
	return sizeof(struct zspage) + map_words(objs) * sizeof(uint64_t) +
	       pages * sizeof(void *) + objs * sizeof(unsigned long *);
}

/*
 * The chain length of a class of @size-byte slots: the one spending the
 * least memory per object, pages and descriptor counted (the shortest
 * among equals).
 */
static void class_geometry(unsigned int size, unsigned int *pages,
			   unsigned int *objs)
{
	uint64_t best_cost = 0;
	unsigned int n, best_objs = 0;

	*pages = 0;
	for (n = 1; n <= ZS_MAX_PAGES_PER_ZSPAGE; n++) {
		unsigned int o = (unsigned int)(n * PAGE_SIZE / size);
		uint64_t cost;

		if (o > ZS_MAX_OBJS_PER_ZSPAGE)
			break;
		cost = n * PAGE_SIZE + desc_bytes(n, o) + MALLOC_OVERHEAD;
		/* cost / o < best_cost / best_objs */
		if (!*pages || cost * best_objs < best_cost * o) {
			*pages = n;
			best_cost = cost;
			best_objs = o;
		}
	}
	*objs = best_objs;
}

static uint64_t *zs_free_map(struct zspage *zs)
{
	return (uint64_t *)(zs + 1);
}

static void **zs_pages(const struct size_class *class, struct zspage *zs)
{
	return (void **)(zs_free_map(zs) + class->words);
}

static unsigned long **zs_handles(const struct size_class *class,
				  struct zspage *zs)
{
	return (unsigned long **)(zs_pages(class, zs) +
				  class->pages_per_zspage);
}

static unsigned long encode_loc(const struct size_class *class,
				struct zspage *zs, unsigned int slot)
{
	return ((uintptr_t)zs / ZSPAGE_ALIGN) << OBJ_ZSPAGE_SHIFT |
	       (unsigned long)class->index << OBJ_SLOT_BITS | slot;
}

static struct zspage *loc_zspage(unsigned long loc)
{
	return (struct zspage *)((loc >> OBJ_ZSPAGE_SHIFT) * ZSPAGE_ALIGN);
}

static unsigned int loc_class(unsigned long loc)
{
	return (unsigned int)((loc >> OBJ_SLOT_BITS) & OBJ_CLASS_MASK);
}

static unsigned int loc_slot(unsigned long loc)
{
	return (unsigned int)(loc & OBJ_SLOT_MASK);
}

static unsigned long read_entry(const unsigned long *entry)
{
	return __atomic_load_n(entry, __ATOMIC_RELAXED);
}

/* The class of a handle; its lock must be taken before the location. */
static struct size_class *handle_class(struct zs_pool *pool,
				       unsigned long handle)
{
	return pool->size_class[loc_class(read_entry((unsigned long *)handle))];
}

static bool slot_is_free(struct zspage *zs, unsigned int slot)
{
	return zs_free_map(zs)[slot / 64] & (1ull << (slot % 64));
}

static unsigned int slot_first_page(const struct size_class *class,
				    unsigned int slot)
{
	return (unsigned int)(((size_t)slot * class->size) >> PAGE_SHIFT);
}

static unsigned int slot_last_page(const struct size_class *class,
				   unsigned int slot)
{
	return (unsigned int)(((size_t)slot * class->size + class->size - 1) >>
			      PAGE_SHIFT);
}

/* Whether the zspage holds every page @slot lies on. Caller holds lock. */
static bool slot_present(const struct size_class *class, struct zspage *zs,
			 unsigned int slot)
{
	void **pages = zs_pages(class, zs);

	return pages[slot_first_page(class, slot)] &&
	       pages[slot_last_page(class, slot)];
}

/* Pages @slot lies on that the zspage does not hold (0 to 2). */
static unsigned int slot_missing_pages(const struct size_class *class,
				       struct zspage *zs, unsigned int slot)
{
	unsigned int first = slot_first_page(class, slot);
	unsigned int last = slot_last_page(class, slot);
	void **pages = zs_pages(class, zs);

	return !pages[first] + (last != first && !pages[last]);
}

/* Bits of the free map in word @w that fall within slots [lo, hi]. */
static uint64_t range_mask(unsigned int w, unsigned int lo, unsigned int hi)
{
	unsigned int first = w * 64, last = first + 63;
	uint64_t m = ~0ull;

	if (lo > first)
		m &= ~0ull << (lo - first);
	if (hi < last)
		m &= ~0ull >> (last - hi);
	return m;
}

/*
 * The first free slot in [lo, hi] (with @present: the first that is also
 * a hole), or -1. Caller must hold the class lock.
 */
static int find_free_slot(const struct size_class *class, struct zspage *zs,
			  unsigned int lo, unsigned int hi, bool present)
{
	uint64_t *map = zs_free_map(zs);
	unsigned int w;

	for (w = lo / 64; w <= hi / 64; w++) {
		uint64_t bits = map[w] & range_mask(w, lo, hi);

		while (bits) {
			unsigned int slot = w * 64 +
				(unsigned int)__builtin_ctzll(bits);

			if (!present || slot_present(class, zs, slot))
				return (int)slot;
			bits &= bits - 1;
		}
	}
	return -1;
}

/* The lowest hole of a zspage having holes. Caller holds the lock. */
static unsigned int first_hole(const struct size_class *class,
			       struct zspage *zs)
{
	int slot = find_free_slot(class, zs, 0, class->objs_per_zspage - 1,
				  true);

	assert(slot >= 0);
	return (unsigned int)slot;
}

/* The highest used slot below @below, or -1. Caller holds the lock. */
static int find_last_used(const struct size_class *class, struct zspage *zs,
			  unsigned int below)
{
	uint64_t *map = zs_free_map(zs);
	int w;

	if (!below)
		return -1;
	for (w = (int)((below - 1) / 64); w >= 0; w--) {
		/* bits past the last slot are clear: mask them off too */
		uint64_t bits = ~map[w] &
			range_mask((unsigned int)w, 0, below - 1) &
			range_mask((unsigned int)w, 0,
				   class->objs_per_zspage - 1);

		if (bits)
			return w * 64 + 63 - __builtin_clzll(bits);
	}
	return -1;
}

/* Whether any slot in [lo, hi] is used. Caller must hold the lock. */
static bool range_used(struct zspage *zs, unsigned int lo, unsigned int hi)
{
	uint64_t *map = zs_free_map(zs);
	unsigned int w;

	for (w = lo / 64; w <= hi / 64; w++)
		if (~map[w] & range_mask(w, lo, hi))
			return true;
	return false;
}

/* Free slots touching page @p that are holes. Caller holds the lock. */
static unsigned int count_holes_on(const struct size_class *class,
				   struct zspage *zs, unsigned int p)
{
	uint64_t *map = zs_free_map(zs);
	unsigned int lo = class->page_first[p], hi = class->page_last[p];
	unsigned int w, n = 0;

	for (w = lo / 64; w <= hi / 64; w++)
		n += (unsigned int)__builtin_popcountll(map[w] &
							range_mask(w, lo, hi));
	/* only the two end slots can reach into another page */
	if (n && slot_is_free(zs, lo) && !slot_present(class, zs, lo))
		n--;
	if (n && hi != lo && slot_is_free(zs, hi) &&
	    !slot_present(class, zs, hi))
		n--;
	return n;
}

static void holes_add_locked(struct size_class *class, struct zspage *zs,
			     int delta)
{
	zs->holes = (uint16_t)(zs->holes + delta);
	class->holes += (uint64_t)(int64_t)delta;
}

/*
 * Bytes of the class's pages that hold no live object, beyond the end
 * waste of the zspages holding their last page: what compaction could
 * win back at best. May be negative. Caller must hold the class lock.
 */
static int64_t class_excess(const struct size_class *class)
{
	return (int64_t)(class->pages * PAGE_SIZE) -
	       (int64_t)(class->objs * class->size) -
	       (int64_t)(class->last_pages * class->end_waste);
}

/* inuse * NR_FULLNESS_GROUPS / objs_per_zspage, for inuse < objs. */
static unsigned int fullness_group(const struct size_class *class,
				   unsigned int inuse)
{
	return (inuse * class->group_mult) >> GROUP_MULT_SHIFT;
}

static unsigned int list_of(const struct size_class *class,
			    const struct zspage *zs)
{
	if (zs->inuse == class->objs_per_zspage)
		return ZS_FULL;
	return fullness_group(class, zs->inuse);
}

/* Take a zspage off the hole list of its fullness group. */
static void hole_unlink_locked(struct size_class *class, struct zspage *zs)
{
	list_del_init(&zs->hole_link);
	if (list_empty(&class->hole_lists[zs->fullness]))
		class->hole_mask &= ~(1u << zs->fullness);
}

/*
 * Take a zspage off its lists (isolate it, or before freeing it). Caller
 * must hold the class lock.
 */
static void unlist_locked(struct size_class *class, struct zspage *zs)
{
	unsigned int old = zs->fullness;

	if (!list_empty(&zs->hole_link))
		hole_unlink_locked(class, zs);
	if (old == ZS_UNLISTED)
		return;
	list_del_init(&zs->list);
	if (list_empty(&class->lists[old]))
		class->list_mask &= ~(1u << old);
	zs->fullness = ZS_UNLISTED;
}

/*
 * Put a zspage on the fullness list its objects call for, and on the hole
 * list of that group iff it has holes. Caller must hold the class lock;
 * @zs is listed, new, or taken off a compaction list.
 */
static void fix_list_locked(struct size_class *class, struct zspage *zs)
{
	unsigned int new = list_of(class, zs);

	if (new != zs->fullness) {
		unlist_locked(class, zs);
		list_add(&zs->list, &class->lists[new]);
		class->list_mask |= 1u << new;
		zs->fullness = (uint8_t)new;
	}
	/* on a hole list, it is on the one of its group (see above) */
	if (zs->holes && list_empty(&zs->hole_link)) {
		assert(new < ZS_FULL);
		list_add(&zs->hole_link, &class->hole_lists[new]);
		class->hole_mask |= 1u << new;
	} else if (!zs->holes && !list_empty(&zs->hole_link)) {
		hole_unlink_locked(class, zs);
	}
}

/* The first zspage having holes of the fullest group, or NULL. */
static struct zspage *fullest_with_holes_locked(struct size_class *class)
{
	unsigned int mask = class->hole_mask;

	if (!mask)
		return NULL;
	return list_first_entry(&class->hole_lists[31 - __builtin_clz(mask)],
				struct zspage, hole_link);
}

/* The first zspage having holes of the emptiest group, or NULL. */
static struct zspage *sparsest_with_holes_locked(struct size_class *class)
{
	unsigned int mask = class->hole_mask;

	if (!mask)
		return NULL;
	return list_first_entry(&class->hole_lists[__builtin_ctz(mask)],
				struct zspage, hole_link);
}

/* The first zspage of the fullest non-full list, or NULL. */
static struct zspage *fullest_locked(struct size_class *class)
{
	unsigned int mask = class->list_mask & FULLNESS_GROUPS_MASK;

	if (!mask)
		return NULL;
	return list_first_entry(&class->lists[31 - __builtin_clz(mask)],
				struct zspage, list);
}

/* The first zspage of the emptiest non-full list, or NULL. */
static struct zspage *sparsest_locked(struct size_class *class)
{
	unsigned int mask = class->list_mask & FULLNESS_GROUPS_MASK;

	if (!mask)
		return NULL;
	return list_first_entry(&class->lists[__builtin_ctz(mask)],
				struct zspage, list);
}

static void reclaim_init(struct zs_reclaim *rec)
{
	rec->pages = NULL;
	INIT_LIST_HEAD(&rec->descs);
}

/* Give back what was collected under a class lock, now dropped. */
static void reclaim_run(struct zs_reclaim *rec)
{
	struct zspage *zs, *next;

	while (rec->pages) {
		void *page = rec->pages;

		rec->pages = *(void **)page;
		zpool_page_free(page);
	}
	list_for_each_entry_safe(zs, next, &rec->descs, list)
		free(zs);
	INIT_LIST_HEAD(&rec->descs);
}

/*
 * Make page @p of a zspage present with @page and count the holes it
 * creates. Caller must hold the class lock.
 */
static void add_page_locked(struct zs_pool *pool, struct size_class *class,
			    struct zspage *zs, unsigned int p, void *page)
{
	void **pages = zs_pages(class, zs);

	assert(!pages[p] && page);
	pages[p] = page;
	zs->nr_pages++;
	class->pages++;
	if (p == class->pages_per_zspage - 1)
		class->last_pages++;
	counter_add(&pool->pages_nr, 1);
	holes_add_locked(class, zs, (int)count_holes_on(class, zs, p));
}

/*
 * Drop page @p of a zspage, which no used slot touches any more, into
 * @rec. Caller must hold the class lock.
 */
static void release_page_locked(struct zs_pool *pool,
				struct size_class *class, struct zspage *zs,
				unsigned int p, struct zs_reclaim *rec)
{
	void **pages = zs_pages(class, zs);
	void *page = pages[p];

	assert(page);
	holes_add_locked(class, zs, -(int)count_holes_on(class, zs, p));
	pages[p] = NULL;
	zs->nr_pages--;
	class->pages--;
	if (p == class->pages_per_zspage - 1)
		class->last_pages--;
	counter_add(&pool->pages_nr, -1);
	*(void **)page = rec->pages;
	rec->pages = page;
}

/*
 * Give @slot the pages it lies on that the zspage does not hold yet, from
 * @pages[] (*@nr available, taken from the end). Caller must hold the
 * class lock and have checked that there are enough.
 */
static void fill_pages_locked(struct zs_pool *pool, struct size_class *class,
			      struct zspage *zs, unsigned int slot,
			      void **pages, unsigned int *nr)
{
	unsigned int p, last = slot_last_page(class, slot);

	for (p = slot_first_page(class, slot); p <= last; p++) {
		if (zs_pages(class, zs)[p])
			continue;
		assert(*nr > 0);
		add_page_locked(pool, class, zs, p, pages[--*nr]);
	}
}

/*
 * Use free slot @slot, whose pages are present, for the object of handle
 * entry @entry. Caller must hold the class lock.
 */
static void use_slot_locked(struct size_class *class, struct zspage *zs,
			    unsigned int slot, unsigned long *entry)
{
	assert(slot_is_free(zs, slot) && slot_present(class, zs, slot));
	zs_free_map(zs)[slot / 64] &= ~(1ull << (slot % 64));
	holes_add_locked(class, zs, -1);
	zs->inuse++;
	class->objs++;
	zs_handles(class, zs)[slot] = entry;
}

/*
 * Free used slot @slot and give back the pages no used slot touches any
 * more. Caller must hold the class lock.
 */
static void free_slot_locked(struct zs_pool *pool, struct size_class *class,
			     struct zspage *zs, unsigned int slot,
			     struct zs_reclaim *rec)
{
	unsigned int p, first = slot_first_page(class, slot);
	unsigned int last = slot_last_page(class, slot);

	assert(!slot_is_free(zs, slot) && slot_present(class, zs, slot));
	zs_free_map(zs)[slot / 64] |= 1ull << (slot % 64);
	holes_add_locked(class, zs, 1);
	zs->inuse--;
	class->objs--;
	for (p = first; p <= last; p++)
		if (!range_used(zs, class->page_first[p], class->page_last[p]))
			release_page_locked(pool, class, zs, p, rec);
}

/* Set up a descriptor for a new zspage: every slot free, no page. */
static void init_zspage_locked(struct size_class *class, struct zspage *zs)
{
	uint64_t *map = zs_free_map(zs);
	unsigned int w;

	memset(zs, 0, class->desc_size);
	INIT_LIST_HEAD(&zs->list);
	INIT_LIST_HEAD(&zs->hole_link);
	zs->fullness = ZS_UNLISTED;
	for (w = 0; w < class->words; w++)
		map[w] = range_mask(w, 0, class->objs_per_zspage - 1);
	class->zspages++;
}

/* Forget a descriptor: it goes into @rec. Caller holds the lock. */
static void drop_desc_locked(struct zs_pool *pool, struct size_class *class,
			     struct zspage *zs, struct zs_reclaim *rec)
{
	counter_add(&pool->meta_bytes, -(int64_t)class->desc_size);
	list_add(&zs->list, &rec->descs);
}

/*
 * Take an empty zspage (it holds no page) off every list; keep its
 * descriptor as the class's spare while the class has other zspages,
 * else drop it (and the spare) into @rec. Caller must hold the lock.
 */
static void free_zspage_locked(struct zs_pool *pool, struct size_class *class,
			       struct zspage *zs, struct zs_reclaim *rec)
{
	assert(!zs->inuse && !zs->nr_pages && !zs->holes);
	unlist_locked(class, zs);
	list_del_init(&zs->list);	/* off a compaction list, too */
	class->zspages--;
	if (class->zspages && !class->spare) {
		class->spare = zs;
		return;
	}
	drop_desc_locked(pool, class, zs, rec);
	if (!class->zspages && class->spare) {
		drop_desc_locked(pool, class, class->spare, rec);
		class->spare = NULL;
	}
}

/*
 * Address of a slot that is contiguous in memory: lying in one page, or
 * spanning two pages that happen to be neighbours in memory (the page
 * source hands out consecutive pages of an arena often enough for this to
 * be worth a comparison). NULL when it must be copied.
 */
static char *slot_addr(const struct size_class *class, struct zspage *zs,
		       unsigned int slot)
{
	size_t off = (size_t)slot * class->size;
	size_t in = off & ~PAGE_MASK;
	void **pages = zs_pages(class, zs);
	char *page = pages[off >> PAGE_SHIFT];

	if (in + class->size > PAGE_SIZE &&
	    (char *)pages[(off >> PAGE_SHIFT) + 1] != page + PAGE_SIZE)
		return NULL;
	return page + in;
}

/* Copy @class->size bytes of a slot out to @buf. */
static void read_slot(const struct size_class *class, struct zspage *zs,
		      unsigned int slot, void *buf)
{
	size_t off = (size_t)slot * class->size;
	size_t in = off & ~PAGE_MASK, first = PAGE_SIZE - in;
	void **pages = zs_pages(class, zs);
	char *page = pages[off >> PAGE_SHIFT];

	if (first >= class->size) {
		memcpy(buf, page + in, class->size);
		return;
	}
	memcpy(buf, page + in, first);
	memcpy((char *)buf + first, pages[(off >> PAGE_SHIFT) + 1],
	       class->size - first);
}

/* Copy @class->size bytes from @buf into a slot. */
static void write_slot(const struct size_class *class, struct zspage *zs,
		       unsigned int slot, const void *buf)
{
	size_t off = (size_t)slot * class->size;
	size_t in = off & ~PAGE_MASK, first = PAGE_SIZE - in;
	void **pages = zs_pages(class, zs);
	char *page = pages[off >> PAGE_SHIFT];

	if (first >= class->size) {
		memcpy(page + in, buf, class->size);
		return;
	}
	memcpy(page + in, buf, first);
	memcpy(pages[(off >> PAGE_SHIFT) + 1], (const char *)buf + first,
	       class->size - first);
}

/*****************
 * Handle entries
 *****************/

static unsigned int thread_shard(void)
{
	if (unlikely(!zs_thread_shard))
		zs_thread_shard = 1 + __atomic_fetch_add(&zs_next_shard, 1,
							 __ATOMIC_RELAXED);
	return (zs_thread_shard - 1) % NR_HANDLE_SHARDS;
}

static unsigned long *handle_entries(struct handle_page *hp)
{
	return (unsigned long *)((char *)hp + HANDLE_PAGE_HDR);
}

/*
 * Up to @want free handle entries from the calling thread's shard into
 * @out (fewer rather than taking a new page once some were found). Takes
 * the shard lock, never with a class lock held. Return: how many (0: no
 * memory).
 */
static unsigned int handle_alloc_batch(struct zs_pool *pool,
				       unsigned long **out, unsigned int want)
{
	struct handle_shard *shard = &pool->shards[thread_shard()];
	struct handle_page *hp;
	unsigned int got = 0;
	void *page = NULL;

	spin_lock(&shard->lock);
	while (got < want) {
		if (list_empty(&shard->partial)) {
			if (!page) {
				if (got)
					break;
				spin_unlock(&shard->lock);
				page = zpool_page_alloc();
				if (!page)
					return 0;
				spin_lock(&shard->lock);
				continue;
			}
			hp = page;
			hp->shard = shard;
			hp->free = NULL;
			hp->unused = 0;
			hp->inuse = 0;
			list_add(&hp->list, &shard->partial);
			counter_add(&pool->pages_nr, 1);
			counter_add(&pool->handle_pages, 1);
			page = NULL;
		}
		hp = list_first_entry(&shard->partial, struct handle_page,
				      list);
		if (hp->free) {
			out[got] = hp->free;
			hp->free = (unsigned long *)*hp->free;
		} else {
			out[got] = &handle_entries(hp)[hp->unused++];
		}
		got++;
		if (++hp->inuse == HANDLES_PER_PAGE) {
			list_del(&hp->list);
			list_add(&hp->list, &shard->full);
		}
	}
	spin_unlock(&shard->lock);
	/* another thread of the shard added a page meanwhile */
	zpool_page_free(page);
	return got;
}

/*
 * Give @n entries back to their shards; empty handle pages go back to the
 * page source. Takes shard locks, never with a class lock held.
 */
static void handle_free_batch(struct zs_pool *pool, unsigned long **entries,
			      unsigned int n)
{
	struct handle_shard *locked = NULL;
	void *empty = NULL;
	unsigned int i;

	for (i = 0; i < n; i++) {
		unsigned long *entry = entries[i];
		struct handle_page *hp =
			(struct handle_page *)((uintptr_t)entry & PAGE_MASK);

		if (hp->shard != locked) {
			if (locked)
				spin_unlock(&locked->lock);
			locked = hp->shard;
			spin_lock(&locked->lock);
		}
		*entry = (unsigned long)hp->free;
		hp->free = entry;
		if (hp->inuse-- == HANDLES_PER_PAGE) {
			list_del(&hp->list);
			list_add(&hp->list, &locked->partial);
		}
		if (!hp->inuse) {
			list_del(&hp->list);
			counter_add(&pool->pages_nr, -1);
			counter_add(&pool->handle_pages, -1);
			*(void **)hp = empty;
			empty = hp;
		}
	}
	if (locked)
		spin_unlock(&locked->lock);
	while (empty) {
		void *page = empty;

		empty = *(void **)page;
		zpool_page_free(page);
	}
}

/*
 * Take a handle entry from the class's magazine, refilling it from the
 * shard when empty (the class lock is dropped meanwhile). Caller must
 * hold the class lock, and holds it again on return. Return: the entry,
 * or NULL (no memory).
 */
static unsigned long *take_entry_locked(struct zs_pool *pool,
					struct size_class *class)
{
	unsigned long *batch[MAG_BATCH];
	unsigned int n;

	while (!class->mag_nr) {
		spin_unlock(&class->lock);
		n = handle_alloc_batch(pool, batch, MAG_BATCH);
		spin_lock(&class->lock);
		if (!n)
			return NULL;
		/* the magazine was empty, so the batch fits */
		while (n && class->mag_nr < MAG_SIZE)
			class->mag[class->mag_nr++] = batch[--n];
		if (n) {
			spin_unlock(&class->lock);
			handle_free_batch(pool, batch, n);
			spin_lock(&class->lock);
		}
	}
	return class->mag[--class->mag_nr];
}

/*
 * Put a handle entry into the class's magazine; what overflows, and the
 * whole magazine when the class has no object left, goes into @out
 * (MAG_SIZE + 1 entries) to be given back once the lock is dropped. Caller
 * must hold the class lock. Return: the number of entries put in @out.
 */
static unsigned int put_entry_locked(struct size_class *class,
				     unsigned long *entry, unsigned long **out)
{
	unsigned int n = 0;

	if (class->mag_nr == MAG_SIZE)
		while (n < MAG_BATCH)
			out[n++] = class->mag[--class->mag_nr];
	class->mag[class->mag_nr++] = entry;
	if (!class->objs)
		while (class->mag_nr)
			out[n++] = class->mag[--class->mag_nr];
	return n;
}

/*****************
 * Compaction
 *****************/

/* Results of a compaction round. */
enum round_end {
	ROUND_DONE,	/* nothing left to do for now */
	ROUND_BUDGET,	/* stopped after its moves */
	ROUND_STOCK,	/* stopped for want of pages in the stock */
};

/* Take pages until the stock holds @want (or the page source fails). */
static void stock_fill(struct page_stock *stock, unsigned int want)
{
	while (stock->nr < want) {
		void *page = zpool_page_alloc();

		if (!page)
			break;
		stock->pages[stock->nr++] = page;
	}
}

static void stock_drain(struct page_stock *stock)
{
	while (stock->nr)
		zpool_page_free(stock->pages[--stock->nr]);
}

/* Take a zspage off its lists onto a compaction list. */
static void isolate_locked(struct size_class *class, struct zspage *zs,
			   struct list_head *isolated)
{
	unlist_locked(class, zs);
	list_add(&zs->list, isolated);
}

/*
 * Move the object in slot @from of @src to free slot @to of @dst (maybe
 * @src itself), whose pages are present, update its handle entry and free
 * the old slot. Caller must hold the class lock.
 */
static void move_object_locked(struct zs_pool *pool, struct size_class *class,
			       struct zspage *src, unsigned int from,
			       struct zspage *dst, unsigned int to,
			       struct zs_reclaim *rec)
{
	unsigned long *entry = zs_handles(class, src)[from];
	char *s_addr = slot_addr(class, src, from);
	char *d_addr;

	use_slot_locked(class, dst, to, entry);
	d_addr = slot_addr(class, dst, to);
	if (s_addr && d_addr) {
		memcpy(d_addr, s_addr, class->size);
	} else if (s_addr) {
		write_slot(class, dst, to, s_addr);
	} else if (d_addr) {
		read_slot(class, src, from, d_addr);
	} else {
		char buf[ZS_MAX_ALLOC_SIZE];

		read_slot(class, src, from, buf);
		write_slot(class, dst, to, buf);
	}
	__atomic_store_n(entry, encode_loc(class, dst, to), __ATOMIC_RELAXED);
	free_slot_locked(pool, class, src, from, rec);
	counter_add(&pool->objs_moved, 1);
}

/*
 * Phase 1: move every object of the isolated zspage @src, top slot first,
 * into the fullest non-full zspages (their lowest hole, else their lowest
 * free slot, with pages from @stock), taking one move from *@budget each.
 * Caller must hold the class lock, and have checked that the other
 * zspages have room for the objects of @src.
 */
static enum round_end drain_locked(struct zs_pool *pool,
				   struct size_class *class,
				   struct zspage *src, struct page_stock *stock,
				   unsigned int *budget, struct zs_reclaim *rec)
{
	unsigned int top = class->objs_per_zspage;

	while (src->inuse) {
		struct zspage *dst = fullest_locked(class);
		int from = find_last_used(class, src, top);
		int to;

		assert(dst && from >= 0);
		if (!*budget)
			return ROUND_BUDGET;
		to = find_free_slot(class, dst, 0, class->objs_per_zspage - 1,
				    dst->holes != 0);
		assert(to >= 0);
		if (slot_missing_pages(class, dst, (unsigned int)to) >
		    stock->nr)
			return ROUND_STOCK;
		fill_pages_locked(pool, class, dst, (unsigned int)to,
				  stock->pages, &stock->nr);
		move_object_locked(pool, class, src, (unsigned int)from, dst,
				   (unsigned int)to, rec);
		fix_list_locked(class, dst);
		top = (unsigned int)from;
		(*budget)--;
	}
	return ROUND_DONE;
}

/*
 * Phase 2: move the top objects of the isolated zspage @src, which was in
 * fullness group @group, into the holes of the fullest zspages having
 * holes, of a group no emptier, else into lower holes of @src itself.
 * Caller must hold the class lock.
 */
static enum round_end fill_holes_locked(struct zs_pool *pool,
					struct size_class *class,
					struct zspage *src, unsigned int group,
					unsigned int *budget,
					struct zs_reclaim *rec)
{
	unsigned int top = class->objs_per_zspage;

	while (src->inuse) {
		int from = find_last_used(class, src, top);
		struct zspage *dst = fullest_with_holes_locked(class);
		int to = -1;

		assert(from >= 0);
		if (dst && dst->fullness >= group) {
			to = (int)first_hole(class, dst);
		} else {
			dst = src;
			if (src->holes && from > 0)
				to = find_free_slot(class, src, 0,
						    (unsigned int)from - 1,
						    true);
			if (to < 0)
				break;
		}
		if (!*budget)
			return ROUND_BUDGET;
		move_object_locked(pool, class, src, (unsigned int)from, dst,
				   (unsigned int)to, rec);
		if (dst != src)
			fix_list_locked(class, dst);
		top = (unsigned int)from;
		(*budget)--;
	}
	return ROUND_DONE;
}

/*
 * One compaction round on a class. Phase 1, as the kernel's compaction:
 * while the class's objects would fit in one zspage fewer, empty its
 * sparsest zspage into the fullest ones and free it. Phase 2: move the
 * top objects of the sparsest zspage left into holes, so that its top
 * pages empty. At most *@budget moves.
 * Caller must hold the class lock.
 */
static enum round_end compact_round_locked(struct zs_pool *pool,
					   struct size_class *class,
					   struct page_stock *stock,
					   unsigned int *budget,
					   struct zs_reclaim *rec)
{
	uint64_t o = class->objs_per_zspage;
	enum round_end end = ROUND_DONE;
	struct zspage *src, *next;
	struct list_head isolated;

	INIT_LIST_HEAD(&isolated);
	while ((src = sparsest_locked(class))) {
		/* room elsewhere for its objects: one zspage can go */
		if (class->zspages * o < class->objs + o)
			break;
		isolate_locked(class, src, &isolated);
		end = drain_locked(pool, class, src, stock, budget, rec);
		if (end != ROUND_DONE)
			goto out_putback;
		free_zspage_locked(pool, class, src, rec);
	}

	while ((src = sparsest_with_holes_locked(class))) {
		unsigned int group = src->fullness;

		isolate_locked(class, src, &isolated);
		end = fill_holes_locked(pool, class, src, group, budget, rec);
		if (!src->inuse)
			free_zspage_locked(pool, class, src, rec);
		if (end != ROUND_DONE)
			break;
	}

out_putback:
	list_for_each_entry_safe(src, next, &isolated, list) {
		list_del_init(&src->list);
		fix_list_locked(class, src);
	}
	return end;
}

/*
 * Whether zs_free() should compact the class: its excess grew past the
 * threshold since it last finished compacting. Caller holds the lock.
 */
static bool auto_compact_due_locked(const struct size_class *class)
{
	return class->compact_bytes &&
	       class_excess(class) >= class->compact_mark +
				      class->compact_bytes;
}

/*
 * Compact a class in rounds of at most @moves moves, taking the class
 * lock for each: until a round finishes, @rounds rounds have run or a
 * round made no progress. A round stopped for want of pages is followed
 * by one with a stock of @stock_pages pages. With @due, stop as soon as
 * the class no longer calls for automatic compaction. Caller must not
 * hold the class lock. Return: pages freed (net).
 */
static unsigned long compact_class(struct zs_pool *pool,
				   struct size_class *class,
				   unsigned int stock_pages, unsigned int moves,
				   unsigned int rounds, bool due)
{
	struct page_stock stock = { .nr = 0 };
	int64_t freed = 0;
	struct zs_reclaim rec;

	reclaim_init(&rec);
	while (rounds--) {
		enum round_end end;
		unsigned int budget = moves;
		uint64_t before;

		spin_lock(&class->lock);
		if (due && !auto_compact_due_locked(class)) {
			spin_unlock(&class->lock);
			break;
		}
		before = class->pages;
		end = compact_round_locked(pool, class, &stock, &budget, &rec);
		freed += (int64_t)before - (int64_t)class->pages;
		if (end == ROUND_DONE)
			class->compact_mark = class_excess(class);
		spin_unlock(&class->lock);
		reclaim_run(&rec);
		if (end == ROUND_DONE ||
		    (budget == moves && end != ROUND_STOCK))
			break;
		if (end == ROUND_STOCK) {
			unsigned int had = stock.nr;

			stock_fill(&stock, stock_pages);
			if (budget == moves && stock.nr == had)
				break;	/* no progress, no more pages */
		}
	}
	stock_drain(&stock);
	if (freed <= 0)
		return 0;
	counter_add(&pool->pages_compacted, freed);
	return (unsigned long)freed;
}

/* Automatic compaction threshold of a class, in bytes; 0: off. */
static int64_t compact_bytes(unsigned int pages)
{
	return (int64_t)pages * (int64_t)PAGE_SIZE;
}

/* The classes of a pool, each once (merged sizes share one). */
#define for_each_class(pool, class, i)					\
	for (i = 0; i < ZS_SIZE_CLASSES; i++)				\
		if ((class = (pool)->size_class[i])->index != i) {	\
		} else

/*****************
 * API
 *****************/

/**
 * zs_create_pool() - create a new zsmalloc pool
 * @name: a name for the pool (unused, kept for the kernel's signature)
 *
 * Sets up the size classes: the chain length of each, and the merging of
 * neighbouring classes of identical geometry. No page is taken until the
 * first allocation. Automatic compaction is on (ZS_AUTO_COMPACT_PAGES).
 *
 * Return: the new pool, empty, or NULL if its structures could not be
 * allocated.
 */
struct zs_pool *zs_create_pool(const char *name)
{
	struct size_class *prev = NULL;
	struct zs_pool *pool;
	unsigned int i, p;
	int k;

	(void)name;
	pool = calloc(1, sizeof(*pool));
	if (!pool)
		return NULL;
	for (i = 0; i < NR_HANDLE_SHARDS; i++) {
		spin_lock_init(&pool->shards[i].lock);
		INIT_LIST_HEAD(&pool->shards[i].partial);
		INIT_LIST_HEAD(&pool->shards[i].full);
	}

	/* largest first, so that smaller sizes can join a larger class */
	for (k = ZS_SIZE_CLASSES - 1; k >= 0; k--) {
		unsigned int size = ZS_MIN_ALLOC_SIZE +
				    (unsigned int)k * ZS_SIZE_CLASS_DELTA;
		unsigned int pages, objs;
		struct size_class *class;

		class_geometry(size, &pages, &objs);
		if (prev && prev->pages_per_zspage == pages &&
		    prev->objs_per_zspage == objs) {
			pool->size_class[k] = prev;
			continue;
		}
		class = aligned_alloc(_Alignof(struct size_class),
				      sizeof(*class));
		if (!class)
			goto out_destroy_pool;
		memset(class, 0, sizeof(*class));
		spin_lock_init(&class->lock);
		for (i = 0; i < NR_ZS_LISTS; i++)
			INIT_LIST_HEAD(&class->lists[i]);
		for (i = 0; i < NR_FULLNESS_GROUPS; i++)
			INIT_LIST_HEAD(&class->hole_lists[i]);
		class->size = size;
		class->index = (unsigned int)k;
		class->pages_per_zspage = pages;
		class->objs_per_zspage = objs;
		class->words = map_words(objs);
		class->end_waste = pages * PAGE_SIZE - objs * size;
		/* exact: inuse * 8 / objs, when not whole, is at least 1/256
		 * below the next integer; the multiplier errs by less */
		class->group_mult = (NR_FULLNESS_GROUPS << GROUP_MULT_SHIFT) /
				    objs + 1;
		class->desc_size = desc_bytes(pages, objs);
		for (p = 0; p < pages; p++) {
			unsigned int last = (unsigned int)(((p + 1) *
					PAGE_SIZE - 1) / size);

			class->page_first[p] =
				(uint16_t)(p * PAGE_SIZE / size);
			class->page_last[p] = (uint16_t)(last < objs ? last :
							 objs - 1);
			assert(class->page_first[p] < objs);
		}
		class->compact_bytes = compact_bytes(ZS_AUTO_COMPACT_PAGES);
		pool->size_class[k] = class;
		prev = class;
	}
	return pool;

out_destroy_pool:
	zs_destroy_pool(pool);
	return NULL;
}

/**
 * zs_destroy_pool() - destroy a zsmalloc pool
 * @pool: the pool; NULL is ignored
 *
 * Every handle should have been freed. Pages still holding objects are
 * given back to the page source all the same, and their handles become
 * invalid. No other thread may use the pool any more. Can't fail.
 */
void zs_destroy_pool(struct zs_pool *pool)
{
	struct handle_page *hp, *hnext;
	struct size_class *class;
	struct zspage *zs, *next;
	unsigned int i, l, p;

	if (!pool)
		return;
	for (i = 0; i < ZS_SIZE_CLASSES; i++) {
		class = pool->size_class[i];
		if (!class || class->index != i)
			continue;
		for (l = 0; l < NR_ZS_LISTS; l++) {
			list_for_each_entry_safe(zs, next, &class->lists[l],
						 list) {
				void **pages = zs_pages(class, zs);

				for (p = 0; p < class->pages_per_zspage; p++)
					zpool_page_free(pages[p]);
				free(zs);
			}
		}
		free(class->spare);
		spin_lock_destroy(&class->lock);
		free(class);
	}
	for (i = 0; i < NR_HANDLE_SHARDS; i++) {
		struct handle_shard *shard = &pool->shards[i];

		list_for_each_entry_safe(hp, hnext, &shard->partial, list)
			zpool_page_free(hp);
		list_for_each_entry_safe(hp, hnext, &shard->full, list)
			zpool_page_free(hp);
		spin_lock_destroy(&shard->lock);
	}
	free(pool);
}

/**
 * zs_malloc() - allocate an object from the pool
 * @pool: pool to allocate from
 * @size: size of the object in bytes
 * @gfp: allocation flags; ZPOOL_GFP_HIGHMEM and ZPOOL_GFP_MOVABLE are
 *	 accepted (every object is movable and reached through a mapping)
 * @handle: set to the handle of the new object
 *
 * Takes a handle entry, then, in the object's class, a hole (costs no
 * memory), else the lowest free slot of the fullest zspage (taking the
 * one or two pages it lies on), else the first slot of a new zspage.
 * Pages and descriptors are allocated with the class lock dropped, then
 * the choice is made again. The object's contents are undefined.
 *
 * Return: 0 and *@handle set; -EINVAL if @size is 0; -ENOSPC if @size is
 * larger than ZS_MAX_ALLOC_SIZE (4096); -ENOMEM if no page, descriptor or
 * handle entry could be had. On error nothing is modified.
 */
int zs_malloc(struct zs_pool *pool, size_t size, gfp_t gfp,
	      unsigned long *handle)
{
	struct zspage *zs, *spare_desc = NULL;
	unsigned int nspare = 0, slot, need, nout;
	unsigned long *entry, *out[MAG_SIZE + 1];
	struct size_class *class;
	void *spare[2];
	int64_t excess;

	(void)gfp;
	if (!size)
		return -EINVAL;
	if (size > ZS_MAX_ALLOC_SIZE)
		return -ENOSPC;
	class = pool->size_class[get_size_class_index(size)];

	spin_lock(&class->lock);
	entry = take_entry_locked(pool, class);
	if (!entry) {
		spin_unlock(&class->lock);
		return -ENOMEM;
	}
	for (;;) {
		bool want_desc = false;

		zs = fullest_with_holes_locked(class);
		if (zs) {
			slot = first_hole(class, zs);
			break;
		}
		zs = fullest_locked(class);
		if (zs) {
			slot = (unsigned int)find_free_slot(class, zs, 0,
					class->objs_per_zspage - 1, false);
			need = slot_missing_pages(class, zs, slot);
			if (need <= nspare)
				break;
		} else {
			slot = 0;
			need = 1;
			if (nspare && (class->spare || spare_desc)) {
				if (class->spare) {
					zs = class->spare;
					class->spare = NULL;
				} else {
					zs = spare_desc;
					spare_desc = NULL;
					counter_add(&pool->meta_bytes,
						    (int64_t)class->desc_size);
				}
				init_zspage_locked(class, zs);
				break;
			}
			want_desc = !class->spare && !spare_desc;
		}

		/* get what is missing without the lock, then look again */
		spin_unlock(&class->lock);
		while (nspare < need) {
			spare[nspare] = zpool_page_alloc();
			if (!spare[nspare])
				goto out_put_entry;
			nspare++;
		}
		if (want_desc) {
			spare_desc = malloc(class->desc_size);
			if (!spare_desc)
				goto out_put_entry;
			assert((uintptr_t)spare_desc % ZSPAGE_ALIGN == 0);
			/* the location must fit an entry; always true today */
			if ((uintptr_t)spare_desc >>
			    (64 - OBJ_ZSPAGE_SHIFT + 4))
				goto out_put_entry;
		}
		spin_lock(&class->lock);
	}

	fill_pages_locked(pool, class, zs, slot, spare, &nspare);
	use_slot_locked(class, zs, slot, entry);
	__atomic_store_n(entry, encode_loc(class, zs, slot), __ATOMIC_RELAXED);
	fix_list_locked(class, zs);
	excess = class_excess(class);
	if (excess < class->compact_mark)
		class->compact_mark = excess;
	spin_unlock(&class->lock);
	*handle = (unsigned long)entry;
	while (nspare)
		zpool_page_free(spare[--nspare]);
	free(spare_desc);
	return 0;

out_put_entry:
	/* back to the magazine, which goes back whole if the class is empty */
	spin_lock(&class->lock);
	nout = put_entry_locked(class, entry, out);
	spin_unlock(&class->lock);
	if (nout)
		handle_free_batch(pool, out, nout);
	while (nspare)
		zpool_page_free(spare[--nspare]);
	free(spare_desc);
	return -ENOMEM;
}

/**
 * zs_free() - free an object
 * @pool: pool the object was allocated from
 * @handle: handle from zs_malloc(); not mapped
 *
 * Pages no live object touches any more go back to the page source, and
 * a zspage left empty is freed. When the class's excess has grown past
 * the automatic compaction threshold, a compaction round of at most
 * AUTO_COMPACT_MOVES moves follows (with the class lock taken again).
 * Can't fail.
 */
void zs_free(struct zs_pool *pool, unsigned long handle)
{
	unsigned long *entry = (unsigned long *)handle;
	struct size_class *class = handle_class(pool, handle);
	unsigned long *out[MAG_SIZE + 1];
	struct zs_reclaim rec;
	unsigned int nout;
	struct zspage *zs;
	unsigned long loc;
	bool due;

	reclaim_init(&rec);
	spin_lock(&class->lock);
	loc = read_entry(entry);
	zs = loc_zspage(loc);
	free_slot_locked(pool, class, zs, loc_slot(loc), &rec);
	if (!zs->inuse)
		free_zspage_locked(pool, class, zs, &rec);
	else
		fix_list_locked(class, zs);
	nout = put_entry_locked(class, entry, out);
	due = auto_compact_due_locked(class);
	spin_unlock(&class->lock);
	if (nout)
		handle_free_batch(pool, out, nout);
	reclaim_run(&rec);
	if (due) {
		counter_add(&pool->auto_compactions, 1);
		compact_class(pool, class, AUTO_STOCK_PAGES,
			      AUTO_COMPACT_MOVES, 2, true);
	}
}

/**
 * zs_map_object() - get the address of an object
 * @pool: pool the object was allocated from
 * @handle: handle from zs_malloc()
 * @mm: ZPOOL_MM_RO, ZPOOL_MM_WO or ZPOOL_MM_RW
 *
 * An object lying in one page (or in two that are neighbours in memory)
 * is returned in place. An object spanning two pages is copied into the
 * calling thread's buffer (not for ZPOOL_MM_WO: the buffer's contents are
 * then undefined), which is returned, and copied back by
 * zs_unmap_object() (not for ZPOOL_MM_RO).
 *
 * The object's class lock is held until zs_unmap_object(), which the same
 * thread must call: the object cannot move meanwhile, and other threads
 * using objects of the same class wait. Keep mappings short, and call no
 * other function of the pool (map one object at a time) until the unmap.
 * Can't fail.
 *
 * Return: the object's address (16-byte aligned), valid until
 * zs_unmap_object().
 */
void *zs_map_object(struct zs_pool *pool, unsigned long handle,
		    enum zpool_mapmode mm)
{
	struct size_class *class = handle_class(pool, handle);
	struct mapping_area *area = &zs_map_area;
	unsigned long loc;
	struct zspage *zs;
	char *addr;

	spin_lock(&class->lock);
	loc = read_entry((unsigned long *)handle);
	zs = loc_zspage(loc);
	addr = slot_addr(class, zs, loc_slot(loc));
	if (addr)
		return addr;

	area->mm = mm;
	if (mm != ZPOOL_MM_WO)
		read_slot(class, zs, loc_slot(loc), area->buf);
	return area->buf;
}

/**
 * zs_unmap_object() - end the mapping made by zs_map_object()
 * @pool: pool the object was allocated from
 * @handle: the mapped handle
 *
 * Copies a spanning object back from the thread's buffer unless it was
 * mapped read-only, and drops the class lock. Can't fail.
 */
void zs_unmap_object(struct zs_pool *pool, unsigned long handle)
{
	struct size_class *class = handle_class(pool, handle);
	unsigned long loc = read_entry((unsigned long *)handle);
	struct zspage *zs = loc_zspage(loc);
	unsigned int slot = loc_slot(loc);

	if (!slot_addr(class, zs, slot) && zs_map_area.mm != ZPOOL_MM_RO)
		write_slot(class, zs, slot, zs_map_area.buf);
	spin_unlock(&class->lock);
}

/**
 * zs_get_total_pages() - memory the pool uses, in pages
 * @pool: the pool
 *
 * Pages holding objects, handle pages, and the descriptors' bytes rounded
 * up to whole pages. Lock-free: the figures are read atomically and may
 * be stale by the time they are used. Can't fail.
 *
 * Return: the number of pages.
 */
uint64_t zs_get_total_pages(struct zs_pool *pool)
{
	return counter_get(&pool->pages_nr) +
	       (counter_get(&pool->meta_bytes) + PAGE_SIZE - 1) / PAGE_SIZE;
}

/**
 * zs_compact() - compact every class of the pool
 * @pool: the pool
 *
 * In each class: while the class's objects would fit in one zspage fewer,
 * moves the objects of its sparsest zspage into the fullest ones and frees
 * it; then moves the top objects of the sparsest zspage left into holes.
 * Handles stay valid. Works in rounds of at most ZS_COMPACT_MOVES moves
 * under the class lock, taking pages for the moves beforehand. Can't fail
 * (without memory, it compacts less).
 *
 * Return: the number of pages freed.
 */
unsigned long zs_compact(struct zs_pool *pool)
{
	struct size_class *class;
	unsigned long freed = 0;
	unsigned int i;

	for_each_class(pool, class, i)
		freed += compact_class(pool, class, STOCK_PAGES,
				       ZS_COMPACT_MOVES, UINT_MAX, false);
	return freed;
}

/**
 * zs_set_auto_compact() - set the automatic compaction threshold
 * @pool: the pool
 * @pages: compact a class when its excess (bytes of its pages holding no
 *	   object, beyond the unavoidable) grows by this many pages; 0
 *	   turns automatic compaction off
 *
 * The default is ZS_AUTO_COMPACT_PAGES (2). Can't fail.
 */
void zs_set_auto_compact(struct zs_pool *pool, unsigned int pages)
{
	struct size_class *class;
	unsigned int i;

	for_each_class(pool, class, i) {
		spin_lock(&class->lock);
		class->compact_bytes = compact_bytes(pages);
		spin_unlock(&class->lock);
	}
}

/**
 * zs_pool_stats() - pool-wide figures
 * @pool: the pool
 * @stats: filled in
 *
 * Each class is read under its lock, one after the other: the totals are
 * exact when the pool is quiescent. Can't fail.
 */
void zs_pool_stats(struct zs_pool *pool, struct zs_pool_stats *stats)
{
	struct size_class *class;
	unsigned int i;

	memset(stats, 0, sizeof(*stats));
	for_each_class(pool, class, i) {
		spin_lock(&class->lock);
		stats->objs += class->objs;
		stats->zspages += class->zspages;
		stats->zspage_pages += class->pages;
		spin_unlock(&class->lock);
	}
	stats->handle_pages = counter_get(&pool->handle_pages);
	stats->meta_bytes = counter_get(&pool->meta_bytes);
	stats->pages_compacted = counter_get(&pool->pages_compacted);
	stats->objs_moved = counter_get(&pool->objs_moved);
	stats->auto_compactions = counter_get(&pool->auto_compactions);
}

/**
 * zs_class_stats() - the figures of the class serving a size
 * @pool: the pool
 * @size: an object size, 1 to ZS_MAX_ALLOC_SIZE
 * @stats: filled in, under the class lock
 *
 * Return: 0; -EINVAL if @size is 0 or larger than ZS_MAX_ALLOC_SIZE
 * (@stats is not changed).
 */
int zs_class_stats(struct zs_pool *pool, size_t size,
		   struct zs_class_stats *stats)
{
	struct size_class *class;

	if (!size || size > ZS_MAX_ALLOC_SIZE)
		return -EINVAL;
	class = pool->size_class[get_size_class_index(size)];
	spin_lock(&class->lock);
	stats->size = class->size;
	stats->pages_per_zspage = class->pages_per_zspage;
	stats->objs_per_zspage = class->objs_per_zspage;
	stats->objs = class->objs;
	stats->zspages = class->zspages;
	stats->pages = class->pages;
	stats->holes = class->holes;
	spin_unlock(&class->lock);
	return 0;
}

/*****************
 * zpool driver glue
 *****************/

/*
 * A pool for the zpool front end. $ZSMALLOC_AUTO_COMPACT, when set to a
 * number, replaces the automatic compaction threshold (in pages; 0 turns
 * it off): a knob for benchmarks and tuning, ignored in setuid programs.
 */
static void *zs_zpool_create(const char *name, gfp_t gfp)
{
	const char *env = secure_getenv("ZSMALLOC_AUTO_COMPACT");
	struct zs_pool *pool;
	unsigned long pages;
	char *end;

	(void)gfp;
	pool = zs_create_pool(name);
	if (pool && env && *env) {
		pages = strtoul(env, &end, 10);
		if (!*end && pages <= UINT_MAX)
			zs_set_auto_compact(pool, (unsigned int)pages);
	}
	return pool;
}

static void zs_zpool_destroy(void *pool)
{
	zs_destroy_pool(pool);
}

static int zs_zpool_malloc(void *pool, size_t size, gfp_t gfp,
			   unsigned long *handle)
{
	return zs_malloc(pool, size, gfp, handle);
}

static void zs_zpool_free(void *pool, unsigned long handle)
{
	zs_free(pool, handle);
}

static void *zs_zpool_map(void *pool, unsigned long handle,
			  enum zpool_mapmode mm)
{
	return zs_map_object(pool, handle, mm);
}

static void zs_zpool_unmap(void *pool, unsigned long handle)
{
	zs_unmap_object(pool, handle);
}

static uint64_t zs_zpool_total_pages(void *pool)
{
	return zs_get_total_pages(pool);
}

static unsigned long zs_zpool_compact(void *pool)
{
	return zs_compact(pool);
}

static void zs_zpool_stats(void *pool, zpool_stats_emit_t emit, void *arg)
{
	struct zs_pool *zpool = pool;
	struct size_class *class;
	struct zs_pool_stats st;
	unsigned int i;

	zs_pool_stats(zpool, &st);
	emit(arg, "objects", st.objs);
	emit(arg, "zspages", st.zspages);
	emit(arg, "zspage_pages", st.zspage_pages);
	emit(arg, "handle_pages", st.handle_pages);
	emit(arg, "meta_bytes", st.meta_bytes);
	emit(arg, "pages_compacted", st.pages_compacted);
	emit(arg, "objects_moved", st.objs_moved);
	emit(arg, "auto_compactions", st.auto_compactions);
	for_each_class(zpool, class, i) {
		uint64_t objs, zspages, pages;
		char key[48];

		spin_lock(&class->lock);
		objs = class->objs;
		zspages = class->zspages;
		pages = class->pages;
		spin_unlock(&class->lock);
		if (!zspages)
			continue;
		snprintf(key, sizeof(key), "class_%u_objects", class->size);
		emit(arg, key, objs);
		snprintf(key, sizeof(key), "class_%u_zspages", class->size);
		emit(arg, key, zspages);
		snprintf(key, sizeof(key), "class_%u_pages", class->size);
		emit(arg, key, pages);
	}
}

#ifdef ZPOOL_MODULE
/* The one symbol a zpool-zsmalloc.so module exports. */
#define ZSMALLOC_EXPORT	__attribute__((visibility("default")))
#else
#define ZSMALLOC_EXPORT
#endif

ZSMALLOC_EXPORT struct zpool_driver zsmalloc_zpool_driver = {
	.type =		"zsmalloc",
	.create =	zs_zpool_create,
	.destroy =	zs_zpool_destroy,
	.malloc_support_movable = true,
	.malloc =	zs_zpool_malloc,
	.free =		zs_zpool_free,
	.map =		zs_zpool_map,
	.unmap =	zs_zpool_unmap,
	.total_pages =	zs_zpool_total_pages,
	.compact =	zs_zpool_compact,
	.stats =	zs_zpool_stats,
};

#ifdef ZPOOL_MODULE
/*
 * The module's own driver, bound inside the module: a program that has
 * zsmalloc built in also exports a zsmalloc_zpool_driver, which would
 * otherwise take the place of ours when the constructor refers to it by
 * name.
 */
extern struct zpool_driver zsmalloc_module_driver
	__attribute__((alias("zsmalloc_zpool_driver"), visibility("hidden")));

static void __attribute__((constructor)) init_zsmalloc(void)
{
	zpool_register_driver(&zsmalloc_module_driver);
}

static void __attribute__((destructor)) exit_zsmalloc(void)
{
	/* -EBUSY only at process exit with pools alive: nothing to undo. */
	(void)zpool_unregister_driver(&zsmalloc_module_driver);
}
#endif /* ZPOOL_MODULE */
