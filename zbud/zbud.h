/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zbud.h - the zbud allocator: at most two compressed objects in each
 * 4 KiB page (design of mm/zbud.c, Linux v6.1). See zbud/zbud.c for the
 * design and the page layout; the kernel-doc of each function is there.
 *
 * Most users reach zbud through the zpool front end (type "zbud"); the
 * direct API is for tests and for registering the driver.
 */
#ifndef ZPOOLFS_ZBUD_H
#define ZPOOLFS_ZBUD_H

#include <stddef.h>
#include <stdint.h>

#include "zpool/zpool.h"

struct zbud_pool;

struct zbud_pool *zbud_create_pool(gfp_t gfp);
void zbud_destroy_pool(struct zbud_pool *pool);
int zbud_alloc(struct zbud_pool *pool, size_t size, gfp_t gfp,
	       unsigned long *handle);
void zbud_free(struct zbud_pool *pool, unsigned long handle);
void *zbud_map(struct zbud_pool *pool, unsigned long handle);
void zbud_unmap(struct zbud_pool *pool, unsigned long handle);
uint64_t zbud_get_pool_pages(struct zbud_pool *pool);

/*
 * The zpool driver "zbud": registered by zpool.c when zbud is built in, or
 * by the constructor of zpool-zbud.so when loaded as a module.
 */
extern struct zpool_driver zbud_zpool_driver;

#endif /* ZPOOLFS_ZBUD_H */
