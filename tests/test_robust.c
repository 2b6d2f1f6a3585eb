/* SPDX-License-Identifier: MIT */
/*
 * test_robust.c - edge cases the other files leave open, each held to what
 * glibc's sem_t does where it has a twin:
 *
 *   - deadlines of tv_sec INT64_MAX, -1 and INT64_MIN, with valid and
 *     invalid tv_nsec, a permit free or not, on both clocks: every timed
 *     call of both types answers as glibc's sem_timedwait/sem_clockwait
 *     answer in the same run (result, errno, whether it blocked, the value
 *     afterwards), and nothing is lost;
 *   - CLOCK_REALTIME stepped while timed calls sleep (clock_settime from a
 *     keeper child, which puts the clock back; skipped without permission):
 *     a forward step ends realtime waits at once, a backward step keeps
 *     them asleep past their deadline in real time, monotonic waits notice
 *     neither, and glibc's waits do the same;
 *   - 64 threads pinned to 2 CPUs on one fsem_t and one fsem_bounded_t,
 *     and the same mix through two mappings of one file in one process;
 *   - posts from signal handlers that interrupt fsem_post, fsem_post_n and
 *     fsem_wait on the same semaphore, with errno kept.
 *
 * Concurrent cases stop at a deadline (FSEM_TEST_MS), print their seed
 * (FSEM_TEST_SEED) and thread count, and account for every permit at the
 * end. FSEM_TEST_NO_CLOCK_STEP=1 skips the case that steps the clock.
 */
#define _GNU_SOURCE	/* sem_clockwait, CPU sets, memfd_create */
#include "common.h"

#include <limits.h>
#include <poll.h>
#include <semaphore.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "subject.h"

#define NS		1000000000LL
#define MS		1000000LL
#define HANDSHAKE_NS	(10 * NS)	/* only a broken handshake takes this */

#if defined(__SANITIZE_THREAD__)
#define DEFERRED_HANDLERS 1	/* TSan: handlers run at its next interceptor */
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define DEFERRED_HANDLERS 1
#endif
#endif

#ifndef sigev_notify_thread_id	/* glibc 2.36 lacks the name */
#define sigev_notify_thread_id _sigev_un._tid
#endif

/* ---- timed calls of fsem and of glibc, on one kind of object ---------- */

enum { GLIBC = REL + 1 };	/* a glibc sem_t, beside subject.h's kinds */

struct obj {
	int kind;
	struct subject o;
	sem_t g;
};

struct call {
	const char *name;
	int kind;
	clockid_t clock;
	bool timed;	/* the *timed* entry point (CLOCK_REALTIME) */
};

/* fsem's nine timed calls; glibc's twin of calls[i] is glibc_calls[i % 3]. */
static const struct call calls[] = {
	{ "fsem_timedwait", SEM, CLOCK_REALTIME, true },
	{ "fsem_clockwait(REALTIME)", SEM, CLOCK_REALTIME, false },
	{ "fsem_clockwait(MONOTONIC)", SEM, CLOCK_MONOTONIC, false },
	{ "fsem_bounded_timedacquire", ACQ, CLOCK_REALTIME, true },
	{ "fsem_bounded_clockacquire(REALTIME)", ACQ, CLOCK_REALTIME, false },
	{ "fsem_bounded_clockacquire(MONOTONIC)", ACQ, CLOCK_MONOTONIC,
	  false },
	{ "fsem_bounded_timedrelease", REL, CLOCK_REALTIME, true },
	{ "fsem_bounded_clockrelease(REALTIME)", REL, CLOCK_REALTIME, false },
	{ "fsem_bounded_clockrelease(MONOTONIC)", REL, CLOCK_MONOTONIC,
	  false },
};

static const struct call glibc_calls[] = {
	{ "sem_timedwait", GLIBC, CLOCK_REALTIME, true },
	{ "sem_clockwait(REALTIME)", GLIBC, CLOCK_REALTIME, false },
	{ "sem_clockwait(MONOTONIC)", GLIBC, CLOCK_MONOTONIC, false },
};

#define N_CALLS		(sizeof(calls) / sizeof(calls[0]))
#define N_GLIBC		(sizeof(glibc_calls) / sizeof(glibc_calls[0]))

static int call_do(const struct call *c, struct obj *x,
		   const struct timespec *ts)
{
	switch (c->kind) {
	case GLIBC:
		return c->timed ? sem_timedwait(&x->g, ts)
				: sem_clockwait(&x->g, c->clock, ts);
	case SEM:
		return c->timed ? call_timedwait(&x->o, c->clock, ts)
				: call_clockwait(&x->o, c->clock, ts);
	case ACQ:
		return c->timed ? call_timedacquire(&x->o, c->clock, ts)
				: call_clockacquire(&x->o, c->clock, ts);
	default:
		return c->timed ? call_timedrelease(&x->o, c->clock, ts)
				: call_clockrelease(&x->o, c->clock, ts);
	}
}

/* One permit free for the call's direction (@avail), or none. */
static void obj_init(struct obj *x, int kind, int flags, bool avail)
{
	x->kind = kind;
	if (kind == GLIBC)
		assert_int_equal(sem_init(&x->g, 0, avail), 0);
	else
		subject_init(&x->o, (enum kind)kind, flags, avail);
}

static int obj_value(struct obj *x)
{
	int v = -1;

	if (x->kind != GLIBC)
		return subject_value(&x->o);
	assert_int_equal(sem_getvalue(&x->g, &v), 0);
	return v;
}

static int obj_give(struct obj *x)
{
	return x->kind == GLIBC ? sem_post(&x->g) : subject_give(&x->o);
}

/* Value @v; a give and a take balance; destroy finds nobody. */
static void obj_intact(struct obj *x, int v, const char *what)
{
	if (x->kind != GLIBC) {
		subject_intact(&x->o, v, what);
		return;
	}
	if (obj_value(x) != v)
		fail_msg("%s: value %d, expected %d", what, obj_value(x), v);
	assert_int_equal(sem_post(&x->g), 0);
	assert_int_equal(obj_value(x), v + 1);
	assert_int_equal(sem_trywait(&x->g), 0);
	assert_int_equal(sem_destroy(&x->g), 0);
}

/* A thread in one timed call; done once it returned. */
struct waiter {
	pthread_t th;
	struct test_tid tid;
	const struct call *c;
	struct obj *x;
	struct timespec ts;
	_Atomic int done;
	int ret, err;
	int64_t began, ended;	/* CLOCK_MONOTONIC around the call */
	int64_t ended_real;	/* CLOCK_REALTIME right after it */
};

static void *waiter_run(void *arg)
{
	struct waiter *w = arg;

	test_tid_publish(&w->tid);
	w->began = test_now_ns(CLOCK_MONOTONIC);
	errno = 0;
	w->ret = call_do(w->c, w->x, &w->ts);
	w->err = errno;
	w->ended = test_now_ns(CLOCK_MONOTONIC);
	w->ended_real = test_now_ns(CLOCK_REALTIME);
	test_release(&w->done);		/* publishes the results above */
	atomic_store(&w->done, 1);
	return NULL;
}

/* True once @w returned; its results can then be read. */
static bool waiter_done(struct waiter *w)
{
	if (!atomic_load(&w->done))
		return false;
	test_acquire(&w->done);
	return true;
}

static void waiter_start(struct waiter *w, const struct call *c,
			 struct obj *x, struct timespec ts)
{
	memset(w, 0, sizeof(*w));
	w->c = c;
	w->x = x;
	w->ts = ts;
	assert_int_equal(pthread_create(&w->th, NULL, waiter_run, w), 0);
}

/* Wait until @w returned or sleeps in a futex; true if it returned. */
static bool returned_or_blocked(struct waiter *w)
{
	int64_t end = test_now_ns(CLOCK_MONOTONIC) + HANDSHAKE_NS;
	pid_t tid = test_tid_get(&w->tid);

	while (!waiter_done(w)) {
		if (test_is_blocked(tid))
			return waiter_done(w);
		if (test_now_ns(CLOCK_MONOTONIC) > end)
			fail_msg("%s: neither returned nor blocked",
				 w->c->name);
		sched_yield();
	}
	return true;
}

/*
 * Join @w once it returned, within the handshake limit (on the monotonic
 * clock: the realtime one may be stepped); if it still sleeps, free it and
 * fail.
 */
static void waiter_join(struct waiter *w, const char *what)
{
	int64_t end = test_now_ns(CLOCK_MONOTONIC) + HANDSHAKE_NS;

	while (!waiter_done(w) && test_now_ns(CLOCK_MONOTONIC) < end)
		sched_yield();
	if (!waiter_done(w)) {
		obj_give(w->x);
		pthread_join(w->th, NULL);
		fail_msg("%s: %s never returned", what, w->c->name);
	}
	assert_int_equal(pthread_join(w->th, NULL), 0);
}

/* ---- 1. deadlines at the ends of time_t, as glibc answers them -------- */

struct answer {
	bool blocked;	/* asleep until given a permit */
	int ret, err;
	int value;	/* afterwards */
};

static struct answer ask(const struct call *c, int flags, bool avail,
			 struct timespec ts, const char *what)
{
	static struct waiter w;	/* static: a stuck thread keeps them */
	static struct obj x;
	struct answer a;

	memset(&a, 0, sizeof(a));	/* padding too: see memcmp() below */
	obj_init(&x, c->kind, flags, avail);
	waiter_start(&w, c, &x, ts);
	a.blocked = !returned_or_blocked(&w);
	if (a.blocked)
		assert_int_equal(obj_give(&x), 0);
	waiter_join(&w, what);
	a.ret = w.ret;
	a.err = w.ret ? w.err : 0;
	a.value = obj_value(&x);
	obj_intact(&x, a.value, what);
	return a;
}

static const char *answer_text(const struct answer *a, char *buf, size_t n)
{
	snprintf(buf, n, "%s%d%s%s, value %d",
		 a->blocked ? "blocked until given, then " : "", a->ret,
		 a->ret ? " " : "", a->ret ? strerrorname_np(a->err) : "",
		 a->value);
	return buf;
}

/* Every fsem call with deadline @ts answers as its glibc twin. */
static void deadline_as_glibc(struct timespec ts, const char *sec_name,
			      bool avail)
{
	static const int flag_sets[] = { 0, FSEM_NOSPIN };
	struct answer g[N_GLIBC], f;
	char what[256], gt[96], ft[96];
	size_t i, k;

	for (i = 0; i < N_GLIBC; i++) {
		snprintf(what, sizeof(what), "%s {%s, %ld}, %s",
			 glibc_calls[i].name, sec_name, (long)ts.tv_nsec,
			 avail ? "permit free" : "none free");
		g[i] = ask(&glibc_calls[i], 0, avail, ts, what);
		if (i == 0 || memcmp(&g[i], &g[0], sizeof(g[0])) != 0)
			print_message("[ glibc ] %s: %s\n",
				      what + (i ? 0 : strlen("sem_timedwait ")),
				      answer_text(&g[i], gt, sizeof(gt)));
	}
	for (i = 0; i < N_CALLS; i++) {
		const struct answer *want = &g[i % N_GLIBC];

		for (k = 0; k < 2; k++) {
			snprintf(what, sizeof(what), "%s {%s, %ld}, %s, flags "
				 "%d", calls[i].name, sec_name,
				 (long)ts.tv_nsec,
				 avail ? "permit free" : "none free",
				 flag_sets[k]);
			f = ask(&calls[i], flag_sets[k], avail, ts, what);
			if (f.blocked != want->blocked || f.ret != want->ret ||
			    f.err != want->err || f.value != want->value)
				fail_msg("%s: %s; glibc's %s: %s", what,
					 answer_text(&f, ft, sizeof(ft)),
					 glibc_calls[i % N_GLIBC].name,
					 answer_text(want, gt, sizeof(gt)));
		}
	}
}

/*
 * glibc's answers are asked in the same run, never written down here.
 * (glibc 2.36 checks tv_nsec first: EINVAL even with a permit free, taking
 * nothing; then takes a free permit whatever tv_sec says; then times out at
 * once for a negative tv_sec and sleeps until given for a huge one.)
 */
static void robust_extreme_deadlines_answer_as_glibc(void **state)
{
	static const struct {
		const char *name;
		time_t sec;
	} secs[] = {
		{ "INT64_MAX", (time_t)INT64_MAX },
		{ "INT64_MAX / 1e9 + 1", (time_t)(INT64_MAX / NS + 1) },
		{ "-1", -1 },
		{ "INT64_MIN", (time_t)INT64_MIN },
	};
	static const long nsecs[] = { 0, 999999999, -1, 1000000000 };
	size_t s, n;

	(void)state;
	print_message("[ glibc ] sem_timedwait answers (sem_clockwait on both "
		      "clocks the same, unless shown):\n");
	for (s = 0; s < sizeof(secs) / sizeof(secs[0]); s++)
		for (n = 0; n < sizeof(nsecs) / sizeof(nsecs[0]); n++) {
			struct timespec ts = { secs[s].sec, nsecs[n] };

			deadline_as_glibc(ts, secs[s].name, false);
			deadline_as_glibc(ts, secs[s].name, true);
		}
}

/* ---- 2. CLOCK_REALTIME stepped under sleeping timed calls ------------- */

/*
 * The keeper: a child that alone sets the clock, one step per request on
 * its socket. Holding a lock file, it notes realtime - monotonic and sets
 * the clock to the true time plus the offset asked for, the true time being
 * the monotonic clock plus that first difference; so putting it back
 * (offset 0) is off by a microsecond or two, whatever the test took.
 * It ignores SIGTERM and friends, and puts the clock back by itself after
 * KEEPER_MAX_MS stepped and when its socket closes (the test ended, failed
 * or died).
 */
#define KEEPER_MAX_MS	5000
#define FAR_NS		(3 * NS)	/* forward: deadlines this far */
#define NEAR_NS		(500 * MS)	/* backward: deadlines this near, */
#define BACK_NS		(4 * NS)	/* the clock this far back, */
#define MARGIN_NS	(100 * MS)	/* monotonic deadlines this later */
#define KEEPER_LOCK	"/tmp/fsem-test-clock-step.lock"
#define KEEPER_WAIT_NS	(30 * NS)	/* for another run's keeper */

static struct {
	pid_t pid;
	int fd;		/* a socket to the keeper; -1 when none */
} keeper = { -1, -1 };

/*
 * Realtime minus monotonic, read between two monotonic readings: the
 * closest pair of up to 100; *@gap is how far apart they were (on a slow
 * machine or under valgrind none is close).
 */
static int64_t rt_minus_mono(int64_t *gap)
{
	int64_t m1, r, m2, diff = 0;
	int i;

	*gap = INT64_MAX;
	for (i = 0; i < 100 && *gap > 1000; i++) {
		m1 = test_now_ns(CLOCK_MONOTONIC);
		r = test_now_ns(CLOCK_REALTIME);
		m2 = test_now_ns(CLOCK_MONOTONIC);
		if (m2 - m1 < *gap) {
			*gap = m2 - m1;
			diff = r - (m1 + m2) / 2;
		}
	}
	return diff;
}

/*
 * Make realtime - monotonic @want. The clock lands a little later than
 * the monotonic reading its value was computed from (more if the keeper
 * was preempted): measure where it landed and set it again, correcting,
 * until it is within 2 us, or the measurement itself is that coarse.
 */
static int keeper_set(int64_t want)
{
	int64_t t, off, gap, fix = 0;
	struct timespec ts;
	int i;

	for (i = 0; i < 8; i++) {
		t = test_now_ns(CLOCK_MONOTONIC) + want + fix;
		ts.tv_sec = t / NS;
		ts.tv_nsec = t % NS;
		if (clock_settime(CLOCK_REALTIME, &ts) != 0)
			return errno;
		off = rt_minus_mono(&gap) - want;
		if ((off > -2000 && off < 2000) || gap > 2000)
			break;
		fix -= off;
	}
	return 0;
}

/*
 * Take the lock that keeps two keepers (two runs of this test, say in two
 * build directories) from stepping the clock at once: the second would
 * take the first one's stepped clock for the true time and "put it back"
 * there. Held until the keeper exits. 0, or EBUSY after KEEPER_WAIT_NS.
 */
static int keeper_lock(void)
{
	int64_t end = test_now_ns(CLOCK_MONOTONIC) + KEEPER_WAIT_NS;
	int fd = open(KEEPER_LOCK, O_RDONLY | O_CREAT | O_CLOEXEC, 0666);

	if (fd < 0)
		return errno;
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return errno;
		if (test_now_ns(CLOCK_MONOTONIC) > end)
			return EBUSY;
		usleep(10000);	/* another keeper's clock is stepped */
	}
	return 0;		/* fd stays open: the lock with it */
}

static void keeper_main(int fd, pid_t parent)
{
	int lock_err = keeper_lock();
	int64_t gap, base = rt_minus_mono(&gap);	/* the true realtime */
	int64_t offset = 0, since = 0, left;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n, err;

	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	for (;;) {
		left = KEEPER_MAX_MS - (test_now_ns(CLOCK_MONOTONIC) - since) /
				       MS;
		n = poll(&p, 1, offset ? (int)(left > 0 ? left : 0) : 1000);
		if (n == 0 && getppid() != parent)
			break;		/* orphaned: the socket is elsewhere */
		if (n == 0 && offset) {	/* stepped too long: put it back */
			keeper_set(base);
			offset = 0;
		}
		if (n == 0)
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || read(fd, &offset, sizeof(offset)) !=
			     (ssize_t)sizeof(offset))
			break;
		err = lock_err ? lock_err : keeper_set(base + offset);
		if (err)
			offset = 0;	/* the clock did not move */
		since = test_now_ns(CLOCK_MONOTONIC);
		if (send(fd, &err, sizeof(err), MSG_NOSIGNAL) !=
		    (ssize_t)sizeof(err))
			break;
	}
	if (offset)
		keeper_set(base);
	_exit(0);
}

/* Ask the keeper for realtime = true time + @offset: 0 or its errno. */
static int keeper_step(int64_t offset)
{
	struct pollfd p = { .fd = keeper.fd, .events = POLLIN };
	int err = EIO;

	if (send(keeper.fd, &offset, sizeof(offset), MSG_NOSIGNAL) !=
	    (ssize_t)sizeof(offset))
		return EIO;
	if (poll(&p, 1, (int)((HANDSHAKE_NS + KEEPER_WAIT_NS) / MS)) != 1 ||
	    read(keeper.fd, &err, sizeof(err)) != (ssize_t)sizeof(err))
		return EIO;
	return err;
}

/* Close the keeper's socket: it puts the clock back and exits. */
static void keeper_stop(void)
{
	int64_t end = test_now_ns(CLOCK_MONOTONIC) + HANDSHAKE_NS;

	if (keeper.pid <= 0)
		return;
	close(keeper.fd);
	while (waitpid(keeper.pid, NULL, WNOHANG) == 0) {
		if (test_now_ns(CLOCK_MONOTONIC) > end) {
			kill(keeper.pid, SIGKILL);	/* a broken keeper */
			waitpid(keeper.pid, NULL, 0);
			print_message("[ clock step ] the keeper did not exit: "
				      "killed\n");
			break;
		}
		usleep(1000);	/* it is putting the clock back */
	}
	keeper.pid = -1;
	keeper.fd = -1;
}

/* Fork the keeper; 0 if it may set the clock, else its errno. */
static int keeper_start(void)
{
	pid_t self = getpid();
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
				    sv), 0);
	fflush(NULL);
	keeper.pid = fork();
	assert_true(keeper.pid >= 0);
	if (keeper.pid == 0) {
		close(sv[0]);
		keeper_main(sv[1], self);
	}
	close(sv[1]);
	keeper.fd = sv[0];
	return keeper_step(0);	/* the true time: moves nothing */
}

static int step_teardown(void **state)
{
	(void)state;
	keeper_stop();
	return 0;
}

/* Every timed call of fsem, then glibc's three. */
#define N_ALL	(N_CALLS + N_GLIBC)

static const struct call *all_call(size_t i)
{
	return i < N_CALLS ? &calls[i] : &glibc_calls[i - N_CALLS];
}

static bool realtime(size_t i)
{
	return all_call(i)->clock == CLOCK_REALTIME;
}

/* The sleepers of one step; static, so that a stuck one keeps them. */
static struct obj step_x[N_ALL];
static struct waiter step_w[N_ALL];

/* Let every sleeper of the step out and join it. */
static void release_all(void)
{
	size_t i;

	for (i = 0; i < N_ALL; i++) {
		if (!waiter_done(&step_w[i]))
			obj_give(&step_x[i]);
		pthread_join(step_w[i].th, NULL);
	}
}

/*
 * Start every call with nothing free, deadline @rt_ns out on the realtime
 * clock or @mono_ns on the monotonic one, and see each asleep; *@t0 is the
 * monotonic time read before the deadlines, each of which is at least its
 * offset after it in real time. False (all joined) if one returned first:
 * the machine is too slow for these deadlines.
 */
static bool start_all(int64_t rt_ns, int64_t mono_ns, int64_t *t0)
{
	struct timespec rt, mono;
	size_t i;

	*t0 = test_now_ns(CLOCK_MONOTONIC);
	rt = test_deadline(CLOCK_REALTIME, rt_ns);
	mono = test_deadline(CLOCK_MONOTONIC, mono_ns);
	for (i = 0; i < N_ALL; i++) {
		obj_init(&step_x[i], all_call(i)->kind,
			 i & 1 ? FSEM_NOSPIN : 0, false);
		waiter_start(&step_w[i], all_call(i), &step_x[i],
			     realtime(i) ? rt : mono);
	}
	for (i = 0; i < N_ALL; i++)
		if (returned_or_blocked(&step_w[i])) {
			release_all();
			return false;
		}
	return true;
}

/* Put the clock back, let every sleeper out, then fail with @fmt. */
static void step_abort(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static void step_abort(const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	keeper_step(0);
	release_all();
	fail_msg("%s", why);
	abort();	/* not reached: fail_msg() does not return */
}

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * NS + ts->tv_nsec;
}

static void expect_timedout(struct waiter *w, const char *what)
{
	if (w->ret != -1 || w->err != ETIMEDOUT)
		fail_msg("%s: %s returned %d errno %d (%s), expected "
			 "ETIMEDOUT", what, w->c->name, w->ret, w->err,
			 strerror(w->err));
}

/*
 * Forward: deadlines @far out on both clocks, realtime jumps 1 s past
 * them. Every realtime call times out long before @far of real time; every
 * monotonic one sleeps on, and takes the permit given once the clock is
 * back. False if the machine was too slow to tell.
 */
static bool step_forward(int64_t far)
{
	struct waiter *w = step_w;
	int64_t t0, stepped, latest = 0;
	size_t i;

	if (!start_all(far, far, &t0))
		return false;
	if (test_now_ns(CLOCK_MONOTONIC) > t0 + far / 2) {
		release_all();
		return false;
	}
	if (keeper_step(far + NS) != 0)
		step_abort("the keeper could not step the clock forward");
	stepped = test_now_ns(CLOCK_MONOTONIC);
	for (i = 0; i < N_ALL; i++) {
		while (realtime(i) && !waiter_done(&w[i]) &&
		       test_now_ns(CLOCK_MONOTONIC) < t0 + far)
			sched_yield();
		if (realtime(i) && !waiter_done(&w[i]))
			step_abort("forward step: %s slept on past its "
				   "deadline on the stepped clock",
				   w[i].c->name);
	}
	for (i = 0; i < N_ALL; i++)
		if (!realtime(i) && waiter_done(&w[i]))
			step_abort("forward step: %s returned %d errno %d: a "
				   "monotonic deadline moved with the "
				   "realtime clock", w[i].c->name, w[i].ret,
				   w[i].err);
	if (keeper_step(0) != 0)
		step_abort("the keeper could not put the clock back");
	for (i = 0; i < N_ALL; i++) {
		if (realtime(i)) {
			waiter_join(&w[i], "forward step");
			expect_timedout(&w[i], "forward step");
			if (w[i].ended - stepped > latest)
				latest = w[i].ended - stepped;
			obj_intact(&step_x[i], 0, w[i].c->name);
			continue;
		}
		test_wait_blocked(test_tid_get(&w[i].tid));
		assert_int_equal(obj_give(&step_x[i]), 0);
		waiter_join(&w[i], "forward step");
		if (w[i].ret != 0)
			fail_msg("forward step: %s, given a permit, returned "
				 "%d errno %d", w[i].c->name, w[i].ret,
				 w[i].err);
		obj_intact(&step_x[i], 0, w[i].c->name);
	}
	print_message("[ clock step ] +%lld s: the realtime calls (fsem and "
		      "glibc) timed out at most %lld ms after the step, about "
		      "%lld s before their deadline in real time; the "
		      "monotonic ones slept on and took a permit\n",
		      (far + NS) / NS, (long long)(latest / MS), far / NS);
	return true;
}

/*
 * Backward: realtime deadlines @near out, monotonic ones @near + MARGIN_NS
 * (later in real time), then realtime goes back BACK_NS. The monotonic
 * calls time out on time; by then the realtime deadlines have passed in
 * real time but not on the clock, so those calls still sleep; they time
 * out once the clock is put back, not before their deadline. False if the
 * machine was too slow to tell.
 */
static bool step_backward(int64_t near)
{
	struct waiter *w = step_w;
	int64_t t0, stepped, restored, latest = 0;
	size_t i;

	if (!start_all(near, near + MARGIN_NS, &t0))
		return false;
	if (test_now_ns(CLOCK_MONOTONIC) > t0 + near / 2) {
		release_all();
		return false;
	}
	if (keeper_step(-BACK_NS) != 0)
		step_abort("the keeper could not step the clock back");
	stepped = test_now_ns(CLOCK_MONOTONIC);
	for (i = 0; i < N_ALL; i++) {
		if (realtime(i))
			continue;
		while (!waiter_done(&w[i]) &&
		       test_now_ns(CLOCK_MONOTONIC) < stepped + HANDSHAKE_NS)
			sched_yield();
		if (!waiter_done(&w[i]) || w[i].ret != -1 ||
		    w[i].err != ETIMEDOUT || w[i].ended < ts_ns(&w[i].ts))
			step_abort("backward step: %s %s %d errno %d, ended "
				   "%lld ns after its deadline", w[i].c->name,
				   waiter_done(&w[i]) ? "returned"
							   : "never returned",
				   w[i].ret, w[i].err,
				   (long long)(w[i].ended - ts_ns(&w[i].ts)));
	}
	for (i = 0; i < N_ALL; i++)
		if (realtime(i) && waiter_done(&w[i]))
			step_abort("backward step: %s returned %d errno %d "
				   "with the clock %lld s back, before its "
				   "deadline on that clock", w[i].c->name,
				   w[i].ret, w[i].err, BACK_NS / NS);
	restored = test_now_ns(CLOCK_MONOTONIC);
	if (keeper_step(0) != 0)
		step_abort("the keeper could not put the clock back");
	for (i = 0; i < N_ALL; i++) {
		waiter_join(&w[i], "backward step");
		if (realtime(i)) {
			expect_timedout(&w[i], "backward step");
			if (w[i].ended_real < ts_ns(&w[i].ts))
				fail_msg("backward step: %s timed out before "
					 "its deadline", w[i].c->name);
			if (w[i].ended - restored > latest)
				latest = w[i].ended - restored;
		}
		obj_intact(&step_x[i], 0, w[i].c->name);
	}
	print_message("[ clock step ] -%lld s: the monotonic calls timed out "
		      "on time; the realtime ones slept past their deadline "
		      "in real time (by %lld ms at least) and timed out at "
		      "most %lld ms after the clock was put back\n",
		      BACK_NS / NS, (long long)((restored - t0 - near) / MS),
		      (long long)(latest / MS));
	return true;
}

/* @fn with deadlines @ns out, and once more with 3 * @ns if too slow. */
static bool in_time(bool (*fn)(int64_t ns), int64_t ns)
{
	if (fn(ns))
		return true;
	print_message("[ clock step ] sleepers not all asleep within half "
		      "of %lld ms: again with %lld ms\n", (long long)(ns / MS),
		      (long long)(3 * ns / MS));
	return fn(3 * ns);
}

static void robust_realtime_steps_move_realtime_deadlines_only(void **state)
{
	int err;

	(void)state;
	if (getenv("FSEM_TEST_NO_CLOCK_STEP")) {
		print_message("[ SKIPPED ] FSEM_TEST_NO_CLOCK_STEP is set: "
			      "CLOCK_REALTIME is not stepped\n");
		skip();
	}
	err = keeper_start();
	if (err == EBUSY) {
		keeper_stop();
		print_message("[ SKIPPED ] another process held %s for %lld "
			      "s: it is stepping the clock\n", KEEPER_LOCK,
			      KEEPER_WAIT_NS / NS);
		skip();
	}
	if (err) {
		keeper_stop();
		print_message("[ SKIPPED ] clock_settime(CLOCK_REALTIME) "
			      "fails here (%s): stepping the realtime clock "
			      "needs CAP_SYS_TIME in the initial namespace "
			      "(time namespaces leave CLOCK_REALTIME "
			      "alone)\n", strerror(err));
		skip();
	}
	if (!in_time(step_forward, FAR_NS) ||
	    !in_time(step_backward, NEAR_NS)) {
		keeper_stop();
		print_message("[ SKIPPED ] this machine could not put %zu "
			      "threads to sleep within the deadlines\n",
			      N_ALL);
		skip();
	}
	keeper_stop();
}

/* ---- 3, 4. many threads on few CPUs; two mappings of one file --------- */

/*
 * Workers of three roles: LOCK takes fsem_t permits (one, sometimes a
 * second by trywait) and posts them back (fsem_post or fsem_post_n), a
 * K-permit lock; LEASE acquires the bounded semaphore then releases;
 * REVERSE releases (blocking while none is given out) then acquires. Each
 * call picks its flavour at random, and its mapping when there are two.
 *
 * Checked all the time: at most K threads inside the lock (workers); in a
 * monitor every millisecond, with "begun" counted before a call (taken
 * back if it failed) and "done" after a success,
 *   value <= K - (takes done - gives begun): no permit invented;
 *   a_done - r_begun <= given_out <= a_begun - r_done, given_out <= N;
 * and a watchdog: no worker 2 s in one untimed call while every one of at
 * least 100 samples saw a permit free for it (a lost wake-up). At the end:
 * value == K, given_out == 0 and every begun call done.
 */
#define MAX_THREADS	64
#define WATCH_NS	(2 * NS)
#define WATCH_SAMPLES	100
#define GUARD_NS	(20 * NS)	/* the end phase never takes this */

enum role { LOCK, LEASE, REVERSE };
enum side { SIDE_COUNT, SIDE_ACQ, SIDE_REL };
enum flavour { F_WAIT, F_TRY, F_TIMED, F_MONO, F_REAL, F_NR };

/* Both semaphores in one struct, as they lie in memory. */
struct pair {
	fsem_t sem;
	fsem_bounded_t b;
};

struct mix;

struct mworker {
	struct mix *m;
	int idx;
	enum role role;
	uint64_t rng;
	long ops, timeouts;
	pthread_t th;
	_Atomic uint64_t seq;	/* odd while in an untimed call */
	_Atomic int side;	/* what that call waits for */
};

struct mix {
	const char *name;
	unsigned int seed;
	int threads;
	fsem_t *sem[2];		/* one semaphore, maybe two addresses */
	fsem_bounded_t *b[2];
	unsigned int k, n;
	int64_t end;		/* set before go */
	pthread_barrier_t go;	/* the workers start together */
	cpu_set_t cpus;
	char cpu_list[64];
	_Atomic bool stop, claimed, failed, mon_stop;
	char why[512];
	_Atomic int alive;
	_Atomic int holders;
	_Atomic long take_begun, take_done, give_begun, give_done;
	_Atomic long a_begun, a_done, r_begun, r_done;
	pthread_t mon;
	struct mworker w[MAX_THREADS + 1];	/* + the test thread's */
	struct pair own;	/* the semaphores, unless in a mapping */
};

static void mix_fail(struct mix *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void mix_fail(struct mix *m, const char *fmt, ...)
{
	va_list ap;

	atomic_store(&m->stop, true);
	if (atomic_exchange(&m->claimed, true))
		return;
	va_start(ap, fmt);
	vsnprintf(m->why, sizeof(m->why), fmt, ap);
	va_end(ap);
	atomic_store_explicit(&m->failed, true, memory_order_release);
}

static uint32_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (uint32_t)((*s * 0x2545F4914F6CDD1DULL) >> 32);
}

static void spin_a_little(uint64_t *rng)
{
	volatile unsigned int i, n = rnd(rng) % 128;

	for (i = 0; i < n; i++)
		;
}

/* 0, or the errno of a failed call; an errno it may not give fails. */
static int mix_call(struct mworker *w, enum side side, enum flavour f)
{
	struct mix *m = w->m;
	uint32_t x = rnd(&w->rng);
	fsem_t *s = m->sem[x & 1];
	fsem_bounded_t *b = m->b[x >> 1 & 1];
	clockid_t clock = f == F_MONO ? CLOCK_MONOTONIC : CLOCK_REALTIME;
	struct timespec ts = test_deadline(clock, x % 8 == 0 ?
					   -(int64_t)(x % 1000) :
					   (int64_t)(x % 300000));
	int rc, err, want = f == F_TRY ? EAGAIN : ETIMEDOUT;

	errno = 0;
	if (f == F_WAIT) {
		atomic_store(&w->side, side);
		atomic_fetch_add(&w->seq, 1);
		rc = side == SIDE_COUNT ? fsem_wait(s) :
		     side == SIDE_ACQ ? fsem_bounded_acquire(b) :
		     fsem_bounded_release(b);
		atomic_fetch_add(&w->seq, 1);
	} else if (f == F_TRY) {
		rc = side == SIDE_COUNT ? fsem_trywait(s) :
		     side == SIDE_ACQ ? fsem_bounded_tryacquire(b) :
		     fsem_bounded_tryrelease(b);
	} else if (f == F_TIMED) {
		rc = side == SIDE_COUNT ? fsem_timedwait(s, &ts) :
		     side == SIDE_ACQ ? fsem_bounded_timedacquire(b, &ts) :
		     fsem_bounded_timedrelease(b, &ts);
	} else {
		rc = side == SIDE_COUNT ? fsem_clockwait(s, clock, &ts) :
		     side == SIDE_ACQ ?
		     fsem_bounded_clockacquire(b, clock, &ts) :
		     fsem_bounded_clockrelease(b, clock, &ts);
	}
	w->ops++;
	if (rc == 0)
		return 0;
	err = errno;
	if (rc != -1 || f == F_WAIT || err != want)
		mix_fail(m, "worker %d: flavour %d returned %d errno %d (%s)",
			 w->idx, (int)f, rc, err, strerror(err));
	w->timeouts += err == ETIMEDOUT;
	return err ? err : EINVAL;
}

static enum flavour pick(struct mworker *w)
{
	return (enum flavour)(rnd(&w->rng) % F_NR);
}

static bool running(struct mworker *w)
{
	/* Only the test thread ends the run: it may extend it past @end. */
	return !atomic_load_explicit(&w->m->stop, memory_order_relaxed);
}

/* One counted take of the lock; 0 or errno. */
static int lock_take(struct mworker *w, enum flavour f)
{
	struct mix *m = w->m;
	int err, h;

	atomic_fetch_add(&m->take_begun, 1);
	err = mix_call(w, SIDE_COUNT, f);
	if (err) {
		atomic_fetch_sub(&m->take_begun, 1);
		return err;
	}
	atomic_fetch_add(&m->take_done, 1);
	h = atomic_fetch_add(&m->holders, 1) + 1;
	if (h > (int)m->k)
		mix_fail(m, "worker %d: %d holders of %u permits", w->idx, h,
			 m->k);
	return 0;
}

static void lock_round(struct mworker *w)
{
	struct mix *m = w->m;
	fsem_t *s = m->sem[rnd(&w->rng) & 1];
	unsigned int held = 1;
	int rc;

	if (lock_take(w, pick(w)) != 0)
		return;
	if (rnd(&w->rng) % 4 == 0 && lock_take(w, F_TRY) == 0)
		held = 2;
	spin_a_little(&w->rng);
	atomic_fetch_sub(&m->holders, (int)held);
	atomic_fetch_add(&m->give_begun, held);
	rc = held == 2 ? fsem_post_n(s, 2) :
	     rnd(&w->rng) & 1 ? fsem_post(s) : fsem_post_n(s, 1);
	if (rc != 0)
		mix_fail(m, "worker %d: post returned %d errno %d", w->idx,
			 rc, errno);
	atomic_fetch_add(&m->give_done, held);
}

/* One counted bounded acquire (@acq) or release; 0 or errno. */
static int bstep(struct mworker *w, bool acq, enum flavour f)
{
	struct mix *m = w->m;
	int err;

	atomic_fetch_add(acq ? &m->a_begun : &m->r_begun, 1);
	err = mix_call(w, acq ? SIDE_ACQ : SIDE_REL, f);
	if (err)
		atomic_fetch_sub(acq ? &m->a_begun : &m->r_begun, 1);
	else
		atomic_fetch_add(acq ? &m->a_done : &m->r_done, 1);
	return err;
}

/* LEASE: acquire, then release; REVERSE the other way round. */
static void bounded_round(struct mworker *w)
{
	bool acq_first = w->role == LEASE;

	if (bstep(w, acq_first, pick(w)) != 0)
		return;
	spin_a_little(&w->rng);
	while (bstep(w, !acq_first, pick(w)) != 0)	/* must be undone */
		if (atomic_load(&w->m->failed))
			break;
}

static void *mix_worker(void *arg)
{
	struct mworker *w = arg;

	pthread_barrier_wait(&w->m->go);	/* all spawned, end set */
	while (running(w)) {
		if (w->role == LOCK)
			lock_round(w);
		else
			bounded_round(w);
	}
	atomic_fetch_sub(&w->m->alive, 1);
	return NULL;
}

static int side_free(struct mix *m, int side, int map)
{
	int v = -1;

	if (side == SIDE_COUNT)
		fsem_getvalue(m->sem[map], &v);
	else if (side == SIDE_ACQ)
		fsem_bounded_getvalue(m->b[map], &v);
	else
		fsem_bounded_given_out(m->b[map], &v);
	return v;
}

/* The monitor's invariants, read in an order that makes them hold. */
static bool mix_check(struct mix *m, int map)
{
	long td = atomic_load(&m->take_done);
	int v = side_free(m, SIDE_COUNT, map);
	long gb = atomic_load(&m->give_begun);
	int h = atomic_load(&m->holders);
	long rd = atomic_load(&m->r_done), ad = atomic_load(&m->a_done);
	int g = side_free(m, SIDE_REL, map);
	long ab = atomic_load(&m->a_begun), rb = atomic_load(&m->r_begun);

	if (v < 0 || v > (int)m->k || v + td - gb > (long)m->k ||
	    h > (int)m->k)
		mix_fail(m, "monitor: value %d, %d holders, takes done %ld, "
			 "gives begun %ld, K %u", v, h, td, gb, m->k);
	else if (g < 0 || g > (int)m->n || ad - rb > g || g > ab - rd ||
		 ad > rb + (long)m->n || rd > ab)
		mix_fail(m, "monitor: given_out %d, acquires done %ld begun "
			 "%ld, releases done %ld begun %ld, N %u", g, ad, ab,
			 rd, rb, m->n);
	else
		return true;
	return false;
}

struct watch {
	uint64_t seq;
	int64_t since;
	int samples;
};

/* A sample counts if one untimed call spanned a read that saw a permit. */
static void watch_sample(struct mix *m, struct watch *wt, int map)
{
	int64_t now = test_now_ns(CLOCK_MONOTONIC);
	int i, v;

	for (i = 0; i < m->threads; i++) {
		struct mworker *w = &m->w[i];
		uint64_t s1 = atomic_load(&w->seq);
		int side = atomic_load(&w->side);

		v = side_free(m, side, map);
		if (s1 != atomic_load(&w->seq) || !(s1 & 1) || v <= 0) {
			wt[i].seq = 0;
			continue;
		}
		if (wt[i].seq != s1) {
			wt[i] = (struct watch){ s1, now, 0 };
			continue;
		}
		if (++wt[i].samples >= WATCH_SAMPLES &&
		    now - wt[i].since >= WATCH_NS)
			mix_fail(m, "lost wake-up: worker %d in one untimed "
				 "call for %lld ms with a permit free at each "
				 "of %d samples", i,
				 (long long)((now - wt[i].since) / MS),
				 wt[i].samples);
	}
}

static void *mix_monitor(void *arg)
{
	struct mix *m = arg;
	struct timespec period = { 0, MS };
	struct watch wt[MAX_THREADS];
	int map = 0;

	memset(wt, 0, sizeof(wt));
	while (!atomic_load(&m->mon_stop) && mix_check(m, map)) {
		watch_sample(m, wt, map);
		map ^= 1;
		nanosleep(&period, NULL);	/* the sampling period */
	}
	return NULL;
}

/* The first two CPUs this process may run on. */
static void two_cpus(struct mix *m)
{
	cpu_set_t all;
	int cpu, n = 0, len = 0;

	CPU_ZERO(&m->cpus);
	assert_int_equal(sched_getaffinity(0, sizeof(all), &all), 0);
	for (cpu = 0; cpu < CPU_SETSIZE && n < 2; cpu++)
		if (CPU_ISSET(cpu, &all)) {
			CPU_SET(cpu, &m->cpus);
			len += snprintf(m->cpu_list + len,
					sizeof(m->cpu_list) - (size_t)len,
					"%s%d", n++ ? "," : "", cpu);
		}
}

static void mix_spawn(struct mix *m, pthread_t *th, void *(*fn)(void *),
		      void *arg)
{
	pthread_attr_t attr;

	assert_int_equal(pthread_attr_init(&attr), 0);
	assert_int_equal(pthread_attr_setaffinity_np(&attr, sizeof(m->cpus),
						     &m->cpus), 0);
	assert_int_equal(pthread_create(th, &attr, fn, arg), 0);
	pthread_attr_destroy(&attr);
}

/*
 * The test thread's counted tries, so that workers stuck at the end get a
 * peer: an acquire when none is given out (a REVERSE worker's release
 * waits for one), a release of its own when all are (an acquire waits).
 */
static void mix_nudge(struct mix *m, long *own)
{
	struct mworker *self = &m->w[MAX_THREADS];
	int g = side_free(m, SIDE_REL, 0);

	if (g == 0 && bstep(self, true, F_TRY) == 0)
		++*own;
	else if (g == (int)m->n && *own > 0 && bstep(self, false, F_TRY) == 0)
		--*own;
}

static void mix_run(struct mix *m, int64_t ms)
{
	int64_t guard;
	long ops = 0, timeouts = 0, own = 0;
	bool joined = true;
	int i, v = -1, g = -1;

	m->seed = test_seed(m->name);
	two_cpus(m);
	assert_int_equal(pthread_barrier_init(&m->go, NULL,
					      (unsigned int)m->threads + 1), 0);
	m->w[MAX_THREADS] = (struct mworker){ .m = m, .idx = MAX_THREADS };
	mix_spawn(m, &m->mon, mix_monitor, m);
	for (i = 0; i < m->threads; i++) {
		struct mworker *w = &m->w[i];

		w->m = m;
		w->idx = i;
		w->role = i % 2 == 0 ? LOCK : i % 4 == 1 ? LEASE : REVERSE;
		w->rng = ((uint64_t)m->seed << 32 | (uint64_t)i) *
			 2654435761u + 0x9E3779B97F4A7C15ULL;
		atomic_fetch_add(&m->alive, 1);
		mix_spawn(m, &w->th, mix_worker, w);
	}
	/* From the last spawn: under valgrind spawning takes seconds. */
	m->end = test_now_ns(CLOCK_MONOTONIC) + ms * MS;
	pthread_barrier_wait(&m->go);
	/* The run's length, not a handshake; on a loaded machine (valgrind,
	 * CI) it goes on, up to ten times as long, until both kinds of work
	 * have been done at least once, which the end checks. The workers
	 * run until @stop, so the extension is work done, not idle time. */
	while ((test_now_ns(CLOCK_MONOTONIC) < m->end ||
		((atomic_load(&m->take_done) == 0 ||
		  atomic_load(&m->a_done) == 0) &&
		 test_now_ns(CLOCK_MONOTONIC) < m->end + 9 * ms * MS)) &&
	       !atomic_load(&m->stop))
		usleep(10000);
	atomic_store(&m->stop, true);
	guard = test_now_ns(CLOCK_MONOTONIC) + GUARD_NS;
	while (atomic_load(&m->alive) > 0) {
		if (test_now_ns(CLOCK_MONOTONIC) > guard) {
			joined = false;	/* stuck workers keep @m */
			break;
		}
		mix_nudge(m, &own);
		sched_yield();
	}
	for (i = 0; joined && i < m->threads; i++) {
		assert_int_equal(pthread_join(m->w[i].th, NULL), 0);
		ops += m->w[i].ops;
		timeouts += m->w[i].timeouts;
	}
	if (joined)
		pthread_barrier_destroy(&m->go);
	atomic_store(&m->mon_stop, true);
	assert_int_equal(pthread_join(m->mon, NULL), 0);
	if (atomic_load_explicit(&m->failed, memory_order_acquire))
		fail_msg("%s: %s (seed %u, %d threads on CPUs %s)", m->name,
			 m->why, m->seed, m->threads, m->cpu_list);
	if (!joined)
		fail_msg("%s: workers hung at the end (seed %u, %d threads "
			 "on CPUs %s)", m->name, m->seed, m->threads,
			 m->cpu_list);
	for (; own > 0; own--)	/* counted, as the acquires were */
		assert_int_equal(bstep(&m->w[MAX_THREADS], false, F_TRY), 0);
	print_message("[ %s ] %d threads on CPUs %s: %ld calls, %ld timed "
		      "out, %ld lock rounds, %ld acquires\n", m->name,
		      m->threads, m->cpu_list, ops, timeouts,
		      atomic_load(&m->take_done), atomic_load(&m->a_done));
	for (i = 0; i < 2; i++) {	/* exact, through either address */
		assert_int_equal(fsem_getvalue(m->sem[i], &v), 0);
		assert_int_equal(v, (int)m->k);
		assert_int_equal(fsem_bounded_given_out(m->b[i], &g), 0);
		assert_int_equal(g, 0);
	}
	assert_int_equal(m->take_begun, m->take_done);	/* all joined */
	assert_int_equal(m->take_done, m->give_done);
	assert_int_equal(m->give_begun, m->give_done);
	assert_int_equal(m->a_begun, m->a_done);
	assert_int_equal(m->r_begun, m->r_done);
	assert_int_equal(m->a_done, m->r_done);
	assert_true(atomic_load(&m->take_done) > 0);
	assert_true(atomic_load(&m->a_done) > 0);
}

static void robust_64_threads_on_2_cpus(void **state)
{
	struct mix *m = calloc(1, sizeof(*m));	/* a hang leaks it */

	(void)state;
	assert_non_null(m);
	assert_int_equal(fsem_init(&m->own.sem, 0, 3), 0);
	assert_int_equal(fsem_bounded_init(&m->own.b, 0, 4), 0);
	m->name = "robust_64_threads_on_2_cpus";
	m->threads = MAX_THREADS;
	m->k = 3;
	m->n = 4;
	m->sem[0] = m->sem[1] = &m->own.sem;
	m->b[0] = m->b[1] = &m->own.b;
	mix_run(m, test_duration_ms(5000));
	assert_int_equal(fsem_destroy(&m->own.sem), 0);
	assert_int_equal(fsem_bounded_destroy(&m->own.b), 0);
	free(m);
}

#define PAGE		4096
#define PAIR_OFFSET	64	/* not at the start of the page */

/*
 * One memfd mapped twice; every call picks one of the two addresses, so a
 * permit posted through one is taken through the other and sleepers of one
 * address are woken through the other, over and over.
 */
static void robust_two_mappings_under_load(void **state)
{
	struct mix *m = calloc(1, sizeof(*m));
	char *map[2];
	struct pair *p[2];
	int fd, i;

	(void)state;
	assert_non_null(m);
	fd = memfd_create("fsem-robust", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, PAGE), 0);
	for (i = 0; i < 2; i++) {
		map[i] = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
			      fd, 0);
		assert_true(map[i] != MAP_FAILED);
		p[i] = (struct pair *)(void *)(map[i] + PAIR_OFFSET);
	}
	assert_ptr_not_equal(p[0], p[1]);
	assert_int_equal(fsem_init(&p[0]->sem, FSEM_SHARED, 2), 0);
	assert_int_equal(fsem_bounded_init(&p[1]->b, FSEM_SHARED, 2), 0);
	m->name = "robust_two_mappings_under_load";
	m->threads = 8;
	m->k = 2;
	m->n = 2;
	for (i = 0; i < 2; i++) {
		m->sem[i] = &p[i]->sem;
		m->b[i] = &p[i]->b;
	}
	mix_run(m, test_duration_ms(1000));
	assert_int_equal(fsem_destroy(&p[1]->sem), 0);
	assert_int_equal(fsem_bounded_destroy(&p[0]->b), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(munmap(map[i], PAGE), 0);
	close(fd);
	free(m);
}

/* ---- 5. posts from signal handlers, inside post and wait -------------- */

/*
 * Worker threads post (fsem_post or fsem_post_n) then wait as often, or
 * only wait; each has a POSIX timer sending it SIGALRM every few tens of
 * microseconds, and a signaller thread sends them SIGUSR1 as fast as it
 * can. The handler posts to the same semaphore (fsem_post, fsem_post_n(1)
 * or fsem_post_n(2)), noting whether it interrupted a post or a wait. It
 * does not restore errno: each worker sets errno to a sentinel before each
 * call and finds it unchanged after each success, and the handler finds
 * its own errno unchanged by its post. At the end every permit is
 * accounted for: posts (workers, handlers, test thread) == successful
 * waits + the value left. With SA_RESTART an untimed wait never fails.
 */
#define SENTINEL	4242
#define SIG_WORKERS	4

static fsem_t sig_sem;
static _Atomic long sig_posted, sig_runs, sig_in_post, sig_in_wait;
static _Atomic long sig_errno_bad, sig_post_failed;
static _Thread_local volatile sig_atomic_t sig_where;	/* 1 post 2 wait */

static void post_handler(int signo)
{
	int before = errno;	/* deliberately not restored */
	long k = atomic_fetch_add(&sig_runs, 1);
	unsigned int n = (unsigned int)(k % 3);
	int rc;

	(void)signo;
	if (sig_where == 1)
		atomic_fetch_add(&sig_in_post, 1);
	else if (sig_where == 2)
		atomic_fetch_add(&sig_in_wait, 1);
	rc = n ? fsem_post_n(&sig_sem, n) : fsem_post(&sig_sem);
	if (rc != 0)
		atomic_fetch_add(&sig_post_failed, 1);
	else
		atomic_fetch_add(&sig_posted, n ? n : 1);
	if (errno != before)
		atomic_fetch_add(&sig_errno_bad, 1);
}

struct sworker {
	pthread_t th;
	struct test_tid tid;
	int idx;
	uint64_t rng;
	_Atomic bool *stop;
	_Atomic int *alive;
	long posted, taken, eintr, untimed_eintr, timeouts;
	long errno_bad, bad;
	int bad_errno;
};

static void sig_take(struct sworker *w)
{
	uint32_t x = rnd(&w->rng);
	struct timespec ts = test_deadline(x & 1 ? CLOCK_MONOTONIC
						 : CLOCK_REALTIME,
					   (int64_t)(x % 500000));
	int rc, err;

	errno = SENTINEL;
	sig_where = 2;
	rc = x % 3 == 0 ? fsem_wait(&sig_sem) :
	     x & 1 ? fsem_clockwait(&sig_sem, CLOCK_MONOTONIC, &ts) :
	     fsem_timedwait(&sig_sem, &ts);
	sig_where = 0;
	err = errno;
	if (rc == 0) {
		w->taken++;
		w->errno_bad += err != SENTINEL;
	} else if (err == EINTR) {
		w->eintr++;
		w->untimed_eintr += x % 3 == 0;
	} else if (err == ETIMEDOUT && x % 3 != 0) {
		w->timeouts++;
	} else {
		w->bad++;
		w->bad_errno = err;
	}
}

static void *sig_worker(void *arg)
{
	struct sworker *w = arg;
	struct sigevent sev;
	long period = (20000 + w->idx * 7000) * test_slowdown();	/* ns */
	struct itimerspec its = { { 0, period }, { 0, period } };
	sigset_t set;
	timer_t timer;
	bool timed = false;
	unsigned int n, i;
	int rc;

	test_tid_publish(&w->tid);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGALRM;
	sev.sigev_notify_thread_id = test_gettid();
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer) == 0)
		timed = true;
	if (!timed || timer_settime(timer, 0, &its, NULL) != 0) {
		w->bad++;
		w->bad_errno = errno;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	while (!atomic_load(w->stop)) {
		if (w->idx % 2) {		/* only waits */
			sig_take(w);
			continue;
		}
		n = 1 + rnd(&w->rng) % 3;
		errno = SENTINEL;
		sig_where = 1;
		rc = n == 1 ? fsem_post(&sig_sem) : fsem_post_n(&sig_sem, n);
		sig_where = 0;
		if (rc != 0) {
			w->bad++;
			w->bad_errno = errno;
		} else {
			w->posted += n;
			w->errno_bad += errno != SENTINEL;
		}
		for (i = 0; i < n; i++)
			sig_take(w);
	}
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (timed)
		timer_delete(timer);
	atomic_fetch_sub(w->alive, 1);
	return NULL;
}

struct signaller {
	pthread_t th;
	struct sworker *w;
	_Atomic bool stop;
	long sent;
};

static void *sig_signaller(void *arg)
{
	struct signaller *s = arg;
	uint64_t rng = 0x9E3779B97F4A7C15ULL;

	while (!atomic_load(&s->stop)) {
		if (pthread_kill(s->w[rnd(&rng) % SIG_WORKERS].th,
				 SIGUSR1) == 0)
			s->sent++;
		sched_yield();
	}
	return NULL;
}

static void storm_install(int sa_flags, struct sigaction *old_alrm,
			  struct sigaction *old_usr1)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = post_handler;
	sa.sa_flags = sa_flags;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, old_alrm), 0);
	assert_int_equal(sigaction(SIGUSR1, &sa, old_usr1), 0);
}

/*
 * One storm: @sa_flags for the handler, @sem_flags for the semaphore. The
 * test thread blocks both signals, so only workers take them; after the
 * stop it posts (counted) while a worker is still blocked in a wait.
 */
static void storm(int sa_flags, int sem_flags, int64_t ms, unsigned int seed)
{
	static struct sworker w[SIG_WORKERS];	/* static: a stuck */
	static struct signaller sg;		/* worker keeps them */
	static _Atomic bool stop;
	static _Atomic int alive;
	struct sigaction old_alrm, old_usr1;
	sigset_t set, old_mask;
	long posted, taken = 0, main_posted = 0, drained = 0, eintr = 0;
	long untimed_eintr = 0, timeouts = 0, errno_bad = 0, bad = 0;
	int64_t end;
	int i, v = -1, bad_errno = 0;

	memset(w, 0, sizeof(w));
	memset(&sg, 0, sizeof(sg));
	sg.w = w;
	atomic_store(&stop, false);
	atomic_store(&alive, SIG_WORKERS);
	atomic_store(&sig_posted, 0);
	atomic_store(&sig_runs, 0);
	atomic_store(&sig_in_post, 0);
	atomic_store(&sig_in_wait, 0);
	atomic_store(&sig_errno_bad, 0);
	atomic_store(&sig_post_failed, 0);
	assert_int_equal(fsem_init(&sig_sem, sem_flags, 0), 0);
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	sigaddset(&set, SIGUSR1);
	assert_int_equal(pthread_sigmask(SIG_BLOCK, &set, &old_mask), 0);
	storm_install(sa_flags, &old_alrm, &old_usr1);
	for (i = 0; i < SIG_WORKERS; i++) {
		w[i].idx = i;
		w[i].rng = ((uint64_t)seed << 32 | (uint64_t)i) * 2654435761u
			   + 0x9E3779B97F4A7C15ULL;
		w[i].stop = &stop;
		w[i].alive = &alive;
		assert_int_equal(pthread_create(&w[i].th, NULL, sig_worker,
						&w[i]), 0);
	}
	for (i = 0; i < SIG_WORKERS; i++)
		(void)test_tid_get(&w[i].tid);
	assert_int_equal(pthread_create(&sg.th, NULL, sig_signaller, &sg), 0);
	end = test_now_ns(CLOCK_MONOTONIC) + ms * MS;
	while (test_now_ns(CLOCK_MONOTONIC) < end)
		usleep(10000);	/* the run's length, not a handshake */
	atomic_store(&sg.stop, true);
	assert_int_equal(pthread_join(sg.th, NULL), 0);
	atomic_store(&stop, true);
	end = test_now_ns(CLOCK_MONOTONIC) + GUARD_NS;
	while (atomic_load(&alive) > 0) {
		if (test_now_ns(CLOCK_MONOTONIC) > end)
			fail_msg("signal storm: workers hung at the end (seed "
				 "%u, %d workers)", seed, SIG_WORKERS);
		if (fsem_getvalue(&sig_sem, &v) == 0 && v == 0 &&
		    fsem_post(&sig_sem) == 0)
			main_posted++;
		sched_yield();
	}
	for (i = 0; i < SIG_WORKERS; i++) {
		assert_int_equal(pthread_join(w[i].th, NULL), 0);
		taken += w[i].taken;
		eintr += w[i].eintr;
		untimed_eintr += w[i].untimed_eintr;
		timeouts += w[i].timeouts;
		errno_bad += w[i].errno_bad;
		bad += w[i].bad;
		if (w[i].bad)
			bad_errno = w[i].bad_errno;
	}
	/* No signal is left to come: timers deleted, threads gone. */
	assert_int_equal(sigaction(SIGALRM, &old_alrm, NULL), 0);
	assert_int_equal(sigaction(SIGUSR1, &old_usr1, NULL), 0);
	assert_int_equal(pthread_sigmask(SIG_SETMASK, &old_mask, NULL), 0);
	posted = main_posted + atomic_load(&sig_posted);
	for (i = 0; i < SIG_WORKERS; i++)
		posted += w[i].posted;
	assert_int_equal(fsem_getvalue(&sig_sem, &v), 0);
	while (fsem_trywait(&sig_sem) == 0)
		drained++;
	print_message("[ signal storm ] %s, flags %d: %ld handler runs (%ld "
		      "in a post, %ld in a wait; %ld SIGUSR1 sent), %ld "
		      "posted, %ld taken, %ld left, %ld EINTR, %ld timed "
		      "out\n", sa_flags & SA_RESTART ? "SA_RESTART" :
		      "no SA_RESTART", sem_flags, atomic_load(&sig_runs),
		      atomic_load(&sig_in_post), atomic_load(&sig_in_wait),
		      sg.sent, posted, taken, drained, eintr, timeouts);
	if (bad || atomic_load(&sig_post_failed))
		fail_msg("seed %u: %ld calls failed unexpectedly (errno %d), "
			 "%ld posts in a handler failed", seed, bad, bad_errno,
			 atomic_load(&sig_post_failed));
	if (errno_bad || atomic_load(&sig_errno_bad))
		fail_msg("seed %u: errno changed by a successful call %ld "
			 "times in workers, %ld times in the handler", seed,
			 errno_bad, atomic_load(&sig_errno_bad));
	if ((sa_flags & SA_RESTART) && untimed_eintr)
		fail_msg("seed %u: fsem_wait returned EINTR %ld times under "
			 "SA_RESTART", seed, untimed_eintr);
	if (posted != taken + drained || v != drained)
		fail_msg("seed %u, %d workers: %ld posted != %ld taken + %ld "
			 "left (value read %d)", seed, SIG_WORKERS, posted,
			 taken, drained, v);
	assert_true(atomic_load(&sig_runs) > 0);
#ifndef DEFERRED_HANDLERS
	/* The point of the case: handlers did land inside both calls. */
	if (test_on_valgrind() && atomic_load(&sig_in_post) == 0)
		print_message("[ signal storm ] valgrind delivers a signal "
			      "only where it switches threads or in a system "
			      "call: none landed inside a post\n");
	else
		assert_true(atomic_load(&sig_in_post) > 0);
	assert_true(atomic_load(&sig_in_wait) > 0);
#endif
	assert_int_equal(fsem_destroy(&sig_sem), 0);
}

static void robust_handler_posts_inside_post_and_wait(void **state)
{
	unsigned int seed = test_seed("robust_handler_posts");
	int64_t ms = test_duration_ms(1000) / 2;

	(void)state;
	storm(SA_RESTART, 0, ms, seed);
	storm(0, FSEM_NOSPIN, ms, seed + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(robust_extreme_deadlines_answer_as_glibc),
		cmocka_unit_test_teardown(
			robust_realtime_steps_move_realtime_deadlines_only,
			step_teardown),
		cmocka_unit_test(robust_64_threads_on_2_cpus),
		cmocka_unit_test(robust_two_mappings_under_load),
		cmocka_unit_test(robust_handler_posts_inside_post_and_wait),
	};

	return cmocka_run_group_tests_name("robust", tests, NULL, NULL);
}
