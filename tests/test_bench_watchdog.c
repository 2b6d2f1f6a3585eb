/* SPDX-License-Identifier: MIT */
/*
 * test_bench_watchdog.c - a workload whose implementation stops making
 * progress (a peer that lost a wake-up) ends fsem-bench with exit status 3
 * and a message naming the step; steady progress never trips it. Each case
 * runs in a child process, since the watchdog ends its process.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "bench.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(watchdog_ends_a_stuck_run_naming_the_step),
		cmocka_unit_test(watchdog_lets_a_progressing_run_finish),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
