/* SPDX-License-Identifier: MIT */
/*
 * test_stress.c - many threads hammer both semaphore types until a deadline
 * (FSEM_TEST_MS, default 1.5 s a case; FSEM_TEST_SEED replays the choice of
 * operations) while the invariants are checked all the time:
 *   - in the workers: the number of threads inside a critical section
 *     guarded by a K-permit semaphore never exceeds K;
 *   - in a monitor thread, every millisecond: the counters of operations
 *     begun and done bound what the semaphore reports (see each check);
 *   - in the same monitor, a watchdog: no worker stays inside an untimed
 *     wait for 2 s while every sample in those 2 s saw a permit free for it.
 *     A free permit (count > 0, available > 0, given_out > 0) means every
 *     debt of that direction is covered (I2) and every covered sleeper is
 *     awake (I3), so a waiter seen that way has nothing left to wait for but
 *     the scheduler; 2 s of that, over at least 100 samples, is a lost
 *     wake-up and not a busy machine.
 * At the end every permit is accounted for exactly and destroy returns 0.
 *
 * Workers never call cmocka: the first failure is recorded, everybody
 * stops, and the test thread reports it with the seed and thread count.
 */
#define _GNU_SOURCE	/* pthread_timedjoin_np */
#include "common.h"

#include <stdbool.h>

#define NS		1000000000LL
#define WATCH_NS	(2 * NS)	/* a lost wake-up after 2 s ... */
#define WATCH_SAMPLES	100		/* ... seen in at least this many */
#define SAMPLE_NS	1000000		/* monitor period */
#define GUARD_NS	(20 * NS)	/* the end phase never takes this */
#define GIVE_UP_NS	(3 * NS)	/* after a failure, wait this for joins */
#define MAX_WORKERS	64

enum flavour { F_WAIT, F_TRY, F_TIMED, F_CLOCK_MONO, F_CLOCK_REAL, F_NR };

/* Which free count lets a waiter through: value, available or given_out. */
enum side { SIDE_COUNT, SIDE_ACQUIRE, SIDE_RELEASE, SIDE_NR };

struct slot {
	_Atomic uint64_t seq;	/* odd while inside an untimed blocking call */
	enum side side;
};

struct run;

struct worker {
	struct run *r;
	int idx;
	uint64_t rng;
	long ops, timeouts;
	pthread_t th;
};

struct run {
	const char *name;
	unsigned int seed;
	int threads;
	int64_t end;			/* CLOCK_MONOTONIC ns: stop working */
	_Atomic bool stop;		/* workers finish the step and leave */
	_Atomic bool claimed, failed;	/* the first failure wins */
	char why[512];
	_Atomic int alive;		/* workers still running */
	bool (*check)(struct run *r);	/* continuous invariant */
	_Atomic bool mon_stop;
	pthread_t mon;
	_Atomic int nslots;		/* published after the slots' sides */
	struct slot slot[MAX_WORKERS];
	struct worker w[MAX_WORKERS];

	fsem_t sem;			/* counting cases */
	unsigned int k;			/* mutex: permits */
	_Atomic int holders;		/* mutex: threads inside */
	long plain;			/* mutex, k == 1: unprotected counter */
	_Atomic long posted, acquired;	/* producer/consumer */
	int producers;

	fsem_bounded_t b;		/* bounded cases */
	unsigned int n;
	_Atomic long a_begun, a_done;	/* acquires started / succeeded */
	_Atomic long r_begun, r_done;	/* releases started / succeeded */
	int acquirers;
};

static void run_fail(struct run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void run_fail(struct run *r, const char *fmt, ...)
{
	va_list ap;

	atomic_store(&r->stop, true);
	if (atomic_exchange(&r->claimed, true))
		return;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
	atomic_store_explicit(&r->failed, true, memory_order_release);
}

static uint32_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (uint32_t)((*s * 0x2545F4914F6CDD1DULL) >> 32);
}

static bool running(struct worker *w)
{
	return !atomic_load_explicit(&w->r->stop, memory_order_relaxed) &&
	       test_now_ns(CLOCK_MONOTONIC) < w->r->end;
}

/* A deadline in the past (1 in 4) or up to 300 us ahead: many time out. */
static struct timespec short_deadline(clockid_t clock, uint64_t *rng)
{
	uint32_t x = rnd(rng);

	if (x % 4 == 0)
		return test_deadline(clock, -(int64_t)(x % 1000));
	return test_deadline(clock, (int64_t)(x % 300000));
}

static void spin_a_little(uint64_t *rng)
{
	volatile unsigned int i, n = rnd(rng) % 64;

	for (i = 0; i < n; i++)
		;
}

/* The wait calls of both types behind one signature. */
struct ops {
	int (*wait)(void *o);
	int (*trywait)(void *o);
	int (*timedwait)(void *o, const struct timespec *ts);
	int (*clockwait)(void *o, clockid_t c, const struct timespec *ts);
};

#define OPS(name, type, w, t, tw, cw)					\
static int name##_w(void *o) { return w((type *)o); }			\
static int name##_t(void *o) { return t((type *)o); }			\
static int name##_tw(void *o, const struct timespec *ts)		\
{ return tw((type *)o, ts); }						\
static int name##_cw(void *o, clockid_t c, const struct timespec *ts)	\
{ return cw((type *)o, c, ts); }					\
static const struct ops name = { name##_w, name##_t, name##_tw, name##_cw }

OPS(count_ops, fsem_t, fsem_wait, fsem_trywait, fsem_timedwait,
    fsem_clockwait);
OPS(acq_ops, fsem_bounded_t, fsem_bounded_acquire, fsem_bounded_tryacquire,
    fsem_bounded_timedacquire, fsem_bounded_clockacquire);
OPS(rel_ops, fsem_bounded_t, fsem_bounded_release, fsem_bounded_tryrelease,
    fsem_bounded_timedrelease, fsem_bounded_clockrelease);

static const char *const flavour_name[F_NR] = {
	"wait", "trywait", "timedwait", "clockwait(MONOTONIC)",
	"clockwait(REALTIME)",
};

/*
 * One blocking-family call of flavour @f. Returns 0 or the errno; an errno
 * the flavour may not give fails the run. Untimed calls are marked in the
 * worker's slot for the watchdog.
 */
static int op(struct worker *w, const struct ops *o, void *obj,
	      enum flavour f)
{
	struct slot *sl = &w->r->slot[w->idx];
	struct timespec ts;
	int rc, err, want = 0;

	errno = 0;
	switch (f) {
	case F_WAIT:
		atomic_fetch_add(&sl->seq, 1);
		rc = o->wait(obj);
		atomic_fetch_add(&sl->seq, 1);
		break;
	case F_TRY:
		rc = o->trywait(obj);
		want = EAGAIN;
		break;
	case F_TIMED:
		ts = short_deadline(CLOCK_REALTIME, &w->rng);
		rc = o->timedwait(obj, &ts);
		want = ETIMEDOUT;
		break;
	case F_CLOCK_MONO:
	case F_CLOCK_REAL:
		ts = short_deadline(f == F_CLOCK_MONO ? CLOCK_MONOTONIC :
				    CLOCK_REALTIME, &w->rng);
		rc = o->clockwait(obj, f == F_CLOCK_MONO ? CLOCK_MONOTONIC :
				  CLOCK_REALTIME, &ts);
		want = ETIMEDOUT;
		break;
	default:
		rc = -1;
		break;
	}
	if (rc == 0)
		return 0;
	err = errno;
	if (rc != -1 || err != want || want == 0)
		run_fail(w->r, "worker %d: %s returned %d errno %d (%s)",
			 w->idx, flavour_name[f], rc, err, strerror(err));
	if (err == ETIMEDOUT)
		w->ops++, w->timeouts++;	/* ops: every finished call */
	return err ? err : EINVAL;
}

/* Free permits a waiter of @side could take now. */
static int side_free(struct run *r, enum side side)
{
	int v = 0;

	if (side == SIDE_COUNT)
		fsem_getvalue(&r->sem, &v);
	else if (side == SIDE_ACQUIRE)
		fsem_bounded_getvalue(&r->b, &v);
	else
		fsem_bounded_given_out(&r->b, &v);
	return v;
}

/*
 * The watchdog part of the monitor. A sample counts for slot i only if the
 * slot held the same odd sequence number before and after the free count
 * was read: the same untimed call was in progress while a permit was free.
 */
struct watch {
	uint64_t seq;
	int64_t since;
	int samples;
};

static void watch_sample(struct run *r, struct watch *wt)
{
	int64_t now = test_now_ns(CLOCK_MONOTONIC);
	int i, n;

	test_atomic(&r->nslots);
	n = atomic_load_explicit(&r->nslots, memory_order_acquire);
	test_acquire(&r->nslots);	/* the slots' sides */
	for (i = 0; i < n; i++) {
		struct slot *sl = &r->slot[i];
		uint64_t s1 = atomic_load(&sl->seq);
		int v = side_free(r, sl->side);
		uint64_t s2 = atomic_load(&sl->seq);

		if (s1 != s2 || !(s1 & 1) || v <= 0) {
			wt[i].seq = 0;
			continue;
		}
		if (wt[i].seq != s1) {
			wt[i].seq = s1;
			wt[i].since = now;
			wt[i].samples = 0;
		}
		if (++wt[i].samples >= WATCH_SAMPLES &&
		    now - wt[i].since >= WATCH_NS) {
			run_fail(r, "lost wake-up: worker %d blocked in an "
				 "untimed wait for %lld ms while %d permit(s) "
				 "were free at each of %d samples", i,
				 (long long)((now - wt[i].since) / 1000000),
				 v, wt[i].samples);
			wt[i].seq = 0;
		}
	}
}

static void *monitor(void *arg)
{
	struct run *r = arg;
	struct timespec period = { 0, SAMPLE_NS };
	struct watch wt[MAX_WORKERS];

	memset(wt, 0, sizeof(wt));
	while (!atomic_load(&r->mon_stop)) {
		if (!r->check(r))
			break;
		watch_sample(r, wt);
		nanosleep(&period, NULL);	/* the sampling period */
	}
	return NULL;
}

static struct run *run_new(const char *name, bool (*check)(struct run *r))
{
	struct run *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->name = name;
	r->seed = test_seed(name);
	r->check = check;
	return r;
}

static void run_start(struct run *r, void *(*fn)(void *), int first,
		      int count, enum side side)
{
	int i;

	for (i = first; i < first + count; i++) {
		struct worker *w = &r->w[i];

		w->r = r;
		w->idx = i;
		w->rng = ((uint64_t)r->seed << 32 | (uint64_t)i) * 2654435761u
			 + 0x9E3779B97F4A7C15ULL;
		r->slot[i].side = side;
		atomic_fetch_add(&r->alive, 1);
		assert_int_equal(pthread_create(&w->th, NULL, fn, w), 0);
	}
	test_atomic(&r->nslots);
	test_release(&r->nslots);
	atomic_store_explicit(&r->nslots, first + count,
			      memory_order_release); /* the monitor reads sides */
}

static void run_begin(struct run *r, int threads)
{
	r->threads = threads;
	r->end = test_now_ns(CLOCK_MONOTONIC) +
		 test_duration_ms(1500) * 1000000;
	assert_int_equal(pthread_create(&r->mon, NULL, monitor, r), 0);
}

/* Past the end phase's time, or long enough after a recorded failure. */
static bool run_hung(struct run *r, int64_t *failed_at)
{
	int64_t now = test_now_ns(CLOCK_MONOTONIC);

	if (atomic_load(&r->failed) && *failed_at == 0)
		*failed_at = now;
	return now > r->end + GUARD_NS ||
	       (*failed_at && now > *failed_at + GIVE_UP_NS);
}

/* Join workers [first, first + count), each with a hang guard. */
static bool run_join(struct run *r, int first, int count)
{
	int64_t failed_at = 0;
	int i;

	for (i = first; i < first + count; i++) {
		for (;;) {
			struct timespec ts = test_deadline(CLOCK_REALTIME,
							   100000000);

			if (test_timedjoin(r->w[i].th, NULL, &ts) == 0)
				break;
			if (run_hung(r, &failed_at))
				return false;
		}
	}
	return true;
}

/*
 * Stop the monitor and report. A hang leaks the run on purpose: stuck
 * workers still point into it.
 */
static void run_end(struct run *r, bool joined)
{
	long ops = 0, timeouts = 0;
	int i;

	atomic_store(&r->mon_stop, true);
	pthread_join(r->mon, NULL);	/* it never blocks */
	for (i = 0; i < r->nslots; i++) {
		ops += r->w[i].ops;
		timeouts += r->w[i].timeouts;
	}
	if (atomic_load_explicit(&r->failed, memory_order_acquire))
		fail_msg("%s: %s (seed %u, %d threads)", r->name, r->why,
			 r->seed, r->threads);
	if (!joined)
		fail_msg("%s: workers hung in the end phase (seed %u, "
			 "%d threads)", r->name, r->seed, r->threads);
	print_message("[ %s ] %d threads, %ld calls, %ld timed out\n",
		      r->name, r->threads, ops, timeouts);
}

static enum flavour pick(struct worker *w)
{
	uint32_t x = rnd(&w->rng) % 20;

	return x < 6 ? F_WAIT : x < 10 ? F_TRY : x < 14 ? F_TIMED :
	       x < 18 ? F_CLOCK_MONO : F_CLOCK_REAL;
}

/* ---- counting semaphore as a K-permit lock ---------------------------- */

static bool mutex_check(struct run *r)
{
	int v = side_free(r, SIDE_COUNT), h = atomic_load(&r->holders);

	if (v >= 0 && v <= (int)r->k && h >= 0 && h <= (int)r->k)
		return true;
	run_fail(r, "monitor: value %d, %d threads inside, with %u permits",
		 v, h, r->k);
	return false;
}

static void *mutex_worker(void *arg)
{
	struct worker *w = arg;
	struct run *r = w->r;
	int h;

	while (running(w)) {
		if (op(w, &count_ops, &r->sem, pick(w)) != 0)
			continue;
		w->ops++;
		h = atomic_fetch_add(&r->holders, 1) + 1;
		if (h > (int)r->k)
			run_fail(r, "worker %d: %d threads inside a %u-permit "
				 "section", w->idx, h, r->k);
		if (r->k == 1)
			r->plain++;	/* ordered by the semaphore alone */
		spin_a_little(&w->rng);
		atomic_fetch_sub(&r->holders, 1);
		if ((rnd(&w->rng) & 1 ? fsem_post(&r->sem) :
		     fsem_post_n(&r->sem, 1)) != 0)
			run_fail(r, "worker %d: post failed: %s", w->idx,
				 strerror(errno));
		spin_a_little(&w->rng);
	}
	atomic_fetch_sub(&r->alive, 1);
	return NULL;
}

static void mutex_case(const char *name, unsigned int k, int threads,
		       int flags)
{
	struct run *r = run_new(name, mutex_check);
	long sections = 0;
	bool joined;
	int i, v = -1;

	r->k = k;
	assert_int_equal(fsem_init(&r->sem, flags, k), 0);
	run_begin(r, threads);
	run_start(r, mutex_worker, 0, threads, SIDE_COUNT);
	joined = run_join(r, 0, threads);
	run_end(r, joined);
	for (i = 0; i < threads; i++)
		sections += r->w[i].ops - r->w[i].timeouts;
	assert_int_equal(fsem_getvalue(&r->sem, &v), 0);
	assert_int_equal(v, k);			/* no permit lost or made */
	assert_int_equal(atomic_load(&r->holders), 0);
	if (k == 1)
		assert_int_equal(r->plain, sections);
	assert_int_equal(fsem_destroy(&r->sem), 0);
	free(r);
}

static void stress_lock_one_permit_8_threads(void **state)
{
	(void)state;
	mutex_case("stress_lock_one_permit_8_threads", 1, 8, 0);
}

static void stress_lock_one_permit_32_threads_nospin(void **state)
{
	(void)state;
	mutex_case("stress_lock_one_permit_32_threads_nospin", 1, 32,
		   FSEM_NOSPIN);
}

/* FSEM_FIFO: the debt protocol, in place of a second NOSPIN case */
static void stress_lock_three_permits_8_threads_fifo_nospin(void **state)
{
	(void)state;
	mutex_case("stress_lock_three_permits_8_threads_fifo_nospin", 3, 8,
		   FSEM_FIFO | FSEM_NOSPIN);
}

static void stress_lock_three_permits_32_threads(void **state)
{
	(void)state;
	mutex_case("stress_lock_three_permits_32_threads", 3, 32, 0);
}

/* ---- counting semaphore between producers and consumers --------------- */

/*
 * Producers add to "posted" before they post, consumers to "acquired" after
 * they acquire. Reading acquired, then the value, then posted, in that
 * order: acquired + value <= posted, whatever happens in between.
 */
static bool pc_check(struct run *r)
{
	long a = atomic_load(&r->acquired);
	int v = side_free(r, SIDE_COUNT);
	long p = atomic_load(&r->posted);

	if (a + v <= p)
		return true;
	run_fail(r, "monitor: %ld acquired + value %d > %ld posted", a, v, p);
	return false;
}

static void *producer(void *arg)
{
	struct worker *w = arg;
	struct run *r = w->r;
	unsigned int n;
	int rc;

	while (running(w)) {
		n = rnd(&w->rng) % 3 == 0 ? 1 + rnd(&w->rng) % 4 : 1;
		atomic_fetch_add(&r->posted, n);
		rc = n == 1 ? fsem_post(&r->sem) : fsem_post_n(&r->sem, n);
		if (rc != 0)
			run_fail(r, "producer %d: post %u failed: %s", w->idx,
				 n, strerror(errno));
		w->ops++;
		spin_a_little(&w->rng);
		if (rnd(&w->rng) % 8 == 0)
			sched_yield();	/* let the count fall to 0 */
	}
	atomic_fetch_sub(&r->alive, 1);
	return NULL;
}

static void *consumer(void *arg)
{
	struct worker *w = arg;
	struct run *r = w->r;

	while (!atomic_load(&r->stop)) {
		if (op(w, &count_ops, &r->sem, pick(w)) != 0)
			continue;
		atomic_fetch_add(&r->acquired, 1);
		w->ops++;
	}
	atomic_fetch_sub(&r->alive, 1);
	return NULL;
}

static void stress_producers_consumers(void **state)
{
	struct run *r = run_new("stress_producers_consumers", pc_check);
	const int np = 4, nc = 12;
	int64_t failed_at = 0;
	bool joined;
	int v = -1;

	(void)state;
	assert_int_equal(fsem_init(&r->sem, 0, 0), 0);
	run_begin(r, np + nc);
	run_start(r, consumer, 0, nc, SIDE_COUNT);
	run_start(r, producer, nc, np, SIDE_COUNT);
	joined = run_join(r, nc, np);
	/* Producers are done: wake the consumers with counted posts. */
	atomic_store(&r->stop, true);
	while (joined && atomic_load(&r->alive) > 0) {
		if (run_hung(r, &failed_at)) {
			joined = false;
			break;
		}
		if (side_free(r, SIDE_COUNT) == 0) {
			atomic_fetch_add(&r->posted, 1);
			assert_int_equal(fsem_post(&r->sem), 0);
		}
		sched_yield();
	}
	joined = joined && run_join(r, 0, nc);
	run_end(r, joined);
	assert_int_equal(fsem_getvalue(&r->sem, &v), 0);
	assert_int_equal(atomic_load(&r->acquired) + v,
			 atomic_load(&r->posted));	/* exact */
	assert_int_equal(fsem_destroy(&r->sem), 0);
	free(r);
}

/* ---- bounded: acquirers and releasers are different threads ----------- */

/*
 * "begun" counts a call before it is made and is taken back if the call
 * fails; "done" counts a success after it returned. So at every instant
 *   a_done <= acquires that happened <= a_begun, and the same for releases,
 * and given_out = acquires - releases is in [0, N]. Reading r_done, a_done,
 * then given_out, then a_begun, r_begun (each later than the one before):
 *   a_done - r_begun <= given_out <= a_begun - r_done,
 *   a_done <= r_begun + N (never more than N out),
 *   r_done <= a_begun (a release never creates a permit).
 */
static bool bounded_check(struct run *r)
{
	long rd = atomic_load(&r->r_done), ad = atomic_load(&r->a_done);
	int g = side_free(r, SIDE_RELEASE);
	long ab = atomic_load(&r->a_begun), rb = atomic_load(&r->r_begun);

	if (ad - rb <= g && g <= ab - rd && ad <= rb + (long)r->n &&
	    rd <= ab && g >= 0 && g <= (int)r->n)
		return true;
	run_fail(r, "monitor: given_out %d with acquires done %ld begun %ld, "
		 "releases done %ld begun %ld, N %u", g, ad, ab, rd, rb, r->n);
	return false;
}

/* One counted acquire (@acq) or release of flavour @f. */
static int bounded_step(struct worker *w, bool acq, enum flavour f)
{
	struct run *r = w->r;
	_Atomic long *begun = acq ? &r->a_begun : &r->r_begun;
	int err;

	atomic_fetch_add(begun, 1);
	err = op(w, acq ? &acq_ops : &rel_ops, &r->b, f);
	if (err == 0)
		atomic_fetch_add(acq ? &r->a_done : &r->r_done, 1);
	else
		atomic_fetch_sub(begun, 1);
	return err;
}

static void *bounded_worker(void *arg)
{
	struct worker *w = arg;
	bool acq = w->idx < w->r->acquirers;

	while (running(w)) {
		if (bounded_step(w, acq, pick(w)) == 0)
			w->ops++;
		spin_a_little(&w->rng);
	}
	atomic_fetch_sub(&w->r->alive, 1);
	return NULL;
}

/*
 * The test thread's own counted try-step, to free a blocked worker: a
 * release while every permit is out (an acquirer may be blocked), an
 * acquire while none is (a releaser may be). Never both in a row: taking
 * back at once the permit just freed would win every race against the
 * worker it woke wherever threads run one at a time (valgrind), and the
 * end phase would never finish. A worker still blocked while the count
 * lets it through is then a lost wake-up, and the hang guard reports it.
 */
static void bounded_nudge(struct run *r)
{
	struct worker self = { .r = r, .idx = MAX_WORKERS - 1 };
	int free = side_free(r, SIDE_ACQUIRE);

	if (free == 0)
		bounded_step(&self, false, F_TRY);
	else if (free == (int)r->n)
		bounded_step(&self, true, F_TRY);
}

static void bounded_case(const char *name, unsigned int n, int na, int nr,
			 int flags)
{
	struct run *r = run_new(name, bounded_check);
	struct timespec end;
	int64_t failed_at = 0;
	bool joined = true;
	int g = -1;

	r->n = n;
	r->acquirers = na;
	assert_int_equal(fsem_bounded_init(&r->b, flags, n), 0);
	run_begin(r, na + nr);
	run_start(r, bounded_worker, 0, na, SIDE_ACQUIRE);
	run_start(r, bounded_worker, na, nr, SIDE_RELEASE);
	end.tv_sec = r->end / NS;
	end.tv_nsec = r->end % NS;
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &end, NULL);
	/* Workers blocked in untimed calls at the end need a peer. */
	while (atomic_load(&r->alive) > 0) {
		if (run_hung(r, &failed_at)) {
			joined = false;
			break;
		}
		bounded_nudge(r);
		sched_yield();
	}
	joined = joined && run_join(r, 0, na + nr);
	run_end(r, joined);
	assert_true(bounded_check(r));
	assert_int_equal(atomic_load(&r->a_begun), atomic_load(&r->a_done));
	assert_int_equal(atomic_load(&r->r_begun), atomic_load(&r->r_done));
	assert_int_equal(fsem_bounded_given_out(&r->b, &g), 0);
	assert_int_equal(g, atomic_load(&r->a_done) -
			 atomic_load(&r->r_done));	/* exact */
	assert_int_equal(fsem_bounded_destroy(&r->b), 0);
	free(r);
}

static void stress_bounded_one_permit(void **state)
{
	(void)state;
	bounded_case("stress_bounded_one_permit", 1, 6, 6, 0);
}

static void stress_bounded_three_permits_shared(void **state)
{
	(void)state;
	bounded_case("stress_bounded_three_permits_shared", 3, 12, 4,
		     FSEM_SHARED);
}

static void stress_bounded_eight_permits_fifo_nospin(void **state)
{
	(void)state;
	bounded_case("stress_bounded_eight_permits_fifo_nospin", 8, 4, 12,
		     FSEM_FIFO | FSEM_NOSPIN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stress_lock_one_permit_8_threads),
		cmocka_unit_test(stress_lock_one_permit_32_threads_nospin),
		cmocka_unit_test(stress_lock_three_permits_8_threads_fifo_nospin),
		cmocka_unit_test(stress_lock_three_permits_32_threads),
		cmocka_unit_test(stress_producers_consumers),
		cmocka_unit_test(stress_bounded_one_permit),
		cmocka_unit_test(stress_bounded_three_permits_shared),
		cmocka_unit_test(stress_bounded_eight_permits_fifo_nospin),
	};

	return cmocka_run_group_tests_name("stress", tests, NULL, NULL);
}
