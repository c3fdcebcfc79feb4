/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * randops.c - zpfs-randops, the seeded random-operation checker.
 *
 *	zpfs-randops [--seed N] [--ops N] [--max-off BYTES] FILE_A FILE_B
 *
 * Applies one stream of random operations to two files at once, FILE_A on
 * the filesystem under test (zpoolfs) and FILE_B on a reference (tmpfs),
 * and requires both to answer alike: every return value, every errno, every
 * byte read, st_size after each size change, and finally the whole
 * contents. The stream is a pure function of the seed, so a failure is
 * replayed with the seed printed at the start and in the failure message.
 *
 * Operations, drawn with fixed weights:
 *
 *	pwrite		offset mostly within the first few MiB (where writes
 *			overlap, patch partial pages and cross page
 *			boundaries), sometimes up to --max-off beyond (sparse
 *			files, holes between extents); 1 byte to 300 KiB of
 *			compressible text, random bytes, zeros or a repeated
 *			8-byte word (the four kinds of page zpoolfs stores)
 *	pread		random offset and size, also past the end of the file
 *	ftruncate	down (cuts a page in the middle, drops pages) or up
 *			(the grown part must read as zeros)
 *	fsync		both files
 *	drop cache	posix_fadvise(DONTNEED) on both, so that later reads
 *			come from the filesystem and not the page cache
 *
 * Reading back the whole of a file that grew to many GiB through holes
 * would take minutes, so the final check compares every byte range that
 * was ever written (the model keeps their union, merged, as a sorted list
 * of extents: a truncated-away range that the file grows back over must
 * read as zeros, so ranges are never removed), one sample in every other
 * gap, and the last byte of each file.
 *
 * Exit status: 0 when both files agree, 1 on the first difference, 2 on a
 * usage or setup error. Plain C, no project headers: the checker must not
 * share code (or bugs) with what it checks.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define KIB		1024ULL
#define MIB		(1024ULL * KIB)
#define GIB		(1024ULL * MIB)

/*
 * NEAR_RANGE: most offsets fall below this, so that operations overlap
 * each other often. Larger spreads the data thin and tests little but
 * the page map; smaller rarely crosses into a second radix-tree node.
 */
#define NEAR_RANGE	(4 * MIB)
/* The longest write or read: 75 pages, not aligned, over FUSE's 128 KiB. */
#define MAX_IO		(300 * KIB)
/* Default for --max-off: far offsets go up to here (sparse files). */
#define DEFAULT_FAR	(16 * GIB)
#define DEFAULT_OPS	2000

static const char *prog = "zpfs-randops";
static uint64_t seed;
static unsigned long op_nr;
static const char *path_a, *path_b;

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

/* splitmix64: tiny, seedable with any value, good enough for test data. */
static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A number in [0, n); n > 0. */
static uint64_t rnd_below(uint64_t n)
{
	return rnd() % n;
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2),
						      noreturn));

static void fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: FAIL seed %" PRIu64 " op %lu: ", prog, seed,
		op_nr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s: replay with: %s --seed %" PRIu64 " ...\n",
		prog, prog, seed);
	exit(1);
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2),
						     noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(2);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

/* "ok" or the errno's name-ish text, for messages. */
static const char *res_str(ssize_t ret, int err, char *buf, size_t len)
{
	if (ret >= 0)
		snprintf(buf, len, "%zd", ret);
	else
		snprintf(buf, len, "-1 (%s)", strerror(err));
	return buf;
}

/* Both sides must return the same value, or fail with the same errno. */
static void check_same(const char *what, ssize_t ra, int ea, ssize_t rb,
		       int eb)
{
	char sa[64], sb[64];

	if (ra == rb && (ra >= 0 || ea == eb))
		return;
	fail("%s: %s returned %s, %s returned %s", what, path_a,
	     res_str(ra, ea, sa, sizeof(sa)), path_b,
	     res_str(rb, eb, sb, sizeof(sb)));
}

/* ------------------------------------------------------------------------
 * The model: which byte ranges were ever written
 * ------------------------------------------------------------------------ */

struct extent {
	uint64_t start;
	uint64_t end;		/* exclusive */
};

static struct extent *extents;
static size_t nr_extents, cap_extents;

/* Add [start, end) to the sorted, disjoint, merged list. */
static void extent_add(uint64_t start, uint64_t end)
{
	size_t i = 0, j;

	while (i < nr_extents && extents[i].end < start)
		i++;
	/* i: first extent that ends at or after start */
	j = i;
	while (j < nr_extents && extents[j].start <= end) {
		if (extents[j].start < start)
			start = extents[j].start;
		if (extents[j].end > end)
			end = extents[j].end;
		j++;
	}
	/* extents [i, j) merge into one */
	if (i == j) {
		if (nr_extents == cap_extents) {
			cap_extents = cap_extents ? 2 * cap_extents : 64;
			extents = realloc(extents,
					  cap_extents * sizeof(*extents));
			if (!extents)
				die("out of memory");
		}
		memmove(&extents[i + 1], &extents[i],
			(nr_extents - i) * sizeof(*extents));
		nr_extents++;
	} else if (j - i > 1) {
		memmove(&extents[i + 1], &extents[j],
			(nr_extents - j) * sizeof(*extents));
		nr_extents -= j - i - 1;
	}
	extents[i].start = start;
	extents[i].end = end;
}

/* ------------------------------------------------------------------------
 * The operations
 * ------------------------------------------------------------------------ */

static int fd_a, fd_b;
static unsigned char *wbuf, *rbuf_a, *rbuf_b;
static uint64_t max_off = DEFAULT_FAR;
static uint64_t cur_size;	/* both files' size, as the model knows it */
static unsigned long nr_writes, nr_reads, nr_truncs, nr_syncs, nr_drops;
static uint64_t bytes_written, bytes_read;

static const char *const words[] = {
	"zpool ", "zbud ", "page ", "handle ", "compress ", "the ", "of ",
	"lz4 ", "buddy ", "chunk ", "\n", "0123456789 ", "mount ", "tmpfs ",
};

/* Fill wbuf[0..len), for file offset off, with one of four kinds of data. */
static const char *fill(uint64_t off, size_t len)
{
	size_t i;
	uint64_t word;

	switch (rnd_below(4)) {
	case 0:		/* compressible text */
		for (i = 0; i < len;) {
			const char *w = words[rnd_below(sizeof(words) /
							sizeof(words[0]))];
			size_t n = strlen(w);

			if (n > len - i)
				n = len - i;
			memcpy(wbuf + i, w, n);
			i += n;
		}
		return "text";
	case 1:		/* incompressible */
		for (i = 0; i < len; i++)
			wbuf[i] = (unsigned char)rnd();
		return "random";
	case 2:
		memset(wbuf, 0, len);
		return "zeros";
	default:	/* same-filled: an 8-byte word repeated in the file */
		word = rnd();
		if (rnd_below(4) == 0)
			word = 0xaaaaaaaaaaaaaaaaULL;
		for (i = 0; i < len; i++)
			wbuf[i] = (unsigned char)(word >> (8 * ((off + i) % 8)));
		return "same-filled";
	}
}

static uint64_t pick_offset(void)
{
	uint64_t r = rnd_below(100);

	if (r < 90 || max_off <= NEAR_RANGE)
		return rnd_below(NEAR_RANGE);
	if (r < 95 && cur_size > 0)	/* around the end of the file */
		return cur_size - rnd_below(cur_size < MIB ? cur_size : MIB);
	return rnd_below(max_off);
}

static size_t pick_len(void)
{
	uint64_t r = rnd_below(10);

	if (r < 4)
		return 1 + rnd_below(4 * KIB);
	if (r < 8)
		return 1 + rnd_below(64 * KIB);
	return 1 + rnd_below(MAX_IO);
}

static void compare_size(const char *what)
{
	struct stat sa, sb;

	if (fstat(fd_a, &sa))
		fail("%s: fstat %s: %s", what, path_a, strerror(errno));
	if (fstat(fd_b, &sb))
		fail("%s: fstat %s: %s", what, path_b, strerror(errno));
	if (sa.st_size != sb.st_size)
		fail("%s: st_size %s = %jd, %s = %jd", what, path_a,
		     (intmax_t)sa.st_size, path_b, (intmax_t)sb.st_size);
	if ((uint64_t)sb.st_size != cur_size)
		fail("%s: st_size %jd, expected %" PRIu64 " (reference broken?)",
		     what, (intmax_t)sb.st_size, cur_size);
}

/* Read [off, off+len) from both and compare; what says which operation. */
static void compare_range(const char *what, uint64_t off, size_t len)
{
	ssize_t ra, rb;
	int ea, eb;
	size_t i;

	ra = pread(fd_a, rbuf_a, len, (off_t)off);
	ea = errno;
	rb = pread(fd_b, rbuf_b, len, (off_t)off);
	eb = errno;
	check_same(what, ra, ea, rb, eb);
	if (ra <= 0)
		return;
	if (!memcmp(rbuf_a, rbuf_b, (size_t)ra))
		return;
	for (i = 0; i < (size_t)ra && rbuf_a[i] == rbuf_b[i]; i++)
		;
	fail("%s: pread(off=%" PRIu64 ", len=%zu) differs at file offset "
	     "%" PRIu64 " (page %" PRIu64 " + %" PRIu64 "): %s has 0x%02x, "
	     "%s has 0x%02x", what, off, len, off + i, (off + i) / 4096,
	     (off + i) % 4096, path_a, rbuf_a[i], path_b, rbuf_b[i]);
}

static void op_pwrite(void)
{
	uint64_t off = pick_offset();
	size_t len = pick_len();
	const char *kind;
	char what[128];
	ssize_t ra, rb;
	int ea, eb;

	/* A third of the writes cover whole pages: the zero, same-filled,
	 * compressed and raw pages of the store, and no read-modify-write. */
	if (rnd_below(3) == 0) {
		off &= ~4095ULL;
		len = (len + 4095) & ~(size_t)4095;
	}
	kind = fill(off, len);

	snprintf(what, sizeof(what), "pwrite(off=%" PRIu64 ", len=%zu, %s)",
		 off, len, kind);
	ra = pwrite(fd_a, wbuf, len, (off_t)off);
	ea = errno;
	rb = pwrite(fd_b, wbuf, len, (off_t)off);
	eb = errno;
	check_same(what, ra, ea, rb, eb);
	if (rb > 0) {
		extent_add(off, off + (uint64_t)rb);
		if (off + (uint64_t)rb > cur_size)
			cur_size = off + (uint64_t)rb;
		bytes_written += (uint64_t)rb;
	}
	nr_writes++;
	if (rnd_below(4) == 0)
		compare_size(what);
}

static void op_pread(void)
{
	uint64_t off;
	size_t len = pick_len();
	char what[96];

	/* Mostly where data is, sometimes anywhere. */
	if (nr_extents && rnd_below(4) != 0) {
		const struct extent *e = &extents[rnd_below(nr_extents)];

		off = e->start + rnd_below(e->end - e->start);
		if (off >= 2048 && rnd_below(2))
			off -= rnd_below(2048);	/* start before it */
	} else {
		off = pick_offset();
	}
	snprintf(what, sizeof(what), "pread(off=%" PRIu64 ", len=%zu)", off,
		 len);
	compare_range(what, off, len);
	bytes_read += len;
	nr_reads++;
}

static void op_ftruncate(void)
{
	uint64_t r = rnd_below(10), len;
	char what[64];
	int ret_a, ret_b, ea, eb;

	if (r < 5 && cur_size)			/* down */
		len = rnd_below(cur_size);
	else if (r < 8)				/* up, near */
		len = cur_size + rnd_below(2 * MIB);
	else					/* anywhere */
		len = pick_offset();
	snprintf(what, sizeof(what), "ftruncate(%" PRIu64 ") from %" PRIu64,
		 len, cur_size);
	ret_a = ftruncate(fd_a, (off_t)len);
	ea = errno;
	ret_b = ftruncate(fd_b, (off_t)len);
	eb = errno;
	check_same(what, ret_a, ea, ret_b, eb);
	if (ret_b == 0)
		cur_size = len;
	compare_size(what);
	/* Where the cut was: the rest of that page must be gone. */
	if (len > 0)
		compare_range(what, len - (len > 100 ? 100 : len), 8192);
	nr_truncs++;
}

static void op_fsync(void)
{
	int ra, rb, ea, eb;

	ra = fsync(fd_a);
	ea = errno;
	rb = fsync(fd_b);
	eb = errno;
	check_same("fsync", ra, ea, rb, eb);
	nr_syncs++;
}

static void drop_cache(void)
{
	int err;

	/* Flush first: DONTNEED leaves dirty pages in the cache. */
	if (fsync(fd_a))
		fail("fsync %s: %s", path_a, strerror(errno));
	err = posix_fadvise(fd_a, 0, 0, POSIX_FADV_DONTNEED);
	if (err)
		fail("posix_fadvise %s: %s", path_a, strerror(err));
	(void)posix_fadvise(fd_b, 0, 0, POSIX_FADV_DONTNEED);
	nr_drops++;
}

/* The final comparison: every extent ever written, and the gaps. */
static void final_check(void)
{
	uint64_t prev_end = 0, off, end;
	size_t i;
	char what[64];

	compare_size("final");
	for (i = 0; i <= nr_extents; i++) {
		uint64_t start = i < nr_extents ? extents[i].start : cur_size;

		/* A sample of the gap before this extent: a hole. */
		if (start > prev_end) {
			off = prev_end + rnd_below(start - prev_end);
			snprintf(what, sizeof(what), "final: hole at %" PRIu64,
				 off);
			compare_range(what, off, 4096);
		}
		if (i == nr_extents)
			break;
		end = extents[i].end;
		if (end > cur_size)
			end = cur_size + 1;	/* also reads the EOF */
		for (off = extents[i].start; off < end; off += MAX_IO) {
			size_t len = end - off < MAX_IO ? end - off : MAX_IO;

			snprintf(what, sizeof(what),
				 "final: extent at %" PRIu64, off);
			compare_range(what, off, len);
		}
		prev_end = extents[i].end;
	}
	if (cur_size) {
		compare_range("final: last byte", cur_size - 1, 4096);
	}
}

/* ------------------------------------------------------------------------
 * main
 * ------------------------------------------------------------------------ */

static void usage(void) __attribute__((noreturn));

static void usage(void)
{
	fprintf(stderr,
		"usage: %s [--seed N] [--ops N] [--max-off BYTES] FILE_A FILE_B\n"
		"Applies the same seeded random writes, truncates and reads to\n"
		"FILE_A and FILE_B (created or truncated) and compares every\n"
		"result. The seed defaults to $TEST_SEED, else the time.\n",
		prog);
	exit(2);
}

static uint64_t parse_u64(const char *opt, const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-')
		die("%s: not a number: %s", opt, s);
	return v;
}

int main(int argc, char **argv)
{
	unsigned long nr_ops = DEFAULT_OPS, i;
	const char *env = getenv("TEST_SEED");
	struct timespec ts;
	int argi = 1;

	clock_gettime(CLOCK_REALTIME, &ts);
	seed = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	if (env && *env)
		seed = parse_u64("TEST_SEED", env);
	for (; argi < argc && !strncmp(argv[argi], "--", 2); argi++) {
		const char *opt = argv[argi];

		if (!strcmp(opt, "--")) {
			argi++;
			break;
		}
		if (argi + 1 >= argc)
			usage();
		if (!strcmp(opt, "--seed"))
			seed = parse_u64(opt, argv[++argi]);
		else if (!strcmp(opt, "--ops"))
			nr_ops = parse_u64(opt, argv[++argi]);
		else if (!strcmp(opt, "--max-off"))
			max_off = parse_u64(opt, argv[++argi]);
		else
			usage();
	}
	if (argc - argi != 2)
		usage();
	if (max_off == 0)
		die("--max-off must be > 0");
	path_a = argv[argi];
	path_b = argv[argi + 1];
	rng_state = seed;
	printf("%s: seed %" PRIu64 " ops %lu max-off %" PRIu64 "\n", prog, seed,
	       nr_ops, max_off);
	fflush(stdout);

	fd_a = open(path_a, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd_a < 0)
		die("%s: %s", path_a, strerror(errno));
	fd_b = open(path_b, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd_b < 0)
		die("%s: %s", path_b, strerror(errno));
	wbuf = xmalloc(MAX_IO);
	rbuf_a = xmalloc(MAX_IO + 8192);
	rbuf_b = xmalloc(MAX_IO + 8192);

	for (i = 0; i < nr_ops; i++) {
		uint64_t r = rnd_below(100);

		op_nr = i + 1;
		if (r < 45)
			op_pwrite();
		else if (r < 80)
			op_pread();
		else if (r < 92)
			op_ftruncate();
		else if (r < 96)
			op_fsync();
		else
			drop_cache();
	}
	op_nr = nr_ops + 1;
	drop_cache();
	final_check();
	if (close(fd_a))
		fail("close %s: %s", path_a, strerror(errno));
	close(fd_b);
	printf("%s: ok: seed %" PRIu64 ": %lu writes (%" PRIu64 " bytes), "
	       "%lu reads (%" PRIu64 " bytes), %lu truncates, %lu fsyncs, "
	       "%lu cache drops, %zu extents, final size %" PRIu64 "\n",
	       prog, seed, nr_writes, bytes_written, nr_reads, bytes_read,
	       nr_truncs, nr_syncs, nr_drops, nr_extents, cur_size);
	free(wbuf);
	free(rbuf_a);
	free(rbuf_b);
	free(extents);
	return 0;
}
