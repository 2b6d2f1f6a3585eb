/* SPDX-License-Identifier: MIT */
/*
 * test_bench_watchdog.c - a workload whose implementation stops making
 * progress (a peer that lost a wake-up) ends fsem-bench with exit status 3
 * and a message naming the step; steady progress never trips it. Each case
 * runs in a child process, since the watchdog ends its process. At the end
 * of a run the driver wakes a thread that such a peer left asleep with a
 * permit free (join_kicking), and keeps a correct semaphore's count.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "bench.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STEP	"pool T=32,N=4: rep 1/5 std-sem"

/* Run @body in a child with stderr to a pipe; its output and status. */
static int in_child(void (*body)(void), char *out, size_t len)
{
	int fd[2], status;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fd[1], 2);
		close(fd[0]);
		body();
		_exit(0);
	}
	close(fd[1]);
	while (got + 1 < len && (n = read(fd[0], out + got,
					   len - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(fd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void stuck(void)
{
	struct bench_opts o = { .quiet = true };

	watchdog_start(1);
	progress(&o, "%s", STEP);
	alarm(20);	/* no watchdog: SIGALRM, which the test refuses */
	for (;;)
		pause();	/* a thread asleep for a wake that never comes */
}

static void steady(void)
{
	struct bench_opts o = { .quiet = true };
	struct timespec tick = { 0, 100 * 1000000 };

	watchdog_start(3);
	for (int i = 0; i < 40; i++) {	/* 4 s of steps, 0.1 s each */
		progress(&o, "step %d", i);
		nanosleep(&tick, NULL);
	}
}

static void watchdog_ends_a_stuck_run_naming_the_step(void **state)
{
	char out[512];
	int status;

	(void)state;
	status = in_child(stuck, out, sizeof(out));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 3);
	assert_non_null(strstr(out, "no progress for 1 s"));
	assert_non_null(strstr(out, "\"" STEP "\""));
}

static void watchdog_lets_a_progressing_run_finish(void **state)
{
	char out[512];
	int status;

	(void)state;
	status = in_child(steady, out, sizeof(out));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_string_equal(out, "");
}

/*
 * A peer with libstdc++'s rule: a release wakes a sleeper only if the count
 * was 0 (two releases in a row wake one). Its sleepers count themselves.
 */
struct lossy {
	pthread_mutex_t m;
	pthread_cond_t c;
	unsigned int count, sleeping, wakes;
};

static int lossy_init(void *p, unsigned int v)
{
	struct lossy *l = p;

	pthread_mutex_init(&l->m, NULL);
	pthread_cond_init(&l->c, NULL);
	l->count = v;
	return 0;
}

static void lossy_destroy(void *p)
{
	struct lossy *l = p;

	pthread_cond_destroy(&l->c);
	pthread_mutex_destroy(&l->m);
}

static int lossy_wait(void *p)
{
	struct lossy *l = p;

	pthread_mutex_lock(&l->m);
	while (l->count == 0) {	/* sleep until a release from 0 */
		l->sleeping++;
		while (l->wakes == 0)
			pthread_cond_wait(&l->c, &l->m);
		l->wakes--;
		l->sleeping--;
	}
	l->count--;
	pthread_mutex_unlock(&l->m);
	return 0;
}

static int lossy_post(void *p)
{
	struct lossy *l = p;

	pthread_mutex_lock(&l->m);
	if (l->count++ == 0 && l->sleeping > l->wakes) {
		l->wakes++;
		pthread_cond_signal(&l->c);
	}
	pthread_mutex_unlock(&l->m);
	return 0;
}

static int lossy_trywait(void *p)
{
	struct lossy *l = p;
	int err = 0;

	pthread_mutex_lock(&l->m);
	if (l->count)
		l->count--;
	else
		err = EAGAIN;
	pthread_mutex_unlock(&l->m);
	errno = err;
	return err ? -1 : 0;
}

static const struct bench_impl lossy_impl = {
	.name = "lossy", .kind = IMPL_COUNTING, .size = sizeof(struct lossy),
	.init = lossy_init, .destroy = lossy_destroy, .wait = lossy_wait,
	.post = lossy_post, .trywait = lossy_trywait, .trypost = lossy_post,
};

struct waiter_arg {
	const struct bench_impl *impl;
	void *sem;
};

static void *waiter(void *arg)
{
	struct waiter_arg *a = arg;

	a->impl->wait(a->sem);
	return NULL;
}

/*
 * Under the peer's lock: valgrind's tools see pthread_join, not the
 * pthread_timedjoin_np of join_kicking, so no read after the joins may
 * rely on them for its order.
 */
static unsigned int asleep(struct lossy *l)
{
	unsigned int n;

	pthread_mutex_lock(&l->m);
	n = l->sleeping;
	pthread_mutex_unlock(&l->m);
	return n;
}

static unsigned int count(struct lossy *l)
{
	unsigned int n;

	pthread_mutex_lock(&l->m);
	n = l->count;
	pthread_mutex_unlock(&l->m);
	return n;
}

/* The threads' arguments: never written after the threads start (as
 * above, nothing orders a later write of main's stack after their reads). */
static struct waiter_arg lossy_arg, glibc_arg;

static void join_wakes_a_thread_a_lossy_peer_left_asleep(void **state)
{
	struct lossy *l = impl_new(&lossy_impl, 0);
	pthread_t th[2];
	int kicks;

	(void)state;
	assert_non_null(l);
	lossy_arg = (struct waiter_arg){ &lossy_impl, l };
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pthread_create(&th[i], NULL, waiter,
						&lossy_arg), 0);
		while (asleep(l) != (unsigned int)i + 1)
			sched_yield();	/* until it is in its wait */
	}
	/* the last two releases of a run, in a row: the first wakes one,
	 * the second (from 1) nobody; plain joins would wait for ever. Both
	 * under the lock, so that the woken one cannot take the first
	 * before the second comes (then the second would be from 0) */
	pthread_mutex_lock(&l->m);
	l->count = 2;
	l->wakes = 1;
	pthread_cond_broadcast(&l->c);
	pthread_mutex_unlock(&l->m);
	kicks = join_kicking(th[0], &lossy_impl, l);
	kicks += join_kicking(th[1], &lossy_impl, l);
	assert_true(kicks >= 1);
	assert_int_equal(count(l), 0);	/* each took one: none made or lost */
	assert_int_equal(asleep(l), 0);
	impl_free(&lossy_impl, l);
}

static void join_leaves_a_correct_semaphore_alone(void **state)
{
	const struct bench_impl *impl = impl_find("glibc");
	void *s = impl_new(impl, 0);
	pthread_t th;
	int v = -1;

	(void)state;
	assert_non_null(s);
	glibc_arg = (struct waiter_arg){ impl, s };
	assert_int_equal(pthread_create(&th, NULL, waiter, &glibc_arg), 0);
	impl->post(s);
	impl->post(s);	/* one left over, for the kick to take and give */
	(void)join_kicking(th, impl, s);	/* no kick, unless CI is slow */
	assert_int_equal(sem_getvalue(s, &v), 0);
	assert_int_equal(v, 1);
	impl_free(impl, s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(watchdog_ends_a_stuck_run_naming_the_step),
		cmocka_unit_test(watchdog_lets_a_progressing_run_finish),
		cmocka_unit_test(join_wakes_a_thread_a_lossy_peer_left_asleep),
		cmocka_unit_test(join_leaves_a_correct_semaphore_alone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
