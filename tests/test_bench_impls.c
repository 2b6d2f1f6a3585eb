/* SPDX-License-Identifier: MIT */
/*
 * test_bench_impls.c - every adapter of fsem-bench behaves as a semaphore
 * of its kind, so that a table compares semaphores and not adapter bugs.
 *
 * Each case walks bench_impls[]: an adapter added to the list is checked
 * with no change here. The floor is not a semaphore and is skipped, and so
 * is an entry whose init is NULL (a peer not available on this machine).
 * Objects are made by impl_new(), in memory as the driver gives it. A
 * failure names the implementation.
 */
#include "common.h"

#include "bench.h"

#include <stdbool.h>
#include <string.h>

#define check(impl, cond)						\
	do {								\
		if (!(cond))						\
			fail_msg("%s: %s", (impl)->name, #cond);	\
	} while (0)

static bool testable(const struct bench_impl *impl, enum impl_kind kind)
{
	return impl->kind == kind && impl->init;
}

/*
 * Valgrind sees synchronisation only through the calls it intercepts
 * (pthread, sem_t) and fsem's annotations. libstdc++'s semaphore and
 * moodycamel's synchronise through atomics and futex calls it cannot see,
 * so DRD may report their hand-off between two threads as a race, by the
 * timing of the run (CI saw it once). Their blocking cases are left to the
 * plain, TSan and ASan runs, which check them every time.
 */
static bool valgrind_blind(const struct bench_impl *impl)
{
	static const char *const atomics_only[] = {
		"std-sem", "moodycamel", "std-pair", "mc-pair",
	};

	if (!test_on_valgrind())
		return false;
	for (size_t i = 0; i < sizeof(atomics_only) / sizeof(*atomics_only);
	     i++)
		if (strcmp(impl->name, atomics_only[i]) == 0)
			return true;
	return false;
}

static void *make(const struct bench_impl *impl, unsigned int value)
{
	void *s = impl_new(impl, value);

	if (!s)
		fail_msg("%s: init(%u) failed", impl->name, value);
	return s;
}

/* @op succeeds exactly @n times on @s, then fails with EAGAIN. */
static void take_exactly(const struct bench_impl *impl, int (*op)(void *),
			 void *s, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (op(s) != 0)
			fail_msg("%s: try call %u of %u failed", impl->name,
				 i + 1, n);
	errno = 0;
	if (op(s) != -1)
		fail_msg("%s: try call %u succeeded, past %u", impl->name,
			 n + 1, n);
	check(impl, errno == EAGAIN);
}

static void impls_counting_trywait_takes_each_permit_once(void **state)
{
	(void)state;
	for (size_t i = 0; i < bench_nimpls; i++) {
		const struct bench_impl *impl = bench_impls[i];
		void *s;

		if (!testable(impl, IMPL_COUNTING))
			continue;
		s = make(impl, 3);
		take_exactly(impl, impl->trywait, s, 3);
		check(impl, impl->post(s) == 0);
		take_exactly(impl, impl->trywait, s, 1);
		check(impl, impl->trypost(s) == 0);
		take_exactly(impl, impl->trywait, s, 1);
		impl_free(impl, s);
	}
}

static void impls_counting_post_n_gives_n_permits(void **state)
{
	(void)state;
	for (size_t i = 0; i < bench_nimpls; i++) {
		const struct bench_impl *impl = bench_impls[i];
		void *s;

		if (!testable(impl, IMPL_COUNTING) || !impl->post_n)
			continue;
		s = make(impl, 0);
		check(impl, impl->post_n(s, 5) == 0);
		take_exactly(impl, impl->trywait, s, 5);
		check(impl, impl->post_n(s, 1) == 0);
		take_exactly(impl, impl->trywait, s, 1);
		impl_free(impl, s);
	}
}

/* Bounded: trywait is tryacquire, trypost is tryrelease. */
static void impls_bounded_try_calls_stop_at_n_and_at_none(void **state)
{
	(void)state;
	for (size_t i = 0; i < bench_nimpls; i++) {
		const struct bench_impl *impl = bench_impls[i];
		void *s;

		if (!testable(impl, IMPL_BOUNDED))
			continue;
		s = make(impl, 4);
		take_exactly(impl, impl->trypost, s, 0);
		take_exactly(impl, impl->trywait, s, 4);
		take_exactly(impl, impl->trypost, s, 4);
		take_exactly(impl, impl->trywait, s, 4);
		impl_free(impl, s);
	}
}

/* One thread's call that must block until the test thread unblocks it. */
struct blocker {
	int (*call)(void *s);
	void *s;
	struct test_tid tid;
	atomic_bool returned;
	int ret;
};

static void *blocker_run(void *arg)
{
	struct blocker *b = arg;

	test_tid_publish(&b->tid);
	b->ret = b->call(b->s);
	atomic_store_explicit(&b->returned, true, memory_order_release);
	return NULL;
}

/*
 * Start @call on @s in a thread, see it asleep in the kernel and not
 * returned, then @unblock from here: the call must return 0. The thread
 * is seen blocked by the kernel's account of it (tests/common.h), not
 * after a sleep; a call that returns at once fails the case.
 */
static void handoff(const struct bench_impl *impl, void *s,
		    int (*call)(void *), int (*unblock)(void *))
{
	struct blocker b = { .call = call, .s = s };
	int64_t end = test_now_ns(CLOCK_MONOTONIC) + 10 * 1000000000LL;
	pthread_t th;
	pid_t tid;

	if (valgrind_blind(impl)) {
		print_message("[ impls ] %s: its blocking case is not run "
			      "under valgrind, which cannot see its atomics\n",
			      impl->name);
		return;
	}
	test_atomic(&b.returned);
	check(impl, pthread_create(&th, NULL, blocker_run, &b) == 0);
	tid = test_tid_get(&b.tid);
	while (!atomic_load_explicit(&b.returned, memory_order_acquire) &&
	       !test_is_blocked(tid)) {
		if (test_now_ns(CLOCK_MONOTONIC) > end)
			fail_msg("%s: thread %d never blocked", impl->name,
				 (int)tid);
		sched_yield();
	}
	if (atomic_load_explicit(&b.returned, memory_order_acquire))
		fail_msg("%s: the call returned without blocking", impl->name);
	check(impl, unblock(s) == 0);
	check(impl, pthread_join(th, NULL) == 0);
	check(impl, b.ret == 0);
}

static void impls_counting_wait_blocks_until_a_post(void **state)
{
	(void)state;
	for (size_t i = 0; i < bench_nimpls; i++) {
		const struct bench_impl *impl = bench_impls[i];
		void *s;

		if (!testable(impl, IMPL_COUNTING))
			continue;
		s = make(impl, 0);
		handoff(impl, s, impl->wait, impl->post);
		take_exactly(impl, impl->trywait, s, 0);
		impl_free(impl, s);
	}
}

static void impls_bounded_acquire_blocks_until_a_release(void **state)
{
	(void)state;
	for (size_t i = 0; i < bench_nimpls; i++) {
		const struct bench_impl *impl = bench_impls[i];
		void *s;

		if (!testable(impl, IMPL_BOUNDED))
			continue;
		s = make(impl, 1);
		take_exactly(impl, impl->trywait, s, 1);
		handoff(impl, s, impl->wait, impl->post);
		take_exactly(impl, impl->trywait, s, 0);
		impl_free(impl, s);
	}
}

static void impls_bounded_release_blocks_until_an_acquire(void **state)
{
	(void)state;
	for (size_t i = 0; i < bench_nimpls; i++) {
		const struct bench_impl *impl = bench_impls[i];
		void *s;

		if (!testable(impl, IMPL_BOUNDED))
			continue;
		s = make(impl, 1);
		handoff(impl, s, impl->post, impl->wait);
		take_exactly(impl, impl->trypost, s, 0);
		impl_free(impl, s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(impls_counting_trywait_takes_each_permit_once),
		cmocka_unit_test(impls_counting_post_n_gives_n_permits),
		cmocka_unit_test(impls_bounded_try_calls_stop_at_n_and_at_none),
		cmocka_unit_test(impls_counting_wait_blocks_until_a_post),
		cmocka_unit_test(impls_bounded_acquire_blocks_until_a_release),
		cmocka_unit_test(impls_bounded_release_blocks_until_an_acquire),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
