/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pagemap.c - the pages of one file: a sparse map from page index to slot.
 *
 * A radix tree in the spirit of the kernel's XArray (lib/xarray.c): every
 * node has 64 entries and consumes 6 bits of the index, most significant
 * digit at the root. Leaves hold the slots themselves (struct zpfs_slot,
 * 8 bytes), inner nodes hold pointers to the nodes below. A map of height
 * h covers the indexes 0 .. 64^h - 1:
 *
 *   index (64 bits):  | ... | digit 3 | digit 2 | digit 1 |
 *                              6 bits    6 bits    6 bits
 *
 *   pm->root (height 3, covers 0 .. 262143)
 *     struct pm_inner         present = ...0101
 *     +---------+---------+---------+- -+---------+
 *     | child 0 |  NULL   | child 2 |   |  NULL   |   64 pointers
 *     +---------+---------+---------+- -+---------+
 *          |                   |
 *          v                   v
 *     struct pm_inner     struct pm_inner                 (digit 2)
 *          |
 *          v
 *     struct pm_leaf          present = ...0011
 *     +--------+--------+--------+- -+--------+
 *     | slot 0 | slot 1 |  hole  |   |  hole  |   64 slots, 512 bytes
 *     +--------+--------+--------+- -+--------+
 *
 * Why this shape:
 *  - Sparse files cost what they store. Only the paths to pages that exist
 *    are allocated: a 1 TiB file (2^28 pages, height 5) with its first and
 *    last page written holds 7 inner nodes and 2 leaves, under 6 KiB. A flat
 *    array would need 4 GiB of slots for the same file.
 *  - Dense files cost little: one 520-byte leaf per 64 pages (256 KiB of
 *    data), 0.2 % of the data before compression, plus one 520-byte inner
 *    node per 4096 pages.
 *  - Small files too: the root leaf of a map of height 1 has only the
 *    slots its highest index needs, 1, 4, 16 or 64 (grown by moving it),
 *    so a one-page file costs 16 bytes of map, not a 520-byte leaf. Most
 *    files are small: a tree of linux-source-6.1 (83,731 entries) held
 *    82 MiB of mostly empty leaves before.
 *  - Lookups are short: a 1 GiB file has height 3 (18 bits of index); the
 *    largest file (ZPFS_MAX_FILE_SIZE, 2^51 pages) has height 9. The tree
 *    supports every 64-bit index (height 11, the root using 4 bits).
 *  - The tree grows at the top only when an index needs it (a new root
 *    whose child 0 is the old root) and shrinks back when a remove leaves
 *    the root with child 0 alone, as the XArray does; so the height always
 *    fits the largest index in use.
 *
 * The present bitmap. Each node keeps a 64-bit mask of its used entries:
 * for an inner node the non-NULL children, for a leaf the slots handed out
 * by zpfs_pagemap_get() and not yet removed. zpfs_pagemap_get() returns a
 * pointer into the leaf and the caller fills the slot later (store.c), so
 * the map cannot see when a slot stops being a hole. The mask is therefore
 * a superset of the non-hole slots: a slot that may hold data always has its
 * bit set, a set bit may still be a hole. That is enough for everything:
 *  - a node whose mask is 0 is empty and is freed (zpfs_pagemap_remove());
 *  - zpfs_pagemap_next() finds candidates with count-trailing-zeros and
 *    skips empty subtrees in one step (SEEK_DATA over a sparse file costs
 *    one node visit per level, not one per 64 holes);
 *  - a slot handed out by get() stays valid until a remove over its own
 *    index (a remove of another range never frees its leaf) or the next
 *    get() (which may move a small root leaf): callers use it at once.
 * Invariants, between calls: every node in the tree has present != 0; an
 * inner node's bit i is set iff child[i] != NULL; a slot whose bit is clear
 * is a hole; a root of height > 1 has a child other than child 0.
 *
 * Errors. zpfs_pagemap_get() first counts the nodes it will need, allocates
 * them all, and only then links them in: on -ENOMEM nothing has changed.
 *
 * Locking: none here. The owning file's map_lock protects the whole map;
 * lookup() and next() only read and may run in parallel under a read lock.
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/fs_i.h"

/* ------------------------------------------------------------------------
 * Structures
 * ------------------------------------------------------------------------ */

/*
 * PM_SHIFT - index bits per level. 6 bits (64 entries) makes a leaf 512
 * bytes of slots and an inner node 512 bytes of pointers: wider nodes
 * would make small and sparse files pay for slots they do not use,
 * narrower ones would make the tree deeper (one more pointer chase per
 * level on every read) and the per-node overhead larger. 64 also lets one
 * uint64_t mask describe a node. The kernel's XArray uses 6 bits too.
 */
#define PM_SHIFT	6
#define PM_FANOUT	(1u << PM_SHIFT)
#define PM_MASK		((uint64_t)PM_FANOUT - 1)
/* Enough levels for any 64-bit index: ceil(64 / 6). */
#define PM_MAX_HEIGHT	((64 + PM_SHIFT - 1) / PM_SHIFT)

_Static_assert(PM_FANOUT == 64, "one uint64_t mask per node");

/*
 * A leaf: level 1 of the tree. Every leaf has PM_FANOUT slots but the root
 * of a map of height 1, which has pm->leaf_cap (1, 4, 16 or 64): a file of
 * one page costs a 16-byte leaf, not 520 bytes (small files are most
 * files).
 */
struct pm_leaf {
	uint64_t present;		/* slots handed out, see above */
	struct zpfs_slot slot[];	/* PM_FANOUT, or leaf_cap at the root */
};

#define PM_LEAF_BYTES(cap)	(sizeof(struct pm_leaf) + \
				 (size_t)(cap) * sizeof(struct zpfs_slot))

/* An inner node: level 2 and up. */
struct pm_inner {
	uint64_t present;		/* bit i set iff child[i] != NULL */
	void *child[PM_FANOUT];		/* pm_leaf below level 2, else
					 * pm_inner */
};

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

/* The digit of @index that selects an entry in a node at @level (1 = leaf). */
static unsigned int pm_digit(uint64_t index, unsigned int level)
{
	return (unsigned int)((index >> ((level - 1) * PM_SHIFT)) & PM_MASK);
}

/* The number of indexes one entry of a node at @level covers. */
static uint64_t pm_entry_span(unsigned int level)
{
	return 1ull << ((level - 1) * PM_SHIFT);
}

/* The largest index a tree of @height covers. */
static uint64_t pm_max_index(unsigned int height)
{
	if (height * PM_SHIFT >= 64)
		return UINT64_MAX;
	return (1ull << (height * PM_SHIFT)) - 1;
}

/* The smallest height whose tree covers @index (at least 1). */
static unsigned int pm_height_for(uint64_t index)
{
	unsigned int bits = 1;

	if (index)
		bits = 64 - (unsigned int)__builtin_clzll(index);
	return (bits + PM_SHIFT - 1) / PM_SHIFT;
}

/* Mask of entries @lo..@hi (inclusive) of a node. */
static uint64_t pm_range_mask(unsigned int lo, unsigned int hi)
{
	uint64_t upto = hi >= 63 ? UINT64_MAX : (2ull << hi) - 1;

	return upto & ~((1ull << lo) - 1);
}

/*
 * The entries of the node at @level starting at index @base that overlap
 * [@first, @last], as a mask. The node must overlap the range.
 */
static uint64_t pm_overlap_mask(uint64_t base, unsigned int level,
				uint64_t first, uint64_t last)
{
	unsigned int shift = (level - 1) * PM_SHIFT;
	uint64_t lo = first > base ? (first - base) >> shift : 0;
	uint64_t hi = (last - base) >> shift;

	return pm_range_mask((unsigned int)lo,
			     hi > PM_MASK ? (unsigned int)PM_MASK :
					    (unsigned int)hi);
}

/* The slots a root leaf needs for @index: the next of 1, 4, 16, 64. */
static unsigned int pm_leaf_cap_for(uint64_t index)
{
	unsigned int cap = 1;

	while (cap <= index && cap < PM_FANOUT)
		cap *= 4;
	return cap;
}

/* A node at @level; a leaf with @cap slots. */
static void *pm_node_alloc_cap(struct zpfs_pagemap *pm, unsigned int level,
			       unsigned int cap)
{
	size_t size = level == 1 ? PM_LEAF_BYTES(cap) :
				   sizeof(struct pm_inner);
	void *node = calloc(1, size);

	if (node)
		pm->node_bytes += size;
	return node;
}

static void *pm_node_alloc(struct zpfs_pagemap *pm, unsigned int level)
{
	return pm_node_alloc_cap(pm, level, PM_FANOUT);
}

static void pm_node_free_cap(struct zpfs_pagemap *pm, void *node,
			     unsigned int level, unsigned int cap)
{
	size_t size = level == 1 ? PM_LEAF_BYTES(cap) :
				   sizeof(struct pm_inner);

	assert(pm->node_bytes >= size);
	pm->node_bytes -= size;
	free(node);
}

/* Free a node below the root (every such leaf is full). */
static void pm_node_free(struct zpfs_pagemap *pm, void *node,
			 unsigned int level)
{
	pm_node_free_cap(pm, node, level, PM_FANOUT);
}

/*
 * Give the root leaf of a map of height 1 room for @cap slots (moving it:
 * slot pointers handed out before are stale). Return: 0, or -ENOMEM with
 * the map unchanged.
 */
static int pm_root_leaf_grow(struct zpfs_pagemap *pm, unsigned int cap)
{
	struct pm_leaf *old = pm->root, *leaf;

	assert(pm->height == 1 && cap > pm->leaf_cap);
	leaf = pm_node_alloc_cap(pm, 1, cap);
	if (!leaf)
		return -ENOMEM;
	leaf->present = old->present;
	memcpy(leaf->slot, old->slot, pm->leaf_cap * sizeof(leaf->slot[0]));
	pm_node_free_cap(pm, old, 1, pm->leaf_cap);
	pm->root = leaf;
	pm->leaf_cap = cap;
	return 0;
}

/* Nodes allocated before zpfs_pagemap_get() changes anything. */
struct pm_prealloc {
	struct pm_leaf *leaf;
	unsigned int nr_inner;
	struct pm_inner *inner[2 * PM_MAX_HEIGHT];
};

/*
 * Allocate a leaf and @nr_inner inner nodes into @pa.
 * Return: 0, or -ENOMEM with nothing allocated.
 */
static int pm_prealloc(struct zpfs_pagemap *pm, struct pm_prealloc *pa,
		       unsigned int nr_inner, unsigned int cap)
{
	assert(nr_inner <= 2 * PM_MAX_HEIGHT);
	pa->leaf = pm_node_alloc_cap(pm, 1, cap);
	if (!pa->leaf)
		return -ENOMEM;
	for (pa->nr_inner = 0; pa->nr_inner < nr_inner; pa->nr_inner++) {
		pa->inner[pa->nr_inner] = pm_node_alloc(pm, 2);
		if (!pa->inner[pa->nr_inner])
			goto out_free_nodes;
	}
	return 0;

out_free_nodes:
	while (pa->nr_inner-- > 0)
		pm_node_free(pm, pa->inner[pa->nr_inner], 2);
	pm_node_free_cap(pm, pa->leaf, 1, cap);
	return -ENOMEM;
}

static struct pm_inner *pm_take_inner(struct pm_prealloc *pa)
{
	assert(pa->nr_inner > 0);
	return pa->inner[--pa->nr_inner];
}

/*
 * Build, unlinked, the path for @index from a node at level @top down to
 * the preallocated leaf. Return: the node at @top.
 */
static void *pm_build_path(struct pm_prealloc *pa, uint64_t index,
			   unsigned int top)
{
	void *below = pa->leaf;

	for (unsigned int level = 2; level <= top; level++) {
		struct pm_inner *node = pm_take_inner(pa);
		unsigned int d = pm_digit(index, level);

		node->child[d] = below;
		node->present |= 1ull << d;
		below = node;
	}
	return below;
}

/*
 * Drop the handed-out slots of the subtree at @node (@level, first index
 * @base) that lie in [@first, @last]; free the children that become empty.
 * The subtree must overlap the range. Return: whether @node is now empty
 * (the caller frees it).
 */
static bool pm_remove_node(struct zpfs_pagemap *pm, void *node,
			   unsigned int level, uint64_t base, uint64_t first,
			   uint64_t last,
			   void (*drop)(struct zpfs_slot *slot, void *arg),
			   void *arg)
{
	uint64_t m = pm_overlap_mask(base, level, first, last);

	if (level == 1) {
		struct pm_leaf *leaf = node;

		m &= leaf->present;
		leaf->present &= ~m;
		for (; m; m &= m - 1) {
			struct zpfs_slot *slot =
				&leaf->slot[__builtin_ctzll(m)];

			if (zpfs_slot_kind(slot) != ZPFS_SLOT_HOLE) {
				drop(slot, arg);
				assert(slot->enc == 0);
			}
		}
		return leaf->present == 0;
	}

	struct pm_inner *inner = node;
	uint64_t span = pm_entry_span(level);

	for (m &= inner->present; m; m &= m - 1) {
		unsigned int i = (unsigned int)__builtin_ctzll(m);

		if (pm_remove_node(pm, inner->child[i], level - 1,
				   base + i * span, first, last, drop, arg)) {
			pm_node_free(pm, inner->child[i], level - 1);
			inner->child[i] = NULL;
			inner->present &= ~(1ull << i);
		}
	}
	return inner->present == 0;
}

/*
 * Find the first handed-out, non-hole slot at an index >= @from in the
 * subtree at @node (@level, first index @base). Return: whether one was
 * found, its index in *@found.
 */
static bool pm_next_node(const void *node, unsigned int level, uint64_t base,
			 uint64_t from, uint64_t *found)
{
	uint64_t m = pm_overlap_mask(base, level, from, UINT64_MAX);

	if (level == 1) {
		const struct pm_leaf *leaf = node;

		for (m &= leaf->present; m; m &= m - 1) {
			unsigned int i = (unsigned int)__builtin_ctzll(m);

			if (zpfs_slot_kind(&leaf->slot[i]) != ZPFS_SLOT_HOLE) {
				*found = base + i;
				return true;
			}
		}
		return false;
	}

	const struct pm_inner *inner = node;
	uint64_t span = pm_entry_span(level);

	for (m &= inner->present; m; m &= m - 1) {
		unsigned int i = (unsigned int)__builtin_ctzll(m);
		uint64_t child_base = base + i * span;

		if (pm_next_node(inner->child[i], level - 1, child_base,
				 from > child_base ? from : child_base, found))
			return true;
	}
	return false;
}

/* Lower a non-empty tree while its root uses child 0 only. */
static void pm_shrink(struct zpfs_pagemap *pm)
{
	while (pm->height > 1) {
		struct pm_inner *root = pm->root;

		if (root->present != 1)
			break;
		pm->root = root->child[0];
		pm_node_free(pm, root, pm->height);
		pm->height--;
		pm->leaf_cap = PM_FANOUT;	/* a leaf that was a child */
	}
}

/* ------------------------------------------------------------------------
 * API (documented in fs_i.h)
 * ------------------------------------------------------------------------ */

void zpfs_pagemap_init(struct zpfs_pagemap *pm)
{
	pm->root = NULL;
	pm->height = 0;
	pm->leaf_cap = 0;
	pm->node_bytes = 0;
}

struct zpfs_slot *zpfs_pagemap_lookup(const struct zpfs_pagemap *pm,
				      uint64_t index)
{
	const void *node = pm->root;

	if (!node || index > pm_max_index(pm->height))
		return NULL;
	if (pm->height == 1 && index >= pm->leaf_cap)
		return NULL;
	for (unsigned int level = pm->height; level > 1; level--) {
		node = ((const struct pm_inner *)node)->child[
				pm_digit(index, level)];
		if (!node)
			return NULL;
	}
	return &((struct pm_leaf *)node)->slot[pm_digit(index, 1)];
}

int zpfs_pagemap_get(struct zpfs_pagemap *pm, uint64_t index,
		     struct zpfs_slot **slot)
{
	unsigned int need = pm_height_for(index);
	unsigned int d1 = pm_digit(index, 1);
	struct pm_prealloc pa;
	struct pm_leaf *leaf;
	void *node = pm->root;

	if (node && need == 1 && index >= pm->leaf_cap) {
		/* A small root leaf: make room. */
		if (pm_root_leaf_grow(pm, pm_leaf_cap_for(index)))
			return -ENOMEM;
		leaf = pm->root;
	} else if (node && need <= pm->height) {
		unsigned int level;

		/* Walk down as far as the tree goes. */
		for (level = pm->height; level > 1; level--) {
			void *child = ((struct pm_inner *)node)->child[
					pm_digit(index, level)];

			if (!child)
				break;
			node = child;
		}
		if (level == 1) {
			leaf = node;
		} else {
			/* Missing: a path from level - 1 down to a leaf. */
			struct pm_inner *parent = node;
			unsigned int d = pm_digit(index, level);

			if (pm_prealloc(pm, &pa, level - 2, PM_FANOUT))
				return -ENOMEM;
			parent->child[d] = pm_build_path(&pa, index, level - 1);
			parent->present |= 1ull << d;
			leaf = pa.leaf;
		}
	} else if (!node) {
		/* Empty map: a path from a root at @need down to a leaf. */
		unsigned int cap = need == 1 ? pm_leaf_cap_for(index) :
				   PM_FANOUT;

		if (pm_prealloc(pm, &pa, need - 1, cap))
			return -ENOMEM;
		pm->root = pm_build_path(&pa, index, need);
		pm->height = need;
		pm->leaf_cap = cap;
		leaf = pa.leaf;
	} else {
		/*
		 * Grow: new roots at pm->height + 1 .. @need, each holding the
		 * one below as child 0. The top one also holds a new path
		 * down to @index's leaf: @index needs that level, so its
		 * digit there is not 0.
		 */
		unsigned int d = pm_digit(index, need);
		struct pm_inner *top = NULL;

		assert(d != 0);
		/* The root leaf becomes child 0 of a node: full size. */
		if (pm->height == 1 && pm->leaf_cap < PM_FANOUT &&
		    pm_root_leaf_grow(pm, PM_FANOUT))
			return -ENOMEM;
		if (pm_prealloc(pm, &pa, (need - pm->height) + (need - 2),
				PM_FANOUT))
			return -ENOMEM;
		node = pm_build_path(&pa, index, need - 1);
		while (pm->height < need) {
			top = pm_take_inner(&pa);
			top->child[0] = pm->root;
			top->present = 1;
			pm->root = top;
			pm->height++;
		}
		top->child[d] = node;
		top->present |= 1ull << d;
		leaf = pa.leaf;
	}

	leaf->present |= 1ull << d1;
	*slot = &leaf->slot[d1];
	return 0;
}

void zpfs_pagemap_remove(struct zpfs_pagemap *pm, uint64_t first,
			 uint64_t last,
			 void (*drop)(struct zpfs_slot *slot, void *arg),
			 void *arg)
{
	if (!pm->root || first > last || first > pm_max_index(pm->height))
		return;
	if (pm_remove_node(pm, pm->root, pm->height, 0, first, last, drop,
			   arg)) {
		pm_node_free_cap(pm, pm->root, pm->height, pm->leaf_cap);
		pm->root = NULL;
		pm->height = 0;
		pm->leaf_cap = 0;
		return;
	}
	pm_shrink(pm);
}

int zpfs_pagemap_next(const struct zpfs_pagemap *pm, uint64_t *index)
{
	if (!pm->root || *index > pm_max_index(pm->height))
		return -ENXIO;
	if (!pm_next_node(pm->root, pm->height, 0, *index, index))
		return -ENXIO;
	return 0;
}
