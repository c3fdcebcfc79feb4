/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zpool.h - the zpool front end: a common API for allocators of compressed
 * objects (design of include/linux/zpool.h and mm/zpool.c, Linux v6.1).
 *
 * A zpool back end ("driver") stores objects of up to a few KiB and hands
 * out opaque handles for them. Users never see the back end's pointers: they
 * allocate a handle, map it to get an address, copy data in or out and unmap
 * it. This leaves the back end free to place (and later move) objects where
 * it likes.
 *
 * Back ends register a struct zpool_driver, either built in (linked into
 * libzpool) or from a loadable module "zpool-<type>.so" that registers its
 * driver from a constructor. Pools are created by type name; the type is
 * looked up in the registry and, when missing, the module is searched for
 * in $ZPOOL_MODULE_PATH (colon-separated) and then in the installed module
 * directory, loaded and looked up again (the kernel's request_module()).
 *
 * All functions are safe to call from many threads. Handle operations on one
 * pool are serialised by the back end as it sees fit.
 */
#ifndef ZPOOLFS_ZPOOL_H
#define ZPOOLFS_ZPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Allocation flags passed through to the driver, as the kernel's gfp_t. */
typedef unsigned int gfp_t;

/* Memory without a fixed mapping: zbud refuses it (-EINVAL). */
#define ZPOOL_GFP_HIGHMEM	(1u << 1)
/* The caller allows the back end to move the object later. */
#define ZPOOL_GFP_MOVABLE	(1u << 3)

/* How a mapping will be used; a back end may skip copies it does not need. */
enum zpool_mapmode {
	ZPOOL_MM_RW,	/* read and write */
	ZPOOL_MM_RO,	/* read only */
	ZPOOL_MM_WO,	/* write only: the old contents need not be read */
};

struct zpool;

/* Receives one figure of a back end's statistics: see zpool_get_stats(). */
typedef void (*zpool_stats_emit_t)(void *arg, const char *key,
				   uint64_t value);

/**
 * struct zpool_driver - a back end
 * @type:	name used to create pools of this kind, e.g. "zbud"
 * @create:	make a pool; NULL on failure
 * @destroy:	free a pool; every handle must have been freed
 * @malloc_support_movable: whether @malloc honours ZPOOL_GFP_MOVABLE
 * @malloc:	allocate @size bytes: 0 and *handle, or -EINVAL, -ENOSPC, -ENOMEM
 * @free:	release a handle
 * @map:	address of a handle's object, valid until @unmap
 * @unmap:	end a mapping
 * @total_pages: pages the pool holds, including its own metadata
 * @compact:	optional: move objects out of sparse pages and free those
 *		pages; returns the number of pages freed
 * @stats:	optional: report the back end's own figures, one
 *		@emit(@arg, key, value) call per figure (keys are short
 *		lower-case words such as "objects" or "class_64_objects")
 *
 * The fields after @total_pages belong to zpool.c and are set by
 * zpool_register_driver(); a driver leaves them zero.
 */
struct zpool_driver {
	const char *type;
	void *(*create)(const char *name, gfp_t gfp);
	void (*destroy)(void *pool);
	bool malloc_support_movable;
	int (*malloc)(void *pool, size_t size, gfp_t gfp, unsigned long *handle);
	void (*free)(void *pool, unsigned long handle);
	void *(*map)(void *pool, unsigned long handle, enum zpool_mapmode mm);
	void (*unmap)(void *pool, unsigned long handle);
	uint64_t (*total_pages)(void *pool);
	unsigned long (*compact)(void *pool);
	void (*stats)(void *pool, zpool_stats_emit_t emit, void *arg);

	/* zpool.c's own; protected by the registry lock */
	int refcount;			/* pools using this driver */
	struct zpool_driver *next;	/* registry list */
	void *module;			/* its dlopen() handle, or NULL */
};

/**
 * zpool_register_driver() - make a back end available by its type name
 * @driver: the driver; must stay valid until unregistered
 *
 * Registering a type that is already registered adds a second entry that is
 * found after the first; registering the same driver again does nothing.
 * May be called from a module's constructor. Can't fail.
 */
void zpool_register_driver(struct zpool_driver *driver);

/**
 * zpool_unregister_driver() - remove a back end from the registry
 * @driver: a registered driver
 *
 * Return: 0 (also when @driver was not registered), or -EBUSY while pools
 * of this driver exist (nothing changes).
 */
int zpool_unregister_driver(struct zpool_driver *driver);

/**
 * zpool_has_pool() - whether pools of a type can be created
 * @type: back end name: 1 to 32 characters of [a-z0-9_-]; other names
 *	  (and NULL) are never found
 *
 * Loads the back end's module when the type is not registered yet.
 * Return: true if the type is (now) registered.
 */
bool zpool_has_pool(const char *type);

/**
 * zpool_create_pool() - create a pool of a back end
 * @type: back end name; its module is loaded when needed
 * @name: a name for the pool, passed to the driver
 * @gfp: flags passed to the driver's create
 *
 * Return: the pool, or NULL with errno set: ENODEV (no such back end, even
 * after trying to load it), ENOMEM.
 */
struct zpool *zpool_create_pool(const char *type, const char *name, gfp_t gfp);

/**
 * zpool_destroy_pool() - free a pool created by zpool_create_pool()
 * @zpool: the pool; every handle must have been freed. NULL is ignored.
 */
void zpool_destroy_pool(struct zpool *zpool);

/**
 * zpool_get_type() - the back end name of a pool. Can't fail.
 * @zpool: the pool
 */
const char *zpool_get_type(struct zpool *zpool);

/**
 * zpool_malloc_support_movable() - whether the back end can move objects
 * @zpool: the pool
 */
bool zpool_malloc_support_movable(struct zpool *zpool);

/**
 * zpool_malloc() - allocate an object
 * @zpool: the pool
 * @size: object size in bytes
 * @gfp: allocation flags (ZPOOL_GFP_*)
 * @handle: set to the new handle on success
 *
 * Return: 0; -EINVAL for size 0 or flags the back end refuses; -ENOSPC when
 * @size is larger than the back end can hold; -ENOMEM. On error *handle is
 * not changed.
 */
int zpool_malloc(struct zpool *zpool, size_t size, gfp_t gfp,
		 unsigned long *handle);

/**
 * zpool_free() - free an object
 * @zpool: the pool
 * @handle: a handle from zpool_malloc() on this pool, not mapped
 */
void zpool_free(struct zpool *zpool, unsigned long handle);

/**
 * zpool_map_handle() - get the address of an object
 * @zpool: the pool
 * @handle: the object
 * @mm: how the mapping will be used
 *
 * The address is valid until zpool_unmap_handle(). Keep mappings short: a
 * back end may hold a lock or a per-thread buffer while a handle is mapped,
 * and a thread maps one handle at a time. Can't fail.
 */
void *zpool_map_handle(struct zpool *zpool, unsigned long handle,
		       enum zpool_mapmode mm);

/**
 * zpool_unmap_handle() - end a mapping made by zpool_map_handle()
 * @zpool: the pool
 * @handle: the mapped object
 */
void zpool_unmap_handle(struct zpool *zpool, unsigned long handle);

/**
 * zpool_get_total_pages() - pages the pool holds. Can't fail.
 * @zpool: the pool
 */
uint64_t zpool_get_total_pages(struct zpool *zpool);

/**
 * zpool_compact() - move objects out of sparse pages and free those pages
 * @zpool: the pool
 *
 * Handles stay valid. Return: the number of pages freed; 0 when the back end
 * cannot compact.
 */
unsigned long zpool_compact(struct zpool *zpool);

/**
 * zpool_get_stats() - the back end's own figures
 * @zpool: the pool
 * @emit: called once per figure with @arg, a key and a value
 * @arg: passed to @emit
 *
 * Always emits "pages" (zpool_get_total_pages()) first, then whatever the
 * back end reports. Must not be called from @emit. Can't fail.
 */
void zpool_get_stats(struct zpool *zpool, zpool_stats_emit_t emit, void *arg);

#endif /* ZPOOLFS_ZPOOL_H */
