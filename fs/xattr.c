/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xattr.c - extended attributes of an inode.
 *
 * Each inode keeps its attributes in a singly linked list, newest first;
 * an inode has a handful of attributes at most (ACLs, SELinux labels,
 * capabilities, a few user. tags), so a list is both the smallest and the
 * fastest structure. One attribute is one allocation:
 *
 *   +------+----------+------+-------------+-------+
 *   | next | name_len | size | name ... \0 | value |
 *   +------+----------+------+-------------+-------+
 *
 * Namespaces as tmpfs: "user.", "trusted." and "security."; anything else
 * is EOPNOTSUPP. The POSIX ACL names "system.posix_acl_access" and
 * "system.posix_acl_default" are accepted only when the kernel took
 * FUSE_CAP_POSIX_ACL (zpfs_fs.posix_acl): then the kernel enforces the ACLs
 * it reads from us, and this file keeps them in step with the mode, as
 * the kernel's fs/posix_acl.c does for tmpfs (see "POSIX ACLs" below).
 * Without that capability an ACL stored as an opaque value would neither
 * set the mode bits nor be enforced, so they are refused. The kernel checks
 * the namespace permissions (trusted. needs CAP_SYS_ADMIN, user. only on
 * files and directories, the sticky bit) and the size limits before asking
 * us; we check the limits again so that no request can make us store
 * more.
 *
 * Names under ZPFS_XATTR_PREFIX ("user.zpoolfs.") are the read-only
 * statistics of stats.c: reading one asks zpfs_stats_getxattr(), setting or
 * removing one is EPERM, and they are never stored nor listed.
 *
 * Locking: the inode's .lock protects the list. A new attribute is built
 * before the lock is taken and the one it replaces is freed after it is
 * dropped. Memory is charged to the store's metadata figure.
 */
#include "config.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

#include "fs/fs_i.h"

/* The longest attribute name, as the kernel's XATTR_NAME_MAX. */
#define NAME_MAX_LEN	255

/* One attribute; see the diagram above. */
struct zpfs_xattr {
	struct zpfs_xattr *next;
	size_t name_len;
	size_t size;
	char data[];		/* name, NUL, value */
};

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

static size_t xattr_bytes(const struct zpfs_xattr *x)
{
	return sizeof(*x) + x->name_len + 1 + x->size;
}

static bool is_stats_name(const char *name)
{
	return !strncmp(name, ZPFS_XATTR_PREFIX, strlen(ZPFS_XATTR_PREFIX));
}

static bool is_acl_name(const char *name)
{
	return !strcmp(name, ZPFS_ACL_ACCESS) ||
	       !strcmp(name, ZPFS_ACL_DEFAULT);
}

/* Return: 0 for a name we may store, else -EOPNOTSUPP / -EINVAL / -ERANGE. */
static int check_name(struct zpfs_fs *fs, const char *name)
{
	static const char *const prefixes[] = {
		"user.", "trusted.", "security.",
	};
	size_t len = strlen(name), i;

	if (!len || len > NAME_MAX_LEN)
		return -ERANGE;
	if (is_acl_name(name))
		return fs->posix_acl ? 0 : -EOPNOTSUPP;
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t plen = strlen(prefixes[i]);

		if (!strncmp(name, prefixes[i], plen))
			return len > plen ? 0 : -EINVAL;
	}
	return -EOPNOTSUPP;
}

/* The attribute called @name and the link pointing at it. .lock held. */
static struct zpfs_xattr **find(struct zpfs_inode *inode, const char *name)
{
	struct zpfs_xattr **pp;

	for (pp = &inode->xattrs; *pp; pp = &(*pp)->next)
		if (!strcmp((*pp)->data, name))
			return pp;
	return NULL;
}

/* ------------------------------------------------------------------------
 * POSIX ACLs
 * ------------------------------------------------------------------------ */

/*
 * The kernel hands an ACL over in its xattr form (uapi
 * linux/posix_acl_xattr.h), checked and sorted by tag, little-endian:
 *
 *   +---------+-------+--------+------+-------+--------+------+---
 *   | version | e_tag | e_perm | e_id | e_tag | e_perm | e_id | ...
 *   | u32 = 2 |  u16  |  u16   | u32  |  u16  |  u16   | u32  |
 *   +---------+-------+--------+------+-------+--------+------+---
 *
 * The rules tmpfs gets from the kernel's fs/posix_acl.c, kept here:
 *  - setting an access ACL sets the permission bits: owner from USER_OBJ,
 *    group from MASK (GROUP_OBJ when there is no mask), other from OTHER;
 *    an ACL that says no more than the mode (only those three entries) is
 *    not kept, as the kernel does not keep it;
 *  - chmod rewrites those three classes of a kept access ACL;
 *  - a new inode in a directory with a default ACL gets that ACL as its
 *    access ACL with each class cut to the mode asked for, and no umask;
 *    a new directory also gets it as its own default ACL; without a
 *    default ACL the umask applies (FUSE_CAP_DONT_MASK leaves it to us).
 *    Symlinks have no ACL and no umask.
 */

#define ACL_VERSION	2
#define ACL_USER_OBJ	0x01
#define ACL_GROUP_OBJ	0x04
#define ACL_MASK	0x10
#define ACL_OTHER	0x20

struct acl_entry {
	uint16_t tag;
	uint16_t perm;
	uint32_t id;
};

/* Return: the entries of a well-formed ACL value, else -EINVAL. */
static int acl_count(const void *value, size_t size)
{
	uint32_t version;

	if (size < 4 || (size - 4) % sizeof(struct acl_entry) ||
	    size - 4 < 3 * sizeof(struct acl_entry))
		return -EINVAL;
	memcpy(&version, value, sizeof(version));
	if (le32toh(version) != ACL_VERSION)
		return -EINVAL;
	return (int)((size - 4) / sizeof(struct acl_entry));
}

/* What acl_walk() does with the three classes. */
enum acl_op {
	ACL_TO_MODE,		/* read them into the mode */
	ACL_MASQ,		/* cut them to the mode, then read them */
	ACL_FROM_MODE,		/* overwrite them with the mode's */
};

/* One class entry at @ent (unaligned): apply @op, return its permissions. */
static mode_t acl_class(unsigned char *ent, mode_t mode, unsigned int shift,
			enum acl_op op)
{
	struct acl_entry e;
	mode_t perm;

	memcpy(&e, ent, sizeof(e));
	perm = le16toh(e.perm) & 7;
	if (op == ACL_MASQ)
		perm &= (mode >> shift) & 7;
	else if (op == ACL_FROM_MODE)
		perm = (mode >> shift) & 7;
	e.perm = htole16((uint16_t)perm);
	memcpy(ent, &e, sizeof(e));
	return perm;
}

/*
 * Walk the @n entries of the ACL @value in place, doing @op to its classes,
 * and set the permission bits of *@mode from them (the other bits stay).
 * Return: true when the ACL says no more than the mode.
 */
static bool acl_walk(void *value, int n, mode_t *mode, enum acl_op op)
{
	unsigned char *ent = (unsigned char *)value + 4;
	unsigned char *group = NULL, *mask = NULL;
	mode_t m = *mode, bits = 0;
	bool equiv = true;
	struct acl_entry e;
	int i;

	for (i = 0; i < n; i++, ent += sizeof(e)) {
		memcpy(&e, ent, sizeof(e));
		switch (le16toh(e.tag)) {
		case ACL_USER_OBJ:
			bits |= acl_class(ent, m, 6, op) << 6;
			break;
		case ACL_OTHER:
			bits |= acl_class(ent, m, 0, op);
			break;
		case ACL_GROUP_OBJ:
			group = ent;
			break;
		case ACL_MASK:
			mask = ent;
			equiv = false;
			break;
		default:		/* named users and groups */
			equiv = false;
		}
	}
	if (mask || group)
		bits |= acl_class(mask ? mask : group, m, 3, op) << 3;
	*mode = (m & ~(mode_t)0777) | bits;
	return equiv;
}

static void *xattr_value(struct zpfs_xattr *x)
{
	return x->data + x->name_len + 1;
}

/* ------------------------------------------------------------------------
 * API
 * ------------------------------------------------------------------------ */

/**
 * zpfs_xattr_set() - create or replace an attribute
 * @fs: the mount
 * @inode: the inode
 * @name: full name with its namespace prefix
 * @value: the value
 * @size: its length, at most ZPFS_XATTR_SIZE_MAX
 * @flags: 0, XATTR_CREATE or XATTR_REPLACE
 *
 * Sets the inode's ctime. An access ACL also sets the permission bits
 * (and is not kept when it says no more than they do).
 * Statistics names go to zpfs_stats_setxattr(): only the compaction
 * control can be set.
 * Return: 0; -EPERM for any other statistics name; -EOPNOTSUPP for an
 * unknown namespace (ACL names without FUSE_CAP_POSIX_ACL); -EINVAL for an
 * empty name within a namespace, bad @flags or a malformed ACL;
 * -ERANGE for a name over 255 bytes; -E2BIG for a value over 64 KiB;
 * -EEXIST (XATTR_CREATE and it exists); -ENODATA (XATTR_REPLACE and it does
 * not); -ENOSPC when the mount is full; -ENOMEM. On error nothing changes.
 */
int zpfs_xattr_set(struct zpfs_fs *fs, struct zpfs_inode *inode,
		   const char *name, const void *value, size_t size,
		   int flags)
{
	struct zpfs_xattr *x, **pp, *old = NULL, *unused = NULL;
	bool access_acl = !strcmp(name, ZPFS_ACL_ACCESS);
	size_t len = strlen(name);
	int err, n = 0;

	if (is_stats_name(name))
		return zpfs_stats_setxattr(fs, inode, name, value, size);
	err = check_name(fs, name);
	if (err)
		return err;
	if (flags & ~(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	if (size > ZPFS_XATTR_SIZE_MAX)
		return -E2BIG;
	if (is_acl_name(name)) {
		n = acl_count(value, size);
		if (n < 0)
			return n;
	}

	if (zpfs_store_meta_charge(fs->store, sizeof(*x) + len + 1 + size))
		return -ENOSPC;
	x = malloc(sizeof(*x) + len + 1 + size);
	if (!x) {
		zpfs_store_meta_uncharge(fs->store,
					 sizeof(*x) + len + 1 + size);
		return -ENOMEM;
	}
	x->name_len = len;
	x->size = size;
	memcpy(x->data, name, len + 1);
	if (size)
		memcpy(x->data + len + 1, value, size);

	pthread_mutex_lock(&inode->lock);
	pp = find(inode, name);
	if (pp && (flags & XATTR_CREATE)) {
		err = -EEXIST;
	} else if (!pp && (flags & XATTR_REPLACE)) {
		err = -ENODATA;
	} else if (access_acl && acl_walk(xattr_value(x), n, &inode->mode,
					  ACL_TO_MODE)) {
		/* The mode says it all now: the ACL is not kept. */
		if (pp) {
			old = *pp;
			*pp = old->next;
		}
		unused = x;
	} else if (pp) {
		old = *pp;
		x->next = old->next;
		*pp = x;
	} else {
		x->next = inode->xattrs;
		inode->xattrs = x;
	}
	if (!err)
		zpfs_now(&inode->ctime);
	pthread_mutex_unlock(&inode->lock);

	if (err)
		old = x;
	if (old) {
		zpfs_store_meta_uncharge(fs->store, xattr_bytes(old));
		free(old);
	}
	if (unused) {
		zpfs_store_meta_uncharge(fs->store, xattr_bytes(unused));
		free(unused);
	}
	return err;
}

/**
 * zpfs_xattr_get() - read an attribute
 * @fs: the mount
 * @inode: the inode
 * @name: full name
 * @buf: destination
 * @size: room in @buf; 0 asks for the length only
 *
 * Statistics names are answered by zpfs_stats_getxattr().
 * Return: the value's length; -ENODATA when there is no such attribute;
 * -ERANGE when @size is too small or the name is over 255 bytes;
 * -EOPNOTSUPP for an unknown namespace; -EINVAL for an empty name within a
 * namespace.
 */
int zpfs_xattr_get(struct zpfs_fs *fs, struct zpfs_inode *inode,
		   const char *name, void *buf, size_t size)
{
	struct zpfs_xattr **pp;
	int ret;

	if (is_stats_name(name))
		return zpfs_stats_getxattr(fs, inode, name, buf, size);
	ret = check_name(fs, name);
	if (ret)
		return ret;

	pthread_mutex_lock(&inode->lock);
	pp = find(inode, name);
	if (!pp) {
		ret = -ENODATA;
	} else {
		ret = (int)(*pp)->size;
		if (size && size < (*pp)->size)
			ret = -ERANGE;
		else if (size)
			memcpy(buf, (*pp)->data + (*pp)->name_len + 1,
			       (*pp)->size);
	}
	pthread_mutex_unlock(&inode->lock);
	return ret;
}

/**
 * zpfs_xattr_list() - the names of an inode's attributes
 * @fs: the mount
 * @inode: the inode
 * @buf: destination: names, each NUL-terminated
 * @size: room in @buf; 0 asks for the length only
 *
 * Statistics names are never listed.
 * Return: the length of the list (also when it is longer than the kernel
 * takes: tmpfs answers a size query so too); -ERANGE when @size is too
 * small; -E2BIG when @size is given and the list is longer than 64 KiB.
 */
int zpfs_xattr_list(struct zpfs_fs *fs, struct zpfs_inode *inode, char *buf,
		    size_t size)
{
	struct zpfs_xattr *x;
	size_t len = 0;
	int ret;

	(void)fs;
	pthread_mutex_lock(&inode->lock);
	for (x = inode->xattrs; x; x = x->next)
		len += x->name_len + 1;
	if (size && len > ZPFS_XATTR_SIZE_MAX) {
		ret = -E2BIG;		/* a size query gets the length */
	} else if (size && size < len) {
		ret = -ERANGE;
	} else {
		ret = (int)len;
		if (size) {
			for (x = inode->xattrs; x; x = x->next) {
				memcpy(buf, x->data, x->name_len + 1);
				buf += x->name_len + 1;
			}
		}
	}
	pthread_mutex_unlock(&inode->lock);
	return ret;
}

/**
 * zpfs_xattr_remove() - remove an attribute
 * @fs: the mount
 * @inode: the inode
 * @name: full name
 *
 * Sets the inode's ctime.
 * Return: 0; -EPERM for a statistics name; -EOPNOTSUPP for an unknown
 * namespace; -EINVAL for an empty name within a namespace; -ERANGE for a
 * name over 255 bytes; -ENODATA when there is no such attribute.
 */
int zpfs_xattr_remove(struct zpfs_fs *fs, struct zpfs_inode *inode,
		      const char *name)
{
	struct zpfs_xattr **pp, *x = NULL;
	int err;

	if (is_stats_name(name))
		return -EPERM;
	err = check_name(fs, name);
	if (err)
		return err;

	pthread_mutex_lock(&inode->lock);
	pp = find(inode, name);
	if (pp) {
		x = *pp;
		*pp = x->next;
		zpfs_now(&inode->ctime);
	}
	pthread_mutex_unlock(&inode->lock);
	if (!x)
		return -ENODATA;
	zpfs_store_meta_uncharge(fs->store, xattr_bytes(x));
	free(x);
	return 0;
}

/**
 * zpfs_inode_kill_priv() - what a write, truncate or chown by an
 *	unprivileged caller takes away from a file
 * @fs: the mount
 * @inode: a regular file (anything else is left alone)
 *
 * Clears set-user-ID, and set-group-ID when the group may execute (without
 * group execute it marks mandatory locking, which stays), and drops the
 * security.capability attribute: the kernel's file_remove_privs() for
 * tmpfs, done here because with FUSE_HANDLE_KILLPRIV_V2 the kernel leaves
 * it to us (wire.c). Can't fail.
 */
void zpfs_inode_kill_priv(struct zpfs_fs *fs, struct zpfs_inode *inode)
{
	struct zpfs_xattr **pp, *x = NULL;

	if (!S_ISREG(inode->type))
		return;
	pthread_mutex_lock(&inode->lock);
	inode->mode &= ~(mode_t)S_ISUID;
	if ((inode->mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP))
		inode->mode &= ~(mode_t)S_ISGID;
	pp = find(inode, "security.capability");
	if (pp) {
		x = *pp;
		*pp = x->next;
	}
	pthread_mutex_unlock(&inode->lock);
	if (x) {
		zpfs_store_meta_uncharge(fs->store, xattr_bytes(x));
		free(x);
	}
}

/**
 * zpfs_xattr_free_all() - free every attribute of an inode being freed
 * @fs: the mount
 * @inode: the inode; nobody else can reach it. Can't fail.
 */
void zpfs_xattr_free_all(struct zpfs_fs *fs, struct zpfs_inode *inode)
{
	struct zpfs_xattr *x, *next;

	for (x = inode->xattrs; x; x = next) {
		next = x->next;
		zpfs_store_meta_uncharge(fs->store, xattr_bytes(x));
		free(x);
	}
	inode->xattrs = NULL;
}

/**
 * zpfs_acl_inherit() - give a new inode its ACLs, or apply the umask
 * @fs: the mount
 * @dir: the directory it is made in; caller holds none of its locks
 * @inode: the new inode, not linked yet (nobody else sees it); its mode
 *	   is the one asked for, umask not applied
 * @umask: the caller's umask
 *
 * Does nothing without FUSE_CAP_POSIX_ACL (the kernel applied the umask
 * then) or for a symlink. With a default ACL on @dir, the inode gets it as
 * its access ACL cut to its mode (and a directory as its default ACL too)
 * and its mode from it; else the umask clears permission bits.
 * Return: 0; -ENOSPC; -ENOMEM; -EINVAL for a corrupt default ACL. On error
 * the caller destroys the inode.
 */
int zpfs_acl_inherit(struct zpfs_fs *fs, struct zpfs_inode *dir,
		     struct zpfs_inode *inode, mode_t umask)
{
	char *acl = NULL;
	int size, n, err;
	mode_t mode;

	if (!fs->posix_acl || S_ISLNK(inode->type))
		return 0;
	/* The ACL may change size between the two calls: try again. */
	for (;;) {
		size = zpfs_xattr_get(fs, dir, ZPFS_ACL_DEFAULT, NULL, 0);
		if (size < 0)
			break;
		acl = malloc((size_t)size + 1);
		if (!acl)
			return -ENOMEM;
		size = zpfs_xattr_get(fs, dir, ZPFS_ACL_DEFAULT, acl,
				      (size_t)size + 1);
		if (size != -ERANGE)
			break;
		free(acl);
		acl = NULL;
	}
	if (size == -ENODATA) {
		inode->mode &= ~(umask & 0777);
		free(acl);
		return 0;
	}
	err = size;
	if (size < 0)
		goto out_free;
	n = acl_count(acl, (size_t)size);
	err = n;
	if (n < 0)
		goto out_free;
	if (S_ISDIR(inode->type)) {
		err = zpfs_xattr_set(fs, inode, ZPFS_ACL_DEFAULT, acl,
				     (size_t)size, 0);
		if (err)
			goto out_free;
	}
	mode = inode->mode;
	err = 0;
	if (!acl_walk(acl, n, &mode, ACL_MASQ))
		err = zpfs_xattr_set(fs, inode, ZPFS_ACL_ACCESS, acl,
				     (size_t)size, 0);
	inode->mode = mode;
out_free:
	free(acl);
	return err;
}

/**
 * zpfs_acl_chmod_locked() - bring a kept access ACL in step with the mode
 * @inode: the inode; caller holds its .lock and has just set its mode
 *
 * Rewrites the owner, group (or mask) and other classes in place, as chmod
 * does to an ACL on tmpfs. Can't fail.
 */
void zpfs_acl_chmod_locked(struct zpfs_inode *inode)
{
	struct zpfs_xattr **pp = find(inode, ZPFS_ACL_ACCESS);
	mode_t mode = inode->mode;
	int n;

	if (!pp)
		return;
	n = acl_count(xattr_value(*pp), (*pp)->size);
	if (n > 0)
		acl_walk(xattr_value(*pp), n, &mode, ACL_FROM_MODE);
}
