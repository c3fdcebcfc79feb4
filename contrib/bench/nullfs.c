/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nullfs.c - zpfs-nullfs: a FUSE file system that stores nothing, the
 * ceiling zpfs-bench measures zpoolfs against.
 *
 *   zpfs-nullfs [-o direct_io] [FUSE options] mountpoint
 *
 * Every byte zpoolfs moves crosses the kernel's FUSE layer twice: the
 * request is copied from /dev/fuse into the daemon, the reply back out of
 * it, and a thread wakes up at each end. No FUSE file system can go faster
 * than one that does nothing between the two copies, so that is what this
 * is: a read answers zeroes, a write answers "done" and only remembers how
 * far the file now reaches. What zpfs-bench then shows for zpoolfs against
 * this daemon is the cost of compressing and storing the data, and nothing
 * of the cost of being a FUSE file system.
 *
 * For the ceiling to be the right one, everything that touches speed is
 * set as zpoolfs sets it (fs/main.c, fs/ops.c):
 *
 *   - the session loop is multi-threaded, with max(2 x CPUs, 4) threads
 *     unless max_threads= says otherwise; -s, clone_fd and
 *     max_idle_threads= are libfuse's, as for zpoolfs;
 *   - max_write stays at libfuse's largest (1 MiB with libfuse 3.14, which
 *     then offers the kernel max_pages = 256): one 1 MiB write(2) is one
 *     request;
 *   - the same capabilities: async reads and direct I/O, parallel
 *     directory operations, automatic invalidation of cached data; no
 *     writeback cache, no splice, no atomic O_TRUNC;
 *   - the same cache timeouts: an hour for entries (negative ones too),
 *     a second for attributes; default_permissions, so that the kernel
 *     checks modes itself;
 *   - the same transport under libfuse (fs/wire.c): the mount's
 *     read-ahead raised to 1 MiB, FUSE_HANDLE_KILLPRIV_V2, and with
 *     -o direct_io mmap of direct_io files and parallel direct writes;
 *   - an open file keeps its cached pages (keep_cache), unless
 *     -o direct_io is given: then every open sets direct_io and every
 *     read(2) and write(2) goes to the daemon, bypassing the page cache.
 *
 * There are no extended attributes: getxattr and the rest are left out, so
 * the kernel takes their ENOSYS as "never ask again", as it would for any
 * minimal file system. (zpoolfs has xattrs, but they are not on the path
 * of a read or a write either: the kernel remembers a file's lack of
 * security.capability.)
 *
 * The tree is a root directory with up to NR_FILES regular files in it,
 * enough for dd, fio and rm: no subdirectories, links, renames or special
 * files. A file is a name, a mode, an owner and a size in a fixed table;
 * its nodeid is its slot's index + FIRST_NODEID, so that a request finds
 * it without a search. A slot stays taken while the name exists or the
 * kernel still holds a lookup count on it (an unlinked file that is still
 * open), and only then is it reused, with a new generation.
 *
 * One mutex guards the table: it is taken by the name operations, getattr
 * and setattr, never by read or write. These two read and grow the size
 * with atomics, so that two threads doing I/O never wait for each other
 * in here, which is the point of the exercise.
 *
 * The daemon always stays in the foreground (-f is accepted and changes
 * nothing): zpfs-bench starts it in the background itself, keeps its
 * stderr and waits for it to exit after fusermount3 -u. It ends on
 * SIGTERM, SIGINT or SIGHUP by unmounting.
 */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/param.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <fuse_lowlevel.h>

#include "fs/wire.h"

/* ------------------------------------------------------------------------
 * Structures
 * ------------------------------------------------------------------------ */

/* zpoolfs' cache timeouts (fs/ops.c), seconds. */
#define ENTRY_TIMEOUT	3600.0
#define ATTR_TIMEOUT	1.0

/* zpoolfs' thread count rule (fs/main.c). */
#define THREADS_PER_CPU	2
#define MIN_THREADS	4
#define MAX_THREADS	1024

/*
 * Files the root can hold. zpfs-bench needs three at a time; more slots
 * cost 300 bytes each and make readdir, lookup and create a longer scan.
 */
#define NR_FILES	64
#define FIRST_NODEID	(FUSE_ROOT_ID + 1)

/*
 * A read is answered from this many zeroes: the largest request, as libfuse
 * 3.14 sets max_pages from its 1 MiB max_write. Never written, so every
 * page of it is the kernel's one zero page.
 */
#define ZERO_SIZE	(1U << 20)

/* What statfs reports: a large, empty file system of 4 KiB blocks. */
#define BLOCK_SIZE	4096
#define NR_BLOCKS	(1ULL << 32)

/**
 * struct null_file - one regular file: everything nullfs keeps of it
 * @name:	its name in the root, "" once unlinked
 * @nlookup:	the kernel's lookup count; the slot is free when this is 0
 *		and @name is ""
 * @generation:	bumped each time the slot is taken
 * @mode:	type and permission bits
 * @uid:	owner
 * @gid:	group
 * @size:	i_size; lock-free: read and write use atomics on it, the
 *		others change it under the lock too
 */
struct null_file {
	char name[NAME_MAX + 1];	/* protected by null_fs.lock */
	uint64_t nlookup;		/* protected by null_fs.lock */
	uint64_t generation;		/* protected by null_fs.lock */
	mode_t mode;			/* protected by null_fs.lock */
	uid_t uid;			/* protected by null_fs.lock */
	gid_t gid;			/* protected by null_fs.lock */
	uint64_t size;			/* atomic */
};

/**
 * struct null_fs - the mount
 * @lock:	protects the name, lookup count, mode and owner of every file
 *		(the only lock: nothing nests)
 * @files:	the table; slot i is nodeid i + FIRST_NODEID
 * @direct_io:	-o direct_io: every open bypasses the page cache
 * @uid:	owner of the root directory: whoever mounted
 * @gid:	its group
 * @start:	every timestamp nullfs reports
 */
struct null_fs {
	pthread_mutex_t lock;
	struct null_file files[NR_FILES];
	int direct_io;
	uid_t uid;
	gid_t gid;
	struct timespec start;
};

static const char zeroes[ZERO_SIZE];

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

static struct null_fs *req_fs(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

/* The file of @ino, or NULL for the root or a nodeid we never gave. */
static struct null_file *ino_file(struct null_fs *fs, fuse_ino_t ino)
{
	if (ino < FIRST_NODEID || ino - FIRST_NODEID >= NR_FILES)
		return NULL;
	return &fs->files[ino - FIRST_NODEID];
}

static fuse_ino_t file_ino(struct null_fs *fs, struct null_file *f)
{
	return (fuse_ino_t)(f - fs->files) + FIRST_NODEID;
}

static bool slot_free(const struct null_file *f)
{
	return !f->name[0] && !f->nlookup;
}

/* Caller must hold fs->lock. */
static struct null_file *find_name_locked(struct null_fs *fs,
					  const char *name)
{
	size_t i;

	for (i = 0; i < NR_FILES; i++)
		if (fs->files[i].name[0] && !strcmp(fs->files[i].name, name))
			return &fs->files[i];
	return NULL;
}

static void stat_root(struct null_fs *fs, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = FUSE_ROOT_ID;
	st->st_mode = S_IFDIR | 01777;
	st->st_nlink = 2;
	st->st_uid = fs->uid;
	st->st_gid = fs->gid;
	st->st_blksize = BLOCK_SIZE;
	st->st_atim = st->st_mtim = st->st_ctim = fs->start;
}

/* Caller must hold fs->lock. Nothing is stored, so st_blocks is 0. */
static void stat_file_locked(struct null_fs *fs, struct null_file *f,
			     struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = file_ino(fs, f);
	st->st_mode = f->mode;
	st->st_nlink = f->name[0] ? 1 : 0;
	st->st_uid = f->uid;
	st->st_gid = f->gid;
	st->st_size = (off_t)__atomic_load_n(&f->size, __ATOMIC_RELAXED);
	st->st_blksize = BLOCK_SIZE;
	st->st_atim = st->st_mtim = st->st_ctim = fs->start;
}

/* Caller must hold fs->lock; takes one lookup count for the kernel. */
static void fill_entry_locked(struct null_fs *fs, struct null_file *f,
			      struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	f->nlookup++;
	e->ino = file_ino(fs, f);
	e->generation = f->generation;
	stat_file_locked(fs, f, &e->attr);
	e->attr_timeout = ATTR_TIMEOUT;
	e->entry_timeout = ENTRY_TIMEOUT;
}

static void set_open_flags(struct null_fs *fs, struct fuse_file_info *fi)
{
	if (fs->direct_io)
		fi->direct_io = 1;
	else
		fi->keep_cache = 1;
}

/* ------------------------------------------------------------------------
 * Names: lookup, forget, create, unlink, readdir
 * ------------------------------------------------------------------------ */

static void null_op_lookup(fuse_req_t req, fuse_ino_t parent,
			   const char *name)
{
	struct null_fs *fs = req_fs(req);
	struct fuse_entry_param e;
	struct null_file *f;

	if (parent != FUSE_ROOT_ID) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	pthread_mutex_lock(&fs->lock);
	f = find_name_locked(fs, name);
	if (f) {
		fill_entry_locked(fs, f, &e);
	} else {
		/* A negative entry, which the kernel caches. */
		memset(&e, 0, sizeof(e));
		e.entry_timeout = ENTRY_TIMEOUT;
	}
	pthread_mutex_unlock(&fs->lock);
	fuse_reply_entry(req, &e);
}

/* Also every forget of a batch: libfuse splits them without forget_multi. */
static void null_op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	struct null_fs *fs = req_fs(req);
	struct null_file *f = ino_file(fs, ino);

	if (f) {
		pthread_mutex_lock(&fs->lock);
		f->nlookup -= MIN(f->nlookup, nlookup);
		pthread_mutex_unlock(&fs->lock);
	}
	fuse_reply_none(req);
}

/* A new, empty regular file @name in the root. */
static int do_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode, struct fuse_entry_param *e)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct null_fs *fs = req_fs(req);
	struct null_file *f = NULL;
	size_t i;
	int err;

	if (parent != FUSE_ROOT_ID)
		return -ENOTDIR;
	if (strlen(name) > NAME_MAX)
		return -ENAMETOOLONG;
	if ((mode & S_IFMT) && !S_ISREG(mode))
		return -EPERM;

	pthread_mutex_lock(&fs->lock);
	err = -EEXIST;
	if (find_name_locked(fs, name))
		goto out_unlock;
	err = -ENOSPC;
	for (i = 0; i < NR_FILES && !f; i++)
		if (slot_free(&fs->files[i]))
			f = &fs->files[i];
	if (!f)
		goto out_unlock;
	strcpy(f->name, name);
	f->generation++;
	f->mode = S_IFREG | (mode & 07777);
	f->uid = ctx->uid;
	f->gid = ctx->gid;
	__atomic_store_n(&f->size, 0, __ATOMIC_RELAXED);
	fill_entry_locked(fs, f, e);
	err = 0;
out_unlock:
	pthread_mutex_unlock(&fs->lock);
	return err;
}

static void null_op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
			  mode_t mode, dev_t rdev)
{
	struct fuse_entry_param e;
	int err;

	(void)rdev;
	err = do_create(req, parent, name, mode, &e);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_entry(req, &e);
}

static void null_op_create(fuse_req_t req, fuse_ino_t parent,
			   const char *name, mode_t mode,
			   struct fuse_file_info *fi)
{
	struct fuse_entry_param e;
	int err;

	err = do_create(req, parent, name, mode, &e);
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	set_open_flags(req_fs(req), fi);
	fuse_reply_create(req, &e, fi);
}

static void null_op_unlink(fuse_req_t req, fuse_ino_t parent,
			   const char *name)
{
	struct null_fs *fs = req_fs(req);
	struct null_file *f;
	int err = ENOTDIR;

	if (parent == FUSE_ROOT_ID) {
		pthread_mutex_lock(&fs->lock);
		f = find_name_locked(fs, name);
		if (f)
			f->name[0] = '\0';	/* free at the last forget */
		pthread_mutex_unlock(&fs->lock);
		err = f ? 0 : ENOENT;
	}
	fuse_reply_err(req, err);
}

/*
 * Offsets: 1 after ".", 2 after "..", then slot i + 3 after slot i. The
 * buffer is allocated before the lock is taken.
 */
static void null_op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
			    off_t off, struct fuse_file_info *fi)
{
	struct null_fs *fs = req_fs(req);
	struct stat st = { .st_ino = FUSE_ROOT_ID, .st_mode = S_IFDIR };
	size_t len = 0, ent;
	char *buf;
	off_t i;

	(void)fi;
	if (ino != FUSE_ROOT_ID) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	buf = malloc(size);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	pthread_mutex_lock(&fs->lock);
	for (i = off; i < NR_FILES + 2; i++) {
		const char *name = i == 0 ? "." : i == 1 ? ".." : NULL;

		if (!name) {
			struct null_file *f = &fs->files[i - 2];

			if (!f->name[0])
				continue;
			name = f->name;
			st.st_ino = file_ino(fs, f);
			st.st_mode = S_IFREG;
		}
		ent = fuse_add_direntry(req, buf + len, size - len, name, &st,
					i + 1);
		if (ent > size - len)
			break;
		len += ent;
	}
	pthread_mutex_unlock(&fs->lock);
	fuse_reply_buf(req, buf, len);
	free(buf);
}

/* ------------------------------------------------------------------------
 * Attributes
 * ------------------------------------------------------------------------ */

static void null_op_getattr(fuse_req_t req, fuse_ino_t ino,
			    struct fuse_file_info *fi)
{
	struct null_fs *fs = req_fs(req);
	struct null_file *f = ino_file(fs, ino);
	struct stat st;

	(void)fi;
	if (f) {
		pthread_mutex_lock(&fs->lock);
		stat_file_locked(fs, f, &st);
		pthread_mutex_unlock(&fs->lock);
	} else {
		stat_root(fs, &st);
	}
	fuse_reply_attr(req, &st, ATTR_TIMEOUT);
}

/* Mode, owner and size (truncate) are kept; times are accepted, not kept. */
static void null_op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
			    int to_set, struct fuse_file_info *fi)
{
	struct null_fs *fs = req_fs(req);
	struct null_file *f = ino_file(fs, ino);
	struct stat st;

	(void)fi;
	if (!f) {
		fuse_reply_err(req, EPERM);	/* the root does not change */
		return;
	}
	pthread_mutex_lock(&fs->lock);
	if (to_set & FUSE_SET_ATTR_MODE)
		f->mode = S_IFREG | (attr->st_mode & 07777);
	if (to_set & FUSE_SET_ATTR_UID)
		f->uid = attr->st_uid;
	if (to_set & FUSE_SET_ATTR_GID)
		f->gid = attr->st_gid;
	if (to_set & FUSE_SET_ATTR_SIZE)
		__atomic_store_n(&f->size, (uint64_t)attr->st_size,
				 __ATOMIC_RELAXED);
	stat_file_locked(fs, f, &st);
	pthread_mutex_unlock(&fs->lock);
	fuse_reply_attr(req, &st, ATTR_TIMEOUT);
}

static void null_op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct null_fs *fs = req_fs(req);
	struct statvfs sv;
	size_t i, nfree = 0;

	(void)ino;
	pthread_mutex_lock(&fs->lock);
	for (i = 0; i < NR_FILES; i++)
		nfree += slot_free(&fs->files[i]);
	pthread_mutex_unlock(&fs->lock);

	memset(&sv, 0, sizeof(sv));
	sv.f_bsize = BLOCK_SIZE;
	sv.f_frsize = BLOCK_SIZE;
	sv.f_blocks = NR_BLOCKS;
	sv.f_bfree = NR_BLOCKS;
	sv.f_bavail = NR_BLOCKS;
	sv.f_files = NR_FILES + 1;
	sv.f_ffree = nfree;
	sv.f_favail = nfree;
	sv.f_namemax = NAME_MAX;
	fuse_reply_statfs(req, &sv);
}

/* ------------------------------------------------------------------------
 * Data: open, read, write (no lock)
 * ------------------------------------------------------------------------ */

static void null_op_open(fuse_req_t req, fuse_ino_t ino,
			 struct fuse_file_info *fi)
{
	if (ino == FUSE_ROOT_ID) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	set_open_flags(req_fs(req), fi);
	fuse_reply_open(req, fi);
}

/* Zeroes up to the end of the file: a short reply there is EOF. */
static void null_op_read(fuse_req_t req, fuse_ino_t ino, size_t size,
			 off_t off, struct fuse_file_info *fi)
{
	struct null_file *f = ino_file(req_fs(req), ino);
	uint64_t end;
	size_t len;

	(void)fi;
	if (!f) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	end = __atomic_load_n(&f->size, __ATOMIC_RELAXED);
	len = (uint64_t)off >= end ? 0 : (size_t)MIN(size, end - (uint64_t)off);
	assert(len <= ZERO_SIZE);
	fuse_reply_buf(req, zeroes, len);
}

/* Nothing is kept; the file only grows to cover the write. */
static void null_op_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
			  size_t size, off_t off, struct fuse_file_info *fi)
{
	struct null_file *f = ino_file(req_fs(req), ino);
	uint64_t end = (uint64_t)off + size;
	uint64_t old;

	(void)buf;
	(void)fi;
	if (!f) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	old = __atomic_load_n(&f->size, __ATOMIC_RELAXED);
	while (old < end &&
	       !__atomic_compare_exchange_n(&f->size, &old, end, true,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	fuse_reply_write(req, size);
}

/* ------------------------------------------------------------------------
 * Session
 * ------------------------------------------------------------------------ */

/* zpoolfs' capabilities (fs/ops.c), minus those for what nullfs lacks:
 * ACLs, symlinks, readdirplus. max_write is libfuse's default, as there. */
static void null_op_init(void *userdata, struct fuse_conn_info *conn)
{
	unsigned int want = FUSE_CAP_ASYNC_READ | FUSE_CAP_PARALLEL_DIROPS |
			    FUSE_CAP_ASYNC_DIO | FUSE_CAP_AUTO_INVAL_DATA;

	(void)userdata;
	conn->want &= ~(FUSE_CAP_WRITEBACK_CACHE | FUSE_CAP_SPLICE_READ |
			FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE |
			FUSE_CAP_ATOMIC_O_TRUNC | FUSE_CAP_HANDLE_KILLPRIV |
			FUSE_CAP_POSIX_ACL | FUSE_CAP_DONT_MASK);
	conn->want |= want & conn->capable;
	conn->time_gran = 1;
}

/* No xattr, flush, fsync or release: ENOSYS, and the kernel stops asking
 * (libfuse answers release itself). */
static const struct fuse_lowlevel_ops null_ops = {
	.init		= null_op_init,
	.lookup		= null_op_lookup,
	.forget		= null_op_forget,
	.getattr	= null_op_getattr,
	.setattr	= null_op_setattr,
	.mknod		= null_op_mknod,
	.unlink		= null_op_unlink,
	.open		= null_op_open,
	.read		= null_op_read,
	.write		= null_op_write,
	.readdir	= null_op_readdir,
	.statfs		= null_op_statfs,
	.create		= null_op_create,
};

enum {
	KEY_THREADS,
};

struct cmdline {
	int direct_io;
	bool threads_given;
};

static const struct fuse_opt null_opts[] = {
	{ "direct_io", offsetof(struct cmdline, direct_io), 1 },
	FUSE_OPT_KEY("max_threads=", KEY_THREADS),
	FUSE_OPT_END
};

/* Everything but direct_io goes on to fuse_parse_cmdline(). */
static int opt_proc(void *data, const char *arg, int key,
		    struct fuse_args *outargs)
{
	struct cmdline *cl = data;

	(void)arg;
	(void)outargs;
	if (key == KEY_THREADS)
		cl->threads_given = true;
	return 1;
}

static unsigned int default_threads(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned long n;

	if (cpus < 1)
		cpus = 1;
	n = (unsigned long)cpus * THREADS_PER_CPU;
	return (unsigned int)MIN(MAX(n, MIN_THREADS), MAX_THREADS);
}

static int run_session(struct fuse_session *se,
		       const struct fuse_cmdline_opts *opts,
		       unsigned int threads)
{
	struct fuse_loop_config *lc;
	int ret;

	if (opts->singlethread)
		return fuse_session_loop(se);
	lc = fuse_loop_cfg_create();
	if (!lc)
		return -ENOMEM;
	fuse_loop_cfg_set_clone_fd(lc, (unsigned int)opts->clone_fd);
	fuse_loop_cfg_set_max_threads(lc, threads);
	if (opts->max_idle_threads != UINT_MAX)
		fuse_loop_cfg_set_idle_threads(lc, opts->max_idle_threads);
	ret = fuse_session_loop_mt(se, lc);
	fuse_loop_cfg_destroy(lc);
	return ret;
}

static void print_help(const char *prog)
{
	printf("usage: %s [options] mountpoint\n"
	       "\n"
	       "A FUSE file system that stores nothing: reads return zeroes,\n"
	       "writes only extend the file. The ceiling of zpfs-bench.\n"
	       "Stays in the foreground.\n"
	       "\n"
	       "    -o direct_io           open every file with direct_io\n"
	       "                           (default: keep_cache)\n"
	       "Without -o max_threads, up to %u threads.\n"
	       "\n"
	       "FUSE options:\n", prog, default_threads());
	fflush(stdout);
	fuse_cmdline_help();
	fuse_lowlevel_help();
}

/* ------------------------------------------------------------------------
 * main
 * ------------------------------------------------------------------------ */

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	struct fuse_session *se;
	struct cmdline cl = { 0 };
	static struct null_fs fs;
	unsigned int threads;
	int status = 1;
	char *abs_mp;
	int ret;

	memset(&opts, 0, sizeof(opts));
	if (fuse_opt_parse(&args, &cl, null_opts, opt_proc) == -1 ||
	    fuse_opt_insert_arg(&args, 1, "-ofsname=zpfs-nullfs,"
				"subtype=zpfs-nullfs,default_permissions") ||
	    fuse_parse_cmdline(&args, &opts) == -1)
		goto out_free_args;
	if (opts.show_help) {
		print_help(argv[0]);
		status = 0;
		goto out_free_args;
	}
	if (opts.show_version) {
		printf("FUSE library version %s\n", fuse_pkgversion());
		status = 0;
		goto out_free_args;
	}
	if (!opts.mountpoint) {
		fprintf(stderr, "%s: no mount point given (see --help)\n",
			argv[0]);
		goto out_free_args;
	}
	threads = cl.threads_given ? opts.max_threads : default_threads();

	pthread_mutex_init(&fs.lock, NULL);
	fs.direct_io = cl.direct_io;
	fs.uid = getuid();
	fs.gid = getgid();
	clock_gettime(CLOCK_REALTIME, &fs.start);

	se = fuse_session_new(&args, &null_ops, sizeof(null_ops), &fs);
	if (!se)
		goto out_free_args;
	if (fuse_set_signal_handlers(se))
		goto out_destroy_session;
	if (fuse_session_mount(se, opts.mountpoint))
		goto out_remove_handlers;
	/* The transport zpoolfs runs on (read-ahead, parallel direct writes). */
	abs_mp = realpath(opts.mountpoint, NULL);
	ret = zpfs_wire_attach(se, abs_mp ? abs_mp : opts.mountpoint,
			       (fs.direct_io ? ZPFS_WIRE_DIRECT_IO : 0) |
			       (opts.singlethread ? 0 : ZPFS_WIRE_URING));
	free(abs_mp);
	if (ret)
		fprintf(stderr, "%s: no custom transport: %s\n", argv[0],
			strerror(-ret));

	ret = run_session(se, &opts, threads);
	zpfs_wire_detach();
	status = ret < 0 ? 1 : 0;
	if (ret < 0)
		fprintf(stderr, "%s: session ended: %s\n", argv[0],
			strerror(-ret));

	fuse_session_unmount(se);
out_remove_handlers:
	fuse_remove_signal_handlers(se);
out_destroy_session:
	fuse_session_destroy(se);
out_free_args:
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
	return status;
}
