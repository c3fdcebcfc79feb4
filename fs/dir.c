/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dir.c - the entries of one directory.
 *
 * A directory must answer two questions fast however large it grows: "which
 * inode has this name?" (lookup, create, unlink, rename: O(1)) and "what
 * comes after offset X?" (readdir: stable offsets while entries come and
 * go). One structure cannot do both well, so every entry sits in two:
 *
 *   hash table (by name)          cookie order (by cookie, ascending)
 *   buckets[hash & mask]          order[] = { cookie, entry or NULL }
 *     |                           +-----+-----+-----+-----+-----+
 *     +--> "b" --> "x" --> NULL   | 3 b | 4 - | 7 x | 8 - | 9 q |
 *                                 +-----+-----+-----+-----+-----+
 *                                        tombstones (-)
 *
 * Every entry gets a cookie when it is added: a 64-bit number larger than
 * every cookie this directory ever gave (1 and 2 belong to "." and ".."),
 * never reused. The cookie is the readdir offset of the entry *after* it,
 * so readdir(off) continues at the first entry whose cookie is greater than
 * off: a binary search over order[], which is sorted because entries are
 * only ever appended. Removing an entry leaves a tombstone (its slot keeps
 * the cookie, the entry pointer becomes NULL), which is O(1); when the
 * tombstones outnumber the live entries the array is compacted in one pass,
 * so removal stays O(1) amortised and order[] never holds more than twice
 * the live entries (plus the slack of its growth).
 *
 * Why this gives correct readdir under change: an entry present for the
 * whole of a readdir pass has one fixed cookie, and the pass visits cookies
 * in increasing order, so it is returned exactly once; an entry added during
 * the pass has a cookie above every existing one and may or may not be seen
 * (POSIX allows both); nothing is ever returned twice. Renaming in place
 * (zpfs_dir_replace()) keeps the cookie.
 *
 * The hash is a seeded 64-bit multiply-xorshift hash of the name; the seed
 * is per directory, so a user cannot precompute names that collide. The
 * table doubles when it holds more entries than buckets and halves when it
 * holds fewer than an eighth; a failed resize leaves the old table in place
 * (slower, still correct).
 *
 * Memory is charged to the store's metadata figure (entries, the bucket
 * array, the order array) when a store is given; a directory made with a
 * NULL store (unit tests) charges nothing.
 *
 * Locking: none here. The caller holds the directory inode's .lock for every
 * call; a returned zpfs_dirent is valid only while that lock is held.
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fs/fs_i.h"

/* ------------------------------------------------------------------------
 * Structures
 * ------------------------------------------------------------------------ */

/*
 * Smallest bucket array. A new directory costs this many pointers; 8 keeps
 * the empty directories of a source tree cheap, and the table doubles from
 * there.
 */
#define MIN_BUCKETS	8

/* Smallest order array, for the same reason. */
#define MIN_ORDER	8

/* One slot of the cookie order; @de is NULL for a tombstone. */
struct order_slot {
	uint64_t cookie;
	struct zpfs_dirent *de;
};

/**
 * struct zpfs_dir - the entries of a directory
 * @st:		store charged for the memory (NULL: not charged)
 * @buckets:	hash table heads, @nbuckets of them (a power of two)
 * @count:	live entries
 * @order:	entries by cookie, ascending, @order_len used of @order_cap
 * @dead:	tombstones in @order
 * @next_cookie: the cookie the next entry gets
 * @seed:	hash seed
 *
 * Protected by the owning directory inode's .lock.
 */
struct zpfs_dir {
	struct zpfs_store *st;
	struct zpfs_dirent **buckets;
	size_t nbuckets;
	size_t count;
	struct order_slot *order;
	size_t order_len;
	size_t order_cap;
	size_t dead;
	uint64_t next_cookie;
	uint64_t seed;
};

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

static int charge(struct zpfs_dir *dir, size_t bytes)
{
	if (!dir->st || !bytes)
		return 0;
	return zpfs_store_meta_charge(dir->st, bytes);
}

static void uncharge(struct zpfs_dir *dir, size_t bytes)
{
	if (dir->st && bytes)
		zpfs_store_meta_uncharge(dir->st, bytes);
}

static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

static uint64_t name_hash(uint64_t seed, const char *name, size_t len)
{
	uint64_t h = seed ^ (len * 0x9e3779b97f4a7c15ull);
	uint64_t w;

	while (len >= 8) {
		memcpy(&w, name, 8);
		h = (h ^ w) * 0x87c37b91114253d5ull;
		h ^= h >> 31;
		name += 8;
		len -= 8;
	}
	w = 0;
	memcpy(&w, name, len);
	h = (h ^ w ^ ((uint64_t)len << 59)) * 0x4cf5ad432745937full;
	return mix64(h);
}

static uint64_t new_seed(const struct zpfs_dir *dir)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return mix64((uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^
		     (uint64_t)(uintptr_t)dir);
}

static struct zpfs_dirent **bucket_of(const struct zpfs_dir *dir,
				      uint64_t hash)
{
	return &dir->buckets[hash & (dir->nbuckets - 1)];
}

static struct zpfs_dirent *find(const struct zpfs_dir *dir, const char *name,
				size_t len, uint64_t hash)
{
	struct zpfs_dirent *de;

	for (de = *bucket_of(dir, hash); de; de = de->hnext)
		if (de->hash == hash && de->len == len &&
		    !memcmp(de->name, name, len))
			return de;
	return NULL;
}

/* Move every entry to a table of @n buckets; on failure keep the old one. */
static void rehash(struct zpfs_dir *dir, size_t n)
{
	struct zpfs_dirent **nb, *de, *next;
	size_t i;

	if (charge(dir, n * sizeof(*nb)))
		return;
	nb = calloc(n, sizeof(*nb));
	if (!nb) {
		uncharge(dir, n * sizeof(*nb));
		return;
	}
	for (i = 0; i < dir->nbuckets; i++) {
		for (de = dir->buckets[i]; de; de = next) {
			next = de->hnext;
			de->hnext = nb[de->hash & (n - 1)];
			nb[de->hash & (n - 1)] = de;
		}
	}
	free(dir->buckets);
	uncharge(dir, dir->nbuckets * sizeof(*nb));
	dir->buckets = nb;
	dir->nbuckets = n;
}

/* Squeeze the tombstones out of the order array. */
static void compact(struct zpfs_dir *dir)
{
	size_t i, j = 0;

	for (i = 0; i < dir->order_len; i++) {
		if (!dir->order[i].de)
			continue;
		dir->order[j] = dir->order[i];
		dir->order[j].de->pos = j;
		j++;
	}
	assert(j == dir->count);
	dir->order_len = j;
	dir->dead = 0;

	/* Give back memory when the array is mostly empty. */
	if (dir->order_cap > MIN_ORDER && dir->order_len < dir->order_cap / 4) {
		size_t cap = dir->order_cap / 2;
		struct order_slot *o;

		while (cap > MIN_ORDER && dir->order_len < cap / 4)
			cap /= 2;
		o = realloc(dir->order, cap * sizeof(*o));
		if (o) {
			uncharge(dir, (dir->order_cap - cap) * sizeof(*o));
			dir->order = o;
			dir->order_cap = cap;
		}
	}
}

/* Make room for one more slot at the end of the order array. */
static int order_reserve(struct zpfs_dir *dir)
{
	struct order_slot *o;
	size_t cap;

	if (dir->order_len < dir->order_cap)
		return 0;
	if (dir->dead > 0 && dir->dead >= dir->order_len / 4) {
		compact(dir);
		if (dir->order_len < dir->order_cap)
			return 0;
	}
	cap = dir->order_cap * 2;
	if (charge(dir, (cap - dir->order_cap) * sizeof(*o)))
		return -ENOSPC;
	o = realloc(dir->order, cap * sizeof(*o));
	if (!o) {
		uncharge(dir, (cap - dir->order_cap) * sizeof(*o));
		return -ENOMEM;
	}
	dir->order = o;
	dir->order_cap = cap;
	return 0;
}

static size_t dirent_bytes(size_t len)
{
	return sizeof(struct zpfs_dirent) + len + 1;
}

/* Unhook @de from its hash chain, tombstone it, free it. */
static void unlink_entry(struct zpfs_dir *dir, struct zpfs_dirent *de)
{
	struct zpfs_dirent **pp = bucket_of(dir, de->hash);

	while (*pp != de)
		pp = &(*pp)->hnext;
	*pp = de->hnext;

	assert(dir->order[de->pos].de == de);
	dir->order[de->pos].de = NULL;
	dir->dead++;
	dir->count--;
	/* Tombstones at the tail cost nothing to drop. */
	while (dir->order_len && !dir->order[dir->order_len - 1].de) {
		dir->order_len--;
		dir->dead--;
	}
	uncharge(dir, dirent_bytes(de->len));
	free(de);

	if (dir->dead > 16 && dir->dead > dir->order_len / 2)
		compact(dir);
	if (dir->nbuckets > MIN_BUCKETS && dir->count < dir->nbuckets / 8)
		rehash(dir, dir->nbuckets / 2);
}

/* First slot index whose cookie is greater than @off. */
static size_t search(const struct zpfs_dir *dir, uint64_t off)
{
	size_t lo = 0, hi = dir->order_len;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (dir->order[mid].cookie <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct zpfs_dirent *first_live(const struct zpfs_dir *dir, size_t i)
{
	for (; i < dir->order_len; i++)
		if (dir->order[i].de)
			return dir->order[i].de;
	return NULL;
}

/* ------------------------------------------------------------------------
 * API
 * ------------------------------------------------------------------------ */

/**
 * zpfs_dir_create() - an empty directory
 * @st: store to charge the memory to, or NULL to charge nothing
 *
 * Return: the directory, or NULL with errno set to ENOMEM, or to ENOSPC when
 * the store's memory limit is reached.
 */
struct zpfs_dir *zpfs_dir_create(struct zpfs_store *st)
{
	size_t bytes = sizeof(struct zpfs_dir) +
		       MIN_BUCKETS * sizeof(struct zpfs_dirent *) +
		       MIN_ORDER * sizeof(struct order_slot);
	struct zpfs_dir *dir;

	if (st && zpfs_store_meta_charge(st, bytes)) {
		errno = ENOSPC;
		return NULL;
	}
	dir = calloc(1, sizeof(*dir));
	if (!dir)
		goto out_uncharge;
	dir->st = st;
	dir->nbuckets = MIN_BUCKETS;
	dir->buckets = calloc(MIN_BUCKETS, sizeof(*dir->buckets));
	if (!dir->buckets)
		goto out_free_dir;
	dir->order_cap = MIN_ORDER;
	dir->order = malloc(MIN_ORDER * sizeof(*dir->order));
	if (!dir->order)
		goto out_free_buckets;
	dir->next_cookie = ZPFS_DIR_COOKIE_DOTDOT + 1;
	dir->seed = new_seed(dir);
	return dir;

out_free_buckets:
	free(dir->buckets);
out_free_dir:
	free(dir);
out_uncharge:
	if (st)
		zpfs_store_meta_uncharge(st, bytes);
	errno = ENOMEM;
	return NULL;
}

/**
 * zpfs_dir_destroy() - free a directory and its entries (not their inodes)
 * @dir: the directory; NULL is ignored
 *
 * Gives back everything charged. Can't fail.
 */
void zpfs_dir_destroy(struct zpfs_dir *dir)
{
	size_t i, bytes = 0;

	if (!dir)
		return;
	for (i = 0; i < dir->order_len; i++) {
		struct zpfs_dirent *de = dir->order[i].de;

		if (de) {
			bytes += dirent_bytes(de->len);
			free(de);
		}
	}
	bytes += sizeof(*dir) + dir->nbuckets * sizeof(*dir->buckets) +
		 dir->order_cap * sizeof(*dir->order);
	uncharge(dir, bytes);
	free(dir->buckets);
	free(dir->order);
	free(dir);
}

/**
 * zpfs_dir_count() - live entries ("." and ".." not counted). Can't fail.
 * @dir: the directory
 *
 * Return: the number of entries.
 */
size_t zpfs_dir_count(const struct zpfs_dir *dir)
{
	return dir->count;
}

/**
 * zpfs_dir_lookup() - find a name
 * @dir: the directory
 * @name: the name, NUL-terminated
 *
 * Return: the entry, or NULL when there is none. Valid while the caller
 * holds the directory's lock.
 */
struct zpfs_dirent *zpfs_dir_lookup(const struct zpfs_dir *dir,
				    const char *name)
{
	size_t len = strlen(name);

	return find(dir, name, len, name_hash(dir->seed, name, len));
}

/**
 * zpfs_dir_add() - add a name
 * @dir: the directory
 * @name: the name, 1 to ZPFS_NAME_MAX bytes, NUL-terminated
 * @inode: what it names
 *
 * The entry gets a cookie larger than every cookie before it.
 * Return: 0; -EEXIST when the name is taken; -ENAMETOOLONG; -ENOMEM;
 * -ENOSPC when the store's memory limit is reached. On error nothing is
 * changed.
 */
int zpfs_dir_add(struct zpfs_dir *dir, const char *name,
		 struct zpfs_inode *inode)
{
	size_t len = strlen(name);
	uint64_t hash = name_hash(dir->seed, name, len);
	struct zpfs_dirent *de, **head;
	int err;

	if (len > ZPFS_NAME_MAX)
		return -ENAMETOOLONG;
	if (find(dir, name, len, hash))
		return -EEXIST;
	err = order_reserve(dir);
	if (err)
		return err;
	if (charge(dir, dirent_bytes(len)))
		return -ENOSPC;
	de = malloc(dirent_bytes(len));
	if (!de) {
		uncharge(dir, dirent_bytes(len));
		return -ENOMEM;
	}
	memcpy(de->name, name, len + 1);
	de->len = (uint16_t)len;
	de->hash = hash;
	de->inode = inode;
	de->cookie = dir->next_cookie++;
	de->pos = dir->order_len;
	dir->order[dir->order_len].cookie = de->cookie;
	dir->order[dir->order_len].de = de;
	dir->order_len++;

	head = bucket_of(dir, hash);
	de->hnext = *head;
	*head = de;
	dir->count++;
	if (dir->count > dir->nbuckets)
		rehash(dir, dir->nbuckets * 2);
	return 0;
}

/**
 * zpfs_dir_remove() - remove a name
 * @dir: the directory
 * @name: the name
 * @inode: set to what it named (may be NULL)
 *
 * Return: 0, or -ENOENT when there is no such name (nothing changed).
 */
int zpfs_dir_remove(struct zpfs_dir *dir, const char *name,
		    struct zpfs_inode **inode)
{
	struct zpfs_dirent *de = zpfs_dir_lookup(dir, name);

	if (!de)
		return -ENOENT;
	if (inode)
		*inode = de->inode;
	unlink_entry(dir, de);
	return 0;
}

/**
 * zpfs_dir_replace() - point an existing name at another inode
 * @dir: the directory
 * @name: the name
 * @inode: the new inode
 * @old: set to the inode it named (may be NULL)
 *
 * The entry keeps its cookie, so a readdir in progress neither loses nor
 * repeats it. Can't fail for lack of memory.
 * Return: 0, or -ENOENT when there is no such name (nothing changed).
 */
int zpfs_dir_replace(struct zpfs_dir *dir, const char *name,
		     struct zpfs_inode *inode, struct zpfs_inode **old)
{
	struct zpfs_dirent *de = zpfs_dir_lookup(dir, name);

	if (!de)
		return -ENOENT;
	if (old)
		*old = de->inode;
	de->inode = inode;
	return 0;
}

/**
 * zpfs_dir_next() - the entry a readdir at offset @off returns first
 * @dir: the directory
 * @off: a readdir offset: 0, or the cookie of an entry returned before
 *	 (that entry may have gone since)
 *
 * O(log n). Return: the live entry with the smallest cookie greater than
 * @off, or NULL at the end.
 */
struct zpfs_dirent *zpfs_dir_next(const struct zpfs_dir *dir, uint64_t off)
{
	return first_live(dir, search(dir, off));
}

/**
 * zpfs_dir_next_after() - the entry after @de, in cookie order
 * @dir: the directory
 * @de: a live entry of @dir
 *
 * O(1) amortised: for walking from zpfs_dir_next() without another search.
 * Return: the next live entry, or NULL at the end.
 */
struct zpfs_dirent *zpfs_dir_next_after(const struct zpfs_dir *dir,
					const struct zpfs_dirent *de)
{
	assert(dir->order[de->pos].de == de);
	return first_live(dir, de->pos + 1);
}
