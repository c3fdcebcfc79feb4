/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * file.c - the data of regular files: read, write, truncate, fallocate,
 * lseek and copy_file_range over the page map (pagemap.c) and the page
 * store (store.c).
 *
 * A file is its logical size plus a sparse map from page index to slot:
 *
 *   page   0      1      2      3            n-1
 *        +------+------+------+------+-...-+------+
 *        | comp | hole | same | raw  |     | comp |
 *        +------+------+------+------+-...-+---+--+
 *        0                                     ^ size: the bytes of
 *                                      the last page past it are zero
 *
 * Invariants, kept by every mutator:
 *  - no stored (non-hole) page lies wholly at or past the size, and the
 *    bytes of the last page past the size read as zero, so that extending
 *    the file (truncate up, a write past the end) never needs to touch data;
 *  - nr_same / nr_comp / nr_raw / comp_bytes match the slots exactly.
 *
 * Writes (DESIGN.md decisions 3-4): a whole-page write compresses straight
 * from the request buffer; a partial one decompresses the old page into a
 * per-thread scratch page, patches it and stores that. Either way the new
 * slot is made first (zpfs_store_put(): the whole pages at the start of a
 * write with no lock at all, the rest with io_lock held), then
 * swapped in under map_lock held for writing, and only then is the old slot
 * dropped: a failed allocation (ENOSPC, ENOMEM) leaves the old data as it
 * was, and a write that fails part way returns the bytes written so far.
 *
 * Locking (see "Lock ordering" in fs_i.h): the data mutators (write,
 * truncate, fallocate, copy_file_range's target) hold the file's io_lock
 * for their whole run, which serialises them; only io_lock holders change
 * slots, so they may read the map without map_lock. Every change to the
 * map or the size is made under map_lock held for writing, for a few
 * instructions (plus freeing the nodes/pages a truncate drops). Readers
 * hold map_lock for reading while they decompress, so the slot they read
 * cannot be dropped under them. Compression runs with no lock but io_lock,
 * or none.
 * Times are updated under the inode's .lock after the data locks are
 * released (.lock is never held while taking io_lock or map_lock).
 *
 * Page-map nodes are metadata: their bytes (zpfs_pagemap.node_bytes) are
 * charged to the store as the map grows (map_charged says how much is
 * charged), so a mount full of metadata refuses more with ENOSPC.
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs/fs_i.h"

#define PAGE_SIZE	ZPFS_PAGE_SIZE
#define PAGE_SHIFT	ZPFS_PAGE_SHIFT

/* The last page index a file may have. */
#define MAX_INDEX	(ZPFS_MAX_FILE_SIZE >> PAGE_SHIFT)

/* ------------------------------------------------------------------------
 * Per-thread buffers
 * ------------------------------------------------------------------------ */

/*
 * Each request thread keeps a scratch page (partial writes) and a growing
 * buffer (read replies, writes that arrive in pieces), so that the data path
 * allocates nothing per request. They go when the thread exits.
 */
struct thread_bufs {
	void *buf;
	size_t cap;
	size_t used;	/* bytes of buf handed out since its last release */
	void *page;
};

static pthread_key_t bufs_key;
static pthread_once_t bufs_once = PTHREAD_ONCE_INIT;

static void bufs_free(void *arg)
{
	struct thread_bufs *b = arg;

	free(b->buf);
	free(b->page);
	free(b);
}

static void bufs_key_init(void)
{
	if (pthread_key_create(&bufs_key, bufs_free))
		abort();	/* only when the process is out of keys */
}

static struct thread_bufs *thread_bufs(void)
{
	struct thread_bufs *b;

	pthread_once(&bufs_once, bufs_key_init);
	b = pthread_getspecific(bufs_key);
	if (b)
		return b;
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	if (pthread_setspecific(bufs_key, b)) {
		free(b);
		return NULL;
	}
	return b;
}

static void *scratch_page(void)
{
	struct thread_bufs *b = thread_bufs();

	if (!b)
		return NULL;
	if (!b->page)
		b->page = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	return b->page;
}

/**
 * zpfs_file_buffer() - this thread's reply buffer
 * @size: bytes needed
 *
 * The buffer is reused by the thread's next call; it is freed when the
 * thread exits. Return: the buffer, or NULL when memory is short.
 */
void *zpfs_file_buffer(size_t size)
{
	struct thread_bufs *b = thread_bufs();
	void *p;

	if (!b)
		return NULL;
	if (size > b->used)
		b->used = size;
	if (size <= b->cap)
		return b->buf;
	/* Round up, so a stream of slightly larger sizes reallocates rarely. */
	size = (size + 65535) & ~(size_t)65535;
	p = malloc(size);
	if (!p)
		return NULL;
	free(b->buf);
	b->buf = p;
	b->cap = size;
	return p;
}

/**
 * zpfs_file_buffer_dirty() - whether this thread's reply buffer holds
 * pages that zpfs_file_buffer_release() would give back. Can't fail.
 */
bool zpfs_file_buffer_dirty(void)
{
	struct thread_bufs *b;

	pthread_once(&bufs_once, bufs_key_init);
	b = pthread_getspecific(bufs_key);

	return b && b->buf && b->used > PAGE_SIZE;
}

/**
 * zpfs_file_buffer_release() - give back the memory of this thread's
 * reply buffer, for a thread that has been idle a while
 *
 * A READ of 1 MiB leaves a 1 MiB reply buffer resident in its thread for
 * the thread's life. This hands the pages it wholly covers back to the
 * system (madvise(MADV_DONTNEED)) and keeps the buffer: its next use
 * faults them in again, zeroed. Not free(): glibc keeps a freed chunk of
 * that size in its heap once its mmap threshold has grown. Can't fail.
 */
void zpfs_file_buffer_release(void)
{
	struct thread_bufs *b;

	pthread_once(&bufs_once, bufs_key_init);
	b = pthread_getspecific(bufs_key);

	if (!b || !b->buf)
		return;
	zpfs_wire_release(b->buf, b->cap, 0, b->used);
	b->used = 0;
}

/* ------------------------------------------------------------------------
 * Helpers (the caller holds what each says)
 * ------------------------------------------------------------------------ */

/* Count a slot into / out of the file's figures. map_lock held for write. */
static void acct_add(struct zpfs_inode *f, const struct zpfs_slot *s)
{
	switch (zpfs_slot_kind(s)) {
	case ZPFS_SLOT_HOLE:
		break;
	case ZPFS_SLOT_SAME:
		f->file.nr_same++;
		break;
	case ZPFS_SLOT_COMP:
		f->file.nr_comp++;
		f->file.comp_bytes += zpfs_slot_len(s);
		break;
	case ZPFS_SLOT_RAW:
		f->file.nr_raw++;
		break;
	}
}

static void acct_sub(struct zpfs_inode *f, const struct zpfs_slot *s)
{
	switch (zpfs_slot_kind(s)) {
	case ZPFS_SLOT_HOLE:
		break;
	case ZPFS_SLOT_SAME:
		f->file.nr_same--;
		break;
	case ZPFS_SLOT_COMP:
		f->file.nr_comp--;
		f->file.comp_bytes -= zpfs_slot_len(s);
		break;
	case ZPFS_SLOT_RAW:
		f->file.nr_raw--;
		break;
	}
}

/*
 * Bring the metadata charge in line with the map's node bytes. map_lock
 * held for write. Return: 0, or -ENOSPC (the growth stays uncharged; the
 * next successful call charges it).
 */
static int sync_charge(struct zpfs_fs *fs, struct zpfs_inode *f)
{
	size_t now = f->file.map.node_bytes, was = f->file.map_charged;

	if (now > was) {
		if (zpfs_store_meta_charge(fs->store, now - was))
			return -ENOSPC;
	} else if (now < was) {
		zpfs_store_meta_uncharge(fs->store, was - now);
	}
	f->file.map_charged = now;
	return 0;
}

struct drop_ctx {
	struct zpfs_fs *fs;
	struct zpfs_inode *f;
};

/* zpfs_pagemap_remove() callback: map_lock held for write. */
static void drop_slot(struct zpfs_slot *slot, void *arg)
{
	struct drop_ctx *ctx = arg;

	acct_sub(ctx->f, slot);
	zpfs_store_drop(ctx->fs->store, slot);
}

/* Drop pages [first, last]. io_lock held; takes map_lock for write. */
static void remove_pages(struct zpfs_fs *fs, struct zpfs_inode *f,
			 uint64_t first, uint64_t last)
{
	struct drop_ctx ctx = { fs, f };

	if (first > last)
		return;
	pthread_rwlock_wrlock(&f->file.map_lock);
	zpfs_pagemap_remove(&f->file.map, first, last, drop_slot, &ctx);
	sync_charge(fs, f);
	pthread_rwlock_unlock(&f->file.map_lock);
}

/*
 * Install @new as page @idx, raising the size to @end if that is larger,
 * then drop the slot it replaces. io_lock held; takes map_lock for write.
 * On error @new is dropped and the page is unchanged.
 * Return: 0, -ENOMEM, -ENOSPC.
 */
static int install(struct zpfs_fs *fs, struct zpfs_inode *f, uint64_t idx,
		   struct zpfs_slot *new, uint64_t end)
{
	struct zpfs_slot *slot, old;
	int err;

	pthread_rwlock_wrlock(&f->file.map_lock);
	err = zpfs_pagemap_get(&f->file.map, idx, &slot);
	if (!err)
		err = sync_charge(fs, f);
	if (err) {
		pthread_rwlock_unlock(&f->file.map_lock);
		zpfs_store_drop(fs->store, new);
		return err;
	}
	old = *slot;
	*slot = *new;
	acct_sub(f, &old);
	acct_add(f, new);
	if (end > f->file.size)
		f->file.size = end;
	pthread_rwlock_unlock(&f->file.map_lock);
	zpfs_store_drop(fs->store, &old);
	return 0;
}

/* Is page @idx stored? io_lock held. */
static bool page_stored(struct zpfs_inode *f, uint64_t idx)
{
	const struct zpfs_slot *slot = zpfs_pagemap_lookup(&f->file.map, idx);

	return slot && zpfs_slot_kind(slot) != ZPFS_SLOT_HOLE;
}

/* Decompress page @idx into @page (zeros for a hole). io_lock held. */
static int load_page(struct zpfs_fs *fs, struct zpfs_inode *f, uint64_t idx,
		     void *page)
{
	const struct zpfs_slot *slot = zpfs_pagemap_lookup(&f->file.map, idx);

	if (!slot || zpfs_slot_kind(slot) == ZPFS_SLOT_HOLE) {
		memset(page, 0, PAGE_SIZE);
		return 0;
	}
	return zpfs_store_read(fs->store, slot, page, 0, PAGE_SIZE);
}

/*
 * Zero bytes [off, off + len) of stored page @idx; a hole is left alone.
 * io_lock held. Return: 0, -EIO, -ENOMEM, -ENOSPC (page unchanged).
 */
static int zero_part(struct zpfs_fs *fs, struct zpfs_inode *f, uint64_t idx,
		     size_t off, size_t len)
{
	struct zpfs_slot new;
	void *page;
	int err;

	if (!page_stored(f, idx))
		return 0;
	page = scratch_page();
	if (!page)
		return -ENOMEM;
	err = load_page(fs, f, idx, page);
	if (err)
		return err;
	memset((char *)page + off, 0, len);
	err = zpfs_store_put(fs->store, page, &new);
	if (err)
		return err;
	return install(fs, f, idx, &new, 0);
}

/* mtime and ctime to now, after a change of data. No lock held. */
static void touch_mc(struct zpfs_inode *f)
{
	struct timespec now;

	zpfs_now(&now);
	pthread_mutex_lock(&f->lock);
	f->mtime = now;
	f->ctime = now;
	pthread_mutex_unlock(&f->lock);
}

/* The whole pages of one write, compressed in parallel (par.c). */
struct put_batch {
	struct zpfs_store *store;
	const char *src;		/* page i at src + i * PAGE_SIZE */
	struct zpfs_slot *slots;	/* the result of page i */
	int *errs;			/* 0 or zpfs_store_put()'s error */
};

static void put_one(void *arg, unsigned int i)
{
	struct put_batch *b = arg;

	b->errs[i] = zpfs_store_put(b->store, b->src + (size_t)i * PAGE_SIZE,
				    &b->slots[i]);
}

/* Pages compressed at once: a max_write (1 MiB) request in one batch. */
#define PUT_BATCH	256

/* Compress @nr <= PUT_BATCH whole pages from @src. No lock needed. */
static void put_pages(struct zpfs_fs *fs, const char *src, unsigned int nr,
		      struct zpfs_slot *slots, int *errs)
{
	struct put_batch b = { fs->store, src, slots, errs };

	zpfs_par_run(fs->par, put_one, &b, nr);
}

/*
 * Install the @nr pages put_pages() made as pages @idx.. in order, stopping
 * at the first failure (the pages past it are dropped). io_lock held.
 * Return: the pages written; *err set when fewer than @nr.
 */
static unsigned int install_pages(struct zpfs_fs *fs, struct zpfs_inode *f,
				  struct zpfs_slot *slots, const int *errs,
				  unsigned int nr, uint64_t idx, int *err)
{
	unsigned int i, j;

	for (i = 0; i < nr; i++) {
		*err = errs[i];
		if (!*err)
			*err = install(fs, f, idx + i, &slots[i],
				       (idx + i + 1) << PAGE_SHIFT);
		if (*err)
			break;
	}
	for (j = i + 1; j < nr; j++)
		if (!errs[j])
			zpfs_store_drop(fs->store, &slots[j]);
	return i;
}

/* Store @nr whole pages from @src as pages @idx..; as install_pages(). */
static unsigned int write_pages(struct zpfs_fs *fs, struct zpfs_inode *f,
				const char *src, unsigned int nr, uint64_t idx,
				int *err)
{
	struct zpfs_slot slots[PUT_BATCH];
	int errs[PUT_BATCH];

	put_pages(fs, src, nr, slots, errs);
	return install_pages(fs, f, slots, errs, nr, idx, err);
}

/*
 * Write @size bytes at @off. io_lock held. Return as zpfs_file_write();
 * *done says how many bytes are in.
 */
static int write_locked(struct zpfs_fs *fs, struct zpfs_inode *f,
			const char *buf, size_t size, uint64_t off,
			size_t *done)
{
	uint64_t pos = off, end = off + size;
	int err = 0;

	while (pos < end) {
		uint64_t idx = pos >> PAGE_SHIFT;
		size_t poff = pos & (PAGE_SIZE - 1);
		size_t n = PAGE_SIZE - poff;
		struct zpfs_slot new;
		const void *src;

		if (n > end - pos)
			n = end - pos;
		if (!poff && end - pos >= 2 * PAGE_SIZE) {
			uint64_t nr = (end - pos) >> PAGE_SHIFT;
			unsigned int put;

			if (nr > PUT_BATCH)
				nr = PUT_BATCH;
			put = write_pages(fs, f, buf + (pos - off),
					  (unsigned int)nr, idx, &err);
			pos += (uint64_t)put << PAGE_SHIFT;
			if (put < nr)
				break;
			continue;
		}
		if (n == PAGE_SIZE) {
			src = buf + (pos - off);
		} else {
			char *page = scratch_page();

			if (!page) {
				err = -ENOMEM;
				break;
			}
			err = load_page(fs, f, idx, page);
			if (err)
				break;
			memcpy(page + poff, buf + (pos - off), n);
			src = page;
		}
		err = zpfs_store_put(fs->store, src, &new);
		if (err)
			break;
		err = install(fs, f, idx, &new, pos + n);
		if (err)
			break;
		pos += n;
	}
	*done = pos - off;
	return err;
}

/*
 * Make [off, zend) read as zeros; zend <= size. Whole pages are dropped,
 * partial ones at the edges rewritten (a page whose bytes from the range's
 * start to the end of the file are all zeroed counts as whole). io_lock
 * held. Return: 0, -ENOSPC, -ENOMEM, -EIO.
 */
static int punch_locked(struct zpfs_fs *fs, struct zpfs_inode *f,
			uint64_t off, uint64_t zend)
{
	uint64_t first = off >> PAGE_SHIFT, last = (zend - 1) >> PAGE_SHIFT;
	size_t head = off & (PAGE_SIZE - 1), tail = zend & (PAGE_SIZE - 1);
	bool to_eof = zend == f->file.size;
	int err;

	if (first == last) {
		if (!head && (!tail || to_eof)) {
			remove_pages(fs, f, first, first);
			return 0;
		}
		return zero_part(fs, f, first, head, zend - off);
	}
	if (head) {
		err = zero_part(fs, f, first, head, PAGE_SIZE - head);
		if (err)
			return err;
		first++;
	}
	if (tail && !to_eof) {
		err = zero_part(fs, f, last, 0, tail);
		if (err)
			return err;
		last--;
	}
	remove_pages(fs, f, first, last);
	return 0;
}

/* ------------------------------------------------------------------------
 * API
 * ------------------------------------------------------------------------ */

/* The pages of one read, decompressed in parallel (par.c). */
struct get_batch {
	struct zpfs_fs *fs;
	struct zpfs_inode *f;
	char *buf;			/* byte off of the file lands at buf */
	uint64_t off, end;		/* the bytes to read: [off, end) */
	uint64_t first;			/* index i is page first + i */
	int *errs;			/* 0 or the error of index i */
};

/* Pages decompressed at once, and the fewest worth spreading. */
#define GET_BATCH	256
#define GET_PAR_MIN	8

/* Read the part of page b->first + @i in [off, end). map_lock held. */
static void get_one(void *arg, unsigned int i)
{
	struct get_batch *b = arg;
	uint64_t idx = b->first + i;
	uint64_t pos = idx << PAGE_SHIFT, stop = pos + PAGE_SIZE;
	const struct zpfs_slot *slot;
	char *dst;
	size_t poff = 0;

	if (pos < b->off) {
		poff = b->off - pos;
		pos = b->off;
	}
	if (stop > b->end)
		stop = b->end;
	dst = b->buf + (pos - b->off);
	slot = zpfs_pagemap_lookup(&b->f->file.map, idx);
	b->errs[i] = 0;
	if (!slot || zpfs_slot_kind(slot) == ZPFS_SLOT_HOLE)
		memset(dst, 0, stop - pos);
	else
		b->errs[i] = zpfs_store_read(b->fs->store, slot, dst, poff,
					     stop - pos);
}

/**
 * zpfs_file_read() - read from a regular file
 * @fs: the mount
 * @inode: the file
 * @buf: destination, @size bytes
 * @size: bytes wanted
 * @off: file offset
 * @done: set to the bytes read: short at the end of the file, 0 past it
 *
 * Holes read as zeros. Holds map_lock for reading while it decompresses.
 * Return: 0, or -EIO when stored data is corrupt and nothing was read
 * (a corrupt page after good ones ends the read short).
 */
int zpfs_file_read(struct zpfs_fs *fs, struct zpfs_inode *inode, void *buf,
		   size_t size, uint64_t off, size_t *done)
{
	struct zpfs_inode *f = inode;
	int errs[GET_BATCH];
	struct get_batch b = { fs, f, buf, off, 0, 0, errs };
	uint64_t pos = off, end;
	int err = 0;

	pthread_rwlock_rdlock(&f->file.map_lock);
	end = f->file.size;
	if (off >= end) {
		end = off;
	} else if (size < end - off) {
		end = off + size;
	}
	b.end = end;
	while (pos < end) {
		uint64_t last = (end - 1) >> PAGE_SHIFT;
		unsigned int nr, i;

		b.first = pos >> PAGE_SHIFT;
		nr = last - b.first >= GET_BATCH ? GET_BATCH :
		     (unsigned int)(last - b.first + 1);
		if (nr >= GET_PAR_MIN)
			zpfs_par_run(fs->par, get_one, &b, nr);
		else
			for (i = 0; i < nr; i++)
				get_one(&b, i);
		for (i = 0; i < nr && !errs[i]; i++)
			;
		if (i < nr) {
			err = errs[i];
			if (i)
				pos = (b.first + i) << PAGE_SHIFT;
			break;
		}
		pos = (b.first + nr) << PAGE_SHIFT;
		if (pos > end)
			pos = end;
	}
	pthread_rwlock_unlock(&f->file.map_lock);
	*done = pos - off;
	return *done ? 0 : err;
}

/**
 * zpfs_file_write() - write to a regular file
 * @fs: the mount
 * @inode: the file
 * @buf: the data; read in place, never copied for whole pages
 * @size: its length
 * @off: file offset; writing past the end leaves a hole between
 * @done: set to the bytes written
 *
 * Sets mtime and ctime when anything was written.
 * Return: 0 when *@done > 0 (even if the rest failed) or @size is 0;
 * otherwise -EFBIG (@off at or past ZPFS_MAX_FILE_SIZE), -ENOSPC (the
 * mount's memory limit: the old data stays intact), -ENOMEM, -EIO (a page
 * to patch is corrupt).
 */
int zpfs_file_write(struct zpfs_fs *fs, struct zpfs_inode *inode,
		    const void *buf, size_t size, uint64_t off, size_t *done)
{
	struct zpfs_inode *f = inode;
	struct zpfs_slot slots[PUT_BATCH];
	int errs[PUT_BATCH];
	unsigned int nr = 0;
	size_t more = 0;
	int err = 0;

	*done = 0;
	if (!size)
		return 0;
	if (off >= ZPFS_MAX_FILE_SIZE)
		return -EFBIG;
	if (size > ZPFS_MAX_FILE_SIZE - off)
		size = ZPFS_MAX_FILE_SIZE - off;

	/*
	 * Whole pages at the start are compressed before io_lock is taken:
	 * writers of one file (parallel direct writes, cache=none) then
	 * compress side by side and queue only to install. A truncate that
	 * comes in between is simply ordered before this write.
	 */
	if (!(off & (PAGE_SIZE - 1)) && size >= PAGE_SIZE) {
		nr = size >> PAGE_SHIFT < PUT_BATCH ?
		     (unsigned int)(size >> PAGE_SHIFT) : PUT_BATCH;
		put_pages(fs, buf, nr, slots, errs);
	}
	pthread_mutex_lock(&f->file.io_lock);
	if (nr) {
		unsigned int put = install_pages(fs, f, slots, errs, nr,
						 off >> PAGE_SHIFT, &err);

		*done = (size_t)put << PAGE_SHIFT;
	}
	if (!err && *done < size) {
		err = write_locked(fs, f, (const char *)buf + *done,
				   size - *done, off + *done, &more);
		*done += more;
	}
	pthread_mutex_unlock(&f->file.io_lock);
	if (!*done)
		return err;
	touch_mc(f);
	return 0;
}

/**
 * zpfs_file_truncate() - set a regular file's size
 * @fs: the mount
 * @inode: the file
 * @size: new size
 *
 * Shrinking drops the pages past the end and zeroes the tail of the last
 * partial page (stored anew); growing only sets the size. Times are the
 * caller's business (setattr).
 * Return: 0; -EFBIG over ZPFS_MAX_FILE_SIZE; -ENOSPC / -ENOMEM when the
 * patched last page cannot be stored, -EIO when it is corrupt (the file is
 * unchanged then).
 */
int zpfs_file_truncate(struct zpfs_fs *fs, struct zpfs_inode *inode,
		       uint64_t size)
{
	struct zpfs_inode *f = inode;
	struct drop_ctx ctx = { fs, f };
	struct zpfs_slot new = { 0 }, old = { 0 }, *slot;
	uint64_t tail = size >> PAGE_SHIFT;
	bool patch = false;
	int err = 0;

	if (size > ZPFS_MAX_FILE_SIZE)
		return -EFBIG;

	pthread_mutex_lock(&f->file.io_lock);
	if (size >= f->file.size) {
		pthread_rwlock_wrlock(&f->file.map_lock);
		f->file.size = size;
		pthread_rwlock_unlock(&f->file.map_lock);
		goto out_unlock;
	}

	/* The new last page, when partial and stored, loses its tail. */
	if ((size & (PAGE_SIZE - 1)) && page_stored(f, tail)) {
		char *page = scratch_page();

		err = -ENOMEM;
		if (!page)
			goto out_unlock;
		err = load_page(fs, f, tail, page);
		if (err)
			goto out_unlock;
		memset(page + (size & (PAGE_SIZE - 1)), 0,
		       PAGE_SIZE - (size & (PAGE_SIZE - 1)));
		err = zpfs_store_put(fs->store, page, &new);
		if (err)
			goto out_unlock;
		patch = true;
	}

	/* One critical section: readers see the old file or the new one. */
	pthread_rwlock_wrlock(&f->file.map_lock);
	if (patch) {
		/* The slot exists (stored above; only we change the map). */
		slot = zpfs_pagemap_lookup(&f->file.map, tail);
		assert(slot);
		old = *slot;
		*slot = new;
		acct_sub(f, &old);
		acct_add(f, &new);
	}
	zpfs_pagemap_remove(&f->file.map,
			    (size + PAGE_SIZE - 1) >> PAGE_SHIFT, UINT64_MAX,
			    drop_slot, &ctx);
	sync_charge(fs, f);
	f->file.size = size;
	pthread_rwlock_unlock(&f->file.map_lock);
	zpfs_store_drop(fs->store, &old);

out_unlock:
	pthread_mutex_unlock(&f->file.io_lock);
	return err;
}

/**
 * zpfs_file_fallocate() - allocate, punch or zero a range of a file
 * @fs: the mount
 * @inode: the file
 * @mode: 0, FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
 *	  or FALLOC_FL_ZERO_RANGE (with or without FALLOC_FL_KEEP_SIZE)
 * @off: start of the range
 * @len: its length, > 0
 *
 * Allocation reserves nothing (pages are stored when written) but extends
 * the size unless KEEP_SIZE is given. Punching and zeroing drop the whole
 * pages of the range and zero the partial pages at its edges. Sets mtime
 * and ctime when the size or data changed.
 * Return: 0; -EOPNOTSUPP for other modes; -EINVAL for a zero length or a
 * negative range; -EFBIG past ZPFS_MAX_FILE_SIZE; -ENOSPC / -ENOMEM / -EIO
 * when a partial edge page cannot be rewritten (whole pages before it may
 * already be zeroed).
 */
int zpfs_file_fallocate(struct zpfs_fs *fs, struct zpfs_inode *inode,
			int mode, uint64_t off, uint64_t len)
{
	struct zpfs_inode *f = inode;
	uint64_t end, zend;
	bool changed = false;
	int err = 0;

	if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE |
		     FALLOC_FL_ZERO_RANGE))
		return -EOPNOTSUPP;
	if ((mode & FALLOC_FL_PUNCH_HOLE) &&
	    (!(mode & FALLOC_FL_KEEP_SIZE) || (mode & FALLOC_FL_ZERO_RANGE)))
		return -EOPNOTSUPP;
	if (!len || off > (uint64_t)INT64_MAX || len > (uint64_t)INT64_MAX)
		return -EINVAL;
	if (len > ZPFS_MAX_FILE_SIZE - off)
		return -EFBIG;
	end = off + len;

	pthread_mutex_lock(&f->file.io_lock);
	if (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) {
		/* Only [off, min(end, size)) can hold data. */
		zend = end < f->file.size ? end : f->file.size;
		if (off < zend) {
			err = punch_locked(fs, f, off, zend);
			changed = true;
		}
	}
	if (!err && !(mode & FALLOC_FL_KEEP_SIZE) && end > f->file.size) {
		pthread_rwlock_wrlock(&f->file.map_lock);
		f->file.size = end;
		pthread_rwlock_unlock(&f->file.map_lock);
		changed = true;
	}
	pthread_mutex_unlock(&f->file.io_lock);
	if (changed)
		touch_mc(f);
	return err;
}

/**
 * zpfs_file_lseek() - SEEK_DATA and SEEK_HOLE
 * @fs: the mount
 * @inode: the file
 * @off: where to start
 * @whence: SEEK_DATA or SEEK_HOLE
 * @pos: set to the result
 *
 * Data is any stored page (same-filled zero pages included); the end of the
 * file is a hole.
 * Return: 0; -ENXIO when @off is at or past the end, or no data follows it;
 * -EINVAL for another @whence.
 */
int zpfs_file_lseek(struct zpfs_fs *fs, struct zpfs_inode *inode,
		    uint64_t off, int whence, uint64_t *pos)
{
	struct zpfs_inode *f = inode;
	uint64_t size, idx, found;
	int err = 0;

	(void)fs;
	if (whence != SEEK_DATA && whence != SEEK_HOLE)
		return -EINVAL;
	pthread_rwlock_rdlock(&f->file.map_lock);
	size = f->file.size;
	if (off >= size) {
		err = -ENXIO;
		goto out_unlock;
	}
	idx = off >> PAGE_SHIFT;
	if (whence == SEEK_DATA) {
		found = idx;
		if (zpfs_pagemap_next(&f->file.map, &found)) {
			err = -ENXIO;
			goto out_unlock;
		}
		*pos = found == idx ? off : found << PAGE_SHIFT;
		if (*pos >= size)
			err = -ENXIO;
		goto out_unlock;
	}
	/* SEEK_HOLE: the first page from idx that is not stored. */
	for (;;) {
		found = idx;
		if (zpfs_pagemap_next(&f->file.map, &found) || found != idx)
			break;
		if (idx >= MAX_INDEX || (idx + 1) << PAGE_SHIFT >= size) {
			idx = size >> PAGE_SHIFT;
			*pos = size;
			goto out_unlock;
		}
		idx++;
	}
	*pos = idx == off >> PAGE_SHIFT ? off : idx << PAGE_SHIFT;
	if (*pos > size)
		*pos = size;
out_unlock:
	pthread_rwlock_unlock(&f->file.map_lock);
	return err;
}

/*
 * Copy page @idx_in of @in to page @idx_out of @out without decompressing
 * it. @out's io_lock held (which covers @in too when they are the same
 * file). Return: 0, -ENOSPC, -ENOMEM, -EIO (zpfs_store_dup()).
 */
static int dup_page(struct zpfs_fs *fs, struct zpfs_inode *in,
		    uint64_t idx_in, struct zpfs_inode *out, uint64_t idx_out,
		    uint64_t end)
{
	const struct zpfs_slot *src;
	struct zpfs_slot new;
	int err = 0;
	bool hole;

	if (in != out)
		pthread_rwlock_rdlock(&in->file.map_lock);
	src = zpfs_pagemap_lookup(&in->file.map, idx_in);
	hole = !src || zpfs_slot_kind(src) == ZPFS_SLOT_HOLE;
	if (!hole)
		err = zpfs_store_dup(fs->store, src, &new);
	if (in != out)
		pthread_rwlock_unlock(&in->file.map_lock);
	if (err)
		return err;
	if (hole) {
		remove_pages(fs, out, idx_out, idx_out);
		pthread_rwlock_wrlock(&out->file.map_lock);
		if (end > out->file.size)
			out->file.size = end;
		pthread_rwlock_unlock(&out->file.map_lock);
		return 0;
	}
	return install(fs, out, idx_out, &new, end);
}

/**
 * zpfs_file_copy_range() - copy bytes between regular files
 * @fs: the mount
 * @in: source file
 * @off_in: source offset
 * @out: destination file (may be @in; the ranges must not overlap)
 * @off_out: destination offset
 * @len: bytes to copy
 * @done: set to the bytes copied (short at the end of @in)
 *
 * Whole pages at page-aligned offsets on both sides are copied as stored
 * (zpfs_store_dup(): no decompression, holes stay holes); the rest goes
 * through a buffer. Sets @out's mtime and ctime when anything was copied.
 * Return: 0 when *@done > 0 or nothing was to copy; otherwise -EFBIG,
 * -ENOSPC, -ENOMEM, -EIO.
 */
int zpfs_file_copy_range(struct zpfs_fs *fs, struct zpfs_inode *in,
			 uint64_t off_in, struct zpfs_inode *out,
			 uint64_t off_out, size_t len, size_t *done)
{
	size_t copied = 0;
	int err = 0;

	*done = 0;
	if (!len)
		return 0;
	if (off_out >= ZPFS_MAX_FILE_SIZE)
		return -EFBIG;
	if (len > ZPFS_MAX_FILE_SIZE - off_out)
		len = ZPFS_MAX_FILE_SIZE - off_out;

	pthread_mutex_lock(&out->file.io_lock);
	while (copied < len) {
		uint64_t pi = off_in + copied, po = off_out + copied;
		uint64_t in_size;
		size_t n, got, put;
		char *buf;

		pthread_rwlock_rdlock(&in->file.map_lock);
		in_size = in->file.size;
		pthread_rwlock_unlock(&in->file.map_lock);
		if (pi >= in_size)
			break;

		if (!(pi & (PAGE_SIZE - 1)) && !(po & (PAGE_SIZE - 1)) &&
		    len - copied >= PAGE_SIZE && in_size - pi >= PAGE_SIZE) {
			err = dup_page(fs, in, pi >> PAGE_SHIFT, out,
				       po >> PAGE_SHIFT, po + PAGE_SIZE);
			if (err)
				break;
			copied += PAGE_SIZE;
			continue;
		}

		/* Up to the next page boundary of the source. */
		n = PAGE_SIZE - (pi & (PAGE_SIZE - 1));
		if (n > len - copied)
			n = len - copied;
		/* Not the scratch page: write_locked() patches in that. */
		buf = zpfs_file_buffer(n);
		if (!buf) {
			err = -ENOMEM;
			break;
		}
		err = zpfs_file_read(fs, in, buf, n, pi, &got);
		if (err || !got)
			break;
		err = write_locked(fs, out, buf, got, po, &put);
		copied += put;
		if (err || put < got)
			break;
	}
	pthread_mutex_unlock(&out->file.io_lock);
	*done = copied;
	if (!copied)
		return err;
	touch_mc(out);
	return 0;
}

/**
 * zpfs_file_free_pages() - drop every page of a file being freed
 * @fs: the mount
 * @inode: the file; nobody else can reach it
 *
 * Gives back the pages, the map's nodes and their charge. Can't fail.
 */
void zpfs_file_free_pages(struct zpfs_fs *fs, struct zpfs_inode *inode)
{
	struct drop_ctx ctx = { fs, inode };

	zpfs_pagemap_remove(&inode->file.map, 0, UINT64_MAX, drop_slot, &ctx);
	sync_charge(fs, inode);
	if (inode->file.map_charged) {
		zpfs_store_meta_uncharge(fs->store, inode->file.map_charged);
		inode->file.map_charged = 0;
	}
}
