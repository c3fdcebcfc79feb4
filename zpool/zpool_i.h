/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zpool_i.h - private interface between the zpool registry (zpool.c) and the
 * module loader (module.c). Nothing here is part of the public API.
 *
 * Lock ordering (outermost first):
 *
 *	module_lock (module.c)	serialises the search for, and the
 *				dlopen() of, zpool-<type>.so files
 *	  glibc's loader lock	held by dlopen() while the module's
 *				constructors run
 *	    drivers_lock (zpool.c)	the registry list and every driver's
 *				refcount, next and module fields
 *
 * A module's constructor calls zpool_register_driver(), which takes
 * drivers_lock from inside dlopen(); hence drivers_lock is innermost and
 * nothing may call into the dynamic loader, or take module_lock, while
 * holding it.
 */
#ifndef ZPOOLFS_ZPOOL_ZPOOL_I_H
#define ZPOOLFS_ZPOOL_ZPOOL_I_H

#include <stdbool.h>

/* Longest back end type name, without the terminating NUL. */
#define ZPOOL_TYPE_MAX	32

/**
 * zpool_type_valid() - whether a back end name is acceptable
 * @type: the name, may be NULL
 *
 * A type is 1 to ZPOOL_TYPE_MAX characters from [a-z0-9_-]. This keeps the
 * module file name "zpool-<type>.so" inside the directory it is looked for
 * in: no '/', no "..", nothing the shell or the loader treats specially.
 *
 * Return: true if @type is a valid name. Can't fail.
 */
bool zpool_type_valid(const char *type);

/**
 * zpool_request_module() - load the module of a back end type
 * @type: a valid type name (see zpool_type_valid())
 *
 * The userspace request_module("zpool-%s", type): looks for
 * "zpool-<type>.so" in every non-empty entry of the colon-separated
 * $ZPOOL_MODULE_PATH, then in ZPOOL_MODULE_DIR, and dlopen()s the first one
 * that exists. Its constructor registers its driver(s). The module is never
 * unloaded. Loads are serialised: two threads asking for the same type load
 * it once. A file that exists but fails to load is reported with one line on
 * stderr and the search goes on; a missing file is silent.
 *
 * Takes module_lock; caller must not hold drivers_lock.
 *
 * Return: 0 if a module file was loaded (whether or not it registered
 * @type); -EINVAL if @type is not a valid name; -ENOENT if no module file
 * was found; -ENOEXEC if files were found but none could be loaded.
 */
int zpool_request_module(const char *type);

/**
 * zpool_module_loading() - the module being loaded by the calling thread
 *
 * Called by zpool_register_driver() to tag drivers registered by a module's
 * constructor. Lock-free (the answer is per thread).
 *
 * Return: an opaque non-NULL marker while this thread is inside the dlopen()
 * of zpool_request_module(), NULL otherwise.
 */
void *zpool_module_loading(void);

/**
 * zpool_module_adopt() - record the handle of a module that just loaded
 * @marker: what zpool_module_loading() returned during the load
 * @handle: the dlopen() handle
 *
 * Every registered driver whose @module field is @marker gets @handle
 * instead. Takes drivers_lock. Can't fail.
 */
void zpool_module_adopt(void *marker, void *handle);

#endif /* ZPOOLFS_ZPOOL_ZPOOL_I_H */
