/* SPDX-License-Identifier: MIT */
/*
 * test_gate.c - the FIFO gate (G2 in src/handoff.c) when the held count
 * is full: a wait that finds its direction's gate set counts itself held
 * and sleeps on the counter's high half; once 2047 are counted, more sleep
 * uncounted. Every such sleep must expect a counter with the gate set, so
 * that the collector's clearing CAS and wake reach it.
 *
 * The interleaving (found by review, with 2048 threads): X reads the
 * counter with the gate set and the count one short of full, and stops
 * before its CAS held+1; another wait fills the count; the collector is
 * served, clears the gate and wakes the held, who stop before they uncount
 * themselves. Then X's CAS fails and re-reads a counter with the gate
 * clear and the count full. An X that sleeps on that counter sleeps for
 * ever: the held uncount themselves with no wake, and no gate is set
 * again. Here the seam build's count is full at 2 (fsem_seam_held_max),
 * and the stops are the seam's step hook; no sleep stands in for a
 * handshake.
 */
#define FSEM_NO_INLINE	/* every step goes through the library's seam */
#include "common.h"

#include <stdbool.h>

typedef void step_hook_fn(const char *site);
extern step_hook_fn *_Atomic fsem_seam_step;
extern _Atomic int64_t fsem_seam_held_max;

enum role { OTHER, X, HELD };

static fsem_t sem;
static _Thread_local enum role role;
static _Atomic bool x_stopped, x_go, held_go;
static _Atomic int held_stopped;

/* X stops once, before its first CAS held+1; the held before they uncount
 * themselves. */
static void hook(const char *site)
{
	if (role == X && test_ends_with(site, "gate: CAS held+1") &&
	    !atomic_load(&x_stopped)) {
		atomic_store(&x_stopped, true);
		while (!atomic_load(&x_go))
			sched_yield();
	} else if (role == HELD && test_ends_with(site, "gate: held-1")) {
		atomic_fetch_add(&held_stopped, 1);
		while (!atomic_load(&held_go))
			sched_yield();
	}
}

struct waiter {
	enum role role;
	int n;			/* permits to wait for */
	int ret, err;
	struct test_tid tid;
	pthread_t th;
};

static void *waiter(void *arg)
{
	struct waiter *w = arg;
	struct timespec d = test_deadline(CLOCK_MONOTONIC,
					  5000000000LL * test_slowdown());

	role = w->role;
	test_tid_publish(&w->tid);
	w->ret = w->n > 1 ? fsem_wait_n(&sem, (unsigned int)w->n) :
			    fsem_clockwait(&sem, CLOCK_MONOTONIC, &d);
	w->err = w->ret ? errno : 0;
	return NULL;
}

static void start(struct waiter *w, enum role r, int n)
{
	*w = (struct waiter){ .role = r, .n = n };
	assert_int_equal(pthread_create(&w->th, NULL, waiter, w), 0);
}

static int waiters(void)
{
	int n = -1;

	assert_int_equal(fsem_waiters(&sem, &n), 0);
	return n;
}

static struct waiter c, h1, h2, x;

static void held_full_sleeps_on_a_set_gate(void **state)
{
	int v = -1;

	(void)state;
	assert_int_equal(fsem_init(&sem, FSEM_FIFO | FSEM_NOSPIN, 0), 0);
	atomic_store(&fsem_seam_held_max, 2);
	atomic_store(&fsem_seam_step, hook);
	start(&c, OTHER, 2);		/* the collector: sets the gate */
	test_wait_blocked(test_tid_get(&c.tid));
	start(&h1, HELD, 1);		/* held, count 1 */
	test_wait_blocked(test_tid_get(&h1.tid));
	assert_int_equal(waiters(), 2);
	start(&x, X, 1);		/* read count 1, stops before its CAS */
	while (!atomic_load(&x_stopped))
		sched_yield();
	start(&h2, HELD, 1);		/* held, count 2: full */
	test_wait_blocked(test_tid_get(&h2.tid));
	assert_int_equal(waiters(), 3);
	/* the collector is served: the gate clears, the held wake and stop
	 * before they uncount themselves, so the count stays full */
	assert_int_equal(fsem_post_n(&sem, 2), 0);
	pthread_join(c.th, NULL);
	assert_int_equal(c.ret, 0);
	while (atomic_load(&held_stopped) < 2)
		sched_yield();
	/* X's CAS fails and reads the gate clear with the count full: it
	 * must try its step again (and block as a debtor, the count being
	 * 0), not sleep on that counter */
	atomic_store(&x_go, true);
	test_wait_blocked(test_tid_get(&x.tid));
	atomic_store(&held_go, true);	/* they uncount themselves: no wake */
	test_wait_blocked(test_tid_get(&h1.tid));
	test_wait_blocked(test_tid_get(&h2.tid));
	assert_int_equal(fsem_post_n(&sem, 3), 0);
	pthread_join(h1.th, NULL);
	pthread_join(h2.th, NULL);
	pthread_join(x.th, NULL);
	assert_int_equal(h1.ret, 0);
	assert_int_equal(h2.ret, 0);
	assert_int_equal(x.err, 0);	/* not ETIMEDOUT: it was served */
	assert_int_equal(fsem_getvalue(&sem, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(waiters(), 0);
	atomic_store(&fsem_seam_step, NULL);
	atomic_store(&fsem_seam_held_max, 2047);
	assert_int_equal(fsem_destroy(&sem), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(held_full_sleeps_on_a_set_gate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
