/* SPDX-License-Identifier: MIT */
/*
 * test_shutdown.c - fsem_shutdown() and fsem_bounded_shutdown() fail every
 * blocked and every later wait with ECANCELED, lose no permit, and are
 * safe from a signal handler and across processes.
 *
 * Blocked threads are confirmed asleep in the futex system call (the
 * kernel's word, /proc) before the shutdown; their return is awaited with
 * a join whose limit only a broken library reaches.
 */
#define _GNU_SOURCE	/* pthread_timedjoin_np */
#include "common.h"

#include <signal.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define HANDSHAKE_NS	(10 * 1000000000LL)
#define FAR_NS		(3600 * 1000000000LL)	/* a deadline never reached */
#define BLOCKED		3	/* threads blocked in each kind of call */

static const int flag_sets[] = {
	0, FSEM_NOSPIN, FSEM_SHARED, FSEM_FIFO, FSEM_FIFO | FSEM_NOSPIN,
};

/* Each kind of blocking call: fsem_t waits, then the bounded calls. */
enum call {
	WAIT, TIMEDWAIT, CLOCKWAIT,
	ACQUIRE, TIMEDACQUIRE, CLOCKACQUIRE,
	RELEASE, TIMEDRELEASE, CLOCKRELEASE,
};

static const char *const call_names[] = {
	"wait", "timedwait", "clockwait",
	"acquire", "timedacquire", "clockacquire",
	"release", "timedrelease", "clockrelease",
};

struct blocked {
	pthread_t thread;
	struct test_tid tid;
	enum call call;
	fsem_t *sem;
	fsem_bounded_t *b;
	int ret, err;
};

static int do_call(enum call c, fsem_t *sem, fsem_bounded_t *b)
{
	struct timespec rt = test_deadline(CLOCK_REALTIME, FAR_NS);
	struct timespec mono = test_deadline(CLOCK_MONOTONIC, FAR_NS);

	switch (c) {
	case WAIT:		return fsem_wait(sem);
	case TIMEDWAIT:		return fsem_timedwait(sem, &rt);
	case CLOCKWAIT:		return fsem_clockwait(sem, CLOCK_MONOTONIC,
						      &mono);
	case ACQUIRE:		return fsem_bounded_acquire(b);
	case TIMEDACQUIRE:	return fsem_bounded_timedacquire(b, &rt);
	case CLOCKACQUIRE:	return fsem_bounded_clockacquire(b,
						CLOCK_MONOTONIC, &mono);
	case RELEASE:		return fsem_bounded_release(b);
	case TIMEDRELEASE:	return fsem_bounded_timedrelease(b, &rt);
	case CLOCKRELEASE:	return fsem_bounded_clockrelease(b,
						CLOCK_MONOTONIC, &mono);
	}
	return -2;
}

static void *run_blocked(void *arg)
{
	struct blocked *t = arg;

	test_tid_publish(&t->tid);
	errno = 0;
	t->ret = do_call(t->call, t->sem, t->b);
	t->err = errno;
	return NULL;
}

static void start(struct blocked *t, enum call c, fsem_t *sem,
		  fsem_bounded_t *b)
{
	memset(t, 0, sizeof(*t));
	t->call = c;
	t->sem = sem;
	t->b = b;
	assert_int_equal(pthread_create(&t->thread, NULL, run_blocked, t), 0);
	test_wait_blocked(test_tid_get(&t->tid));
}

static void join_cancelled(struct blocked *t)
{
	struct timespec abs = test_deadline(CLOCK_REALTIME, HANDSHAKE_NS);

	if (test_timedjoin(t->thread, NULL, &abs) != 0)
		fail_msg("%s still blocked after the shutdown",
			 call_names[t->call]);
	if (t->ret != -1 || t->err != ECANCELED)
		fail_msg("%s returned %d, errno %d: want -1, ECANCELED",
			 call_names[t->call], t->ret, t->err);
}

/* Every later call of @sem fails with ECANCELED and takes nothing. */
static void assert_waits_cancelled(fsem_t *sem)
{
	struct timespec rt = test_deadline(CLOCK_REALTIME, 0);
	struct timespec mono = test_deadline(CLOCK_MONOTONIC, 0);

	errno = 0;
	assert_int_equal(fsem_wait(sem), -1);	/* the inline fast path */
	assert_int_equal(errno, ECANCELED);
	errno = 0;
	assert_int_equal((fsem_wait)(sem), -1);	/* the library's */
	assert_int_equal(errno, ECANCELED);
	errno = 0;
	assert_int_equal(fsem_trywait(sem), -1);
	assert_int_equal(errno, ECANCELED);
	errno = 0;
	assert_int_equal(fsem_timedwait(sem, &rt), -1);
	assert_int_equal(errno, ECANCELED);
	errno = 0;
	assert_int_equal(fsem_clockwait(sem, CLOCK_MONOTONIC, &mono), -1);
	assert_int_equal(errno, ECANCELED);
}

static void assert_value(fsem_t *sem, int want)
{
	int v = -1;

	assert_int_equal(fsem_getvalue(sem, &v), 0);
	assert_int_equal(v, want);
}

/* Threads blocked in each kind of wait all return ECANCELED. */
static void test_blocked_waits_return(void **state)
{
	(void)state;
	for (size_t f = 0; f < sizeof(flag_sets) / sizeof(*flag_sets); f++) {
		struct blocked t[3 * BLOCKED];
		fsem_t sem;
		int i;

		assert_int_equal(fsem_init(&sem, flag_sets[f], 0), 0);
		for (i = 0; i < 3 * BLOCKED; i++)
			start(&t[i], (enum call)(i % 3), &sem, NULL);
		assert_int_equal(fsem_shutdown(&sem), 0);
		for (i = 0; i < 3 * BLOCKED; i++)
			join_cancelled(&t[i]);
		assert_value(&sem, 0);
		assert_int_equal(fsem_destroy(&sem), 0);	/* none left */
	}
}

/* After a shutdown: waits fail, posts still count, init re-arms. */
static void test_after_shutdown(void **state)
{
	(void)state;
	for (size_t f = 0; f < sizeof(flag_sets) / sizeof(*flag_sets); f++) {
		fsem_t sem;

		assert_int_equal(fsem_init(&sem, flag_sets[f], 3), 0);
		assert_int_equal(fsem_shutdown(&sem), 0);
		assert_waits_cancelled(&sem);
		assert_value(&sem, 3);		/* permits free stay free */
		assert_int_equal(fsem_post(&sem), 0);	/* inline */
		assert_int_equal((fsem_post)(&sem), 0);
		assert_int_equal(fsem_post_n(&sem, 2), 0);
		assert_value(&sem, 7);
		assert_int_equal(fsem_shutdown(&sem), 0);	/* idempotent */
		assert_waits_cancelled(&sem);
		assert_value(&sem, 7);
		assert_int_equal(fsem_destroy(&sem), 0);
		assert_int_equal(fsem_init(&sem, flag_sets[f], 1), 0);
		assert_int_equal(fsem_wait(&sem), 0);	/* re-armed */
		assert_int_equal(fsem_post(&sem), 0);
		assert_int_equal(fsem_trywait(&sem), 0);
	}
}

/* The limit still holds after a shutdown: a post past it changes nothing. */
static void test_post_limit_after_shutdown(void **state)
{
	(void)state;
	for (size_t f = 0; f < sizeof(flag_sets) / sizeof(*flag_sets); f++) {
		fsem_t sem;

		assert_int_equal(fsem_init(&sem, flag_sets[f],
					   FSEM_VALUE_MAX - 2), 0);
		assert_int_equal(fsem_shutdown(&sem), 0);
		assert_int_equal(fsem_post(&sem), 0);
		errno = 0;
		assert_int_equal(fsem_post_n(&sem, 2), -1);
		assert_int_equal(errno, EOVERFLOW);
		assert_int_equal((fsem_post)(&sem), 0);
		errno = 0;
		assert_int_equal(fsem_post(&sem), -1);
		assert_int_equal(errno, EOVERFLOW);
		assert_value(&sem, FSEM_VALUE_MAX);
		errno = 0;
		assert_int_equal(fsem_trywait(&sem), -1);
		assert_int_equal(errno, ECANCELED);
	}
}

/*
 * Posts just before a shutdown, to threads blocked in waits: each permit
 * ends either with a wait that returned 0 or in the count, never lost
 * (under FSEM_FIFO a debtor woken for its token may see the shutdown
 * first, and gives the token back).
 */
static void test_posts_racing_shutdown(void **state)
{
	(void)state;
	for (size_t f = 0; f < sizeof(flag_sets) / sizeof(*flag_sets); f++) {
		for (int posts = 1; posts <= BLOCKED; posts++) {
			struct blocked t[BLOCKED];
			int taken = 0, v = -1, blocked = -1;
			fsem_t sem;
			int i;

			assert_int_equal(fsem_init(&sem, flag_sets[f], 0), 0);
			for (i = 0; i < BLOCKED; i++)
				start(&t[i], WAIT, &sem, NULL);
			assert_int_equal(fsem_post_n(&sem, (unsigned)posts),
					 0);
			assert_int_equal(fsem_shutdown(&sem), 0);
			for (i = 0; i < BLOCKED; i++) {
				struct timespec abs = test_deadline(
					CLOCK_REALTIME, HANDSHAKE_NS);

				if (test_timedjoin(t[i].thread, NULL,
						   &abs) != 0)
					fail_msg("a wait is still blocked");
				if (t[i].ret == 0)
					taken++;
				else
					assert_int_equal(t[i].err, ECANCELED);
			}
			assert_int_equal(fsem_getvalue(&sem, &v), 0);
			assert_int_equal(taken + v, posts);
			assert_int_equal(fsem_waiters(&sem, &blocked), 0);
			assert_int_equal(blocked, 0);
			assert_int_equal(fsem_destroy(&sem), 0);
		}
	}
}

static void assert_bounded_cancelled(fsem_bounded_t *b)
{
	struct timespec rt = test_deadline(CLOCK_REALTIME, 0);
	struct timespec mono = test_deadline(CLOCK_MONOTONIC, 0);
	int (*const calls[])(fsem_bounded_t *) = {
		fsem_bounded_acquire, fsem_bounded_tryacquire,
		fsem_bounded_release, fsem_bounded_tryrelease,
	};

	for (size_t i = 0; i < sizeof(calls) / sizeof(*calls); i++) {
		errno = 0;
		assert_int_equal(calls[i](b), -1);
		assert_int_equal(errno, ECANCELED);
	}
	errno = 0;
	assert_int_equal(fsem_bounded_timedacquire(b, &rt), -1);
	assert_int_equal(errno, ECANCELED);
	errno = 0;
	assert_int_equal(fsem_bounded_clockrelease(b, CLOCK_MONOTONIC, &mono),
			 -1);
	assert_int_equal(errno, ECANCELED);
}

/*
 * Acquirers blocked while all N are out, and releasers blocked while
 * none is out, all return ECANCELED; given_out keeps its value.
 */
static void test_bounded_blocked_return(void **state)
{
	(void)state;
	for (size_t f = 0; f < sizeof(flag_sets) / sizeof(*flag_sets); f++) {
		for (int dir = 0; dir < 2; dir++) {
			struct blocked t[3 * BLOCKED];
			fsem_bounded_t b;
			int i, out = -1, avail = -1;

			assert_int_equal(fsem_bounded_init(&b, flag_sets[f],
							   2), 0);
			if (dir == 0) {	/* all out: acquirers block */
				assert_int_equal(fsem_bounded_acquire(&b), 0);
				assert_int_equal(fsem_bounded_acquire(&b), 0);
			}
			for (i = 0; i < 3 * BLOCKED; i++)
				start(&t[i], (enum call)((dir ? RELEASE :
							  ACQUIRE) + i % 3),
				      NULL, &b);
			assert_int_equal(fsem_bounded_shutdown(&b), 0);
			for (i = 0; i < 3 * BLOCKED; i++)
				join_cancelled(&t[i]);
			assert_bounded_cancelled(&b);
			assert_int_equal(fsem_bounded_given_out(&b, &out), 0);
			assert_int_equal(out, dir ? 0 : 2);
			assert_int_equal(fsem_bounded_getvalue(&b, &avail), 0);
			assert_int_equal(avail, dir ? 2 : 0);
			assert_int_equal(fsem_bounded_shutdown(&b), 0);
			assert_int_equal(fsem_bounded_destroy(&b), 0);
			assert_int_equal(fsem_bounded_init(&b, flag_sets[f],
							   1), 0);
			assert_int_equal(fsem_bounded_acquire(&b), 0);
			assert_int_equal(fsem_bounded_release(&b), 0);
		}
	}
}

static fsem_t handler_sem;

static void on_term(int sig)
{
	int saved = errno;

	(void)sig;
	(void)fsem_shutdown(&handler_sem);
	errno = saved;
}

/* A SIGTERM handler may shut a semaphore down; the sleeper returns. */
static void test_shutdown_from_handler(void **state)
{
	struct sigaction sa = { .sa_handler = on_term }, old;

	(void)state;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	assert_int_equal(sigaction(SIGTERM, &sa, &old), 0);
	for (int fifo = 0; fifo < 2; fifo++) {
		struct blocked t;

		assert_int_equal(fsem_init(&handler_sem,
					   fifo ? FSEM_FIFO : 0, 0), 0);
		start(&t, WAIT, &handler_sem, NULL);
		assert_int_equal(pthread_kill(pthread_self(), SIGTERM), 0);
		join_cancelled(&t);
		assert_int_equal(fsem_destroy(&handler_sem), 0);
	}
	assert_int_equal(sigaction(SIGTERM, &old, NULL), 0);
}

/* True if process @pid sleeps in the futex system call. */
static bool proc_blocked(pid_t pid)
{
	char dir[32];

	snprintf(dir, sizeof(dir), "/proc/%d", (int)pid);
	return test_dir_blocked(dir);
}

/*
 * FSEM_SHARED: a process blocked on a semaphore in shared memory returns
 * ECANCELED when another process shuts it down; both types.
 */
static void test_across_processes(void **state)
{
	struct shm { fsem_t sem; fsem_bounded_t b; } *m;
	int64_t end;
	int status, kind;

	(void)state;
	m = mmap(NULL, sizeof(*m), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(m != MAP_FAILED);
	for (kind = 0; kind < 2; kind++) {
		pid_t pid;

		assert_int_equal(fsem_init(&m->sem, FSEM_SHARED, 0), 0);
		assert_int_equal(fsem_bounded_init(&m->b, FSEM_SHARED, 1), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			int r = kind ? fsem_bounded_release(&m->b) :
				       fsem_wait(&m->sem);

			_exit(r == -1 && errno == ECANCELED ? 0 : 1);
		}
		end = test_now_ns(CLOCK_MONOTONIC) + HANDSHAKE_NS;
		while (!proc_blocked(pid)) {
			if (test_now_ns(CLOCK_MONOTONIC) > end) {
				kill(pid, SIGKILL);
				fail_msg("child never blocked");
			}
			sched_yield();
		}
		assert_int_equal(kind ? fsem_bounded_shutdown(&m->b) :
					fsem_shutdown(&m->sem), 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	munmap(m, sizeof(*m));
}

static void test_bad_input(void **state)
{
	(void)state;
	errno = 0;
	assert_int_equal(fsem_shutdown(NULL), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(fsem_bounded_shutdown(NULL), -1);
	assert_int_equal(errno, EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocked_waits_return),
		cmocka_unit_test(test_after_shutdown),
		cmocka_unit_test(test_post_limit_after_shutdown),
		cmocka_unit_test(test_bounded_blocked_return),
		cmocka_unit_test(test_shutdown_from_handler),
		cmocka_unit_test(test_across_processes),
		cmocka_unit_test(test_posts_racing_shutdown),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
