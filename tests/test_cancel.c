/* SPDX-License-Identifier: MIT */
/*
 * test_cancel.c - every blocking call is a cancellation point while it
 * sleeps, and a cancelled waiter leaves the semaphore exactly as it found
 * it: no permit lost or invented, no phantom sleeper, no debt.
 *
 * "No phantom sleeper" is checked through the futex test seam: after the
 * cancel, the call that would free a sleeper makes no wake system call,
 * because nobody is registered; a leftover registration would draw one.
 * Each victim thread runs its call inside a cleanup handler of its own,
 * which must have run when pthread_join() reports PTHREAD_CANCELED.
 */
#include "common.h"

#include <stdbool.h>

#include "seam.h"

/* Limit of every handshake below: only a broken test or library needs it. */
#define HANDSHAKE_NS	(10 * 1000000000LL)
/* A deadline no test reaches, for timed calls that must block. */
#define FAR_NS		(60 * 1000000000LL)
#define RACE_THREADS	3	/* main (canceller), victim, poster */

#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif

#ifdef TEST_ASAN
/*
 * GCC 12's AddressSanitizer reports a false stack-buffer-overflow when a
 * cancel unwinds through pthread_cleanup_push(), in any C code
 * (google/sanitizers issue 1399): glibc's unwinder jumps back past frames
 * whose redzones stay poisoned. With locals on fake stacks the real stack
 * carries no redzones; clang's runtime needs no help.
 */
const char *__asan_default_options(void);

const char *__asan_default_options(void)
{
	return "detect_stack_use_after_return=1";
}
#endif

/*
 * What a victim blocks on. COUNTING: fsem_t at 0, freed by a post.
 * ACQUIRE: bounded, 1 permit, given out; freed by a release. RELEASE:
 * bounded, 1 permit, free; freed by an acquire.
 */
enum kind { COUNTING, ACQUIRE, RELEASE };

struct victim {
	pthread_t thread;
	struct test_tid tid;
	_Atomic int cleaned;	/* its cleanup handler ran */
	_Atomic int returned;	/* its call returned */
	_Atomic int gate;	/* pending_cancel: the cancel was sent */
	int ret;
	int err;
	int ret2;		/* pending_cancel: the second call */
	bool disable;		/* run with cancellation disabled */
	fsem_t *sem;
	fsem_bounded_t *b;
	int (*call)(struct victim *v);
};

static int call_wait(struct victim *v)
{
	return fsem_wait(v->sem);
}

static int call_timedwait(struct victim *v)
{
	struct timespec ts = test_deadline(CLOCK_REALTIME, FAR_NS);

	return fsem_timedwait(v->sem, &ts);
}

static int call_clockwait(struct victim *v)
{
	struct timespec ts = test_deadline(CLOCK_MONOTONIC, FAR_NS);

	return fsem_clockwait(v->sem, CLOCK_MONOTONIC, &ts);
}

static int call_acquire(struct victim *v)
{
	return fsem_bounded_acquire(v->b);
}

static int call_timedacquire(struct victim *v)
{
	struct timespec ts = test_deadline(CLOCK_REALTIME, FAR_NS);

	return fsem_bounded_timedacquire(v->b, &ts);
}

static int call_clockacquire(struct victim *v)
{
	struct timespec ts = test_deadline(CLOCK_MONOTONIC, FAR_NS);

	return fsem_bounded_clockacquire(v->b, CLOCK_MONOTONIC, &ts);
}

static int call_release(struct victim *v)
{
	return fsem_bounded_release(v->b);
}

static int call_timedrelease(struct victim *v)
{
	struct timespec ts = test_deadline(CLOCK_REALTIME, FAR_NS);

	return fsem_bounded_timedrelease(v->b, &ts);
}

static int call_clockrelease(struct victim *v)
{
	struct timespec ts = test_deadline(CLOCK_MONOTONIC, FAR_NS);

	return fsem_bounded_clockrelease(v->b, CLOCK_MONOTONIC, &ts);
}

struct op {
	const char *name;
	enum kind kind;
	int (*call)(struct victim *v);
};

static const struct op ops[] = {
	{ "fsem_wait", COUNTING, call_wait },
	{ "fsem_timedwait", COUNTING, call_timedwait },
	{ "fsem_clockwait(MONOTONIC)", COUNTING, call_clockwait },
	{ "fsem_bounded_acquire", ACQUIRE, call_acquire },
	{ "fsem_bounded_timedacquire", ACQUIRE, call_timedacquire },
	{ "fsem_bounded_clockacquire(MONOTONIC)", ACQUIRE, call_clockacquire },
	{ "fsem_bounded_release", RELEASE, call_release },
	{ "fsem_bounded_timedrelease", RELEASE, call_timedrelease },
	{ "fsem_bounded_clockrelease(MONOTONIC)", RELEASE, call_clockrelease },
};

#define NOPS	(int)(sizeof(ops) / sizeof(ops[0]))

static void setup(enum kind k, int flags, fsem_t *sem, fsem_bounded_t *b)
{
	if (k == COUNTING) {
		assert_int_equal(fsem_init(sem, flags, 0), 0);
		return;
	}
	assert_int_equal(fsem_bounded_init(b, flags, 1), 0);
	if (k == ACQUIRE)
		assert_int_equal(fsem_bounded_tryacquire(b), 0);
}

/* The call that frees a victim of kind @k. */
static int give(enum kind k, fsem_t *sem, fsem_bounded_t *b)
{
	if (k == COUNTING)
		return fsem_post(sem);
	return k == ACQUIRE ? fsem_bounded_release(b)
			    : fsem_bounded_acquire(b);
}

/* The try form of the victim's call. */
static int try_take(enum kind k, fsem_t *sem, fsem_bounded_t *b)
{
	if (k == COUNTING)
		return fsem_trywait(sem);
	return k == ACQUIRE ? fsem_bounded_tryacquire(b)
			    : fsem_bounded_tryrelease(b);
}

/* The free count for COUNTING, given_out for the bounded kinds. */
static int level(enum kind k, fsem_t *sem, fsem_bounded_t *b)
{
	int v = -1;

	if (k == COUNTING)
		assert_int_equal(fsem_getvalue(sem, &v), 0);
	else
		assert_int_equal(fsem_bounded_given_out(b, &v), 0);
	return v;
}

/* The level set up for kind @k, before anybody blocks. */
static int initial_level(enum kind k)
{
	return k == ACQUIRE ? 1 : 0;
}

static int destroy(enum kind k, fsem_t *sem, fsem_bounded_t *b)
{
	return k == COUNTING ? fsem_destroy(sem) : fsem_bounded_destroy(b);
}

static void mark_cleaned(void *arg)
{
	struct victim *v = arg;

	atomic_store(&v->cleaned, 1);
}

static void *run_victim(void *arg)
{
	struct victim *v = arg;
	int old;

	if (v->disable)
		pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	pthread_cleanup_push(mark_cleaned, v);
	test_tid_publish(&v->tid);
	errno = 0;
	v->ret = v->call(v);
	v->err = errno;
	atomic_store(&v->returned, 1);
	pthread_cleanup_pop(0);
	return v;	/* not PTHREAD_CANCELED */
}

static void start(struct victim *v)
{
	assert_int_equal(pthread_create(&v->thread, NULL, run_victim, v), 0);
}

/* Wait until @n victims are asleep: @n futex waits since @base, blocked. */
static void wait_asleep(struct victim **v, int n, unsigned long base)
{
	int64_t end = test_now_ns(CLOCK_MONOTONIC) + HANDSHAKE_NS;
	int i;

	while (waits() - base < (unsigned long)n) {
		if (test_now_ns(CLOCK_MONOTONIC) > end)
			fail_msg("%d victims never reached the futex", n);
		sched_yield();
	}
	for (i = 0; i < n; i++)
		test_wait_blocked(test_tid_get(&v[i]->tid));
}

/* Join @v and check that it was cancelled inside its call. */
static void join_cancelled(struct victim *v, const char *name)
{
	void *res = NULL;

	assert_int_equal(pthread_join(v->thread, &res), 0);
	if (res != PTHREAD_CANCELED)
		fail_msg("%s: not cancelled (returned %d errno %d)", name,
			 v->ret, v->err);
	if (!atomic_load(&v->cleaned) || atomic_load(&v->returned))
		fail_msg("%s: cancelled, but cleanup ran %d, returned %d",
			 name, atomic_load(&v->cleaned),
			 atomic_load(&v->returned));
}

/* Join @v and check that its call returned 0 without being cancelled. */
static void join_returned(struct victim *v, const char *name)
{
	void *res = NULL;

	assert_int_equal(pthread_join(v->thread, &res), 0);
	if (res != v || atomic_load(&v->cleaned))
		fail_msg("%s: cancelled although it should return", name);
	if (v->ret != 0)
		fail_msg("%s: returned %d errno %d", name, v->ret, v->err);
}

/*
 * Nothing of a cancelled victim is left: the level is as set up, the
 * freeing call makes no system call (no sleeper is registered to draw a
 * wake), its permit is there for the try-call (no debt swallowed it), and
 * destroy finds nobody registered.
 */
static void check_no_trace(const char *name, enum kind k, fsem_t *sem,
			   fsem_bounded_t *b)
{
	unsigned long w0, k0;

	if (level(k, sem, b) != initial_level(k))
		fail_msg("%s: level %d after the cancel, expected %d", name,
			 level(k, sem, b), initial_level(k));
	w0 = waits();
	k0 = wakes();
	assert_int_equal(give(k, sem, b), 0);
	if (wakes() - k0 != 0 || waits() - w0 != 0)
		fail_msg("%s: the post after the cancel made %lu wake calls "
			 "and %lu waits: a phantom sleeper", name,
			 wakes() - k0, waits() - w0);
	if (try_take(k, sem, b) != 0)
		fail_msg("%s: the permit posted after the cancel is gone",
			 name);
	errno = 0;
	assert_int_equal(try_take(k, sem, b), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(level(k, sem, b), initial_level(k));
	if (destroy(k, sem, b) != 0)
		fail_msg("%s: destroy after the cancel: errno %d", name,
			 errno);
}

/* Cancel a victim asleep in each blocking call; it leaves no trace. */
static void cancel_blocked_call_leaves_no_trace(void **state)
{
	static const int flag_sets[] = {
		FSEM_NOSPIN, FSEM_SHARED, FSEM_FIFO | FSEM_NOSPIN,
	};
	fsem_bounded_t b;
	fsem_t sem;
	int i, f;

	(void)state;
	for (i = 0; i < NOPS; i++) {
		for (f = 0; f < 3; f++) {
			const struct op *op = &ops[i];
			struct victim v = { .sem = &sem, .b = &b,
					    .call = op->call };
			struct victim *vp = &v;
			unsigned long base;

			setup(op->kind, flag_sets[f], &sem, &b);
			base = waits();
			start(&v);
			wait_asleep(&vp, 1, base);
			assert_int_equal(pthread_cancel(v.thread), 0);
			join_cancelled(&v, op->name);
			check_no_trace(op->name, op->kind, &sem, &b);
		}
	}
}

/*
 * Two victims asleep, one cancelled: the other is still first in line, and
 * one post frees it with exactly one wake call and nothing left over.
 */
static void cancel_one_of_two_leaves_the_other_waiting(void **state)
{
	unsigned long base, k0;
	fsem_bounded_t b;
	fsem_t sem;
	int i;

	(void)state;
	for (i = 0; i < NOPS; i++) {
		const struct op *op = &ops[i];
		struct victim v[2] = {
			{ .sem = &sem, .b = &b, .call = op->call },
			{ .sem = &sem, .b = &b, .call = op->call },
		};
		struct victim *vp[2] = { &v[0], &v[1] };

		setup(op->kind, FSEM_NOSPIN, &sem, &b);
		base = waits();
		start(&v[0]);
		start(&v[1]);
		wait_asleep(vp, 2, base);
		assert_int_equal(pthread_cancel(v[0].thread), 0);
		join_cancelled(&v[0], op->name);
		test_wait_blocked(test_tid_get(&v[1].tid));
		assert_int_equal(level(op->kind, &sem, &b),
				 initial_level(op->kind));
		errno = 0;
		assert_int_equal(destroy(op->kind, &sem, &b), -1);
		assert_int_equal(errno, EBUSY);

		k0 = wakes();
		assert_int_equal(give(op->kind, &sem, &b), 0);
		join_returned(&v[1], op->name);
		if (wakes() - k0 != 1)
			fail_msg("%s: %lu wake calls for the one sleeper left",
				 op->name, wakes() - k0);
		/* v[1] took what the give made: back to the set-up level. */
		assert_int_equal(level(op->kind, &sem, &b),
				 initial_level(op->kind));
		errno = 0;
		assert_int_equal(try_take(op->kind, &sem, &b), -1);
		assert_int_equal(errno, EAGAIN);
		assert_int_equal(destroy(op->kind, &sem, &b), 0);
	}
}

/* The thread that posts while the victim is being cancelled. */
struct poster {
	pthread_t thread;
	_Atomic int go;
	unsigned int spins;	/* delay after go, to vary the race */
	int ret;
	enum kind kind;
	fsem_t *sem;
	fsem_bounded_t *b;
};

static void *run_poster(void *arg)
{
	struct poster *p = arg;
	volatile unsigned int i;

	while (!atomic_load(&p->go))
		sched_yield();
	for (i = 0; i < p->spins; i++)
		;
	p->ret = give(p->kind, p->sem, p->b);
	return NULL;
}

/*
 * Cancel a waiter while another thread posts to it, until the deadline,
 * through every blocking call in turn. Each round makes one post; the
 * waiter either returns 0 with the permit, or is cancelled and the permit
 * is free again (it gave back a permit it had already taken), so exactly:
 * posts made == successful waits + permits left. Whatever won, nothing is
 * registered afterwards.
 */
static void cancel_race_with_post_conserves_permits(void **state)
{
	const unsigned int seed = test_seed("cancel_race_with_post");
	unsigned int rng = seed;
	int64_t end = test_now_ns(CLOCK_MONOTONIC) + test_duration_ms(1000) *
		      1000000;
	long rounds = 0, posts = 0, took = 0, left = 0, cancelled = 0;
	unsigned int window = 2000;	/* mean delay of the cancel, spins */
	fsem_bounded_t b;
	fsem_t sem;
	char ctx[160];

	(void)state;
	while (rounds < NOPS || test_now_ns(CLOCK_MONOTONIC) < end) {
		const struct op *op = &ops[rounds % NOPS];
		struct victim v = { .sem = &sem, .b = &b, .call = op->call };
		struct poster p = { .kind = op->kind, .sem = &sem, .b = &b };
		struct victim *vp = &v;
		unsigned int r = (unsigned int)rand_r(&rng);
		unsigned int cancel_spins = (r >> 8) % (2 * window + 1);
		bool asleep_first = (r & 3) != 0;
		volatile unsigned int i;
		unsigned long base;
		void *res = NULL;
		int got, lvl, want;

		snprintf(ctx, sizeof(ctx), "seed %u threads %d round %ld %s",
			 seed, RACE_THREADS, rounds, op->name);
		p.spins = (r >> 20) % 1000;
		setup(op->kind, (r & 4) ? FSEM_NOSPIN : 0, &sem, &b);
		assert_int_equal(pthread_create(&p.thread, NULL, run_poster,
						&p), 0);
		base = waits();
		start(&v);
		if (asleep_first)
			wait_asleep(&vp, 1, base);
		else
			test_tid_get(&v.tid);
		atomic_store(&p.go, 1);
		for (i = 0; i < cancel_spins; i++)
			;
		assert_int_equal(pthread_cancel(v.thread), 0);
		assert_int_equal(pthread_join(v.thread, &res), 0);
		assert_int_equal(pthread_join(p.thread, NULL), 0);
		rounds++;
		posts++;

		if (p.ret != 0)
			fail_msg("%s: post returned %d", ctx, p.ret);
		/*
		 * The victim's own record says how its call ended: the
		 * cleanup handler ran (cancelled inside the call) or the call
		 * returned; never both, never neither. A join result is not
		 * enough: when the cancel signal lands only after the call
		 * returned, glibc may still report PTHREAD_CANCELED (seen
		 * under ThreadSanitizer), which says nothing about the call.
		 */
		got = atomic_load(&v.returned);
		if (got == atomic_load(&v.cleaned))
			fail_msg("%s: call returned %d, cleanup ran %d", ctx,
				 got, atomic_load(&v.cleaned));
		if (!got && res != PTHREAD_CANCELED)
			fail_msg("%s: cleanup ran but join says %p", ctx,
				 res);
		if (got && v.ret != 0)
			fail_msg("%s: returned %d errno %d", ctx, v.ret,
				 v.err);
		cancelled += !got;
		took += got;
		/* Keep both outcomes frequent: move the cancel to the post. */
		if (got)
			window -= window / 8;
		else if (window < (1u << 20))
			window += window / 8 + 16;
		/*
		 * One post: if the waiter did not get it, it is still free.
		 * As a level: a free count, or given_out for the bounded kinds
		 * (the acquirer holds it, the releaser gave one back).
		 */
		lvl = level(op->kind, &sem, &b);
		want = op->kind == ACQUIRE ? got : 1 - got;
		if (lvl != want)
			fail_msg("%s: %s, level %d, expected %d", ctx,
				 got ? "returned" : "cancelled", lvl, want);
		left += op->kind == ACQUIRE ? 1 - lvl : lvl;
		/* Take back a permit left free; then nothing of it remains. */
		if (!got && try_take(op->kind, &sem, &b) != 0)
			fail_msg("%s: the permit left free is not there", ctx);
		check_no_trace(ctx, op->kind, &sem, &b);
	}
	print_message("[ cancel_race_with_post ] %ld rounds: %ld cancelled, "
		      "%ld took the permit\n", rounds, cancelled, took);
	if (posts != took + left)
		fail_msg("seed %u threads %d: %ld posts, %ld taken + %ld left",
			 seed, RACE_THREADS, posts, took, left);
}

/*
 * With cancellation disabled, a cancel request does not end a blocked
 * wait: the victim stays asleep, and a post lets it return 0.
 */
static void cancel_disabled_wait_is_not_cancelled(void **state)
{
	fsem_bounded_t b;
	fsem_t sem;
	int i;

	(void)state;
	for (i = 0; i < NOPS; i++) {
		const struct op *op = &ops[i];
		struct victim v = { .sem = &sem, .b = &b, .call = op->call,
				    .disable = true };
		struct victim *vp = &v;
		unsigned long base;

		setup(op->kind, FSEM_NOSPIN, &sem, &b);
		base = waits();
		start(&v);
		wait_asleep(&vp, 1, base);
		assert_int_equal(pthread_cancel(v.thread), 0);
		/* Still asleep, nothing returned or unwound. */
		test_wait_blocked(test_tid_get(&v.tid));
		assert_int_equal(atomic_load(&v.returned), 0);
		assert_int_equal(atomic_load(&v.cleaned), 0);
		assert_int_equal(give(op->kind, &sem, &b), 0);
		join_returned(&v, op->name);
		assert_int_equal(level(op->kind, &sem, &b),
				 op->kind == ACQUIRE ? 1 : 0);
		assert_int_equal(destroy(op->kind, &sem, &b), 0);
	}
}

/*
 * A pending cancel: first call with a permit free, then one that must
 * block. fsem.h: the waits act on a pending cancel only when they would
 * block, so the first returns 0 and the second is cancelled.
 */
static void *run_pending(void *arg)
{
	struct victim *v = arg;
	int old;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	pthread_cleanup_push(mark_cleaned, v);
	test_tid_publish(&v->tid);
	while (!atomic_load(&v->gate))
		sched_yield();
	/* Not a cancellation point: the request stays pending. */
	pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
	errno = 0;
	v->ret = v->call(v);	/* a permit is free */
	v->err = errno;
	v->ret2 = v->call(v);	/* none is: acts on the cancel */
	atomic_store(&v->returned, 1);
	pthread_cleanup_pop(0);
	return v;
}

static void cancel_pending_acts_only_when_blocking(void **state)
{
	fsem_bounded_t b;
	fsem_t sem;
	int i;

	(void)state;
	for (i = 0; i < NOPS; i++) {
		const struct op *op = &ops[i];
		struct victim v = { .sem = &sem, .b = &b, .call = op->call };

		/* One permit free for the victim's direction. */
		setup(op->kind, 0, &sem, &b);
		assert_int_equal(give(op->kind, &sem, &b), 0);
		assert_int_equal(pthread_create(&v.thread, NULL, run_pending,
						&v), 0);
		test_tid_get(&v.tid);
		assert_int_equal(pthread_cancel(v.thread), 0);
		atomic_store(&v.gate, 1);
		join_cancelled(&v, op->name);
		if (v.ret != 0)
			fail_msg("%s: with a permit free and a cancel pending "
				 "returned %d errno %d", op->name, v.ret,
				 v.err);
		check_no_trace(op->name, op->kind, &sem, &b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cancel_blocked_call_leaves_no_trace),
		cmocka_unit_test(cancel_one_of_two_leaves_the_other_waiting),
		cmocka_unit_test(cancel_race_with_post_conserves_permits),
		cmocka_unit_test(cancel_disabled_wait_is_not_cancelled),
		cmocka_unit_test(cancel_pending_acts_only_when_blocking),
	};

	return cmocka_run_group_tests_name("cancel", tests, NULL, NULL);
}
