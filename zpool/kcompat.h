/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcompat.h - kernel stand-ins for the zpool back ends (private).
 *
 * The back ends keep the kernel's vocabulary so that they can be read beside
 * mm/zbud.c and friends: an intrusive doubly linked list (list_head),
 * container_of, PAGE_SIZE, a spinlock type, BUILD_BUG_ON and pr_*().
 * Everything here is static inline or a macro; nothing is exported.
 */
#ifndef ZPOOLFS_ZPOOL_KCOMPAT_H
#define ZPOOLFS_ZPOOL_KCOMPAT_H

#include <assert.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "zpool/page.h"

#define PAGE_SHIFT	ZPOOL_PAGE_SHIFT
#define PAGE_SIZE	ZPOOL_PAGE_SIZE
#define PAGE_MASK	ZPOOL_PAGE_MASK

#define BUILD_BUG_ON(cond)	_Static_assert(!(cond), #cond)

#define container_of(ptr, type, member) ({				\
	const typeof(((type *)0)->member) *mptr_ = (ptr);		\
	(type *)((char *)mptr_ - offsetof(type, member)); })

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

#define pr_err(fmt, ...)	fprintf(stderr, "zpool: " fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...)	fprintf(stderr, "zpool: warning: " fmt, ##__VA_ARGS__)

/*
 * Locks: a mutex. The critical sections of the back ends are short, but a
 * spinning waiter on a 2-core machine steals the CPU from the holder when
 * the holder is preempted; glibc's adaptive mutex spins briefly first.
 */
typedef pthread_mutex_t spinlock_t;

static inline void spin_lock_init(spinlock_t *lock)
{
	pthread_mutexattr_t attr;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
	pthread_mutex_init(lock, &attr);
	pthread_mutexattr_destroy(&attr);
}

static inline void spin_lock(spinlock_t *lock)
{
	pthread_mutex_lock(lock);
}

static inline void spin_unlock(spinlock_t *lock)
{
	pthread_mutex_unlock(lock);
}

static inline void spin_lock_destroy(spinlock_t *lock)
{
	pthread_mutex_destroy(lock);
}

/* Intrusive circular doubly linked list, as include/linux/list.h. */
struct list_head {
	struct list_head *next, *prev;
};

#define LIST_HEAD_INIT(name) { &(name), &(name) }

static inline void INIT_LIST_HEAD(struct list_head *list)
{
	list->next = list;
	list->prev = list;
}

static inline void list_add_between(struct list_head *entry,
				    struct list_head *prev,
				    struct list_head *next)
{
	next->prev = entry;
	entry->next = next;
	entry->prev = prev;
	prev->next = entry;
}

/* Insert @entry right after @head (stack order). */
static inline void list_add(struct list_head *entry, struct list_head *head)
{
	list_add_between(entry, head, head->next);
}

/* Insert @entry right before @head (queue order). */
static inline void list_add_tail(struct list_head *entry,
				 struct list_head *head)
{
	list_add_between(entry, head->prev, head);
}

/* Unlink @entry and leave it pointing to itself (list_empty() is true). */
static inline void list_del_init(struct list_head *entry)
{
	entry->next->prev = entry->prev;
	entry->prev->next = entry->next;
	INIT_LIST_HEAD(entry);
}

static inline void list_del(struct list_head *entry)
{
	list_del_init(entry);
}

static inline bool list_empty(const struct list_head *head)
{
	return head->next == head;
}

#define list_entry(ptr, type, member)	container_of(ptr, type, member)

#define list_first_entry(head, type, member) \
	list_entry((head)->next, type, member)

#define list_for_each_entry(pos, head, member)				\
	for (pos = list_entry((head)->next, typeof(*pos), member);	\
	     &pos->member != (head);					\
	     pos = list_entry(pos->member.next, typeof(*pos), member))

#define list_for_each_entry_safe(pos, n, head, member)			\
	for (pos = list_entry((head)->next, typeof(*pos), member),	\
	     n = list_entry(pos->member.next, typeof(*pos), member);	\
	     &pos->member != (head);					\
	     pos = n, n = list_entry(n->member.next, typeof(*n), member))

#endif /* ZPOOLFS_ZPOOL_KCOMPAT_H */
