/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ring.h - FUSE over io_uring (ring.c), the transport wire.c switches to
 * once INIT is answered, when the kernel offers it. Private to wire.c and
 * ring.c.
 */
#ifndef ZPFS_RING_H
#define ZPFS_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

struct fuse_session;

/* FUSE_OVER_IO_URING (protocol 7.42, Linux 6.14), a flags2 bit of INIT. */
#define ZPFS_OVER_IO_URING2	(1u << (41 - 32))

/**
 * zpfs_ring_usable() - whether this daemon can serve FUSE over io_uring
 *
 * Return: true if built with liburing and the queue threads may move
 * back from SCHED_IDLE to SCHED_OTHER (CAP_SYS_NICE, as root has, or an
 * RLIMIT_NICE of 20 or more); see ring.c for why that matters.
 */
bool zpfs_ring_usable(void);

/**
 * zpfs_ring_start() - register the io_uring queues of a session
 * @se: the session, whose INIT has just been answered with
 *	FUSE_OVER_IO_URING
 * @payload: the largest request or answer body the kernel will send or
 *	take (max_write, max_pages, at least 8 KiB)
 * @direct_io: the mount has no page cache (cache=none): callers wait for
 *	their large requests, which then run on the queue thread itself
 *
 * Starts, per possible CPU, a thread with its own ring and queue of the
 * kernel's, and unless @direct_io a worker for its heavy requests. Until
 * every queue is registered the kernel keeps sending requests through
 * /dev/fuse; so a failure here costs nothing but the speed. Interrupts,
 * forgets and INIT always come through /dev/fuse.
 *
 * Return: 0, or a negative errno (nothing is left running).
 */
int zpfs_ring_start(struct fuse_session *se, size_t payload, bool direct_io);

/**
 * zpfs_ring_stop() - end the queue threads and free the rings
 *
 * For after the session loop has ended (the kernel has torn the queues
 * down at unmount); harmless when the ring never started.
 */
void zpfs_ring_stop(void);

/**
 * zpfs_ring_active() - whether the queues run
 *
 * Return: true from zpfs_ring_start() on, until a queue is refused by the
 * kernel or zpfs_ring_stop().
 */
bool zpfs_ring_active(void);

/**
 * zpfs_ring_reply() - hand an answer to the ring entry it is for
 * @iov: the answer, iov[0] a struct fuse_out_header, as for writev()
 * @count: number of elements of @iov
 * @n: where to put the length taken, as writev() would return it
 *
 * Return: true if the answer belongs to the request this thread is
 * running from a ring (it is then sent when the request's handler
 * returns); false if it must go to /dev/fuse.
 */
bool zpfs_ring_reply(const struct iovec *iov, int count, ssize_t *n);

/**
 * zpfs_ring_read_buffer() - where to put the data of a READ's answer
 * @size: its most bytes
 *
 * Return: the payload area of the ring entry whose READ this thread runs,
 * so that the answer is made in place and not copied; NULL when the
 * thread runs no READ from a ring or @size does not fit.
 */
void *zpfs_ring_read_buffer(size_t size);

/**
 * zpfs_wire_inspect() - let wire.c see a request before it runs
 * @buf: the request as /dev/fuse would have delivered it
 * @n: its length
 */
void zpfs_wire_inspect(const void *buf, size_t n);

#endif /* ZPFS_RING_H */
