/* SPDX-License-Identifier: MIT */
/*
 * test_signal.c - signals interrupt waits exactly as they interrupt glibc's.
 *
 * Each scenario is one function run against small adapters for glibc's
 * sem_t and for fsem_t, and must give the expected result and the same
 * result for both: a thread asleep in a wait gets SIGUSR1 and
 *   - handler without SA_RESTART: every wait returns -1/EINTR;
 *   - handler with SA_RESTART: an untimed wait goes back to sleep and
 *     returns 0 once posted; timed waits return -1/EINTR all the same.
 * The bounded semaphore's acquire and release (no glibc twin) follow the
 * same rules. After an EINTR nothing is lost: the value is unchanged, a post
 * and a trywait balance, destroy returns 0.
 *
 * Then, for sem_t and fsem_t (whose post is async-signal-safe; the bounded
 * calls are not promised to be): a post made from a signal handler wakes a
 * sleeping waiter, and the interrupted code finds its errno unchanged.
 */
#define _GNU_SOURCE	/* sem_clockwait() */
#include "common.h"

#include <semaphore.h>
#include <signal.h>
#include <stdbool.h>

#define HANDSHAKE_NS	(10 * 1000000000LL)

/*
 * ThreadSanitizer runs a handler that interrupts a system call it does not
 * intercept (fsem's futex) only at the thread's next intercepted call.
 */
#if defined(__SANITIZE_THREAD__)
#define DEFERRED_HANDLERS 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define DEFERRED_HANDLERS 1
#endif
#endif

/* How a scenario waits: untimed, timed on REALTIME, clock on MONOTONIC. */
enum how { UNTIMED, TIMED_REALTIME, CLOCK_MONO, HOW_COUNT };

static const char *const how_names[] = {
	"untimed wait", "timedwait (REALTIME, +10 s)",
	"clockwait (MONOTONIC, +10 s)",
};

/* Storage for any of the semaphores below. */
union object {
	sem_t g;
	fsem_t f;
	fsem_bounded_t b;
};

/*
 * One semaphore API seen as a counting semaphore: init makes a wait block;
 * "post" frees one permit for the wait; "value" is what a wait could take.
 */
struct impl {
	const char *name;
	int (*init)(union object *o);
	int (*wait)(union object *o, enum how how);
	int (*post)(union object *o);
	int (*trywait)(union object *o);
	int (*value)(union object *o, int *v);
	int (*destroy)(union object *o);
};

static struct timespec ten_s(enum how how)
{
	return test_deadline(how == CLOCK_MONO ? CLOCK_MONOTONIC
					       : CLOCK_REALTIME,
			     HANDSHAKE_NS);
}

/* glibc sem_t */
static int g_init(union object *o) { return sem_init(&o->g, 0, 0); }
static int g_post(union object *o) { return sem_post(&o->g); }
static int g_trywait(union object *o) { return sem_trywait(&o->g); }
static int g_destroy(union object *o) { return sem_destroy(&o->g); }

static int g_value(union object *o, int *v)
{
	return sem_getvalue(&o->g, v);
}

static int g_wait(union object *o, enum how how)
{
	struct timespec ts = ten_s(how);

	if (how == UNTIMED)
		return sem_wait(&o->g);
	if (how == TIMED_REALTIME)
		return sem_timedwait(&o->g, &ts);
	return sem_clockwait(&o->g, CLOCK_MONOTONIC, &ts);
}

/* fsem_t; FSEM_NOSPIN makes no difference to the result, only to speed */
static int f_init(union object *o) { return fsem_init(&o->f, 0, 0); }
static int f_post(union object *o) { return fsem_post(&o->f); }
static int f_trywait(union object *o) { return fsem_trywait(&o->f); }
static int f_destroy(union object *o) { return fsem_destroy(&o->f); }

static int f_value(union object *o, int *v)
{
	return fsem_getvalue(&o->f, v);
}

static int f_wait(union object *o, enum how how)
{
	struct timespec ts = ten_s(how);

	if (how == UNTIMED)
		return fsem_wait(&o->f);
	if (how == TIMED_REALTIME)
		return fsem_timedwait(&o->f, &ts);
	return fsem_clockwait(&o->f, CLOCK_MONOTONIC, &ts);
}

/* fsem_bounded_t acquire: one permit, given out; release frees it. */
static int ba_init(union object *o)
{
	if (fsem_bounded_init(&o->b, 0, 1) != 0)
		return -1;
	return fsem_bounded_tryacquire(&o->b);
}

static int ba_post(union object *o) { return fsem_bounded_release(&o->b); }

static int ba_trywait(union object *o)
{
	return fsem_bounded_tryacquire(&o->b);
}

static int ba_value(union object *o, int *v)
{
	return fsem_bounded_getvalue(&o->b, v);
}

static int b_destroy(union object *o) { return fsem_bounded_destroy(&o->b); }

static int ba_wait(union object *o, enum how how)
{
	struct timespec ts = ten_s(how);

	if (how == UNTIMED)
		return fsem_bounded_acquire(&o->b);
	if (how == TIMED_REALTIME)
		return fsem_bounded_timedacquire(&o->b, &ts);
	return fsem_bounded_clockacquire(&o->b, CLOCK_MONOTONIC, &ts);
}

/* fsem_bounded_t release: one permit, none out; an acquire frees one. */
static int br_init(union object *o) { return fsem_bounded_init(&o->b, 0, 1); }
static int br_post(union object *o) { return fsem_bounded_acquire(&o->b); }

static int br_trywait(union object *o)
{
	return fsem_bounded_tryrelease(&o->b);
}

static int br_value(union object *o, int *v)
{
	return fsem_bounded_given_out(&o->b, v);
}

static int br_wait(union object *o, enum how how)
{
	struct timespec ts = ten_s(how);

	if (how == UNTIMED)
		return fsem_bounded_release(&o->b);
	if (how == TIMED_REALTIME)
		return fsem_bounded_timedrelease(&o->b, &ts);
	return fsem_bounded_clockrelease(&o->b, CLOCK_MONOTONIC, &ts);
}

static const struct impl glibc_sem = {
	"glibc sem_t", g_init, g_wait, g_post, g_trywait, g_value, g_destroy,
};
static const struct impl fsem_sem = {
	"fsem_t", f_init, f_wait, f_post, f_trywait, f_value, f_destroy,
};
static const struct impl bounded_acquire = {
	"fsem_bounded acquire", ba_init, ba_wait, ba_post, ba_trywait,
	ba_value, b_destroy,
};
static const struct impl bounded_release = {
	"fsem_bounded release", br_init, br_wait, br_post, br_trywait,
	br_value, b_destroy,
};

static _Atomic int handler_runs;

static void on_signal(int sig)
{
	(void)sig;
	atomic_fetch_add(&handler_runs, 1);	/* lock-free: signal-safe */
}

static void install(int sig, void (*fn)(int), int sa_flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = sa_flags;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(sig, &sa, NULL), 0);
}

static void uninstall(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	assert_int_equal(sigaction(sig, &sa, NULL), 0);
}

struct waiter {
	pthread_t thread;
	struct test_tid tid;
	const struct impl *im;
	union object *o;
	enum how how;
	_Atomic int done;
	int ret;
	int err;
};

static void *run_wait(void *arg)
{
	struct waiter *w = arg;

	test_tid_publish(&w->tid);
	errno = 0;
	w->ret = w->im->wait(w->o, w->how);
	w->err = errno;
	atomic_store(&w->done, 1);
	return NULL;
}

/* Wait until @w returned or is asleep in a futex; true if it returned. */
static bool returned_or_blocked(struct waiter *w)
{
	int64_t end = test_now_ns(CLOCK_MONOTONIC) + HANDSHAKE_NS;
	pid_t tid = test_tid_get(&w->tid);

	for (;;) {
		if (atomic_load(&w->done))
			return true;
		if (test_is_blocked(tid))
			return atomic_load(&w->done);
		if (test_now_ns(CLOCK_MONOTONIC) > end)
			fail_msg("thread %d neither returned nor blocked",
				 (int)tid);
		sched_yield();
	}
}

/*
 * True once thread @tid no longer has @sig pending: the kernel has taken it
 * off the thread to run a handler, so the thread has left its futex wait.
 */
static bool signal_taken(pid_t tid, int sig)
{
	char path[64], line[256];
	unsigned long long pending = ~0ull;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", (int)tid);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "SigPnd: %llx", &pending) == 1)
			break;
	fclose(f);
	return !(pending & (1ull << (sig - 1)));
}

/* What a scenario saw; compared field by field between glibc and fsem. */
struct outcome {
	int ret;
	int err;
	bool went_back_to_sleep;	/* asleep again after the handler */
	int value;			/* right after the wait returned */
};

/*
 * Nothing lost or left behind: a post makes one permit, a trywait takes it,
 * and destroy finds nobody.
 */
static void check_intact(const struct impl *im, union object *o,
			 const char *what)
{
	int v = -1;

	if (im->post(o) != 0)
		fail_msg("%s: post afterwards failed (errno %d)", what, errno);
	assert_int_equal(im->value(o, &v), 0);
	if (v != 1)
		fail_msg("%s: value %d after one post, expected 1", what, v);
	if (im->trywait(o) != 0)
		fail_msg("%s: trywait after the post failed (errno %d)", what,
			 errno);
	assert_int_equal(im->value(o, &v), 0);
	assert_int_equal(v, 0);
	if (im->destroy(o) != 0)
		fail_msg("%s: destroy afterwards failed (errno %d)", what,
			 errno);
}

/*
 * Signal a thread asleep in @how on @im, with a handler installed with
 * @sa_flags. If it goes back to sleep, post to let it out.
 */
static struct outcome interrupt_wait(const struct impl *im, int sa_flags,
				     enum how how)
{
	union object o;
	struct waiter w = { .im = im, .o = &o, .how = how };
	struct outcome out = { 0 };
	int64_t end = test_now_ns(CLOCK_MONOTONIC) + HANDSHAKE_NS;
	char what[160];

	snprintf(what, sizeof(what), "%s, %s, %s", im->name, how_names[how],
		 sa_flags & SA_RESTART ? "SA_RESTART" : "no SA_RESTART");
	install(SIGUSR1, on_signal, sa_flags);
	atomic_store(&handler_runs, 0);
	assert_int_equal(im->init(&o), 0);
	assert_int_equal(pthread_create(&w.thread, NULL, run_wait, &w), 0);
	test_wait_blocked(test_tid_get(&w.tid));

	assert_int_equal(pthread_kill(w.thread, SIGUSR1), 0);
	/*
	 * Wait until the handler has run, or the wait returned, or the signal
	 * was taken off the thread: a handler runs between that and the
	 * restart of the wait, so a sleep seen afterwards is a new one. (The
	 * last is what ThreadSanitizer needs: see DEFERRED_HANDLERS.)
	 */
	while (!atomic_load(&handler_runs) && !atomic_load(&w.done) &&
	       !signal_taken(test_tid_get(&w.tid), SIGUSR1)) {
		if (test_now_ns(CLOCK_MONOTONIC) > end)
			fail_msg("%s: the signal was never delivered", what);
		sched_yield();
	}
	if (!returned_or_blocked(&w)) {
		out.went_back_to_sleep = true;
		assert_int_equal(im->post(&o), 0);
	}
	assert_int_equal(pthread_join(w.thread, NULL), 0);
	if (atomic_load(&handler_runs) != 1)
		fail_msg("%s: handler ran %d times", what,
			 atomic_load(&handler_runs));
	out.ret = w.ret;
	out.err = w.ret ? w.err : 0;
	assert_int_equal(im->value(&o, &out.value), 0);
	check_intact(im, &o, what);
	uninstall(SIGUSR1);
	return out;
}

static void expect(const struct outcome *got, const struct outcome *want,
		   const struct impl *im, int sa_flags, enum how how)
{
	if (got->ret != want->ret || got->err != want->err ||
	    got->went_back_to_sleep != want->went_back_to_sleep ||
	    got->value != want->value)
		fail_msg("%s, %s, %s: returned %d errno %d (%s), %s, value %d;"
			 " expected %d errno %d, %s, value %d", im->name,
			 how_names[how],
			 sa_flags & SA_RESTART ? "SA_RESTART" : "no SA_RESTART",
			 got->ret, got->err, strerror(got->err),
			 got->went_back_to_sleep ? "slept again" : "no sleep",
			 got->value, want->ret, want->err,
			 want->went_back_to_sleep ? "slept again" : "no sleep",
			 want->value);
}

/* glibc and fsem give @want, hence the same; then the bounded ones do. */
static void run_everywhere(int sa_flags, enum how how,
			   const struct outcome *want)
{
	static const struct impl *const bounded[] = {
		&bounded_acquire, &bounded_release,
	};
	struct outcome g, f, b;
	size_t i;

	g = interrupt_wait(&glibc_sem, sa_flags, how);
	f = interrupt_wait(&fsem_sem, sa_flags, how);
	expect(&g, want, &glibc_sem, sa_flags, how);
	expect(&f, &g, &fsem_sem, sa_flags, how);	/* as glibc */
	for (i = 0; i < 2; i++) {
		b = interrupt_wait(bounded[i], sa_flags, how);
		expect(&b, want, bounded[i], sa_flags, how);
	}
}

static const struct outcome eintr = { -1, EINTR, false, 0 };
static const struct outcome resumed = { 0, 0, true, 0 };

static void signal_without_restart_interrupts_wait(void **state)
{
	(void)state;
	run_everywhere(0, UNTIMED, &eintr);
}

static void signal_with_restart_resumes_wait(void **state)
{
	(void)state;
	run_everywhere(SA_RESTART, UNTIMED, &resumed);
}

static void signal_interrupts_timedwait_either_way(void **state)
{
	(void)state;
	run_everywhere(0, TIMED_REALTIME, &eintr);
	run_everywhere(SA_RESTART, TIMED_REALTIME, &eintr);
}

static void signal_interrupts_monotonic_clockwait_either_way(void **state)
{
	(void)state;
	run_everywhere(0, CLOCK_MONO, &eintr);
	run_everywhere(SA_RESTART, CLOCK_MONO, &eintr);
}

/*
 * A post from a signal handler. The handler runs on a bystander thread
 * whose errno holds a sentinel; it posts to the semaphore a waiter sleeps
 * on (so the post must wake it) and deliberately does not save errno.
 */
#define ERRNO_SENTINEL 12345

static _Atomic(const struct impl *) post_impl;
static _Atomic(union object *) post_object;
static _Atomic int post_ret = 99;

static void post_from_handler(int sig)
{
	const struct impl *im = atomic_load(&post_impl);

	(void)sig;
	atomic_store(&post_ret, im->post(atomic_load(&post_object)));
	atomic_fetch_add(&handler_runs, 1);
}

struct bystander {
	pthread_t thread;
	struct test_tid tid;
	int errno_seen;		/* errno once the handler had run */
	bool changed;		/* errno differed at some point */
};

static void *run_bystander(void *arg)
{
	struct bystander *b = arg;

	errno = ERRNO_SENTINEL;
	test_tid_publish(&b->tid);
	while (!atomic_load(&handler_runs))
		if (errno != ERRNO_SENTINEL)
			b->changed = true;
	b->errno_seen = errno;
	return NULL;
}

struct handler_post {
	int waiter_ret;
	int post_ret;
	int errno_seen;
	bool errno_changed;
	int value;
};

static struct handler_post post_in_handler(const struct impl *im)
{
	union object o;
	struct waiter w = { .im = im, .o = &o, .how = UNTIMED };
	struct bystander by = { 0 };
	struct handler_post out;

	install(SIGUSR2, post_from_handler, SA_RESTART);
	atomic_store(&handler_runs, 0);
	atomic_store(&post_ret, 99);
	assert_int_equal(im->init(&o), 0);
	atomic_store(&post_impl, im);
	atomic_store(&post_object, &o);
	assert_int_equal(pthread_create(&w.thread, NULL, run_wait, &w), 0);
	test_wait_blocked(test_tid_get(&w.tid));
	assert_int_equal(pthread_create(&by.thread, NULL, run_bystander,
					&by), 0);
	(void)test_tid_get(&by.tid);	/* its errno holds the sentinel */

	assert_int_equal(pthread_kill(by.thread, SIGUSR2), 0);
	assert_int_equal(pthread_join(w.thread, NULL), 0);	/* woken */
	assert_int_equal(pthread_join(by.thread, NULL), 0);
	out.waiter_ret = w.ret;
	out.post_ret = atomic_load(&post_ret);
	out.errno_seen = by.errno_seen;
	out.errno_changed = by.changed;
	assert_int_equal(im->value(&o, &out.value), 0);
	check_intact(im, &o, im->name);
	uninstall(SIGUSR2);
	return out;
}

static void signal_handler_post_wakes_waiter_and_keeps_errno(void **state)
{
	static const struct impl *const impls[] = { &glibc_sem, &fsem_sem };
	struct handler_post got[2];
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		got[i] = post_in_handler(impls[i]);
		if (got[i].waiter_ret != 0 || got[i].post_ret != 0 ||
		    got[i].value != 0)
			fail_msg("%s: waiter returned %d, post in the handler "
				 "%d, value %d afterwards", impls[i]->name,
				 got[i].waiter_ret, got[i].post_ret,
				 got[i].value);
		if (got[i].errno_changed ||
		    got[i].errno_seen != ERRNO_SENTINEL)
			fail_msg("%s: the interrupted thread's errno became "
				 "%d", impls[i]->name, got[i].errno_seen);
	}
	/* fsem_t as glibc. */
	assert_int_equal(got[1].waiter_ret, got[0].waiter_ret);
	assert_int_equal(got[1].post_ret, got[0].post_ret);
	assert_int_equal(got[1].errno_seen, got[0].errno_seen);
	assert_int_equal(got[1].value, got[0].value);
}

/*
 * The handler runs on the waiter itself and posts to the semaphore that
 * waiter sleeps on. glibc: without SA_RESTART the wait returns -1/EINTR and
 * the permit stays (value 1); with SA_RESTART the restarted wait takes it.
 * fsem must do the same (fsem.h promises EINTR whenever a handler without
 * SA_RESTART ran while blocked). Not under ThreadSanitizer: there the
 * handler would run only after the wait it is to end has returned.
 */
static struct outcome post_to_interrupted_waiter(const struct impl *im,
						 int sa_flags)
{
	union object o;
	struct waiter w = { .im = im, .o = &o, .how = UNTIMED };
	struct outcome out = { 0 };
	int v;

	install(SIGUSR2, post_from_handler, sa_flags);
	atomic_store(&handler_runs, 0);
	assert_int_equal(im->init(&o), 0);
	atomic_store(&post_impl, im);
	atomic_store(&post_object, &o);
	assert_int_equal(pthread_create(&w.thread, NULL, run_wait, &w), 0);
	test_wait_blocked(test_tid_get(&w.tid));
	assert_int_equal(pthread_kill(w.thread, SIGUSR2), 0);
	assert_int_equal(pthread_join(w.thread, NULL), 0);
	assert_int_equal(atomic_load(&handler_runs), 1);
	assert_int_equal(atomic_load(&post_ret), 0);
	out.ret = w.ret;
	out.err = w.ret ? w.err : 0;
	assert_int_equal(im->value(&o, &out.value), 0);
	/* Whatever the result, the one post is not lost nor doubled. */
	if (out.value != (out.ret == 0 ? 0 : 1))
		fail_msg("%s: wait returned %d with value %d afterwards: a "
			 "permit was %s", im->name, out.ret, out.value,
			 out.value > (out.ret == 0 ? 0 : 1) ? "invented"
							    : "lost");
	for (v = out.value; v > 0; v--)
		assert_int_equal(im->trywait(&o), 0);
	check_intact(im, &o, im->name);
	uninstall(SIGUSR2);
	return out;
}

static void signal_handler_post_to_the_interrupted_waiter(void **state)
{
	static const struct outcome want_eintr = { -1, EINTR, false, 1 };
	static const struct outcome want_taken = { 0, 0, false, 0 };
	struct outcome g, f;

	(void)state;
#ifdef DEFERRED_HANDLERS
	skip();
#endif
	g = post_to_interrupted_waiter(&glibc_sem, SA_RESTART);
	f = post_to_interrupted_waiter(&fsem_sem, SA_RESTART);
	expect(&g, &want_taken, &glibc_sem, SA_RESTART, UNTIMED);
	expect(&f, &g, &fsem_sem, SA_RESTART, UNTIMED);

	g = post_to_interrupted_waiter(&glibc_sem, 0);
	f = post_to_interrupted_waiter(&fsem_sem, 0);
	expect(&g, &want_eintr, &glibc_sem, 0, UNTIMED);
	expect(&f, &g, &fsem_sem, 0, UNTIMED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(signal_without_restart_interrupts_wait),
		cmocka_unit_test(signal_with_restart_resumes_wait),
		cmocka_unit_test(signal_interrupts_timedwait_either_way),
		cmocka_unit_test(
			signal_interrupts_monotonic_clockwait_either_way),
		cmocka_unit_test(
			signal_handler_post_wakes_waiter_and_keeps_errno),
		cmocka_unit_test(
			signal_handler_post_to_the_interrupted_waiter),
	};

	return cmocka_run_group_tests_name("signal", tests, NULL, NULL);
}
