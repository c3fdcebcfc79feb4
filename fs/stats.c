/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * stats.c - the figures of a mount and of its files, as read-only extended
 * attributes (the counterpart of zram's mm_stat, see DESIGN.md decision 7).
 *
 * Anyone who can stat a file can read its figures with getxattr(2); no
 * privileges, no control file, no ioctl. xattr.c routes every name that
 * starts with "user.zpoolfs." here, keeps them out of listxattr(2) (so that
 * cp -a, rsync -X and tar --xattrs do not copy them) and refuses to
 * remove them (EPERM); a set goes to zpfs_stats_setxattr(), which refuses
 * every name but the compaction control (EPERM).
 *
 * On the mount root, the pool-wide figures (zpfs_store_get_stats()):
 *
 *   user.zpoolfs.backend	zpool back end, e.g. "zbud"
 *   user.zpoolfs.compressor	"lz4", "lz4hc:LEVEL" or "none"
 *   user.zpoolfs.transport	how requests arrive: "io_uring" (FUSE over
 *				io_uring, wire.c and ring.c) or "dev"
 *				(read from /dev/fuse)
 *   user.zpoolfs.logical_bytes	data held, uncompressed: every page that
 *				is not a hole counts 4096 bytes (zram's
 *				orig_data_size)
 *   user.zpoolfs.compr_bytes	compressed lengths + 4096 per raw page
 *				(zram's compr_data_size)
 *   user.zpoolfs.mem_used	memory the mount takes: pool pages + raw
 *				pages + metadata (zram's mem_used_total)
 *   user.zpoolfs.mem_limit	size=, in bytes
 *   user.zpoolfs.same_pages	same-filled pages (nothing allocated)
 *   user.zpoolfs.comp_pages	compressed pages (in the zpool)
 *   user.zpoolfs.raw_pages	incompressible pages (stored as is)
 *   user.zpoolfs.pool_pages	4 KiB pages the zpool back end holds
 *   user.zpoolfs.meta_bytes	inodes, entries, page maps, xattrs
 *   user.zpoolfs.nospc		writes refused because the mount was full
 *   user.zpoolfs.inodes	inodes in use
 *   user.zpoolfs.max_inodes	nr_inodes=; 0 means no limit
 *   user.zpoolfs.compacted_pages	pages freed by compaction asked for
 *				through user.zpoolfs.compact (below)
 *   user.zpoolfs.pool_stats	the back end's own figures
 *				(zpool_get_stats()), one "key value" line
 *				each, "pages" first: e.g. zsmalloc's
 *				objects, zspages, pages_compacted,
 *				class_<size>_objects ...; z3fold's
 *				pages_1_object ...; zbud has only pages
 *
 * One control, also on the root only: setting user.zpoolfs.compact to "1"
 * (setfattr -n user.zpoolfs.compact -v 1 MOUNT, or zpoolfs-stat
 * --compact) compacts the pool at once (zpool_compact()): zsmalloc moves
 * objects out of sparse pages and frees them; zbud frees nothing this way
 * (its pages go back as soon as they empty) and z3fold compacts each page
 * as it frees from it, so both return at once. Who may: the kernel checks
 * setxattr(2) of a user.* name on the root as a write to it (the mount
 * always has default_permissions), and the root's default mode 1777 is
 * sticky, which leaves it to the root's owner and to root (CAP_FOWNER).
 * A root made writable to others with mode= lets them compact too:
 * harmless, compaction changes no data. Every other name, and every other
 * value, is refused; nothing is stored, and the control is never listed
 * nor readable (ENODATA).
 *
 * On every regular file, its own figures (read under its map_lock):
 *
 *   user.zpoolfs.logical_bytes	st_size
 *   user.zpoolfs.stored_bytes	4096 per page that is not a hole; the sum
 *				over all files is the root's logical_bytes
 *   user.zpoolfs.compr_bytes	compressed lengths + 4096 per raw page;
 *				what st_blocks counts in 512-byte units
 *   user.zpoolfs.same_pages, comp_pages, raw_pages	as above
 *
 * Other directories, symlinks and special files have none (ENODATA). The
 * root, being a directory, carries the pool figures only.
 *
 * A value is decimal text (or a word) without a newline, so that
 * `getfattr --only-values` prints it as is. Every figure is a snapshot:
 * the pool-wide ones are read with relaxed atomics and need not agree with
 * each other to the last page while writes run.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/fs_i.h"
#include "fs/wire.h"

/* Longest value: a 20-digit number, or a back end or compressor name. */
#define STAT_VALUE_MAX	64

/*
 * The most user.zpoolfs.pool_stats may hold: the kernel's XATTR_SIZE_MAX.
 * zsmalloc's figures, with three lines per size class in use, take at most
 * about 256 * 3 * 28 bytes = 21 KiB.
 */
#define POOL_STATS_MAX	65536

struct stat_figure {
	const char *name;	/* without ZPFS_XATTR_PREFIX */
	uint64_t value;
};

/* Print the figure called @key from @figs into @out. */
static int format_figure(const struct stat_figure *figs, size_t n,
			 const char *key, char *out, size_t cap)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(figs[i].name, key) == 0)
			return snprintf(out, cap, "%" PRIu64, figs[i].value);
	}
	return -ENODATA;
}

static int pool_figure(struct zpfs_fs *fs, const char *key, char *out,
		       size_t cap)
{
	struct zpfs_store_stats st;
	const struct zpfs_codec *codec;
	int level;

	if (strcmp(key, "backend") == 0)
		return snprintf(out, cap, "%s", zpfs_store_backend(fs->store));
	if (strcmp(key, "transport") == 0)
		return snprintf(out, cap, "%s",
				zpfs_wire_uring() ? "io_uring" : "dev");
	if (strcmp(key, "compressor") == 0) {
		const char *name;

		codec = zpfs_store_codec(fs->store, &level);
		name = zpfs_codec_name(codec);
		if (strcmp(name, "lz4hc") == 0)
			return snprintf(out, cap, "%s:%d", name, level);
		return snprintf(out, cap, "%s", name);
	}

	zpfs_store_get_stats(fs->store, &st);
	const struct stat_figure figs[] = {
		{ "logical_bytes", st.stored_pages * ZPFS_PAGE_SIZE },
		{ "compr_bytes", st.compr_bytes },
		{ "mem_used", st.mem_used },
		{ "mem_limit", st.mem_limit },
		{ "same_pages", st.same_pages },
		{ "comp_pages", st.comp_pages },
		{ "raw_pages", st.raw_pages },
		{ "pool_pages", st.pool_pages },
		{ "meta_bytes", st.meta_bytes },
		{ "nospc", st.nospc },
		{ "inodes", atomic_load_explicit(&fs->nr_inodes,
						 memory_order_relaxed) },
		{ "max_inodes", fs->cfg.max_inodes },
		{ "compacted_pages", st.compacted_pages },
	};

	return format_figure(figs, sizeof(figs) / sizeof(figs[0]), key, out,
			     cap);
}

static int file_figure(struct zpfs_inode *inode, const char *key, char *out,
		       size_t cap)
{
	uint64_t size, same, comp, raw, comp_bytes;

	pthread_rwlock_rdlock(&inode->file.map_lock);
	size = inode->file.size;
	same = inode->file.nr_same;
	comp = inode->file.nr_comp;
	raw = inode->file.nr_raw;
	comp_bytes = inode->file.comp_bytes;
	pthread_rwlock_unlock(&inode->file.map_lock);

	const struct stat_figure figs[] = {
		{ "logical_bytes", size },
		{ "stored_bytes", (same + comp + raw) * ZPFS_PAGE_SIZE },
		{ "compr_bytes", comp_bytes + raw * ZPFS_PAGE_SIZE },
		{ "same_pages", same },
		{ "comp_pages", comp },
		{ "raw_pages", raw },
	};

	return format_figure(figs, sizeof(figs) / sizeof(figs[0]), key, out,
			     cap);
}

/* The text of user.zpoolfs.pool_stats, built by emit_line(). */
struct text {
	char *buf;
	size_t len;
	size_t cap;
	bool failed;	/* out of memory, or over POOL_STATS_MAX */
};

/* zpool_stats_emit_t: append "KEY VALUE\n". Runs under back-end locks:
 * allocates, but calls nothing of the store. */
static void emit_line(void *arg, const char *key, uint64_t value)
{
	struct text *t = arg;
	char line[96];
	int n;

	if (t->failed)
		return;
	n = snprintf(line, sizeof(line), "%s %" PRIu64 "\n", key, value);
	if (n < 0 || (size_t)n >= sizeof(line) ||
	    t->len + (size_t)n > POOL_STATS_MAX) {
		t->failed = true;
		return;
	}
	if (t->len + (size_t)n > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		char *buf;

		while (cap < t->len + (size_t)n)
			cap *= 2;
		buf = realloc(t->buf, cap);
		if (!buf) {
			t->failed = true;
			return;
		}
		t->buf = buf;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, line, (size_t)n);
	t->len += (size_t)n;
}

/* user.zpoolfs.pool_stats into @buf (@size 0: the length only). */
static int pool_stats(struct zpfs_fs *fs, char *buf, size_t size)
{
	struct text t = { NULL, 0, 0, false };
	int ret;

	zpfs_store_pool_stats(fs->store, emit_line, &t);
	if (t.failed)
		ret = -ENOMEM;
	else if (size == 0)
		ret = (int)t.len;
	else if (size < t.len)
		ret = -ERANGE;
	else {
		memcpy(buf, t.buf, t.len);
		ret = (int)t.len;
	}
	free(t.buf);
	return ret;
}

/**
 * zpfs_stats_getxattr() - the value of a statistics attribute
 * @fs: the mount
 * @inode: the inode asked about (pool-wide names exist on the root only)
 * @name: full attribute name, starting with ZPFS_XATTR_PREFIX
 * @buf: where to put the value (a decimal number or a word, no newline)
 * @size: room in @buf; 0 asks for the length only
 *
 * Takes @inode's map_lock as a reader for a regular file; no lock for the
 * root's figures. On error @buf is not written. user.zpoolfs.pool_stats is
 * the one multi-line value ("key value" lines, each ending in a newline).
 *
 * Return: the value's length; -ENODATA for a name that does not exist on
 * this inode; -ERANGE when @size is too small; -ENOMEM (pool_stats only).
 */
int zpfs_stats_getxattr(struct zpfs_fs *fs, struct zpfs_inode *inode,
			const char *name, char *buf, size_t size)
{
	const size_t plen = sizeof(ZPFS_XATTR_PREFIX) - 1;
	char value[STAT_VALUE_MAX];
	const char *key;
	int len;

	if (strncmp(name, ZPFS_XATTR_PREFIX, plen) != 0)
		return -ENODATA;
	key = name + plen;

	if (inode == fs->root && strcmp(key, "pool_stats") == 0)
		return pool_stats(fs, buf, size);
	if (inode == fs->root)
		len = pool_figure(fs, key, value, sizeof(value));
	else if (S_ISREG(inode->type))
		len = file_figure(inode, key, value, sizeof(value));
	else
		len = -ENODATA;
	if (len < 0)
		return len;
	/* Can't happen with the figures above: each fits STAT_VALUE_MAX. */
	if ((size_t)len >= sizeof(value))
		return -ERANGE;

	if (size == 0)
		return len;
	if (size < (size_t)len)
		return -ERANGE;
	memcpy(buf, value, len);
	return len;
}

/**
 * zpfs_stats_setxattr() - set a statistics attribute: the controls
 * @fs: the mount
 * @inode: the inode
 * @name: full attribute name, starting with ZPFS_XATTR_PREFIX
 * @value: the value (not NUL-terminated)
 * @size: its length
 *
 * ZPFS_XATTR_COMPACT on the root with the value "1" (a trailing newline
 * allowed) compacts the pool now, in the caller's thread, and adds the
 * pages freed to user.zpoolfs.compacted_pages. Every other name is
 * read-only. Takes no lock of the tree; the back end takes its own. Who
 * may call it is the kernel's check (see the top of this file).
 *
 * Return: 0; -EPERM for any other name or inode; -EINVAL for another value.
 */
int zpfs_stats_setxattr(struct zpfs_fs *fs, struct zpfs_inode *inode,
			const char *name, const char *value, size_t size)
{
	if (strcmp(name, ZPFS_XATTR_COMPACT) != 0 || inode != fs->root)
		return -EPERM;
	if (size && value[size - 1] == '\n')
		size--;
	if (size != 1 || value[0] != '1')
		return -EINVAL;
	zpfs_store_compact(fs->store);
	return 0;
}
