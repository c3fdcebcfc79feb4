/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_zpool.c - unit tests of the zpool front end (zpool/zpool.c and
 * zpool/module.c): the driver registry and its reference counts, type name
 * checks, pass-through of every operation, the built-in zbud driver, loading
 * the test back end zpool-testmod.so through $ZPOOL_MODULE_PATH, and many
 * threads creating and destroying pools at once.
 *
 * The tests run in the order listed at the bottom, and some depend on it:
 * the module tests first show that "testmod" is not found in an empty
 * directory (so it must not be loaded yet), then load it.
 *
 * meson sets $ZPOOL_MODULE_PATH to the directory holding zpool-testmod.so;
 * when it is not set, the directory of this executable is used.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zpool/zpool.h"
#include "zbud/zbud.h"	/* zbud_zpool_driver, the built-in driver */
#include "tests/unit/tap.h"

/*
 * Helpers
 */

/* Read a driver's reference count; the test owns every thread by then. */
static int refcount(struct zpool_driver *driver)
{
	return driver->refcount;
}

/* Capture what is written to stderr (fd 2) between start and end. */
struct capture {
	FILE *tmp;
	int saved;
};

static int capture_start(struct capture *c)
{
	fflush(stderr);
	c->tmp = tmpfile();
	if (!c->tmp)
		return -1;
	c->saved = dup(2);
	if (c->saved < 0 || dup2(fileno(c->tmp), 2) < 0) {
		fclose(c->tmp);
		return -1;
	}
	return 0;
}

/* Return: the number of bytes captured, copied NUL-terminated to @buf. */
static size_t capture_end(struct capture *c, char *buf, size_t size)
{
	size_t n;

	fflush(stderr);
	dup2(c->saved, 2);
	close(c->saved);
	rewind(c->tmp);
	n = fread(buf, 1, size - 1, c->tmp);
	buf[n] = '\0';
	fclose(c->tmp);
	return n;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The directory zpool-testmod.so was built in (see the file header). */
static const char *testmod_dir(void)
{
	static char dir[PATH_MAX];
	const char *env;
	char *slash;
	ssize_t len;

	if (dir[0])
		return dir;
	env = getenv("ZPOOL_MODULE_PATH");
	if (env && *env) {
		snprintf(dir, sizeof(dir), "%.*s", (int)strcspn(env, ":"), env);
	} else {
		len = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
		if (len < 0)
			len = 0;
		dir[len] = '\0';
		slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		else
			strcpy(dir, ".");
	}
	return dir;
}

static void testmod_path(char *buf, size_t size)
{
	snprintf(buf, size, "%s/zpool-testmod.so", testmod_dir());
}

static void restore_module_path(void)
{
	setenv("ZPOOL_MODULE_PATH", testmod_dir(), 1);
}

/*
 * The testmod driver, found in the loaded module with dlsym(). Also returns
 * the module's dlopen() handle; the extra reference is dropped at once (the
 * loader in zpool keeps its own).
 */
static struct zpool_driver *testmod_driver(void **handlep)
{
	char path[PATH_MAX];
	struct zpool_driver *driver;
	void *handle;

	testmod_path(path, sizeof(path));
	handle = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
	if (!handle)
		return NULL;
	driver = dlsym(handle, "testmod_zpool_driver");
	dlclose(handle);
	if (handlep)
		*handlep = handle;
	return driver;
}

static char *make_tmpdir(void)
{
	char tmpl[] = "/tmp/test_zpool.XXXXXX";
	char *dir = mkdtemp(tmpl);

	return dir ? strdup(dir) : NULL;
}

/* Fill an object with a pattern derived from @seed, or check it. */
static void fill(unsigned char *p, size_t size, unsigned int seed)
{
	for (size_t i = 0; i < size; i++)
		p[i] = (unsigned char)(seed * 31 + i * 7);
}

static int check(const unsigned char *p, size_t size, unsigned int seed)
{
	for (size_t i = 0; i < size; i++)
		if (p[i] != (unsigned char)(seed * 31 + i * 7))
			return 0;
	return 1;
}

/*
 * A test back end, "testdrv": malloc() blocks, handle = address, 1 to
 * TESTDRV_MAX bytes, one "page" per live object. It records what the front
 * end passed to it so that pass-through can be checked.
 */
#define TESTDRV_MAX	2000

struct testdrv_pool {
	atomic_long objects;
};

static pthread_mutex_t record_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char name[64];
	gfp_t create_gfp;
	gfp_t malloc_gfp;
	enum zpool_mapmode mm;
	int unmaps;
} record;	/* protected by record_lock */

static atomic_int testdrv_fail_create;

static void *testdrv_create(const char *name, gfp_t gfp)
{
	pthread_mutex_lock(&record_lock);
	snprintf(record.name, sizeof(record.name), "%s", name ? name : "");
	record.create_gfp = gfp;
	pthread_mutex_unlock(&record_lock);
	if (testdrv_fail_create)
		return NULL;
	return calloc(1, sizeof(struct testdrv_pool));
}

static void testdrv_destroy(void *p)
{
	struct testdrv_pool *pool = p;

	if (pool->objects)
		TAP_FAIL("testdrv pool destroyed with %ld objects",
			 (long)pool->objects);
	free(pool);
}

static int testdrv_malloc(void *p, size_t size, gfp_t gfp,
			  unsigned long *handle)
{
	struct testdrv_pool *pool = p;
	void *obj;

	pthread_mutex_lock(&record_lock);
	record.malloc_gfp = gfp;
	pthread_mutex_unlock(&record_lock);
	if (!size)
		return -EINVAL;
	if (size > TESTDRV_MAX)
		return -ENOSPC;
	obj = malloc(size);
	if (!obj)
		return -ENOMEM;
	pool->objects++;
	*handle = (unsigned long)obj;
	return 0;
}

static void testdrv_free(void *p, unsigned long handle)
{
	struct testdrv_pool *pool = p;

	pool->objects--;
	free((void *)handle);
}

static void *testdrv_map(void *p, unsigned long handle, enum zpool_mapmode mm)
{
	(void)p;
	pthread_mutex_lock(&record_lock);
	record.mm = mm;
	pthread_mutex_unlock(&record_lock);
	return (void *)handle;
}

static void testdrv_unmap(void *p, unsigned long handle)
{
	(void)p;
	(void)handle;
	pthread_mutex_lock(&record_lock);
	record.unmaps++;
	pthread_mutex_unlock(&record_lock);
}

static uint64_t testdrv_total_pages(void *p)
{
	struct testdrv_pool *pool = p;

	return pool->objects;
}

#define TESTDRV(name, movable) {			\
	.type = name,					\
	.create = testdrv_create,			\
	.destroy = testdrv_destroy,			\
	.malloc_support_movable = movable,		\
	.malloc = testdrv_malloc,			\
	.free = testdrv_free,				\
	.map = testdrv_map,				\
	.unmap = testdrv_unmap,				\
	.total_pages = testdrv_total_pages,		\
}

static struct zpool_driver testdrv = TESTDRV("testdrv", true);

/*
 * Tests
 */

/* Built in: zbud is there without registering anything or loading a file. */
static void test_builtin_zbud_registered(void)
{
	EXPECT_EQ(zpool_unregister_driver(&testdrv), 0);  /* first API call */
	EXPECT_TRUE(zpool_has_pool("zbud"));
	EXPECT_TRUE(zbud_zpool_driver.module == NULL);
	EXPECT_STREQ(zbud_zpool_driver.type, "zbud");
	EXPECT_EQ(refcount(&zbud_zpool_driver), 0);
}

static void test_register_unregister(void)
{
	struct zpool *a, *b;

	EXPECT_TRUE(!zpool_has_pool("testdrv"));
	zpool_register_driver(&testdrv);
	EXPECT_TRUE(zpool_has_pool("testdrv"));
	/* has_pool drops its reference */
	EXPECT_EQ(refcount(&testdrv), 0);

	a = zpool_create_pool("testdrv", "a", 0);
	ASSERT_TRUE(a);
	EXPECT_EQ(refcount(&testdrv), 1);
	EXPECT_EQ(zpool_unregister_driver(&testdrv), -EBUSY);
	/* -EBUSY changed nothing */
	EXPECT_TRUE(zpool_has_pool("testdrv"));

	b = zpool_create_pool("testdrv", "b", 0);
	ASSERT_TRUE(b);
	EXPECT_EQ(refcount(&testdrv), 2);
	zpool_destroy_pool(a);
	EXPECT_EQ(refcount(&testdrv), 1);
	EXPECT_EQ(zpool_unregister_driver(&testdrv), -EBUSY);
	zpool_destroy_pool(b);
	EXPECT_EQ(refcount(&testdrv), 0);

	EXPECT_EQ(zpool_unregister_driver(&testdrv), 0);
	EXPECT_TRUE(!zpool_has_pool("testdrv"));
	errno = 0;
	EXPECT_TRUE(zpool_create_pool("testdrv", "c", 0) == NULL);
	EXPECT_EQ(errno, ENODEV);
	/* Unregistering what is not registered is a no-op. */
	EXPECT_EQ(zpool_unregister_driver(&testdrv), 0);

	/* Registering twice adds one entry: one unregister removes it. */
	zpool_register_driver(&testdrv);
	zpool_register_driver(&testdrv);
	EXPECT_TRUE(zpool_has_pool("testdrv"));
	EXPECT_EQ(zpool_unregister_driver(&testdrv), 0);
	EXPECT_TRUE(!zpool_has_pool("testdrv"));

	zpool_destroy_pool(NULL);	/* ignored */
}

/* Two drivers of one type: the first registered is found first. */
static void test_same_type_order(void)
{
	struct zpool_driver first = TESTDRV("twin", false);
	struct zpool_driver second = TESTDRV("twin", true);
	struct zpool *zp;

	zpool_register_driver(&first);
	zpool_register_driver(&second);
	zp = zpool_create_pool("twin", "t", 0);
	ASSERT_TRUE(zp);
	EXPECT_TRUE(!zpool_malloc_support_movable(zp));
	EXPECT_EQ(refcount(&first), 1);
	EXPECT_EQ(refcount(&second), 0);
	EXPECT_EQ(zpool_unregister_driver(&second), 0);	/* not in use */
	zpool_register_driver(&second);
	zpool_destroy_pool(zp);

	EXPECT_EQ(zpool_unregister_driver(&first), 0);
	zp = zpool_create_pool("twin", "t", 0);
	ASSERT_TRUE(zp);
	EXPECT_TRUE(zpool_malloc_support_movable(zp));
	EXPECT_EQ(refcount(&second), 1);
	zpool_destroy_pool(zp);
	EXPECT_EQ(zpool_unregister_driver(&second), 0);
	EXPECT_TRUE(!zpool_has_pool("twin"));
}

/* Every call reaches the driver with its arguments and results intact. */
static void test_passthrough(void)
{
	unsigned long handle, h2, keep = 0x5a5a;
	unsigned char *p;
	struct zpool *zp;

	zpool_register_driver(&testdrv);
	zp = zpool_create_pool("testdrv", "my pool", 0x1234);
	ASSERT_TRUE(zp);
	EXPECT_STREQ(record.name, "my pool");
	EXPECT_EQ(record.create_gfp, 0x1234);
	EXPECT_TRUE(zpool_get_type(zp) == testdrv.type);
	EXPECT_TRUE(zpool_malloc_support_movable(zp));
	EXPECT_EQ(zpool_get_total_pages(zp), 0);

	EXPECT_EQ(zpool_malloc(zp, 100, ZPOOL_GFP_MOVABLE, &handle), 0);
	EXPECT_EQ(record.malloc_gfp, ZPOOL_GFP_MOVABLE);
	EXPECT_EQ(zpool_malloc(zp, TESTDRV_MAX, ZPOOL_GFP_HIGHMEM, &h2), 0);
	EXPECT_EQ(record.malloc_gfp, ZPOOL_GFP_HIGHMEM);
	EXPECT_EQ(zpool_get_total_pages(zp), 2);

	/* The driver's errors come back unchanged; *handle is untouched. */
	EXPECT_EQ(zpool_malloc(zp, 0, 0, &keep), -EINVAL);
	EXPECT_EQ(zpool_malloc(zp, TESTDRV_MAX + 1, 0, &keep), -ENOSPC);
	EXPECT_EQ(keep, 0x5a5a);

	p = zpool_map_handle(zp, handle, ZPOOL_MM_WO);
	EXPECT_TRUE(p == (void *)handle);
	EXPECT_EQ(record.mm, ZPOOL_MM_WO);
	fill(p, 100, 1);
	zpool_unmap_handle(zp, handle);
	p = zpool_map_handle(zp, handle, ZPOOL_MM_RO);
	EXPECT_EQ(record.mm, ZPOOL_MM_RO);
	EXPECT_TRUE(check(p, 100, 1));
	zpool_unmap_handle(zp, handle);
	zpool_map_handle(zp, handle, ZPOOL_MM_RW);
	EXPECT_EQ(record.mm, ZPOOL_MM_RW);
	zpool_unmap_handle(zp, handle);
	EXPECT_EQ(record.unmaps, 3);

	zpool_free(zp, handle);
	EXPECT_EQ(zpool_get_total_pages(zp), 1);
	zpool_free(zp, h2);
	EXPECT_EQ(zpool_get_total_pages(zp), 0);
	zpool_destroy_pool(zp);
	EXPECT_EQ(zpool_unregister_driver(&testdrv), 0);
}

/* A driver whose create fails: ENOMEM, and no reference is left behind. */
static void test_create_fails(void)
{
	struct zpool_driver failing = TESTDRV("failing", false);

	zpool_register_driver(&failing);
	testdrv_fail_create = 1;
	errno = 0;
	EXPECT_TRUE(zpool_create_pool("failing", "f", 0) == NULL);
	EXPECT_EQ(errno, ENOMEM);
	testdrv_fail_create = 0;
	EXPECT_EQ(refcount(&failing), 0);
	EXPECT_EQ(zpool_unregister_driver(&failing), 0);
}

/* Unknown types: not found, ENODEV, and nothing printed. */
static void test_unknown_type(void)
{
	struct capture cap;
	char out[256];

	ASSERT_EQ(capture_start(&cap), 0);
	EXPECT_TRUE(!zpool_has_pool("nosuch"));
	errno = 0;
	EXPECT_TRUE(zpool_create_pool("nosuch", "n", 0) == NULL);
	EXPECT_EQ(errno, ENODEV);
	EXPECT_EQ(capture_end(&cap, out, sizeof(out)), 0);
}

/* Names outside [a-z0-9_-]{1,32} are refused, even when registered. */
static void test_bad_names(void)
{
	static const char *const bad[] = {
		"", "../x", "a/b", "/etc/x", ".", "..", "a.b", "Zbud", "zbud ",
		" zbud", "zb\tud", "a:b", "123456789012345678901234567890123",
	};
	struct zpool_driver slash = TESTDRV("a/b", false);
	struct zpool_driver len32 =
		TESTDRV("12345678901234567890123456789012", false);
	struct zpool_driver len33 =
		TESTDRV("123456789012345678901234567890123", false);
	struct capture cap;
	char out[256];

	ASSERT_EQ(capture_start(&cap), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (zpool_has_pool(bad[i]))
			TAP_FAIL("has_pool(\"%s\") is true", bad[i]);
		errno = 0;
		if (zpool_create_pool(bad[i], "x", 0) || errno != ENODEV)
			TAP_FAIL("create_pool(\"%s\"): errno %d", bad[i],
				 errno);
	}
	EXPECT_TRUE(!zpool_has_pool(NULL));
	errno = 0;
	EXPECT_TRUE(zpool_create_pool(NULL, "x", 0) == NULL);
	EXPECT_EQ(errno, ENODEV);

	zpool_register_driver(&slash);
	zpool_register_driver(&len32);
	zpool_register_driver(&len33);
	EXPECT_TRUE(!zpool_has_pool("a/b"));
	EXPECT_TRUE(zpool_has_pool("12345678901234567890123456789012"));
	EXPECT_TRUE(!zpool_has_pool("123456789012345678901234567890123"));
	EXPECT_TRUE(zpool_has_pool("zbud"));
	EXPECT_EQ(zpool_unregister_driver(&slash), 0);
	EXPECT_EQ(zpool_unregister_driver(&len32), 0);
	EXPECT_EQ(zpool_unregister_driver(&len33), 0);
	EXPECT_EQ(capture_end(&cap, out, sizeof(out)), 0);
}

/* zbud through the zpool API. */
static void test_zbud(void)
{
	unsigned long h[3];
	unsigned char *p;
	struct zpool *zp;

	ASSERT_TRUE(zpool_has_pool("zbud"));
	zp = zpool_create_pool("zbud", "zbud-test", 0);
	ASSERT_TRUE(zp);
	EXPECT_STREQ(zpool_get_type(zp), "zbud");
	EXPECT_TRUE(!zpool_malloc_support_movable(zp));
	EXPECT_EQ(zpool_get_total_pages(zp), 0);
	EXPECT_EQ(refcount(&zbud_zpool_driver), 1);
	EXPECT_EQ(zpool_unregister_driver(&zbud_zpool_driver), -EBUSY);

	/* Two buddies share a page; a third object needs a second page. */
	ASSERT_EQ(zpool_malloc(zp, 100, 0, &h[0]), 0);
	EXPECT_EQ(zpool_get_total_pages(zp), 1);
	ASSERT_EQ(zpool_malloc(zp, 200, 0, &h[1]), 0);
	EXPECT_EQ(zpool_get_total_pages(zp), 1);
	ASSERT_EQ(zpool_malloc(zp, 3000, 0, &h[2]), 0);
	EXPECT_EQ(zpool_get_total_pages(zp), 2);

	p = zpool_map_handle(zp, h[0], ZPOOL_MM_WO);
	fill(p, 100, 10);
	zpool_unmap_handle(zp, h[0]);
	p = zpool_map_handle(zp, h[1], ZPOOL_MM_WO);
	fill(p, 200, 11);
	zpool_unmap_handle(zp, h[1]);
	p = zpool_map_handle(zp, h[2], ZPOOL_MM_RW);
	fill(p, 3000, 12);
	zpool_unmap_handle(zp, h[2]);

	p = zpool_map_handle(zp, h[0], ZPOOL_MM_RO);
	EXPECT_TRUE(check(p, 100, 10));
	zpool_unmap_handle(zp, h[0]);
	p = zpool_map_handle(zp, h[1], ZPOOL_MM_RO);
	EXPECT_TRUE(check(p, 200, 11));
	zpool_unmap_handle(zp, h[1]);
	p = zpool_map_handle(zp, h[2], ZPOOL_MM_RO);
	EXPECT_TRUE(check(p, 3000, 12));
	zpool_unmap_handle(zp, h[2]);

	zpool_free(zp, h[0]);
	EXPECT_EQ(zpool_get_total_pages(zp), 2); /* h[1] keeps its page */
	zpool_free(zp, h[1]);
	EXPECT_EQ(zpool_get_total_pages(zp), 1);
	zpool_free(zp, h[2]);
	EXPECT_EQ(zpool_get_total_pages(zp), 0);
	zpool_destroy_pool(zp);
	EXPECT_EQ(refcount(&zbud_zpool_driver), 0);

	/* Not in use any more: it can go, and come back. */
	EXPECT_EQ(zpool_unregister_driver(&zbud_zpool_driver), 0);
	zpool_register_driver(&zbud_zpool_driver);
	EXPECT_TRUE(zpool_has_pool("zbud"));
}

/* zbud's limits, as seen through zpool_malloc(). */
static void test_zbud_malloc_errors(void)
{
	unsigned long handle = 0xdead, h;
	struct zpool *zp;

	zp = zpool_create_pool("zbud", "limits", 0);
	ASSERT_TRUE(zp);
	EXPECT_EQ(zpool_malloc(zp, 0, 0, &handle), -EINVAL);
	EXPECT_EQ(zpool_malloc(zp, 4000, 0, &handle), -ENOSPC);
	EXPECT_EQ(zpool_malloc(zp, 3969, 0, &handle), -ENOSPC);
	EXPECT_EQ(zpool_malloc(zp, 100, ZPOOL_GFP_HIGHMEM, &handle), -EINVAL);
	EXPECT_EQ(handle, 0xdead);
	EXPECT_EQ(zpool_get_total_pages(zp), 0);

	EXPECT_EQ(zpool_malloc(zp, 3968, 0, &h), 0);	/* the largest */
	EXPECT_EQ(zpool_get_total_pages(zp), 1);
	zpool_free(zp, h);
	EXPECT_EQ(zpool_get_total_pages(zp), 0);
	zpool_destroy_pool(zp);
}

/* An empty directory in ZPOOL_MODULE_PATH: testmod is not found, silently. */
static void test_module_path_empty(void)
{
	struct capture cap;
	char out[256];
	char *dir;
	int cwd;

	testmod_dir();		/* remember the real directory */
	EXPECT_TRUE(testmod_driver(NULL) == NULL);	/* not loaded yet */
	dir = make_tmpdir();
	ASSERT_TRUE(dir);
	setenv("ZPOOL_MODULE_PATH", dir, 1);

	ASSERT_EQ(capture_start(&cap), 0);
	EXPECT_TRUE(!zpool_has_pool("testmod"));
	errno = 0;
	EXPECT_TRUE(zpool_create_pool("testmod", "t", 0) == NULL);
	EXPECT_EQ(errno, ENODEV);
	EXPECT_EQ(capture_end(&cap, out, sizeof(out)), 0);
	EXPECT_TRUE(testmod_driver(NULL) == NULL);

	/*
	 * Unset, or only empty entries: not found either. An empty entry is
	 * skipped, it does not mean the current directory.
	 */
	unsetenv("ZPOOL_MODULE_PATH");
	EXPECT_TRUE(!zpool_has_pool("testmod"));
	cwd = open(".", O_RDONLY | O_DIRECTORY);
	ASSERT_TRUE(cwd >= 0);
	if (chdir(testmod_dir()) == 0) {
		setenv("ZPOOL_MODULE_PATH", "::", 1);
		EXPECT_TRUE(!zpool_has_pool("testmod"));
		setenv("ZPOOL_MODULE_PATH", "", 1);
		EXPECT_TRUE(!zpool_has_pool("testmod"));
		EXPECT_EQ(fchdir(cwd), 0);
	} else {
		TAP_FAIL("chdir(%s): %s", testmod_dir(), strerror(errno));
	}
	close(cwd);

	restore_module_path();
	rmdir(dir);
	free(dir);
}

/* A file that exists but is no shared object: one line on stderr. */
static void test_module_broken(void)
{
	char path[PATH_MAX], out[1024];
	struct capture cap;
	char *dir;
	FILE *f;

	dir = make_tmpdir();
	ASSERT_TRUE(dir);
	snprintf(path, sizeof(path), "%s/zpool-broken.so", dir);
	f = fopen(path, "w");
	ASSERT_TRUE(f);
	fputs("this is not an ELF file\n", f);
	fclose(f);
	setenv("ZPOOL_MODULE_PATH", dir, 1);

	ASSERT_EQ(capture_start(&cap), 0);
	EXPECT_TRUE(!zpool_has_pool("broken"));
	capture_end(&cap, out, sizeof(out));
	printf("# stderr: %s", out);
	EXPECT_EQ(count_lines(out), 1);
	EXPECT_TRUE(strncmp(out, "zpool: ", 7) == 0);
	/* dlerror() names the file */
	EXPECT_TRUE(strstr(out, "zpool-broken.so") != NULL);

	ASSERT_EQ(capture_start(&cap), 0);
	errno = 0;
	EXPECT_TRUE(zpool_create_pool("broken", "b", 0) == NULL);
	EXPECT_EQ(errno, ENODEV);
	capture_end(&cap, out, sizeof(out));
	EXPECT_EQ(count_lines(out), 1);

	restore_module_path();
	unlink(path);
	rmdir(dir);
	free(dir);
}

#define RACE_THREADS	4

static pthread_barrier_t race_barrier;

static void *race_thread(void *arg)
{
	unsigned long handle;
	struct zpool *zp;
	int *ok = arg;

	pthread_barrier_wait(&race_barrier);
	zp = zpool_create_pool("testmod", "race", 0);
	if (!zp)
		return NULL;
	if (zpool_malloc(zp, 64, 0, &handle) == 0) {
		zpool_free(zp, handle);
		*ok = 1;
	}
	zpool_destroy_pool(zp);
	return NULL;
}

/*
 * Threads that need the module at the same moment: it is loaded once and
 * its driver registered once, found through a path with empty entries and
 * a missing directory.
 */
static void test_module_load_race(void)
{
	char path[PATH_MAX * 2];
	pthread_t tid[RACE_THREADS];
	int ok[RACE_THREADS] = { 0 };
	struct zpool_driver *driver;
	void *handle = NULL;

	EXPECT_TRUE(testmod_driver(NULL) == NULL);	/* not loaded yet */
	snprintf(path, sizeof(path), "::/nonexistent/zpoolfs-test::%s:",
		 testmod_dir());
	setenv("ZPOOL_MODULE_PATH", path, 1);

	pthread_barrier_init(&race_barrier, NULL, RACE_THREADS);
	for (int i = 0; i < RACE_THREADS; i++)
		ASSERT_EQ(pthread_create(&tid[i], NULL, race_thread, &ok[i]),
			  0);
	for (int i = 0; i < RACE_THREADS; i++) {
		pthread_join(tid[i], NULL);
		EXPECT_TRUE(ok[i]);
	}
	pthread_barrier_destroy(&race_barrier);
	restore_module_path();

	driver = testmod_driver(&handle);
	ASSERT_TRUE(driver);
	EXPECT_STREQ(driver->type, "testmod");
	EXPECT_TRUE(driver->module == handle);	/* the loader's handle */
	EXPECT_EQ(refcount(driver), 0);

	/*
	 * Registered once: after one unregister it is gone, and loading the
	 * module again does not run its constructor again.
	 */
	EXPECT_EQ(zpool_unregister_driver(driver), 0);
	EXPECT_TRUE(!zpool_has_pool("testmod"));
	zpool_register_driver(driver);
	EXPECT_TRUE(zpool_has_pool("testmod"));
	/* The handle is kept when the driver is registered again. */
	EXPECT_TRUE(driver->module == handle);
}

/* A pool of the loaded module works, and pins the driver. */
static void test_module_pool(void)
{
	struct zpool_driver *driver;
	unsigned long handle, keep = 7;
	unsigned char *p;
	struct zpool *zp;

	EXPECT_TRUE(zpool_has_pool("testmod"));
	driver = testmod_driver(NULL);
	ASSERT_TRUE(driver);

	zp = zpool_create_pool("testmod", "m", 0);
	ASSERT_TRUE(zp);
	EXPECT_STREQ(zpool_get_type(zp), "testmod");
	EXPECT_TRUE(!zpool_malloc_support_movable(zp));
	EXPECT_EQ(refcount(driver), 1);
	EXPECT_EQ(zpool_unregister_driver(driver), -EBUSY);

	ASSERT_EQ(zpool_malloc(zp, 1000, 0, &handle), 0);
	EXPECT_EQ(zpool_get_total_pages(zp), 1);
	EXPECT_EQ(zpool_malloc(zp, 5000, 0, &keep), -ENOSPC);
	EXPECT_EQ(keep, 7);
	p = zpool_map_handle(zp, handle, ZPOOL_MM_WO);
	fill(p, 1000, 3);
	zpool_unmap_handle(zp, handle);
	p = zpool_map_handle(zp, handle, ZPOOL_MM_RO);
	EXPECT_TRUE(check(p, 1000, 3));
	zpool_unmap_handle(zp, handle);
	zpool_free(zp, handle);
	EXPECT_EQ(zpool_get_total_pages(zp), 0);

	EXPECT_EQ(zpool_unregister_driver(driver), -EBUSY);
	zpool_destroy_pool(zp);
	EXPECT_EQ(refcount(driver), 0);
	EXPECT_EQ(zpool_unregister_driver(driver), 0);
	EXPECT_TRUE(!zpool_has_pool("testmod"));
	/* Back for the next test; the module's destructor removes it. */
	zpool_register_driver(driver);
	EXPECT_TRUE(zpool_has_pool("testmod"));
}

#define STRESS_THREADS	4
#define STRESS_CYCLES	2000
#define STRESS_OBJECTS	3

static atomic_int stress_stop;
static atomic_int stress_errors;

struct stress_arg {
	uint64_t seed;
	int id;
};

static void *stress_thread(void *p)
{
	static const char *const types[] = { "testdrv", "zbud", "testmod" };
	struct stress_arg *arg = p;
	uint64_t rng = arg->seed;

	for (int cycle = 0; cycle < STRESS_CYCLES; cycle++) {
		const char *type = types[(cycle + arg->id) % 3];
		unsigned long h[STRESS_OBJECTS];
		size_t size[STRESS_OBJECTS];
		unsigned char *obj;
		struct zpool *zp;

		zp = zpool_create_pool(type, "stress", 0);
		if (!zp) {
			stress_errors++;
			continue;
		}
		for (int i = 0; i < STRESS_OBJECTS; i++) {
			size[i] = 1 + tap_rand(&rng) % TESTDRV_MAX;
			if (zpool_malloc(zp, size[i], 0, &h[i])) {
				stress_errors++;
				size[i] = 0;
				continue;
			}
			obj = zpool_map_handle(zp, h[i], ZPOOL_MM_WO);
			fill(obj, size[i], cycle + i);
			zpool_unmap_handle(zp, h[i]);
		}
		for (int i = 0; i < STRESS_OBJECTS; i++) {
			if (!size[i])
				continue;
			obj = zpool_map_handle(zp, h[i], ZPOOL_MM_RO);
			if (!check(obj, size[i], cycle + i))
				stress_errors++;
			zpool_unmap_handle(zp, h[i]);
			zpool_free(zp, h[i]);
		}
		if (zpool_get_total_pages(zp) != 0)
			stress_errors++;
		zpool_destroy_pool(zp);
	}
	return NULL;
}

/* Registry churn beside the workers: another driver comes and goes. */
static void *churn_thread(void *p)
{
	struct zpool_driver churn = TESTDRV("churn", false);

	(void)p;
	while (!stress_stop) {
		zpool_register_driver(&churn);
		if (!zpool_has_pool("churn"))
			stress_errors++;
		if (zpool_unregister_driver(&churn))
			stress_errors++;
		if (zpool_has_pool("nosuch"))
			stress_errors++;
	}
	return NULL;
}

/*
 * Several threads creating and destroying pools of three drivers (one of
 * them from a module) while the registry changes: every reference taken is
 * dropped, so every driver can be unregistered at the end.
 */
static void test_concurrent_create_destroy(void)
{
	struct stress_arg args[STRESS_THREADS];
	pthread_t tid[STRESS_THREADS], churn;
	struct zpool_driver *mod;
	uint64_t seed;

	seed = tap_seed("test_concurrent_create_destroy");
	mod = testmod_driver(NULL);
	ASSERT_TRUE(mod);
	ASSERT_TRUE(zpool_has_pool("testmod"));
	zpool_register_driver(&testdrv);

	stress_stop = 0;
	stress_errors = 0;
	ASSERT_EQ(pthread_create(&churn, NULL, churn_thread, NULL), 0);
	for (int i = 0; i < STRESS_THREADS; i++) {
		args[i].seed = seed + i;
		args[i].id = i;
		ASSERT_EQ(pthread_create(&tid[i], NULL, stress_thread,
					 &args[i]), 0);
	}
	for (int i = 0; i < STRESS_THREADS; i++)
		pthread_join(tid[i], NULL);
	stress_stop = 1;
	pthread_join(churn, NULL);

	EXPECT_EQ(stress_errors, 0);
	EXPECT_EQ(refcount(&testdrv), 0);
	EXPECT_EQ(refcount(&zbud_zpool_driver), 0);
	EXPECT_EQ(refcount(mod), 0);
	EXPECT_EQ(zpool_unregister_driver(&testdrv), 0);
	EXPECT_EQ(zpool_unregister_driver(&zbud_zpool_driver), 0);
	EXPECT_EQ(zpool_unregister_driver(mod), 0);
	zpool_register_driver(&zbud_zpool_driver);
	zpool_register_driver(mod);
	EXPECT_TRUE(!zpool_has_pool("churn"));
	EXPECT_TRUE(!zpool_has_pool("testdrv"));
}

TAP_MAIN(
	TAP_TEST(test_builtin_zbud_registered),
	TAP_TEST(test_register_unregister),
	TAP_TEST(test_same_type_order),
	TAP_TEST(test_passthrough),
	TAP_TEST(test_create_fails),
	TAP_TEST(test_unknown_type),
	TAP_TEST(test_bad_names),
	TAP_TEST(test_zbud),
	TAP_TEST(test_zbud_malloc_errors),
	TAP_TEST(test_module_path_empty),
	TAP_TEST(test_module_broken),
	TAP_TEST(test_module_load_race),
	TAP_TEST(test_module_pool),
	TAP_TEST(test_concurrent_create_destroy),
)
