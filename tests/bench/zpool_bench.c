/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zpool_bench.c - zpool-bench, a micro-benchmark of a zpool back end
 * against glibc malloc()/free() on the same stream of object sizes.
 *
 * The stream: sizes drawn uniformly from [--min, --max], or read from a
 * file of sizes, one per line (e.g. the lz4-compressed size of each 4 KiB
 * page of some real data; the stream cycles through the file). The run:
 * fill a working set of --working-set objects, then --ops churn pairs,
 * each freeing a random live object and allocating the next size of the
 * stream in its place, as a filesystem rewriting its pages does. Sizes and
 * victims are drawn before any timing, so both allocators see exactly the
 * same operations; after each allocation the first and last 8 bytes of the
 * object are written (the whole object with --touch).
 *
 * It prints one line: the churn rate of the back end and of malloc/free in
 * alloc+free pairs per second (best of --repeat runs each, alternating),
 * the pool's pages at the end of the churn, the pages a two-objects-per-page
 * best-fit allocator (zbud's policy, simulated here) needs for the same
 * stream, and the bytes asked for by the live objects. With the zbud back
 * end the exit status is 1 when the pool's pages differ from the best-fit
 * count.
 *
 * With --all (or a comma-separated list for --backend), every back end
 * available runs the same stream, and a table compares them: the churn
 * rate, the pool's bytes (its pages, metadata included) divided by the
 * bytes of the live objects at the end of the churn, and the same ratio
 * after --free-pct percent of the objects are freed at random and after
 * zpool_compact() then runs (with its time).
 *
 * Times are the CPU time of the process (the benchmark is single
 * threaded), so that other load on the machine does not count.
 *
 *   zpool-bench -b zbud -n 2000000 -w 10000 -s 1 -S 3968
 *   zpool-bench -b zbud -f tests/bench/linux-6.1-lz4-sizes.txt
 *   zpool-bench --all -f tests/bench/linux-6.1-lz4-sizes.txt -w 65536
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zpool/zpool.h"

struct bench {
	const char *backend;
	const char *file;
	unsigned long ops;	/* churn pairs */
	unsigned long ws;	/* working set */
	unsigned long min, max, limit;
	uint64_t seed;
	unsigned int repeat;
	unsigned int free_pct;	/* --all: objects freed before compacting */
	bool touch;
	bool all;

	uint32_t *sizes;	/* ws + ops */
	uint32_t *victims;	/* ops */
	bool *freed;		/* ws: freed after the churn (--all) */
	unsigned long file_sizes, dropped;
};

/* What one run measured. */
struct result {
	double churn_s;
	uint64_t pages;
	uint64_t freed_pages;	/* after the frees of --all */
	uint64_t compact_pages;	/* after zpool_compact() */
	double compact_s;
};

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
"usage: %s [options]\n"
"\n"
"Times a zpool back end and glibc malloc/free on the same stream of object\n"
"sizes: fill a working set, then churn (free a random object, allocate the\n"
"next size). Prints one line: pairs/s of both, pool pages, best-fit pages\n"
"(two objects a page, zbud's policy) and the bytes asked for.\n"
"\n"
"  -b, --backend=TYPE      zpool back end (default: zbud)\n"
"  -n, --ops=N             alloc+free pairs in the churn (default: 2000000)\n"
"  -w, --working-set=N     live objects (default: 10000)\n"
"  -s, --min=BYTES         smallest size of the uniform stream (default: 1)\n"
"  -S, --max=BYTES         largest size of the uniform stream (default: 3968)\n"
"  -f, --file=FILE         sizes from FILE, one per line, '#' comments; the\n"
"                          stream cycles through them\n"
"  -M, --limit=BYTES       drop file sizes above BYTES (default: 3968, the\n"
"                          largest zbud object; larger pages are stored raw)\n"
"                          and sizes of 0\n"
"  -r, --seed=N            random seed (default: 1)\n"
"  -R, --repeat=N          runs of each allocator, best counts (default: 3)\n"
"  -t, --touch             write whole objects, not just 8 bytes at each end\n"
"  -a, --all               run every back end available (zbud, z3fold,\n"
"                          zsmalloc) on the stream and print a table; also\n"
"                          when TYPE is a comma-separated list\n"
"  -F, --free-pct=N        with --all: then free N %% of the objects at\n"
"                          random and compact the pool (default: 50)\n"
"  -h, --help              this text\n", prog);
}

static int parse_ulong(const char *s, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 0);
	if (errno || end == s || *end || *s == '-')
		return -EINVAL;
	return 0;
}

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Read the sizes of @b->file into a growing array. Return: 0 or -errno. */
static int read_sizes(struct bench *b, uint32_t **out, unsigned long *n)
{
	FILE *f = fopen(b->file, "r");
	unsigned long cap = 0;
	uint32_t *v = NULL;
	char line[128];

	if (!f)
		return -errno;
	*n = 0;
	while (fgets(line, sizeof(line), f)) {
		char *end, *p = line + strspn(line, " \t");
		unsigned long size;

		if (*p == '#' || *p == '\n' || !*p)
			continue;
		size = strtoul(p, &end, 10);
		if (end == p) {
			fprintf(stderr, "zpool-bench: %s: bad line: %s",
				b->file, line);
			fclose(f);
			free(v);
			return -EINVAL;
		}
		if (size == 0 || size > b->limit) {
			b->dropped++;
			continue;
		}
		if (*n == cap) {
			uint32_t *nv;

			cap = cap ? 2 * cap : 4096;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				fclose(f);
				free(v);
				return -ENOMEM;
			}
			v = nv;
		}
		v[(*n)++] = (uint32_t)size;
	}
	fclose(f);
	if (*n == 0) {
		free(v);
		fprintf(stderr, "zpool-bench: %s: no usable sizes\n", b->file);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* Draw the size stream and the victims. Return: 0 or -errno. */
static int make_stream(struct bench *b)
{
	unsigned long total = b->ws + b->ops;
	uint64_t rng = b->seed;
	uint32_t *file = NULL;
	unsigned long nfile = 0;
	int ret;

	if (b->file) {
		ret = read_sizes(b, &file, &nfile);
		if (ret)
			return ret;
		b->file_sizes = nfile;
	}
	b->sizes = malloc(total * sizeof(*b->sizes));
	b->victims = malloc((b->ops ? b->ops : 1) * sizeof(*b->victims));
	b->freed = malloc(b->ws * sizeof(*b->freed));
	if (!b->sizes || !b->victims || !b->freed) {
		free(file);
		return -ENOMEM;
	}
	for (unsigned long i = 0; i < total; i++)
		b->sizes[i] = file ? file[i % nfile]
				   : (uint32_t)(b->min + splitmix64(&rng) %
						(b->max - b->min + 1));
	for (unsigned long i = 0; i < b->ops; i++)
		b->victims[i] = (uint32_t)(splitmix64(&rng) % b->ws);
	for (unsigned long i = 0; i < b->ws; i++)
		b->freed[i] = splitmix64(&rng) % 100 < b->free_pct;
	free(file);
	return 0;
}

/* Bytes of the live objects at the end of the churn, and of those kept. */
static void live_bytes_after(const struct bench *b, uint64_t *live,
			     uint64_t *kept)
{
	uint32_t *size = malloc(b->ws * sizeof(*size));

	*live = *kept = 0;
	if (!size)
		return;
	memcpy(size, b->sizes, b->ws * sizeof(*size));
	for (unsigned long i = 0; i < b->ops; i++)
		size[b->victims[i]] = b->sizes[b->ws + i];
	for (unsigned long i = 0; i < b->ws; i++) {
		*live += size[i];
		if (!b->freed[i])
			*kept += size[i];
	}
	free(size);
}

/* Pool bytes over object bytes. */
static double ratio(uint64_t pages, uint64_t bytes)
{
	return bytes ? (double)pages * 4096 / (double)bytes : 0.0;
}

static void touch(void *obj, size_t size, bool whole, uint64_t v)
{
	if (whole) {
		memset(obj, (int)(v & 0xff), size);
	} else if (size >= 8) {
		memcpy(obj, &v, 8);
		memcpy((char *)obj + size - 8, &v, 8);
	} else {
		memcpy(obj, &v, size);
	}
}

/*
 * The expected page count: zbud's policy replayed on the same stream by a
 * separate model. Pages with one object sit on a stack per number of free
 * chunks (the most recent on top); an object of c chunks goes to the top
 * page of the first non-empty stack from c up, else to a new page.
 */
#define M_CHUNK		64u
#define M_FREE		63u	/* usable chunks of a page */

struct mpage {
	unsigned int first, last;	/* chunks of each side, 0 = free */
	long prev, next;		/* on the stack of its free chunks */
};

struct model {
	struct mpage *pages;
	long *free_ids;
	long nfree_ids, npages;
	long top[M_FREE];		/* stack heads, -1 = empty */
	long *obj_page;			/* per slot */
	bool *obj_last;
};

static void model_push(struct model *m, long p)
{
	unsigned int f = M_FREE - m->pages[p].first - m->pages[p].last;

	m->pages[p].prev = -1;
	m->pages[p].next = m->top[f];
	if (m->top[f] >= 0)
		m->pages[m->top[f]].prev = p;
	m->top[f] = p;
}

static void model_unlink(struct model *m, long p)
{
	unsigned int f = M_FREE - m->pages[p].first - m->pages[p].last;
	struct mpage *mp = &m->pages[p];

	if (mp->prev >= 0)
		m->pages[mp->prev].next = mp->next;
	else
		m->top[f] = mp->next;
	if (mp->next >= 0)
		m->pages[mp->next].prev = mp->prev;
}

static void model_alloc(struct model *m, unsigned long slot, uint32_t size)
{
	unsigned int c = (size + M_CHUNK - 1) / M_CHUNK, f;
	long p = -1;

	for (f = c; f < M_FREE && p < 0; f++)
		p = m->top[f];
	if (p >= 0) {
		model_unlink(m, p);
		m->obj_last[slot] = m->pages[p].first != 0;
		if (m->obj_last[slot])
			m->pages[p].last = c;
		else
			m->pages[p].first = c;
		/* two objects now: on no stack */
	} else {
		p = m->free_ids[--m->nfree_ids];
		m->pages[p] = (struct mpage){ .first = c };
		m->obj_last[slot] = false;
		m->npages++;
		model_push(m, p);
	}
	m->obj_page[slot] = p;
}

static void model_free(struct model *m, unsigned long slot)
{
	long p = m->obj_page[slot];
	struct mpage *mp = &m->pages[p];

	if (!mp->first || !mp->last)
		model_unlink(m, p);
	if (m->obj_last[slot])
		mp->last = 0;
	else
		mp->first = 0;
	if (!mp->first && !mp->last) {
		m->free_ids[m->nfree_ids++] = p;
		m->npages--;
	} else {
		model_push(m, p);
	}
}

/* Pages at the end of the churn under best fit. Return: count, or -1. */
static long best_fit_pages(const struct bench *b, uint64_t *live_bytes)
{
	struct model m = { .npages = 0 };
	uint32_t *live = malloc(b->ws * sizeof(*live));
	long ret = -1;

	m.pages = malloc(b->ws * sizeof(*m.pages));
	m.free_ids = malloc(b->ws * sizeof(*m.free_ids));
	m.obj_page = malloc(b->ws * sizeof(*m.obj_page));
	m.obj_last = malloc(b->ws * sizeof(*m.obj_last));
	if (!live || !m.pages || !m.free_ids || !m.obj_page || !m.obj_last)
		goto out_free;
	for (unsigned int f = 0; f < M_FREE; f++)
		m.top[f] = -1;
	for (long i = 0; i < (long)b->ws; i++)
		m.free_ids[i] = (long)b->ws - 1 - i;
	m.nfree_ids = (long)b->ws;

	for (unsigned long i = 0; i < b->ws; i++) {
		live[i] = b->sizes[i];
		model_alloc(&m, i, live[i]);
	}
	for (unsigned long i = 0; i < b->ops; i++) {
		uint32_t v = b->victims[i];

		model_free(&m, v);
		live[v] = b->sizes[b->ws + i];
		model_alloc(&m, v, live[v]);
	}
	*live_bytes = 0;
	for (unsigned long i = 0; i < b->ws; i++)
		*live_bytes += live[i];
	ret = m.npages;
out_free:
	free(live);
	free(m.pages);
	free(m.free_ids);
	free(m.obj_page);
	free(m.obj_last);
	return ret;
}

/*
 * One run of back end @type through the zpool API; with --all, then the
 * frees and the compaction. Return: 0 or -errno.
 */
static int run_zpool(const struct bench *b, const char *type,
		     unsigned long *h, struct result *res)
{
	struct zpool *pool = zpool_create_pool(type, "bench", 0);
	double t0, t1;
	int ret = 0;

	*res = (struct result){ 0, 0, 0, 0, 0 };
	if (!pool)
		return -errno;
	for (unsigned long i = 0; i < b->ws; i++) {
		ret = zpool_malloc(pool, b->sizes[i], 0, &h[i]);
		if (ret)
			goto out_destroy;
		touch(zpool_map_handle(pool, h[i], ZPOOL_MM_WO), b->sizes[i],
		      b->touch, i);
		zpool_unmap_handle(pool, h[i]);
	}
	t0 = now();
	for (unsigned long i = 0; i < b->ops; i++) {
		uint32_t v = b->victims[i], size = b->sizes[b->ws + i];

		zpool_free(pool, h[v]);
		ret = zpool_malloc(pool, size, 0, &h[v]);
		if (ret) {
			h[v] = 0;
			goto out_destroy;
		}
		touch(zpool_map_handle(pool, h[v], ZPOOL_MM_WO), size,
		      b->touch, i);
		zpool_unmap_handle(pool, h[v]);
	}
	t1 = now();
	res->churn_s = t1 - t0;
	res->pages = zpool_get_total_pages(pool);
	if (b->all) {
		for (unsigned long i = 0; i < b->ws; i++) {
			if (!b->freed[i])
				continue;
			zpool_free(pool, h[i]);
			h[i] = 0;
		}
		res->freed_pages = zpool_get_total_pages(pool);
		t0 = now();
		zpool_compact(pool);
		res->compact_s = now() - t0;
		res->compact_pages = zpool_get_total_pages(pool);
	}
out_destroy:
	/* frees whatever was allocated: destroy gives every page back */
	if (!ret)
		for (unsigned long i = 0; i < b->ws; i++)
			if (h[i])
				zpool_free(pool, h[i]);
	zpool_destroy_pool(pool);
	return ret;
}

/* The same run through malloc()/free(). Return: 0 or -ENOMEM. */
static int run_malloc(const struct bench *b, void **p, struct result *res)
{
	double t0, t1;
	int ret = 0;

	*res = (struct result){ 0, 0, 0, 0, 0 };
	memset(p, 0, b->ws * sizeof(*p));
	for (unsigned long i = 0; i < b->ws; i++) {
		p[i] = malloc(b->sizes[i]);
		if (!p[i])
			goto out_nomem;
		touch(p[i], b->sizes[i], b->touch, i);
	}
	t0 = now();
	for (unsigned long i = 0; i < b->ops; i++) {
		uint32_t v = b->victims[i], size = b->sizes[b->ws + i];

		free(p[v]);
		p[v] = malloc(size);
		if (!p[v])
			goto out_nomem;
		touch(p[v], size, b->touch, i);
	}
	t1 = now();
	res->churn_s = t1 - t0;
	res->pages = 0;
	goto out_free;
out_nomem:
	ret = -ENOMEM;
out_free:
	for (unsigned long i = 0; i < b->ws; i++)
		free(p[i]);
	return ret;
}

static int parse_args(struct bench *b, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "backend", required_argument, NULL, 'b' },
		{ "ops", required_argument, NULL, 'n' },
		{ "working-set", required_argument, NULL, 'w' },
		{ "min", required_argument, NULL, 's' },
		{ "max", required_argument, NULL, 'S' },
		{ "file", required_argument, NULL, 'f' },
		{ "limit", required_argument, NULL, 'M' },
		{ "seed", required_argument, NULL, 'r' },
		{ "repeat", required_argument, NULL, 'R' },
		{ "touch", no_argument, NULL, 't' },
		{ "all", no_argument, NULL, 'a' },
		{ "free-pct", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v = 0;
	int c;

	while ((c = getopt_long(argc, argv, "b:n:w:s:S:f:M:r:R:taF:h",
				longopts, NULL)) != -1) {
		if (strchr("nwsSMrRF", c) && parse_ulong(optarg, &v)) {
			fprintf(stderr, "zpool-bench: -%c: not a number: %s\n",
				c, optarg);
			return 2;
		}
		switch (c) {
		case 'b':
			b->backend = optarg;
			break;
		case 'n':
			b->ops = v;
			break;
		case 'w':
			b->ws = v;
			break;
		case 's':
			b->min = v;
			break;
		case 'S':
			b->max = v;
			break;
		case 'f':
			b->file = optarg;
			break;
		case 'M':
			b->limit = v;
			break;
		case 'r':
			b->seed = v;
			break;
		case 'R':
			b->repeat = (unsigned int)v;
			break;
		case 't':
			b->touch = true;
			break;
		case 'a':
			b->all = true;
			break;
		case 'F':
			b->free_pct = (unsigned int)(v > 100 ? 100 : v);
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "zpool-bench: unexpected argument: %s\n",
			argv[optind]);
		return 2;
	}
	if (!b->ws || b->ws > UINT32_MAX || !b->repeat || !b->min ||
	    b->min > b->max || b->max > UINT32_MAX || b->limit > UINT32_MAX) {
		fprintf(stderr, "zpool-bench: need 1 <= min <= max, a working "
			"set and a repeat count of at least 1\n");
		return 2;
	}
	if (strchr(b->backend, ','))
		b->all = true;
	return -1;
}

/*
 * --all: every back end of the list on the same stream, one line each,
 * after a line for malloc(). Return: the exit status.
 */
static int run_all(struct bench *b, unsigned long *h, void **p,
		   const char *stream)
{
	static const char all[] = "zbud,z3fold,zsmalloc";
	char *list = strdup(strchr(b->backend, ',') ? b->backend : all);
	struct result best_m = { .churn_s = 1e300 };
	uint64_t live, kept;
	char *type, *save;
	double mrate;
	int ret;

	if (!list)
		return 1;
	live_bytes_after(b, &live, &kept);
	for (unsigned int r = 0; r < b->repeat; r++) {
		struct result m;

		ret = run_malloc(b, p, &m);
		if (ret) {
			fprintf(stderr, "zpool-bench: malloc: %s\n",
				strerror(-ret));
			free(list);
			return 1;
		}
		if (m.churn_s < best_m.churn_s)
			best_m = m;
	}
	mrate = (double)b->ops / best_m.churn_s;
	printf("%s, ws %lu, %lu pairs%s; live %" PRIu64 " bytes, %" PRIu64
	       " kept after freeing %u %%\n", stream, b->ws, b->ops,
	       b->touch ? ", touch" : "", live, kept, b->free_pct);
	printf("%-9s %7s %8s  %9s %8s  %9s %8s  %9s %8s %8s\n", "backend",
	       "Mpair/s", "xmalloc", "pages", "pool/obj", "freed:pg",
	       "pool/obj", "compact", "pool/obj", "ms");
	printf("%-9s %7.2f %8.2f\n", "malloc", mrate / 1e6, 1.0);
	for (type = strtok_r(list, ",", &save); type;
	     type = strtok_r(NULL, ",", &save)) {
		struct result best = { .churn_s = 1e300 }, z;
		double rate;

		if (!zpool_has_pool(type)) {
			printf("%-9s (not available)\n", type);
			continue;
		}
		for (unsigned int r = 0; r < b->repeat; r++) {
			ret = run_zpool(b, type, h, &z);
			if (ret) {
				fprintf(stderr, "zpool-bench: %s: %s\n", type,
					strerror(-ret));
				free(list);
				return 1;
			}
			if (z.churn_s < best.churn_s)
				best.churn_s = z.churn_s;
			best.pages = z.pages;
			best.freed_pages = z.freed_pages;
			best.compact_pages = z.compact_pages;
			best.compact_s = z.compact_s;
		}
		rate = (double)b->ops / best.churn_s;
		printf("%-9s %7.2f %8.2f  %9" PRIu64 " %8.4f  %9" PRIu64
		       " %8.4f  %9" PRIu64 " %8.4f %8.1f\n", type, rate / 1e6,
		       rate / mrate, best.pages, ratio(best.pages, live),
		       best.freed_pages, ratio(best.freed_pages, kept),
		       best.compact_pages, ratio(best.compact_pages, kept),
		       best.compact_s * 1e3);
	}
	free(list);
	return 0;
}

int main(int argc, char **argv)
{
	struct bench b = {
		.backend = "zbud", .ops = 2000000, .ws = 10000, .min = 1,
		.max = 3968, .limit = 3968, .seed = 1, .repeat = 3,
		.free_pct = 50,
	};
	struct result best_z = { .churn_s = 1e300 };
	struct result best_m = { .churn_s = 1e300 };
	uint64_t live_bytes = 0;
	unsigned long *h;
	double zrate, mrate;
	long expect;
	char stream[256];
	void **p;
	int ret;

	ret = parse_args(&b, argc, argv);
	if (ret >= 0)
		return ret;
	ret = make_stream(&b);
	if (ret) {
		fprintf(stderr, "zpool-bench: %s\n", strerror(-ret));
		return 1;
	}
	expect = best_fit_pages(&b, &live_bytes);
	h = calloc(b.ws, sizeof(*h));
	p = calloc(b.ws, sizeof(*p));
	if (!h || !p || expect < 0) {
		fprintf(stderr, "zpool-bench: out of memory\n");
		return 1;
	}
	if (b.file)
		snprintf(stream, sizeof(stream), "file %s (%lu sizes, %lu "
			 "dropped)", b.file, b.file_sizes, b.dropped);
	else
		snprintf(stream, sizeof(stream), "uniform %lu..%lu", b.min,
			 b.max);
	if (b.all) {
		ret = run_all(&b, h, p, stream);
		goto out_free;
	}

	for (unsigned int r = 0; r < b.repeat; r++) {
		struct result z, m;

		ret = run_zpool(&b, b.backend, h, &z);
		if (ret) {
			fprintf(stderr, "zpool-bench: %s: %s\n", b.backend,
				strerror(-ret));
			return 1;
		}
		ret = run_malloc(&b, p, &m);
		if (ret) {
			fprintf(stderr, "zpool-bench: malloc: %s\n",
				strerror(-ret));
			return 1;
		}
		if (z.churn_s < best_z.churn_s)
			best_z = z;
		if (m.churn_s < best_m.churn_s)
			best_m = m;
	}

	zrate = (double)b.ops / best_z.churn_s;
	mrate = (double)b.ops / best_m.churn_s;
	printf("%s: %s, ws %lu, %lu pairs%s: %.2f M pairs/s, malloc %.2f M "
	       "pairs/s (x%.2f); pages %" PRIu64 " (best-fit %ld), asked %"
	       PRIu64 " bytes (%.1f %% of pages)\n",
	       b.backend, stream, b.ws, b.ops, b.touch ? ", touch" : "",
	       zrate / 1e6, mrate / 1e6, zrate / mrate, best_z.pages, expect,
	       live_bytes, best_z.pages ? 100.0 * (double)live_bytes /
	       (double)(best_z.pages * 4096) : 0.0);
	ret = !strcmp(b.backend, "zbud") && best_z.pages != (uint64_t)expect;
out_free:
	free(h);
	free(p);
	free(b.sizes);
	free(b.victims);
	free(b.freed);
	return ret;
}
