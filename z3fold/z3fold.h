/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * z3fold.h - the z3fold allocator: up to three compressed objects in each
 * 4 KiB page (design of mm/z3fold.c, Linux v6.1). See z3fold/z3fold.c for
 * the design, the page layout and the handles; the kernel-doc of each
 * function is there.
 *
 * Most users reach z3fold through the zpool front end (type "z3fold"); the
 * direct API is for tests and for registering the driver.
 */
#ifndef ZPOOLFS_Z3FOLD_H
#define ZPOOLFS_Z3FOLD_H

#include <stddef.h>
#include <stdint.h>

#include "zpool/zpool.h"

struct z3fold_pool;

/**
 * struct z3fold_stats - a snapshot of a pool's figures
 * @pages:	pages in the pool
 * @objects:	live objects
 * @pages_by_objects: pages holding 1, 2 and 3 objects (index 0, 1, 2)
 * @moves:	objects moved inside their page by in-page compaction,
 *		since the pool was created
 * @pages_uncompacted: pages whose free space is split because the object
 *		that would close the gap is mapped; compacted when unmapped
 */
struct z3fold_stats {
	uint64_t pages;
	uint64_t objects;
	uint64_t pages_by_objects[3];
	uint64_t moves;
	uint64_t pages_uncompacted;
};

struct z3fold_pool *z3fold_create_pool(gfp_t gfp);
void z3fold_destroy_pool(struct z3fold_pool *pool);
int z3fold_alloc(struct z3fold_pool *pool, size_t size, gfp_t gfp,
		 unsigned long *handle);
void z3fold_free(struct z3fold_pool *pool, unsigned long handle);
void *z3fold_map(struct z3fold_pool *pool, unsigned long handle);
void z3fold_unmap(struct z3fold_pool *pool, unsigned long handle);
uint64_t z3fold_get_pool_pages(struct z3fold_pool *pool);
unsigned long z3fold_compact(struct z3fold_pool *pool);
void z3fold_get_stats(struct z3fold_pool *pool, struct z3fold_stats *stats);

/*
 * The zpool driver "z3fold": registered by zpool.c when z3fold is built
 * in, or by the constructor of zpool-z3fold.so when loaded as a module.
 */
extern struct zpool_driver z3fold_zpool_driver;

#endif /* ZPOOLFS_Z3FOLD_H */
