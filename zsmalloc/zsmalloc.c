/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zsmalloc.c - a memory allocator for compressed objects (design of
 * mm/zsmalloc.c, Linux v6.1, re-done for userspace, with longer zspage
 * chains and smaller metadata).
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
 * ZS_SIZE_CLASS_DELTA = 16 bytes. Each class stores its objects in
 * zspages: chains of 1 to ZS_MAX_PAGES_PER_ZSPAGE (32) pages, seen as one
 * array of equal slots laid end to end. The chain length of a class is
 * chosen once, to spend the least memory per object (the end of a zspage
 * that cannot hold a whole slot, plus the zspage's descriptor, shared by
 * its objects). A size joins the class of the next larger size when that
 * class spends at most ZS_MERGE_PERMILLE (0.7 %) more memory per object
 * than the size's own best zspage would (the kernel merges only equal
 * geometries, which cost exactly the same): 190 classes for the 256
 * sizes, so fewer partly used zspages.
 *
 * A zspage of the 1904-byte class (20 pages, 43 slots); page k is any
 * page from the page source, usually not next to page k + 1 in memory:
 *
 *          page 0             page 1             page 2        page 19
 *   +------------------+------------------+-----------   ~  --------+-+
 *   | slot 0 | slot 1 | slot| slot 3 | slot 4 |sl...        | slot 42|/|
 *   +------------------+------------------+-----------   ~  --------+-+
 *                    slot 2 spans pages 0 and 1:       end waste /
 *                    map() copies it to a buffer       (48 bytes)
 *
 * Unlike the kernel, a zspage does not hold all of its pages all the
 * time. A page is taken from the page source when a slot on it is first
 * used, and given back as soon as no live object touches it, so a
 * zspage's pages[] has gaps (NULL) and a partly used zspage costs only
 * the pages its objects lie on. This bounds the memory of a pool by the
 * pages its live objects touch, whatever the chain length, and lets long
 * chains (little end waste, a geometry of its own for more sizes) cost
 * nothing in partly used zspages.
 *
 * Descriptors. The kernel keeps a zspage's metadata in struct page and
 * struct zspage; here each zspage has a descriptor of its own, malloc()ed
 * with everything sized for its class:
 *
 *   struct zspage     free[]          pages[]         handles[]
 *   +--------------+---------------+---------------+-----------------+
 *   | list, id,    | 1 bit a slot: | 8 bytes a     | 4 bytes a slot: |
 *   | inuse, holes,| set = free    | page, NULL    | back pointer to |
 *   | ... 32 bytes |               | when not held | the handle entry|
 *   +--------------+---------------+---------------+-----------------+
 *
 * Nothing is kept in the object pages themselves: a slot of 4096 bytes
 * fills its page exactly, and freeing an object never touches its page.
 * The back pointers let compaction find the handle of an object it moves.
 * A class keeps the descriptor of its last freed zspage for the next one
 * while it has other zspages.
 *
 * Handles. A handle names a 4-byte entry in a handle page (a page from
 * the page source: a 64-byte header, then 1008 entries); the entry holds
 * the object's location, so the handle survives a move. Zspages and
 * handle pages are named by small numbers, ids, which the pool's two id
 * tables (zspage_ids, hpage_ids: two-level arrays, read without a lock)
 * turn into addresses:
 *
 *   handle:  |   0   | class | handle page id | entry index |
 *            63    40 39   32 31            10 9           0
 *                             \___ back pointer (32 bits) ___/
 *
 *   entry:   | zspage id | slot |
 *            31        8 7    0
 *
 * An object thus costs 8 bytes of handle metadata (its entry and the back
 * pointer in its zspage's descriptor), where 8-byte pointers both ways
 * cost 16; the ids limit a pool to 2^24 zspages and 2^22 handle pages (4 G
 * objects), beyond which zs_malloc() fails. The class never changes for
 * the life of a handle (objects move only within their class), so map()
 * and free() know from the handle alone which class lock to take, and read
 * the entry under it. Handle pages belong to NR_HANDLE_SHARDS shards, each
 * with its own lock, picked per thread; each class keeps a magazine of up
 * to MAG_SIZE free entries, refilled from and returned to the shards
 * MAG_BATCH at a time, so that an allocation takes one lock (its class's)
 * and threads working in different classes do not meet on a pool-wide
 * lock. An empty handle page goes back at once.
 *
 * Holes and lists. A free slot lying wholly on pages the zspage holds is
 * a "hole": filling it costs no memory. Each zspage counts its holes. As
 * in the kernel, a class keeps its zspages on fullness lists; on each,
 * the zspages having holes come first, so that one link serves both
 * orders and every list change is O(1):
 *
 *   lists[0..7]	zspages with free slots, by inuse * 8 / objs_per_zspage,
 *			those having holes first (hole_mask: the lists whose
 *			first zspage has holes)
 *   full zspages	on no list
 *
 * zs_malloc() fills the lowest hole of the fullest zspage having holes,
 * else the lowest free slot of the fullest zspage (taking the one or two
 * pages the slot lies on), else the first slot of a new zspage; so
 * zspages fill from the bottom, and sparse zspages, left alone, empty.
 * A zspage whose last object goes is freed (it holds no page by then).
 *
 * Compaction moves objects within their class: a move copies the slot,
 * piece by piece, points the handle entry at the new slot and frees the
 * old one (its pages go back once no object touches them). Two kinds:
 *
 *  - automatic, in zs_free(), under the class lock the free holds
 *    anyway: when the class's excess (the bytes of its pages holding no
 *    object, beyond the end waste of its zspages) has grown by
 *    ZS_AUTO_COMPACT_PAGES pages, or ZS_AUTO_COMPACT_PERMILLE of the
 *    class's pages if more, since the class last compacted completely,
 *    up to AUTO_COMPACT_MOVES objects move into holes: the top object of
 *    the sparsest zspage into the lowest hole of the fullest zspage
 *    having holes, objects flowing only towards zspages holding as many
 *    objects or more, else the top objects of a zspage down into its own
 *    holes. No page is taken; the next free of the class goes on when the
 *    round was cut short.
 *  - zs_compact() (zpool_compact()), in rounds under the class lock:
 *    while two zspages or more have free slots, the sparsest is emptied
 *    into the fullest ones (their holes, else their lowest free slots,
 *    with pages taken beforehand, struct page_stock, the class lock being
 *    dropped for the page source) and freed; then the one zspage left
 *    with free slots is packed, its top objects moving down into its
 *    lowest free slots. The class ends up in as few zspages as its
 *    objects need, all full but one whose objects are its lowest slots:
 *    the fewest pages they can lie on.
 *
 * Mapping. zs_map_object() returns a pointer into the page when the slot
 * lies in one page (or in two that happen to be neighbours in memory),
 * else copies the slot into a per-thread buffer (unless mapping
 * write-only) and returns the buffer; zs_unmap_object() copies the buffer
 * back unless mapping read-only, using the location the map found. The
 * class lock is held from map to unmap: the object cannot move
 * (compaction takes the lock), and the map costs one lock round trip.
 * Other users of the same class wait for the unmap, so mappings must be
 * short, and a thread maps one object at a time and calls nothing else of
 * the pool meanwhile (the zpool rule).
 *
 * The common paths. zs_malloc() takes one class lock round trip: the
 * entry comes from the class's magazine, the hole from the head of a
 * list, and the page a slot needs when the class has no hole is taken
 * before the lock (hole_mask, read without the lock, says so); the lock
 * is dropped and taken again only for a descriptor or a second page.
 * zs_free() takes one round trip, automatic compaction included; the
 * pages it releases go back after it, from an array (their memory is
 * not touched). The memory figures are pool atomics added to once per
 * operation; the compaction figures are counted in the classes.
 *
 * Memory accounting. zs_get_total_pages() counts the pages holding
 * objects, the handle pages, and the bytes malloc() takes for the
 * descriptors and id table leaves (rounded up to pages): everything the
 * pool costs but its fixed pool and class structures.
 *
 * Figures. zpool-bench on the lz4 sizes of linux-6.1 (-f
 * tests/bench/linux-6.1-lz4-sizes.txt -M 4096: 2,000,000 frees, each
 * followed by an allocation, over a working set of objects, then half of
 * them freed, then zs_compact(); pool bytes over object bytes, metadata
 * included; speed in CPU time against glibc malloc()/free() on the same
 * stream, on a busy 2-core machine):
 *
 *   working set    after churn  after frees  compacted  alloc+free+map
 *   10000 objects     1.049        1.099       1.053     x0.45 malloc
 *   100000            1.019        1.028       1.020     x0.7
 *   250000            1.018        1.024       1.017     x0.65
 *
 * The small working set stays 5 % over after compaction: its 150 or so
 * busy classes each keep a partly used page (half a page on average)
 * over only 2436 pages of objects. In the 250000-object pool, what is left
 * after compaction is rounding, end waste and last pages (0.75 %), the
 * handle pages the frees left half empty (0.43 %) and the descriptors
 * (0.53 %). The time goes to locked instructions (a lock round trip each
 * for an allocation, a free and a map, and the page source's), to
 * copying spanning objects out of and back into their pages, and, in a
 * small pool, to automatic compaction, which keeps it within 5 % at the
 * cost of 0.45 moves of a cold object per free.
 *
 * Differences from the kernel: zspages hold only the pages their objects
 * touch (see above); up to 32 pages a zspage (v6.3 allows 16), and sizes
 * merged into a slightly larger class; the chain length also weighs the
 * descriptor; metadata lives in descriptors, not in struct page or in
 * the objects (no ZS_HANDLE_SIZE header in each object, no huge class
 * special case), and handle entries are 4 bytes; compaction also empties
 * pages, not only whole zspages, packs the last zspage of a class, and
 * runs on its own; the class lock, not a zspage lock, keeps a mapped
 * object in place; no zspage migration by the page allocator (there is
 * none), no shrinker, no per-CPU mapping areas (per-thread buffers
 * instead). ZPOOL_GFP_HIGHMEM is accepted and ignored, as the kernel's
 * zsmalloc accepts highmem: every object is reached through
 * zs_map_object() anyway.
 *
 * Lock ordering: each class has a lock (class->lock), each handle shard
 * has one (shard->lock) and each id table has one (t->lock); no function
 * holds two of them at once. All are taken before the page source's
 * lock (zpool/page.c), which is a leaf; in fact none is held while
 * calling into the page source or malloc()/free(), except that an id
 * table frees its spare leaves under its own lock when its last id goes.
 * zs_malloc() drops the class lock to get pages, handle entries and
 * descriptors, and pages, entries and descriptors to give back are
 * collected and given back after the class lock is dropped. A thread
 * holding a mapping holds a class lock: it must not call into the pool
 * before unmapping.
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
 *
 * 8 bytes (511 sizes, 16 bytes the smallest: 9 bits of class in a handle,
 * a 16-bit class_index) was measured on the lz4 sizes of the first GiB of
 * linux-6.1.tar (tests/lz4-sizes, then zpool-bench -a -n 0 -w 262144
 * -M 4096 on its output): the 262144 objects take 0.2 % less (92535 pool
 * pages instead of 92718 with ZS_MERGE_PERMILLE 3, 346 classes used
 * instead of 177), but the 10000-object churn of the file header ends
 * 7.6 % over its objects instead of 4.9 % (9.5 % instead of 5.3 %
 * compacted), and merging more, for fewer classes, loses the saving
 * first (0.1 % with 7 per mille, 0.02 % more than 16 with 10).
 */
#define ZS_SIZE_CLASS_DELTA	16
#define ZS_MIN_ALLOC_SIZE	ZS_SIZE_CLASS_DELTA
#define ZS_SIZE_CLASSES \
	((ZS_MAX_ALLOC_SIZE - ZS_MIN_ALLOC_SIZE) / ZS_SIZE_CLASS_DELTA + 1)

/*
 * ZS_MAX_PAGES_PER_ZSPAGE - the longest zspage chain.
 *
 * Longer chains waste less at the end of each zspage (the part too short
 * for a slot), give more sizes a geometry of their own (less rounding)
 * and share a descriptor header among more objects: on the lz4 sizes of
 * linux-6.1, rounding, end waste and descriptors cost 6.1 % of the bytes
 * asked for with at most 4 pages (the kernel's limit before v6.3), 2.5 %
 * with 8, 1.5 % with 16 (the kernel's largest CONFIG_ZSMALLOC_CHAIN_SIZE)
 * and 1.1 % with 32. Since a zspage holds only the pages its objects
 * touch, a long chain costs nothing more when it is partly used; what
 * grows is the descriptor's pages[] array (8 bytes a page, whatever the
 * chain) and the number of slots (at most ZS_MAX_OBJS_PER_ZSPAGE, which
 * keeps a slot number in SLOT_BITS bits).
 */
#ifndef ZS_MAX_PAGES_PER_ZSPAGE
#define ZS_MAX_PAGES_PER_ZSPAGE	32
#endif
#define ZS_MAX_OBJS_PER_ZSPAGE	256

/*
 * ZS_MERGE_PERMILLE - how much more memory per object a size may spend in
 * the class of a larger size, in thousandths.
 *
 * Neighbouring sizes that end up with the same pages and slots per zspage
 * use memory identically and are merged into the larger one (the
 * kernel's "can_merge"). Merging also the sizes whose own best zspage
 * would be slightly cheaper makes fewer classes, each with its partly
 * used zspage and its slack. On the lz4 sizes of linux-6.1 (rounding, end
 * waste and descriptors over the bytes asked for): 0 gives 242 classes
 * (184 of them used) and 0.97 %, 7 gives 190 (154) and 1.08 %, 10 gives
 * 163 (130) and 1.27 %; the kernel's rule (0) with 16 pages gave 193
 * (158) and 1.36 %.
 */
#define ZS_MERGE_PERMILLE	7

/*
 * ZS_AUTO_COMPACT_PAGES, ZS_AUTO_COMPACT_PERMILLE - the automatic
 * compaction threshold.
 *
 * zs_free() compacts a class when the class's excess (bytes of its pages
 * holding no object, beyond the unavoidable end of its zspages) has grown
 * by ZS_AUTO_COMPACT_PAGES pages, or by ZS_AUTO_COMPACT_PERMILLE of the
 * class's pages if that is more, since the class was last compacted. A
 * lower threshold keeps the pool closer to its live data (each busy class
 * may carry up to this much), a higher one moves objects less often: a
 * class whose population wanders soon takes again much of what compaction
 * gave back (3 pages of 4 on the churn below). The pages bound the slack
 * of the many small classes of a small pool, the per mille that of the few
 * large classes of a large one. On the churn of zpool-bench (see the file
 * header), a 250000-object pool moves 0.50 objects per free with 0 per
 * mille (1.5 % over its objects), 0.21 with 10 (1.8 %) and 0.08 with 20
 * (2.4 %); a 10000-object pool, whose classes are all under 200 pages, is
 * governed by the pages: 0.68 moves per free and 3.7 % over with 1 page,
 * 0.45 and 4.9 % with 2, 0.35 and 5.7 % with 3. 0 pages turns automatic
 * compaction off (zs_set_auto_compact()).
 */
#define ZS_AUTO_COMPACT_PAGES	2
#define ZS_AUTO_COMPACT_PERMILLE 10

/*
 * AUTO_COMPACT_MOVES, ZS_COMPACT_MOVES, STOCK_PAGES - the work of one
 * compaction round.
 *
 * An automatic round runs inside zs_free(), under the class lock the free
 * took anyway, and moves at most AUTO_COMPACT_MOVES objects, into holes
 * only (no page is needed); the next free of the class goes on when the
 * round was cut short. zs_compact() works in rounds of at most
 * ZS_COMPACT_MOVES moves and also fills free slots on pages a zspage does
 * not hold, from a stock of at most STOCK_PAGES pages taken beforehand
 * (the class lock is not held while calling the page source). Larger
 * rounds finish sooner; smaller ones hold the class lock for less time.
 */
#define AUTO_COMPACT_MOVES	16
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
 * freeing an object takes a shard lock once in MAG_BATCH times. A larger
 * magazine saves more shard lock round trips, and keeps more entries
 * (4 bytes each) reserved per class; a class with no object left gives
 * its whole magazine back.
 */
#define MAG_SIZE		32
#define MAG_BATCH		16

/*
 * Handle entries (32 bits): the zspage's id and the slot.
 * Back pointers (32 bits): the handle page's id and the entry's index.
 * Handles: the class index above HANDLE_CLASS_SHIFT, the back pointer
 * below.
 */
#define SLOT_BITS		8
#define SLOT_MASK		((1u << SLOT_BITS) - 1)
#define ZSPAGE_ID_BITS		(32 - SLOT_BITS)
#define ENTRY_INDEX_BITS	(PAGE_SHIFT - 2)
#define ENTRY_INDEX_MASK	((1u << ENTRY_INDEX_BITS) - 1)
#define HPAGE_ID_BITS		(32 - ENTRY_INDEX_BITS)
#define HANDLE_PAGE_HDR		64
#define FIRST_ENTRY		(HANDLE_PAGE_HDR / sizeof(uint32_t))
#define HANDLES_PER_PAGE \
	((PAGE_SIZE - HANDLE_PAGE_HDR) / sizeof(uint32_t))
#define HANDLE_CLASS_SHIFT	32

/*
 * ID_LEAF_SHIFT - the size of a leaf of an id table: 2^ID_LEAF_SHIFT
 * pointers. Smaller leaves cost less in a small pool (each pool has at
 * least one leaf per table), larger ones make the fixed top-level array
 * (one pointer per leaf, mostly never touched) shorter.
 */
#define ID_LEAF_SHIFT		9
#define ID_LEAF_IDS		(1u << ID_LEAF_SHIFT)
#define ID_LEAF_BYTES		(ID_LEAF_IDS * sizeof(uintptr_t))

/*
 * The fullness lists of a class, as the kernel's fullness groups: a
 * zspage with a free slot is on lists[inuse * NR_FULLNESS_GROUPS /
 * objs_per_zspage], the zspages with holes at the front of the list, the
 * others behind them; a full zspage is on no list.
 */
#define NR_FULLNESS_GROUPS	8
#define ZS_UNLISTED		NR_FULLNESS_GROUPS	/* full, new, draining */
#define GROUP_MULT_SHIFT	20

BUILD_BUG_ON(PAGE_SIZE % ZS_SIZE_CLASS_DELTA != 0);
BUILD_BUG_ON(ZS_SIZE_CLASS_DELTA & (ZS_SIZE_CLASS_DELTA - 1));
BUILD_BUG_ON(ZS_MAX_ALLOC_SIZE != PAGE_SIZE);
BUILD_BUG_ON(ZS_SIZE_CLASSES > 256);	/* zspage->class_index */
BUILD_BUG_ON(ZS_SIZE_CLASSES & (ZS_SIZE_CLASSES - 1)); /* handle_class() */
BUILD_BUG_ON(ZS_MAX_OBJS_PER_ZSPAGE > (1 << SLOT_BITS));
BUILD_BUG_ON(ZS_MAX_PAGES_PER_ZSPAGE < 1 || ZS_MAX_PAGES_PER_ZSPAGE > 255);
BUILD_BUG_ON(sizeof(unsigned long) < 8);
BUILD_BUG_ON(MAG_BATCH > MAG_SIZE);
BUILD_BUG_ON(HPAGE_ID_BITS + ENTRY_INDEX_BITS != 32);
BUILD_BUG_ON(HPAGE_ID_BITS < ID_LEAF_SHIFT ||
	     ZSPAGE_ID_BITS < ID_LEAF_SHIFT);

/**
 * struct id_table - small numbers for zspage descriptors or handle pages
 * @lock:	protects @next, @free and the installing of leaves
 * @next:	ids from here on were never handed out
 * @free:	first free id + 1, 0 when none; the slot of a free id holds
 *		the next one as (next + 1) << 1 | 1
 * @inuse:	ids handed out and not freed
 * @max:	ids are below this
 * @leaves:	leaves[id >> ID_LEAF_SHIFT][id % ID_LEAF_IDS] is the object
 *		of id. The first leaf is part of the pool's fixed
 *		structures; the others are installed when ids reach them
 *		and freed when no id is in use any more (nobody can look
 *		one up then), counted in the pool's meta_bytes meanwhile
 *
 * Lookups take no lock: a leaf is published with release semantics, and
 * the slot of an id is written before the id is handed to anyone, who
 * learns it under a lock taken afterwards (the class lock for a zspage,
 * a shard lock then a class lock for a handle page).
 */
struct id_table {
	spinlock_t lock;
	uint32_t next;			/* protected by lock */
	uint32_t free;			/* protected by lock */
	uint32_t inuse;			/* protected by lock */
	uint32_t max;
	uintptr_t **leaves;		/* set under lock, read without */
};

/**
 * struct zspage - the descriptor of a zspage (malloc()ed)
 * @list:	links it into its class's fullness list, or a list of
 *		descriptors to free
 * @id:		its number in the pool's zspage_ids: handle entries name
 *		the zspage by it
 * @inuse:	live objects
 * @holes:	free slots lying wholly on pages held
 * @nr_pages:	pages held (non-NULL entries of pages[])
 * @group:	the fullness list it is on, or ZS_UNLISTED
 * @class_index: index of its class (for zs_destroy_pool())
 * @hole_listed: on the front part of its list, with the zspages having
 *		holes (it had holes when last listed)
 *
 * Followed by free[] (class->words words: bit set = slot free), pages[]
 * (class->pages_per_zspage pointers) and handles[]
 * (class->objs_per_zspage back pointers, meaningful for used slots). All
 * fields but @id and @class_index, which never change, are protected by
 * the class lock.
 */
struct zspage {
	struct list_head list;		/* protected by class->lock */
	uint32_t id;
	uint16_t inuse;			/* protected by class->lock */
	uint16_t holes;			/* protected by class->lock */
	uint8_t nr_pages;		/* protected by class->lock */
	uint8_t group;			/* protected by class->lock */
	uint8_t class_index;
	uint8_t hole_listed;		/* protected by class->lock */
};

/**
 * struct size_class - one size class (possibly serving merged sizes)
 * @lock:	protects the lists, the counters below, @spare, @mag, and
 *		every zspage of the class with the handle entries of its
 *		objects; held from zs_map_object() to zs_unmap_object()
 * @list_mask:	bit i set iff lists[i] is not empty
 * @hole_mask:	bit i set iff the first zspage of lists[i] has holes (also
 *		read without the lock, as a hint)
 * @mag_nr:	entries in @mag
 * @spare:	an empty descriptor kept for the next zspage while the class
 *		has zspages, or NULL
 * @objs:	live objects
 * @zspages:	zspages
 * @pages:	pages held by the zspages
 * @last_pages:	zspages holding their last page (and so its end waste)
 * @holes:	sum of the zspages' holes
 * @compact_mark: excess (see class_excess()) after the last complete
 *		compaction, lowered as allocations use it up
 * @compact_bytes: automatic compaction threshold in bytes (0: off)
 * @moved:	objects moved by compaction
 * @compacted:	pages freed by compaction
 * @auto_rounds: automatic compaction rounds
 * @size:	slot size
 * @index:	index of @size among the classes (in handles)
 * @pages_per_zspage: pages a zspage spans
 * @objs_per_zspage: slots in a zspage
 * @words:	words of a zspage's free[] bitmap
 * @end_waste:	bytes at the end of a zspage's last page that no slot uses
 * @group_mult:	zs_group()'s multiplier
 * @desc_size:	bytes of a zspage's descriptor
 * @lists:	zspages with free slots by fullness; see NR_FULLNESS_GROUPS
 * @page_first:	page_first[p]: first slot touching page p
 * @page_last:	page_last[p]: last slot touching page p
 * @mag:	back pointers of free handle entries kept for the class's
 *		next objects
 *
 * The geometry fields (@size to @page_last but @lists) are set at
 * creation and read-only afterwards.
 */
struct size_class {
	spinlock_t lock;
	unsigned int list_mask;			/* protected by lock */
	unsigned int hole_mask;			/* protected by lock */
	unsigned int mag_nr;			/* protected by lock */
	struct zspage *spare;			/* protected by lock */
	uint64_t objs;				/* protected by lock */
	uint64_t zspages;			/* protected by lock */
	uint64_t pages;				/* protected by lock */
	uint64_t last_pages;			/* protected by lock */
	uint64_t holes;				/* protected by lock */
	int64_t compact_mark;			/* protected by lock */
	int64_t compact_bytes;			/* protected by lock */
	uint64_t moved;				/* protected by lock */
	uint64_t compacted;			/* protected by lock */
	uint64_t auto_rounds;			/* protected by lock */
	unsigned int size;
	unsigned int index;
	unsigned int pages_per_zspage;
	unsigned int objs_per_zspage;
	unsigned int words;
	unsigned int end_waste;
	unsigned int group_mult;
	unsigned int desc_size;
	struct list_head lists[NR_FULLNESS_GROUPS]; /* protected by lock */
	uint16_t page_first[ZS_MAX_PAGES_PER_ZSPAGE];
	uint16_t page_last[ZS_MAX_PAGES_PER_ZSPAGE];
	uint32_t mag[MAG_SIZE];			/* protected by lock */
} __attribute__((aligned(64)));

/**
 * struct handle_page - header of a page of handle entries
 * @list:	on its shard's partial list (free entries left) or full list
 * @shard:	the shard owning the page
 * @id:		its number in the pool's hpage_ids (in back pointers)
 * @free:	index of the first free entry given back (0: none); each
 *		free entry holds the index of the next
 * @unused:	entries from this index on were never handed out
 * @inuse:	entries handed out
 *
 * Entries 0 to FIRST_ENTRY - 1 are this header. All fields but @shard and
 * @id are protected by the shard's lock.
 */
struct handle_page {
	struct list_head list;		/* protected by shard->lock */
	struct handle_shard *shard;
	uint32_t id;
	uint16_t free;			/* protected by shard->lock */
	uint16_t unused;		/* protected by shard->lock */
	uint16_t inuse;			/* protected by shard->lock */
};

BUILD_BUG_ON(sizeof(struct handle_page) > HANDLE_PAGE_HDR);
BUILD_BUG_ON(PAGE_SIZE / sizeof(uint32_t) > UINT16_MAX);

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
 * @zspage_ids:	the zspage descriptors by id (handle entries hold ids)
 * @hpage_ids:	the handle pages by id (back pointers hold ids)
 * @shards:	the handle allocators
 * @pages_nr:	pages held: zspage pages and handle pages
 * @handle_pages: handle pages
 * @meta_bytes:	bytes of the zspage descriptors and id table leaves, as
 *		malloc() takes them
 *
 * The counters are atomics, added to once per operation after its locks
 * are dropped, and read without a lock; @size_class is read-only after
 * creation.
 */
struct zs_pool {
	struct size_class *size_class[ZS_SIZE_CLASSES];
	struct id_table zspage_ids;
	struct id_table hpage_ids;
	struct handle_shard shards[NR_HANDLE_SHARDS];
	uint64_t pages_nr;		/* atomic */
	uint64_t handle_pages;		/* atomic */
	uint64_t meta_bytes;		/* atomic */
};

/*
 * RECLAIM_PAGES - pages an operation collects in an array to give back
 * once its lock is dropped, enough for a free and an automatic
 * compaction round; more are linked through their first word, which
 * touches (and may fault into the cache) memory nobody needs any more.
 */
#define RECLAIM_PAGES		(2 * AUTO_COMPACT_MOVES + 4)

/**
 * struct zs_reclaim - what an operation gives back and counts once the
 * class lock is dropped
 * @page:	pages, the first @nr_pages of them
 * @nr_pages:	entries used in @page
 * @more_pages:	pages beyond those, linked through their first word
 * @descs:	descriptors, linked through their list field
 * @pages_delta: change of the pages held, for pool->pages_nr
 */
struct zs_reclaim {
	void *page[RECLAIM_PAGES];
	unsigned int nr_pages;
	void *more_pages;
	struct list_head descs;
	int64_t pages_delta;
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
 * struct mapping_area - a thread's mapping
 * @buf:	the copy of a mapped slot spanning two pages
 * @zs:		the zspage of the mapped slot, while @copied
 * @slot:	the mapped slot, while @copied
 * @mm:		the mode of the current mapping
 * @copied:	the mapping is @buf (unmap copies it back)
 */
struct mapping_area {
	_Alignas(64) char buf[ZS_MAX_ALLOC_SIZE];
	struct zspage *zs;
	unsigned int slot;
	enum zpool_mapmode mm;
	bool copied;
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

/*
 * Bytes glibc's malloc() takes for @size bytes: a size word, rounded up
 * to 16, at least 32. What the memory figures charge for a descriptor.
 */
static size_t malloc_bytes(size_t size)
{
	size_t n = (size + sizeof(size_t) + 15) & ~(size_t)15;

	return n < 32 ? 32 : n;
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
	size_t n = sizeof(struct zspage) + map_words(objs) * sizeof(uint64_t) +
		   pages * sizeof(void *) + objs * sizeof(uint32_t);

	return (n + 7) & ~(size_t)7;
}

/*
 * The chain length of a class of @size-byte slots: the one spending the
 * least memory per object, pages and descriptor counted (the shortest
 * among equals).
 */
static uint64_t class_geometry(unsigned int size, unsigned int *pages,
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
		cost = n * PAGE_SIZE + malloc_bytes(desc_bytes(n, o));
		/* cost / o < best_cost / best_objs */
		if (!*pages || cost * best_objs < best_cost * o) {
			*pages = n;
			best_cost = cost;
			best_objs = o;
		}
	}
	*objs = best_objs;
	return best_cost;
}

/* Id tables: see struct id_table. */

static int id_table_init(struct id_table *t, unsigned int bits)
{
	spin_lock_init(&t->lock);
	t->next = 0;
	t->free = 0;
	t->inuse = 0;
	t->max = (uint32_t)1 << bits;
	t->leaves = calloc(t->max >> ID_LEAF_SHIFT, sizeof(*t->leaves));
	if (!t->leaves)
		return -ENOMEM;
	t->leaves[0] = calloc(ID_LEAF_IDS, sizeof(**t->leaves));
	return t->leaves[0] ? 0 : -ENOMEM;
}

static void id_table_destroy(struct id_table *t)
{
	uint32_t i;

	if (t->leaves)
		for (i = 0; i < t->max >> ID_LEAF_SHIFT; i++)
			free(t->leaves[i]);
	free(t->leaves);
	spin_lock_destroy(&t->lock);
}

static uintptr_t *id_slot(struct id_table *t, uint32_t id)
{
	uintptr_t *leaf = __atomic_load_n(&t->leaves[id >> ID_LEAF_SHIFT],
					  __ATOMIC_ACQUIRE);

	return &leaf[id & (ID_LEAF_IDS - 1)];
}

/* The object of id @id, which is in use. No lock needed (see above). */
static void *id_get(struct id_table *t, uint32_t id)
{
	return (void *)__atomic_load_n(id_slot(t, id), __ATOMIC_RELAXED);
}

/* The object of @id, or NULL when @id is free (for zs_destroy_pool()). */
static void *id_peek(struct id_table *t, uint32_t id)
{
	uintptr_t v = *id_slot(t, id);

	return v & 1 ? NULL : (void *)v;
}

/*
 * Give @obj an id, reusing the last freed one. Takes the table's lock,
 * never with another lock held; may allocate a leaf (counted in @meta).
 * Return: the id, or -ENOMEM (no memory, or no id left).
 */
static long id_alloc(struct id_table *t, void *obj, uint64_t *meta)
{
	uintptr_t *leaf = NULL;
	uint32_t id;

	spin_lock(&t->lock);
	for (;;) {
		if (t->free) {
			id = t->free - 1;
			t->free = (uint32_t)(*id_slot(t, id) >> 1);
			break;
		}
		if (t->next == t->max)
			goto out_nomem;
		id = t->next;
		if (!t->leaves[id >> ID_LEAF_SHIFT] && leaf) {
			__atomic_store_n(&t->leaves[id >> ID_LEAF_SHIFT], leaf,
					 __ATOMIC_RELEASE);
			counter_add(meta, (int64_t)malloc_bytes(ID_LEAF_BYTES));
			leaf = NULL;
		}
		if (t->leaves[id >> ID_LEAF_SHIFT]) {
			t->next++;
			break;
		}
		spin_unlock(&t->lock);
		leaf = calloc(ID_LEAF_IDS, sizeof(*leaf));
		if (!leaf)
			return -ENOMEM;
		spin_lock(&t->lock);
	}
	__atomic_store_n(id_slot(t, id), (uintptr_t)obj, __ATOMIC_RELAXED);
	t->inuse++;
	spin_unlock(&t->lock);
	free(leaf);
	return id;

out_nomem:
	spin_unlock(&t->lock);
	free(leaf);
	return -ENOMEM;
}

/*
 * Free @id, which nobody will look up any more; when it was the last one
 * in use, the table starts afresh with its first leaf only (the others
 * are freed under the table's lock, a leaf lock). Takes the table lock.
 */
static void id_free(struct id_table *t, uint32_t id, uint64_t *meta)
{
	uint32_t i, leaves;

	spin_lock(&t->lock);
	__atomic_store_n(id_slot(t, id), (uintptr_t)t->free << 1 | 1,
			 __ATOMIC_RELAXED);
	t->free = id + 1;
	if (!--t->inuse) {
		leaves = (t->next + ID_LEAF_IDS - 1) >> ID_LEAF_SHIFT;
		for (i = 1; i < leaves; i++) {
			free(t->leaves[i]);
			t->leaves[i] = NULL;
		}
		if (leaves > 1)
			counter_add(meta, -(int64_t)(leaves - 1) *
				    (int64_t)malloc_bytes(ID_LEAF_BYTES));
		t->next = 0;
		t->free = 0;
	}
	spin_unlock(&t->lock);
}

static uint64_t *zs_free_map(struct zspage *zs)
{
	return (uint64_t *)(zs + 1);
}

static void **zs_pages(const struct size_class *class, struct zspage *zs)
{
	return (void **)(zs_free_map(zs) + class->words);
}

static uint32_t *zs_handles(const struct size_class *class, struct zspage *zs)
{
	return (uint32_t *)(zs_pages(class, zs) + class->pages_per_zspage);
}

static struct size_class *handle_class(struct zs_pool *pool,
				       unsigned long handle)
{
	return pool->size_class[(handle >> HANDLE_CLASS_SHIFT) &
				(ZS_SIZE_CLASSES - 1)];
}

/* The handle entry a back pointer (or the low half of a handle) names. */
static uint32_t *entry_of(struct zs_pool *pool, uint32_t bp)
{
	uint32_t *hp = id_get(&pool->hpage_ids, bp >> ENTRY_INDEX_BITS);

	return hp + (bp & ENTRY_INDEX_MASK);
}

/* The zspage a handle entry names. Caller holds the class lock. */
static struct zspage *zspage_of(struct zs_pool *pool, uint32_t loc)
{
	return id_get(&pool->zspage_ids, loc >> SLOT_BITS);
}

static uint32_t encode_loc(const struct zspage *zs, unsigned int slot)
{
	return zs->id << SLOT_BITS | slot;
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

/*
 * The list a zspage belongs on: its fullness group, inuse *
 * NR_FULLNESS_GROUPS / objs_per_zspage, or ZS_UNLISTED when full.
 */
static unsigned int zs_group(const struct size_class *class,
			     const struct zspage *zs)
{
	if (zs->inuse == class->objs_per_zspage)
		return ZS_UNLISTED;
	return (zs->inuse * class->group_mult) >> GROUP_MULT_SHIFT;
}

/*
 * hole_mask is also read without the lock, as a hint (zs_malloc()): it is
 * written atomically. Caller must hold the class lock.
 */
static void set_hole_mask(struct size_class *class, unsigned int mask)
{
	__atomic_store_n(&class->hole_mask, mask, __ATOMIC_RELAXED);
}

/*
 * Take a listed zspage off its list (or do nothing for an unlisted one).
 * Caller must hold the class lock.
 */
static void unlist_locked(struct size_class *class, struct zspage *zs)
{
	unsigned int g = zs->group;
	struct list_head *head = &class->lists[g];

	if (g == ZS_UNLISTED)
		return;
	list_del_init(&zs->list);
	if (list_empty(head))
		class->list_mask &= ~(1u << g);
	if (list_empty(head) ||
	    !list_first_entry(head, struct zspage, list)->hole_listed)
		set_hole_mask(class, class->hole_mask & ~(1u << g));
	zs->group = ZS_UNLISTED;
	zs->hole_listed = 0;
}

/*
 * Put an unlisted zspage on the list its objects call for: at the front
 * when it has holes, else at the back; a full one stays unlisted. Caller
 * must hold the class lock.
 */
static void list_locked(struct size_class *class, struct zspage *zs)
{
	unsigned int g = zs_group(class, zs);
	struct list_head *head = &class->lists[g];

	if (g == ZS_UNLISTED)
		return;
	zs->group = (uint8_t)g;
	zs->hole_listed = zs->holes != 0;
	if (zs->hole_listed) {
		list_add(&zs->list, head);
		set_hole_mask(class, class->hole_mask | 1u << g);
	} else {
		list_add_tail(&zs->list, head);
	}
	class->list_mask |= 1u << g;
}

/*
 * Move a zspage whose objects or holes changed to the list (or the part
 * of it) it now belongs on; usually there is nothing to do. Caller must
 * hold the class lock; @zs is listed, full or new, not being drained.
 */
static void fix_list_locked(struct size_class *class, struct zspage *zs)
{
	if (zs_group(class, zs) == zs->group &&
	    (zs->holes != 0) == zs->hole_listed)
		return;
	unlist_locked(class, zs);
	list_locked(class, zs);
}

/* The first zspage of the fullest group having holes, or NULL. */
static struct zspage *fullest_with_holes_locked(struct size_class *class)
{
	unsigned int mask = class->hole_mask;

	if (!mask)
		return NULL;
	return list_first_entry(&class->lists[31 - __builtin_clz(mask)],
				struct zspage, list);
}

/* The first zspage of the fullest non-empty list, or NULL. */
static struct zspage *fullest_locked(struct size_class *class)
{
	unsigned int mask = class->list_mask;

	if (!mask)
		return NULL;
	return list_first_entry(&class->lists[31 - __builtin_clz(mask)],
				struct zspage, list);
}

/*
 * A zspage of the emptiest non-empty list that is not @not, or NULL.
 * Caller must hold the class lock.
 */
static struct zspage *sparsest_but_locked(struct size_class *class,
					  struct zspage *not)
{
	unsigned int mask = class->list_mask;

	while (mask) {
		struct list_head *head =
			&class->lists[__builtin_ctz(mask)];
		struct zspage *zs = list_first_entry(head, struct zspage, list);

		if (zs != not)
			return zs;
		if (zs->list.next != head)
			return list_entry(zs->list.next, struct zspage, list);
		mask &= mask - 1;
	}
	return NULL;
}

static void reclaim_init(struct zs_reclaim *rec)
{
	rec->nr_pages = 0;
	rec->more_pages = NULL;
	INIT_LIST_HEAD(&rec->descs);
	rec->pages_delta = 0;
}

/* A new descriptor for a zspage of @class, with an id. NULL: no memory. */
static struct zspage *desc_alloc(struct zs_pool *pool,
				 struct size_class *class)
{
	struct zspage *zs = malloc(class->desc_size);
	long id;

	if (!zs)
		return NULL;
	id = id_alloc(&pool->zspage_ids, zs, &pool->meta_bytes);
	if (id < 0) {
		free(zs);
		return NULL;
	}
	zs->id = (uint32_t)id;
	zs->class_index = (uint8_t)class->index;
	counter_add(&pool->meta_bytes,
		    (int64_t)malloc_bytes(class->desc_size));
	return zs;
}

static void desc_free(struct zs_pool *pool, struct zspage *zs)
{
	struct size_class *class = pool->size_class[zs->class_index];

	id_free(&pool->zspage_ids, zs->id, &pool->meta_bytes);
	counter_add(&pool->meta_bytes,
		    -(int64_t)malloc_bytes(class->desc_size));
	free(zs);
}

/*
 * Give back what was collected under a class lock, now dropped, and
 * count what the operation did.
 */
static void reclaim_run(struct zs_pool *pool, struct zs_reclaim *rec)
{
	struct zspage *zs, *next;

	if (rec->pages_delta)
		counter_add(&pool->pages_nr, rec->pages_delta);
	while (rec->nr_pages)
		zpool_page_free(rec->page[--rec->nr_pages]);
	while (rec->more_pages) {
		void *page = rec->more_pages;

		rec->more_pages = *(void **)page;
		zpool_page_free(page);
	}
	list_for_each_entry_safe(zs, next, &rec->descs, list)
		desc_free(pool, zs);
	reclaim_init(rec);
}

/*
 * Make page @p of a zspage present with @page and count the holes it
 * creates. Caller must hold the class lock.
 */
static void add_page_locked(struct size_class *class, struct zspage *zs,
			    unsigned int p, void *page,
			    struct zs_reclaim *rec)
{
	void **pages = zs_pages(class, zs);

	assert(!pages[p] && page);
	pages[p] = page;
	zs->nr_pages++;
	class->pages++;
	if (p == class->pages_per_zspage - 1)
		class->last_pages++;
	rec->pages_delta++;
	holes_add_locked(class, zs, (int)count_holes_on(class, zs, p));
}

/*
 * Drop page @p of a zspage, which no used slot touches any more, into
 * @rec. Caller must hold the class lock.
 */
static void release_page_locked(struct size_class *class, struct zspage *zs,
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
	rec->pages_delta--;
	if (rec->nr_pages < RECLAIM_PAGES) {
		rec->page[rec->nr_pages++] = page;
	} else {
		*(void **)page = rec->more_pages;
		rec->more_pages = page;
	}
}

/*
 * Give @slot the pages it lies on that the zspage does not hold yet, from
 * @pages[] (*@nr available, taken from the end). Caller must hold the
 * class lock and have checked that there are enough.
 */
static void fill_pages_locked(struct size_class *class, struct zspage *zs,
			      unsigned int slot, void **pages,
			      unsigned int *nr, struct zs_reclaim *rec)
{
	unsigned int p, last = slot_last_page(class, slot);

	for (p = slot_first_page(class, slot); p <= last; p++) {
		if (zs_pages(class, zs)[p])
			continue;
		assert(*nr > 0);
		add_page_locked(class, zs, p, pages[--*nr], rec);
	}
}

/*
 * Use free slot @slot, whose pages are present, for the object whose
 * handle entry back pointer @bp names. Caller must hold the class lock.
 */
static void use_slot_locked(struct size_class *class, struct zspage *zs,
			    unsigned int slot, uint32_t bp)
{
	assert(slot_is_free(zs, slot) && slot_present(class, zs, slot));
	zs_free_map(zs)[slot / 64] &= ~(1ull << (slot % 64));
	holes_add_locked(class, zs, -1);
	zs->inuse++;
	class->objs++;
	zs_handles(class, zs)[slot] = bp;
}

/*
 * Free used slot @slot and give back the pages no used slot touches any
 * more. Caller must hold the class lock.
 */
static void free_slot_locked(struct size_class *class, struct zspage *zs,
			     unsigned int slot, struct zs_reclaim *rec)
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
			release_page_locked(class, zs, p, rec);
}

/* Set up a descriptor for a new zspage: every slot free, no page. */
static void init_zspage_locked(struct size_class *class, struct zspage *zs)
{
	uint64_t *map = zs_free_map(zs);
	unsigned int w;

	INIT_LIST_HEAD(&zs->list);
	zs->inuse = 0;
	zs->holes = 0;
	zs->nr_pages = 0;
	zs->group = ZS_UNLISTED;
	zs->hole_listed = 0;
	for (w = 0; w < class->words; w++)
		map[w] = range_mask(w, 0, class->objs_per_zspage - 1);
	memset(zs_pages(class, zs), 0,
	       class->pages_per_zspage * sizeof(void *));
	class->zspages++;
}

/*
 * Take an empty zspage (it holds no page) off every list; keep its
 * descriptor as the class's spare while the class has other zspages,
 * else drop it (and the spare) into @rec. Caller must hold the lock.
 */
static void free_zspage_locked(struct size_class *class, struct zspage *zs,
			       struct zs_reclaim *rec)
{
	assert(!zs->inuse && !zs->nr_pages && !zs->holes);
	unlist_locked(class, zs);
	list_del_init(&zs->list);	/* off a compaction list, too */
	class->zspages--;
	if (class->zspages && !class->spare) {
		class->spare = zs;
		return;
	}
	list_add(&zs->list, &rec->descs);
	if (!class->zspages && class->spare) {
		list_add(&class->spare->list, &rec->descs);
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

static uint32_t *handle_entries(struct handle_page *hp)
{
	return (uint32_t *)hp;
}

/*
 * Up to @want free handle entries from the calling thread's shard, as
 * back pointers into @out (fewer rather than taking a new page once some
 * were found). Takes the shard lock, never with a class lock held.
 * Return: how many (0: no memory).
 */
static unsigned int handle_alloc_batch(struct zs_pool *pool, uint32_t *out,
				       unsigned int want)
{
	struct handle_shard *shard = &pool->shards[thread_shard()];
	struct handle_page *hp;
	unsigned int got = 0;
	void *page = NULL;
	long id = -1;

	spin_lock(&shard->lock);
	while (got < want) {
		unsigned int idx;

		if (list_empty(&shard->partial)) {
			if (!page) {
				if (got)
					break;
				spin_unlock(&shard->lock);
				page = zpool_page_alloc();
				if (!page)
					return 0;
				id = id_alloc(&pool->hpage_ids, page,
					      &pool->meta_bytes);
				if (id < 0) {
					zpool_page_free(page);
					return 0;
				}
				spin_lock(&shard->lock);
				continue;
			}
			hp = page;
			hp->shard = shard;
			hp->id = (uint32_t)id;
			hp->free = 0;
			hp->unused = FIRST_ENTRY;
			hp->inuse = 0;
			list_add(&hp->list, &shard->partial);
			counter_add(&pool->pages_nr, 1);
			counter_add(&pool->handle_pages, 1);
			page = NULL;
		}
		hp = list_first_entry(&shard->partial, struct handle_page,
				      list);
		if (hp->free) {
			idx = hp->free;
			hp->free = (uint16_t)handle_entries(hp)[idx];
		} else {
			idx = hp->unused++;
		}
		out[got++] = hp->id << ENTRY_INDEX_BITS | idx;
		if (++hp->inuse == HANDLES_PER_PAGE) {
			list_del(&hp->list);
			list_add(&hp->list, &shard->full);
		}
	}
	spin_unlock(&shard->lock);
	/* another thread of the shard added a page meanwhile */
	if (page) {
		id_free(&pool->hpage_ids, (uint32_t)id, &pool->meta_bytes);
		zpool_page_free(page);
	}
	return got;
}

/*
 * Give @n entries (by back pointer) back to their shards; empty handle
 * pages go back to the page source. Takes shard locks, never with a class
 * lock held.
 */
static void handle_free_batch(struct zs_pool *pool, const uint32_t *bps,
			      unsigned int n)
{
	struct handle_shard *locked = NULL;
	struct handle_page *hp, *next;
	struct list_head empty;
	unsigned int i;

	INIT_LIST_HEAD(&empty);
	for (i = 0; i < n; i++) {
		unsigned int idx = bps[i] & ENTRY_INDEX_MASK;

		hp = id_get(&pool->hpage_ids, bps[i] >> ENTRY_INDEX_BITS);
		if (hp->shard != locked) {
			if (locked)
				spin_unlock(&locked->lock);
			locked = hp->shard;
			spin_lock(&locked->lock);
		}
		handle_entries(hp)[idx] = hp->free;
		hp->free = (uint16_t)idx;
		if (hp->inuse-- == HANDLES_PER_PAGE) {
			list_del(&hp->list);
			list_add(&hp->list, &locked->partial);
		}
		if (!hp->inuse) {
			list_del(&hp->list);
			list_add(&hp->list, &empty);
		}
	}
	if (locked)
		spin_unlock(&locked->lock);
	list_for_each_entry_safe(hp, next, &empty, list) {
		counter_add(&pool->pages_nr, -1);
		counter_add(&pool->handle_pages, -1);
		id_free(&pool->hpage_ids, hp->id, &pool->meta_bytes);
		zpool_page_free(hp);
	}
}

/*
 * Fill the class's empty magazine from the shard (the class lock is
 * dropped meanwhile). Caller must hold the class lock, and holds it again
 * on return. Return: false when no entry could be had (no memory).
 */
static bool refill_mag_locked(struct zs_pool *pool, struct size_class *class)
{
	uint32_t batch[MAG_BATCH];
	unsigned int n;

	while (!class->mag_nr) {
		spin_unlock(&class->lock);
		n = handle_alloc_batch(pool, batch, MAG_BATCH);
		spin_lock(&class->lock);
		if (!n)
			return false;
		while (n && class->mag_nr < MAG_SIZE)
			class->mag[class->mag_nr++] = batch[--n];
		if (n) {
			spin_unlock(&class->lock);
			handle_free_batch(pool, batch, n);
			spin_lock(&class->lock);
		}
	}
	return true;
}

/*
 * Put a handle entry into the class's magazine; what overflows, and the
 * whole magazine when the class has no object left, goes into @out
 * (MAG_SIZE + 1 entries) to be given back once the lock is dropped. Caller
 * must hold the class lock. Return: the number of entries put in @out.
 */
static unsigned int put_entry_locked(struct size_class *class, uint32_t bp,
				     uint32_t *out)
{
	unsigned int n = 0;

	if (class->mag_nr == MAG_SIZE)
		while (n < MAG_BATCH)
			out[n++] = class->mag[--class->mag_nr];
	class->mag[class->mag_nr++] = bp;
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

/*
 * The one or two pieces of memory slot @slot lies in, into @addr and
 * @len. Caller holds the class lock, and the slot's pages are present.
 * Return: the number of pieces.
 */
static unsigned int slot_pieces(const struct size_class *class,
				struct zspage *zs, unsigned int slot,
				char **addr, size_t *len)
{
	size_t off = (size_t)slot * class->size;
	size_t in = off & ~PAGE_MASK;
	void **pages = zs_pages(class, zs);

	addr[0] = (char *)pages[off >> PAGE_SHIFT] + in;
	if (in + class->size <= PAGE_SIZE) {
		len[0] = class->size;
		return 1;
	}
	len[0] = PAGE_SIZE - in;
	addr[1] = pages[(off >> PAGE_SHIFT) + 1];
	len[1] = class->size - len[0];
	return 2;
}

/*
 * Move the object in slot @from of @src to free slot @to of @dst (maybe
 * @src itself), whose pages are present, piece by piece, update its
 * handle entry and free the old slot. Caller must hold the class lock.
 */
static void move_object_locked(struct zs_pool *pool, struct size_class *class,
			       struct zspage *src, unsigned int from,
			       struct zspage *dst, unsigned int to,
			       struct zs_reclaim *rec)
{
	uint32_t bp = zs_handles(class, src)[from];
	char *s_addr[2], *d_addr[2];
	size_t s_len[2], d_len[2];
	unsigned int ns, nd, i = 0, j = 0;

	use_slot_locked(class, dst, to, bp);
	ns = slot_pieces(class, src, from, s_addr, s_len);
	nd = slot_pieces(class, dst, to, d_addr, d_len);
	while (i < ns && j < nd) {
		size_t n = s_len[i] < d_len[j] ? s_len[i] : d_len[j];

		memcpy(d_addr[j], s_addr[i], n);
		s_addr[i] += n;
		d_addr[j] += n;
		s_len[i] -= n;
		d_len[j] -= n;
		i += !s_len[i];
		j += !d_len[j];
	}
	*entry_of(pool, bp) = encode_loc(dst, to);
	free_slot_locked(class, src, from, rec);
	class->moved++;
}

/*
 * Move the objects of the unlisted zspage @src, top slot first, into the
 * fullest zspages (their lowest hole, else their lowest free slot, with
 * pages from @stock), taking one move from *@budget each, until @src is
 * empty or every other zspage is full (ROUND_DONE either way). Caller
 * must hold the class lock.
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

		assert(from >= 0);
		if (!dst)
			return ROUND_DONE;
		if (!*budget)
			return ROUND_BUDGET;
		to = find_free_slot(class, dst, 0, class->objs_per_zspage - 1,
				    dst->holes != 0);
		assert(to >= 0);
		if (slot_missing_pages(class, dst, (unsigned int)to) >
		    stock->nr)
			return ROUND_STOCK;
		fill_pages_locked(class, dst, (unsigned int)to, stock->pages,
				  &stock->nr, rec);
		move_object_locked(pool, class, src, (unsigned int)from, dst,
				   (unsigned int)to, rec);
		fix_list_locked(class, dst);
		top = (unsigned int)from;
		(*budget)--;
	}
	return ROUND_DONE;
}

/*
 * Fill holes: move the top object of the sparsest zspage into the lowest
 * hole of the fullest zspage having holes, objects flowing only from a
 * zspage to one holding as many objects or more (of two in the same
 * fullness group, the one holding fewer gives); with no such source, move
 * the top objects of the destination down into its own holes. Either way
 * the top pages of a sparse zspage empty and go back, and no page is
 * needed. At most *@budget moves. Caller must hold the class lock.
 */
static enum round_end fill_holes_locked(struct zs_pool *pool,
					struct size_class *class,
					unsigned int *budget,
					struct zs_reclaim *rec)
{
	for (;;) {
		struct zspage *dst = fullest_with_holes_locked(class);
		struct zspage *src;
		int from, to;

		if (!dst)
			return ROUND_DONE;
		src = sparsest_but_locked(class, dst);
		if (src && src->inuse > dst->inuse) {
			struct zspage *fuller = src;

			src = fuller->holes ? dst : NULL;
			dst = fuller->holes ? fuller : dst;
		}
		if (!src)
			src = dst;
		from = find_last_used(class, src, class->objs_per_zspage);
		to = (int)first_hole(class, dst);
		assert(from >= 0);
		if (src == dst && to > from)
			return ROUND_DONE;
		if (!*budget)
			return ROUND_BUDGET;
		move_object_locked(pool, class, src, (unsigned int)from, dst,
				   (unsigned int)to, rec);
		(*budget)--;
		if (!src->inuse)
			free_zspage_locked(class, src, rec);
		else
			fix_list_locked(class, src);
		if (dst != src)
			fix_list_locked(class, dst);
	}
}

/*
 * Move the top objects of a zspage down into its lowest free slots (with
 * pages from @stock), until its objects are the lowest slots: a zspage
 * packed this way holds the fewest pages for its objects. At most
 * *@budget moves. Caller must hold the class lock.
 */
static enum round_end pack_locked(struct zs_pool *pool,
				  struct size_class *class, struct zspage *zs,
				  struct page_stock *stock, unsigned int *budget,
				  struct zs_reclaim *rec)
{
	unsigned int last = class->objs_per_zspage - 1;

	for (;;) {
		int from = find_last_used(class, zs, last + 1);
		int to = find_free_slot(class, zs, 0, last, false);

		if (from < 0 || to < 0 || to > from)
			return ROUND_DONE;
		if (!*budget)
			return ROUND_BUDGET;
		if (slot_missing_pages(class, zs, (unsigned int)to) > stock->nr)
			return ROUND_STOCK;
		fill_pages_locked(class, zs, (unsigned int)to, stock->pages,
				  &stock->nr, rec);
		move_object_locked(pool, class, zs, (unsigned int)from, zs,
				   (unsigned int)to, rec);
		(*budget)--;
	}
}

/*
 * One round of zs_compact() on a class: while the class has two zspages
 * with free slots or more, empty its sparsest zspage into the fullest
 * ones (the kernel's compaction, carried on to the end) and free it; then
 * pack the one zspage left with free slots. The class ends up in as few
 * zspages as its objects need, all full but one whose objects are its
 * lowest slots. At most *@budget moves. Caller must hold the class lock.
 */
static enum round_end compact_round_locked(struct zs_pool *pool,
					   struct size_class *class,
					   struct page_stock *stock,
					   unsigned int *budget,
					   struct zs_reclaim *rec)
{
	enum round_end end;
	struct zspage *src;

	while ((src = sparsest_but_locked(class, NULL)) &&
	       sparsest_but_locked(class, src)) {
		unlist_locked(class, src);	/* not a destination */
		end = drain_locked(pool, class, src, stock, budget, rec);
		if (!src->inuse) {
			free_zspage_locked(class, src, rec);
			continue;
		}
		list_locked(class, src);
		if (end != ROUND_DONE)
			return end;
		break;		/* the others are full */
	}
	src = sparsest_but_locked(class, NULL);
	if (src) {
		end = pack_locked(pool, class, src, stock, budget, rec);
		fix_list_locked(class, src);
		if (end != ROUND_DONE)
			return end;
	}
	return fill_holes_locked(pool, class, budget, rec);
}

/*
 * Whether the class calls for automatic compaction: its excess grew past
 * the threshold since it last finished compacting. Caller holds the lock.
 */
static bool auto_compact_due_locked(const struct size_class *class)
{
	int64_t thr = (int64_t)(class->pages * PAGE_SIZE *
				ZS_AUTO_COMPACT_PERMILLE / 1000);

	if (!class->compact_bytes)
		return false;
	if (thr < class->compact_bytes)
		thr = class->compact_bytes;
	return class_excess(class) >= class->compact_mark + thr;
}

/*
 * The automatic compaction round of zs_free(): fill holes, at most
 * AUTO_COMPACT_MOVES moves. Caller must hold the class lock.
 */
static void auto_compact_locked(struct zs_pool *pool,
				struct size_class *class,
				struct zs_reclaim *rec)
{
	unsigned int budget = AUTO_COMPACT_MOVES;
	uint64_t before = class->pages;

	if (fill_holes_locked(pool, class, &budget, rec) == ROUND_DONE)
		class->compact_mark = class_excess(class);
	if (class->pages < before)
		class->compacted += before - class->pages;
	class->auto_rounds++;
}

/*
 * Compact a class for zs_compact(), in rounds of at most ZS_COMPACT_MOVES
 * moves, taking the class lock for each: until a round finishes or makes
 * no progress. A round stopped for want of pages is followed by one with
 * a stock of STOCK_PAGES pages. Caller must not hold the class lock.
 * Return: pages freed (net).
 */
static unsigned long compact_class(struct zs_pool *pool,
				   struct size_class *class)
{
	struct page_stock stock = { .nr = 0 };
	int64_t freed = 0;
	struct zs_reclaim rec;

	reclaim_init(&rec);
	for (;;) {
		unsigned int budget = ZS_COMPACT_MOVES;
		enum round_end end;
		uint64_t before;

		spin_lock(&class->lock);
		before = class->pages;
		end = compact_round_locked(pool, class, &stock, &budget, &rec);
		if (class->pages < before)
			class->compacted += before - class->pages;
		freed += (int64_t)before - (int64_t)class->pages;
		if (end == ROUND_DONE)
			class->compact_mark = class_excess(class);
		spin_unlock(&class->lock);
		reclaim_run(pool, &rec);
		if (end == ROUND_DONE ||
		    (budget == ZS_COMPACT_MOVES && end != ROUND_STOCK))
			break;
		if (end == ROUND_STOCK) {
			unsigned int had = stock.nr;

			stock_fill(&stock, STOCK_PAGES);
			if (budget == ZS_COMPACT_MOVES && stock.nr == had)
				break;	/* no progress, no more pages */
		}
	}
	stock_drain(&stock);
	return freed > 0 ? (unsigned long)freed : 0;
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

/*
 * Whether sizes whose best zspage has @pages pages, @objs slots and costs
 * @cost bytes (descriptor included) join the class @prev, of the next
 * larger size, whose zspage costs @prev_cost: when the geometry is the
 * same, or the class's memory per object is within ZS_MERGE_PERMILLE of
 * theirs.
 */
static bool can_merge(const struct size_class *prev, uint64_t prev_cost,
		      unsigned int pages, unsigned int objs, uint64_t cost)
{
	if (prev->pages_per_zspage == pages && prev->objs_per_zspage == objs)
		return true;
	/* prev_cost / prev->objs <= cost / objs * (1 + permille / 1000) */
	return prev_cost * objs * 1000 <=
	       cost * prev->objs_per_zspage * (1000 + ZS_MERGE_PERMILLE);
}

/**
 * zs_create_pool() - create a new zsmalloc pool
 * @name: a name for the pool (unused, kept for the kernel's signature)
 *
 * Sets up the size classes: the chain length of each, and the merging of
 * neighbouring sizes into the class of a larger one that uses memory as
 * well, or nearly (ZS_MERGE_PERMILLE). No page is taken until the first
 * allocation. Automatic compaction is on (ZS_AUTO_COMPACT_PAGES,
 * ZS_AUTO_COMPACT_PERMILLE).
 *
 * Return: the new pool, empty, or NULL if its structures could not be
 * allocated.
 */
struct zs_pool *zs_create_pool(const char *name)
{
	struct size_class *prev = NULL;
	uint64_t cost, prev_cost = 0;
	struct zs_pool *pool;
	unsigned int i, p;
	int k, ret;

	(void)name;
	pool = calloc(1, sizeof(*pool));
	if (!pool)
		return NULL;
	for (i = 0; i < NR_HANDLE_SHARDS; i++) {
		spin_lock_init(&pool->shards[i].lock);
		INIT_LIST_HEAD(&pool->shards[i].partial);
		INIT_LIST_HEAD(&pool->shards[i].full);
	}
	ret = id_table_init(&pool->zspage_ids, ZSPAGE_ID_BITS);
	if (id_table_init(&pool->hpage_ids, HPAGE_ID_BITS) || ret)
		goto out_destroy_pool;

	/* largest first, so that smaller sizes can join a larger class */
	for (k = ZS_SIZE_CLASSES - 1; k >= 0; k--) {
		unsigned int size = ZS_MIN_ALLOC_SIZE +
				    (unsigned int)k * ZS_SIZE_CLASS_DELTA;
		unsigned int pages, objs;
		struct size_class *class;

		cost = class_geometry(size, &pages, &objs);
		if (prev && can_merge(prev, prev_cost, pages, objs, cost)) {
			pool->size_class[k] = prev;
			continue;
		}
		class = aligned_alloc(_Alignof(struct size_class),
				      sizeof(*class));
		if (!class)
			goto out_destroy_pool;
		memset(class, 0, sizeof(*class));
		spin_lock_init(&class->lock);
		for (i = 0; i < NR_FULLNESS_GROUPS; i++)
			INIT_LIST_HEAD(&class->lists[i]);
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
		class->desc_size = (unsigned int)desc_bytes(pages, objs);
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
		prev_cost = cost;
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
	struct size_class *class;
	uint32_t id;
	unsigned int i, p;

	if (!pool)
		return;
	/* every descriptor, spares included, has an id */
	for (id = 0; pool->zspage_ids.leaves && id < pool->zspage_ids.next;
	     id++) {
		struct zspage *zs = id_peek(&pool->zspage_ids, id);
		void **pages;

		if (!zs)
			continue;
		class = pool->size_class[zs->class_index];
		pages = zs_pages(class, zs);
		for (p = 0; p < class->pages_per_zspage; p++)
			zpool_page_free(pages[p]);
		free(zs);
	}
	for (id = 0; pool->hpage_ids.leaves && id < pool->hpage_ids.next;
	     id++)
		zpool_page_free(id_peek(&pool->hpage_ids, id));
	for (i = 0; i < ZS_SIZE_CLASSES; i++) {
		class = pool->size_class[i];
		if (!class || class->index != i)
			continue;
		spin_lock_destroy(&class->lock);
		free(class);
	}
	for (i = 0; i < NR_HANDLE_SHARDS; i++)
		spin_lock_destroy(&pool->shards[i].lock);
	id_table_destroy(&pool->zspage_ids);
	id_table_destroy(&pool->hpage_ids);
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
 * Takes a handle entry from the class's magazine, then, in the object's
 * class, a hole (costs no memory), else the lowest free slot of the
 * fullest zspage (taking the one or two pages it lies on), else the first
 * slot of a new zspage. Pages and descriptors are allocated with the
 * class lock not held: a page beforehand when the class had no hole at
 * last look, else with the lock dropped, and the choice made again. The
 * object's contents are undefined.
 *
 * Return: 0 and *@handle set; -EINVAL if @size is 0; -ENOSPC if @size is
 * larger than ZS_MAX_ALLOC_SIZE (4096); -ENOMEM if no page, descriptor or
 * handle entry could be had. On error nothing is modified.
 */
int zs_malloc(struct zs_pool *pool, size_t size, gfp_t gfp,
	      unsigned long *handle)
{
	struct zspage *zs, *new_desc = NULL;
	unsigned int npg = 0, slot, need, nout;
	uint32_t bp, out[MAG_SIZE + 1];
	struct size_class *class;
	struct zs_reclaim rec;
	void *pg[2];
	int64_t excess;

	(void)gfp;
	if (!size)
		return -EINVAL;
	if (size > ZS_MAX_ALLOC_SIZE)
		return -ENOSPC;
	class = pool->size_class[get_size_class_index(size)];
	reclaim_init(&rec);
	/*
	 * No hole in the class when last looked (a hint, read without the
	 * lock): the slot will need a page, so take one now rather than
	 * drop the lock for it later. Given back if not used.
	 */
	if (!__atomic_load_n(&class->hole_mask, __ATOMIC_RELAXED)) {
		pg[0] = zpool_page_alloc();
		npg = pg[0] != NULL;
	}

	spin_lock(&class->lock);
	if (unlikely(!class->mag_nr) && !refill_mag_locked(pool, class)) {
		spin_unlock(&class->lock);
		while (npg)
			zpool_page_free(pg[--npg]);
		return -ENOMEM;
	}
	bp = class->mag[--class->mag_nr];
	for (;;) {
		bool want_desc = false;

		zs = fullest_with_holes_locked(class);
		if (likely(zs)) {
			slot = first_hole(class, zs);
			break;
		}
		zs = fullest_locked(class);
		if (zs) {
			slot = (unsigned int)find_free_slot(class, zs, 0,
					class->objs_per_zspage - 1, false);
			need = slot_missing_pages(class, zs, slot);
			if (need <= npg)
				break;
		} else {
			slot = 0;
			need = 1;
			if (npg && (class->spare || new_desc)) {
				if (class->spare) {
					zs = class->spare;
					class->spare = NULL;
				} else {
					zs = new_desc;
					new_desc = NULL;
				}
				init_zspage_locked(class, zs);
				break;
			}
			want_desc = !class->spare && !new_desc;
		}

		/* get what is missing without the lock, then look again */
		spin_unlock(&class->lock);
		while (npg < need) {
			pg[npg] = zpool_page_alloc();
			if (!pg[npg])
				goto out_put_entry;
			npg++;
		}
		if (want_desc) {
			new_desc = desc_alloc(pool, class);
			if (!new_desc)
				goto out_put_entry;
		}
		spin_lock(&class->lock);
	}

	fill_pages_locked(class, zs, slot, pg, &npg, &rec);
	use_slot_locked(class, zs, slot, bp);
	*entry_of(pool, bp) = encode_loc(zs, slot);
	fix_list_locked(class, zs);
	excess = class_excess(class);
	if (excess < class->compact_mark)
		class->compact_mark = excess;
	spin_unlock(&class->lock);
	*handle = (unsigned long)class->index << HANDLE_CLASS_SHIFT | bp;
	if (unlikely(npg || new_desc)) {
		while (npg)
			zpool_page_free(pg[--npg]);
		if (new_desc)
			list_add(&new_desc->list, &rec.descs);
	}
	reclaim_run(pool, &rec);
	return 0;

out_put_entry:
	/* back to the magazine, which goes back whole if the class is empty */
	spin_lock(&class->lock);
	nout = put_entry_locked(class, bp, out);
	spin_unlock(&class->lock);
	if (nout)
		handle_free_batch(pool, out, nout);
	while (npg)
		zpool_page_free(pg[--npg]);
	if (new_desc)
		desc_free(pool, new_desc);
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
 * AUTO_COMPACT_MOVES moves into holes follows, under the same lock.
 * Can't fail.
 */
void zs_free(struct zs_pool *pool, unsigned long handle)
{
	struct size_class *class = handle_class(pool, handle);
	uint32_t bp = (uint32_t)handle, out[MAG_SIZE + 1];
	struct zs_reclaim rec;
	unsigned int nout;
	struct zspage *zs;
	uint32_t loc;

	reclaim_init(&rec);
	spin_lock(&class->lock);
	loc = *entry_of(pool, bp);
	zs = zspage_of(pool, loc);
	free_slot_locked(class, zs, loc & SLOT_MASK, &rec);
	if (!zs->inuse)
		free_zspage_locked(class, zs, &rec);
	else
		fix_list_locked(class, zs);
	nout = put_entry_locked(class, bp, out);
	if (auto_compact_due_locked(class))
		auto_compact_locked(pool, class, &rec);
	spin_unlock(&class->lock);
	if (nout)
		handle_free_batch(pool, out, nout);
	reclaim_run(pool, &rec);
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
	uint32_t loc;
	struct zspage *zs;
	char *addr;

	spin_lock(&class->lock);
	loc = *entry_of(pool, (uint32_t)handle);
	zs = zspage_of(pool, loc);
	addr = slot_addr(class, zs, loc & SLOT_MASK);
	area->copied = !addr;
	if (addr)
		return addr;

	area->zs = zs;
	area->slot = loc & SLOT_MASK;
	area->mm = mm;
	if (mm != ZPOOL_MM_WO)
		read_slot(class, zs, area->slot, area->buf);
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
	struct mapping_area *area = &zs_map_area;

	if (area->copied && area->mm != ZPOOL_MM_RO)
		write_slot(class, area->zs, area->slot, area->buf);
	spin_unlock(&class->lock);
}

/**
 * zs_get_total_pages() - memory the pool uses, in pages
 * @pool: the pool
 *
 * Pages holding objects, handle pages, and the bytes malloc() takes for
 * the descriptors and id tables, rounded up to whole pages. Lock-free:
 * the figures are read atomically and may be stale by the time they are
 * used. Can't fail.
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
 * it; then moves the top objects of the sparsest zspages into holes.
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
		freed += compact_class(pool, class);
	return freed;
}

/**
 * zs_set_auto_compact() - set the automatic compaction threshold
 * @pool: the pool
 * @pages: compact a class when its excess (bytes of its pages holding no
 *	   object, beyond the unavoidable) grows by this many pages; 0
 *	   turns automatic compaction off
 *
 * The default is ZS_AUTO_COMPACT_PAGES; a class whose pages number more
 * than 1000 / ZS_AUTO_COMPACT_PERMILLE times @pages waits for that per
 * mille of its pages instead. Can't fail.
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
		stats->pages_compacted += class->compacted;
		stats->objs_moved += class->moved;
		stats->auto_compactions += class->auto_rounds;
		spin_unlock(&class->lock);
	}
	stats->handle_pages = counter_get(&pool->handle_pages);
	stats->meta_bytes = counter_get(&pool->meta_bytes);
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
