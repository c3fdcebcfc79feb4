/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ops.c - the FUSE low-level operations: the kernel's requests in, replies
 * out.
 *
 * Every operation has the same shape (as libfuse's passthrough_hp.cc): a
 * do_<op>() helper does the work under the locks it needs and returns 0 or
 * a negative errno; the zpfs_op_<op>() callback then replies exactly once,
 * on every path, with no lock held. Nothing large is allocated under a
 * lock: a new inode is made before its directory is locked, and reply
 * buffers before the entries are read.
 *
 * Nodeids are inode addresses (inode.c); the kernel's permission checks are
 * on (default_permissions), so no operation checks modes itself, and only
 * this mount's kernel side changes the tree.
 *
 * Cache timeouts. Every change to the tree and to attributes reaches us
 * through the kernel, which updates or invalidates what it caches at the
 * same time (a write invalidates size, mtime, ctime and st_blocks; link,
 * unlink and rename invalidate the link counts; a read invalidates atime),
 * so cached entries never go stale: ENTRY_TIMEOUT is long, and negative
 * entries are cached too (a lookup miss is answered with nodeid 0).
 * Attributes are kept for ATTR_TIMEOUT only: a few changes do not come back
 * through a path that invalidates them (pages written back from a shared
 * mapping change st_blocks after the kernel's own view), and a second is
 * short enough for du and stat to be right in practice while saving the
 * bulk of getattr round trips.
 *
 * Lock ordering: see fs_i.h. rename is the only operation that takes two
 * directory locks (after zpfs_fs.rename_lock when it crosses directories)
 * and two child locks.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "fs/fs_i.h"
#include "fs/wire.h"

_Static_assert(FUSE_ROOT_ID == 1, "inode.c assumes the root's nodeid is 1");

/* See "Cache timeouts" above; seconds. */
#define ENTRY_TIMEOUT	3600.0
#define ATTR_TIMEOUT	1.0

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE	(1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE		(1 << 1)
#endif
#ifndef RENAME_WHITEOUT
#define RENAME_WHITEOUT		(1 << 2)
#endif

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

static struct zpfs_fs *req_fs(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static struct zpfs_inode *req_inode(fuse_req_t req, fuse_ino_t ino)
{
	return zpfs_inode_get(req_fs(req), ino);
}

static int check_name(const char *name)
{
	return strlen(name) > ZPFS_NAME_MAX ? -ENAMETOOLONG : 0;
}

/* Fill a reply entry for @inode, on which the caller holds a reference. */
static void fill_entry(struct zpfs_fs *fs, struct zpfs_inode *inode,
		       struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	e->ino = zpfs_inode_nodeid(fs, inode);
	e->generation = inode->ino;
	zpfs_inode_stat(inode, &e->attr);
	e->attr_timeout = ATTR_TIMEOUT;
	e->entry_timeout = ENTRY_TIMEOUT;
}

static void reply_entry_or_err(fuse_req_t req, int err,
			       const struct fuse_entry_param *e)
{
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_entry(req, e);
}

/* Lock two distinct child inodes (neither an ancestor of the other). */
static void lock_pair(struct zpfs_inode *a, struct zpfs_inode *b)
{
	if (!b) {
		pthread_mutex_lock(&a->lock);
	} else if (a < b) {
		pthread_mutex_lock(&a->lock);
		pthread_mutex_lock(&b->lock);
	} else {
		pthread_mutex_lock(&b->lock);
		pthread_mutex_lock(&a->lock);
	}
}

static void unlock_pair(struct zpfs_inode *a, struct zpfs_inode *b)
{
	if (b)
		pthread_mutex_unlock(&b->lock);
	pthread_mutex_unlock(&a->lock);
}

/*
 * Is @a the directory @d or one of its ancestors? Caller holds
 * zpfs_fs.rename_lock: parent pointers only change under it.
 */
static bool is_ancestor(struct zpfs_fs *fs, struct zpfs_inode *a,
			struct zpfs_inode *d)
{
	for (;;) {
		if (d == a)
			return true;
		if (d == fs->root || !d->dir.parent)
			return false;
		d = d->dir.parent;
	}
}

/* ------------------------------------------------------------------------
 * Names: lookup, forget, create, link, unlink, rename
 * ------------------------------------------------------------------------ */

static int do_lookup(struct zpfs_fs *fs, struct zpfs_inode *dir,
		     const char *name, struct fuse_entry_param *e)
{
	struct zpfs_inode *child = NULL;
	struct zpfs_dirent *de;
	int err;

	if (!S_ISDIR(dir->type))
		return -ENOTDIR;
	err = check_name(name);
	if (err)
		return err;

	pthread_mutex_lock(&dir->lock);
	if (!strcmp(name, ".")) {
		child = dir;
	} else if (!strcmp(name, "..")) {
		child = dir->nlink ? dir->dir.parent : NULL;
	} else {
		de = zpfs_dir_lookup(dir->dir.entries, name);
		if (de)
			child = de->inode;
	}
	if (child)
		zpfs_inode_ref(child);
	pthread_mutex_unlock(&dir->lock);

	if (!child) {
		/* A negative entry, which the kernel caches. */
		memset(e, 0, sizeof(*e));
		e->entry_timeout = ENTRY_TIMEOUT;
		return 0;
	}
	fill_entry(fs, child, e);
	return 0;
}

static void zpfs_op_lookup(fuse_req_t req, fuse_ino_t parent,
			   const char *name)
{
	struct fuse_entry_param e;
	int err;

	err = do_lookup(req_fs(req), req_inode(req, parent), name, &e);
	reply_entry_or_err(req, err, &e);
}

/*
 * A forget may free a large file. The kernel queues it before the unlink
 * that caused it returns, but another thread may be answering a statfs
 * meanwhile: @forgetting lets statfs wait for the memory to be given back,
 * so that "rm file; df" shows it.
 */
static void zpfs_op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	struct zpfs_fs *fs = req_fs(req);

	atomic_fetch_add(&fs->forgetting, 1);
	zpfs_inode_forget(fs, zpfs_inode_get(fs, ino), nlookup);
	atomic_fetch_sub(&fs->forgetting, 1);
	fuse_reply_none(req);
}

static void zpfs_op_forget_multi(fuse_req_t req, size_t count,
				 struct fuse_forget_data *forgets)
{
	struct zpfs_fs *fs = req_fs(req);
	size_t i;

	atomic_fetch_add(&fs->forgetting, 1);
	for (i = 0; i < count; i++)
		zpfs_inode_forget(fs, zpfs_inode_get(fs, forgets[i].ino),
				  forgets[i].nlookup);
	atomic_fetch_sub(&fs->forgetting, 1);
	fuse_reply_none(req);
}

/*
 * Make an inode and link it as @name in @parent: mknod, mkdir, symlink and
 * create. New entries of a set-group-ID directory take its group, and new
 * subdirectories its set-group-ID bit (the kernel has already applied the
 * umask and stripped set-group-ID where the caller may not have it).
 */
static int do_create(fuse_req_t req, struct zpfs_inode *dir, const char *name,
		     mode_t mode, dev_t rdev, const char *target,
		     struct fuse_entry_param *e)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct zpfs_fs *fs = req_fs(req);
	struct zpfs_inode *inode;
	int err;

	if (!S_ISDIR(dir->type))
		return -ENOTDIR;
	err = check_name(name);
	if (err)
		return err;
	err = zpfs_inode_new(fs, mode, ctx->uid, ctx->gid, rdev, target,
			     &inode);
	if (err)
		return err;
	/* Default ACL or umask, while nobody else can see the inode. */
	err = zpfs_acl_inherit(fs, dir, inode, ctx->umask);
	if (err) {
		zpfs_inode_destroy(fs, inode);
		return err;
	}

	pthread_mutex_lock(&dir->lock);
	err = -ENOENT;
	if (!dir->nlink)		/* removed while we were busy */
		goto out_unlock;
	if (dir->mode & S_ISGID) {
		inode->gid = dir->gid;
		if (S_ISDIR(mode))
			inode->mode |= S_ISGID;
	}
	if (S_ISDIR(mode)) {
		inode->nlink = 2;
		inode->dir.parent = dir;
	} else {
		inode->nlink = 1;
	}
	err = zpfs_dir_add(dir->dir.entries, name, inode);
	if (err)
		goto out_unlock;
	if (S_ISDIR(mode))
		dir->nlink++;
	dir->dir.size += ZPFS_BOGO_DIRENT_SIZE;
	dir->mtime = inode->ctime;
	dir->ctime = inode->ctime;
	zpfs_inode_ref(inode);
	pthread_mutex_unlock(&dir->lock);

	fill_entry(fs, inode, e);
	return 0;

out_unlock:
	pthread_mutex_unlock(&dir->lock);
	zpfs_inode_destroy(fs, inode);
	return err;
}

static void zpfs_op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
			  mode_t mode, dev_t rdev)
{
	struct fuse_entry_param e;
	int err;

	switch (mode & S_IFMT) {
	case 0:
		mode |= S_IFREG;
		/* fall through */
	case S_IFREG:
	case S_IFIFO:
	case S_IFSOCK:
	case S_IFCHR:
	case S_IFBLK:
		err = do_create(req, req_inode(req, parent), name,
				(mode & S_IFMT) | (mode & 07777), rdev, NULL,
				&e);
		break;
	default:
		err = -EINVAL;
	}
	reply_entry_or_err(req, err, &e);
}

static void zpfs_op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
			  mode_t mode)
{
	struct fuse_entry_param e;
	int err;

	err = do_create(req, req_inode(req, parent), name,
			S_IFDIR | (mode & 07777), 0, NULL, &e);
	reply_entry_or_err(req, err, &e);
}

static void zpfs_op_symlink(fuse_req_t req, const char *link,
			    fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;
	int err;

	err = do_create(req, req_inode(req, parent), name, S_IFLNK | 0777, 0,
			link, &e);
	reply_entry_or_err(req, err, &e);
}

static void zpfs_op_create(fuse_req_t req, fuse_ino_t parent,
			   const char *name, mode_t mode,
			   struct fuse_file_info *fi)
{
	struct fuse_entry_param e;
	int err;

	err = do_create(req, req_inode(req, parent), name,
			S_IFREG | (mode & 07777), 0, NULL, &e);
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	fi->keep_cache = 1;
	fi->direct_io = req_fs(req)->cfg.direct_io;
	fuse_reply_create(req, &e, fi);
}

static int do_link(struct zpfs_fs *fs, struct zpfs_inode *inode,
		   struct zpfs_inode *dir, const char *name,
		   struct fuse_entry_param *e)
{
	struct timespec now;
	int err;

	if (S_ISDIR(inode->type))
		return -EPERM;
	if (!S_ISDIR(dir->type))
		return -ENOTDIR;
	err = check_name(name);
	if (err)
		return err;

	zpfs_now(&now);
	pthread_mutex_lock(&dir->lock);
	pthread_mutex_lock(&inode->lock);
	err = -ENOENT;
	if (!dir->nlink || !inode->nlink)
		goto out_unlock;
	err = zpfs_dir_add(dir->dir.entries, name, inode);
	if (err)
		goto out_unlock;
	inode->nlink++;
	inode->ctime = now;
	zpfs_inode_ref(inode);
	dir->dir.size += ZPFS_BOGO_DIRENT_SIZE;
	dir->mtime = now;
	dir->ctime = now;
out_unlock:
	pthread_mutex_unlock(&inode->lock);
	pthread_mutex_unlock(&dir->lock);
	if (!err)
		fill_entry(fs, inode, e);
	return err;
}

static void zpfs_op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
			 const char *newname)
{
	struct fuse_entry_param e;
	int err;

	err = do_link(req_fs(req), req_inode(req, ino),
		      req_inode(req, newparent), newname, &e);
	reply_entry_or_err(req, err, &e);
}

/*
 * unlink (@rmdir false) and rmdir (@rmdir true). *@dead is set to the inode
 * when the caller must free it. An inode the kernel still knows keeps its
 * data until the kernel forgets it: even with no file open, a path walk
 * that found it before the unlink may still open it.
 */
static int do_unlink(struct zpfs_inode *dir, const char *name, bool rmdir,
		     struct zpfs_inode **dead)
{
	struct zpfs_inode *child;
	struct zpfs_dirent *de;
	int err = 0;

	*dead = NULL;
	if (!S_ISDIR(dir->type))
		return -ENOTDIR;
	err = check_name(name);
	if (err)
		return err;

	pthread_mutex_lock(&dir->lock);
	de = zpfs_dir_lookup(dir->dir.entries, name);
	if (!de) {
		err = -ENOENT;
		goto out_unlock_dir;
	}
	child = de->inode;
	if (rmdir && !S_ISDIR(child->type)) {
		err = -ENOTDIR;
		goto out_unlock_dir;
	}
	if (!rmdir && S_ISDIR(child->type)) {
		err = -EISDIR;
		goto out_unlock_dir;
	}
	pthread_mutex_lock(&child->lock);
	if (rmdir && zpfs_dir_count(child->dir.entries)) {
		err = -ENOTEMPTY;
		goto out_unlock_child;
	}
	zpfs_dir_remove(dir->dir.entries, name, NULL);
	if (zpfs_inode_unlink_locked(child))
		*dead = child;
	if (rmdir)
		dir->nlink--;
	dir->dir.size -= ZPFS_BOGO_DIRENT_SIZE;
	dir->mtime = child->ctime;
	dir->ctime = child->ctime;
out_unlock_child:
	pthread_mutex_unlock(&child->lock);
out_unlock_dir:
	pthread_mutex_unlock(&dir->lock);
	return err;
}

static void zpfs_op_unlink(fuse_req_t req, fuse_ino_t parent,
			   const char *name)
{
	struct zpfs_inode *dead;
	int err;

	err = do_unlink(req_inode(req, parent), name, false, &dead);
	if (dead)
		zpfs_inode_destroy(req_fs(req), dead);
	fuse_reply_err(req, -err);
}

static void zpfs_op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct zpfs_inode *dead;
	int err;

	err = do_unlink(req_inode(req, parent), name, true, &dead);
	if (dead)
		zpfs_inode_destroy(req_fs(req), dead);
	fuse_reply_err(req, -err);
}

/*
 * rename(2) with RENAME_NOREPLACE, RENAME_EXCHANGE and RENAME_WHITEOUT,
 * errors as tmpfs. Locks: rename_lock when the directories differ, then
 * both directories (ancestor first, else lower address first), then the
 * source and target inodes (lower address first: neither can be an
 * ancestor of the other once the loop checks have passed). The target is
 * replaced in place, so the name never disappears. *@dead is set as by
 * do_unlink() for a replaced inode. *@whiteout is the character device 0:0
 * that RENAME_WHITEOUT leaves at the old name (overlayfs' mark of a
 * removed lower file), made by the caller; set to NULL when it is used.
 */
static int do_rename(struct zpfs_fs *fs, struct zpfs_inode *op,
		     const char *oname, struct zpfs_inode *np,
		     const char *nname, unsigned int flags,
		     struct zpfs_inode **whiteout, struct zpfs_inode **dead)
{
	bool cross = op != np, exchange = flags & RENAME_EXCHANGE;
	struct zpfs_inode *src, *dst, *lk1 = op, *lk2 = NULL;
	bool src_dir, dst_dir;
	struct zpfs_dirent *de;
	struct timespec now;
	int err;

	*dead = NULL;
	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;
	if (exchange && (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)))
		return -EINVAL;
	if (!S_ISDIR(op->type) || !S_ISDIR(np->type))
		return -ENOTDIR;
	if (check_name(oname) || check_name(nname))
		return -ENAMETOOLONG;

	if (cross) {
		pthread_mutex_lock(&fs->rename_lock);
		if (is_ancestor(fs, np, op) ||
		    (!is_ancestor(fs, op, np) && np < op)) {
			lk1 = np;
			lk2 = op;
		} else {
			lk1 = op;
			lk2 = np;
		}
		pthread_mutex_lock(&lk1->lock);
		pthread_mutex_lock(&lk2->lock);
	} else {
		pthread_mutex_lock(&op->lock);
	}

	err = -ENOENT;
	if (!op->nlink || !np->nlink)
		goto out_unlock_dirs;
	de = zpfs_dir_lookup(op->dir.entries, oname);
	if (!de)
		goto out_unlock_dirs;
	src = de->inode;
	de = zpfs_dir_lookup(np->dir.entries, nname);
	dst = de ? de->inode : NULL;

	err = 0;
	if (src == dst)			/* two names of one inode */
		goto out_unlock_dirs;
	err = -EEXIST;
	if (dst && (flags & RENAME_NOREPLACE))
		goto out_unlock_dirs;
	err = -ENOENT;
	if (!dst && exchange)
		goto out_unlock_dirs;
	src_dir = S_ISDIR(src->type);
	dst_dir = dst && S_ISDIR(dst->type);
	if (dst && !exchange) {
		err = -ENOTDIR;
		if (src_dir && !dst_dir)
			goto out_unlock_dirs;
		err = -EISDIR;
		if (!src_dir && dst_dir)
			goto out_unlock_dirs;
	}
	if (cross) {
		/* No directory may end up inside itself. */
		err = -EINVAL;
		if (src_dir && is_ancestor(fs, src, np))
			goto out_unlock_dirs;
		if (dst_dir && is_ancestor(fs, dst, op)) {
			err = exchange ? -EINVAL : -ENOTEMPTY;
			goto out_unlock_dirs;
		}
	}

	lock_pair(src, dst);
	if (dst_dir && !exchange && zpfs_dir_count(dst->dir.entries)) {
		err = -ENOTEMPTY;
		goto out_unlock_children;
	}

	zpfs_now(&now);
	if (exchange) {
		zpfs_dir_replace(op->dir.entries, oname, dst, NULL);
		zpfs_dir_replace(np->dir.entries, nname, src, NULL);
		if (cross) {
			if (src_dir)
				src->dir.parent = np;
			if (dst_dir)
				dst->dir.parent = op;
			if (src_dir && !dst_dir) {
				op->nlink--;
				np->nlink++;
			} else if (!src_dir && dst_dir) {
				np->nlink--;
				op->nlink++;
			}
		}
		dst->ctime = now;
	} else {
		if (dst) {
			zpfs_dir_replace(np->dir.entries, nname, src, NULL);
			if (dst_dir)
				np->nlink--;
			if (zpfs_inode_unlink_locked(dst))
				*dead = dst;
			dst->ctime = now;
		} else {
			err = zpfs_dir_add(np->dir.entries, nname, src);
			if (err)
				goto out_unlock_children;
			np->dir.size += ZPFS_BOGO_DIRENT_SIZE;
		}
		if (*whiteout) {
			/* Owned as a new entry of @op would be. */
			if (op->mode & S_ISGID)
				(*whiteout)->gid = op->gid;
			(*whiteout)->nlink = 1;
			zpfs_dir_replace(op->dir.entries, oname, *whiteout,
					 NULL);
			*whiteout = NULL;
		} else {
			zpfs_dir_remove(op->dir.entries, oname, NULL);
			op->dir.size -= ZPFS_BOGO_DIRENT_SIZE;
		}
		if (src_dir) {
			op->nlink--;
			np->nlink++;
			if (cross)
				src->dir.parent = np;
		}
	}
	src->ctime = now;
	op->mtime = now;
	op->ctime = now;
	np->mtime = now;
	np->ctime = now;
	err = 0;

out_unlock_children:
	unlock_pair(src, dst);
out_unlock_dirs:
	if (cross) {
		pthread_mutex_unlock(&lk2->lock);
		pthread_mutex_unlock(&lk1->lock);
		pthread_mutex_unlock(&fs->rename_lock);
	} else {
		pthread_mutex_unlock(&op->lock);
	}
	return err;
}

static void zpfs_op_rename(fuse_req_t req, fuse_ino_t parent,
			   const char *name, fuse_ino_t newparent,
			   const char *newname, unsigned int flags)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct zpfs_inode *dead, *whiteout = NULL;
	struct zpfs_fs *fs = req_fs(req);
	int err;

	if (flags & RENAME_WHITEOUT) {
		err = zpfs_inode_new(fs, S_IFCHR, ctx->uid, ctx->gid, 0, NULL,
				     &whiteout);
		if (err) {
			fuse_reply_err(req, -err);
			return;
		}
	}
	err = do_rename(fs, req_inode(req, parent), name,
			req_inode(req, newparent), newname, flags, &whiteout,
			&dead);
	if (dead)
		zpfs_inode_destroy(fs, dead);
	if (whiteout)		/* not used: the rename failed or was a no-op */
		zpfs_inode_destroy(fs, whiteout);
	fuse_reply_err(req, -err);
}

/* ------------------------------------------------------------------------
 * Attributes
 * ------------------------------------------------------------------------ */

static void zpfs_op_getattr(fuse_req_t req, fuse_ino_t ino,
			    struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	zpfs_inode_stat(req_inode(req, ino), &st);
	fuse_reply_attr(req, &st, ATTR_TIMEOUT);
}

/*
 * chmod, chown, truncate, utimensat. Every call sets ctime (the kernel
 * always asks for ATTR_CTIME); a truncate also sets mtime unless the caller
 * gave one, even to the same size (as tmpfs: do_truncate() asks for it).
 */
static int do_setattr(struct zpfs_fs *fs, struct zpfs_inode *inode,
		      const struct stat *attr, int valid)
{
	struct timespec now;
	int err;

	if (valid & FUSE_SET_ATTR_SIZE) {
		if (S_ISDIR(inode->type))
			return -EISDIR;
		if (!S_ISREG(inode->type))
			return -EINVAL;
		if (attr->st_size < 0)
			return -EINVAL;
		err = zpfs_file_truncate(fs, inode, (uint64_t)attr->st_size);
		if (err)
			return err;
	}

	zpfs_now(&now);
	pthread_mutex_lock(&inode->lock);
	if (valid & FUSE_SET_ATTR_MODE) {
		inode->mode = inode->type | (attr->st_mode & 07777);
		zpfs_acl_chmod_locked(inode);
	}
	if (valid & FUSE_SET_ATTR_UID)
		inode->uid = attr->st_uid;
	if (valid & FUSE_SET_ATTR_GID)
		inode->gid = attr->st_gid;
	if (valid & FUSE_SET_ATTR_ATIME_NOW)
		inode->atime = now;
	else if (valid & FUSE_SET_ATTR_ATIME)
		inode->atime = attr->st_atim;
	if (valid & FUSE_SET_ATTR_MTIME_NOW)
		inode->mtime = now;
	else if (valid & FUSE_SET_ATTR_MTIME)
		inode->mtime = attr->st_mtim;
	else if (valid & FUSE_SET_ATTR_SIZE)
		inode->mtime = now;
	if (valid & FUSE_SET_ATTR_CTIME)
		inode->ctime = attr->st_ctim;
	else
		inode->ctime = now;
	pthread_mutex_unlock(&inode->lock);
	return 0;
}

/* The bits of a setattr that change something. */
#define SETATTR_CHANGES	(FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID |	\
			 FUSE_SET_ATTR_GID | FUSE_SET_ATTR_SIZE |	\
			 FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME |	\
			 FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW | \
			 FUSE_SET_ATTR_CTIME)

static void zpfs_op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
			    int to_set, struct fuse_file_info *fi)
{
	struct zpfs_inode *inode = req_inode(req, ino);
	struct stat st;
	int err;

	(void)fi;
	/*
	 * With FUSE_HANDLE_KILLPRIV_V2 (wire.c) set-id bits are ours to
	 * clear: on truncate and chown when the kernel says so, and on a
	 * setattr that changes nothing, which is what chown(f, -1, -1) and
	 * the kernel's file_remove_privs() send.
	 */
	if (zpfs_wire_killpriv() &&
	    ((to_set & FUSE_SET_ATTR_KILL_SUID) || !(to_set & SETATTR_CHANGES)))
		zpfs_inode_kill_priv(req_fs(req), inode);
	err = do_setattr(req_fs(req), inode, attr, to_set);
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	zpfs_inode_stat(inode, &st);
	fuse_reply_attr(req, &st, ATTR_TIMEOUT);
}

static void zpfs_op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct zpfs_inode *inode = req_inode(req, ino);
	char *buf;

	if (!S_ISLNK(inode->type)) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	/*
	 * The target is immutable: no lock needed. It is copied out because
	 * the inode may be freed as soon as the kernel has the reply (the
	 * reader then drops the inode and the kernel forgets it), possibly
	 * before fuse_reply_readlink() has returned; sanitizers check the
	 * buffer after the write and would see it freed.
	 */
	buf = zpfs_file_buffer(inode->link.len + 1);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	memcpy(buf, inode->link.target, inode->link.len + 1);
	/* As tmpfs (touch_atime() in readlinkat), before the inode may go. */
	zpfs_inode_touch_atime(inode);
	fuse_reply_readlink(req, buf);
}

static void zpfs_op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct zpfs_fs *fs = req_fs(req);
	struct zpfs_store_stats s;
	struct statvfs sv;
	uint64_t n, avail;

	(void)ino;
	/* Let running forgets give their memory back first (bounded). */
	for (n = 0; n < 2000 && atomic_load(&fs->forgetting); n++)
		usleep(50);
	zpfs_store_get_stats(fs->store, &s);
	memset(&sv, 0, sizeof(sv));
	sv.f_bsize = ZPFS_PAGE_SIZE;
	sv.f_frsize = ZPFS_PAGE_SIZE;
	sv.f_blocks = s.mem_limit / ZPFS_PAGE_SIZE;
	avail = s.mem_used < s.mem_limit ? s.mem_limit - s.mem_used : 0;
	sv.f_bfree = avail / ZPFS_PAGE_SIZE;
	sv.f_bavail = sv.f_bfree;
	n = atomic_load(&fs->nr_inodes);
	if (fs->cfg.max_inodes) {
		sv.f_files = fs->cfg.max_inodes;
		sv.f_ffree = fs->cfg.max_inodes > n ?
			     fs->cfg.max_inodes - n : 0;
	} else {
		/* No limit: as many more as the free memory holds. */
		sv.f_ffree = avail / sizeof(struct zpfs_inode);
		sv.f_files = n + sv.f_ffree;
	}
	sv.f_favail = sv.f_ffree;
	sv.f_namemax = ZPFS_NAME_MAX;
	fuse_reply_statfs(req, &sv);
}

/* ------------------------------------------------------------------------
 * Files
 * ------------------------------------------------------------------------ */

/*
 * No opendir, and no open unless cache=none: the kernel takes their ENOSYS
 * as "never ask again" (FUSE_CAP_NO_OPEN_SUPPORT, _NO_OPENDIR_SUPPORT) and
 * opens with FOPEN_KEEP_CACHE (and FOPEN_CACHE_DIR), which is what they
 * would answer: only this mount changes the tree, so cached pages and
 * listings stay valid across opens. That saves the OPEN round trip of
 * every open(2) and the RELEASE of every close(2). A file handle holds
 * nothing here. With cache=none every open answers direct_io: reads and
 * writes skip the page cache (and mmap works through
 * FUSE_DIRECT_IO_ALLOW_MMAP, wire.c).
 */
static void zpfs_op_open(fuse_req_t req, fuse_ino_t ino,
			 struct fuse_file_info *fi)
{
	(void)ino;
	if (!req_fs(req)->cfg.direct_io) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	fi->direct_io = 1;
	fuse_reply_open(req, fi);
}

/* See above: the kernel opens directories with FOPEN_CACHE_DIR itself. */
static void zpfs_op_opendir(fuse_req_t req, fuse_ino_t ino,
			    struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	fuse_reply_err(req, ENOSYS);
}

static void zpfs_op_read(fuse_req_t req, fuse_ino_t ino, size_t size,
			 off_t off, struct fuse_file_info *fi)
{
	struct zpfs_inode *inode = req_inode(req, ino);
	size_t done = 0;
	void *buf;
	int err;

	(void)fi;
	if (!S_ISREG(inode->type)) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	if (off < 0) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	buf = zpfs_wire_read_buffer(size);
	if (!buf)
		buf = zpfs_file_buffer(size);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	err = zpfs_file_read(req_fs(req), inode, buf, size, (uint64_t)off,
			     &done);
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	zpfs_inode_touch_atime(inode);
	fuse_reply_buf(req, buf, done);
}

static void do_write_reply(fuse_req_t req, fuse_ino_t ino, const void *buf,
			   size_t size, off_t off)
{
	struct zpfs_inode *inode = req_inode(req, ino);
	size_t done = 0;
	int err;

	if (!S_ISREG(inode->type)) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	if (off < 0) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	if (zpfs_wire_write_kill())
		zpfs_inode_kill_priv(req_fs(req), inode);
	err = zpfs_file_write(req_fs(req), inode, buf, size, (uint64_t)off,
			      &done);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_write(req, done);
}

static void zpfs_op_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
			  size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)fi;
	do_write_reply(req, ino, buf, size, off);
}

/*
 * The data of a write is normally one buffer in memory (splice reading is
 * off): it is used in place. Anything else is gathered into this thread's
 * buffer first.
 */
static void zpfs_op_write_buf(fuse_req_t req, fuse_ino_t ino,
			      struct fuse_bufvec *bufv, off_t off,
			      struct fuse_file_info *fi)
{
	const struct fuse_buf *b = &bufv->buf[bufv->idx];
	struct fuse_bufvec dst = FUSE_BUFVEC_INIT(0);
	size_t size;
	ssize_t got;

	(void)fi;
	if (bufv->count == 1 && bufv->idx == 0 &&
	    !(b->flags & FUSE_BUF_IS_FD)) {
		do_write_reply(req, ino, (const char *)b->mem + bufv->off,
			       b->size - bufv->off, off);
		return;
	}
	size = fuse_buf_size(bufv);
	dst.buf[0].size = size;
	dst.buf[0].mem = zpfs_file_buffer(size);
	if (!dst.buf[0].mem) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	got = fuse_buf_copy(&dst, bufv, 0);
	if (got < 0) {
		fuse_reply_err(req, (int)-got);
		return;
	}
	do_write_reply(req, ino, dst.buf[0].mem, (size_t)got, off);
}

static void zpfs_op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode,
			      off_t offset, off_t length,
			      struct fuse_file_info *fi)
{
	struct zpfs_inode *inode = req_inode(req, ino);
	int err;

	(void)fi;
	if (!S_ISREG(inode->type))
		err = -ENODEV;
	else if (offset < 0 || length <= 0)
		err = -EINVAL;
	else
		err = zpfs_file_fallocate(req_fs(req), inode, mode,
					  (uint64_t)offset, (uint64_t)length);
	fuse_reply_err(req, -err);
}

static void zpfs_op_lseek(fuse_req_t req, fuse_ino_t ino, off_t off,
			  int whence, struct fuse_file_info *fi)
{
	struct zpfs_inode *inode = req_inode(req, ino);
	uint64_t pos = 0;
	int err;

	(void)fi;
	if (!S_ISREG(inode->type))
		err = -EINVAL;
	else if (off < 0)
		err = -ENXIO;	/* as tmpfs (SEEK_DATA, SEEK_HOLE) */
	else
		err = zpfs_file_lseek(req_fs(req), inode, (uint64_t)off,
				      whence, &pos);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_lseek(req, (off_t)pos);
}

static void zpfs_op_copy_file_range(fuse_req_t req, fuse_ino_t ino_in,
				    off_t off_in, struct fuse_file_info *fi_in,
				    fuse_ino_t ino_out, off_t off_out,
				    struct fuse_file_info *fi_out, size_t len,
				    int flags)
{
	struct zpfs_inode *in = req_inode(req, ino_in);
	struct zpfs_inode *out = req_inode(req, ino_out);
	size_t done = 0;
	int err;

	(void)fi_in;
	(void)fi_out;
	if (flags)
		err = -EINVAL;
	else if (!S_ISREG(in->type) || !S_ISREG(out->type))
		err = -EINVAL;
	else if (off_in < 0 || off_out < 0)
		err = -EINVAL;
	else if (in == out && (uint64_t)off_in < (uint64_t)off_out + len &&
		 (uint64_t)off_out < (uint64_t)off_in + len)
		err = -EINVAL;		/* overlapping ranges */
	else
		err = zpfs_file_copy_range(req_fs(req), in, (uint64_t)off_in,
					   out, (uint64_t)off_out, len,
					   &done);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_write(req, done);
}

/* ------------------------------------------------------------------------
 * Directories
 * ------------------------------------------------------------------------ */


/* The inode ".." names; caller holds @dir's .lock. */
static struct zpfs_inode *dotdot(struct zpfs_inode *dir)
{
	return dir->dir.parent ? dir->dir.parent : dir;
}

/*
 * readdir: "." (cookie 1), ".." (cookie 2), then the entries in cookie
 * order from the first one past @off, as many as fit in @size bytes.
 * Entries are written straight into the reply buffer under the directory's
 * lock (no allocation there: the buffer is this thread's).
 */
static int do_readdir(fuse_req_t req, struct zpfs_inode *dir, size_t size,
		      uint64_t off, char **out, size_t *used)
{
	const struct zpfs_dirent *de;
	struct stat st;
	char *buf;
	size_t n;

	*used = 0;
	if (!S_ISDIR(dir->type))
		return -ENOTDIR;
	buf = zpfs_file_buffer(size);
	if (!buf)
		return -ENOMEM;
	*out = buf;
	memset(&st, 0, sizeof(st));

	pthread_mutex_lock(&dir->lock);
	if (off < ZPFS_DIR_COOKIE_DOT) {
		st.st_ino = dir->ino;
		st.st_mode = S_IFDIR;
		n = fuse_add_direntry(req, buf + *used, size - *used, ".", &st,
				      ZPFS_DIR_COOKIE_DOT);
		if (n > size - *used)
			goto out_unlock;
		*used += n;
	}
	if (off < ZPFS_DIR_COOKIE_DOTDOT) {
		st.st_ino = dotdot(dir)->ino;
		st.st_mode = S_IFDIR;
		n = fuse_add_direntry(req, buf + *used, size - *used, "..",
				      &st, ZPFS_DIR_COOKIE_DOTDOT);
		if (n > size - *used)
			goto out_unlock;
		*used += n;
	}
	if (off < ZPFS_DIR_COOKIE_DOTDOT)
		off = ZPFS_DIR_COOKIE_DOTDOT;
	for (de = zpfs_dir_next(dir->dir.entries, off); de;
	     de = zpfs_dir_next_after(dir->dir.entries, de)) {
		/* ino and type are immutable: no child lock needed. */
		st.st_ino = de->inode->ino;
		st.st_mode = de->inode->type;
		n = fuse_add_direntry(req, buf + *used, size - *used, de->name,
				      &st, (off_t)de->cookie);
		if (n > size - *used)
			break;
		*used += n;
	}
out_unlock:
	pthread_mutex_unlock(&dir->lock);
	zpfs_inode_touch_atime(dir);
	return 0;
}

static void zpfs_op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
			    off_t off, struct fuse_file_info *fi)
{
	size_t used = 0;
	char *buf = NULL;
	int err;

	(void)fi;
	err = do_readdir(req, req_inode(req, ino), size, (uint64_t)off, &buf,
			 &used);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_buf(req, buf, used);
}

/* One entry picked for a readdirplus reply. */
struct plus_item {
	struct zpfs_inode *inode;	/* referenced; NULL for . and .. */
	uint64_t ino;			/* for . and .. */
	uint64_t cookie;
	size_t name;			/* offset in the names buffer */
};

/*
 * readdirplus: as readdir, with each entry's attributes. The entries that
 * fit are picked under the directory's lock, each with a reference
 * (nlookup) taken for the kernel; their attributes are read after the lock
 * is dropped, since a child's data locks may not be taken under it. "."
 * and ".." carry no reference (the kernel ignores their nodeid).
 */
static int do_readdirplus(fuse_req_t req, struct zpfs_inode *dir,
			  size_t size, uint64_t off, char **out, size_t *used)
{
	struct zpfs_fs *fs = req_fs(req);
	const struct zpfs_dirent *de;
	struct fuse_entry_param e;
	struct plus_item *items;
	size_t n, nitems = 0, max_items, total = 0, names_used = 0, i;
	char *names, *buf;
	int err = 0;

	*used = 0;
	if (!S_ISDIR(dir->type))
		return -ENOTDIR;
	/* Every entry takes at least this much of the reply. */
	n = fuse_add_direntry_plus(req, NULL, 0, "x", NULL, 0);
	max_items = size / n + 1;
	items = malloc(max_items * sizeof(*items));
	names = malloc(size + 8);
	buf = zpfs_file_buffer(size);
	if (!items || !names || !buf) {
		err = -ENOMEM;
		goto out_free;
	}
	*out = buf;

	pthread_mutex_lock(&dir->lock);
	if (off < ZPFS_DIR_COOKIE_DOT) {
		n = fuse_add_direntry_plus(req, NULL, 0, ".", NULL, 0);
		if (total + n > size)
			goto out_unlock;
		total += n;
		items[nitems++] = (struct plus_item){ NULL, dir->ino,
			ZPFS_DIR_COOKIE_DOT, names_used };
		memcpy(names + names_used, ".", 2);
		names_used += 2;
	}
	if (off < ZPFS_DIR_COOKIE_DOTDOT) {
		n = fuse_add_direntry_plus(req, NULL, 0, "..", NULL, 0);
		if (total + n > size)
			goto out_unlock;
		total += n;
		items[nitems++] = (struct plus_item){ NULL, dotdot(dir)->ino,
			ZPFS_DIR_COOKIE_DOTDOT, names_used };
		memcpy(names + names_used, "..", 3);
		names_used += 3;
		off = ZPFS_DIR_COOKIE_DOTDOT;
	}
	for (de = zpfs_dir_next(dir->dir.entries, off); de;
	     de = zpfs_dir_next_after(dir->dir.entries, de)) {
		n = fuse_add_direntry_plus(req, NULL, 0, de->name, NULL, 0);
		if (total + n > size || nitems == max_items)
			break;
		total += n;
		zpfs_inode_ref(de->inode);
		items[nitems++] = (struct plus_item){ de->inode, 0,
			de->cookie, names_used };
		memcpy(names + names_used, de->name, de->len + 1u);
		names_used += de->len + 1u;
	}
out_unlock:
	pthread_mutex_unlock(&dir->lock);

	for (i = 0; i < nitems; i++) {
		struct plus_item *it = &items[i];

		if (it->inode) {
			fill_entry(fs, it->inode, &e);
		} else {
			memset(&e, 0, sizeof(e));
			e.attr.st_ino = it->ino;
			e.attr.st_mode = S_IFDIR;
		}
		n = fuse_add_direntry_plus(req, buf + *used, size - *used,
					   names + it->name, &e,
					   (off_t)it->cookie);
		*used += n;
	}
	zpfs_inode_touch_atime(dir);
out_free:
	free(names);
	free(items);
	return err;
}

static void zpfs_op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size,
				off_t off, struct fuse_file_info *fi)
{
	size_t used = 0;
	char *buf = NULL;
	int err;

	(void)fi;
	err = do_readdirplus(req, req_inode(req, ino), size, (uint64_t)off,
			     &buf, &used);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_buf(req, buf, used);
}

/* ------------------------------------------------------------------------
 * Extended attributes
 * ------------------------------------------------------------------------ */

/*
 * May the caller keep set-group-ID on @inode? Root, or a member of its
 * group: the kernel's in_group_or_capable(), which it cannot tell us
 * through libfuse 3.14 (FUSE_SETXATTR_ACL_KILL_SGID needs SETXATTR_EXT).
 */
static bool in_group_or_root(fuse_req_t req, struct zpfs_inode *inode)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	gid_t groups[64];
	gid_t gid;
	int n, i;

	pthread_mutex_lock(&inode->lock);
	gid = inode->gid;
	pthread_mutex_unlock(&inode->lock);
	if (ctx->uid == 0 || ctx->gid == gid)
		return true;
	n = fuse_req_getgroups(req, 64, groups);
	for (i = 0; i < n && i < 64; i++)
		if (groups[i] == gid)
			return true;
	return false;
}

static void zpfs_op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			     const char *value, size_t size, int flags)
{
	struct zpfs_inode *inode = req_inode(req, ino);
	struct zpfs_fs *fs = req_fs(req);
	int err;

	err = zpfs_xattr_set(fs, inode, name, value, size, flags);
	/* Setting an access ACL drops set-group-ID as chmod would (tmpfs). */
	if (!err && fs->posix_acl && !strcmp(name, ZPFS_ACL_ACCESS) &&
	    !in_group_or_root(req, inode)) {
		pthread_mutex_lock(&inode->lock);
		inode->mode &= ~(mode_t)S_ISGID;
		pthread_mutex_unlock(&inode->lock);
	}
	fuse_reply_err(req, -err);
}

static void zpfs_op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			     size_t size)
{
	char *buf = NULL;
	int ret;

	if (size > ZPFS_XATTR_SIZE_MAX)
		size = ZPFS_XATTR_SIZE_MAX;
	if (size) {
		buf = malloc(size);
		if (!buf) {
			fuse_reply_err(req, ENOMEM);
			return;
		}
	}
	ret = zpfs_xattr_get(req_fs(req), req_inode(req, ino), name, buf,
			     size);
	if (ret < 0)
		fuse_reply_err(req, -ret);
	else if (!size)
		fuse_reply_xattr(req, (size_t)ret);
	else
		fuse_reply_buf(req, buf, (size_t)ret);
	free(buf);
}

static void zpfs_op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	char *buf = NULL;
	int ret;

	if (size > ZPFS_XATTR_SIZE_MAX)
		size = ZPFS_XATTR_SIZE_MAX;
	if (size) {
		buf = malloc(size);
		if (!buf) {
			fuse_reply_err(req, ENOMEM);
			return;
		}
	}
	ret = zpfs_xattr_list(req_fs(req), req_inode(req, ino), buf, size);
	if (ret < 0)
		fuse_reply_err(req, -ret);
	else if (!size)
		fuse_reply_xattr(req, (size_t)ret);
	else
		fuse_reply_buf(req, buf, (size_t)ret);
	free(buf);
}

static void zpfs_op_removexattr(fuse_req_t req, fuse_ino_t ino,
				const char *name)
{
	int err;

	err = zpfs_xattr_remove(req_fs(req), req_inode(req, ino), name);
	fuse_reply_err(req, -err);
}

/* ------------------------------------------------------------------------
 * Session
 * ------------------------------------------------------------------------ */

/*
 * Capabilities. POSIX ACLs are ours to keep (xattr.c) when the kernel
 * offers FUSE_CAP_POSIX_ACL together with FUSE_CAP_DONT_MASK (the umask
 * must not be applied where a default ACL replaces it). Off: the
 * writeback cache (a failed write must reach the writer; see DESIGN.md
 * decision 10), splice reading (the data would be copied out of the pipe
 * anyway before it is compressed), atomic O_TRUNC
 * (the kernel sends a setattr instead) and HANDLE_KILLPRIV (v1: the
 * kernel clears set-user-ID / set-group-ID on write and chown itself; v2,
 * which libfuse 3.14 cannot ask for, is taken by wire.c, and then the
 * kernel stops asking for security.capability before every write).
 * On, where the kernel has them: async reads, parallel directory
 * operations (we lock per directory), readdirplus, cached symlinks (a
 * target never changes). max_write stays at the largest libfuse's buffers
 * take (1 MiB with libfuse 3.14).
 */
static void zpfs_op_init(void *userdata, struct fuse_conn_info *conn)
{
	unsigned int want = FUSE_CAP_ASYNC_READ | FUSE_CAP_PARALLEL_DIROPS |
			    FUSE_CAP_CACHE_SYMLINKS | FUSE_CAP_READDIRPLUS |
			    FUSE_CAP_READDIRPLUS_AUTO | FUSE_CAP_ASYNC_DIO |
			    FUSE_CAP_AUTO_INVAL_DATA | FUSE_CAP_NO_OPEN_SUPPORT |
			    FUSE_CAP_NO_OPENDIR_SUPPORT;
	unsigned int acl = FUSE_CAP_POSIX_ACL | FUSE_CAP_DONT_MASK;
	struct zpfs_fs *fs = userdata;

	conn->want &= ~(FUSE_CAP_WRITEBACK_CACHE | FUSE_CAP_SPLICE_READ |
			FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE |
			FUSE_CAP_ATOMIC_O_TRUNC | FUSE_CAP_HANDLE_KILLPRIV |
			acl);
	conn->want |= want & conn->capable;
	fs->posix_acl = (conn->capable & acl) == acl;
	if (fs->posix_acl)
		conn->want |= acl;
	conn->time_gran = 1;
}

static void zpfs_op_destroy(void *userdata)
{
	/* The mount is freed by zpfs_fs_destroy() after the session ends. */
	(void)userdata;
}

/*
 * opendir, flush, release, fsync, releasedir and fsyncdir have nothing
 * to do: every write is stored when it is answered and a file handle holds
 * nothing. They are left out on purpose, and open and opendir answer
 * ENOSYS, for which libfuse would answer success (see "Files"): the
 * kernel takes ENOSYS for each as "never ask again", which saves round
 * trips on every open() and close(). (With a writeback
 * cache, flush would have to report write errors: see DESIGN.)
 */
const struct fuse_lowlevel_ops zpfs_ops = {
	.init		= zpfs_op_init,
	.destroy	= zpfs_op_destroy,
	.lookup		= zpfs_op_lookup,
	.forget		= zpfs_op_forget,
	.forget_multi	= zpfs_op_forget_multi,
	.getattr	= zpfs_op_getattr,
	.setattr	= zpfs_op_setattr,
	.readlink	= zpfs_op_readlink,
	.mknod		= zpfs_op_mknod,
	.mkdir		= zpfs_op_mkdir,
	.unlink		= zpfs_op_unlink,
	.rmdir		= zpfs_op_rmdir,
	.symlink	= zpfs_op_symlink,
	.rename		= zpfs_op_rename,
	.link		= zpfs_op_link,
	.read		= zpfs_op_read,
	.open		= zpfs_op_open,
	.opendir	= zpfs_op_opendir,
	.write		= zpfs_op_write,
	.write_buf	= zpfs_op_write_buf,
	.readdir	= zpfs_op_readdir,
	.readdirplus	= zpfs_op_readdirplus,
	.statfs		= zpfs_op_statfs,
	.setxattr	= zpfs_op_setxattr,
	.getxattr	= zpfs_op_getxattr,
	.listxattr	= zpfs_op_listxattr,
	.removexattr	= zpfs_op_removexattr,
	.create		= zpfs_op_create,
	.fallocate	= zpfs_op_fallocate,
	.lseek		= zpfs_op_lseek,
	.copy_file_range = zpfs_op_copy_file_range,
};
