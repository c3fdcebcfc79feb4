/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zpoolfs_stat.c - zpoolfs-stat: the figures of zpoolfs mounts and files,
 * as a table a person reads at a glance (like zramctl) or as JSON.
 *
 *   zpoolfs-stat [--json] [--bytes] [--pool] [MOUNTPOINT|FILE ...]
 *   zpoolfs-stat --compact [MOUNTPOINT ...]
 *
 * The daemon publishes its figures as read-only extended attributes
 * (stats.c): the pool-wide ones on the mount root, each file's own on the
 * file. This program only reads them with getxattr(2), so it needs no
 * privileges and no private header; the attribute names are the stable
 * interface documented in zpoolfs(8).
 *
 * Without arguments it lists every mount of type fuse.zpoolfs in
 * /proc/self/mountinfo. An argument is looked up by its device number in
 * the same table, so that a path that is not on a zpoolfs mount is a clear
 * error rather than a missing attribute.
 *
 * Sizes are human-readable (B, K, M, G, T with one decimal, powers of
 * 1024) unless --bytes is given; JSON always carries plain numbers.
 *
 * The back end's own figures (user.zpoolfs.pool_stats, "key value" lines)
 * are printed below the table with --pool, and are always in the JSON, as
 * the object "pool" of each mount. --compact sets the one control,
 * user.zpoolfs.compact, on each mount root and prints the pages that
 * compaction freed (the growth of user.zpoolfs.compacted_pages); the
 * daemon's kernel-side permission check applies (the root's owner, or
 * root, on the default sticky root).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#define XATTR_PREFIX	"user.zpoolfs."
#define FSTYPE		"fuse.zpoolfs"

/* ------------------------------------------------------------------------
 * Structures
 * ------------------------------------------------------------------------ */

/* The numbers on a mount root, in --json order. */
static const char *const pool_keys[] = {
	"logical_bytes", "compr_bytes", "mem_used", "mem_limit",
	"same_pages", "comp_pages", "raw_pages", "pool_pages", "meta_bytes",
	"nospc", "inodes", "max_inodes", "compacted_pages",
};
enum {
	P_LOGICAL, P_COMPR, P_MEM, P_LIMIT, P_SAME, P_COMP, P_RAW, P_POOL,
	P_META, P_NOSPC, P_INODES, P_MAX_INODES, P_COMPACTED, NR_POOL_KEYS
};

/* The numbers on a regular file, in --json order. */
static const char *const file_keys[] = {
	"logical_bytes", "stored_bytes", "compr_bytes",
	"same_pages", "comp_pages", "raw_pages",
};
enum {
	F_LOGICAL, F_STORED, F_COMPR, F_SAME, F_COMP, F_RAW, NR_FILE_KEYS
};

_Static_assert(sizeof(pool_keys) / sizeof(pool_keys[0]) == NR_POOL_KEYS,
	       "pool keys");
_Static_assert(sizeof(file_keys) / sizeof(file_keys[0]) == NR_FILE_KEYS,
	       "file keys");

struct record {
	char *path;
	bool is_pool;
	char backend[64];
	char compressor[64];
	char transport[16];		/* "" from a daemon without it */
	uint64_t val[NR_POOL_KEYS];	/* NR_FILE_KEYS used for a file */
	char *pool_stats;		/* "key value" lines, NULL: a file */
};

/* A table being built: every cell as text, widths found at the end. */
#define MAX_COLS	11

struct table {
	int nr_cols;
	const char *const *heads;
	const bool *left;		/* left-aligned columns */
	char **cells;			/* rows * nr_cols */
	int rows;
};

static bool opt_json;
static bool opt_bytes;
static bool opt_pool;

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

static void __attribute__((format(printf, 1, 2))) error_msg(const char *fmt,
							    ...)
{
	va_list ap;

	fputs("zpoolfs-stat: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p) {
		error_msg("out of memory");
		exit(1);
	}
	return p;
}

static char *xstrdup(const char *s)
{
	char *p = xmalloc(strlen(s) + 1);

	return strcpy(p, s);
}

/* Undo the octal escapes of /proc/self/mountinfo (\040 for a space...). */
static void unescape(char *s)
{
	char *d = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
				      (s[3] - '0'));
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
}

/*
 * One line of mountinfo: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS] -
 * FSTYPE SOURCE SUPEROPTS". Return: true and the fields for a valid line.
 */
static bool split_mountinfo(char *line, unsigned int *maj, unsigned int *min,
			    char **mnt, char **fstype)
{
	char *field[6];
	char *save = NULL;
	char *tok;
	int i;

	for (i = 0; i < 6; i++) {
		field[i] = strtok_r(i ? NULL : line, " \n", &save);
		if (!field[i])
			return false;
	}
	if (sscanf(field[2], "%u:%u", maj, min) != 2)
		return false;
	while ((tok = strtok_r(NULL, " \n", &save)) && strcmp(tok, "-") != 0)
		;
	if (!tok)
		return false;
	*fstype = strtok_r(NULL, " \n", &save);
	if (!*fstype)
		return false;
	*mnt = field[4];
	unescape(*mnt);
	return true;
}

/*
 * Walk /proc/self/mountinfo. With @dev, find the mount that holds it and
 * return its fstype (caller frees) in *@fstype; without, call @each for
 * every zpoolfs mount point. Return: 0, or -errno.
 */
static int scan_mounts(const dev_t *dev, char **fstype,
		       void (*each)(const char *mnt, void *arg), void *arg)
{
	unsigned int maj, min;
	char *line = NULL;
	size_t cap = 0;
	char *mnt, *type;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		if (!split_mountinfo(line, &maj, &min, &mnt, &type))
			continue;
		if (dev) {
			/* The last match wins: it is the one on top. */
			if (makedev(maj, min) == *dev) {
				free(*fstype);
				*fstype = xstrdup(type);
			}
		} else if (strcmp(type, FSTYPE) == 0) {
			each(mnt, arg);
		}
	}
	free(line);
	fclose(f);
	return 0;
}

/* Read one attribute as text. Return: 0, or -errno. */
static int read_attr(const char *path, const char *key, char *buf,
		     size_t cap)
{
	char name[96];
	ssize_t n;

	snprintf(name, sizeof(name), XATTR_PREFIX "%s", key);
	n = getxattr(path, name, buf, cap - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static int read_number(const char *path, const char *key, uint64_t *val)
{
	char buf[32];
	char *end;
	int ret;

	ret = read_attr(path, key, buf, sizeof(buf));
	if (ret)
		return ret;
	errno = 0;
	*val = strtoull(buf, &end, 10);
	if (errno || end == buf || *end)
		return -EINVAL;
	return 0;
}

/*
 * Read an attribute of any length as a NUL-terminated string (caller
 * frees *@out). The value may grow between asking for its length and
 * reading it: try again then. Return: 0, or -errno.
 */
static int read_text(const char *path, const char *key, char **out)
{
	char name[96];
	ssize_t n, got;
	char *buf;
	int tries;

	snprintf(name, sizeof(name), XATTR_PREFIX "%s", key);
	for (tries = 0; tries < 8; tries++) {
		n = getxattr(path, name, NULL, 0);
		if (n < 0)
			return -errno;
		/* room to spare for a few more lines */
		buf = xmalloc((size_t)n + 4096 + 1);
		got = getxattr(path, name, buf, (size_t)n + 4096);
		if (got >= 0) {
			buf[got] = '\0';
			*out = buf;
			return 0;
		}
		free(buf);
		if (errno != ERANGE)
			return -errno;
	}
	return -ERANGE;
}

/*
 * Fill @rec for @path: a mount root gets the pool figures, a regular file
 * its own. Prints the error. Return: 0, or -1.
 */
static int load_record(const char *path, struct record *rec)
{
	const char *const *keys;
	char *fstype = NULL;
	struct stat st;
	int i, n, ret;

	memset(rec, 0, sizeof(*rec));
	if (stat(path, &st)) {
		error_msg("%s: %s", path, strerror(errno));
		return -1;
	}
	ret = scan_mounts(&st.st_dev, &fstype, NULL, NULL);
	if (ret) {
		error_msg("cannot read /proc/self/mountinfo: %s",
			  strerror(-ret));
		return -1;
	}
	if (!fstype || strcmp(fstype, FSTYPE) != 0) {
		error_msg("%s: not on a zpoolfs mount", path);
		free(fstype);
		return -1;
	}
	free(fstype);

	ret = read_attr(path, "backend", rec->backend, sizeof(rec->backend));
	if (ret == 0) {
		rec->is_pool = true;
		ret = read_attr(path, "compressor", rec->compressor,
				sizeof(rec->compressor));
		if (ret == 0 && read_attr(path, "transport", rec->transport,
					  sizeof(rec->transport)))
			rec->transport[0] = '\0';
		keys = pool_keys;
		n = NR_POOL_KEYS;
	} else if (S_ISREG(st.st_mode)) {
		ret = 0;
		keys = file_keys;
		n = NR_FILE_KEYS;
	} else if (ret == -ENODATA) {
		error_msg("%s: neither a mount point nor a regular file", path);
		return -1;
	} else {
		error_msg("%s: %s", path, strerror(-ret));
		return -1;
	}
	for (i = 0; i < n && ret == 0; i++)
		ret = read_number(path, keys[i], &rec->val[i]);
	if (ret == 0 && rec->is_pool)
		ret = read_text(path, "pool_stats", &rec->pool_stats);
	if (ret) {
		error_msg("%s: cannot read the figures: %s", path,
			  strerror(-ret));
		return -1;
	}
	rec->path = xstrdup(path);
	return 0;
}

/* ------------------------------------------------------------------------
 * Output
 * ------------------------------------------------------------------------ */

static void fmt_size(char *buf, size_t cap, uint64_t v)
{
	static const char units[] = "KMGTPE";
	double d = (double)v;
	int i = -1;

	if (opt_bytes || v < 1024) {
		snprintf(buf, cap, opt_bytes ? "%" PRIu64 : "%" PRIu64 "B", v);
		return;
	}
	/* one decimal; 1023.96K prints as 1.0M, not 1024.0K */
	while (d >= 1023.95 && i < 5) {
		d /= 1024;
		i++;
	}
	snprintf(buf, cap, "%.1f%c", d, units[i]);
}

static void fmt_count(char *buf, size_t cap, uint64_t v)
{
	snprintf(buf, cap, "%" PRIu64, v);
}

/* @num / @den with 2 decimals, "-" when @den is 0. */
static void fmt_ratio(char *buf, size_t cap, uint64_t num, uint64_t den)
{
	if (den == 0)
		snprintf(buf, cap, "-");
	else
		snprintf(buf, cap, "%.2f", (double)num / (double)den);
}

static void table_add(struct table *t, char **row)
{
	size_t n = (size_t)(t->rows + 1) * (size_t)t->nr_cols;
	char **cells = realloc(t->cells, n * sizeof(*cells));

	if (!cells) {
		error_msg("out of memory");
		exit(1);
	}
	memcpy(cells + (size_t)t->rows * (size_t)t->nr_cols, row,
	       (size_t)t->nr_cols * sizeof(*row));
	t->cells = cells;
	t->rows++;
}

static void table_print(struct table *t)
{
	int width[MAX_COLS];
	int c, r, w;

	for (c = 0; c < t->nr_cols; c++) {
		width[c] = (int)strlen(t->heads[c]);
		for (r = 0; r < t->rows; r++) {
			w = (int)strlen(t->cells[r * t->nr_cols + c]);
			if (w > width[c])
				width[c] = w;
		}
	}
	for (r = -1; r < t->rows; r++) {
		for (c = 0; c < t->nr_cols; c++) {
			const char *s = r < 0 ? t->heads[c] :
					t->cells[r * t->nr_cols + c];
			bool last = c == t->nr_cols - 1;

			if (t->left[c])
				printf("%-*s", last ? 0 : width[c], s);
			else
				printf("%*s", width[c], s);
			fputs(last ? "\n" : " ", stdout);
		}
	}
	for (r = 0; r < t->rows * t->nr_cols; r++)
		free(t->cells[r]);
	free(t->cells);
	t->cells = NULL;
	t->rows = 0;
}

#define CELL(fmt, ...) ({						\
	char *cell_ = xmalloc(32);					\
	fmt(cell_, 32, __VA_ARGS__);					\
	cell_;								\
})

static void add_pool_row(struct table *t, const struct record *rec)
{
	const uint64_t *v = rec->val;
	char *row[] = {
		xstrdup(rec->path),
		xstrdup(rec->backend),
		xstrdup(rec->compressor),
		CELL(fmt_size, v[P_LOGICAL]),
		CELL(fmt_size, v[P_COMPR]),
		CELL(fmt_size, v[P_MEM]),
		CELL(fmt_size, v[P_LIMIT]),
		CELL(fmt_ratio, v[P_LOGICAL], v[P_MEM]),
		CELL(fmt_count, v[P_SAME]),
		CELL(fmt_count, v[P_RAW]),
		CELL(fmt_count, v[P_POOL]),
	};

	table_add(t, row);
}

static void add_file_row(struct table *t, const struct record *rec)
{
	const uint64_t *v = rec->val;
	char *row[] = {
		xstrdup(rec->path),
		CELL(fmt_size, v[F_LOGICAL]),
		CELL(fmt_size, v[F_STORED]),
		CELL(fmt_size, v[F_COMPR]),
		CELL(fmt_ratio, v[F_STORED], v[F_COMPR]),
		CELL(fmt_count, v[F_SAME]),
		CELL(fmt_count, v[F_COMP]),
		CELL(fmt_count, v[F_RAW]),
	};

	table_add(t, row);
}

/*
 * Next "key value" line of @text from *@pos: the key (up to @cap - 1
 * characters) in @key, the number in *@val. Return: false at the end.
 */
static bool next_pool_line(const char *text, size_t *pos, char *key,
			   size_t cap, uint64_t *val)
{
	const char *line, *sp, *nl;
	char *end;

	while (text[*pos]) {
		line = text + *pos;
		nl = strchr(line, '\n');
		if (!nl)
			nl = line + strlen(line);
		*pos = (size_t)(nl - text) + (*nl ? 1 : 0);
		sp = memchr(line, ' ', (size_t)(nl - line));
		if (!sp || (size_t)(sp - line) >= cap)
			continue;
		memcpy(key, line, (size_t)(sp - line));
		key[sp - line] = '\0';
		*val = strtoull(sp + 1, &end, 10);
		if (end == sp + 1 || end != nl)
			continue;
		return true;
	}
	return false;
}

/* --pool: every mount's back-end figures, one "key value" per line. */
static void print_pool_stats(const struct record *recs, int n)
{
	char key[80];
	uint64_t val;
	size_t pos;
	int i, w;

	for (i = 0; i < n; i++) {
		if (!recs[i].is_pool)
			continue;
		printf("\n%s: %s\n", recs[i].path, recs[i].backend);
		w = 0;
		pos = 0;
		while (next_pool_line(recs[i].pool_stats, &pos, key,
				      sizeof(key), &val))
			if ((int)strlen(key) > w)
				w = (int)strlen(key);
		pos = 0;
		while (next_pool_line(recs[i].pool_stats, &pos, key,
				      sizeof(key), &val))
			printf("  %-*s %" PRIu64 "\n", w, key, val);
	}
}

static void print_tables(const struct record *recs, int n)
{
	static const char *const pool_heads[] = {
		"MOUNTPOINT", "BACKEND", "COMP", "DATA", "COMPR", "MEM",
		"LIMIT", "RATIO", "SAME", "RAW", "POOL",
	};
	static const bool pool_left[MAX_COLS] = { true, true, true };
	static const char *const file_heads[] = {
		"FILE", "SIZE", "DATA", "COMPR", "RATIO", "SAME", "COMP",
		"RAW",
	};
	static const bool file_left[MAX_COLS] = { true };
	struct table pools = { 11, pool_heads, pool_left, NULL, 0 };
	struct table files = { 8, file_heads, file_left, NULL, 0 };
	int i;

	for (i = 0; i < n; i++) {
		if (recs[i].is_pool)
			add_pool_row(&pools, &recs[i]);
		else
			add_file_row(&files, &recs[i]);
	}
	if (pools.rows)
		table_print(&pools);
	if (pools.rows && files.rows)
		putchar('\n');
	if (files.rows)
		table_print(&files);
	if (opt_pool)
		print_pool_stats(recs, n);
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void json_ratio(uint64_t num, uint64_t den)
{
	if (den == 0)
		fputs("null", stdout);
	else
		printf("%.2f", (double)num / (double)den);
}

/* The back end's figures as the object "pool" of a mount. */
static void json_pool(const char *text)
{
	const char *sep = "";
	char key[80];
	uint64_t val;
	size_t pos = 0;

	fputs(", \"pool\": {", stdout);
	while (next_pool_line(text, &pos, key, sizeof(key), &val)) {
		printf("%s", sep);
		json_string(key);
		printf(": %" PRIu64, val);
		sep = ", ";
	}
	putchar('}');
}

static void print_json(const struct record *recs, int n)
{
	int i, k;

	putchar('[');
	for (i = 0; i < n; i++) {
		const struct record *r = &recs[i];

		printf("%s\n  {", i ? "," : "");
		if (r->is_pool) {
			fputs("\"mountpoint\": ", stdout);
			json_string(r->path);
			fputs(", \"backend\": ", stdout);
			json_string(r->backend);
			fputs(", \"compressor\": ", stdout);
			json_string(r->compressor);
			fputs(", \"transport\": ", stdout);
			json_string(r->transport);
			for (k = 0; k < NR_POOL_KEYS; k++)
				printf(", \"%s\": %" PRIu64, pool_keys[k],
				       r->val[k]);
			fputs(", \"ratio\": ", stdout);
			json_ratio(r->val[P_LOGICAL], r->val[P_MEM]);
			json_pool(r->pool_stats);
		} else {
			fputs("\"file\": ", stdout);
			json_string(r->path);
			for (k = 0; k < NR_FILE_KEYS; k++)
				printf(", \"%s\": %" PRIu64, file_keys[k],
				       r->val[k]);
			fputs(", \"ratio\": ", stdout);
			json_ratio(r->val[F_STORED], r->val[F_COMPR]);
		}
		putchar('}');
	}
	puts(n ? "\n]" : "]");
}

/* ------------------------------------------------------------------------
 * main
 * ------------------------------------------------------------------------ */

struct record_list {
	struct record *recs;
	int n;
	int failed;
};

static void add_path(const char *path, void *arg)
{
	struct record_list *l = arg;
	struct record *recs;

	recs = realloc(l->recs, (size_t)(l->n + 1) * sizeof(*recs));
	if (!recs) {
		error_msg("out of memory");
		exit(1);
	}
	l->recs = recs;
	if (load_record(path, &recs[l->n]))
		l->failed++;
	else
		l->n++;
}

/*
 * --compact on one mount (loaded by load_record()): set the control, then
 * print how much compacted_pages grew. Return: 0, or -1 with the error
 * printed.
 */
static int compact_mount(const struct record *rec)
{
	uint64_t before = rec->val[P_COMPACTED], now;
	char freed[32];
	int ret;

	if (!rec->is_pool) {
		error_msg("%s: not a mount point; --compact takes mount points",
			  rec->path);
		return -1;
	}
	if (setxattr(rec->path, XATTR_PREFIX "compact", "1", 1, 0)) {
		error_msg("%s: cannot compact: %s", rec->path,
			  strerror(errno));
		return -1;
	}
	ret = read_number(rec->path, "compacted_pages", &now);
	if (ret) {
		error_msg("%s: cannot read compacted_pages: %s", rec->path,
			  strerror(-ret));
		return -1;
	}
	now = now >= before ? now - before : 0;
	fmt_size(freed, sizeof(freed), now * 4096);
	printf("%s: %" PRIu64 " pages freed (%s)\n", rec->path, now, freed);
	return 0;
}

static void usage(FILE *out)
{
	fputs("usage: zpoolfs-stat [--json] [--bytes] [--pool] "
	      "[MOUNTPOINT|FILE ...]\n"
	      "       zpoolfs-stat --compact [MOUNTPOINT ...]\n"
	      "\n"
	      "Print the figures of zpoolfs mounts (every one mounted, by "
	      "default)\n"
	      "and of files on them.\n"
	      "\n"
	      "  -j, --json     one JSON array, plain numbers (with the "
	      "back end's\n"
	      "                 figures as \"pool\" of each mount)\n"
	      "  -b, --bytes    sizes in bytes, not K, M, G\n"
	      "  -p, --pool     also the back end's own figures of each "
	      "mount\n"
	      "  -c, --compact  compact each mount's pool now; print the "
	      "pages freed\n"
	      "  -h, --help     print this help\n"
	      "  -V, --version  print the version\n"
	      "\n"
	      "Mount columns: DATA data held (holes excluded), COMPR its "
	      "compressed size,\n"
	      "MEM memory used, LIMIT size=, RATIO DATA/MEM, SAME same-filled "
	      "pages,\n"
	      "RAW incompressible pages, POOL pages of the zpool back end.\n"
	      "File columns: SIZE st_size, DATA pages held x 4096, COMPR "
	      "their compressed\n"
	      "size, RATIO DATA/COMPR, SAME, COMP and RAW pages of each "
	      "kind.\n", out);
}

int main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "bytes", no_argument, NULL, 'b' },
		{ "pool", no_argument, NULL, 'p' },
		{ "compact", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct record_list list = { NULL, 0, 0 };
	bool compact = false;
	int c, i, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "jbpchV", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			opt_pool = true;
			break;
		case 'c':
			compact = true;
			break;
		case 'j':
			opt_json = true;
			break;
		case 'b':
			opt_bytes = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("zpoolfs-stat %s\n", VERSION);
			return 0;
		default:
			if (optopt)
				error_msg("unknown option '-%c' (see "
					  "zpoolfs-stat --help)", optopt);
			else
				error_msg("unknown option '%s' (see "
					  "zpoolfs-stat --help)",
					  argv[optind - 1]);
			return 1;
		}
	}

	if (optind == argc) {
		ret = scan_mounts(NULL, NULL, add_path, &list);
		if (ret) {
			error_msg("cannot read /proc/self/mountinfo: %s",
				  strerror(-ret));
			return 1;
		}
	}
	for (i = optind; i < argc; i++)
		add_path(argv[i], &list);

	if (compact) {
		for (i = 0; i < list.n; i++)
			if (compact_mount(&list.recs[i]))
				list.failed++;
	} else if (opt_json)
		print_json(list.recs, list.n);
	else
		print_tables(list.recs, list.n);

	for (i = 0; i < list.n; i++) {
		free(list.recs[i].path);
		free(list.recs[i].pool_stats);
	}
	free(list.recs);
	return list.failed ? 1 : 0;
}
