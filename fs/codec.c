/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * codec.c - the compressors a mount can use for its pages.
 *
 * A compressor turns one 4 KiB page into at most a caller-given number of
 * bytes, or says it cannot (the page is then stored raw by store.c). Three
 * exist, picked with -o compressor=:
 *
 *   lz4	LZ4's fast mode, acceleration 1: 0.6-0.8 GB/s in, ~3 GB/s out
 *		per core on 4 KiB pages of the Linux sources. The default, as
 *		zram's.
 *   lz4hc	LZ4's high-compression mode, level 1..12 ("lz4hc:N", default
 *		LZ4HC_CLEVEL_DEFAULT = 9). About four times slower to
 *		compress and ~9 % smaller on the same pages; it decompresses
 *		with the same fast LZ4 decoder, so reads cost as with lz4.
 *   none	never compresses: every page that is not same-filled is
 *		stored raw, a memcpy each way. For data known to be
 *		incompressible.
 *
 * Both LZ4 modes write the same block format, so one decoder serves both.
 * When the build has no liblz4 (meson -Dlz4=disabled, HAVE_LZ4 == 0) only
 * "none" exists.
 *
 * Per-thread state, no locks. LZ4 needs a work area for its match finder:
 * 16 KiB for the fast mode, 256 KiB for HC. Allocating it per call would put
 * malloc and a page fault on the write path; sharing one would need a lock.
 * So each thread owns one:
 *
 *   lz4	a _Thread_local LZ4_stream_t (static TLS, no allocation at all);
 *   lz4hc	malloc()ed on the thread's first HC compression, remembered
 *		in a _Thread_local pointer and registered with a pthread key
 *		whose destructor frees it when the thread exits. If that
 *		malloc fails the page counts as incompressible and is stored
 *		raw: nothing is lost and nothing fails.
 *
 * Only FUSE worker threads compress, so the memory is a small constant per
 * worker. Decompression needs no state (LZ4_decompress_safe), and it checks
 * its input, so a damaged object reads as -EIO instead of overrunning.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#if HAVE_LZ4
#include <lz4.h>
#include <lz4hc.h>
#endif

#include "fs/fs_i.h"

/* ------------------------------------------------------------------------
 * Structures
 * ------------------------------------------------------------------------ */

/*
 * struct zpfs_codec - one compressor
 * @name:	its mount option value
 * @min_level:	lowest level accepted after "name:"; 0 when it takes none
 * @max_level:	highest level accepted
 * @def_level:	the level used when none is given
 * @compress:	compress one page into at most @cap bytes: the length, or 0
 * @decompress:	decompress exactly one page: 0, or -EIO
 */
struct zpfs_codec {
	const char *name;
	int min_level;
	int max_level;
	int def_level;
	size_t (*compress)(int level, const void *src, void *dst, size_t cap);
	int (*decompress)(const void *src, size_t len, void *dst);
};

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

#if HAVE_LZ4

/* Capacity as LZ4 takes it: an int, and never more than it could use. */
static int lz4_cap(size_t cap)
{
	return cap > INT_MAX ? INT_MAX : (int)cap;
}

/* The fast mode's match table: 16 KiB of static TLS per thread. */
static _Thread_local LZ4_stream_t lz4_state;

static size_t lz4_compress(int level, const void *src, void *dst, size_t cap)
{
	int n;

	(void)level;
	n = LZ4_compress_fast_extState(&lz4_state, src, dst,
				       (int)ZPFS_PAGE_SIZE, lz4_cap(cap), 1);
	return n > 0 ? (size_t)n : 0;
}

/* LZ4's own format, shared by both modes. */
static int lz4_decompress(const void *src, size_t len, void *dst)
{
	int n;

	if (len == 0 || len > INT_MAX)
		return -EIO;
	n = LZ4_decompress_safe(src, dst, (int)len, (int)ZPFS_PAGE_SIZE);
	return n == (int)ZPFS_PAGE_SIZE ? 0 : -EIO;
}

/*
 * The HC state: 256 KiB, too big for static TLS in every thread of the
 * process, so allocated by the threads that use it. hc_key's destructor
 * frees it at thread exit; hc_state is the fast way to find it.
 */
static pthread_once_t hc_once = PTHREAD_ONCE_INIT;
static pthread_key_t hc_key;
static bool hc_key_ok;
static _Thread_local void *hc_state;

static void hc_state_free(void *state)
{
	free(state);
}

static void hc_key_init(void)
{
	hc_key_ok = pthread_key_create(&hc_key, hc_state_free) == 0;
}

/* This thread's HC state, or NULL when it cannot be had. */
static void *hc_get_state(void)
{
	void *state;

	if (hc_state)
		return hc_state;
	pthread_once(&hc_once, hc_key_init);
	if (!hc_key_ok)
		return NULL;
	state = malloc((size_t)LZ4_sizeofStateHC());
	if (!state)
		return NULL;
	if (pthread_setspecific(hc_key, state)) {
		free(state);
		return NULL;
	}
	hc_state = state;
	return state;
}

static size_t lz4hc_compress(int level, const void *src, void *dst,
			     size_t cap)
{
	void *state = hc_get_state();
	int n;

	if (!state)
		return 0;
	n = LZ4_compress_HC_extStateHC(state, src, dst, (int)ZPFS_PAGE_SIZE,
				       lz4_cap(cap), level);
	return n > 0 ? (size_t)n : 0;
}

#endif /* HAVE_LZ4 */

static size_t none_compress(int level, const void *src, void *dst, size_t cap)
{
	(void)level;
	(void)src;
	(void)dst;
	(void)cap;
	return 0;
}

/* "none" makes no objects; an object of exactly one page is the page. */
static int none_decompress(const void *src, size_t len, void *dst)
{
	if (len != ZPFS_PAGE_SIZE)
		return -EIO;
	memcpy(dst, src, ZPFS_PAGE_SIZE);
	return 0;
}

static const struct zpfs_codec codecs[] = {
#if HAVE_LZ4
	{
		.name = "lz4",
		.compress = lz4_compress,
		.decompress = lz4_decompress,
	},
	{
		.name = "lz4hc",
		.min_level = 1,
		.max_level = LZ4HC_CLEVEL_MAX,
		.def_level = LZ4HC_CLEVEL_DEFAULT,
		.compress = lz4hc_compress,
		.decompress = lz4_decompress,
	},
#endif
	{
		.name = "none",
		.compress = none_compress,
		.decompress = none_decompress,
	},
};

#define NR_CODECS	(sizeof(codecs) / sizeof(codecs[0]))

/* A level: decimal digits only, no sign, no blanks; -1 when malformed. */
static int parse_level(const char *s)
{
	int level = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || level > 1000)
			return -1;
		level = level * 10 + (*s - '0');
	}
	return level;
}

/* ------------------------------------------------------------------------
 * API (documented in fs_i.h)
 * ------------------------------------------------------------------------ */

int zpfs_codec_find(const char *spec, const struct zpfs_codec **codec,
		    int *level)
{
	const char *colon = strchr(spec, ':');
	size_t name_len = colon ? (size_t)(colon - spec) : strlen(spec);

	for (size_t i = 0; i < NR_CODECS; i++) {
		const struct zpfs_codec *c = &codecs[i];
		int lvl = c->def_level;

		if (strlen(c->name) != name_len ||
		    memcmp(c->name, spec, name_len))
			continue;
		if (colon) {
			if (!c->max_level)
				return -EINVAL;
			lvl = parse_level(colon + 1);
			if (lvl < c->min_level || lvl > c->max_level)
				return -EINVAL;
		}
		*codec = c;
		*level = lvl;
		return 0;
	}
	return -EINVAL;
}

const char *zpfs_codec_name(const struct zpfs_codec *codec)
{
	return codec->name;
}

const char *zpfs_codec_list(void)
{
#if HAVE_LZ4
	return "lz4, lz4hc, none";
#else
	return "none";
#endif
}

size_t zpfs_codec_compress(const struct zpfs_codec *codec, int level,
			   const void *src, void *dst, size_t dst_cap)
{
	return codec->compress(level, src, dst, dst_cap);
}

int zpfs_codec_decompress(const struct zpfs_codec *codec, const void *src,
			  size_t len, void *dst)
{
	return codec->decompress(src, len, dst);
}
