/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * inode.c - inodes: making, numbering, counting, freeing; and the mount.
 *
 * An inode is one struct zpfs_inode in memory (fs_i.h). Two numbers name
 * it: st_ino (@ino), taken from the mount's counter when the inode is made
 * and never reused, which is what applications see; and the nodeid, the
 * handle the kernel sends back in every request, which is the inode's
 * address (the root is FUSE_ROOT_ID). A nodeid therefore needs no table to
 * resolve, and the kernel's generation number is set to @ino, so that a
 * freed address given to a new inode can never be confused with the old
 * one.
 *
 * Lifetime: an inode is referenced by names (@nlink: directory entries; a
 * directory also counts its "." and its subdirectories' "..") and by the
 * kernel (@nlookup: every reply that hands out the nodeid - lookup, create,
 * mkdir, mknod, symlink, link, readdirplus - adds one, forget takes them
 * back). It is freed when both are zero, by whichever of forget, unlink,
 * rmdir or rename takes the last one away. Both counts are decided under
 * the inode's .lock; @nlookup only grows from zero while a name links the
 * inode, and every such increment happens under the directory's .lock, so
 * exactly one caller sees both counts reach zero and frees the inode after
 * dropping its locks. A file unlinked while open keeps its nlookup (the
 * kernel holds the inode while it is open) and stays usable until the
 * kernel forgets it.
 *
 * Every inode is also on the mount's list (zpfs_fs.inodes), so that
 * unmounting frees the unlinked-but-open ones too.
 *
 * Memory: each inode charges its own size (plus a symlink's target) to the
 * store's metadata figure; a full mount refuses new inodes with ENOSPC, as
 * does the nr_inodes= limit.
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/fs_i.h"

/* The nodeid of the root, as FUSE_ROOT_ID (checked in ops.c). */
#define ROOT_NODEID	1

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

static size_t inode_bytes(const struct zpfs_inode *inode)
{
	size_t bytes = sizeof(*inode);

	if (S_ISLNK(inode->type))
		bytes += inode->link.len + 1;
	return bytes;
}

static void list_add_inode(struct zpfs_fs *fs, struct zpfs_inode *inode)
{
	pthread_mutex_lock(&fs->inodes_lock);
	inode->all_prev = NULL;
	inode->all_next = fs->inodes;
	if (fs->inodes)
		fs->inodes->all_prev = inode;
	fs->inodes = inode;
	pthread_mutex_unlock(&fs->inodes_lock);
}

static void list_del_inode(struct zpfs_fs *fs, struct zpfs_inode *inode)
{
	pthread_mutex_lock(&fs->inodes_lock);
	if (inode->all_prev)
		inode->all_prev->all_next = inode->all_next;
	else
		fs->inodes = inode->all_next;
	if (inode->all_next)
		inode->all_next->all_prev = inode->all_prev;
	pthread_mutex_unlock(&fs->inodes_lock);
}

/* Free everything an inode holds and the inode; not on the list any more. */
static void free_inode(struct zpfs_fs *fs, struct zpfs_inode *inode)
{
	size_t bytes = inode_bytes(inode);

	switch (inode->type) {
	case S_IFREG:
		zpfs_file_free_pages(fs, inode);
		pthread_rwlock_destroy(&inode->file.map_lock);
		pthread_mutex_destroy(&inode->file.io_lock);
		break;
	case S_IFDIR:
		zpfs_dir_destroy(inode->dir.entries);
		break;
	case S_IFLNK:
		free(inode->link.target);
		break;
	}
	zpfs_xattr_free_all(fs, inode);
	pthread_mutex_destroy(&inode->lock);
	zpfs_store_meta_uncharge(fs->store, bytes);
	atomic_fetch_sub(&fs->nr_inodes, 1);
	free(inode);
}

static bool ts_le(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	       (a->tv_sec == b->tv_sec && a->tv_nsec <= b->tv_nsec);
}

/* ------------------------------------------------------------------------
 * API
 * ------------------------------------------------------------------------ */

/**
 * zpfs_now() - the current time for timestamps (CLOCK_REALTIME, ns)
 * @ts: set to the time. Can't fail.
 */
void zpfs_now(struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME, ts);
}

/**
 * zpfs_inode_new() - make an inode, linked nowhere yet
 * @fs: the mount
 * @mode: type and permission bits (S_IFREG, S_IFDIR, S_IFLNK, S_IFCHR,
 *	  S_IFBLK, S_IFIFO or S_IFSOCK)
 * @uid: owner
 * @gid: group
 * @rdev: device number of a device node (ignored for other types)
 * @target: a symlink's target (ignored for other types)
 * @out: set to the inode
 *
 * The inode has nlink 0 and nlookup 0; times are now. The caller links it
 * (and sets nlink) or frees it with zpfs_inode_destroy().
 * Return: 0; -EINVAL for a bad type; -ENAMETOOLONG for a symlink target
 * over ZPFS_SYMLINK_MAX bytes; -ENOENT for an empty one; -ENOSPC when the
 * mount has no room or nr_inodes= is reached; -ENOMEM.
 */
int zpfs_inode_new(struct zpfs_fs *fs, mode_t mode, uid_t uid, gid_t gid,
		   dev_t rdev, const char *target, struct zpfs_inode **out)
{
	mode_t type = mode & S_IFMT;
	struct zpfs_inode *inode;
	size_t tlen = 0, bytes;
	uint64_t n;
	int err;

	switch (type) {
	case S_IFLNK:
		tlen = strlen(target);
		if (tlen > ZPFS_SYMLINK_MAX)
			return -ENAMETOOLONG;
		if (!tlen)
			return -ENOENT;
		break;
	case S_IFREG:
	case S_IFDIR:
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		break;
	default:
		return -EINVAL;
	}

	n = atomic_fetch_add(&fs->nr_inodes, 1) + 1;
	if (fs->cfg.max_inodes && n > fs->cfg.max_inodes) {
		err = -ENOSPC;
		goto out_uncount;
	}
	bytes = sizeof(*inode) + (type == S_IFLNK ? tlen + 1 : 0);
	err = zpfs_store_meta_charge(fs->store, bytes);
	if (err)
		goto out_uncount;
	err = -ENOMEM;
	inode = calloc(1, sizeof(*inode));
	if (!inode)
		goto out_uncharge;

	switch (type) {
	case S_IFREG: {
		pthread_rwlockattr_t ra;

		pthread_mutex_init(&inode->file.io_lock, NULL);
		/* Writers must not starve behind a stream of readers. */
		pthread_rwlockattr_init(&ra);
		pthread_rwlockattr_setkind_np(&ra,
			PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
		pthread_rwlock_init(&inode->file.map_lock, &ra);
		pthread_rwlockattr_destroy(&ra);
		zpfs_pagemap_init(&inode->file.map);
		break;
	}
	case S_IFDIR:
		inode->dir.entries = zpfs_dir_create(fs->store);
		if (!inode->dir.entries) {
			err = errno == ENOSPC ? -ENOSPC : -ENOMEM;
			goto out_free_inode;
		}
		inode->dir.size = 2 * ZPFS_BOGO_DIRENT_SIZE;
		break;
	case S_IFLNK:
		inode->link.target = malloc(tlen + 1);
		if (!inode->link.target)
			goto out_free_inode;
		memcpy(inode->link.target, target, tlen + 1);
		inode->link.len = tlen;
		break;
	case S_IFCHR:
	case S_IFBLK:
		inode->rdev = rdev;
		break;
	}

	pthread_mutex_init(&inode->lock, NULL);
	inode->type = type;
	inode->mode = mode;
	inode->uid = uid;
	inode->gid = gid;
	zpfs_now(&inode->mtime);
	inode->atime = inode->mtime;
	inode->ctime = inode->mtime;
	inode->ino = atomic_fetch_add(&fs->next_ino, 1);
	list_add_inode(fs, inode);
	*out = inode;
	return 0;

out_free_inode:
	free(inode);
out_uncharge:
	zpfs_store_meta_uncharge(fs->store, bytes);
out_uncount:
	atomic_fetch_sub(&fs->nr_inodes, 1);
	return err;
}

/**
 * zpfs_inode_destroy() - free an inode and everything it holds
 * @fs: the mount
 * @inode: an inode no name links and the kernel does not know (or one that
 *	   zpfs_inode_new() just made)
 *
 * Can't fail.
 */
void zpfs_inode_destroy(struct zpfs_fs *fs, struct zpfs_inode *inode)
{
	list_del_inode(fs, inode);
	free_inode(fs, inode);
}

/**
 * zpfs_inode_get() - the inode of a kernel nodeid
 * @fs: the mount
 * @nodeid: FUSE_ROOT_ID or an inode's address, as handed out before
 *
 * Return: the inode. Can't fail: the kernel only sends nodeids it holds.
 */
struct zpfs_inode *zpfs_inode_get(struct zpfs_fs *fs, uint64_t nodeid)
{
	if (nodeid == ROOT_NODEID)
		return fs->root;
	return (struct zpfs_inode *)(uintptr_t)nodeid;
}

/**
 * zpfs_inode_nodeid() - the nodeid the kernel knows an inode by
 * @fs: the mount
 * @inode: the inode
 *
 * Return: FUSE_ROOT_ID for the root, else the inode's address.
 */
uint64_t zpfs_inode_nodeid(struct zpfs_fs *fs, const struct zpfs_inode *inode)
{
	if (inode == fs->root)
		return ROOT_NODEID;
	return (uint64_t)(uintptr_t)inode;
}

/**
 * zpfs_inode_ref() - count one more kernel reference (nlookup)
 * @inode: an inode that a name links (caller holds that directory's .lock)
 *	   or that the kernel already holds
 *
 * Lock-free. Can't fail.
 */
void zpfs_inode_ref(struct zpfs_inode *inode)
{
	atomic_fetch_add(&inode->nlookup, 1);
}

/**
 * zpfs_inode_forget() - drop kernel references; free the inode on the last
 * @fs: the mount
 * @inode: the inode
 * @n: references to drop (FUSE forget's nlookup)
 *
 * Takes and drops the inode's .lock. Can't fail.
 */
void zpfs_inode_forget(struct zpfs_fs *fs, struct zpfs_inode *inode,
		       uint64_t n)
{
	uint64_t old;
	bool dead;

	pthread_mutex_lock(&inode->lock);
	old = atomic_load(&inode->nlookup);
	if (n > old)		/* never from a sane kernel */
		n = old;
	old = atomic_fetch_sub(&inode->nlookup, n);
	dead = old == n && inode->nlink == 0 && inode != fs->root;
	pthread_mutex_unlock(&inode->lock);
	if (dead)
		zpfs_inode_destroy(fs, inode);
}

/**
 * zpfs_inode_unlink_locked() - drop one name of an inode
 * @inode: the inode; caller holds its .lock and its directory's .lock and
 *	   has removed the entry
 *
 * A directory's count drops to zero (its "." goes with its name); another
 * inode's drops by one. Sets ctime.
 * Return: true when no name and no kernel reference is left: the caller
 * frees the inode with zpfs_inode_destroy() after dropping its locks.
 */
bool zpfs_inode_unlink_locked(struct zpfs_inode *inode)
{
	if (S_ISDIR(inode->type) || inode->nlink == 0)
		inode->nlink = 0;
	else
		inode->nlink--;
	zpfs_now(&inode->ctime);
	return inode->nlink == 0 && atomic_load(&inode->nlookup) == 0;
}

/**
 * zpfs_inode_stat() - fill a struct stat
 * @inode: the inode (kept alive by the caller)
 * @st: filled; st_dev is left 0 (the kernel sets it)
 *
 * st_size is the logical size; st_blocks is the memory the data really
 * uses (compressed bytes plus raw pages, in 512-byte units: holes and
 * same-filled pages cost nothing). Takes map_lock (read) and then .lock,
 * never both at once. Can't fail.
 */
void zpfs_inode_stat(struct zpfs_inode *inode, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = inode->ino;
	st->st_blksize = ZPFS_PAGE_SIZE;
	if (S_ISREG(inode->type)) {
		uint64_t bytes;

		pthread_rwlock_rdlock(&inode->file.map_lock);
		st->st_size = (off_t)inode->file.size;
		bytes = inode->file.comp_bytes +
			inode->file.nr_raw * ZPFS_PAGE_SIZE;
		pthread_rwlock_unlock(&inode->file.map_lock);
		st->st_blocks = (blkcnt_t)((bytes + 511) / 512);
	} else if (S_ISLNK(inode->type)) {
		st->st_size = (off_t)inode->link.len;
	}

	pthread_mutex_lock(&inode->lock);
	st->st_mode = inode->mode;
	st->st_nlink = inode->nlink;
	st->st_uid = inode->uid;
	st->st_gid = inode->gid;
	st->st_rdev = inode->rdev;
	st->st_atim = inode->atime;
	st->st_mtim = inode->mtime;
	st->st_ctim = inode->ctime;
	if (S_ISDIR(inode->type))
		st->st_size = (off_t)inode->dir.size;
	pthread_mutex_unlock(&inode->lock);
}

/**
 * zpfs_inode_touch_atime() - note an access, with the relatime rule
 * @inode: the inode; caller holds none of its locks
 *
 * atime moves to now only when it is not newer than mtime or ctime, or is a
 * day old: what tmpfs does under the default relatime mount option, and
 * cheap enough for every read. Can't fail.
 */
void zpfs_inode_touch_atime(struct zpfs_inode *inode)
{
	struct timespec now;

	zpfs_now(&now);
	pthread_mutex_lock(&inode->lock);
	if (ts_le(&inode->atime, &inode->mtime) ||
	    ts_le(&inode->atime, &inode->ctime) ||
	    now.tv_sec - inode->atime.tv_sec >= 24 * 60 * 60)
		inode->atime = now;
	pthread_mutex_unlock(&inode->lock);
}

/* Free the option strings of the mount's own copy of the configuration. */
static void config_free_strings(struct zpfs_config *c)
{
	free(c->backend);
	free(c->compressor);
	free(c->size);
	free(c->nr_inodes);
	free(c->mode);
	free(c->uid);
	free(c->gid);
	free(c->cache);
}

/**
 * zpfs_fs_create() - make a mount: its store and its root directory
 * @cfg: parsed options; copied (the strings too)
 *
 * The root gets mode @cfg->root_mode (permission bits), @cfg->root_uid and
 * @cfg->root_gid; backend and compressor default to "zbud" and "lz4".
 * Return: the mount, or NULL with errno set: ENODEV (no such back end),
 * EINVAL (bad compressor), ENOMEM.
 */
struct zpfs_fs *zpfs_fs_create(const struct zpfs_config *cfg)
{
	struct zpfs_config *c;
	struct zpfs_inode *root;
	struct zpfs_fs *fs;
	int err;

	fs = calloc(1, sizeof(*fs));
	if (!fs) {
		errno = ENOMEM;
		return NULL;
	}
	c = &fs->cfg;
	*c = *cfg;
	c->backend = strdup(cfg->backend ? cfg->backend : "zbud");
	c->compressor = strdup(cfg->compressor ? cfg->compressor : "lz4");
	c->size = cfg->size ? strdup(cfg->size) : NULL;
	c->nr_inodes = cfg->nr_inodes ? strdup(cfg->nr_inodes) : NULL;
	c->mode = cfg->mode ? strdup(cfg->mode) : NULL;
	c->uid = cfg->uid ? strdup(cfg->uid) : NULL;
	c->gid = cfg->gid ? strdup(cfg->gid) : NULL;
	c->cache = cfg->cache ? strdup(cfg->cache) : NULL;
	err = ENOMEM;
	if (!c->backend || !c->compressor || (cfg->size && !c->size) ||
	    (cfg->nr_inodes && !c->nr_inodes) || (cfg->mode && !c->mode) ||
	    (cfg->uid && !c->uid) || (cfg->gid && !c->gid) ||
	    (cfg->cache && !c->cache))
		goto out_free_cfg;

	err = -zpfs_codec_find(c->compressor, &fs->codec, &fs->level);
	if (err)
		goto out_free_cfg;
	fs->store = zpfs_store_create(c->backend, fs->codec, fs->level,
				      c->mem_limit);
	if (!fs->store) {
		err = errno ? errno : ENOMEM;
		goto out_free_cfg;
	}
	fs->par = zpfs_par_create();
	if (!fs->par) {
		err = ENOMEM;
		goto out_destroy_store;
	}
	pthread_mutex_init(&fs->rename_lock, NULL);
	pthread_mutex_init(&fs->inodes_lock, NULL);
	atomic_store(&fs->next_ino, 1);

	err = -zpfs_inode_new(fs, S_IFDIR | (c->root_mode & 07777),
			      c->root_uid, c->root_gid, 0, NULL, &root);
	if (err)
		goto out_destroy_locks;
	root->nlink = 2;
	root->dir.parent = root;
	atomic_store(&root->nlookup, 1);
	fs->root = root;
	return fs;

out_destroy_locks:
	pthread_mutex_destroy(&fs->inodes_lock);
	pthread_mutex_destroy(&fs->rename_lock);
	zpfs_par_destroy(fs->par);
out_destroy_store:
	zpfs_store_destroy(fs->store);
out_free_cfg:
	config_free_strings(c);
	free(fs);
	errno = err;
	return NULL;
}

/**
 * zpfs_fs_destroy() - free every inode, page and the store of a mount
 * @fs: the mount; the session must be over (no request running). NULL is
 *	ignored.
 *
 * Frees linked and unlinked-but-open inodes alike. Can't fail.
 */
void zpfs_fs_destroy(struct zpfs_fs *fs)
{
	struct zpfs_inode *inode, *next;
	struct zpfs_config *c;

	if (!fs)
		return;
	for (inode = fs->inodes; inode; inode = next) {
		next = inode->all_next;
		free_inode(fs, inode);
	}
	fs->inodes = NULL;
#ifndef NDEBUG
	{
		struct zpfs_store_stats s;

		/* Every charge of the tree has been given back. */
		zpfs_store_get_stats(fs->store, &s);
		assert(s.meta_bytes == 0);
		assert(atomic_load(&fs->nr_inodes) == 0);
	}
#endif
	zpfs_par_destroy(fs->par);
	zpfs_store_destroy(fs->store);
	pthread_mutex_destroy(&fs->inodes_lock);
	pthread_mutex_destroy(&fs->rename_lock);
	c = &fs->cfg;
	config_free_strings(c);
	free(fs);
}
