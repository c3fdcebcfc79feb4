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
 * is EOPNOTSUPP. That includes the POSIX ACL names "system.posix_acl_*":
 * the kernel passes them through even without FUSE_CAP_POSIX_ACL, but an
 * ACL stored as an opaque value would neither set the mode bits (as
 * setfacl and cp -a expect) nor be enforced, so until ACLs are interpreted
 * here they are refused and tools fall back to chmod. The kernel checks
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

/* Return: 0 for a name we may store, else -EOPNOTSUPP / -EINVAL / -ERANGE. */
static int check_name(const char *name)
{
	static const char *const prefixes[] = {
		"user.", "trusted.", "security.",
	};
	size_t len = strlen(name), i;

	if (!len || len > NAME_MAX_LEN)
		return -ERANGE;
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
 * Sets the inode's ctime.
 * Return: 0; -EPERM for a statistics name; -EOPNOTSUPP for an unknown
 * namespace; -EINVAL for an empty name within a namespace or bad @flags;
 * -ERANGE for a name over 255 bytes; -E2BIG for a value over 64 KiB;
 * -EEXIST (XATTR_CREATE and it exists); -ENODATA (XATTR_REPLACE and it does
 * not); -ENOSPC when the mount is full; -ENOMEM. On error nothing changes.
 */
int zpfs_xattr_set(struct zpfs_fs *fs, struct zpfs_inode *inode,
		   const char *name, const void *value, size_t size,
		   int flags)
{
	struct zpfs_xattr *x, **pp, *old = NULL;
	size_t len = strlen(name);
	int err;

	if (is_stats_name(name))
		return -EPERM;
	err = check_name(name);
	if (err)
		return err;
	if (flags & ~(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	if (size > ZPFS_XATTR_SIZE_MAX)
		return -E2BIG;

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
	ret = check_name(name);
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
 * Return: the length of the list; -ERANGE when @size is too small;
 * -E2BIG when the list is longer than the kernel can take (64 KiB).
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
	if (len > ZPFS_XATTR_SIZE_MAX) {
		ret = -E2BIG;
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
	err = check_name(name);
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
