/* SPDX-License-Identifier: MIT */
/*
 * test_destroy.c - the thread whose wait returned may destroy and free the
 * semaphore at once, while the post that released it is still returning
 * (glibc bug 12674; POSIX allows it).
 *
 * Each round the main thread makes a semaphore in fresh memory and posts
 * to it; the waiter thread, as soon as its wait returns, destroys it,
 * fills it with 0xA5 and frees it (or unmaps its page). A post that
 * touched the semaphore after handing the permit over would read freed
 * memory (AddressSanitizer reports it), race with the free
 * (ThreadSanitizer reports it), act on 0xA5 garbage, or fault on the
 * unmapped page. Rounds mix waiters that sleep (FSEM_NOSPIN, or the post
 * comes after the waiter is seen asleep) with waiters that spin and take
 * the permit while the post is in flight, and cover both semaphore types
 * in both directions.
 */
#include "common.h"

#include <semaphore.h>
#include <stdbool.h>
#include <sys/mman.h>

/* Limit of every handshake below: only a broken test or library needs it. */
#define HANDSHAKE_NS	(10 * 1000000000LL)
/* A deadline no test reaches, for timed calls that must block. */
#define FAR_NS		(60 * 1000000000LL)
#define PAGE		4096
#define THREADS		2	/* main (poster) and waiter */

/*
 * What the waiter does. COUNTING: waits on fsem_t at 0, freed by a post.
 * ACQUIRE: acquires a bounded semaphore whose one permit is given out,
 * freed by a release. RELEASE: releases one with its permit free, freed
 * by an acquire.
 */
enum kind { COUNTING, ACQUIRE, RELEASE };

static const char *const kind_names[] = { "counting", "acquire", "release" };

/* One round, handed from the main thread to the waiter through go. */
struct round {
	long id;
	enum kind kind;
	bool timed;		/* the timed form of the call */
	void *mem;		/* the semaphore; NULL: stop */
	void *page;		/* non-NULL: unmap this page instead of free */
};

struct arena {
	sem_t go;		/* control: sem_t, not the code under test */
	sem_t done;
	struct round round;	/* written before go, read after it */
	struct test_tid waiter_tid;
	_Atomic long armed;	/* round id the waiter is about to wait in */
	_Atomic long bad;
	char why[200];		/* first failure of the waiter */
};

static size_t sem_size(enum kind k)
{
	return k == COUNTING ? sizeof(fsem_t) : sizeof(fsem_bounded_t);
}

static int init(enum kind k, void *mem, int flags)
{
	if (k == COUNTING)
		return fsem_init(mem, flags, 0);
	if (fsem_bounded_init(mem, flags, 1) != 0)
		return -1;
	return k == ACQUIRE ? fsem_bounded_tryacquire(mem) : 0;
}

/* The waiter's call; it blocks until give(). */
static int take(const struct round *r)
{
	struct timespec ts;

	if (!r->timed) {
		if (r->kind == COUNTING)
			return fsem_wait(r->mem);
		return r->kind == ACQUIRE ? fsem_bounded_acquire(r->mem)
					  : fsem_bounded_release(r->mem);
	}
	if (r->kind == ACQUIRE) {
		ts = test_deadline(CLOCK_REALTIME, FAR_NS);
		return fsem_bounded_timedacquire(r->mem, &ts);
	}
	ts = test_deadline(CLOCK_MONOTONIC, FAR_NS);
	if (r->kind == COUNTING)
		return fsem_clockwait(r->mem, CLOCK_MONOTONIC, &ts);
	return fsem_bounded_clockrelease(r->mem, CLOCK_MONOTONIC, &ts);
}

static int give(enum kind k, void *mem)
{
	if (k == COUNTING)
		return fsem_post(mem);
	return k == ACQUIRE ? fsem_bounded_release(mem)
			    : fsem_bounded_acquire(mem);
}

static int destroy(enum kind k, void *mem)
{
	return k == COUNTING ? fsem_destroy(mem) : fsem_bounded_destroy(mem);
}

static void waiter_fail(struct arena *a, const struct round *r,
			const char *what, int ret, int err)
{
	if (atomic_fetch_add(&a->bad, 1) == 0)
		snprintf(a->why, sizeof(a->why),
			 "round %ld (%s%s): %s returned %d errno %d", r->id,
			 kind_names[r->kind], r->timed ? ", timed" : "", what,
			 ret, err);
}

static void *run_waiter(void *arg)
{
	struct arena *a = arg;
	struct round r;
	int ret;

	test_tid_publish(&a->waiter_tid);
	for (;;) {
		while (sem_wait(&a->go) != 0)
			;
		r = a->round;
		if (!r.mem)
			break;
		atomic_store(&a->armed, r.id);
		errno = 0;
		ret = take(&r);
		if (ret != 0)
			waiter_fail(a, &r, "the wait", ret, errno);
		/* At once, while the post may still be returning. */
		errno = 0;
		ret = destroy(r.kind, r.mem);
		if (ret != 0)
			waiter_fail(a, &r, "destroy", ret, errno);
		memset(r.mem, 0xA5, sem_size(r.kind));
		if (r.page)
			munmap(r.page, PAGE);
		else
			free(r.mem);
		sem_post(&a->done);
	}
	return NULL;
}

/* Wait until the waiter sleeps in round @id's call. */
static bool waiter_asleep(struct arena *a, long id)
{
	int64_t end = test_now_ns(CLOCK_MONOTONIC) + HANDSHAKE_NS;
	pid_t tid = test_tid_get(&a->waiter_tid);

	while (atomic_load(&a->armed) != id || !test_is_blocked(tid)) {
		if (test_now_ns(CLOCK_MONOTONIC) > end)
			return false;
		sched_yield();
	}
	return true;
}

/*
 * Run rounds until the deadline; @mapped puts each semaphore at the end of
 * a fresh page (private, or shared with FSEM_SHARED) that the waiter
 * unmaps, else in malloc'd memory that it frees.
 */
static void destroy_rounds(const char *name, bool mapped)
{
	unsigned int seed = test_seed(name);
	int64_t end = test_now_ns(CLOCK_MONOTONIC) + test_duration_ms(1000) *
		      1000000;
	long slept = 0, raced = 0, id;
	char why[200] = "";
	bool in_flight = false;
	struct arena *a;
	pthread_t waiter;
	int ret;

	a = calloc(1, sizeof(*a));
	assert_non_null(a);
	assert_int_equal(sem_init(&a->go, 0, 0), 0);
	assert_int_equal(sem_init(&a->done, 0, 0), 0);
	assert_int_equal(pthread_create(&waiter, NULL, run_waiter, a), 0);

	for (id = 1; id <= 3 || test_now_ns(CLOCK_MONOTONIC) < end; id++) {
		unsigned int r = (unsigned int)rand_r(&seed);
		struct round *rd = &a->round;
		bool sleep_first = (r & 8) != 0;
		int flags = (r & 16) ? FSEM_NOSPIN : 0;
		volatile unsigned int i;

		rd->id = id;
		rd->kind = (enum kind)(id % 3);
		rd->timed = (r & 32) != 0;
		rd->page = NULL;
		if (mapped) {
			bool shared = (r & 64) != 0;

			rd->page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
					(shared ? MAP_SHARED : MAP_PRIVATE) |
					MAP_ANONYMOUS, -1, 0);
			if (rd->page == MAP_FAILED) {
				snprintf(why, sizeof(why), "mmap failed");
				break;
			}
			rd->mem = (char *)rd->page + PAGE -
				  sem_size(rd->kind);
			flags |= shared ? FSEM_SHARED : 0;
		} else {
			rd->mem = malloc(sem_size(rd->kind));
			if (!rd->mem) {
				snprintf(why, sizeof(why), "malloc failed");
				break;
			}
		}
		/* private rounds run either protocol */
		if (!(flags & FSEM_SHARED) && (r & 128))
			flags |= FSEM_FIFO;
		if (init(rd->kind, rd->mem, flags) != 0) {
			snprintf(why, sizeof(why), "round %ld: init failed",
				 id);
			break;
		}
		sem_post(&a->go);
		in_flight = true;
		if (sleep_first) {
			if (!waiter_asleep(a, id)) {
				snprintf(why, sizeof(why), "round %ld: the "
					 "waiter never slept", id);
				break;
			}
			slept++;
		} else {
			for (i = 0; i < (r >> 16) % 2000; i++)
				;
			raced++;
		}
		/* From the hand-over on, the waiter may free it. */
		ret = give(rd->kind, rd->mem);
		if (ret != 0) {
			snprintf(why, sizeof(why), "round %ld: the post "
				 "returned %d", id, ret);
			break;
		}
		while (sem_wait(&a->done) != 0)
			;
		in_flight = false;
		if (atomic_load(&a->bad))
			break;
	}
	/*
	 * Stop the waiter, unless a round failed after go: then it may be
	 * stuck in its call, and the failure below leaves it (and *a) be.
	 */
	if (!in_flight) {
		a->round.mem = NULL;
		sem_post(&a->go);
		assert_int_equal(pthread_join(waiter, NULL), 0);
	}
	if (why[0])
		fail_msg("seed %u threads %d %s", seed, THREADS, why);
	if (atomic_load(&a->bad))
		fail_msg("seed %u threads %d: %ld failures, first: %s", seed,
			 THREADS, atomic_load(&a->bad), a->why);
	print_message("[ %s ] %ld rounds: %ld posted to a sleeper, %ld "
		      "raced\n", name, id - 1, slept, raced);
	sem_destroy(&a->go);
	sem_destroy(&a->done);
	free(a);
}

/* malloc'd semaphores, destroyed, poisoned and freed by the waiter. */
static void destroy_right_after_wait_then_free(void **state)
{
	(void)state;
	destroy_rounds("destroy_then_free", false);
}

/* Semaphores at the end of an mmap'd page the waiter unmaps. */
static void destroy_right_after_wait_then_unmap(void **state)
{
	(void)state;
	destroy_rounds("destroy_then_unmap", true);
}

/* A thread blocked in @k's call on @mem. */
struct sleeper {
	pthread_t thread;
	struct test_tid tid;
	struct round r;
	int ret;
};

static void *run_sleeper(void *arg)
{
	struct sleeper *s = arg;

	test_tid_publish(&s->tid);
	s->ret = take(&s->r);
	return NULL;
}

/* While a thread sleeps on it, destroy refuses with EBUSY. */
static void destroy_busy_while_blocked(void **state)
{
	union {
		fsem_t sem;
		fsem_bounded_t b;
	} u;
	int k;

	(void)state;
	for (k = COUNTING; k <= RELEASE; k++) {
		struct sleeper s = { .r = { .kind = k, .mem = &u } };

		assert_int_equal(init(k, &u, FSEM_NOSPIN), 0);
		assert_int_equal(pthread_create(&s.thread, NULL, run_sleeper,
						&s), 0);
		test_wait_blocked(test_tid_get(&s.tid));
		errno = 0;
		assert_int_equal(destroy(k, &u), -1);
		assert_int_equal(errno, EBUSY);
		assert_int_equal(give(k, &u), 0);
		assert_int_equal(pthread_join(s.thread, NULL), 0);
		assert_int_equal(s.ret, 0);
		assert_int_equal(destroy(k, &u), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(destroy_right_after_wait_then_free),
		cmocka_unit_test(destroy_right_after_wait_then_unmap),
		cmocka_unit_test(destroy_busy_while_blocked),
	};

	return cmocka_run_group_tests_name("destroy", tests, NULL, NULL);
}
