/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * par.c - spread the pages of one request over the machine's cores.
 *
 * A sequential writer sends one 1 MiB WRITE at a time and waits for the
 * answer, so a request thread that compressed its 256 pages alone would
 * leave every other core idle: lz4 does ~800 MB/s per core on 4 KiB pages,
 * which would be the ceiling of a single writer. zpfs_par_run() lets the
 * caller's pages be taken by helper threads too: the job (a function, its
 * argument, a count) goes on a queue, idle helpers join it, and every
 * participant takes the next index with one atomic increment until none is
 * left. The caller works as well, so a job never waits for a helper to be
 * scheduled, and the wake-up of a helper costs nothing but a futex call
 * when it arrives too late to take a page.
 *
 * The job lives on the caller's stack. A helper counts itself in (.users)
 * under the pool lock while the job is still queued; the caller dequeues
 * it once every index is taken, then waits until .users is back to 0, so
 * no helper can touch the job after zpfs_par_run() returns.
 *
 * There are nr_cpus - 1 helpers (none on one CPU), started on the first
 * job: the daemon forks into the background after the mount is made, and
 * threads do not survive a fork. They stop in zpfs_par_destroy().
 *
 * Lock ordering: par.lock is a leaf; the job's function runs with no pool
 * lock held and must take only the locks that its caller's context allows
 * (the data path: none but the zpool's own).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "fs/fs_i.h"

#define MAX_HELPERS	15

struct par_job {
	void (*fn)(void *arg, unsigned int i);
	void *arg;
	unsigned int nr;
	_Atomic unsigned int next;	/* next index to hand out */
	unsigned int users;		/* protected by par.lock */
	bool queued;			/* protected by par.lock */
	struct par_job *q_next;		/* protected by par.lock */
};

/**
 * struct zpfs_par - the helper threads of a mount
 * @lock: protects everything below
 * @work: helpers wait here for a job
 * @idle: callers wait here for helpers to leave their job
 */
struct zpfs_par {
	pthread_mutex_t lock;
	pthread_cond_t work;
	pthread_cond_t idle;
	struct par_job *head, *tail;	/* protected by lock */
	unsigned int nr_helpers;	/* fixed at creation */
	unsigned int started;		/* protected by lock */
	bool stopping;			/* protected by lock */
	pthread_t tids[MAX_HELPERS];	/* protected by lock */
};

/* Take indexes until none is left. No lock held. */
static void job_work(struct par_job *job)
{
	unsigned int i;

	while ((i = atomic_fetch_add_explicit(&job->next, 1,
					      memory_order_relaxed)) < job->nr)
		job->fn(job->arg, i);
}

/* Take @job off the queue if it is still on it. par.lock held. */
static void job_dequeue(struct zpfs_par *par, struct par_job *job)
{
	struct par_job **pp, *prev = NULL;

	if (!job->queued)
		return;
	for (pp = &par->head; *pp != job; pp = &(*pp)->q_next)
		prev = *pp;
	*pp = job->q_next;
	if (par->tail == job)
		par->tail = prev;
	job->queued = false;
}

static void *helper_main(void *arg)
{
	struct zpfs_par *par = arg;
	struct par_job *job;

	pthread_mutex_lock(&par->lock);
	for (;;) {
		while (!par->head && !par->stopping)
			pthread_cond_wait(&par->work, &par->lock);
		if (par->stopping)
			break;
		job = par->head;
		job->users++;
		pthread_mutex_unlock(&par->lock);
		job_work(job);
		pthread_mutex_lock(&par->lock);
		job_dequeue(par, job);	/* every index is taken */
		if (--job->users == 0)
			pthread_cond_broadcast(&par->idle);
	}
	pthread_mutex_unlock(&par->lock);
	return NULL;
}

/* Start the helpers that are not running yet. par.lock held. */
static void start_helpers(struct zpfs_par *par)
{
	while (par->started < par->nr_helpers) {
		if (pthread_create(&par->tids[par->started], NULL, helper_main,
				   par))
			break;	/* fewer helpers; the callers still work */
		par->started++;
	}
}

/**
 * zpfs_par_create() - make the helper pool of a mount
 *
 * Helpers start with the first job. Return: the pool, or NULL (ENOMEM).
 */
struct zpfs_par *zpfs_par_create(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct zpfs_par *par = calloc(1, sizeof(*par));

	if (!par)
		return NULL;
	pthread_mutex_init(&par->lock, NULL);
	pthread_cond_init(&par->work, NULL);
	pthread_cond_init(&par->idle, NULL);
	par->nr_helpers = cpus > 1 ? (unsigned int)cpus - 1 : 0;
	if (par->nr_helpers > MAX_HELPERS)
		par->nr_helpers = MAX_HELPERS;
	return par;
}

/**
 * zpfs_par_destroy() - stop the helpers and free the pool
 * @par: the pool, with no job running; NULL is ignored
 */
void zpfs_par_destroy(struct zpfs_par *par)
{
	unsigned int i;

	if (!par)
		return;
	pthread_mutex_lock(&par->lock);
	par->stopping = true;
	pthread_cond_broadcast(&par->work);
	pthread_mutex_unlock(&par->lock);
	for (i = 0; i < par->started; i++)
		pthread_join(par->tids[i], NULL);
	pthread_cond_destroy(&par->idle);
	pthread_cond_destroy(&par->work);
	pthread_mutex_destroy(&par->lock);
	free(par);
}

/**
 * zpfs_par_run() - call @fn(@arg, i) for every i in [0, @nr), in parallel
 * @par: the pool; NULL runs everything in the caller
 * @fn: the work of one index; called from the caller's thread and from
 *	helpers, in no particular order, each index exactly once
 * @arg: passed to @fn
 * @nr: number of indexes
 *
 * Returns when every call has returned. Can't fail: without helpers (one
 * CPU, thread creation failed, all busy) the caller does the work itself.
 */
void zpfs_par_run(struct zpfs_par *par, void (*fn)(void *arg, unsigned int i),
		  void *arg, unsigned int nr)
{
	struct par_job job = { .fn = fn, .arg = arg, .nr = nr };

	if (!par || !par->nr_helpers || nr < 2) {
		job_work(&job);
		return;
	}
	pthread_mutex_lock(&par->lock);
	if (par->started < par->nr_helpers)
		start_helpers(par);
	job.queued = true;
	if (par->tail)
		par->tail->q_next = &job;
	else
		par->head = &job;
	par->tail = &job;
	if (nr - 1 >= par->started)
		pthread_cond_broadcast(&par->work);
	else
		pthread_cond_signal(&par->work);
	pthread_mutex_unlock(&par->lock);

	job_work(&job);

	pthread_mutex_lock(&par->lock);
	job_dequeue(par, &job);
	while (job.users)
		pthread_cond_wait(&par->idle, &par->lock);
	pthread_mutex_unlock(&par->lock);
}
