/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * wire.c - what zpoolfs needs from the FUSE protocol that libfuse 3.14
 * does not pass on: FUSE_HANDLE_KILLPRIV_V2 and the write flag that goes
 * with it; for cache=none, mmap and parallel writes of direct_io files;
 * the mount's read-ahead, set once INIT is answered; and the switch to
 * FUSE over io_uring.
 *
 * Why: unless a FUSE server takes FUSE_HANDLE_KILLPRIV_V2, the kernel asks
 * it for "security.capability" before every write(2) of a regular file
 * (file_remove_privs() -> cap_inode_need_killpriv(): a GETXATTR round
 * trip answered by ENODATA), because FUSE superblocks lack SB_NOSEC. That
 * doubled the requests of a random 4 KiB O_DIRECT write (14 k IOPS: WRITE
 * + GETXATTR, each ~30 us on a 2-core machine) and added 3.4 GETXATTRs per
 * file to a tar extract. With the flag the kernel sets SB_NOSEC, and an
 * inode that was once found without set-id bits and capability is marked
 * S_NOSEC until its attributes are next refreshed: no more asking. In
 * return the server clears set-user-ID / set-group-ID and drops
 * security.capability itself, when told: FUSE_WRITE_KILL_SUIDGID in a
 * WRITE, FATTR_KILL_SUIDGID in a SETATTR (truncate, chown; libfuse passes
 * that bit on as FUSE_SET_ATTR_KILL_SUID), FUSE_OPEN_KILL_SUIDGID in an
 * OPEN with O_TRUNC (not used: without atomic O_TRUNC the kernel sends a
 * SETATTR instead).
 *
 * How: libfuse 3.14 knows the flag but has no FUSE_CAP_ for it, so it
 * never answers INIT with it, and it does not hand the write flags to the
 * write op. zpfs_wire_attach() puts a custom transport under the mounted
 * session (fuse_session_custom_io(): the same /dev/fuse descriptor, plain
 * read() and writev()) that looks at the bytes going by:
 *
 *   read    an INIT request: remember its unique id and whether the kernel
 *           offers FUSE_HANDLE_KILLPRIV_V2; a WRITE request: note, for
 *           the thread that reads it (which is the thread that runs it),
 *           whether it carries FUSE_WRITE_KILL_SUIDGID;
 *   writev  the successful answer to that INIT: add the flag to a copy of
 *           fuse_init_out.flags when the kernel offered it.
 *
 *
 * With cache=none it also adds FUSE_DIRECT_IO_ALLOW_MMAP (Linux 6.6+),
 * without which the kernel refuses shared mappings of direct_io files,
 * and FOPEN_PARALLEL_DIRECT_WRITES (Linux 6.2+) to the answer of every
 * OPEN and CREATE that says FOPEN_DIRECT_IO: the kernel then lets writes
 * that do not grow the file run side by side instead of queueing on the
 * inode's lock (file.c serialises what must be). Random 4 KiB O_DIRECT
 * writes of two fio jobs on one file went from 16 k IOPS, half of what
 * one job does alone (38 k), to 104-127 k (cache=none, 2 cores).
 *
 * FUSE over io_uring (ring.c). When the kernel offers FUSE_OVER_IO_URING
 * in INIT (Linux 6.14, with fuse.enable_uring on) and the daemon asked for
 * it (ZPFS_WIRE_URING: uring=auto), the answer to INIT takes it and, once
 * written, the ring's queues are started; from then on the answers to
 * requests that came over a ring go back into their ring entry
 * (send_answer()), everything else still through /dev/fuse.
 *
 * Idle memory. A thread that read a 1 MiB WRITE, or answered a 1 MiB
 * READ, keeps that MiB resident in its request buffer (libfuse's) or its
 * reply buffer (the file system's, zpfs_wire_thread_buffers()) for as
 * long as it lives. So a thread whose
 * buffers hold more than a page first polls /dev/fuse for IDLE_MS, and
 * when no request came, gives their pages back (madvise(MADV_DONTNEED),
 * keeping the buffers; the next large request faults them in again)
 * before it blocks in read(). The thread does it itself, between two
 * requests, so no request can be in either buffer then. While a thread's
 * buffers are clean, read() is called directly, as before. Of threads
 * polling together, those that lose the race for a request to another
 * block in read() and keep their pages until their next request.
 *
 * Nothing else is touched; the structures are the kernel's UAPI
 * (<linux/fuse.h>). A kernel without the flag (before 5.11) gets the
 * answer libfuse made and keeps asking, as before.
 *
 * Read-ahead. Once INIT is answered, the mount's backing device exists
 * with the read-ahead the kernel settled on: at most its default of
 * 128 KiB, whatever max_readahead says (the kernel only ever lowers it
 * from INIT). A sequential reader then gets 128 KiB READs, each a round
 * trip. The answer to INIT is followed by setting the mount's
 * /sys/class/bdi/MAJ:MIN/read_ahead_kb to READAHEAD_KB, the size of the
 * largest request (max_write, max_pages): cold sequential reads of 1 GiB
 * went from ~1.5 to ~1.9 GB/s (dd bs=1M, drop_caches, same build). It is
 * the same knob an administrator would turn (and can turn back); without
 * the right to write it (not root) nothing changes.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <fuse_lowlevel.h>

#include "fs/ring.h"
#include "fs/wire.h"

/* FUSE_DIRECT_IO_ALLOW_MMAP (protocol 7.39, Linux 6.6), a flags2 bit:
 * newer than the <linux/fuse.h> of some build machines. */
#define DIRECT_IO_ALLOW_MMAP2	(1u << (36 - 32))

/* Protocol 7.36, Linux 6.2. */
#ifndef FOPEN_PARALLEL_DIRECT_WRITES
#define FOPEN_PARALLEL_DIRECT_WRITES	(1u << 6)
#endif

/* Set by the INIT request, read by its answer: both before any other
 * request, on one thread. */
static uint64_t init_unique;
static bool init_seen, init_offers_v2, init_offers_dio_mmap;
static bool init_offers_uring;

/* Whether the session took the flag; read by every request thread after
 * INIT (the kernel sends nothing else before it has the answer). */
static _Atomic bool killpriv_v2;

/* ZPFS_WIRE_ flags of zpfs_wire_attach(). Set before the loop. */
static unsigned int wire_flags;
static struct fuse_session *wire_se;

/* The mount's read-ahead knob, found before the session starts. */
static char bdi_ra_path[64];

#define READAHEAD_KB	"1024"

/* The WRITE this thread is running asked to kill set-id bits. */
static __thread bool write_kill;

/* The OPEN or CREATE this thread is running, 0 if none; the thread that
 * reads a request is the one that runs and answers it. */
static __thread uint64_t open_unique;

void zpfs_wire_inspect(const void *buf, size_t n)
{
	const struct fuse_in_header *in = buf;

	write_kill = false;
	open_unique = 0;
	if (n < sizeof(*in))
		return;
	switch (in->opcode) {
	case FUSE_OPEN:
	case FUSE_CREATE:
		open_unique = in->unique;
		break;
	case FUSE_INIT:
		if (n >= sizeof(*in) + offsetof(struct fuse_init_in, flags) +
			 sizeof(uint32_t)) {
			const struct fuse_init_in *arg =
				(const void *)(in + 1);

			init_unique = in->unique;
			init_seen = true;
			init_offers_v2 = arg->flags & FUSE_HANDLE_KILLPRIV_V2;
			init_offers_dio_mmap =
				(arg->flags & FUSE_INIT_EXT) &&
				n >= sizeof(*in) + sizeof(*arg) &&
				(arg->flags2 & DIRECT_IO_ALLOW_MMAP2);
			init_offers_uring =
				(arg->flags & FUSE_INIT_EXT) &&
				n >= sizeof(*in) + sizeof(*arg) &&
				(arg->flags2 & ZPFS_OVER_IO_URING2);
		}
		break;
	case FUSE_WRITE:
		if (n >= sizeof(*in) + sizeof(struct fuse_write_in)) {
			const struct fuse_write_in *arg =
				(const void *)(in + 1);

			write_kill = arg->write_flags & FUSE_WRITE_KILL_SUIDGID;
		}
		break;
	}
}

/* Quiet time after which a thread gives back its buffers (see above),
 * as ring.c's. */
#define IDLE_MS		1000

/* This thread's request buffer, and the bytes read into it since its
 * pages were last given back. */
static __thread void *rd_buf;
static __thread size_t rd_used;
/* zpfs_wire_thread_buffers(); set before the loop. */
static bool (*bufs_dirty)(void);
static void (*bufs_release)(void);

void zpfs_wire_release(void *buf, size_t cap, size_t keep, size_t used)
{
	uintptr_t mask = ~((uintptr_t)sysconf(_SC_PAGESIZE) - 1);
	uintptr_t page = ~mask + 1;
	uintptr_t start = ((uintptr_t)buf + keep + page - 1) & mask;
	uintptr_t end = ((uintptr_t)buf + used + page - 1) & mask;
	uintptr_t last = ((uintptr_t)buf + cap) & mask;

	if (end > last)
		end = last;
	/* if refused, the pages just stay */
	if (end > start)
		(void)madvise((void *)start, end - start, MADV_DONTNEED);
}

static ssize_t wire_read(int fd, void *buf, size_t len, void *userdata)
{
	ssize_t n;

	(void)userdata;
	if (buf != rd_buf) {
		rd_buf = buf;
		rd_used = 0;
	}
	if (rd_used > 4096 || (bufs_dirty && bufs_dirty())) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, IDLE_MS) == 0) {
			zpfs_wire_release(buf, len, 0, rd_used);
			rd_used = 0;
			if (bufs_release)
				bufs_release();
		}
	}
	n = read(fd, buf, len);
	if (n > 0) {
		if ((size_t)n > rd_used)
			rd_used = (size_t)n;
		zpfs_wire_inspect(buf, (size_t)n);
	}
	return n;
}

/* Raise the mount's read-ahead; INIT has been answered. */
static void set_readahead(void)
{
	int fd = open(bdi_ra_path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return;
	n = write(fd, READAHEAD_KB, strlen(READAHEAD_KB));
	(void)n;	/* EACCES, EINVAL: keep the kernel's choice */
	close(fd);
}

/* Whether a mountinfo path (spaces etc. as \ooo) names @path. */
static bool mountinfo_eq(const char *mi, const char *path)
{
	while (*mi && *path) {
		int c = (unsigned char)*mi;

		if (c == '\\' && mi[1] >= '0' && mi[1] <= '3' &&
		    mi[2] >= '0' && mi[2] <= '7' && mi[3] >= '0' &&
		    mi[3] <= '7') {
			c = (mi[1] - '0') * 64 + (mi[2] - '0') * 8 +
			    (mi[3] - '0');
			mi += 4;
		} else {
			mi++;
		}
		if (c != (unsigned char)*path++)
			return false;
	}
	return !*mi && !*path;
}

/*
 * Find the device number of the FUSE mount at @mountpoint, the last one
 * mounted there, in /proc/self/mountinfo (a stat() of the mount point
 * would wait for the session we have not started yet).
 */
static void find_bdi(const char *mountpoint)
{
	unsigned int major, minor, found = 0;
	char line[4096], mp[4096];
	FILE *f;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned int ma, mi;
		const char *sep = strstr(line, " - ");

		if (!sep || strncmp(sep + 3, "fuse", 4))
			continue;
		if (sscanf(line, "%*u %*u %u:%u %*s %4095s", &ma, &mi,
			   mp) != 3)
			continue;
		if (!mountinfo_eq(mp, mountpoint))
			continue;
		major = ma;
		minor = mi;
		found = 1;
	}
	fclose(f);
	if (found)
		snprintf(bdi_ra_path, sizeof(bdi_ra_path),
			 "/sys/class/bdi/%u:%u/read_ahead_kb", major, minor);
}

/* An answer goes to the ring entry of its request, or to /dev/fuse. */
static ssize_t send_answer(int fd, struct iovec *iov, int count)
{
	ssize_t n;

	if (zpfs_ring_reply(iov, count, &n))
		return n;
	return writev(fd, iov, count);
}

/*
 * The answer to an OPEN or CREATE (@iov[1] ends with its fuse_open_out):
 * direct_io files get parallel direct writes.
 */
static ssize_t open_writev(int fd, struct iovec *iov, int count)
{
	struct fuse_open_out *arg;
	char copy[256];
	struct iovec v[2];
	size_t len = iov[1].iov_len;

	if (len < sizeof(*arg) || len > sizeof(copy))
		return send_answer(fd, iov, count);
	arg = (struct fuse_open_out *)(void *)(copy + len - sizeof(*arg));
	memcpy(copy, iov[1].iov_base, len);
	if (!(arg->open_flags & FOPEN_DIRECT_IO))
		return send_answer(fd, iov, count);
	arg->open_flags |= FOPEN_PARALLEL_DIRECT_WRITES;
	v[0] = iov[0];
	v[1].iov_base = copy;
	v[1].iov_len = len;
	return send_answer(fd, v, 2);
}

static ssize_t wire_writev(int fd, struct iovec *iov, int count,
			   void *userdata)
{
	const struct fuse_out_header *out = iov[0].iov_base;
	struct fuse_init_out arg;
	struct iovec copy[2];
	bool want_uring;
	ssize_t n;

	(void)userdata;
	if (open_unique && count == 2 && iov[0].iov_len >= sizeof(*out) &&
	    out->unique == open_unique && !out->error) {
		open_unique = 0;
		return open_writev(fd, iov, count);
	}
	if (!init_seen || count != 2 || iov[0].iov_len < sizeof(*out) ||
	    out->unique != init_unique || out->error ||
	    iov[1].iov_len < offsetof(struct fuse_init_out, flags) +
			     sizeof(uint32_t) ||
	    iov[1].iov_len > sizeof(arg))
		return send_answer(fd, iov, count);

	init_seen = false;
	memset(&arg, 0, sizeof(arg));
	memcpy(&arg, iov[1].iov_base, iov[1].iov_len);
	if (init_offers_v2)
		arg.flags |= FUSE_HANDLE_KILLPRIV_V2;
	/* cache=none: direct_io files may still be mapped (shared too). */
	if ((wire_flags & ZPFS_WIRE_DIRECT_IO) && init_offers_dio_mmap &&
	    iov[1].iov_len >= offsetof(struct fuse_init_out, flags2) +
			      sizeof(uint32_t)) {
		arg.flags |= FUSE_INIT_EXT;
		arg.flags2 |= DIRECT_IO_ALLOW_MMAP2;
	}
	want_uring = (wire_flags & ZPFS_WIRE_URING) && init_offers_uring &&
		     zpfs_ring_usable() &&
		     iov[1].iov_len >= offsetof(struct fuse_init_out, max_pages) +
				       sizeof(uint16_t);
	if (want_uring) {
		arg.flags |= FUSE_INIT_EXT;
		arg.flags2 |= ZPFS_OVER_IO_URING2;
	}
	copy[0] = iov[0];
	copy[1].iov_base = &arg;
	copy[1].iov_len = iov[1].iov_len;
	n = writev(fd, copy, 2);
	if (n >= 0 && init_offers_v2)
		atomic_store(&killpriv_v2, true);
	if (n >= 0 && bdi_ra_path[0])
		set_readahead();
	if (n >= 0 && want_uring) {
		size_t payload = arg.max_write;

		if ((size_t)arg.max_pages * 4096 > payload)
			payload = (size_t)arg.max_pages * 4096;
		int err = zpfs_ring_start(wire_se, payload,
					  wire_flags & ZPFS_WIRE_DIRECT_IO);

		if (err)
			fuse_log(FUSE_LOG_ERR,
				 "zpoolfs: no io_uring transport: %s\n",
				 strerror(-err));
	}
	return n;
}

int zpfs_wire_attach(struct fuse_session *se, const char *mountpoint,
		     unsigned int flags)
{
	static const struct fuse_custom_io io = {
		.read = wire_read,
		.writev = wire_writev,
	};

	wire_flags = flags;
	wire_se = se;
	find_bdi(mountpoint);
	return fuse_session_custom_io(se, &io, fuse_session_fd(se));
}

void zpfs_wire_thread_buffers(bool (*dirty)(void), void (*release)(void))
{
	bufs_dirty = dirty;
	bufs_release = release;
}

bool zpfs_wire_killpriv(void)
{
	return atomic_load_explicit(&killpriv_v2, memory_order_relaxed);
}

bool zpfs_wire_write_kill(void)
{
	return write_kill;
}

bool zpfs_wire_uring(void)
{
	return zpfs_ring_active();
}

void zpfs_wire_detach(void)
{
	zpfs_ring_stop();
}

void *zpfs_wire_read_buffer(size_t size)
{
	return zpfs_ring_read_buffer(size);
}
