/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * main.c - zpoolfs: the command line, the mount and the session loop.
 *
 *   zpoolfs [options] [source] mountpoint
 *
 * This is also what mount.fuse3 runs for an fstab line or for
 * `mount -t fuse.zpoolfs source mountpoint -o opts`, so the command line
 * follows the FUSE and mount(8) conventions (DESIGN.md decision 8):
 *
 *   - our own options (backend=, compressor=, size=, ...) are entries of an
 *     offsetof-based fuse_opt table that store straight into struct
 *     zpfs_config; each entry carries its --help line, and the man page
 *     lists the same options;
 *   - the options libfuse knows (allow_other, -f, -d, -s, max_threads=,
 *     clone_fd, ro, nosuid, ...) pass through to fuse_parse_cmdline() and
 *     fuse_session_new();
 *   - the options mount(8) and fstab add for themselves (auto, user,
 *     _netdev, nofail, x-*, ...) are accepted and dropped;
 *   - anything else is an error. We check the list ourselves rather than
 *     let libfuse find out, so that every mistake gives exactly one line
 *     on stderr, "zpoolfs: ...", and exit status 1, and so that nothing is
 *     mounted: every option, the mount point and the pool itself
 *     (zpfs_fs_create()) are checked before fuse_session_mount().
 *
 * Once mounted, the daemon goes to the background with fuse_daemonize(),
 * whose parent exits only after the child has taken over, when the mount
 * is already live: a script (or mount(8)) may use the mount point as soon
 * as `zpoolfs` returns; its messages then go to syslog, with one line
 * saying what was mounted. -f keeps it in the foreground, on stderr.
 *
 * The daemon must not die (decision 11): every file lives only in its
 * memory. It asks the OOM killer to prefer other processes, ends on
 * SIGTERM / SIGINT / SIGHUP by unmounting cleanly, and treats an
 * allocation failure as an error to report, never as a reason to abort.
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <fuse_lowlevel.h>

#include "fs/fs_i.h"
#include "zpool/zpool.h"

/* ------------------------------------------------------------------------
 * Structures
 * ------------------------------------------------------------------------ */

/* Defaults of the zpoolfs options; size= and nr_inodes= depend on RAM. */
#define DEFAULT_BACKEND		"zbud"
#define DEFAULT_COMPRESSOR	"lz4"
#define DEFAULT_SIZE_PERCENT	50
#define DEFAULT_ROOT_MODE	01777

/*
 * Asked of the OOM killer: below every ordinary process (0), so that a
 * runaway program is killed before the daemon that holds the files, but
 * not -1000 (never kill), which would let a full mount take the machine
 * down with it. Lowering the value needs CAP_SYS_RESOURCE: a user's mount
 * keeps its default, silently.
 */
#define OOM_SCORE_ADJ		"-500"

/* Threads of the session loop unless max_threads= says otherwise: enough
 * to keep every CPU busy while some requests wait on a lock. */
#define THREADS_PER_CPU		2
#define MIN_THREADS		4

/* The source shown in /proc/mounts when none is given. */
#define DEFAULT_SOURCE		"zpoolfs"

/**
 * struct zpoolfs_option - one zpoolfs -o option
 * @templ:	fuse_opt template; the value is stored as a string
 * @offset:	where in struct zpfs_config
 * @usage:	the option as --help and the man page show it
 * @help:	one line for --help, with the default
 */
struct zpoolfs_option {
	const char *templ;
	size_t offset;
	const char *usage;
	const char *help;
};

#define ZPOOLFS_OPT(t, field, usage, help)				\
	{ t, offsetof(struct zpfs_config, field), usage, help }

static const struct zpoolfs_option zpoolfs_options[] = {
	ZPOOLFS_OPT("backend=%s", backend, "-o backend=NAME",
		    "zpool back end (default: zbud)"),
	ZPOOLFS_OPT("compressor=%s", compressor,
		    "-o compressor=NAME[:LEVEL]",
		    "lz4, lz4hc[:LEVEL] or none (default: lz4)"),
	ZPOOLFS_OPT("size=%s", size, "-o size=N[k|m|g|t|%]",
		    "memory the mount may use (default: 50%)"),
	ZPOOLFS_OPT("nr_inodes=%s", nr_inodes, "-o nr_inodes=N[k|m|g]",
		    "most inodes, 0: no limit (default: RAM pages / 2)"),
	ZPOOLFS_OPT("mode=%s", mode, "-o mode=OCTAL",
		    "mode of the root directory (default: 1777)"),
	ZPOOLFS_OPT("uid=%s", uid, "-o uid=USER",
		    "owner of the root directory (default: the caller)"),
	ZPOOLFS_OPT("gid=%s", gid, "-o gid=GROUP",
		    "group of the root directory (default: the caller's)"),
	ZPOOLFS_OPT("cache=%s", cache, "-o cache=auto|none",
		    "page cache, or direct I/O (default: auto)"),
	ZPOOLFS_OPT("uring=%s", uring, "-o uring=auto|off",
		    "FUSE over io_uring when offered (default: auto)"),
};

#define NR_OPTIONS	(sizeof(zpoolfs_options) / sizeof(zpoolfs_options[0]))

enum {
	KEY_HELP,
	KEY_VERSION,
	KEY_PASS,	/* libfuse's: keep it for fuse_parse_cmdline() & co */
	KEY_THREADS,	/* max_threads=: libfuse's, and we must know */
	KEY_IGNORE,	/* mount(8)'s own: drop it */
};

/* Options libfuse 3.12+ understands; a libfuse-only option not listed here
 * is refused as unknown, before anything is mounted. */
static const char *const fuse_words[] = {
	"-f", "-d", "-s", "debug", "--debug", "clone_fd", "max_idle_threads=",
	"allow_other", "allow_root", "auto_unmount", "default_permissions",
	"fsname=", "subtype=", "max_read=", "user=",
	"context=", "fscontext=", "defcontext=", "rootcontext=",
	"rw", "ro", "suid", "nosuid", "dev", "nodev", "exec", "noexec",
	"async", "sync", "dirsync", "atime", "noatime",
};

/* Options of mount(8) and fstab that mean nothing to a FUSE mount, or that
 * libfuse 3.14 does not pass on (the atime variants). "x-*" goes too. */
static const char *const mount_words[] = {
	"defaults", "auto", "noauto", "user", "users", "nouser", "owner",
	"group", "_netdev", "nofail", "comment=", "nonempty",
	"relatime", "norelatime", "strictatime", "nostrictatime",
	"diratime", "nodiratime", "lazytime", "nolazytime",
	"iversion", "noiversion", "loud", "silent", "mand", "nomand",
};

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))
#define NR_TEMPLATES	(NR_OPTIONS + ARRAY_LEN(fuse_words) +		\
			 ARRAY_LEN(mount_words) + 6)

/*
 * The command line being parsed. @cfg comes first: the fuse_opt table
 * stores at offsetof(struct zpfs_config, field) from the start of this.
 */
struct cmdline {
	struct zpfs_config cfg;
	char *nonopt[2];		/* [source] mountpoint */
	int nr_nonopt;
	bool show_help;
	bool show_version;
	bool threads_given;
};

_Static_assert(offsetof(struct cmdline, cfg) == 0, "fuse_opt offsets");

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

/* The built-in back ends, from the generated zpool_builtin.h. */
#define ZPOOL_BUILTIN(type)	#type,
static const char *const builtin_backends[] = {
#include "zpool_builtin.h"
};
#undef ZPOOL_BUILTIN

/*
 * Where messages go: stderr until the daemon goes to the background, whose
 * stderr is /dev/null; from then on syslog (the journal), tagged
 * "zpoolfs[PID]", as a daemon's messages are.
 */
static bool to_syslog;

_Static_assert(FUSE_LOG_ERR == LOG_ERR && FUSE_LOG_DEBUG == LOG_DEBUG,
	       "libfuse's log levels are syslog's");

static void start_syslog(void)
{
	openlog("zpoolfs", LOG_PID, LOG_DAEMON);
	to_syslog = true;
}

/* The one line an error gets: "zpoolfs: ...". */
static void __attribute__((format(printf, 1, 2)))
print_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (to_syslog) {
		vsyslog(LOG_ERR, fmt, ap);
	} else {
		fputs("zpoolfs: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

/*
 * libfuse's messages start with "fuse: "; make them ours, so that an error
 * found by libfuse (a failed mount, say) reads like every other one.
 */
static void __attribute__((format(printf, 2, 0)))
log_func(enum fuse_log_level level, const char *fmt, va_list ap)
{
	if (to_syslog) {
		/* the tag names us; fuse_log_level is syslog's scale */
		if (strncmp(fmt, "fuse: ", 6) == 0)
			fmt += 6;
		else if (strncmp(fmt, "zpoolfs: ", 9) == 0)
			fmt += 9;
		vsyslog((int)level, fmt, ap);
		return;
	}
	if (strncmp(fmt, "fuse: ", 6) == 0) {
		fputs("zpoolfs: ", stderr);
		fmt += 6;
	}
	vfprintf(stderr, fmt, ap);
}

static uint64_t ram_bytes(void)
{
	long pages = sysconf(_SC_PHYS_PAGES);
	long psize = sysconf(_SC_PAGESIZE);

	if (pages <= 0 || psize <= 0)
		return 0;
	return (uint64_t)pages * (uint64_t)psize;
}

/* Digits, then nothing or one suffix letter; sets *end to the suffix. */
static int parse_number(const char *s, uint64_t *val, const char **end)
{
	uint64_t v = 0;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(*s - '0'), &v))
			return -ERANGE;
	}
	*val = v;
	*end = s;
	return 0;
}

static int suffix_shift(char c, unsigned int *shift)
{
	switch (c) {
	case 'k': case 'K':
		*shift = 10;
		return 0;
	case 'm': case 'M':
		*shift = 20;
		return 0;
	case 'g': case 'G':
		*shift = 30;
		return 0;
	case 't': case 'T':
		*shift = 40;
		return 0;
	}
	return -EINVAL;
}

/*
 * size=: bytes, with k/m/g/t (powers of 1024) or % of RAM as tmpfs takes
 * it, rounded up to whole pages. 0 is refused: a mount that can hold
 * nothing is a mistake (tmpfs reads it as "no limit"; we always have one).
 * Return: 0, -EINVAL (malformed), -EDOM (0), -ERANGE (too large).
 */
static int parse_size(const char *s, uint64_t ram, uint64_t *bytes)
{
	unsigned int shift = 0;
	const char *end;
	uint64_t v;
	int ret;

	ret = parse_number(s, &v, &end);
	if (ret)
		return ret;
	if (*end == '%' && end[1] == '\0') {
		if (__builtin_mul_overflow(ram / 100, v, &v))
			return -ERANGE;
	} else if (*end) {
		if (end[1] != '\0' || suffix_shift(*end, &shift))
			return -EINVAL;
		if (shift && v > (UINT64_MAX >> shift))
			return -ERANGE;
		v <<= shift;
	}
	if (v == 0)
		return -EDOM;
	if (v > UINT64_MAX - (ZPFS_PAGE_SIZE - 1))
		return -ERANGE;
	*bytes = (v + ZPFS_PAGE_SIZE - 1) & ~(uint64_t)(ZPFS_PAGE_SIZE - 1);
	return 0;
}

/* nr_inodes=: a count with k/m/g (powers of 1024); 0 means no limit. */
static int parse_count(const char *s, uint64_t *count)
{
	unsigned int shift = 0;
	const char *end;
	uint64_t v;
	int ret;

	ret = parse_number(s, &v, &end);
	if (ret)
		return ret;
	if (*end) {
		if (end[1] != '\0' || *end == 't' || *end == 'T' ||
		    suffix_shift(*end, &shift))
			return -EINVAL;
		if (v > (UINT64_MAX >> shift))
			return -ERANGE;
		v <<= shift;
	}
	*count = v;
	return 0;
}

static int parse_mode(const char *s, mode_t *mode)
{
	unsigned long v = 0;

	if (*s == '\0')
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '7')
			return -EINVAL;
		v = v * 8 + (unsigned long)(*s - '0');
		if (v > 07777)
			return -ERANGE;
	}
	*mode = (mode_t)v;
	return 0;
}

/* A number, or a name looked up with @by_name; -1 is no valid id. */
static int parse_id(const char *s, unsigned int *id, bool group)
{
	const char *end;
	uint64_t v;

	if (*s == '\0')
		return -EINVAL;
	if (parse_number(s, &v, &end) == 0 && *end == '\0') {
		if (v >= UINT32_MAX)
			return -ERANGE;
		*id = (unsigned int)v;
		return 0;
	}
	if (group) {
		struct group *gr = getgrnam(s);

		if (!gr)
			return -ENOENT;
		*id = gr->gr_gid;
	} else {
		struct passwd *pw = getpwnam(s);

		if (!pw)
			return -ENOENT;
		*id = pw->pw_uid;
	}
	return 0;
}

static void list_backends(char *buf, size_t cap)
{
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_LEN(builtin_backends) && len < cap; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s%s",
					i ? ", " : "", builtin_backends[i]);
}

/* ------------------------------------------------------------------------
 * Command line
 * ------------------------------------------------------------------------ */

static int opt_proc(void *data, const char *arg, int key,
		    struct fuse_args *outargs)
{
	struct cmdline *cl = data;

	(void)outargs;
	switch (key) {
	case KEY_HELP:
		cl->show_help = true;
		return 0;
	case KEY_VERSION:
		cl->show_version = true;
		return 0;
	case KEY_THREADS:
		cl->threads_given = true;
		return 1;
	case KEY_PASS:
		return 1;
	case KEY_IGNORE:
		return 0;
	case FUSE_OPT_KEY_NONOPT:
		if (cl->nr_nonopt == 2) {
			print_error("too many arguments: '%s' (usage: zpoolfs "
				"[options] [source] mountpoint)", arg);
			return -1;
		}
		cl->nonopt[cl->nr_nonopt] = strdup(arg);
		if (!cl->nonopt[cl->nr_nonopt]) {
			print_error("out of memory");
			return -1;
		}
		cl->nr_nonopt++;
		return 0;
	}
	/* FUSE_OPT_KEY_OPT: in no table */
	if (strncmp(arg, "x-", 2) == 0)
		return 0;
	print_error("unknown option '%s' (see zpoolfs --help)", arg);
	return -1;
}

static void build_templates(struct fuse_opt *t)
{
	size_t i, n = 0;

	for (i = 0; i < NR_OPTIONS; i++) {
		t[n].templ = zpoolfs_options[i].templ;
		t[n].offset = zpoolfs_options[i].offset;
		t[n].value = 0;
		n++;
	}
	t[n++] = (struct fuse_opt)FUSE_OPT_KEY("-h", KEY_HELP);
	t[n++] = (struct fuse_opt)FUSE_OPT_KEY("--help", KEY_HELP);
	t[n++] = (struct fuse_opt)FUSE_OPT_KEY("-V", KEY_VERSION);
	t[n++] = (struct fuse_opt)FUSE_OPT_KEY("--version", KEY_VERSION);
	t[n++] = (struct fuse_opt)FUSE_OPT_KEY("max_threads=", KEY_THREADS);
	for (i = 0; i < ARRAY_LEN(fuse_words); i++)
		t[n++] = (struct fuse_opt)FUSE_OPT_KEY(fuse_words[i], KEY_PASS);
	for (i = 0; i < ARRAY_LEN(mount_words); i++)
		t[n++] = (struct fuse_opt)FUSE_OPT_KEY(mount_words[i],
						       KEY_IGNORE);
	t[n++] = (struct fuse_opt)FUSE_OPT_END;
	assert(n == NR_TEMPLATES);
}

static unsigned int default_threads(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned long n;

	if (cpus < 1)
		cpus = 1;
	n = (unsigned long)cpus * THREADS_PER_CPU;
	if (n < MIN_THREADS)
		n = MIN_THREADS;
	if (n > 1024)
		n = 1024;
	return (unsigned int)n;
}

static void print_help(void)
{
	char backends[256];
	size_t i;

	list_backends(backends, sizeof(backends));
	printf("usage: zpoolfs [options] [source] mountpoint\n"
	       "\n"
	       "A compressed tmpfs: files live in memory as compressed 4 KiB "
	       "pages.\n"
	       "source is the name /proc/mounts shows (default: zpoolfs).\n"
	       "\n"
	       "zpoolfs options:\n");
	for (i = 0; i < NR_OPTIONS; i++)
		printf("    %-27s %s\n", zpoolfs_options[i].usage,
		       zpoolfs_options[i].help);
	printf("\n"
	       "Back ends built in: %s. Compressors: %s.\n"
	       "Sizes take k, m, g, t (powers of 1024); size= also takes %% "
	       "of RAM.\n"
	       "default_permissions is always on. The options mount(8) "
	       "adds (rw, nodev,\n"
	       "nosuid, noexec, noatime, auto, nofail, _netdev, x-*, ...) "
	       "are accepted.\n"
	       "Without -o max_threads, zpoolfs runs up to %u threads.\n"
	       "\n"
	       "FUSE options:\n",
	       backends, zpfs_codec_list(), default_threads());
	fflush(stdout);
	fuse_cmdline_help();
	fuse_lowlevel_help();
}

static void print_version(void)
{
	printf("zpoolfs %s\n", VERSION);
	printf("FUSE library version %s\n", fuse_pkgversion());
}

/* Whether "NAME:LEVEL" names a compressor (with a bad level, then). */
static bool known_compressor(const char *spec)
{
	const struct zpfs_codec *codec;
	const char *colon = strchr(spec, ':');
	char name[32];
	int level;

	if (!colon || (size_t)(colon - spec) >= sizeof(name))
		return false;
	memcpy(name, spec, (size_t)(colon - spec));
	name[colon - spec] = '\0';
	return zpfs_codec_find(name, &codec, &level) == 0;
}

/*
 * An option of two values, @dflt or @other: *@is_other says which (unset
 * means @dflt). Prints the error line for anything else.
 */
static int two_way(bool *is_other, const char *name, const char *value,
		   const char *dflt, const char *other)
{
	*is_other = value && !strcmp(value, other);
	if (value && !*is_other && strcmp(value, dflt)) {
		print_error("bad %s '%s' (expected %s or %s)", name, value,
			dflt, other);
		return -1;
	}
	return 0;
}

/*
 * Turn the option strings into the figures of @cfg. Prints the one error
 * line. Return: 0, or -1.
 */
static int check_config(struct zpfs_config *cfg)
{
	const struct zpfs_codec *codec;
	uint64_t ram = ram_bytes();
	char list[256];
	unsigned int id;
	int level;
	int ret;

	if (!zpool_has_pool(cfg->backend)) {
		list_backends(list, sizeof(list));
		print_error("unknown back end '%s' (available: %s)", cfg->backend,
			list);
		return -1;
	}

	if (zpfs_codec_find(cfg->compressor, &codec, &level)) {
		if (known_compressor(cfg->compressor))
			print_error("bad level in compressor '%s'",
				cfg->compressor);
		else
			print_error("unknown compressor '%s' (available: %s)",
				cfg->compressor, zpfs_codec_list());
		return -1;
	}

	if (cfg->size) {
		ret = parse_size(cfg->size, ram, &cfg->mem_limit);
		if (ret) {
			print_error("bad size '%s': %s (expected N[k|m|g|t|%%])",
				cfg->size, ret == -ERANGE ? "too large" :
				ret == -EDOM ? "must be more than 0" :
				"malformed");
			return -1;
		}
	} else {
		cfg->mem_limit = ram / 100 * DEFAULT_SIZE_PERCENT;
		cfg->mem_limit &= ~(uint64_t)(ZPFS_PAGE_SIZE - 1);
		if (cfg->mem_limit == 0) {
			print_error("cannot find the size of RAM; give size=");
			return -1;
		}
	}

	if (cfg->nr_inodes) {
		ret = parse_count(cfg->nr_inodes, &cfg->max_inodes);
		if (ret) {
			print_error("bad nr_inodes '%s': %s (expected N[k|m|g])",
				cfg->nr_inodes,
				ret == -ERANGE ? "too large" : "malformed");
			return -1;
		}
	} else {
		/* tmpfs: half the pages of RAM */
		cfg->max_inodes = ram / ZPFS_PAGE_SIZE / 2;
	}

	cfg->root_mode = DEFAULT_ROOT_MODE;
	if (cfg->mode && parse_mode(cfg->mode, &cfg->root_mode)) {
		print_error("bad mode '%s' (expected octal, at most 7777)",
			cfg->mode);
		return -1;
	}

	cfg->root_uid = getuid();
	if (cfg->uid) {
		ret = parse_id(cfg->uid, &id, false);
		if (ret) {
			print_error("bad uid '%s': %s", cfg->uid,
				ret == -ENOENT ? "no such user" :
						 "not a valid user id");
			return -1;
		}
		cfg->root_uid = (uid_t)id;
	}
	cfg->root_gid = getgid();
	if (cfg->gid) {
		ret = parse_id(cfg->gid, &id, true);
		if (ret) {
			print_error("bad gid '%s': %s", cfg->gid,
				ret == -ENOENT ? "no such group" :
						 "not a valid group id");
			return -1;
		}
		cfg->root_gid = (gid_t)id;
	}

	if (two_way(&cfg->direct_io, "cache", cfg->cache, "auto", "none") ||
	    two_way(&cfg->no_uring, "uring", cfg->uring, "auto", "off"))
		return -1;
	return 0;
}

/* Make the mount point absolute (we chdir("/") in the background) and
 * check that it is a directory. Prints the one error line. */
static char *check_mountpoint(const char *path)
{
	struct stat st;
	char *abs;

	abs = realpath(path, NULL);
	if (!abs) {
		print_error("bad mount point '%s': %s", path, strerror(errno));
		return NULL;
	}
	if (stat(abs, &st)) {
		print_error("bad mount point '%s': %s", path, strerror(errno));
		free(abs);
		return NULL;
	}
	if (!S_ISDIR(st.st_mode)) {
		print_error("bad mount point '%s': %s", path, strerror(ENOTDIR));
		free(abs);
		return NULL;
	}
	return abs;
}

/* The options zpoolfs always gives libfuse; the user's come after them
 * (the last fsname= or subtype= wins). Return: 0, or -1 (no memory). */
static int add_fixed_options(struct fuse_args *args, const char *source)
{
	static const char fsname[] = "fsname=";
	char *opts = NULL;
	char *name;
	int ret;

	name = malloc(sizeof(fsname) + strlen(source));
	if (!name)
		return -1;
	strcpy(name, fsname);
	strcat(name, source);
	ret = fuse_opt_add_opt(&opts, "-osubtype=zpoolfs,default_permissions");
	if (!ret)
		ret = fuse_opt_add_opt_escaped(&opts, name);
	if (!ret)
		ret = fuse_opt_insert_arg(args, 1, opts);
	free(opts);
	free(name);
	return ret;
}

/* Decision 11: ask the OOM killer to take something else first. */
static void protect_from_oom(void)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return;
	/* EACCES without CAP_SYS_RESOURCE: fine, keep the default. */
	n = write(fd, OOM_SCORE_ADJ, strlen(OOM_SCORE_ADJ));
	(void)n;
	close(fd);
}

static void free_cmdline(struct cmdline *cl)
{
	struct zpfs_config *cfg = &cl->cfg;

	free(cfg->backend);
	free(cfg->compressor);
	free(cfg->size);
	free(cfg->nr_inodes);
	free(cfg->mode);
	free(cfg->uid);
	free(cfg->gid);
	free(cfg->cache);
	free(cfg->uring);
	free(cl->nonopt[0]);
	free(cl->nonopt[1]);
}

/* ------------------------------------------------------------------------
 * main
 * ------------------------------------------------------------------------ */

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

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_opt templates[NR_TEMPLATES];
	struct fuse_cmdline_opts opts;
	struct fuse_session *se = NULL;
	struct zpfs_fs *fs = NULL;
	struct cmdline cl;
	char *mountpoint = NULL;
	const char *source;
	unsigned int threads;
	int status = 1;
	int ret;

	memset(&cl, 0, sizeof(cl));
	memset(&opts, 0, sizeof(opts));
	fuse_set_log_func(log_func);
	build_templates(templates);

	if (fuse_opt_parse(&args, &cl, templates, opt_proc) == -1)
		goto out_free_args;
	if (cl.show_help) {
		print_help();
		status = 0;
		goto out_free_args;
	}
	if (cl.show_version) {
		print_version();
		status = 0;
		goto out_free_args;
	}

	if (cl.nr_nonopt == 0) {
		print_error("no mount point given (usage: zpoolfs [options] "
			"[source] mountpoint)");
		goto out_free_args;
	}
	source = cl.nr_nonopt == 2 ? cl.nonopt[0] : DEFAULT_SOURCE;
	mountpoint = check_mountpoint(cl.nonopt[cl.nr_nonopt - 1]);
	if (!mountpoint)
		goto out_free_args;

	if (!cl.cfg.backend)
		cl.cfg.backend = strdup(DEFAULT_BACKEND);
	if (!cl.cfg.compressor)
		cl.cfg.compressor = strdup(DEFAULT_COMPRESSOR);
	if (!cl.cfg.backend || !cl.cfg.compressor) {
		print_error("out of memory");
		goto out_free_args;
	}
	if (check_config(&cl.cfg))
		goto out_free_args;

	if (add_fixed_options(&args, source)) {
		print_error("out of memory");
		goto out_free_args;
	}
	if (fuse_parse_cmdline(&args, &opts) == -1)
		goto out_free_args;
	threads = cl.threads_given ? opts.max_threads : default_threads();

	fs = zpfs_fs_create(&cl.cfg);
	if (!fs) {
		if (errno == ENODEV)
			print_error("cannot create a '%s' pool: %s",
				cl.cfg.backend, strerror(errno));
		else
			print_error("cannot create the filesystem: %s",
				strerror(errno));
		goto out_free_args;
	}

	se = fuse_session_new(&args, &zpfs_ops, sizeof(zpfs_ops), fs);
	if (!se)
		goto out_destroy_fs;
	if (fuse_set_signal_handlers(se))
		goto out_destroy_session;
	if (fuse_session_mount(se, mountpoint))
		goto out_remove_handlers;
	zpfs_wire_thread_buffers(zpfs_file_buffer_dirty,
				 zpfs_file_buffer_release);
	ret = zpfs_wire_attach(se, mountpoint,
			       (fs->cfg.direct_io ? ZPFS_WIRE_DIRECT_IO : 0) |
			       (fs->cfg.no_uring || opts.singlethread ?
					0 : ZPFS_WIRE_URING));
	if (ret)
		fuse_log(FUSE_LOG_DEBUG, "zpoolfs: no custom transport: %s\n",
			 strerror(-ret));

	protect_from_oom();
	if (fuse_daemonize(opts.foreground)) {
		print_error("cannot go to the background");
		goto out_unmount;
	}
	if (!opts.foreground) {
		start_syslog();
		syslog(LOG_INFO, "%s mounted: backend=%s,compressor=%s,size=%lluk",
		       mountpoint, fs->cfg.backend, fs->cfg.compressor,
		       (unsigned long long)(fs->cfg.mem_limit >> 10));
	}

	/*
	 * 0: the kernel ended the session (umount, fusermount3 -u);
	 * > 0: a signal asked us to stop; < 0: an error.
	 */
	ret = run_session(se, &opts, threads);
	zpfs_wire_detach();
	status = ret < 0 ? 1 : 0;
	if (ret < 0)
		print_error("session ended: %s", strerror(-ret));

out_unmount:
	fuse_session_unmount(se);
out_remove_handlers:
	fuse_remove_signal_handlers(se);
out_destroy_session:
	fuse_session_destroy(se);
out_destroy_fs:
	zpfs_fs_destroy(fs);
out_free_args:
	free(mountpoint);
	free(opts.mountpoint);
	free_cmdline(&cl);
	fuse_opt_free_args(&args);
	return status;
}
