/* SPDX-License-Identifier: MIT */
/*
 * common.h - helpers shared by the fsem tests: handshakes instead of sleeps.
 *
 * A test that needs "thread T is blocked in the semaphore" waits for
 * test_wait_blocked(tid): the kernel reports the thread asleep inside the
 * futex system call. No sleep stands in for synchronisation.
 */
#ifndef FSEM_TEST_COMMON_H
#define FSEM_TEST_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fsem.h"

/*
 * Built with -Dvalgrind=true (FSEM_VALGRIND), the suite runs under helgrind
 * and DRD (scripts/valgrind.sh), which see neither the tests' own C11
 * atomics nor pthread_timedjoin_np. test_atomic(&x) exempts the atomic
 * variable x from their race checks; it orders nothing. Where a test
 * passes data through an atomic, test_release(&x) precedes the store that
 * publishes it and test_acquire(&x) follows the load that saw it (the tag
 * is odd, as in src/annotate.h). test_timedjoin() is
 * pthread_timedjoin_np(), or under valgrind pthread_join(), which they
 * see; meson's test timeout is then the watchdog. test_on_valgrind() is
 * true under any valgrind tool. Built without the option, all are plain.
 */
#ifdef FSEM_VALGRIND
#include <valgrind/helgrind.h>
#define test_on_valgrind() (RUNNING_ON_VALGRIND != 0)
#define test_atomic(p) VALGRIND_HG_DISABLE_CHECKING((p), sizeof(*(p)))
#define test_release(p) ANNOTATE_HAPPENS_BEFORE((const char *)(p) + 1)
#define test_acquire(p) ANNOTATE_HAPPENS_AFTER((const char *)(p) + 1)
#define test_timedjoin(th, ret, abs)					\
	(RUNNING_ON_VALGRIND ? pthread_join((th), (ret)) :		\
			       pthread_timedjoin_np((th), (ret), (abs)))
#else
#define test_on_valgrind() 0
#define test_atomic(p) ((void)(p))
#define test_release(p) ((void)(p))
#define test_acquire(p) ((void)(p))
#define test_timedjoin(th, ret, abs) pthread_timedjoin_np((th), (ret), (abs))
#endif

static inline pid_t test_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static inline int64_t test_now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Absolute deadline @ns from now on @clock. */
static inline struct timespec test_deadline(clockid_t clock, int64_t ns)
{
	int64_t t = test_now_ns(clock) + ns;
	struct timespec ts = { t / 1000000000, t % 1000000000 };

	return ts;
}

/*
 * True if the task whose /proc directory is @dir (a thread of this
 * process, /proc/self/task/TID, or a process, /proc/PID) sleeps in the
 * futex system call.
 */
static inline int test_dir_blocked(const char *dir)
{
	char path[96], buf[512];
	const char *p;
	long nr = -1;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "%s/stat", dir);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = (int)fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n > 0 ? n : 0] = '\0';
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || p[2] != 'S')
		return 0;
	snprintf(path, sizeof(path), "%s/syscall", dir);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%ld", &nr) != 1)
		nr = -1;
	fclose(f);
	return nr == SYS_futex;
}

/* True if thread @tid of this process sleeps in the futex system call. */
static inline int test_is_blocked(pid_t tid)
{
	char dir[48];

	snprintf(dir, sizeof(dir), "/proc/self/task/%d", (int)tid);
	return test_dir_blocked(dir);
}

/*
 * Wait (yielding) until thread @tid is blocked in a futex wait; fails the
 * test after 10 s, which only a broken handshake can take.
 */
static inline void test_wait_blocked(pid_t tid)
{
	int64_t end = test_now_ns(CLOCK_MONOTONIC) + 10 * 1000000000LL;

	while (!test_is_blocked(tid)) {
		if (test_now_ns(CLOCK_MONOTONIC) > end)
			fail_msg("thread %d never blocked", (int)tid);
		sched_yield();
	}
}

/* True if @s ends with @tail (a seam step's site ends with its name). */
static inline bool test_ends_with(const char *s, const char *tail)
{
	size_t a = strlen(s), b = strlen(tail);

	return a >= b && !strcmp(s + a - b, tail);
}

/* A published thread id: the thread stores it, the test waits for it. */
struct test_tid {
	_Atomic pid_t tid;
};

static inline void test_tid_publish(struct test_tid *t)
{
	test_atomic(&t->tid);
	atomic_store_explicit(&t->tid, test_gettid(), memory_order_release);
}

static inline pid_t test_tid_get(struct test_tid *t)
{
	pid_t tid;

	test_atomic(&t->tid);
	while ((tid = atomic_load_explicit(&t->tid,
					   memory_order_acquire)) == 0)
		sched_yield();
	return tid;
}

/* Seed from FSEM_TEST_SEED or the clock; printed so a failure can replay. */
static inline unsigned int test_seed(const char *name)
{
	const char *env = getenv("FSEM_TEST_SEED");
	unsigned int seed = env ? (unsigned int)strtoul(env, NULL, 0)
				: (unsigned int)test_now_ns(CLOCK_REALTIME);

	print_message("[ %s ] seed %u (replay: FSEM_TEST_SEED=%u)\n", name,
		      seed, seed);
	return seed;
}

/*
 * How many times slower than on the bare machine the code runs against
 * the clock: FSEM_TEST_SLOWDOWN, else 1 (scripts/valgrind.sh sets it). A
 * test that paces one thread against another by the clock stretches its
 * gaps by it, so that the race it sets up keeps its shape; a test that
 * runs until it has seen enough events asks for that many fewer, and
 * stretches its hard deadline by it.
 */
static inline int test_slowdown(void)
{
	const char *env = getenv("FSEM_TEST_SLOWDOWN");
	int n = env ? atoi(env) : 1;

	return n > 1 ? n : 1;
}

/* Test duration in ms from FSEM_TEST_MS, else @dflt. */
static inline int64_t test_duration_ms(int64_t dflt)
{
	const char *env = getenv("FSEM_TEST_MS");

	return env ? strtoll(env, NULL, 0) : dflt;
}

#endif /* FSEM_TEST_COMMON_H */
