/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * page.h - the page source: 4 KiB pages for back ends and raw file pages,
 * the userspace stand-in for the kernel's alloc_page()/__free_page().
 *
 * Pages are cut from large anonymous mmap()ed arenas. A freed page first
 * goes to a small reserve of warm pages, so that allocation churn does not
 * call into the kernel for every page; past the reserve it is handed back
 * to the operating system (madvise(MADV_DONTNEED)) and the process's
 * resident memory drops. One page source serves the whole process.
 */
#ifndef ZPOOLFS_ZPOOL_PAGE_H
#define ZPOOLFS_ZPOOL_PAGE_H

#include <stdint.h>

#define ZPOOL_PAGE_SHIFT	12
#define ZPOOL_PAGE_SIZE		(1ul << ZPOOL_PAGE_SHIFT)
#define ZPOOL_PAGE_MASK		(~(ZPOOL_PAGE_SIZE - 1))

/**
 * zpool_page_alloc() - get one page
 *
 * Return: a ZPOOL_PAGE_SIZE-aligned page of undefined contents, or NULL when
 * no memory can be had (or a fault was injected).
 */
void *zpool_page_alloc(void);

/**
 * zpool_page_free() - give back a page from zpool_page_alloc()
 * @page: the page; NULL is ignored
 */
void zpool_page_free(void *page);

/**
 * zpool_page_count() - pages handed out and not yet freed, process-wide.
 * Lock-free read.
 */
uint64_t zpool_page_count(void);

/**
 * zpool_page_resident() - pages the page source holds in memory: the pages
 * handed out plus the warm reserve. Lock-free read.
 */
uint64_t zpool_page_resident(void);

/**
 * zpool_page_fail_after() - fault injection for tests
 * @n: let @n more allocations succeed, then fail every one after them;
 *     a negative @n turns fault injection off
 */
void zpool_page_fail_after(long n);

#endif /* ZPOOLFS_ZPOOL_PAGE_H */
