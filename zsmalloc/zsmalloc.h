/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zsmalloc.h - the zsmalloc allocator: compressed objects of 1 to 4096
 * bytes packed into size classes of multi-page "zspages", behind handles
 * that stay valid while compaction moves the objects (design of
 * mm/zsmalloc.c, Linux v6.1, with longer zspage chains). See
 * zsmalloc/zsmalloc.c for the design, the layouts and the locking; the
 * kernel-doc of each function is there.
 *
 * Most users reach zsmalloc through the zpool front end (type "zsmalloc",
 * with zpool_compact() and zpool_get_stats()); the direct API is for tests,
 * benchmarks and registering the driver.
 */
#ifndef ZPOOLFS_ZSMALLOC_H
#define ZPOOLFS_ZSMALLOC_H

#include <stddef.h>
#include <stdint.h>

#include "zpool/zpool.h"

/* Largest object: a whole page, so that incompressible pages fit too. */
#define ZS_MAX_ALLOC_SIZE	4096

struct zs_pool;

/**
 * struct zs_class_stats - one size class, as zs_class_stats() reports it
 * @size:	slot size of the class: objects of (size - 15) to size bytes
 *		(or of a wider range when neighbouring classes were merged)
 * @pages_per_zspage: pages a full zspage of the class spans
 * @objs_per_zspage: slots in one zspage
 * @objs:	live objects
 * @zspages:	zspages holding at least one object
 * @pages:	pages those zspages hold (pages no live object touches are
 *		given back, so this can be less than zspages times
 *		pages_per_zspage)
 * @holes:	free slots lying wholly on pages held: what compaction can
 *		fill
 */
struct zs_class_stats {
	unsigned int size;
	unsigned int pages_per_zspage;
	unsigned int objs_per_zspage;
	uint64_t objs;
	uint64_t zspages;
	uint64_t pages;
	uint64_t holes;
};

/**
 * struct zs_pool_stats - pool-wide figures, as zs_pool_stats() reports them
 * @objs:	live objects
 * @zspages:	zspages
 * @zspage_pages: pages holding objects
 * @handle_pages: pages holding the handle table
 * @meta_bytes:	bytes malloc() takes for the zspage descriptors and the
 *		id tables
 * @pages_compacted: pages freed by compaction since the pool was created
 * @objs_moved:	objects moved by compaction since the pool was created
 * @auto_compactions: compaction rounds run by zs_free() on its own
 */
struct zs_pool_stats {
	uint64_t objs;
	uint64_t zspages;
	uint64_t zspage_pages;
	uint64_t handle_pages;
	uint64_t meta_bytes;
	uint64_t pages_compacted;
	uint64_t objs_moved;
	uint64_t auto_compactions;
};

struct zs_pool *zs_create_pool(const char *name);
void zs_destroy_pool(struct zs_pool *pool);
int zs_malloc(struct zs_pool *pool, size_t size, gfp_t gfp,
	      unsigned long *handle);
void zs_free(struct zs_pool *pool, unsigned long handle);
void *zs_map_object(struct zs_pool *pool, unsigned long handle,
		    enum zpool_mapmode mm);
void zs_unmap_object(struct zs_pool *pool, unsigned long handle);
uint64_t zs_get_total_pages(struct zs_pool *pool);
unsigned long zs_compact(struct zs_pool *pool);
void zs_set_auto_compact(struct zs_pool *pool, unsigned int pages);
void zs_pool_stats(struct zs_pool *pool, struct zs_pool_stats *stats);
int zs_class_stats(struct zs_pool *pool, size_t size,
		   struct zs_class_stats *stats);

/*
 * The zpool driver "zsmalloc": registered by zpool.c when zsmalloc is
 * built in, or by the constructor of zpool-zsmalloc.so when loaded as a
 * module.
 */
extern struct zpool_driver zsmalloc_zpool_driver;

#endif /* ZPOOLFS_ZSMALLOC_H */
