/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * wire.h - what zpoolfs takes from the FUSE protocol past libfuse 3.14
 * (wire.c): FUSE_HANDLE_KILLPRIV_V2 and its write flag, mmap and parallel
 * writes of direct_io files, the mount's read-ahead, FUSE over io_uring,
 * idle threads giving back their buffers. zpfs-nullfs, the benchmark's
 * null file system, uses it too.
 */
#ifndef ZPFS_WIRE_H
#define ZPFS_WIRE_H

#include <stdbool.h>

struct fuse_session;

/* Files are opened with direct_io (cache=none): ask for
 * FUSE_DIRECT_IO_ALLOW_MMAP, so that they can still be mapped. */
#define ZPFS_WIRE_DIRECT_IO	(1u << 0)
/* Take FUSE over io_uring when the kernel offers it (ring.c). */
#define ZPFS_WIRE_URING		(1u << 1)

/**
 * zpfs_wire_attach() - put the inspecting transport under a session
 * @se: a mounted session whose loop has not started
 * @mountpoint: where it is mounted (absolute, as given to the mount)
 * @flags: ZPFS_WIRE_ flags
 *
 * Return: 0, or a negative errno from fuse_session_custom_io() (the
 * session then runs as libfuse made it).
 */
int zpfs_wire_attach(struct fuse_session *se, const char *mountpoint,
		     unsigned int flags);

/**
 * zpfs_wire_release() - give back the touched pages of an idle buffer
 * @buf: the buffer
 * @cap: its size
 * @keep: bytes at its start to keep resident
 * @used: bytes at its start that may have been touched
 *
 * madvise(MADV_DONTNEED)s the pages wholly inside the buffer from @keep
 * on that hold a byte below @used: they read as zeros after and fault in
 * again when used. Only for a buffer nothing reads or writes meanwhile.
 * Can't fail (a refused madvise() leaves the pages resident).
 */
void zpfs_wire_release(void *buf, size_t cap, size_t keep, size_t used);

/**
 * zpfs_wire_thread_buffers() - the file system's per-thread buffers
 * @dirty: whether the calling thread's buffers hold pages to give back
 * @release: give them back; the calling thread is between two requests
 *
 * A thread reading /dev/fuse that has been idle a while gives back the
 * pages of its request buffer, and through these, of the file system's
 * own buffers (see wire.c). Call before the loop; either may be NULL.
 * Can't fail.
 */
void zpfs_wire_thread_buffers(bool (*dirty)(void), void (*release)(void));

/**
 * zpfs_wire_detach() - stop what zpfs_wire_attach() started (the io_uring
 *	queue threads); for after the session loop has ended
 */
void zpfs_wire_detach(void);

/**
 * zpfs_wire_uring() - whether requests come over io_uring
 *
 * Return: true once every queue of the kernel's is registered.
 */
bool zpfs_wire_uring(void);

/**
 * zpfs_wire_killpriv() - whether set-id bits are ours to clear
 *
 * Return: true once the kernel took FUSE_HANDLE_KILLPRIV_V2.
 */
bool zpfs_wire_killpriv(void);

/**
 * zpfs_wire_write_kill() - whether the WRITE this thread runs asks for
 *	set-id bits to go (FUSE_WRITE_KILL_SUIDGID)
 *
 * Return: the flag of the last request this thread read.
 */
bool zpfs_wire_write_kill(void);

/**
 * zpfs_wire_read_buffer() - where a READ handler may build its answer
 * @size: the most bytes it will answer
 *
 * Return: a buffer that the answer's data need not be copied out of (the
 * ring entry of the READ this thread runs), or NULL: use your own.
 */
void *zpfs_wire_read_buffer(size_t size);

#endif /* ZPFS_WIRE_H */
