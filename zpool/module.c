/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * module.c - loading zpool back ends on demand, the userspace stand-in for
 * the kernel's request_module("zpool-%s", type) (design of mm/zpool.c,
 * Linux v6.1).
 *
 * A back end can be built as a shared object "zpool-<type>.so" (meson's
 * shared_module(), hidden visibility). It has no symbol the front end looks
 * up: a constructor in it calls zpool_register_driver(), which it resolves
 * from the program that loads it (linked with export_dynamic), exactly as a
 * kernel module's init function registers its driver.
 *
 * Search order, first file found wins:
 *
 *	$ZPOOL_MODULE_PATH	colon-separated directories, empty entries
 *				skipped (they do not mean ".")
 *	ZPOOL_MODULE_DIR	the installed module directory,
 *				<libdir>/zpoolfs, set by meson
 *
 * For each directory the file name is "<dir>/zpool-<type>.so". The type has
 * been checked by zpool_type_valid() before anything is built from it, so
 * a name cannot climb out of the directory. A file that does not exist is
 * skipped silently; a file that exists but fails to dlopen() (not a shared
 * object, missing symbols, wrong architecture) is reported with one line on
 * stderr, and the search goes on. $ZPOOL_MODULE_PATH is ignored in setuid
 * and setgid programs (secure_getenv()), like LD_LIBRARY_PATH.
 *
 * Modules are opened with RTLD_NOW (a broken module fails here, not at the
 * first call into it) and RTLD_LOCAL (two back ends may use the same static
 * helper names). They are never dlclose()d: a pool may still use the driver,
 * and a module's code must outlive every pointer into it. Opening a module
 * that is loaded already only raises the loader's count; its constructor
 * does not run again.
 *
 * Loads are serialised by module_lock, so that threads asking for the same
 * missing type at once load its module once and find its driver registered
 * when they look again. While this thread is inside dlopen(), a thread-local
 * flag makes zpool_register_driver() tag the drivers that the module's
 * constructor registers; once dlopen() returns, zpool_module_adopt()
 * replaces the tag with the dlopen() handle (zpool_driver.module).
 *
 * Lock ordering: module_lock, then the loader's own lock (inside dlopen()),
 * then drivers_lock (taken by the constructor); see zpool_i.h.
 */
#include "config.h"

#include <assert.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zpool/kcompat.h"
#include "zpool/zpool_i.h"

#ifndef ZPOOL_MODULE_DIR
#error "ZPOOL_MODULE_DIR must be defined by the build (zpool/meson.build)"
#endif

/* Serialises module searches and loads. Outermost lock: see zpool_i.h. */
static pthread_mutex_t module_lock = PTHREAD_MUTEX_INITIALIZER;

/* Set while this thread is inside dlopen() of a module. */
static __thread bool loading_here;

/* Its address tags drivers registered during a load; never read. */
static char loading_marker;

/**
 * zpool_type_valid() - whether a back end name is acceptable
 * @type: the name, may be NULL
 *
 * Return: true if @type is 1 to ZPOOL_TYPE_MAX characters of [a-z0-9_-].
 * Can't fail.
 */
bool zpool_type_valid(const char *type)
{
	size_t len;

	if (!type)
		return false;
	for (len = 0; type[len]; len++) {
		char c = type[len];

		if (len == ZPOOL_TYPE_MAX)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return len > 0;
}

/**
 * zpool_module_loading() - the module being loaded by the calling thread
 *
 * Return: a non-NULL marker while this thread is inside the dlopen() of
 * zpool_request_module(), NULL otherwise. Lock-free.
 */
void *zpool_module_loading(void)
{
	return loading_here ? &loading_marker : NULL;
}

/*
 * Load "<dir>/zpool-<type>.so", @dir being the first @dirlen bytes of the
 * string. Caller must hold module_lock.
 *
 * Return: 0 when loaded; -ENOENT when there is no such file (or the name
 * would be too long to be one); -ENOEXEC when the file exists but dlopen()
 * fails (reported on stderr).
 */
static int load_from_locked(const char *dir, size_t dirlen, const char *type)
{
	char path[PATH_MAX];
	const char *err;
	void *handle;
	int len;

	assert(pthread_mutex_trylock(&module_lock) == EBUSY);
	if (dirlen >= sizeof(path))
		return -ENOENT;
	len = snprintf(path, sizeof(path), "%.*s/zpool-%s.so", (int)dirlen,
		       dir, type);
	if (len < 0 || (size_t)len >= sizeof(path))
		return -ENOENT;
	if (access(path, F_OK))
		return -ENOENT;

	loading_here = true;
	handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	loading_here = false;
	if (!handle) {
		err = dlerror();
		pr_err("cannot load back end \"%s\": %s\n", type,
		       err ? err : "unknown dlopen() error");
		return -ENOEXEC;
	}
	zpool_module_adopt(&loading_marker, handle);
	return 0;
}

/**
 * zpool_request_module() - load the module of a back end type
 * @type: the type name
 *
 * See zpool_i.h for the contract. $ZPOOL_MODULE_PATH is read on every call;
 * it must not be changed (setenv()) while another thread may call this.
 *
 * Return: 0 if a module file was loaded (whether or not it registered
 * @type); -EINVAL if @type is not a valid name; -ENOENT if no module file
 * was found; -ENOEXEC if files were found but none could be loaded.
 */
int zpool_request_module(const char *type)
{
	const char *dir, *end;
	int ret = -ENOENT;
	int err;

	if (!zpool_type_valid(type))
		return -EINVAL;

	pthread_mutex_lock(&module_lock);
	dir = secure_getenv("ZPOOL_MODULE_PATH");
	while (dir && *dir) {
		end = strchrnul(dir, ':');
		if (end > dir) {
			err = load_from_locked(dir, end - dir, type);
			if (!err) {
				ret = 0;
				goto out_unlock;
			}
			if (err == -ENOEXEC)
				ret = err;
		}
		if (!*end)
			break;
		dir = end + 1;
	}

	err = load_from_locked(ZPOOL_MODULE_DIR, strlen(ZPOOL_MODULE_DIR),
			       type);
	if (!err || err == -ENOEXEC)
		ret = err;
out_unlock:
	pthread_mutex_unlock(&module_lock);
	return ret;
}
