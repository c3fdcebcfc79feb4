/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ring.c - FUSE over io_uring under libfuse 3.14.
 *
 * Why: through /dev/fuse every request costs the daemon two system calls
 * (read, writev) and, on a machine of few cores, usually a wake-up of a
 * thread on the other CPU. Since Linux 6.14 the kernel can instead hand
 * requests over io_uring, in one queue per CPU: a request goes to the
 * queue of the CPU its caller runs on, the daemon answers it and fetches
 * the next one in a single io_uring_enter(), on that same CPU.
 *
 * How: libfuse 3.14 predates it, so this file speaks the protocol
 * (<linux/fuse.h> 7.42: FUSE_IO_URING_CMD_REGISTER, _COMMIT_AND_FETCH)
 * and gives libfuse each request as if read from /dev/fuse:
 *
 *   - one thread per possible CPU (the kernel's queue count), pinned to
 *     it, with its own ring (128-byte SQEs: the command is 24 bytes) and
 *     RING_DEPTH entries, and a worker for heavy requests (below);
 *   - an entry is one mapping: a page whose start is the kernel's
 *     struct fuse_uring_req_header (request header, operation header,
 *     payload size), then the payload area. The kernel writes a request
 *     there; the thread copies the two headers to the end of the first
 *     page, right before the payload, and so has the request contiguous,
 *     as /dev/fuse delivers it, without copying its data;
 *     fuse_session_process_buf() runs it;
 *   - the answer comes back through the session's writev (wire.c), which
 *     asks zpfs_ring_reply() first: an answer to the request this thread
 *     runs is copied into the entry, and committed with the fetch of the
 *     entry's next request once the handler returns.
 *
 * Scheduling. The daemon is always in another task group than its callers
 * (its own session's autogroup, or a service's cgroup). When a queue
 * thread answered, the kernel woke the caller on the other, idle CPU
 * rather than on the busy one that answered: every request then paid a
 * cross-CPU wake-up, and a negative lookup took ~31 us, more than through
 * /dev/fuse (~20-25 us); in the caller's own session it took ~11 us. A
 * CPU that runs only SCHED_IDLE tasks counts as idle to the wake-up
 * placement, so a queue thread runs as SCHED_IDLE: the caller is woken
 * where it asked and takes the CPU over at once (~12 us a lookup, from
 * any session). Going back from SCHED_IDLE needs CAP_SYS_NICE or
 * RLIMIT_NICE (zpfs_ring_usable()), hence no io_uring without them.
 *
 * Heavy requests, READs and WRITEs of HEAVY_BYTES or more, go to the
 * queue's worker thread instead: not pinned, SCHED_OTHER. A loaded
 * machine then cannot starve the daemon of the time (de)compression
 * needs (two CPU hogs running: 256 MiB written in 1.54 s with everything
 * SCHED_IDLE, 0.62 s with heavy requests at normal priority, 0.77 s
 * through /dev/fuse); and read-ahead, which the caller does not wait
 * for, is decompressed on another CPU than the one the caller copies
 * pages on (cold 1 GiB dd read: ~1.7 GB/s on the queue thread,
 * ~2.2 GB/s on the worker, as through /dev/fuse). The worker hands an
 * answered entry back through the eventfd, and the queue thread commits
 * it. On a mount without page cache (cache=none) there is no read-ahead
 * and no write-back: the caller waits for its large request, so its CPU
 * is free, and the queue thread runs the request itself, at SCHED_OTHER
 * for the while (two sched_setscheduler() calls), saving the two
 * wake-ups of the trip through the worker: cold 1 GiB dd read medians
 * ~2500 -> ~2800 MiB/s, dd write ~840 -> ~870 MiB/s.
 *
 * Idle memory. An entry's payload area is as large as the largest
 * request (1 MiB), and a WRITE or READ of that size leaves all of it
 * resident: a MiB or two per CPU that served one, for the life of the
 * daemon (2 MiB on 2 CPUs after a 1 GiB dd, 0.6 % of the memory zsmalloc
 * needs for that GiB). So a queue thread that has seen no request for
 * IDLE_MS, its entries all waiting in the kernel, gives their touched
 * payload pages back (MADV_DONTNEED; the next large request faults them
 * in again, ~0.1 ms a MiB). That is safe while the kernel holds the
 * entries because it writes a request into an entry only from the task
 * work of the thread that submitted the entry's command, which runs when
 * that thread enters or leaves the kernel, never in the middle of its
 * madvise(); the commands themselves (REGISTER, COMMIT_AND_FETCH) are
 * issued inline by the io_uring_enter() that submits them, before the
 * wait whose time-out starts the release.
 *
 * Every queue must be registered before the kernel uses any; until then,
 * and for INIT, interrupts and forgets always, /dev/fuse carries the
 * requests and libfuse's own threads serve them, so any failure here
 * leaves a working (slower) mount. At unmount the kernel ends the
 * entries; zpfs_ring_stop() stops the workers and wakes the queue
 * threads through the eventfd in case it has not.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/fuse.h>
#include <fuse_lowlevel.h>

#include "config.h"
#include "fs/ring.h"
#include "fs/wire.h"

#if HAVE_LIBURING
#include <poll.h>
#include <sys/eventfd.h>
#include <liburing.h>

/* The protocol's structures (Linux 6.14), newer than the <linux/fuse.h>
 * of most build machines. */
#define URING_IN_OUT_SZ		128
#define URING_OP_IN_OUT_SZ	128

struct uring_ent_in_out {
	uint64_t flags;
	uint64_t commit_id;	/* the request's unique id */
	uint32_t payload_sz;
	uint32_t padding;
	uint64_t reserved;
};

struct uring_req_header {
	char in_out[URING_IN_OUT_SZ];	/* fuse_in_header / fuse_out_header */
	char op_in[URING_OP_IN_OUT_SZ];	/* the operation's own header */
	struct uring_ent_in_out ent;
};

enum { CMD_REGISTER = 1, CMD_COMMIT_AND_FETCH = 2 };

struct uring_cmd_req {
	uint64_t flags;
	uint64_t commit_id;
	uint16_t qid;
	uint8_t padding[6];
};

_Static_assert(sizeof(struct uring_req_header) == 288, "kernel ABI");
/* It goes in the 80 command bytes of a 128-byte SQE. */
_Static_assert(sizeof(struct uring_cmd_req) == 24, "kernel ABI");

/* Entries per queue: one in the daemon while the kernel fills the next.
 * 1, 2, 4 measured: linux-source-6.1 extract 15.3-16.2 / 14.8-15.2 /
 * 14.8-16.0 s, cold 1 GiB dd read 1.0-1.1 / 1.3-1.4 / 1.2-1.3 GB/s; each
 * entry can cost 1 MiB of resident payload. */
#define RING_DEPTH	2
/* READs and WRITEs of this much go to the queue's worker (see above). */
#define HEAVY_BYTES	(64 * 1024)
/* The page before an entry's payload: its header at the start, the
 * request's headers copied to the end. */
#define HDR_AREA	4096
/* Quiet time after which a queue gives back its payload pages (see
 * above): long against the gaps inside any burst of requests, short
 * against the time a user looks at the daemon's memory. */
#define IDLE_MS		1000

struct ring_ent {
	char *mem;			/* HDR_AREA + payload, mapped */
	struct iovec iov[2];		/* header, payload: registered */
	uint64_t unique;		/* the request being answered */
	uint32_t opcode;		/* and its opcode */
	unsigned int cmd;		/* the last command sent for it */
	bool replied;
	size_t used;			/* payload bytes touched since the
					 * last release (see above) */
};

struct ring_queue {
	struct io_uring ring;
	pthread_t tid;
	int efd;			/* answers done, or stop */
	unsigned int qid;
	bool ring_ok, thread_ok, worker_ok;
	unsigned int out;		/* entries with the worker */
	struct ring_ent ent[RING_DEPTH];

	/* Heavy requests, run by the queue's worker (see above). */
	pthread_t worker;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct ring_ent *todo[RING_DEPTH];	/* for the worker */
	struct ring_ent *done[RING_DEPTH];	/* answered, to commit */
	unsigned int ntodo, ndone;
	bool stopping;
};

static struct fuse_session *ring_se;
/* Queues running; set to -1 by the first one the kernel refuses. */
static _Atomic int ring_running;
static size_t ring_payload;
/* cache=none: heavy requests run on the queue thread (see above). */
static bool ring_direct;
static unsigned int ring_nr;
static struct ring_queue *ring_q;

/* The entry whose request this thread is running. */
static __thread struct ring_ent *cur_ent;

static struct uring_req_header *ent_hdr(const struct ring_ent *e)
{
	return (struct uring_req_header *)(void *)e->mem;
}

/* Queue the entry's next command; submitted by the thread's next wait. */
static int send_cmd(struct ring_queue *q, struct ring_ent *e,
		    unsigned int cmd)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&q->ring);
	struct uring_cmd_req *req;

	if (!sqe)
		return -EBUSY;	/* not with one SQE per entry */
	memset(sqe, 0, 2 * sizeof(*sqe));	/* a 128-byte SQE */
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = fuse_session_fd(ring_se);
	sqe->cmd_op = cmd;
	io_uring_sqe_set_data(sqe, e);
	req = (struct uring_cmd_req *)(void *)sqe->cmd;
	req->qid = (uint16_t)q->qid;
	if (cmd == CMD_REGISTER) {
		sqe->addr = (uint64_t)(uintptr_t)e->iov;
		sqe->len = 2;
	} else {
		req->commit_id = e->unique;
	}
	e->cmd = cmd;
	return 0;
}

/* Answer the entry's request with an error, the handler having not. */
static void reply_error(struct ring_ent *e, int err)
{
	struct uring_req_header *h = ent_hdr(e);
	struct fuse_out_header out = {
		.len = sizeof(out),
		.error = err,
		.unique = e->unique,
	};

	memcpy(h->in_out, &out, sizeof(out));
	h->ent.payload_sz = 0;
	e->replied = true;
}

/* Run the request the kernel put in @e; its answer is then in @e. */
static void run_request(struct ring_ent *e)
{
	struct uring_req_header *h = ent_hdr(e);
	struct fuse_in_header in;
	char *payload = e->mem + HDR_AREA;
	size_t psz = h->ent.payload_sz, oplen;
	struct fuse_buf buf = { 0 };
	char *start;

	memcpy(&in, h->in_out, sizeof(in));
	e->unique = h->ent.commit_id;
	e->opcode = in.opcode;
	e->replied = false;
	if (psz > e->used)
		e->used = psz;
	if (psz > ring_payload || in.len < sizeof(in) + psz ||
	    in.len - sizeof(in) - psz > URING_OP_IN_OUT_SZ) {
		reply_error(e, -EIO);
		return;
	}
	oplen = in.len - sizeof(in) - psz;
	start = payload - oplen - sizeof(in);
	memcpy(start, &in, sizeof(in));
	memcpy(start + sizeof(in), h->op_in, oplen);
	buf.mem = start;
	buf.size = in.len;
	zpfs_wire_inspect(start, in.len);

	cur_ent = e;
	fuse_session_process_buf(ring_se, &buf);
	cur_ent = NULL;
	if (!e->replied)
		reply_error(e, -EIO);
}

bool zpfs_ring_reply(const struct iovec *iov, int count, ssize_t *n)
{
	struct ring_ent *e = cur_ent;
	struct fuse_out_header out;
	char *payload;
	size_t len = 0;
	int i;

	if (!e || e->replied || count < 1 || iov[0].iov_len < sizeof(out))
		return false;
	memcpy(&out, iov[0].iov_base, sizeof(out));
	if (out.unique != e->unique)
		return false;
	for (i = 1; i < count; i++)
		len += iov[i].iov_len;
	if (len > ring_payload) {
		reply_error(e, -EIO);
		*n = -1;
		errno = EINVAL;
		return true;
	}
	payload = e->mem + HDR_AREA;
	len = 0;
	for (i = 1; i < count; i++) {
		/* Data made in place (zpfs_ring_read_buffer()) stays. */
		if (iov[i].iov_base != payload + len)
			memmove(payload + len, iov[i].iov_base,
				iov[i].iov_len);
		len += iov[i].iov_len;
	}
	memcpy(ent_hdr(e)->in_out, &out, sizeof(out));
	ent_hdr(e)->ent.payload_sz = (uint32_t)len;
	if (len > e->used)
		e->used = len;
	e->replied = true;
	*n = (ssize_t)(sizeof(out) + len);
	return true;
}

/*
 * Whether the request in @e carries enough data to be worth the worker:
 * a READ or WRITE of HEAVY_BYTES or more.
 */
static bool heavy(const struct ring_ent *e)
{
	const struct uring_req_header *h = ent_hdr(e);
	struct fuse_in_header in;
	struct fuse_read_in rd;

	memcpy(&in, h->in_out, sizeof(in));
	if (in.opcode == FUSE_WRITE)
		return h->ent.payload_sz >= HEAVY_BYTES;
	if (in.opcode != FUSE_READ)
		return false;
	memcpy(&rd, h->op_in, sizeof(rd));
	return rd.size >= HEAVY_BYTES;
}

void *zpfs_ring_read_buffer(size_t size)
{
	struct ring_ent *e = cur_ent;

	if (!e || e->replied || e->opcode != FUSE_READ || size > ring_payload)
		return NULL;
	if (size > e->used)
		e->used = size;
	return e->mem + HDR_AREA;
}

/* The worker of a queue: runs its heavy requests, hands them back. */
static void *worker_thread(void *arg)
{
	struct ring_queue *q = arg;
	uint64_t one = 1;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		struct ring_ent *e;

		while (!q->ntodo && !q->stopping)
			pthread_cond_wait(&q->cond, &q->lock);
		if (!q->ntodo)
			break;
		e = q->todo[0];
		memmove(q->todo, q->todo + 1, --q->ntodo * sizeof(e));
		pthread_mutex_unlock(&q->lock);

		run_request(e);

		pthread_mutex_lock(&q->lock);
		q->done[q->ndone++] = e;
		if (write(q->efd, &one, sizeof(one)) < 0)
			break;	/* only if the eventfd is gone */
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

/* Watch the eventfd (again): it is written when answers are done. */
static void arm_poll(struct ring_queue *q)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&q->ring);

	if (!sqe)
		return;	/* not with one SQE per entry, plus this one */
	io_uring_prep_poll_add(sqe, q->efd, POLLIN);
	io_uring_sqe_set_data(sqe, NULL);
}

/* The eventfd fired: commit what the worker answered. Return: stop. */
static bool take_done(struct ring_queue *q)
{
	uint64_t n;
	bool stop;

	if (read(q->efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return true;
	pthread_mutex_lock(&q->lock);
	while (q->ndone) {
		send_cmd(q, q->done[--q->ndone], CMD_COMMIT_AND_FETCH);
		q->out--;
	}
	stop = q->stopping;
	pthread_mutex_unlock(&q->lock);
	if (!stop)
		arm_poll(q);
	return stop;
}

/* Payload bytes at the start of an entry that are never given back: the
 * names and small writes of most requests land there. */
#define KEEP_BYTES	4096

/*
 * Whether @q holds payload pages a release would give back: then its
 * thread waits IDLE_MS at most. Only the queue thread calls this.
 */
static bool queue_dirty(const struct ring_queue *q)
{
	unsigned int i;

	for (i = 0; i < RING_DEPTH; i++)
		if (q->ent[i].used > KEEP_BYTES)
			return true;
	return false;
}

/*
 * Give back the payload pages @q's entries touched past KEEP_BYTES, all
 * of the entries being held by the kernel (see above). Only the queue
 * thread calls this.
 */
static void queue_release(struct ring_queue *q)
{
	unsigned int i;

	for (i = 0; i < RING_DEPTH; i++) {
		struct ring_ent *e = &q->ent[i];

		if (e->used <= KEEP_BYTES)
			continue;
		zpfs_wire_release(e->mem + HDR_AREA, ring_payload, KEEP_BYTES,
				  e->used);
		e->used = KEEP_BYTES;
	}
}

/* Serve one queue until the kernel ends its entries or we are told. */
static void *queue_thread(void *arg)
{
	struct ring_queue *q = arg;
	struct sched_param sp = { 0 };
	unsigned int live = RING_DEPTH, i;
	bool stop = false;
	cpu_set_t cpus;

	CPU_ZERO(&cpus);
	CPU_SET(q->qid, &cpus);
	(void)pthread_setaffinity_np(pthread_self(), sizeof(cpus), &cpus);
	(void)sched_setscheduler(0, SCHED_IDLE, &sp);

	for (i = 0; i < RING_DEPTH; i++)
		send_cmd(q, &q->ent[i], CMD_REGISTER);
	arm_poll(q);

	while (!stop && live) {
		struct __kernel_timespec idle = {
			.tv_sec = IDLE_MS / 1000,
			.tv_nsec = IDLE_MS % 1000 * 1000000L,
		};
		struct io_uring_cqe *cqe;
		unsigned int head, seen = 0;
		int ret;

		if (!q->out && queue_dirty(q)) {
			ret = io_uring_submit_and_wait_timeout(&q->ring, &cqe,
							       1, &idle, NULL);
			if (ret == -ETIME) {
				queue_release(q);
				continue;
			}
		} else {
			ret = io_uring_submit_and_wait(&q->ring, 1);
		}
		if (ret < 0 && ret != -EINTR && ret != -EAGAIN &&
		    ret != -EBUSY)
			break;
		io_uring_for_each_cqe(&q->ring, head, cqe) {
			struct ring_ent *e = io_uring_cqe_get_data(cqe);

			seen++;
			if (!e) {		/* the eventfd */
				stop = cqe->res < 0 || take_done(q);
			} else if (cqe->res == -EAGAIN || cqe->res == -EINTR) {
				send_cmd(q, e, e->cmd);
			} else if (cqe->res < 0) {
				/* ENOTCONN at unmount; or refused */
				if (cqe->res != -ENOTCONN &&
				    cqe->res != -ECONNABORTED) {
					fuse_log(FUSE_LOG_ERR,
						 "zpoolfs: io_uring queue %u: %s\n",
						 q->qid, strerror(-cqe->res));
					atomic_store(&ring_running, -1);
				}
				live--;
			} else if (!heavy(e)) {
				run_request(e);
				send_cmd(q, e, CMD_COMMIT_AND_FETCH);
			} else if (ring_direct) {
				(void)sched_setscheduler(0, SCHED_OTHER, &sp);
				run_request(e);
				(void)sched_setscheduler(0, SCHED_IDLE, &sp);
				send_cmd(q, e, CMD_COMMIT_AND_FETCH);
			} else {
				pthread_mutex_lock(&q->lock);
				q->out++;
				q->todo[q->ntodo++] = e;
				pthread_cond_signal(&q->cond);
				pthread_mutex_unlock(&q->lock);
			}
		}
		io_uring_cq_advance(&q->ring, seen);
	}
	return NULL;
}

static int queue_init(struct ring_queue *q)
{
	struct io_uring_params p = { 0 };
	unsigned int i;
	int ret;

	q->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->efd < 0)
		return -errno;
	p.flags = IORING_SETUP_SQE128 | IORING_SETUP_CQSIZE;
	p.cq_entries = 2 * (RING_DEPTH + 1);
	ret = io_uring_queue_init_params(RING_DEPTH + 1, &q->ring, &p);
	if (ret < 0)
		return ret;
	q->ring_ok = true;
	for (i = 0; i < RING_DEPTH; i++) {
		struct ring_ent *e = &q->ent[i];
		void *m = mmap(NULL, HDR_AREA + ring_payload,
			       PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m == MAP_FAILED)
			return -ENOMEM;
		e->mem = m;
		e->iov[0].iov_base = m;
		e->iov[0].iov_len = sizeof(struct uring_req_header);
		e->iov[1].iov_base = e->mem + HDR_AREA;
		e->iov[1].iov_len = ring_payload;
	}
	return 0;
}

static void queue_free(struct ring_queue *q)
{
	unsigned int i;

	pthread_mutex_lock(&q->lock);
	q->stopping = true;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
	if (q->worker_ok)
		pthread_join(q->worker, NULL);
	if (q->thread_ok) {
		uint64_t one = 1;
		ssize_t n = write(q->efd, &one, sizeof(one));

		(void)n;
		pthread_join(q->tid, NULL);
	}
	if (q->ring_ok)
		io_uring_queue_exit(&q->ring);
	if (q->efd >= 0)
		close(q->efd);
	for (i = 0; i < RING_DEPTH; i++)
		if (q->ent[i].mem)
			munmap(q->ent[i].mem, HDR_AREA + ring_payload);
	pthread_cond_destroy(&q->cond);
	pthread_mutex_destroy(&q->lock);
}

bool zpfs_ring_usable(void)
{
	struct rlimit rl;

	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct caps[2] = { 0 };

	/* Back from SCHED_IDLE to SCHED_OTHER needs CAP_SYS_NICE or a nice
	 * limit (RLIMIT_NICE, 20 - nice) that reaches nice 0. */
	if (!syscall(SYS_capget, &hdr, caps) &&
	    (caps[0].effective & (1u << CAP_SYS_NICE)))
		return true;
	return !getrlimit(RLIMIT_NICE, &rl) && rl.rlim_cur >= 20;
}

int zpfs_ring_start(struct fuse_session *se, size_t payload, bool direct_io)
{
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	unsigned int i;
	int ret = 0;

	if (ring_q)
		return -EALREADY;
	if (ncpu < 1 || ncpu > 4096)
		return -EINVAL;
	ring_q = calloc((size_t)ncpu, sizeof(*ring_q));
	if (!ring_q)
		return -ENOMEM;
	ring_se = se;
	ring_payload = payload < 8192 ? 8192 : payload;
	ring_direct = direct_io;
	ring_nr = (unsigned int)ncpu;
	for (i = 0; i < ring_nr; i++) {
		ring_q[i].qid = i;
		ring_q[i].efd = -1;
		pthread_mutex_init(&ring_q[i].lock, NULL);
		pthread_cond_init(&ring_q[i].cond, NULL);
	}
	for (i = 0; i < ring_nr && !ret; i++) {
		struct ring_queue *q = &ring_q[i];

		ret = queue_init(q);
		if (!ret && !ring_direct) {	/* cache=none: no worker */
			ret = -pthread_create(&q->worker, NULL, worker_thread,
					      q);
			q->worker_ok = !ret;
		}
		if (!ret) {
			ret = -pthread_create(&q->tid, NULL, queue_thread, q);
			q->thread_ok = !ret;
		}
	}
	if (ret)
		zpfs_ring_stop();
	else
		atomic_store(&ring_running, 1);
	return ret;
}

bool zpfs_ring_active(void)
{
	return atomic_load_explicit(&ring_running, memory_order_relaxed) > 0;
}

void zpfs_ring_stop(void)
{
	unsigned int i;

	if (!ring_q)
		return;
	for (i = 0; i < ring_nr; i++)
		queue_free(&ring_q[i]);
	free(ring_q);
	ring_q = NULL;
	ring_nr = 0;
	atomic_store(&ring_running, 0);
}

#else /* !HAVE_LIBURING */

bool zpfs_ring_usable(void)
{
	return false;
}

int zpfs_ring_start(struct fuse_session *se, size_t payload, bool direct_io)
{
	(void)se;
	(void)payload;
	(void)direct_io;
	return -EOPNOTSUPP;
}

void zpfs_ring_stop(void)
{
}

bool zpfs_ring_active(void)
{
	return false;
}

void *zpfs_ring_read_buffer(size_t size)
{
	(void)size;
	return NULL;
}

bool zpfs_ring_reply(const struct iovec *iov, int count, ssize_t *n)
{
	(void)iov;
	(void)count;
	(void)n;
	return false;
}

#endif /* HAVE_LIBURING */
