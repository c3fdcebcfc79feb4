/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fs_i.h - zpoolfs internals shared by the files of fs/ (private).
 *
 * A file is a sparse map from page index to a slot (pagemap.c). A slot is
 * one 64-bit word that holds a 4 KiB page in one of four forms (store.c): a
 * hole, a same-filled page (the repeated 32-bit word kept in the slot,
 * nothing allocated), a compressed page (zpool handle + length) or a raw
 * page (incompressible, one page from the page source, outside the zpool).
 * codec.c compresses, inode.c / dir.c / file.c / xattr.c keep the tree,
 * stats.c sums the figures, ops.c answers the kernel and main.c parses
 * options and mounts.
 *
 * Lock ordering (outermost first):
 *
 *   zpfs_fs.rename_lock	taken by every rename across directories, so
 *				that no two of them can create a loop (the
 *				kernel's s_vfs_rename_mutex); directories'
 *				parent pointers change only under it
 *   directory inode .lock	a directory's entries and attributes; with two
 *				directories, an ancestor before its descendant,
 *				else the lower address first
 *   inode .lock		attributes (mode, uid, gid, nlink, times, rdev),
 *				xattrs, a symlink's target; a non-directory's
 *				.lock is always taken after its parents'
 *   file .io_lock		serialises the data mutators of one regular
 *				file (write, truncate, fallocate)
 *   file .map_lock		rwlock: the page map, i_size and the per-file
 *				page counters; readers share it while they
 *				decompress, so a slot's handle stays valid
 *   zpool back-end lock	inside the pool, taken by zpool_*()
 *   page source lock		inside zpool/page.c
 *   zpfs_fs.inodes_lock		leaf: the list of every inode, taken
 *				alone when an inode is made or freed
 *
 * Exception to the order: .io_lock and .map_lock are taken with no .lock
 * held; the data path takes .lock last, only to update times.
 * Never call fuse_reply_*(), compress, or allocate much while holding a
 * .lock or .map_lock for writing.
 */
#ifndef ZPOOLFS_FS_I_H
#define ZPOOLFS_FS_I_H

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "zpool/page.h"

#define ZPFS_PAGE_SHIFT		ZPOOL_PAGE_SHIFT
#define ZPFS_PAGE_SIZE		ZPOOL_PAGE_SIZE

/* The largest file size, also what the kernel gets as s_maxbytes: page
 * indexes up to 2^51 - 1, 9 levels of the page map (pagemap.c takes any
 * 64-bit index). */
#define ZPFS_MAX_FILE_SIZE	((uint64_t)INT64_MAX)

#define ZPFS_NAME_MAX		255
#define ZPFS_SYMLINK_MAX	4095

/* ------------------------------------------------------------------------
 * codec.c - compressors
 * ------------------------------------------------------------------------ */

struct zpfs_codec;

/**
 * zpfs_codec_find() - look up a compressor by its mount option value
 * @spec: "lz4", "lz4hc", "lz4hc:LEVEL" or "none"
 * @codec: set to the compressor
 * @level: set to the level (the compressor's default when not given)
 *
 * Return: 0, or -EINVAL for an unknown name or a level out of range.
 */
int zpfs_codec_find(const char *spec, const struct zpfs_codec **codec,
		    int *level);

/** zpfs_codec_name() - "lz4", "lz4hc" or "none". Can't fail. */
const char *zpfs_codec_name(const struct zpfs_codec *codec);

/** zpfs_codec_list() - the compressors built in, comma-separated. */
const char *zpfs_codec_list(void);

/**
 * zpfs_codec_compress() - compress one page
 * @codec: the compressor
 * @level: its level
 * @src: ZPFS_PAGE_SIZE bytes
 * @dst: output buffer
 * @dst_cap: room in @dst
 *
 * Uses per-thread state; takes no lock. Return: the compressed length, or 0
 * when the result would not fit in @dst_cap (the page is incompressible).
 */
size_t zpfs_codec_compress(const struct zpfs_codec *codec, int level,
			   const void *src, void *dst, size_t dst_cap);

/**
 * zpfs_codec_decompress() - decompress one page
 * @codec: the compressor that made @src
 * @src: compressed data
 * @len: its length
 * @dst: ZPFS_PAGE_SIZE bytes of output
 *
 * Return: 0, or -EIO when @src does not decompress to exactly one page.
 */
int zpfs_codec_decompress(const struct zpfs_codec *codec, const void *src,
			  size_t len, void *dst);

/* ------------------------------------------------------------------------
 * store.c - one page in, one page out
 * ------------------------------------------------------------------------ */

enum zpfs_slot_kind {
	ZPFS_SLOT_HOLE = 0,	/* nothing stored: reads as zeros */
	ZPFS_SLOT_SAME,		/* every 8-byte word equals the slot's word */
	ZPFS_SLOT_COMP,		/* a zpool handle and a length */
	ZPFS_SLOT_RAW,		/* a page from zpool_page_alloc() */
};

/*
 * struct zpfs_slot - one page of a file, in one 64-bit word
 *
 * There is one slot per page in every page map (pagemap.c), the biggest
 * item of the daemon's metadata (a 1 GiB file: 2 MiB of slots), so a slot
 * is a single word: bits 0-1 say the kind, the rest depends on it.
 *
 *        63                    32 31       14 13       4 3   2 1   0
 *       +------------------------+-----------+----------+-----+-----+
 *  HOLE |                          0                          |  0  |
 *       +------------------------+----------------------+-----+-----+
 *  SAME |  a half of the word    |           0          | 0,1 |  1  |
 *       +------------------------+----------------------+-----+-----+
 *  SAME |  the word's low 60 bits                       |  2  |  1  |
 *       +-----------------------------------+-----------+-----+-----+
 *  COMP |  zpool handle (50 bits)           |   length - 1    |  2  |
 *       +-----------------------------------+-----------------+-----+
 *  RAW  |  page address, 4 KiB-aligned: bits 2-11 are 0       |  3  |
 *       +-----------------------------------------------------+-----+
 *
 *  HOLE  the whole word is 0, so a zeroed slot is a hole (pagemap.c hands
 *        out zeroed slots and relies on it).
 *  SAME  a same-filled page: every 8-byte word is the same. Bits 2-3 say
 *        how the word is kept (its mode):
 *          0  its two 32-bit halves are equal (zeros, any repeated byte,
 *             16-bit or 32-bit pattern): bits 32-63 hold a half;
 *          1  its low half is 0 (a double such as 1.0): bits 32-63 hold
 *             the high half;
 *          2  it is a 60-bit signed number (small integers, -1 ... , a
 *             user-space pointer): bits 4-63 hold its low 60 bits.
 *        Any other word (the top 5 bits unequal, the halves unequal, the
 *        low half not 0) has no room: such a page is compressed instead
 *        (lz4 makes 33 bytes of it).
 *  COMP  lengths 1 .. 4096 in 12 bits. The handles of our back ends are
 *        small numbers (zsmalloc: below 2^40) or user-space addresses
 *        (zbud, z3fold: below 2^48); store.c stores the page raw when a
 *        back end hands out a handle that does not fit.
 *  RAW   zpool_page_alloc() returns 4 KiB-aligned pages, so the kind fits
 *        in the low bits of the address.
 *
 * Read and make slots only through the helpers below.
 */
struct zpfs_slot {
	uint64_t enc;		/* encoded as above */
};

_Static_assert(sizeof(struct zpfs_slot) == 8, "slot layout");

#define ZPFS_SLOT_KIND_MASK	0x3ull
#define ZPFS_SLOT_LEN_SHIFT	2
#define ZPFS_SLOT_LEN_MASK	0xfffull
#define ZPFS_SLOT_HANDLE_SHIFT	14
/* The largest zpool handle a COMP slot holds. */
#define ZPFS_SLOT_HANDLE_MAX	((1ull << (64 - ZPFS_SLOT_HANDLE_SHIFT)) - 1)
#define ZPFS_SLOT_HALF_SHIFT	32
#define ZPFS_SLOT_MODE_SHIFT	2
#define ZPFS_SLOT_MODE_MASK	0x3ull
/* Bits of a SAME slot of mode 0 or 1 that are always 0. */
#define ZPFS_SLOT_SAME_ZERO	0xfffffff0ull

_Static_assert(ZPFS_SLOT_LEN_MASK + 1 == ZPFS_PAGE_SIZE, "lengths 1..4096");
_Static_assert(ZPFS_SLOT_LEN_SHIFT + 12 == ZPFS_SLOT_HANDLE_SHIFT,
	       "the length field ends where the handle starts");

/* zpfs_slot_kind() - what the slot holds (a zeroed slot: a hole). */
static inline enum zpfs_slot_kind zpfs_slot_kind(const struct zpfs_slot *s)
{
	return (enum zpfs_slot_kind)(s->enc & ZPFS_SLOT_KIND_MASK);
}

/* zpfs_slot_len() - a COMP slot's compressed length, 1 .. 4096. */
static inline uint32_t zpfs_slot_len(const struct zpfs_slot *s)
{
	return (uint32_t)((s->enc >> ZPFS_SLOT_LEN_SHIFT) &
			  ZPFS_SLOT_LEN_MASK) + 1;
}

/* zpfs_slot_handle() - a COMP slot's zpool handle. */
static inline unsigned long zpfs_slot_handle(const struct zpfs_slot *s)
{
	return (unsigned long)(s->enc >> ZPFS_SLOT_HANDLE_SHIFT);
}

/* zpfs_slot_page() - a RAW slot's page. */
static inline void *zpfs_slot_page(const struct zpfs_slot *s)
{
	return (void *)(uintptr_t)(s->enc & ~(uint64_t)(ZPFS_PAGE_SIZE - 1));
}

/* zpfs_slot_word() - a SAME slot's 8-byte word, repeated over the page. */
static inline uint64_t zpfs_slot_word(const struct zpfs_slot *s)
{
	uint64_t half = s->enc >> ZPFS_SLOT_HALF_SHIFT;

	switch ((s->enc >> ZPFS_SLOT_MODE_SHIFT) & ZPFS_SLOT_MODE_MASK) {
	case 0:
		return half << 32 | half;
	case 1:
		return half << 32;
	default:	/* 2; 3 is never made */
		return (uint64_t)((int64_t)s->enc >> 4);
	}
}

/* zpfs_slot_same_mode() - how a SAME slot keeps @word: 0, 1, 2, or -1 when
 * it has no room for it (see the diagram). */
static inline int zpfs_slot_same_mode(uint64_t word)
{
	if ((uint32_t)word == (uint32_t)(word >> 32))
		return 0;
	if ((uint32_t)word == 0)
		return 1;
	if ((uint64_t)((int64_t)(word << 4) >> 4) == word)
		return 2;
	return -1;
}

/* zpfs_slot_comp() - a COMP slot; @handle <= ZPFS_SLOT_HANDLE_MAX. */
static inline struct zpfs_slot zpfs_slot_comp(unsigned long handle,
					      size_t len)
{
	assert((uint64_t)handle <= ZPFS_SLOT_HANDLE_MAX);
	assert(len >= 1 && len <= ZPFS_PAGE_SIZE);
	return (struct zpfs_slot){
		(uint64_t)handle << ZPFS_SLOT_HANDLE_SHIFT |
		(uint64_t)(len - 1) << ZPFS_SLOT_LEN_SHIFT | ZPFS_SLOT_COMP };
}

/* zpfs_slot_raw() - a RAW slot; @page is ZPFS_PAGE_SIZE-aligned. */
static inline struct zpfs_slot zpfs_slot_raw(void *page)
{
	assert(((uintptr_t)page & (ZPFS_PAGE_SIZE - 1)) == 0);
	return (struct zpfs_slot){ (uint64_t)(uintptr_t)page | ZPFS_SLOT_RAW };
}

/* zpfs_slot_same() - a SAME slot; zpfs_slot_same_mode(@word) >= 0. */
static inline struct zpfs_slot zpfs_slot_same(uint64_t word)
{
	int mode = zpfs_slot_same_mode(word);

	assert(mode >= 0);
	if (mode == 2)
		return (struct zpfs_slot){
			word << 4 | 2u << ZPFS_SLOT_MODE_SHIFT | ZPFS_SLOT_SAME };
	return (struct zpfs_slot){
		(word >> 32) << ZPFS_SLOT_HALF_SHIFT |
		(uint64_t)mode << ZPFS_SLOT_MODE_SHIFT | ZPFS_SLOT_SAME };
}

struct zpfs_store;

/* Pool-wide figures, as zram's mm_stat. */
struct zpfs_store_stats {
	uint64_t stored_pages;	/* non-hole pages: same + comp + raw */
	uint64_t same_pages;
	uint64_t comp_pages;
	uint64_t raw_pages;
	uint64_t compr_bytes;	/* sum of compressed lengths + raw pages */
	uint64_t pool_pages;	/* zpool_get_total_pages() */
	uint64_t meta_bytes;	/* inodes, entries, page maps, xattrs */
	uint64_t mem_used;	/* (pool + raw pages) * PAGE_SIZE + meta */
	uint64_t mem_limit;	/* size= */
	uint64_t nospc;		/* writes refused for lack of room */
	uint64_t compacted_pages; /* freed by zpfs_store_compact() */
};

/**
 * zpfs_store_create() - make the page store of a mount
 * @backend: zpool type, e.g. "zbud"
 * @codec: compressor
 * @level: its level
 * @mem_limit: the most memory (bytes) the store may use, metadata included
 *
 * Return: the store, or NULL with errno set (ENODEV: no such back end,
 * ENOMEM).
 */
struct zpfs_store *zpfs_store_create(const char *backend,
				     const struct zpfs_codec *codec, int level,
				     uint64_t mem_limit);

/** zpfs_store_destroy() - free a store; every slot must have been dropped. */
void zpfs_store_destroy(struct zpfs_store *st);

/**
 * zpfs_store_put() - store one page
 * @st: the store
 * @page: ZPFS_PAGE_SIZE bytes
 * @slot: filled with the new slot (never a hole)
 *
 * Compresses outside every lock; detects same-filled pages. The caller
 * installs @slot and then drops the slot it replaces, so a failure leaves the
 * old data intact.
 * Return: 0; -ENOSPC when the mount's memory limit is reached; -ENOMEM.
 * On error nothing is allocated and @slot is unchanged.
 */
int zpfs_store_put(struct zpfs_store *st, const void *page,
		   struct zpfs_slot *slot);

/**
 * zpfs_store_read() - copy part of a stored page out
 * @st: the store
 * @slot: the page (a hole reads as zeros)
 * @buf: destination
 * @off: offset in the page
 * @len: bytes; @off + @len <= ZPFS_PAGE_SIZE
 *
 * A whole page decompresses straight into @buf; a part goes through a
 * per-thread buffer. The caller holds whatever keeps @slot alive (the file's
 * map_lock). Return: 0, or -EIO when the stored data or the slot is
 * corrupt (a slot with bits set that its kind keeps 0).
 */
int zpfs_store_read(struct zpfs_store *st, const struct zpfs_slot *slot,
		    void *buf, size_t off, size_t len);

/**
 * zpfs_store_drop() - free what a slot holds and make it a hole
 * @st: the store
 * @slot: the slot; a hole is left alone. Can't fail.
 */
void zpfs_store_drop(struct zpfs_store *st, struct zpfs_slot *slot);

/**
 * zpfs_store_dup() - copy a stored page without decompressing it
 * @st: the store
 * @src: the page to copy
 * @dst: filled with the copy
 *
 * A compressed page stays compressed, unless the back end hands out a
 * handle too large for a slot: then it is decompressed into a raw page.
 * Return: 0, -ENOSPC, -ENOMEM, or -EIO when such a page does not
 * decompress; on error @dst is unchanged.
 */
int zpfs_store_dup(struct zpfs_store *st, const struct zpfs_slot *src,
		   struct zpfs_slot *dst);

/** zpfs_slot_bytes() - memory a slot costs (compressed length, a page for
 * raw, 0 for holes and same-filled pages). Can't fail. */
static inline uint64_t zpfs_slot_bytes(const struct zpfs_slot *slot)
{
	if (zpfs_slot_kind(slot) == ZPFS_SLOT_COMP)
		return zpfs_slot_len(slot);
	if (zpfs_slot_kind(slot) == ZPFS_SLOT_RAW)
		return ZPFS_PAGE_SIZE;
	return 0;
}

/**
 * zpfs_store_meta_charge() - account metadata memory
 * @st: the store
 * @bytes: bytes to add
 *
 * Return: 0, or -ENOSPC when that would pass the memory limit (nothing is
 * charged then).
 */
int zpfs_store_meta_charge(struct zpfs_store *st, size_t bytes);

/** zpfs_store_meta_uncharge() - give back metadata memory. Can't fail. */
void zpfs_store_meta_uncharge(struct zpfs_store *st, size_t bytes);

/** zpfs_store_get_stats() - the pool-wide figures. Lock-free reads. */
void zpfs_store_get_stats(struct zpfs_store *st, struct zpfs_store_stats *out);

/**
 * zpfs_store_compact() - compact the zpool now
 * @st: the store
 *
 * Moves objects out of sparse pages of the back end and frees those pages
 * (zpool_compact()); data and slots stay valid. Safe while other threads
 * read and write. Return: the pages freed (0 for a back end that cannot
 * free pages by compaction). Can't fail.
 */
unsigned long zpfs_store_compact(struct zpfs_store *st);

/**
 * zpfs_store_pool_stats() - the zpool back end's own figures
 * @st: the store
 * @emit: called once per figure (zpool_get_stats(): "pages" first)
 * @arg: passed to @emit
 *
 * @emit runs under back-end locks: it must not call into the store. Can't
 * fail.
 */
void zpfs_store_pool_stats(struct zpfs_store *st,
			   void (*emit)(void *arg, const char *key,
					uint64_t value),
			   void *arg);

/** zpfs_store_backend() - the zpool type name. Can't fail. */
const char *zpfs_store_backend(struct zpfs_store *st);

/** zpfs_store_codec() - the compressor and its level. Can't fail. */
const struct zpfs_codec *zpfs_store_codec(struct zpfs_store *st, int *level);

/* ------------------------------------------------------------------------
 * pagemap.c - sparse map from page index to slot (a radix tree)
 * ------------------------------------------------------------------------ */

/**
 * struct zpfs_pagemap - the pages of one file
 * @root:	top node, NULL when empty
 * @height:	levels below and including @root (0 when empty)
 * @node_bytes:	memory held by the nodes, for the metadata accounting
 *
 * Protected by the owning file's map_lock.
 */
struct zpfs_pagemap {
	void *root;
	unsigned int height;
	unsigned int leaf_cap;	/* slots of the root leaf at height 1 */
	size_t node_bytes;
};

/** zpfs_pagemap_init() - an empty map. Can't fail. */
void zpfs_pagemap_init(struct zpfs_pagemap *pm);

/**
 * zpfs_pagemap_lookup() - the slot of a page, for reading
 * Return: the slot, or NULL when no node covers @index (a hole). The slot
 * itself may be a hole too.
 */
struct zpfs_slot *zpfs_pagemap_lookup(const struct zpfs_pagemap *pm,
				      uint64_t index);

/**
 * zpfs_pagemap_get() - the slot of a page, created when missing
 * @pm: the map
 * @index: page index
 * @slot: set to the slot (a hole when new); valid until the next get()
 *	or a remove over its index
 *
 * Return: 0, or -ENOMEM (nothing changed). A created slot that stays a hole
 * is reclaimed by the next zpfs_pagemap_remove() over it.
 */
int zpfs_pagemap_get(struct zpfs_pagemap *pm, uint64_t index,
		     struct zpfs_slot **slot);

/**
 * zpfs_pagemap_remove() - drop every page in [@first, @last]
 * @pm: the map
 * @first: first page index
 * @last: last page index (UINT64_MAX: to the end)
 * @drop: called for every non-hole slot in range, must make it a hole
 * @arg: passed to @drop
 *
 * Frees the nodes that become empty. Can't fail.
 */
void zpfs_pagemap_remove(struct zpfs_pagemap *pm, uint64_t first,
			 uint64_t last,
			 void (*drop)(struct zpfs_slot *slot, void *arg),
			 void *arg);

/**
 * zpfs_pagemap_next() - the first non-hole page at or after @index
 * @pm: the map
 * @index: where to start; set to the page found
 *
 * Return: 0, or -ENXIO when there is none.
 */
int zpfs_pagemap_next(const struct zpfs_pagemap *pm, uint64_t *index);

/* ------------------------------------------------------------------------
 * inode.c, dir.c, file.c - the tree
 * ------------------------------------------------------------------------ */

struct zpfs_dir;	/* dir.c: the entries of a directory */
struct zpfs_xattr;	/* xattr.c: extended attributes of an inode */

/**
 * struct zpfs_inode - a file, directory, symlink or special file
 *
 * The nodeid the kernel knows is the inode's address (FUSE_ROOT_ID for the
 * root); st_ino is @ino, unique for the life of the mount. An inode lives
 * while the kernel holds lookups on it (@nlookup) or a name links to it
 * (@nlink): the last of forget/unlink/rmdir/rename to drop both to zero
 * frees it, so a file unlinked while open stays usable until closed.
 *
 * A regular file's counters: @file.nr_same, @file.nr_comp and @file.nr_raw
 * count its slots by kind; @file.comp_bytes sums the lengths of its
 * compressed slots only (a raw page costs ZPFS_PAGE_SIZE on top), so that
 * st_blocks = (comp_bytes + nr_raw * ZPFS_PAGE_SIZE + 511) / 512.
 * @file.map_charged is what of @file.map.node_bytes is charged to the
 * store's metadata figure.
 */
struct zpfs_inode {
	uint64_t ino;			/* immutable */
	mode_t type;			/* S_IFMT bits, immutable */
	_Atomic uint64_t nlookup;	/* kernel references */

	pthread_mutex_t lock;		/* see "Lock ordering" */
	mode_t mode;			/* protected by lock (incl. type) */
	uid_t uid;			/* protected by lock */
	gid_t gid;			/* protected by lock */
	nlink_t nlink;			/* protected by lock */
	dev_t rdev;			/* protected by lock */
	struct timespec atime;		/* protected by lock */
	struct timespec mtime;		/* protected by lock */
	struct timespec ctime;		/* protected by lock */
	struct zpfs_xattr *xattrs;	/* protected by lock */
	struct zpfs_inode *all_prev;	/* protected by fs inodes_lock */
	struct zpfs_inode *all_next;	/* protected by fs inodes_lock */

	union {
		struct {		/* S_IFREG */
			pthread_mutex_t io_lock;
			pthread_rwlock_t map_lock;
			uint64_t size;		/* protected by map_lock */
			struct zpfs_pagemap map;/* protected by map_lock */
			uint64_t nr_same;	/* protected by map_lock */
			uint64_t nr_comp;	/* protected by map_lock */
			uint64_t nr_raw;	/* protected by map_lock */
			uint64_t comp_bytes;	/* protected by map_lock */
			size_t map_charged;	/* protected by map_lock */
		} file;
		struct {		/* S_IFDIR */
			struct zpfs_dir *entries; /* protected by lock */
			/* written under lock and fs rename_lock */
			struct zpfs_inode *parent;
			uint64_t size;		/* protected by lock */
		} dir;
		struct {		/* S_IFLNK */
			char *target;		/* immutable */
			size_t len;
		} link;
	};
};

/*
 * The functions below are documented (kernel-doc) where they are defined.
 *
 * dir.c: a directory's entries (the caller holds the directory's .lock)
 */

/*
 * One name in a directory. @cookie is the readdir offset of the entry that
 * follows it: unique in its directory and larger than every cookie given
 * before (1 and 2 are "." and ".."), never reused.
 */
struct zpfs_dirent {
	struct zpfs_dirent *hnext;	/* hash chain */
	struct zpfs_inode *inode;
	uint64_t cookie;
	uint64_t hash;
	size_t pos;			/* index in the cookie order */
	uint16_t len;			/* strlen(name) */
	char name[];			/* NUL-terminated */
};

/* A directory's st_size: this much per entry, "." and ".." included
 * (tmpfs's BOGO_DIRENT_SIZE) */
#define ZPFS_BOGO_DIRENT_SIZE	20

#define ZPFS_DIR_COOKIE_DOT	1
#define ZPFS_DIR_COOKIE_DOTDOT	2

struct zpfs_store;
struct zpfs_dir *zpfs_dir_create(struct zpfs_store *st);
void zpfs_dir_destroy(struct zpfs_dir *dir);
size_t zpfs_dir_count(const struct zpfs_dir *dir);
struct zpfs_dirent *zpfs_dir_lookup(const struct zpfs_dir *dir,
				    const char *name);
int zpfs_dir_add(struct zpfs_dir *dir, const char *name,
		 struct zpfs_inode *inode);
int zpfs_dir_remove(struct zpfs_dir *dir, const char *name,
		    struct zpfs_inode **inode);
int zpfs_dir_replace(struct zpfs_dir *dir, const char *name,
		     struct zpfs_inode *inode, struct zpfs_inode **old);
struct zpfs_dirent *zpfs_dir_next(const struct zpfs_dir *dir, uint64_t off);
struct zpfs_dirent *zpfs_dir_next_after(const struct zpfs_dir *dir,
					const struct zpfs_dirent *de);

/* inode.c: making, finding, counting and freeing inodes */

struct zpfs_fs;
void zpfs_now(struct timespec *ts);
int zpfs_inode_new(struct zpfs_fs *fs, mode_t mode, uid_t uid, gid_t gid,
		   dev_t rdev, const char *target, struct zpfs_inode **out);
void zpfs_inode_destroy(struct zpfs_fs *fs, struct zpfs_inode *inode);
struct zpfs_inode *zpfs_inode_get(struct zpfs_fs *fs, uint64_t nodeid);
uint64_t zpfs_inode_nodeid(struct zpfs_fs *fs,
			   const struct zpfs_inode *inode);
void zpfs_inode_ref(struct zpfs_inode *inode);
void zpfs_inode_forget(struct zpfs_fs *fs, struct zpfs_inode *inode,
		       uint64_t n);
bool zpfs_inode_unlink_locked(struct zpfs_inode *inode);
void zpfs_inode_stat(struct zpfs_inode *inode, struct stat *st);
void zpfs_inode_touch_atime(struct zpfs_inode *inode);

/* file.c: the data of regular files */

void *zpfs_file_buffer(size_t size);
bool zpfs_file_buffer_dirty(void);
void zpfs_file_buffer_release(void);
int zpfs_file_read(struct zpfs_fs *fs, struct zpfs_inode *inode, void *buf,
		   size_t size, uint64_t off, size_t *done);
int zpfs_file_write(struct zpfs_fs *fs, struct zpfs_inode *inode,
		    const void *buf, size_t size, uint64_t off, size_t *done);
int zpfs_file_truncate(struct zpfs_fs *fs, struct zpfs_inode *inode,
		       uint64_t size);
int zpfs_file_fallocate(struct zpfs_fs *fs, struct zpfs_inode *inode,
			int mode, uint64_t off, uint64_t len);
int zpfs_file_lseek(struct zpfs_fs *fs, struct zpfs_inode *inode,
		    uint64_t off, int whence, uint64_t *pos);
int zpfs_file_copy_range(struct zpfs_fs *fs, struct zpfs_inode *in,
			 uint64_t off_in, struct zpfs_inode *out,
			 uint64_t off_out, size_t len, size_t *done);
void zpfs_file_free_pages(struct zpfs_fs *fs, struct zpfs_inode *inode);

/* xattr.c: extended attributes (statistics names go to stats.c) */

#define ZPFS_XATTR_SIZE_MAX	65536

int zpfs_xattr_set(struct zpfs_fs *fs, struct zpfs_inode *inode,
		   const char *name, const void *value, size_t size,
		   int flags);
int zpfs_xattr_get(struct zpfs_fs *fs, struct zpfs_inode *inode,
		   const char *name, void *buf, size_t size);
int zpfs_xattr_list(struct zpfs_fs *fs, struct zpfs_inode *inode, char *buf,
		    size_t size);
int zpfs_xattr_remove(struct zpfs_fs *fs, struct zpfs_inode *inode,
		      const char *name);
void zpfs_xattr_free_all(struct zpfs_fs *fs, struct zpfs_inode *inode);
void zpfs_inode_kill_priv(struct zpfs_fs *fs, struct zpfs_inode *inode);

/* xattr.c: POSIX ACLs, kept as the kernel's xattr form (with posix_acl) */

#define ZPFS_ACL_ACCESS		"system.posix_acl_access"
#define ZPFS_ACL_DEFAULT	"system.posix_acl_default"

int zpfs_acl_inherit(struct zpfs_fs *fs, struct zpfs_inode *dir,
		     struct zpfs_inode *inode, mode_t umask);
void zpfs_acl_chmod_locked(struct zpfs_inode *inode);

/* ------------------------------------------------------------------------
 * wire.c - FUSE_HANDLE_KILLPRIV_V2 under libfuse 3.14
 * ------------------------------------------------------------------------ */

#include "fs/wire.h"

/* ------------------------------------------------------------------------
 * par.c - helper threads for the pages of one request
 * ------------------------------------------------------------------------ */

struct zpfs_par;

/**
 * zpfs_par_create() - make a helper pool: one thread per CPU but one,
 *	started with the first job
 *
 * Return: the pool, or NULL (ENOMEM).
 */
struct zpfs_par *zpfs_par_create(void);

/** zpfs_par_destroy() - stop the helpers (no job running); NULL ignored. */
void zpfs_par_destroy(struct zpfs_par *par);

/**
 * zpfs_par_run() - call @fn(@arg, i) once for each i in [0, @nr), spread
 *	over the caller and the idle helpers; returns when all are done
 * @par: the pool; NULL: the caller does everything
 * @fn: the work of one index, called with no lock of the pool held
 * @arg: its argument
 * @nr: number of indexes
 */
void zpfs_par_run(struct zpfs_par *par, void (*fn)(void *arg, unsigned int i),
		  void *arg, unsigned int nr);

/* ------------------------------------------------------------------------
 * the mount
 * ------------------------------------------------------------------------ */

/* Command line, filled by main.c. */
struct zpfs_config {
	char *backend;		/* zpool type, default "zbud" */
	char *compressor;	/* "lz4", "lz4hc[:LEVEL]", "none" */
	char *size;		/* size=, as given */
	char *nr_inodes;	/* nr_inodes=, as given */
	char *mode;		/* mode=, octal, as given */
	char *uid;		/* uid= */
	char *gid;		/* gid= */
	char *cache;		/* cache=: "auto" or "none" */
	char *uring;		/* uring=: "auto" or "off" */
	uint64_t mem_limit;	/* size= parsed: bytes */
	uint64_t max_inodes;	/* nr_inodes= parsed; 0: no limit */
	mode_t root_mode;
	uid_t root_uid;
	gid_t root_gid;
	bool direct_io;		/* cache=none */
	bool no_uring;		/* uring=off */
};

/**
 * struct zpfs_fs - one mount
 * @rename_lock: see "Lock ordering"
 * @nr_inodes: inodes alive, for nr_inodes= and statfs
 * @inodes_lock: protects @inodes (a leaf lock)
 * @inodes: every inode of the mount, linked or not, through
 *	zpfs_inode.all_next, so that zpfs_fs_destroy() frees them all
 * @forgetting: forget requests being handled (statfs waits for them)
 * @par: helper threads that compress and decompress the pages of large
 *	requests in parallel (par.c)
 * @posix_acl: the kernel took FUSE_CAP_POSIX_ACL and FUSE_CAP_DONT_MASK:
 *	xattr.c keeps ACLs and the umask is ours to apply
 */
struct zpfs_fs {
	struct zpfs_config cfg;			/* immutable after mount */
	struct zpfs_store *store;		/* immutable after mount */
	struct zpfs_inode *root;		/* immutable after mount */
	const struct zpfs_codec *codec;		/* immutable after mount */
	int level;				/* immutable after mount */
	struct zpfs_par *par;			/* immutable after mount */
	pthread_mutex_t rename_lock;
	_Atomic uint64_t next_ino;
	_Atomic uint64_t nr_inodes;
	pthread_mutex_t inodes_lock;
	struct zpfs_inode *inodes;		/* protected by inodes_lock */
	_Atomic unsigned int forgetting;
	bool posix_acl;		/* set by init, before any request */
};

/* ------------------------------------------------------------------------
 * ops.c - the FUSE side (inode.c, dir.c, file.c, xattr.c declare their
 * own functions in the section "tree" above when they need to share them)
 * ------------------------------------------------------------------------ */

struct fuse_lowlevel_ops;

/** zpfs_ops - the low-level operations given to fuse_session_new(). */
extern const struct fuse_lowlevel_ops zpfs_ops;

/**
 * zpfs_fs_create() - make a mount: its store and its root directory
 * @cfg: parsed options; copied
 *
 * Return: the mount, or NULL with errno set: ENODEV (no such back end),
 * EINVAL (bad compressor), ENOMEM.
 */
struct zpfs_fs *zpfs_fs_create(const struct zpfs_config *cfg);

/** zpfs_fs_destroy() - free every inode, page and the store of a mount. */
void zpfs_fs_destroy(struct zpfs_fs *fs);

/* ------------------------------------------------------------------------
 * stats.c - figures as read-only extended attributes
 * ------------------------------------------------------------------------ */

#define ZPFS_XATTR_PREFIX	"user.zpoolfs."

/**
 * zpfs_stats_getxattr() - the value of a statistics attribute
 * @fs: the mount
 * @inode: the inode asked about (pool-wide names exist on the root only)
 * @name: full attribute name, starting with ZPFS_XATTR_PREFIX
 * @buf: where to put the value (a decimal number or a word, no newline)
 * @size: room in @buf; 0 asks for the length only
 *
 * Return: the value's length; -ENODATA for a name that does not exist on
 * this inode; -ERANGE when @size is too small.
 */
int zpfs_stats_getxattr(struct zpfs_fs *fs, struct zpfs_inode *inode,
			const char *name, char *buf, size_t size);

/* The one statistics name that may be set: a control, on the root only. */
#define ZPFS_XATTR_COMPACT	ZPFS_XATTR_PREFIX "compact"

/**
 * zpfs_stats_setxattr() - set a statistics attribute: the controls
 * @fs: the mount
 * @inode: the inode
 * @name: full attribute name, starting with ZPFS_XATTR_PREFIX
 * @value: the value (not NUL-terminated)
 * @size: its length
 *
 * ZPFS_XATTR_COMPACT on the root with the value "1" (a trailing newline
 * allowed) compacts the pool now. Every other name is read-only.
 * Return: 0; -EPERM for any other name or inode; -EINVAL for another value.
 */
int zpfs_stats_setxattr(struct zpfs_fs *fs, struct zpfs_inode *inode,
			const char *name, const char *value, size_t size);

#endif /* ZPOOLFS_FS_I_H */
