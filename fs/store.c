/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * store.c - the page store of a mount: one 4 KiB page in, one page out.
 *
 * Every page of every file goes through here. zpfs_store_put() turns a page
 * into a slot (struct zpfs_slot, one 8-byte word kept in the file's page
 * map, its bits drawn in fs_i.h); zpfs_store_read() turns a slot back into
 * bytes; zpfs_store_drop() frees it. A slot is one of (the design of zram's
 * slot table, mm_stat figures included):
 *
 *   kind   holds                       memory it costs
 *   HOLE   nothing (the word is 0)     nothing: reads as zeros
 *   SAME   the repeated 8-byte word    nothing
 *   COMP   zpool handle, length        the length, in the zpool
 *   RAW    address of a page           one page from zpool_page_alloc()
 *
 * What zpfs_store_put() does with a page, in order:
 *
 *   1. same-filled?  every 8-byte word equal (zeros, 0xff.., any repeated
 *      byte or 16-, 32- or 64-bit value): SAME, nothing allocated. zram
 *      finds a few per cent of such pages in ordinary data, and far more in
 *      sparse-ish files that were written with zeros. A slot is one word,
 *      so it keeps the words that fit in 62 bits (fs_i.h: equal halves, a
 *      low half of 0, or a 60-bit signed number); a page of any other
 *      repeated word goes on to be compressed: lz4 makes 33 bytes of it,
 *      which zbud (two objects a page) stores in up to half a page,
 *      zsmalloc in a few dozen bytes (compressor=none: a raw page).
 *   2. room?  the memory limit (size=) must leave room for one more page,
 *      else -ENOSPC (counted in nospc). Checked before compressing, so a
 *      full mount does not burn CPU on pages it will refuse.
 *   3. compress into this thread's buffer, outside every lock, with the
 *      output capped at ZPFS_RAW_THRESHOLD: LZ4 gives up as soon as the
 *      output passes the cap, so incompressible pages cost little.
 *   4. small enough: zpool_malloc() + map(WO) + memcpy + unmap: COMP.
 *      Not small enough, or the back end cannot hold an object that large
 *      (-ENOSPC from zpool_malloc), or it handed out a handle too large for
 *      a slot (more than 50 bits; none of ours does): zpool_page_alloc() +
 *      memcpy: RAW.
 *
 * Raw pages stay outside the zpool, whatever the back end. zbud (largest
 * object 3968 bytes) and z3fold (4032) cannot hold a page; zsmalloc can
 * (its 4096-byte class, one object a page), but storing raw pages there
 * was measured to be worse on every count (65536 pages written and read
 * back through zpool_*() by a test program, one thread): 0.66 % more
 * memory (the zspage descriptors and handle entries: 65971 pool pages
 * instead of 65536),
 * reads of 239 ns instead of 182 ns per page, and every reader of a raw
 * page would take the one lock of the 4096 class instead of none. What a
 * pool that holds whole pages could offer is the band between
 * ZPFS_RAW_THRESHOLD and 4095 bytes (zsmalloc stores objects of 3585 to
 * 4095 bytes in 3.8 % fewer pages than raw pages would take), at the
 * price of a decompression on every read of them; on real data the band
 * is nearly empty (4 raw pages in the first 256 MiB of linux-6.1.tar), so
 * the threshold stays where it is. The statistics show raw pages apart
 * (raw_pages; mem_used counts them as whole pages), so nothing is lost to
 * the figures by keeping them outside.
 *
 * Memory accounting. mem_used = (pool pages + raw pages) * PAGE_SIZE +
 * metadata bytes: the pool's pages are what the back end really holds
 * (a zbud page holds one or two objects, so compressed bytes alone would
 * understate it), raw pages are whole pages, and metadata (inodes, names,
 * page-map nodes, xattrs) is charged by the tree code through
 * zpfs_store_meta_charge(). Every allocation is preceded by the check
 * mem_used + size <= mem_limit. The check and the allocation are not one
 * atomic step (a lock would serialise every writer), so concurrent writers
 * may overshoot the limit by at most one page (or one metadata charge)
 * each: a bound of a few pages, fine for a limit measured in MiB or GiB.
 *
 * Thread safety. Any number of threads may call any function here at once:
 * the counters are atomics (relaxed; they are statistics and a limit that is
 * soft by a few pages, not synchronisation), the zpool serialises its own
 * handle operations, and the scratch buffer is per thread. There is no lock
 * of the store's own. What the store does not protect is a slot: the caller
 * guarantees that a slot is not dropped while it is being read or copied
 * (the file's map_lock: readers hold it shared, whoever drops holds it
 * exclusive) and that one slot is not put into by two threads at once.
 *
 * Errors never lose data: zpfs_store_put() and zpfs_store_dup() fill a slot
 * only on success and allocate nothing on failure, so the caller can
 * install the new slot and only then drop the old one.
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "zpool/zpool.h"
#include "fs/fs_i.h"

/* ------------------------------------------------------------------------
 * Structures
 * ------------------------------------------------------------------------ */

/*
 * ZPFS_RAW_THRESHOLD - the largest compressed page stored compressed.
 *
 * A page that compresses to more than this is stored raw. Storing such a
 * page compressed saves at most 1/8 of a page, and in practice less: zbud
 * puts at most two objects in a page, so an object of 3.5 KiB can only
 * share its page with one under 0.5 KiB, and most of the time the page is
 * all its own, saving nothing. Every read of it would still pay for
 * decompression (~3 GB/s against ~18 GB/s for a memcpy). Raising the
 * threshold towards the back end's largest object wins a little memory on
 * barely compressible data; lowering it trades memory for read speed.
 * zram makes the same call with zsmalloc's huge class size (~3.2 KiB).
 */
#define ZPFS_RAW_THRESHOLD	(ZPFS_PAGE_SIZE - ZPFS_PAGE_SIZE / 8)

_Static_assert(ZPFS_RAW_THRESHOLD < ZPFS_PAGE_SIZE, "a raw page saves room");

/*
 * struct zpfs_store - the page store of a mount
 * @pool:	the zpool holding COMP objects
 * @codec:	the compressor, with @level
 * @gfp:	flags for zpool_malloc()
 * @mem_limit:	size=, in bytes
 * @same_pages, @comp_pages, @raw_pages: slots of each kind in use
 * @comp_bytes:	sum of the lengths of COMP slots
 * @meta_bytes:	metadata charged by zpfs_store_meta_charge()
 * @nospc:	allocations refused because of @mem_limit
 * @compacted:	pages freed by zpfs_store_compact()
 *
 * The counters are written by every put and drop; they live on their own
 * cache line, away from the fields every call reads.
 */
struct zpfs_store {
	struct zpool *pool;			/* immutable */
	const struct zpfs_codec *codec;		/* immutable */
	int level;				/* immutable */
	gfp_t gfp;				/* immutable */
	uint64_t mem_limit;			/* immutable */

	_Alignas(64) _Atomic uint64_t same_pages;
	_Atomic uint64_t comp_pages;
	_Atomic uint64_t raw_pages;
	_Atomic uint64_t comp_bytes;
	_Atomic uint64_t meta_bytes;
	_Atomic uint64_t nospc;
	_Atomic uint64_t compacted;
};

/*
 * This thread's scratch page: the compressor's output in put, the
 * decompressed page in a partial read, the bounce buffer in dup. A thread
 * does one of these at a time, and none calls another.
 */
static _Thread_local unsigned char scratch[ZPFS_PAGE_SIZE]
	__attribute__((aligned(64)));

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

static uint64_t counter_get(_Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

static void counter_add(_Atomic uint64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static void counter_sub(_Atomic uint64_t *c, uint64_t n)
{
	uint64_t old = atomic_fetch_sub_explicit(c, n, memory_order_relaxed);

	assert(old >= n);
	(void)old;
}

static uint64_t mem_used(struct zpfs_store *st)
{
	return (zpool_get_total_pages(st->pool) +
		counter_get(&st->raw_pages)) * ZPFS_PAGE_SIZE +
	       counter_get(&st->meta_bytes);
}

/* Return: 0 when @bytes more fit under the limit, else -ENOSPC (counted). */
static int check_room(struct zpfs_store *st, uint64_t bytes)
{
	if (mem_used(st) + bytes <= st->mem_limit)
		return 0;
	counter_add(&st->nospc, 1);
	return -ENOSPC;
}

/*
 * Whether @page is one 8-byte word repeated, that word one a SAME slot has
 * room for (zpfs_slot_same_mode()). That word in *@word.
 */
static bool page_same_filled(const void *page, uint64_t *word)
{
	const unsigned char *p = page;
	uint64_t first;

	memcpy(&first, p, sizeof(first));
	if (zpfs_slot_same_mode(first) < 0)
		return false;
	/* 64 bytes per step: vectorised, and leaves early on most pages */
	for (size_t off = 0; off < ZPFS_PAGE_SIZE; off += 64) {
		uint64_t w[8], diff = 0;

		memcpy(w, p + off, sizeof(w));
		for (int i = 0; i < 8; i++)
			diff |= w[i] ^ first;
		if (diff)
			return false;
	}
	*word = first;
	return true;
}

/* Bytes @off .. @off + @len of a page whose every word is @word. */
static void fill_same(void *buf, size_t off, size_t len, uint64_t word)
{
	unsigned char *dst = buf, pat[sizeof(word)];
	size_t i = 0;

	memcpy(pat, &word, sizeof(word));
	if (word == 0 || word == (uint64_t)pat[0] * 0x0101010101010101ull) {
		memset(dst, pat[0], len);
		return;
	}
	for (; i < len && (off + i) % sizeof(word); i++)
		dst[i] = pat[(off + i) % sizeof(word)];
	for (; i + sizeof(word) <= len; i += sizeof(word))
		memcpy(dst + i, pat, sizeof(word));
	for (; i < len; i++)
		dst[i] = pat[(off + i) % sizeof(word)];
}

/* Store @page as a raw page. Return: 0, or -ENOMEM (nothing changed). */
static int put_raw(struct zpfs_store *st, const void *page,
		   struct zpfs_slot *slot)
{
	void *raw = zpool_page_alloc();

	if (!raw)
		return -ENOMEM;
	memcpy(raw, page, ZPFS_PAGE_SIZE);
	counter_add(&st->raw_pages, 1);
	*slot = zpfs_slot_raw(raw);
	return 0;
}

/*
 * Store the page that @len bytes at @data decompress to as a raw page.
 * Return: 0; -ENOMEM; -EIO when @data does not decompress to a page.
 * Nothing changed on error.
 */
static int put_raw_decompressed(struct zpfs_store *st, const void *data,
				size_t len, struct zpfs_slot *slot)
{
	void *raw = zpool_page_alloc();
	int ret;

	if (!raw)
		return -ENOMEM;
	ret = zpfs_codec_decompress(st->codec, data, len, raw);
	if (ret) {
		zpool_page_free(raw);
		return ret;
	}
	counter_add(&st->raw_pages, 1);
	*slot = zpfs_slot_raw(raw);
	return 0;
}

/*
 * Store @len bytes at @data as a new COMP object.
 * Return: 0; -ENOSPC when the back end cannot hold objects of @len bytes,
 * or when the handle it gave does not fit in a slot; -ENOMEM. Nothing
 * changed on error.
 */
static int put_comp(struct zpfs_store *st, const void *data, size_t len,
		    struct zpfs_slot *slot)
{
	unsigned long handle;
	void *dst;
	int ret;

	ret = zpool_malloc(st->pool, len, st->gfp, &handle);
	if (ret)
		return ret == -ENOMEM ? -ENOMEM : -ENOSPC;
	if ((uint64_t)handle > ZPFS_SLOT_HANDLE_MAX) {
		/*
		 * A slot keeps 50 bits of handle (fs_i.h). No back end of
		 * ours goes past them, but one that does loses no data: the
		 * object goes back and the caller stores the page raw, as
		 * for an object the back end cannot hold.
		 */
		zpool_free(st->pool, handle);
		return -ENOSPC;
	}
	dst = zpool_map_handle(st->pool, handle, ZPOOL_MM_WO);
	memcpy(dst, data, len);
	zpool_unmap_handle(st->pool, handle);
	counter_add(&st->comp_pages, 1);
	counter_add(&st->comp_bytes, len);
	*slot = zpfs_slot_comp(handle, len);
	return 0;
}

/* ------------------------------------------------------------------------
 * API (documented in fs_i.h)
 * ------------------------------------------------------------------------ */

struct zpfs_store *zpfs_store_create(const char *backend,
				     const struct zpfs_codec *codec, int level,
				     uint64_t mem_limit)
{
	size_t size = (sizeof(struct zpfs_store) + 63) & ~(size_t)63;
	struct zpfs_store *st;

	assert(codec);
	st = aligned_alloc(64, size);
	if (!st) {
		errno = ENOMEM;
		return NULL;
	}
	memset(st, 0, size);
	st->pool = zpool_create_pool(backend, "zpoolfs", 0);
	if (!st->pool) {
		int err = errno;

		free(st);
		errno = err;
		return NULL;
	}
	st->codec = codec;
	st->level = level;
	st->gfp = zpool_malloc_support_movable(st->pool) ?
			ZPOOL_GFP_MOVABLE : 0;
	st->mem_limit = mem_limit;
	return st;
}

void zpfs_store_destroy(struct zpfs_store *st)
{
	if (!st)
		return;
	assert(counter_get(&st->comp_pages) == 0);
	assert(counter_get(&st->raw_pages) == 0);
	zpool_destroy_pool(st->pool);
	free(st);
}

int zpfs_store_put(struct zpfs_store *st, const void *page,
		   struct zpfs_slot *slot)
{
	uint64_t word;
	size_t clen;
	int ret;

	if (page_same_filled(page, &word)) {
		counter_add(&st->same_pages, 1);
		*slot = zpfs_slot_same(word);
		return 0;
	}

	ret = check_room(st, ZPFS_PAGE_SIZE);
	if (ret)
		return ret;

	clen = zpfs_codec_compress(st->codec, st->level, page, scratch,
				   ZPFS_RAW_THRESHOLD);
	if (clen) {
		ret = put_comp(st, scratch, clen, slot);
		if (ret != -ENOSPC)
			return ret;
		/*
		 * larger than the back end's largest object, or a handle too
		 * large for a slot: go raw
		 */
	}
	return put_raw(st, page, slot);
}

int zpfs_store_read(struct zpfs_store *st, const struct zpfs_slot *slot,
		    void *buf, size_t off, size_t len)
{
	unsigned long handle;
	const void *src;
	int ret;

	assert(off <= ZPFS_PAGE_SIZE && len <= ZPFS_PAGE_SIZE - off);
	switch (zpfs_slot_kind(slot)) {
	case ZPFS_SLOT_HOLE:
		if (slot->enc)
			return -EIO;
		memset(buf, 0, len);
		return 0;
	case ZPFS_SLOT_SAME:
		switch ((slot->enc >> ZPFS_SLOT_MODE_SHIFT) &
			ZPFS_SLOT_MODE_MASK) {
		case 0:
		case 1:
			if (slot->enc & ZPFS_SLOT_SAME_ZERO)
				return -EIO;
			break;
		case 2:
			break;
		default:
			return -EIO;
		}
		fill_same(buf, off, len, zpfs_slot_word(slot));
		return 0;
	case ZPFS_SLOT_RAW:
		memcpy(buf, (const char *)zpfs_slot_page(slot) + off, len);
		return 0;
	case ZPFS_SLOT_COMP:
		break;
	}

	handle = zpfs_slot_handle(slot);
	src = zpool_map_handle(st->pool, handle, ZPOOL_MM_RO);
	if (off == 0 && len == ZPFS_PAGE_SIZE) {
		ret = zpfs_codec_decompress(st->codec, src, zpfs_slot_len(slot),
					    buf);
	} else {
		ret = zpfs_codec_decompress(st->codec, src, zpfs_slot_len(slot),
					    scratch);
		if (!ret)
			memcpy(buf, scratch + off, len);
	}
	zpool_unmap_handle(st->pool, handle);
	return ret;
}

void zpfs_store_drop(struct zpfs_store *st, struct zpfs_slot *slot)
{
	switch (zpfs_slot_kind(slot)) {
	case ZPFS_SLOT_HOLE:
		assert(slot->enc == 0);
		return;
	case ZPFS_SLOT_SAME:
		counter_sub(&st->same_pages, 1);
		break;
	case ZPFS_SLOT_COMP:
		zpool_free(st->pool, zpfs_slot_handle(slot));
		counter_sub(&st->comp_bytes, zpfs_slot_len(slot));
		counter_sub(&st->comp_pages, 1);
		break;
	case ZPFS_SLOT_RAW:
		zpool_page_free(zpfs_slot_page(slot));
		counter_sub(&st->raw_pages, 1);
		break;
	}
	slot->enc = 0;
}

int zpfs_store_dup(struct zpfs_store *st, const struct zpfs_slot *src,
		   struct zpfs_slot *dst)
{
	unsigned long handle;
	const void *obj;
	size_t len;
	int ret;

	switch (zpfs_slot_kind(src)) {
	case ZPFS_SLOT_HOLE:
		dst->enc = 0;
		return 0;
	case ZPFS_SLOT_SAME:
		counter_add(&st->same_pages, 1);
		*dst = *src;
		return 0;
	case ZPFS_SLOT_RAW:
		ret = check_room(st, ZPFS_PAGE_SIZE);
		return ret ? ret : put_raw(st, zpfs_slot_page(src), dst);
	case ZPFS_SLOT_COMP:
		break;
	}

	ret = check_room(st, ZPFS_PAGE_SIZE);
	if (ret)
		return ret;
	/*
	 * A thread maps one handle at a time (zpool.h): copy the object out
	 * to the scratch page, then into the new one.
	 */
	handle = zpfs_slot_handle(src);
	len = zpfs_slot_len(src);
	assert(len <= sizeof(scratch));
	obj = zpool_map_handle(st->pool, handle, ZPOOL_MM_RO);
	memcpy(scratch, obj, len);
	zpool_unmap_handle(st->pool, handle);
	ret = put_comp(st, scratch, len, dst);
	if (ret != -ENOSPC)
		return ret;
	/*
	 * The back end took this size once, so its new handle did not fit in
	 * a slot (put_comp()): keep the copy as a raw page.
	 */
	return put_raw_decompressed(st, scratch, len, dst);
}

int zpfs_store_meta_charge(struct zpfs_store *st, size_t bytes)
{
	int ret = check_room(st, bytes);

	if (!ret)
		counter_add(&st->meta_bytes, bytes);
	return ret;
}

void zpfs_store_meta_uncharge(struct zpfs_store *st, size_t bytes)
{
	counter_sub(&st->meta_bytes, bytes);
}

void zpfs_store_get_stats(struct zpfs_store *st, struct zpfs_store_stats *out)
{
	uint64_t raw = counter_get(&st->raw_pages);

	out->same_pages = counter_get(&st->same_pages);
	out->comp_pages = counter_get(&st->comp_pages);
	out->raw_pages = raw;
	out->stored_pages = out->same_pages + out->comp_pages + raw;
	out->compr_bytes = counter_get(&st->comp_bytes) + raw * ZPFS_PAGE_SIZE;
	out->pool_pages = zpool_get_total_pages(st->pool);
	out->meta_bytes = counter_get(&st->meta_bytes);
	out->mem_used = (out->pool_pages + raw) * ZPFS_PAGE_SIZE +
			out->meta_bytes;
	out->mem_limit = st->mem_limit;
	out->nospc = counter_get(&st->nospc);
	out->compacted_pages = counter_get(&st->compacted);
}

unsigned long zpfs_store_compact(struct zpfs_store *st)
{
	unsigned long freed = zpool_compact(st->pool);

	counter_add(&st->compacted, freed);
	return freed;
}

void zpfs_store_pool_stats(struct zpfs_store *st,
			   void (*emit)(void *arg, const char *key,
					uint64_t value),
			   void *arg)
{
	zpool_get_stats(st->pool, emit, arg);
}

const char *zpfs_store_backend(struct zpfs_store *st)
{
	return zpool_get_type(st->pool);
}

const struct zpfs_codec *zpfs_store_codec(struct zpfs_store *st, int *level)
{
	if (level)
		*level = st->level;
	return st->codec;
}
