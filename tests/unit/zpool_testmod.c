/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zpool_testmod.c - "testmod", a tiny zpool back end built as the loadable
 * module zpool-testmod.so for test_zpool.
 *
 * It exercises the module path of the front end: test_zpool finds it through
 * $ZPOOL_MODULE_PATH, zpool/module.c dlopen()s it, and the constructor below
 * registers the driver with zpool_register_driver(), which the module does
 * not link against: the symbol comes from the test executable (built with
 * export_dynamic). The destructor unregisters the driver at exit.
 *
 * Objects are plain malloc() blocks with their size in front; the handle is
 * the block's address. Limits, so that the test can tell the driver's own
 * answers from the front end's: 1 to TESTMOD_MAX_SIZE bytes, any flags.
 * total_pages counts the bytes held, rounded up to whole 4 KiB pages.
 *
 * Everything is hidden except testmod_zpool_driver, which test_zpool looks
 * up with dlsym() to check and to unregister and re-register the driver.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zpool/zpool.h"

#define TESTMOD_MAX_SIZE	4096
#define TESTMOD_PAGE_SIZE	4096

/**
 * struct testmod_pool - a pool
 * @lock:	protects @bytes
 * @bytes:	bytes held by live objects, headers included
 */
struct testmod_pool {
	pthread_mutex_t lock;
	uint64_t bytes;		/* protected by lock */
};

struct testmod_obj {
	size_t size;
	unsigned char data[];
};

static void *testmod_create(const char *name, gfp_t gfp)
{
	struct testmod_pool *pool;

	(void)name;
	(void)gfp;
	pool = calloc(1, sizeof(*pool));
	if (!pool)
		return NULL;
	pthread_mutex_init(&pool->lock, NULL);
	return pool;
}

static void testmod_destroy(void *p)
{
	struct testmod_pool *pool = p;

	pthread_mutex_destroy(&pool->lock);
	free(pool);
}

static int testmod_malloc(void *p, size_t size, gfp_t gfp,
			  unsigned long *handle)
{
	struct testmod_pool *pool = p;
	struct testmod_obj *obj;

	(void)gfp;
	if (!size)
		return -EINVAL;
	if (size > TESTMOD_MAX_SIZE)
		return -ENOSPC;
	obj = malloc(sizeof(*obj) + size);
	if (!obj)
		return -ENOMEM;
	obj->size = size;

	pthread_mutex_lock(&pool->lock);
	pool->bytes += sizeof(*obj) + size;
	pthread_mutex_unlock(&pool->lock);
	*handle = (unsigned long)obj;
	return 0;
}

static void testmod_free(void *p, unsigned long handle)
{
	struct testmod_pool *pool = p;
	struct testmod_obj *obj = (struct testmod_obj *)handle;

	pthread_mutex_lock(&pool->lock);
	pool->bytes -= sizeof(*obj) + obj->size;
	pthread_mutex_unlock(&pool->lock);
	free(obj);
}

static void *testmod_map(void *p, unsigned long handle, enum zpool_mapmode mm)
{
	struct testmod_obj *obj = (struct testmod_obj *)handle;

	(void)p;
	(void)mm;
	return obj->data;
}

static void testmod_unmap(void *p, unsigned long handle)
{
	(void)p;
	(void)handle;
}

static uint64_t testmod_total_pages(void *p)
{
	struct testmod_pool *pool = p;
	uint64_t bytes;

	pthread_mutex_lock(&pool->lock);
	bytes = pool->bytes;
	pthread_mutex_unlock(&pool->lock);
	return (bytes + TESTMOD_PAGE_SIZE - 1) / TESTMOD_PAGE_SIZE;
}

static struct zpool_driver testmod_driver = {
	.type = "testmod",
	.create = testmod_create,
	.destroy = testmod_destroy,
	.malloc_support_movable = false,
	.malloc = testmod_malloc,
	.free = testmod_free,
	.map = testmod_map,
	.unmap = testmod_unmap,
	.total_pages = testmod_total_pages,
};

/*
 * The one exported symbol, for test_zpool's dlsym(): an alias, so that the
 * constructor below registers our own struct even if the program defined a
 * symbol of the same name. Not declared in a header on purpose: nothing
 * links against a module.
 */
extern struct zpool_driver testmod_zpool_driver
	__attribute__((alias("testmod_driver"), visibility("default")));

__attribute__((constructor)) static void testmod_init(void)
{
	zpool_register_driver(&testmod_driver);
}

/* Fails (-EBUSY) only if the test leaked a pool; nothing to do then. */
__attribute__((destructor)) static void testmod_exit(void)
{
	zpool_unregister_driver(&testmod_driver);
}
