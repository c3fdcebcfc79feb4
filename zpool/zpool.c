/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zpool.c - the zpool front end: driver registry and pool lifecycle
 * (design of mm/zpool.c, Linux v6.1, re-done for userspace).
 *
 * A zpool is a pool of compressed objects behind opaque handles. The front
 * end does not allocate anything itself: it finds the back end ("driver") a
 * type name stands for, keeps the driver pinned while pools of it exist and
 * forwards every handle operation to it. Users can therefore switch
 * allocators (zbud today, others later) by changing one string.
 *
 * Registry. Drivers sit on a singly linked list (drivers_head, linked through
 * zpool_driver.next) in registration order, so that when two drivers claim
 * the same type the first one registered wins. The list, and the front end's
 * fields of every driver on it, are protected by drivers_lock. The lock is
 * held only for list walks and counter updates: never across a driver call,
 * an allocation or the dynamic loader.
 *
 *	drivers_head -> [zbud] -> [testmod] -> [zbud (2nd)] -> NULL
 *	                 refcount  refcount     refcount
 *	                 = pools of that driver, protected by drivers_lock
 *
 * Reference counts. As zpool_get_driver()/zpool_put_driver() in the kernel,
 * every pool holds one reference on its driver from zpool_create_pool() to
 * zpool_destroy_pool(). zpool_unregister_driver() refuses with -EBUSY while
 * the count is not zero, so a driver can never disappear under a pool. The
 * kernel also pins the driver's module (try_module_get()); modules here are
 * never unloaded, which pins them for good.
 *
 * Built-in drivers. Every back end linked into libzpool defines a non-static
 * "struct zpool_driver <type>_zpool_driver" and is listed, one
 * ZPOOL_BUILTIN(<type>) line each, in the generated zpool_builtin.h. They are
 * registered exactly once (pthread_once()) by the first call of
 * zpool_register_driver(), zpool_unregister_driver(), zpool_has_pool() or
 * zpool_create_pool(). Constructors in a static library would be dropped by
 * the linker unless something else pulls their object file in; the explicit
 * references from builtin_drivers[] pull every back end in and need no
 * constructor at all.
 *
 * Loadable drivers. When a type is not registered, zpool_has_pool() and
 * zpool_create_pool() ask module.c to load "zpool-<type>.so" (the kernel's
 * request_module()) and look again. The module registers its driver from a
 * constructor while dlopen() runs; module.c then stores the dlopen() handle
 * in the driver's @module field. Type names are checked first (see
 * zpool_type_valid()): a bad name is simply not found.
 *
 * Handle operations (malloc, free, map, unmap, total pages) go straight to
 * the driver without touching the registry: the pool's reference keeps the
 * driver alive, and each back end serialises its own pool.
 *
 * Lock ordering: see zpool_i.h (module_lock, then the loader's lock, then
 * drivers_lock).
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "zpool/zpool.h"
#include "zpool/zpool_i.h"

/******************
 * Structures
 ******************/

/**
 * struct zpool - a pool, as handed out to users
 * @driver:	the back end; holds one reference (driver->refcount)
 * @pool:	the back end's own pool object
 *
 * Both fields are set once by zpool_create_pool() and read-only afterwards.
 */
struct zpool {
	struct zpool_driver *driver;
	void *pool;
};

/*
 * drivers_lock protects drivers_head, and the refcount, next and module
 * fields of every registered driver. Innermost lock: see zpool_i.h.
 */
static pthread_mutex_t drivers_lock = PTHREAD_MUTEX_INITIALIZER;
static struct zpool_driver *drivers_head;	/* protected by drivers_lock */

static pthread_once_t builtins_once = PTHREAD_ONCE_INIT;

/* The built-in back ends, from the generated list; NULL-terminated. */
#define ZPOOL_BUILTIN(type) extern struct zpool_driver type##_zpool_driver;
#include "zpool_builtin.h"
#undef ZPOOL_BUILTIN

static struct zpool_driver *const builtin_drivers[] = {
#define ZPOOL_BUILTIN(type) &type##_zpool_driver,
#include "zpool_builtin.h"
#undef ZPOOL_BUILTIN
	NULL
};

/******************
 * Helpers
 ******************/

/* Caller must hold drivers_lock. Return: the link that points at @driver. */
static struct zpool_driver **find_link_locked(struct zpool_driver *driver)
{
	struct zpool_driver **link;

	assert(pthread_mutex_trylock(&drivers_lock) == EBUSY);
	for (link = &drivers_head; *link; link = &(*link)->next)
		if (*link == driver)
			return link;
	return NULL;
}

/*
 * Append @driver to the registry, unless it is on it already. Caller must
 * hold drivers_lock.
 */
static void register_locked(struct zpool_driver *driver)
{
	struct zpool_driver **link;
	void *module;

	assert(pthread_mutex_trylock(&drivers_lock) == EBUSY);
	for (link = &drivers_head; *link; link = &(*link)->next)
		if (*link == driver)
			return;

	driver->refcount = 0;
	driver->next = NULL;
	/*
	 * A driver registered from a module constructor gets the loader's
	 * marker, replaced by the dlopen() handle once dlopen() returns. A
	 * driver registered again later keeps the handle it had.
	 */
	module = zpool_module_loading();
	if (module)
		driver->module = module;
	*link = driver;
}

static void register_builtins(void)
{
	struct zpool_driver *const *driver;

	pthread_mutex_lock(&drivers_lock);
	for (driver = builtin_drivers; *driver; driver++)
		register_locked(*driver);
	pthread_mutex_unlock(&drivers_lock);
}

static void zpool_init(void)
{
	pthread_once(&builtins_once, register_builtins);
}

/*
 * Find the first driver registered for @type and take a reference on it.
 * Return: the driver, or NULL when no driver has that type.
 */
static struct zpool_driver *zpool_get_driver(const char *type)
{
	struct zpool_driver *driver;

	pthread_mutex_lock(&drivers_lock);
	for (driver = drivers_head; driver; driver = driver->next) {
		if (!strcmp(driver->type, type)) {
			driver->refcount++;
			break;
		}
	}
	pthread_mutex_unlock(&drivers_lock);
	return driver;
}

/* Drop a reference taken by zpool_get_driver(). */
static void zpool_put_driver(struct zpool_driver *driver)
{
	pthread_mutex_lock(&drivers_lock);
	assert(driver->refcount > 0);
	driver->refcount--;
	pthread_mutex_unlock(&drivers_lock);
}

/*
 * zpool_get_driver(), loading the type's module first when the type is not
 * registered yet. Return: the driver with a reference, or NULL.
 */
static struct zpool_driver *get_driver_or_load(const char *type)
{
	struct zpool_driver *driver;

	if (!zpool_type_valid(type))
		return NULL;

	zpool_init();
	driver = zpool_get_driver(type);
	if (!driver) {
		zpool_request_module(type);
		driver = zpool_get_driver(type);
	}
	return driver;
}

/******************
 * Registry API
 ******************/

/**
 * zpool_register_driver() - make a back end available by its type name
 * @driver: the driver; must stay valid until unregistered. Its type and
 *	    every operation must be set; the front end's fields (refcount,
 *	    next, module) are set here.
 *
 * The driver is appended to the registry: when two drivers have the same
 * type, the one registered first is found. Registering a driver that is
 * registered already does nothing. May be called from a module constructor.
 * Can't fail.
 */
void zpool_register_driver(struct zpool_driver *driver)
{
	assert(driver && driver->type);
	assert(driver->create && driver->destroy && driver->malloc &&
	       driver->free && driver->map && driver->unmap &&
	       driver->total_pages);

	zpool_init();
	pthread_mutex_lock(&drivers_lock);
	register_locked(driver);
	pthread_mutex_unlock(&drivers_lock);
}

/**
 * zpool_unregister_driver() - remove a back end from the registry
 * @driver: the driver
 *
 * Existing pools are not affected by registrations, but a driver in use by
 * a pool cannot go: the caller (a module destructor, say) must keep its
 * code and data around when this fails. Unregistering a driver that is not
 * registered does nothing and returns 0.
 *
 * Return: 0 when @driver is no longer registered; -EBUSY while pools of
 * @driver exist (nothing is changed).
 */
int zpool_unregister_driver(struct zpool_driver *driver)
{
	struct zpool_driver **link;
	int ret = 0;

	zpool_init();
	pthread_mutex_lock(&drivers_lock);
	link = find_link_locked(driver);
	if (link) {
		assert(driver->refcount >= 0);
		if (driver->refcount > 0) {
			ret = -EBUSY;
		} else {
			*link = driver->next;
			driver->next = NULL;
		}
	}
	pthread_mutex_unlock(&drivers_lock);
	return ret;
}

/**
 * zpool_has_pool() - whether pools of a type can be created
 * @type: back end name; NULL or a name that is not 1 to 32 characters of
 *	  [a-z0-9_-] is never found
 *
 * Loads the back end's module ("zpool-<type>.so", see zpool.h) when the type
 * is not registered yet. A later zpool_create_pool() can still fail if the
 * driver is unregistered in between.
 *
 * Return: true if the type is (now) registered.
 */
bool zpool_has_pool(const char *type)
{
	struct zpool_driver *driver;

	driver = get_driver_or_load(type);
	if (!driver)
		return false;
	zpool_put_driver(driver);
	return true;
}

/**
 * zpool_module_adopt() - record the handle of a module that just loaded
 * @marker: what zpool_module_loading() returned during the load
 * @handle: the dlopen() handle
 *
 * See zpool_i.h. Can't fail.
 */
void zpool_module_adopt(void *marker, void *handle)
{
	struct zpool_driver *driver;

	pthread_mutex_lock(&drivers_lock);
	for (driver = drivers_head; driver; driver = driver->next)
		if (driver->module == marker)
			driver->module = handle;
	pthread_mutex_unlock(&drivers_lock);
}

/******************
 * Pool API
 ******************/

/**
 * zpool_create_pool() - create a pool of a back end
 * @type: back end name; its module is loaded when needed
 * @name: a name for the pool, passed to the driver's create
 * @gfp: flags passed to the driver's create
 *
 * The pool holds a reference on its driver until zpool_destroy_pool().
 *
 * Return: the pool, or NULL with errno set: ENODEV (@type is not a valid
 * name, or no driver has that type even after trying to load its module);
 * ENOMEM (no memory for the pool, or the driver's create failed). On error
 * nothing is left behind.
 */
struct zpool *zpool_create_pool(const char *type, const char *name, gfp_t gfp)
{
	struct zpool_driver *driver;
	struct zpool *zpool;

	driver = get_driver_or_load(type);
	if (!driver) {
		errno = ENODEV;
		return NULL;
	}

	zpool = malloc(sizeof(*zpool));
	if (!zpool)
		goto out_put_driver;

	zpool->driver = driver;
	zpool->pool = driver->create(name, gfp);
	if (!zpool->pool)
		goto out_free_zpool;
	return zpool;

out_free_zpool:
	free(zpool);
out_put_driver:
	zpool_put_driver(driver);
	errno = ENOMEM;
	return NULL;
}

/**
 * zpool_destroy_pool() - free a pool created by zpool_create_pool()
 * @zpool: the pool; every handle must have been freed. NULL is ignored.
 *
 * Drops the pool's reference on its driver. Can't fail.
 */
void zpool_destroy_pool(struct zpool *zpool)
{
	struct zpool_driver *driver;

	if (!zpool)
		return;
	driver = zpool->driver;
	driver->destroy(zpool->pool);
	free(zpool);
	zpool_put_driver(driver);
}

/**
 * zpool_get_type() - the back end name of a pool
 * @zpool: the pool
 *
 * Return: the driver's type string, valid while the pool exists. Can't fail.
 */
const char *zpool_get_type(struct zpool *zpool)
{
	return zpool->driver->type;
}

/**
 * zpool_malloc_support_movable() - whether the back end can move objects
 * @zpool: the pool
 *
 * Return: the driver's malloc_support_movable: true if zpool_malloc()
 * honours ZPOOL_GFP_MOVABLE. Can't fail.
 */
bool zpool_malloc_support_movable(struct zpool *zpool)
{
	return zpool->driver->malloc_support_movable;
}

/**
 * zpool_malloc() - allocate an object
 * @zpool: the pool
 * @size: object size in bytes
 * @gfp: allocation flags (ZPOOL_GFP_*), passed to the back end
 * @handle: set to the new handle on success
 *
 * A pass-through to the driver's malloc; the limits are the back end's
 * (zbud: 1 to 3968 bytes, no ZPOOL_GFP_HIGHMEM).
 *
 * Return: 0 and *handle set; -EINVAL (size 0, or flags the back end
 * refuses); -ENOSPC (@size larger than the back end's largest object);
 * -ENOMEM (no memory). On error *handle is not changed.
 */
int zpool_malloc(struct zpool *zpool, size_t size, gfp_t gfp,
		 unsigned long *handle)
{
	return zpool->driver->malloc(zpool->pool, size, gfp, handle);
}

/**
 * zpool_free() - free an object
 * @zpool: the pool
 * @handle: a handle from zpool_malloc() on this pool, not mapped
 *
 * Can't fail.
 */
void zpool_free(struct zpool *zpool, unsigned long handle)
{
	zpool->driver->free(zpool->pool, handle);
}

/**
 * zpool_map_handle() - get the address of an object
 * @zpool: the pool
 * @handle: the object
 * @mm: how the mapping will be used
 *
 * See zpool.h for the rules (short mappings, one at a time per thread).
 *
 * Return: the object's address, valid until zpool_unmap_handle(). Can't
 * fail.
 */
void *zpool_map_handle(struct zpool *zpool, unsigned long handle,
		       enum zpool_mapmode mm)
{
	return zpool->driver->map(zpool->pool, handle, mm);
}

/**
 * zpool_unmap_handle() - end a mapping made by zpool_map_handle()
 * @zpool: the pool
 * @handle: the mapped object
 *
 * Can't fail.
 */
void zpool_unmap_handle(struct zpool *zpool, unsigned long handle)
{
	zpool->driver->unmap(zpool->pool, handle);
}

/**
 * zpool_get_total_pages() - pages the pool holds
 * @zpool: the pool
 *
 * Return: the driver's count of pages, metadata included. Can't fail.
 */
uint64_t zpool_get_total_pages(struct zpool *zpool)
{
	return zpool->driver->total_pages(zpool->pool);
}

/**
 * zpool_compact() - move objects out of sparse pages and free those pages
 * @zpool: the pool
 *
 * Return: the number of pages freed; 0 when the back end cannot compact.
 */
unsigned long zpool_compact(struct zpool *zpool)
{
	if (!zpool->driver->compact)
		return 0;
	return zpool->driver->compact(zpool->pool);
}

/**
 * zpool_get_stats() - the back end's own figures
 * @zpool: the pool
 * @emit: called once per figure
 * @arg: passed to @emit
 *
 * Emits "pages" first, then what the back end reports. Can't fail.
 */
void zpool_get_stats(struct zpool *zpool, zpool_stats_emit_t emit, void *arg)
{
	emit(arg, "pages", zpool_get_total_pages(zpool));
	if (zpool->driver->stats)
		zpool->driver->stats(zpool->pool, emit, arg);
}
