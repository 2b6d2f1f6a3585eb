/* SPDX-License-Identifier: MIT */
/*
 * test_futex_errors.c - a blocking call whose futex system call fails
 * returns -1 with the kernel's errno at once, and loses or invents no
 * permit.
 *
 * Some sandboxes and container profiles install a seccomp filter that
 * answers futex with ENOSYS or EPERM. Each scenario runs in a forked child
 * that installs such a filter (linux/seccomp.h, no libseccomp) and then
 * makes the same blocking call twice, with nothing available. The child
 * stays single-threaded and makes no other futex call, since every lock
 * that would sleep is broken there too; it reports through a shared mapping,
 * which also holds the semaphore, so the parent checks everything with
 * cmocka once the child is gone: each call returned -1 with the filter's
 * errno long before its deadline, and the semaphore is intact (value
 * unchanged, a give and a take balance, destroy answers 0, not EBUSY).
 * A watchdog (alarm) ends a child whose call neither sleeps nor fails,
 * so a wait that spins on the failing call fails the test instead of
 * hanging it.
 */
#define _GNU_SOURCE
#include "common.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "subject.h"

#define NS		1000000000LL
#define WATCHDOG_S	5	/* a child still in its call then spins */
#define PROMPT_NS	(1 * NS)	/* a failed call returns within this */
#define FAR_NS		(60 * NS)	/* a deadline no call reaches */
#define NO_FILTER	3	/* child exit status: filter refused */

#if defined(__x86_64__)
#define TEST_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define TEST_AUDIT_ARCH AUDIT_ARCH_AARCH64
#elif defined(__i386__)
#define TEST_AUDIT_ARCH AUDIT_ARCH_I386
#endif

/*
 * Sanitizer runtimes and valgrind make no futex call in a single-threaded
 * child that does not block (checked under ASan+UBSan, TSan, helgrind and
 * DRD), so no build skips; only an architecture the filter cannot name.
 */
static bool skipped_here(void)
{
#ifndef TEST_AUDIT_ARCH
	print_message("[ SKIPPED ] no seccomp architecture constant for "
		      "this machine in the test\n");
	return true;
#else
	return false;
#endif
}

#ifdef TEST_AUDIT_ARCH
/* Make every futex call of this process fail with @err: 0, or an errno. */
static int refuse_futex(int err)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TEST_AUDIT_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_futex, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO |
			 ((uint32_t)err & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = (unsigned short)(sizeof(code) / sizeof(code[0])),
		.filter = code,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0)
		return errno;
	return 0;
}
#else
static int refuse_futex(int err)
{
	(void)err;
	return ENOSYS;
}
#endif

/* Each blocking entry point; the untimed ones ignore clock and deadline. */
static int call_wait(struct subject *o, clockid_t c, const struct timespec *t)
{
	(void)c;
	(void)t;
	return fsem_wait(&o->s);	/* inline where the compiler allows */
}

static int call_wait_lib(struct subject *o, clockid_t c,
			 const struct timespec *t)
{
	(void)c;
	(void)t;
	return (fsem_wait)(&o->s);	/* the library's function */
}

static int call_acquire(struct subject *o, clockid_t c,
			const struct timespec *t)
{
	(void)c;
	(void)t;
	return fsem_bounded_acquire(&o->b);
}

static int call_release(struct subject *o, clockid_t c,
			const struct timespec *t)
{
	(void)c;
	(void)t;
	return fsem_bounded_release(&o->b);
}

struct blocking_call {
	const char *name;
	enum kind kind;
	clockid_t clock;
	int (*call)(struct subject *o, clockid_t clock,
		    const struct timespec *abs);
};

static const struct blocking_call untimed_calls[] = {
	{ "fsem_wait", SEM, CLOCK_REALTIME, call_wait },
	{ "(fsem_wait)", SEM, CLOCK_REALTIME, call_wait_lib },
	{ "fsem_bounded_acquire", ACQ, CLOCK_REALTIME, call_acquire },
	{ "fsem_bounded_release", REL, CLOCK_REALTIME, call_release },
};

static const struct blocking_call timed_calls[] = {
	{ "fsem_timedwait", SEM, CLOCK_REALTIME, call_timedwait },
	{ "fsem_clockwait(MONOTONIC)", SEM, CLOCK_MONOTONIC, call_clockwait },
	{ "fsem_bounded_timedacquire", ACQ, CLOCK_REALTIME,
	  call_timedacquire },
	{ "fsem_bounded_clockacquire(MONOTONIC)", ACQ, CLOCK_MONOTONIC,
	  call_clockacquire },
	{ "fsem_bounded_timedrelease", REL, CLOCK_REALTIME,
	  call_timedrelease },
	{ "fsem_bounded_clockrelease(MONOTONIC)", REL, CLOCK_MONOTONIC,
	  call_clockrelease },
};

#define CALLS	2	/* the child makes its call this many times */

/* Shared between parent and child: the semaphore and what the child saw. */
struct arena {
	struct subject o;
	int filter_err;		/* refuse_futex() in the child */
	int ret[CALLS], err[CALLS];
	int64_t ns[CALLS];	/* how long each call took */
};

/* The child: refuse futex, then make the call that finds nothing free. */
static void child(struct arena *a, const struct blocking_call *bc, int err)
{
	struct timespec abs;
	int64_t t0;
	int i;

	alarm(WATCHDOG_S);
	a->filter_err = refuse_futex(err);
	if (a->filter_err)
		_exit(NO_FILTER);
	for (i = 0; i < CALLS; i++) {
		abs = test_deadline(bc->clock, FAR_NS);
		t0 = test_now_ns(CLOCK_MONOTONIC);
		errno = 0;
		a->ret[i] = bc->call(&a->o, bc->clock, &abs);
		a->err[i] = errno;
		a->ns[i] = test_now_ns(CLOCK_MONOTONIC) - t0;
	}
	_exit(0);
}

/*
 * Reap @pid within twice the watchdog: its wait status, and in *@cpu_ms
 * the CPU time it used; or fail.
 */
static int reap(pid_t pid, const char *what, long *cpu_ms)
{
	int64_t end = test_now_ns(CLOCK_MONOTONIC) + 2 * WATCHDOG_S * NS;
	struct rusage ru;
	int status = 0;
	pid_t r;

	while ((r = wait4(pid, &status, WNOHANG, &ru)) == 0) {
		if (test_now_ns(CLOCK_MONOTONIC) > end) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			fail_msg("%s: child %d outlived its watchdog", what,
				 (int)pid);
		}
		usleep(1000);
	}
	assert_int_equal(r, pid);
	*cpu_ms = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000L +
		  (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
	return status;
}

/* One call on one semaphore with futex refused by @err, checked. */
static void check_one(const struct blocking_call *bc, int flags, int err)
{
	struct arena *a;
	char what[160];
	int status, i;
	long cpu_ms;
	pid_t pid;

	snprintf(what, sizeof(what), "%s on a %s semaphore, futex refused "
		 "with %s", bc->name, flags & FSEM_SHARED ? "shared" :
		 "private", strerror(err));
	a = mmap(NULL, sizeof(*a), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(a != MAP_FAILED);
	subject_init(&a->o, bc->kind, flags, false);
	fflush(NULL);	/* nothing buffered is written twice */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child(a, bc, err);
	status = reap(pid, what, &cpu_ms);
	if (WIFEXITED(status) && WEXITSTATUS(status) == NO_FILTER) {
		print_message("[ SKIPPED ] the kernel refused the seccomp "
			      "filter (%s)\n", strerror(a->filter_err));
		munmap(a, sizeof(*a));
		skip();
	}
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		fail_msg("%s: still in the call after %d s, %ld ms of them "
			 "on a CPU (its watchdog ended it): it neither slept "
			 "nor failed", what, WATCHDOG_S, cpu_ms);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("%s: child ended with status %#x", what, status);
	for (i = 0; i < CALLS; i++) {
		if (a->ret[i] != -1 || a->err[i] != err)
			fail_msg("%s: call %d returned %d, errno %d (%s); "
				 "expected -1, errno %d", what, i + 1,
				 a->ret[i], a->err[i], strerror(a->err[i]),
				 err);
		if (a->ns[i] > PROMPT_NS * test_slowdown())
			fail_msg("%s: call %d took %lld ms to fail", what,
				 i + 1, (long long)(a->ns[i] / 1000000));
	}
	subject_intact(&a->o, 0, what);
	assert_int_equal(munmap(a, sizeof(*a)), 0);
}

/*
 * Every call of @calls, on private semaphores of both protocols and on
 * shared ones.
 */
static void check_all(const struct blocking_call *calls, size_t n, int err)
{
	static const int flag_sets[] = { 0, FSEM_SHARED, FSEM_FIFO };
	size_t i, f;

	if (skipped_here())
		skip();
	for (i = 0; i < n; i++)
		for (f = 0; f < 3; f++)
			check_one(&calls[i], flag_sets[f], err);
}

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void futex_error_enosys_fails_untimed_calls(void **state)
{
	(void)state;
	check_all(untimed_calls, N_OF(untimed_calls), ENOSYS);
}

static void futex_error_eperm_fails_untimed_calls(void **state)
{
	(void)state;
	check_all(untimed_calls, N_OF(untimed_calls), EPERM);
}

static void futex_error_enosys_fails_timed_calls(void **state)
{
	(void)state;
	check_all(timed_calls, N_OF(timed_calls), ENOSYS);
}

static void futex_error_eperm_fails_timed_calls(void **state)
{
	(void)state;
	check_all(timed_calls, N_OF(timed_calls), EPERM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(futex_error_enosys_fails_untimed_calls),
		cmocka_unit_test(futex_error_eperm_fails_untimed_calls),
		cmocka_unit_test(futex_error_enosys_fails_timed_calls),
		cmocka_unit_test(futex_error_eperm_fails_timed_calls),
	};

	return cmocka_run_group_tests_name("futex_errors", tests, NULL, NULL);
}
