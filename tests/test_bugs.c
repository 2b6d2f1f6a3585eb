/* SPDX-License-Identifier: MIT */
/*
 * test_bugs.c - the bugs other semaphores shipped, as regression tests for
 * fsem. Each case is named after the bug and cites it; the numbers are those
 * of "Known bugs and pitfalls" in research/implementations.md, section 4.
 * Bug 12 (destroy right after wait) is covered by test_destroy.c.
 *
 * Most cases run for both types and, for the bounded type, in both
 * directions: a "kind" is the thing a thread waits for.
 *   counting:        take = wait,    give = post,       free = value
 *   bounded acquire: take = acquire, give = release,    free = available
 *   bounded release: take = release, give = acquire,    free = given_out
 * Concurrent cases stop at a deadline (FSEM_TEST_MS scales them) and print
 * their seed (FSEM_TEST_SEED) and thread count when they fail. A thread
 * that should have returned and did not is reported after JOIN_NS; its
 * semaphore is then leaked on purpose, since the thread still points at it.
 */
#define _GNU_SOURCE	/* pthread_timedjoin_np, CPU sets, memfd_create */
#include "common.h"

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/mman.h>

#define NS		1000000000LL
#define MS		1000000LL
#define JOIN_NS		(5 * NS)	/* a released thread returns by then */
#define WATCH_NS	(2 * NS)	/* see watch_sample() */
#define WATCH_SAMPLES	100

enum kind { K_COUNT, K_ACQ, K_REL, K_NR };

static const char *const kind_name[K_NR] = {
	"counting", "bounded acquire", "bounded release",
};

enum flavour { F_WAIT, F_TRY, F_TIMED, F_CLOCK_MONO, F_CLOCK_REAL, F_NR };

struct sem {
	fsem_t c;
	fsem_bounded_t b;
};

static uint32_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (uint32_t)((*s * 0x2545F4914F6CDD1DULL) >> 32);
}

static uint64_t rng_for(unsigned int seed, int i)
{
	return ((uint64_t)seed << 32 | (uint32_t)i) * 2654435761u +
	       0x9E3779B97F4A7C15ULL;
}

static int64_t now_ns(void)
{
	return test_now_ns(CLOCK_MONOTONIC);
}

/* A kind with @n permits (bounded) of which @avail are free to takers. */
static void sem_setup(struct sem *s, enum kind k, unsigned int n,
		      unsigned int avail, int flags)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	if (k == K_COUNT) {
		assert_int_equal(fsem_init(&s->c, flags, avail), 0);
		return;
	}
	assert_int_equal(fsem_bounded_init(&s->b, flags, n), 0);
	for (i = 0; i < (k == K_ACQ ? n - avail : avail); i++)
		assert_int_equal(fsem_bounded_tryacquire(&s->b), 0);
}

static int sem_free(struct sem *s, enum kind k)
{
	int v = -1;

	if (k == K_COUNT)
		fsem_getvalue(&s->c, &v);
	else if (k == K_ACQ)
		fsem_bounded_getvalue(&s->b, &v);
	else
		fsem_bounded_given_out(&s->b, &v);
	return v;
}

static int sem_destroy(struct sem *s, enum kind k)
{
	return k == K_COUNT ? fsem_destroy(&s->c) : fsem_bounded_destroy(&s->b);
}

static clockid_t flavour_clock(enum flavour f)
{
	return f == F_CLOCK_MONO ? CLOCK_MONOTONIC : CLOCK_REALTIME;
}

/* One take of flavour @f on @c (timed ones): 0 or the errno. */
static int take_on(struct sem *s, enum kind k, enum flavour f, clockid_t c,
		   const struct timespec *abs)
{
	int rc;

	errno = 0;
	if (k == K_COUNT)
		rc = f == F_WAIT ? fsem_wait(&s->c) :
		     f == F_TRY ? fsem_trywait(&s->c) :
		     f == F_TIMED ? fsem_timedwait(&s->c, abs) :
		     fsem_clockwait(&s->c, c, abs);
	else if (k == K_ACQ)
		rc = f == F_WAIT ? fsem_bounded_acquire(&s->b) :
		     f == F_TRY ? fsem_bounded_tryacquire(&s->b) :
		     f == F_TIMED ? fsem_bounded_timedacquire(&s->b, abs) :
		     fsem_bounded_clockacquire(&s->b, c, abs);
	else
		rc = f == F_WAIT ? fsem_bounded_release(&s->b) :
		     f == F_TRY ? fsem_bounded_tryrelease(&s->b) :
		     f == F_TIMED ? fsem_bounded_timedrelease(&s->b, abs) :
		     fsem_bounded_clockrelease(&s->b, c, abs);
	return rc == 0 ? 0 : errno ? errno : -1;
}

static int take(struct sem *s, enum kind k, enum flavour f,
		const struct timespec *abs)
{
	return take_on(s, k, f, flavour_clock(f), abs);
}

/* take() with a deadline @ns from now on the flavour's clock. */
static int take_in(struct sem *s, enum kind k, enum flavour f, int64_t ns)
{
	struct timespec ts = test_deadline(flavour_clock(f), ns);

	return take(s, k, f, &ts);
}

/*
 * Take one permit, each attempt of a random flavour with a deadline under
 * 200 us, until one works: 0, or an errno no flavour may give.
 */
static int take_retry(struct sem *s, enum kind k, uint64_t *rng)
{
	for (;;) {
		enum flavour f = (enum flavour)(rnd(rng) % F_NR);
		int err = take_in(s, k, f, rnd(rng) % 200000);

		if (err == 0)
			return 0;
		if (f == F_TRY && err == EAGAIN)
			sched_yield();
		else if (f == F_WAIT || f == F_TRY || err != ETIMEDOUT)
			return err;
	}
}

/*
 * Give one permit to takers of @k. @how 0: post, try-release, try-acquire;
 * 1: post_n(1) or the timed call with a 100 us deadline; 2: post or the
 * untimed call (bounded: only where it cannot block). Returns 0 or the
 * errno (bounded: EAGAIN / ETIMEDOUT when there is no room, EINTR from a
 * signal in a timed call).
 */
static int give(struct sem *s, enum kind k, int how)
{
	struct timespec ts = test_deadline(CLOCK_MONOTONIC, 100000);
	int rc;

	errno = 0;
	if (k == K_COUNT)
		rc = how == 1 ? fsem_post_n(&s->c, 1) : fsem_post(&s->c);
	else if (k == K_ACQ)
		rc = how == 0 ? fsem_bounded_tryrelease(&s->b) :
		     how == 1 ? fsem_bounded_clockrelease(&s->b,
						CLOCK_MONOTONIC, &ts) :
		     fsem_bounded_release(&s->b);
	else
		rc = how == 0 ? fsem_bounded_tryacquire(&s->b) :
		     how == 1 ? fsem_bounded_clockacquire(&s->b,
						CLOCK_MONOTONIC, &ts) :
		     fsem_bounded_acquire(&s->b);
	return rc == 0 ? 0 : errno ? errno : -1;
}

static bool give_may_fail(enum kind k, int how, int err)
{
	return k != K_COUNT &&
	       (how ? err == ETIMEDOUT || err == EINTR : err == EAGAIN);
}

static bool join_within(pthread_t th, int64_t ns, void **ret)
{
	struct timespec ts = test_deadline(CLOCK_REALTIME, ns);

	return test_timedjoin(th, ret, &ts) == 0;
}

/* Join @th, which only a broken semaphore could keep from returning. */
static void join_or_fail(pthread_t th, void **ret, const char *what)
{
	if (!join_within(th, JOIN_NS, ret))
		fail_msg("%s did not return within %lld s", what,
			 JOIN_NS / NS);
}

/* A thread that makes one take() and publishes its id and its answer. */
struct sleeper {
	struct sem *s;
	enum kind k;
	enum flavour f;
	struct timespec abs;
	struct test_tid tid;
	_Atomic bool done;
	int err;
	pthread_t th;
};

static void *sleeper_fn(void *arg)
{
	struct sleeper *p = arg;

	test_tid_publish(&p->tid);
	p->err = take(p->s, p->k, p->f, &p->abs);
	test_release(&p->done);		/* publishes err */
	atomic_store(&p->done, true);
	return NULL;
}

static void sleeper_start(struct sleeper *p, struct sem *s, enum kind k,
			  enum flavour f, const struct timespec *abs)
{
	memset(p, 0, sizeof(*p));
	p->s = s;
	p->k = k;
	p->f = f;
	if (abs)
		p->abs = *abs;
	assert_int_equal(pthread_create(&p->th, NULL, sleeper_fn, p), 0);
}

/* Until @p sleeps in the futex: false if it returned first, or by @end. */
static bool sleeper_blocked_by(struct sleeper *p, int64_t end)
{
	pid_t tid = test_tid_get(&p->tid);

	while (!test_is_blocked(tid)) {
		if (atomic_load(&p->done) || now_ns() > end)
			return false;
		sched_yield();
	}
	return true;
}

static void sleeper_wait_blocked(struct sleeper *p)
{
	if (!sleeper_blocked_by(p, now_ns() + 10 * NS))
		fail_msg("%s %s never blocked (returned: %d, errno %d)",
			 kind_name[p->k], p->f == F_WAIT ? "wait" : "timed",
			 atomic_load(&p->done), p->err);
}

/* Join @p, which must return 0 within JOIN_NS. */
static void sleeper_join_ok(struct sleeper *p, const char *what)
{
	if (!join_within(p->th, JOIN_NS, NULL))
		fail_msg("%s: %s waiter still blocked %lld s after its permit "
			 "was given", what, kind_name[p->k], JOIN_NS / NS);
	if (p->err != 0)
		fail_msg("%s: %s waiter failed: %s", what, kind_name[p->k],
			 strerror(p->err));
}

/*
 * Failures seen by worker threads: the first is kept, everybody stops, and
 * the test thread reports it. Workers never call cmocka.
 */
struct verdict {
	_Atomic bool stop, claimed, failed;
	char why[384];
};

static void flunk(struct verdict *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void flunk(struct verdict *v, const char *fmt, ...)
{
	va_list ap;

	atomic_store(&v->stop, true);
	if (atomic_exchange(&v->claimed, true))
		return;
	va_start(ap, fmt);
	vsnprintf(v->why, sizeof(v->why), fmt, ap);
	va_end(ap);
	atomic_store_explicit(&v->failed, true, memory_order_release);
}

static void verdict_check(struct verdict *v, const char *what,
			  unsigned int seed, int threads)
{
	if (atomic_load_explicit(&v->failed, memory_order_acquire))
		fail_msg("%s: %s (seed %u, %d threads)", what, v->why, seed,
			 threads);
}

static int first_cpu(void)
{
	cpu_set_t set;
	int i;

	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	for (i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set))
			return i;
	return 0;
}

static void attr_pin(pthread_attr_t *a, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	assert_int_equal(pthread_attr_setaffinity_np(a, sizeof(set), &set), 0);
}

/* ---- 1. libstdc++ PR 104928: counting_semaphore could sleep forever ---- */

/*
 * (a) Morris's starvation-free mutex, built from three semaphores, as the
 * libstdc++ regression test does; every P() uses a random acquire flavour.
 * A lost wake-up stops every thread; a broken hand-over lets two in.
 */
struct morris;

struct morris_thread {
	struct morris *m;
	pthread_t th;
	long passes;
	uint64_t rng;
};

struct morris {
	struct sem mutex, t1, t2;
	int room1, room2;
	long c;				/* touched in the section only */
	_Atomic int inside;
	int64_t end;
	struct verdict v;
	struct morris_thread t[4];
};

static void morris_p(struct morris *m, struct sem *s, uint64_t *rng)
{
	int err = take_retry(s, K_COUNT, rng);

	if (err)
		flunk(&m->v, "P() failed: %s", strerror(err));
}

static void morris_v(struct morris *m, struct sem *s)
{
	if (fsem_post(&s->c) != 0)
		flunk(&m->v, "V() failed: %s", strerror(errno));
}

static void *morris_thread(void *arg)
{
	struct morris_thread *t = arg;
	struct morris *m = t->m;
	bool last;

	while (now_ns() < m->end && !atomic_load(&m->v.stop)) {
		morris_p(m, &m->mutex, &t->rng);
		m->room1++;
		morris_v(m, &m->mutex);
		morris_p(m, &m->t1, &t->rng);
		m->room2++;
		morris_p(m, &m->mutex, &t->rng);
		m->room1--;
		last = m->room1 == 0;	/* read under the mutex */
		morris_v(m, &m->mutex);
		morris_v(m, last ? &m->t2 : &m->t1);
		morris_p(m, &m->t2, &t->rng);
		m->room2--;
		if (atomic_fetch_add(&m->inside, 1) != 0)
			flunk(&m->v, "two threads in Morris's section");
		m->c++;
		atomic_fetch_sub(&m->inside, 1);
		t->passes++;
		morris_v(m, m->room2 == 0 ? &m->t1 : &m->t2);
	}
	return NULL;
}

static void bugs_libstdcxx_pr104928_morris_mutex(void **state)
{
	const char *name = "bugs_libstdcxx_pr104928_morris_mutex";
	struct morris *m = calloc(1, sizeof(*m));
	unsigned int seed = test_seed(name);
	long total = 0;
	int i;

	(void)state;
	assert_non_null(m);
	sem_setup(&m->mutex, K_COUNT, 0, 1, 0);
	sem_setup(&m->t1, K_COUNT, 0, 1, 0);
	sem_setup(&m->t2, K_COUNT, 0, 0, 0);
	m->end = now_ns() + test_duration_ms(1000) * MS;
	for (i = 0; i < 4; i++) {
		m->t[i].m = m;
		m->t[i].rng = rng_for(seed, i);
		assert_int_equal(pthread_create(&m->t[i].th, NULL,
						morris_thread, &m->t[i]), 0);
	}
	for (i = 0; i < 4; i++)
		if (!join_within(m->t[i].th, m->end - now_ns() + JOIN_NS,
				 NULL))
			fail_msg("%s: a thread never left (seed %u, 4 threads)",
				 name, seed);
	verdict_check(&m->v, name, seed, 4);
	for (i = 0; i < 4; i++)
		total += m->t[i].passes;
	assert_int_equal(m->c, total);
	assert_int_equal(m->room1, 0);
	assert_int_equal(m->room2, 0);
	assert_int_equal(sem_free(&m->mutex, K_COUNT), 1);
	assert_int_equal(sem_free(&m->t1, K_COUNT), 1);
	assert_int_equal(sem_free(&m->t2, K_COUNT), 0);
	assert_int_equal(sem_destroy(&m->mutex, K_COUNT), 0);
	assert_int_equal(sem_destroy(&m->t1, K_COUNT), 0);
	assert_int_equal(sem_destroy(&m->t2, K_COUNT), 0);
	print_message("[ %s ] %ld passes\n", name, total);
	free(m);
}

/*
 * (b) 10 producers and 10 consumers from a zero count, every acquire
 * flavour, first with all 20 threads on one CPU, then on all of them.
 * Bounded: 10 acquirers and 10 releasers, each taking on its own side.
 * Counts are exact at the end: posts = takes + value (counting),
 * acquires - releases = given_out (bounded).
 */
struct pc;

struct pc_thread {
	struct pc *pc;
	int idx;
	uint64_t rng;
	pthread_t th;
};

struct pc {
	struct sem s;
	bool bounded;
	int64_t end;
	struct verdict v;
	_Atomic long gives, takes, acq, rel;
	_Atomic int takers_alive;
	struct pc_thread t[20];
};

static void *pc_thread(void *arg)
{
	struct pc_thread *t = arg;
	struct pc *pc = t->pc;
	int i = t->idx;
	uint64_t *rng = &t->rng;
	bool taker = i < 10 || pc->bounded;
	enum kind k = !pc->bounded ? K_COUNT : i < 10 ? K_ACQ : K_REL;
	int err;

	while (!atomic_load(&pc->v.stop)) {
		if (!taker) {
			if (now_ns() >= pc->end)
				break;
			atomic_fetch_add(&pc->gives, 1);
			err = give(&pc->s, K_COUNT, (int)(rnd(rng) & 1));
		} else {
			err = take_retry(&pc->s, k, rng);
			if (err == 0)
				atomic_fetch_add(k == K_COUNT ? &pc->takes :
						 k == K_ACQ ? &pc->acq :
						 &pc->rel, 1);
			if (pc->bounded && now_ns() >= pc->end)
				break;
		}
		if (err)
			flunk(&pc->v, "thread %d: %s", i, strerror(err));
	}
	if (taker)
		atomic_fetch_sub(&pc->takers_alive, 1);
	return NULL;
}

static void pc_run(const char *name, bool bounded, bool one_cpu,
		   unsigned int seed)
{
	struct pc *pc = calloc(1, sizeof(*pc));
	struct timespec end;
	pthread_attr_t attr;
	int64_t guard;
	int i, cpu = first_cpu(), g = -1;

	assert_non_null(pc);
	pc->bounded = bounded;
	sem_setup(&pc->s, bounded ? K_REL : K_COUNT, 4, 0, 0);
	pc->end = now_ns() + test_duration_ms(500) * MS;
	guard = pc->end + 10 * NS;
	assert_int_equal(pthread_attr_init(&attr), 0);
	if (one_cpu)
		attr_pin(&attr, cpu);
	atomic_store(&pc->takers_alive, bounded ? 20 : 10);
	for (i = 0; i < 20; i++) {
		pc->t[i].pc = pc;
		pc->t[i].idx = i;
		pc->t[i].rng = rng_for(seed, i + (one_cpu ? 100 : 0));
		assert_int_equal(pthread_create(&pc->t[i].th, &attr, pc_thread,
						&pc->t[i]), 0);
	}
	pthread_attr_destroy(&attr);
	if (!bounded)
		for (i = 10; i < 20; i++)
			join_or_fail(pc->t[i].th, NULL, "a producer");
	/* Producers are done (or the deadline passed): free the takers. */
	end.tv_sec = pc->end / NS;
	end.tv_nsec = pc->end % NS;
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &end, NULL);
	atomic_store(&pc->v.stop, true);
	while (atomic_load(&pc->takers_alive) > 0) {
		if (now_ns() > guard)
			fail_msg("%s (%s): takers still blocked after the end "
				 "(seed %u, 20 threads)", name,
				 one_cpu ? "one CPU" : "all CPUs", seed);
		if (!bounded && sem_free(&pc->s, K_COUNT) == 0) {
			atomic_fetch_add(&pc->gives, 1);
			assert_int_equal(fsem_post(&pc->s.c), 0);
		}
		if (bounded && fsem_bounded_tryrelease(&pc->s.b) == 0)
			atomic_fetch_add(&pc->rel, 1);
		if (bounded && fsem_bounded_tryacquire(&pc->s.b) == 0)
			atomic_fetch_add(&pc->acq, 1);
		sched_yield();
	}
	for (i = 0; i < (bounded ? 20 : 10); i++)
		join_or_fail(pc->t[i].th, NULL, "a taker");
	verdict_check(&pc->v, name, seed, 20);
	if (bounded) {
		assert_int_equal(fsem_bounded_given_out(&pc->s.b, &g), 0);
		assert_int_equal(g, atomic_load(&pc->acq) -
				 atomic_load(&pc->rel));
	} else {
		assert_int_equal(atomic_load(&pc->takes) +
				 sem_free(&pc->s, K_COUNT),
				 atomic_load(&pc->gives));
	}
	assert_int_equal(sem_destroy(&pc->s, bounded ? K_REL : K_COUNT), 0);
	print_message("[ %s ] %s, %s: %ld + %ld + %ld\n", name,
		      bounded ? "bounded" : "counting",
		      one_cpu ? "one CPU" : "all CPUs",
		      atomic_load(&pc->takes), atomic_load(&pc->acq),
		      atomic_load(&pc->rel));
	free(pc);
}

static void bugs_libstdcxx_pr104928_ten_producers_ten_consumers(void **st)
{
	const char *name = "bugs_libstdcxx_pr104928_ten_producers_ten_consumers";
	unsigned int seed = test_seed(name);

	(void)st;
	pc_run(name, false, true, seed);
	pc_run(name, false, false, seed);
	pc_run(name, true, true, seed);
	pc_run(name, true, false, seed);
}

/* ---- 2. libc++ #46357 / #77659: two posts, one wake-up ---------------- */

/*
 * libc++ (fixed by PR #79265) woke a sleeper only on the 0 -> 1 release and
 * only one thread: two sleepers and two back-to-back releases left one
 * asleep with a permit free. Here two threads sleep, one thread gives twice
 * before either can wake, and both must return. Odd rounds sleep with a
 * far deadline instead of none; gives alternate their flavours.
 */
static void bugs_libcxx_46357_two_posts_wake_two_sleepers(void **state)
{
	const char *name = "bugs_libcxx_46357_two_posts_wake_two_sleepers";
	static struct sem s[K_NR];	/* static: a stuck thread keeps it */
	static struct sleeper p[2];
	struct timespec far;
	int k, round, i;

	(void)state;
	for (k = 0; k < K_NR; k++) {
		sem_setup(&s[k], k, 2, 0, 0);
		for (round = 0; round < 16; round++) {
			enum flavour f = round & 1 ? F_CLOCK_MONO : F_WAIT;

			far = test_deadline(CLOCK_MONOTONIC, 60 * NS);
			for (i = 0; i < 2; i++)
				sleeper_start(&p[i], &s[k], k, f, &far);
			for (i = 0; i < 2; i++)
				sleeper_wait_blocked(&p[i]);
			assert_int_equal(give(&s[k], k, (round >> 1) & 1), 0);
			assert_int_equal(give(&s[k], k, (round >> 2) & 1), 0);
			for (i = 0; i < 2; i++)
				sleeper_join_ok(&p[i], name);
			assert_int_equal(sem_free(&s[k], k), 0);
		}
		assert_int_equal(sem_destroy(&s[k], k), 0);
	}
}

/* ---- 3, 4. storms with a lost wake-up watchdog ------------------------ */

/*
 * Waiters loop on untimed takes; givers give (and, for 3, also take with
 * try), all counted: "given" before a give, "taken" after a take. A monitor
 * checks every millisecond that taken + free <= given (read in that order)
 * and runs the watchdog: a waiter that stays in one untimed take for 2 s,
 * over at least 100 samples that each saw a permit free, lost a wake-up.
 * (A free permit means every debt of that direction is covered, I2, and
 * every covered sleeper is awake, I3: only the scheduler could hold such a
 * waiter back, and not for 2 s.) At the end the waiters are freed with
 * counted gives and given = taken + free exactly.
 *
 * With signals (4), a thread sends SIGUSR1 to the givers nonstop; for the
 * counting kind the handler posts too (fsem_post is async-signal-safe), so
 * posts interrupt posts half-way, as in musl 882aedf6.
 */
#define STORM_MAX 16

struct storm;

struct storm_thread {
	struct storm *st;
	int idx;
	uint64_t rng;
	pthread_t th;
};

struct storm {
	struct sem s;
	enum kind k;
	int nwait, ngive;
	bool trytake;
	struct verdict v;
	_Atomic bool stop_sig, stop_give, stop_wait, mon_stop;
	_Atomic long given, taken;
	_Atomic int waiters_alive;
	_Atomic uint64_t seq[STORM_MAX];	/* odd: waiter i in a take */
	struct storm_thread t[2 * STORM_MAX];
	pthread_t mon, sig;
};

static fsem_t *_Atomic sig_sem;		/* the handler posts here if set */
static _Atomic long sig_given, sig_hits;

static void on_sigusr1(int signo)
{
	int saved = errno;
	fsem_t *s = atomic_load(&sig_sem);

	(void)signo;
	atomic_fetch_add(&sig_hits, 1);
	if (s) {
		atomic_fetch_add(&sig_given, 1);
		if (fsem_post(s) != 0)
			atomic_fetch_sub(&sig_given, 1);
	}
	errno = saved;
}

static void *storm_waiter(void *arg)
{
	struct storm_thread *t = arg;
	struct storm *st = t->st;
	int err;

	while (!atomic_load(&st->stop_wait) && !atomic_load(&st->v.stop)) {
		atomic_fetch_add(&st->seq[t->idx], 1);
		err = take(&st->s, st->k, F_WAIT, NULL);
		atomic_fetch_add(&st->seq[t->idx], 1);
		if (err) {
			flunk(&st->v, "waiter %d: %s", t->idx, strerror(err));
			break;
		}
		atomic_fetch_add(&st->taken, 1);
	}
	atomic_fetch_sub(&st->waiters_alive, 1);
	return NULL;
}

static void *storm_giver(void *arg)
{
	struct storm_thread *t = arg;
	struct storm *st = t->st;
	uint32_t x;
	int err, how;

	while (!atomic_load(&st->stop_give) && !atomic_load(&st->v.stop)) {
		x = rnd(&t->rng);
		if (st->trytake && x % 3 == 0) {
			err = take(&st->s, st->k, F_TRY, NULL);
			if (err == 0)
				atomic_fetch_add(&st->taken, 1);
			else if (err != EAGAIN)
				flunk(&st->v, "giver %d: trywait: %s", t->idx,
				      strerror(err));
		} else if (sem_free(&st->s, st->k) < 2) {
			how = (int)(x >> 8) % 2;
			atomic_fetch_add(&st->given, 1);
			err = give(&st->s, st->k, how);
			if (err)
				atomic_fetch_sub(&st->given, 1);
			if (err && !give_may_fail(st->k, how, err))
				flunk(&st->v, "giver %d: give: %s", t->idx,
				      strerror(err));
		} else {
			sched_yield();
		}
	}
	return NULL;
}

static void *storm_signaller(void *arg)
{
	struct storm *st = arg;
	int i;

	while (!atomic_load(&st->stop_sig)) {
		for (i = 0; i < st->ngive; i++)
			pthread_kill(st->t[st->nwait + i].th, SIGUSR1);
		if (rnd(&st->t[0].rng) % 16 == 0)
			sched_yield();
	}
	return NULL;
}

struct watch {
	uint64_t seq;
	int64_t since;
	int samples;
};

static void *storm_monitor(void *arg)
{
	struct storm *st = arg;
	struct timespec period = { 0, 1000000 };
	struct watch w[STORM_MAX];
	long taken, given;
	int i, v;

	memset(w, 0, sizeof(w));
	while (!atomic_load(&st->mon_stop)) {
		taken = atomic_load(&st->taken);
		v = sem_free(&st->s, st->k);
		given = atomic_load(&st->given) + atomic_load(&sig_given);
		if (taken + v > given)
			flunk(&st->v, "%ld taken + %d free > %ld given",
			      taken, v, given);
		for (i = 0; i < st->nwait; i++) {
			uint64_t s1 = atomic_load(&st->seq[i]);
			int64_t now;

			v = sem_free(&st->s, st->k);
			if (s1 != atomic_load(&st->seq[i]) || !(s1 & 1) ||
			    v <= 0) {
				w[i].seq = 0;
				continue;
			}
			now = now_ns();
			if (w[i].seq != s1) {
				w[i].seq = s1;
				w[i].since = now;
				w[i].samples = 0;
			}
			if (++w[i].samples >= WATCH_SAMPLES &&
			    now - w[i].since >= WATCH_NS) {
				flunk(&st->v, "lost wake-up: waiter %d blocked "
				      "%lld ms while a permit was free at "
				      "each of %d samples", i,
				      (long long)((now - w[i].since) / MS),
				      w[i].samples);
				w[i].seq = 0;
			}
		}
		nanosleep(&period, NULL);	/* the sampling period */
	}
	return NULL;
}

static void storm_start(struct storm *st, unsigned int seed, int sigflags)
{
	struct sigaction sa;
	int i;

	atomic_store(&sig_given, 0);
	atomic_store(&sig_hits, 0);
	if (sigflags >= 0) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_sigusr1;
		sa.sa_flags = sigflags;
		sigemptyset(&sa.sa_mask);
		assert_int_equal(sigaction(SIGUSR1, &sa, NULL), 0);
		atomic_store(&sig_sem, st->k == K_COUNT ? &st->s.c : NULL);
	}
	atomic_store(&st->waiters_alive, st->nwait);
	assert_int_equal(pthread_create(&st->mon, NULL, storm_monitor, st), 0);
	for (i = 0; i < st->nwait + st->ngive; i++) {
		st->t[i].st = st;
		st->t[i].idx = i;
		st->t[i].rng = rng_for(seed, i);
		assert_int_equal(pthread_create(&st->t[i].th, NULL,
				i < st->nwait ? storm_waiter : storm_giver,
				&st->t[i]), 0);
	}
	if (sigflags >= 0)
		assert_int_equal(pthread_create(&st->sig, NULL,
						storm_signaller, st), 0);
}

static void storm_run(const char *name, enum kind k, int nwait, int ngive,
		      bool trytake, int sigflags, int64_t ms,
		      unsigned int seed)
{
	struct storm *st = calloc(1, sizeof(*st));
	struct timespec end;
	int64_t t_end, failed_at = 0;
	long given;
	int i, threads = nwait + ngive + (sigflags >= 0);

	assert_non_null(st);
	st->k = k;
	st->nwait = nwait;
	st->ngive = ngive;
	st->trytake = trytake;
	sem_setup(&st->s, k, 8, 0, 0);
	t_end = now_ns() + ms * MS;
	storm_start(st, seed, sigflags);
	end.tv_sec = t_end / NS;
	end.tv_nsec = t_end % NS;
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &end, NULL);
	atomic_store(&st->stop_sig, true);
	if (sigflags >= 0)
		pthread_join(st->sig, NULL);
	atomic_store(&st->stop_give, true);
	for (i = nwait; i < nwait + ngive; i++)
		join_or_fail(st->t[i].th, NULL, "a giver");
	atomic_store(&sig_sem, NULL);
	if (sigflags >= 0)
		signal(SIGUSR1, SIG_IGN);
	/* Free the waiters with counted gives. */
	atomic_store(&st->stop_wait, true);
	while (atomic_load(&st->waiters_alive) > 0) {
		if (atomic_load(&st->v.failed) && !failed_at)
			failed_at = now_ns();
		if (now_ns() > t_end + 10 * NS ||
		    (failed_at && now_ns() > failed_at + 3 * NS)) {
			atomic_store(&st->mon_stop, true);
			pthread_join(st->mon, NULL);
			verdict_check(&st->v, name, seed, threads);
			fail_msg("%s (%s): waiters still blocked after the end "
				 "(seed %u, %d threads)", name, kind_name[k],
				 seed, threads);
		}
		if (sem_free(&st->s, k) == 0) {
			atomic_fetch_add(&st->given, 1);
			if (give(&st->s, k, 0) != 0)
				atomic_fetch_sub(&st->given, 1);
		}
		sched_yield();
	}
	for (i = 0; i < nwait; i++)
		join_or_fail(st->t[i].th, NULL, "a waiter");
	atomic_store(&st->mon_stop, true);
	pthread_join(st->mon, NULL);
	verdict_check(&st->v, name, seed, threads);
	given = atomic_load(&st->given) + atomic_load(&sig_given);
	assert_int_equal(atomic_load(&st->taken) + sem_free(&st->s, k), given);
	assert_int_equal(sem_destroy(&st->s, k), 0);
	print_message("[ %s ] %s: %ld given (%ld by handlers, %ld signals)\n",
		      name, kind_name[k], given, atomic_load(&sig_given),
		      atomic_load(&sig_hits));
	free(st);
}

/*
 * musl 159d1f6c: an ABA in the waiter count; the "has waiters" state was
 * lost when the value went positive in between, and later posts skipped
 * the wake. Many waiters, posts interleaved with trywait storms.
 */
static void bugs_musl_159d1f6c_post_trywait_storm(void **state)
{
	const char *name = "bugs_musl_159d1f6c_post_trywait_storm";
	unsigned int seed = test_seed(name);
	int k;

	(void)state;
	for (k = 0; k < K_NR; k++)
		storm_run(name, k, 12, 4, true, -1, test_duration_ms(500),
			  seed);
}

/*
 * musl 882aedf6 (first half): a post interrupted by a signal between
 * clearing the waiter bit and the wake delayed the wake indefinitely.
 * Signal storms aimed at the posting threads, handlers with and without
 * SA_RESTART; the counting handler posts as well.
 */
static void bugs_musl_882aedf6_signal_storm_at_posters(void **state)
{
	const char *name = "bugs_musl_882aedf6_signal_storm_at_posters";
	unsigned int seed = test_seed(name);
	int k;

	(void)state;
	for (k = 0; k < K_NR; k++) {
		storm_run(name, k, 6, 3, false, 0, test_duration_ms(250),
			  seed);
		storm_run(name, k, 6, 3, false, SA_RESTART,
			  test_duration_ms(250), seed);
	}
}

/*
 * musl 882aedf6 (second half): with a process-shared semaphore mapped
 * twice, the wake could go to an address already unmapped. Here the waiter
 * sleeps on one mapping; each round the poster maps the page again at a new
 * address, posts through it and unmaps it at once. The futex of a shared
 * semaphore is keyed by the page, so the waiter must wake every time.
 */
struct twomaps {
	struct sem *a;			/* the waiter's mapping */
	enum kind k;
	struct test_tid tid;
	_Atomic long rounds;		/* takes completed */
	_Atomic bool last;
	int err;
};

static void *twomaps_waiter(void *arg)
{
	struct twomaps *tm = arg;

	test_tid_publish(&tm->tid);
	for (;;) {
		tm->err = take(tm->a, tm->k, F_WAIT, NULL);
		if (tm->err)
			break;
		atomic_fetch_add(&tm->rounds, 1);
		if (atomic_load(&tm->last))
			break;
	}
	return NULL;
}

static void bugs_musl_882aedf6_shared_mapped_twice(void **state)
{
	const size_t len = 4096;
	struct twomaps tm;
	pthread_t th;
	int64_t end;
	long r;
	int k, fd;

	(void)state;
	_Static_assert(sizeof(struct sem) <= 4096, "one page");
	for (k = 0; k < K_NR; k += 1) {
		memset(&tm, 0, sizeof(tm));
		fd = memfd_create("fsem-test", 0);
		assert_true(fd >= 0);
		assert_int_equal(ftruncate(fd, (off_t)len), 0);
		tm.a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			    0);
		assert_true(tm.a != MAP_FAILED);
		tm.k = k;
		sem_setup(tm.a, k, 2, 0, FSEM_SHARED);
		assert_int_equal(pthread_create(&th, NULL, twomaps_waiter, &tm),
				 0);
		end = now_ns() + test_duration_ms(100) * MS;
		for (r = 1; ; r++) {
			struct sem *b = mmap(NULL, len, PROT_READ | PROT_WRITE,
					     MAP_SHARED, fd, 0);

			assert_true(b != MAP_FAILED && b != tm.a);
			test_wait_blocked(test_tid_get(&tm.tid));
			if (now_ns() > end && r >= 20)
				atomic_store(&tm.last, true);
			assert_int_equal(give(b, k, (int)(r & 1)), 0);
			assert_int_equal(munmap(b, len), 0);
			if (atomic_load(&tm.last))
				break;
			while (atomic_load(&tm.rounds) < r) {
				if (now_ns() > end + JOIN_NS)
					fail_msg("%s: round %ld: the post "
						 "through the alias woke "
						 "nobody", kind_name[k], r);
				sched_yield();
			}
		}
		if (!join_within(th, JOIN_NS, NULL))
			fail_msg("%s: the waiter missed the last post through "
				 "an unmapped alias", kind_name[k]);
		assert_int_equal(tm.err, 0);
		assert_int_equal(atomic_load(&tm.rounds), r);
		assert_int_equal(sem_free(tm.a, k), 0);
		assert_int_equal(sem_destroy(tm.a, k), 0);
		assert_int_equal(munmap(tm.a, len), 0);
		close(fd);
	}
}

/* ---- 5. Go x/sync 43a5402: the chosen waiter leaves ------------------- */

/*
 * A waiter cancelled just as it was chosen to be woken did not pass the
 * wake-up on: the waiter behind it stayed blocked with a permit free. Each
 * round: A sleeps first, so that the kernel picks it for the next wake,
 * with a deadline 2-5 ms ahead (or untimed, and is then cancelled); B
 * sleeps untimed behind it; one give lands within 300 us of A's deadline
 * (or of the cancel, before or after it). If A did not get the permit, B
 * must get it with no other give; if A did, a second give frees B. Either
 * way nothing is left over.
 */
static void go_round(const char *name, enum kind k, bool cancel,
		     uint64_t *rng, long *a_took)
{
	static struct sem s;		/* static: a stuck thread keeps it */
	static struct sleeper a, b;
	struct timespec dl;
	int64_t at;
	void *ret;
	bool a_ok;

	sem_setup(&s, k, 2, 0, 0);
	at = now_ns() + 2000000 + rnd(rng) % 3000000;
	dl.tv_sec = at / NS;
	dl.tv_nsec = at % NS;
	sleeper_start(&a, &s, k, cancel ? F_WAIT : F_CLOCK_MONO, &dl);
	if (cancel)
		sleeper_wait_blocked(&a);
	else
		(void)sleeper_blocked_by(&a, at);
	sleeper_start(&b, &s, k, F_WAIT, NULL);
	sleeper_wait_blocked(&b);
	if (cancel) {
		/* Cancel, wait, give; or give, wait, cancel. */
		bool cancel_first = rnd(rng) & 1;
		int how = (int)(rnd(rng) & 1);

		at = now_ns() + rnd(rng) % 100000;
		if (cancel_first)
			assert_int_equal(pthread_cancel(a.th), 0);
		else
			assert_int_equal(give(&s, k, how), 0);
		while (now_ns() < at)
			;
		if (cancel_first)
			assert_int_equal(give(&s, k, how), 0);
		else
			assert_int_equal(pthread_cancel(a.th), 0);
	} else {
		at += (int64_t)(rnd(rng) % 600000) - 300000;
		while (now_ns() < at)
			;
		assert_int_equal(give(&s, k, (int)(rnd(rng) & 1)), 0);
	}
	if (!join_within(a.th, JOIN_NS, &ret))
		fail_msg("%s: %s waiter A never returned", name, kind_name[k]);
	/*
	 * Whether A's take returned, not how A's thread ended, says if it
	 * holds the permit: a cancel request that arrives after the take
	 * (as under ThreadSanitizer, which delays signals) can still mark
	 * the thread's exit as PTHREAD_CANCELED.
	 */
	(void)ret;
	a_ok = atomic_load(&a.done) && a.err == 0;
	if (atomic_load(&a.done) && a.err != 0 && a.err != ETIMEDOUT)
		fail_msg("%s: %s waiter A: %s", name, kind_name[k],
			 strerror(a.err));
	if (a_ok) {
		*a_took += 1;
		assert_int_equal(give(&s, k, 0), 0);
	}
	sleeper_join_ok(&b, name);	/* A left: the permit is B's */
	assert_int_equal(sem_free(&s, k), 0);
	assert_int_equal(sem_destroy(&s, k), 0);
}

static void bugs_go_43a5402_chosen_waiter_leaves(void **state)
{
	const char *name = "bugs_go_43a5402_chosen_waiter_leaves";
	uint64_t rng = rng_for(test_seed(name), 0);
	int64_t end;
	long rounds, took;
	int k, cancel;

	(void)state;
	for (k = 0; k < K_NR; k++) {
		for (cancel = 0; cancel < 2; cancel++) {
			end = now_ns() + test_duration_ms(150) * MS;
			rounds = took = 0;
			while (rounds < 10 || now_ns() < end) {
				go_round(name, k, cancel, &rng, &took);
				rounds++;
			}
			print_message("[ %s ] %s, %s: A took %ld of %ld\n",
				      name, kind_name[k],
				      cancel ? "cancel" : "timeout", took,
				      rounds);
		}
	}
}

/* ---- 6. JDK-6801020: concurrent releases lost a signal ---------------- */

/*
 * AQS shared release lost wake-ups when releases raced (fixed with the
 * PROPAGATE state). Each round parks 16 waiters, then 8 threads released
 * together give two permits each; all 16 must return, nothing is left.
 */
struct jdk_giver {
	struct sem *s;
	enum kind k;
	_Atomic bool *go;
	uint64_t rng;
	int err;
	pthread_t th;
};

static void *jdk_giver_fn(void *arg)
{
	struct jdk_giver *g = arg;
	int i;

	while (!atomic_load(g->go))
		sched_yield();
	for (i = 0; i < 2 && !g->err; i++) {
		int how = (int)(rnd(&g->rng) % 3);

		/* A bounded give may find no room for an instant: blocked
		 * takers of the barging protocol hold nothing until they
		 * run. Only a give that succeeds releases a sleeper. */
		while ((g->err = give(g->s, g->k, how)) != 0 &&
		       give_may_fail(g->k, how, g->err))
			sched_yield();
	}
	return NULL;
}

static void bugs_jdk_6801020_concurrent_posts_many_waiters(void **state)
{
	const char *name = "bugs_jdk_6801020_concurrent_posts_many_waiters";
	static struct sem s;		/* static: a stuck thread keeps it */
	static struct sleeper p[16];
	static struct jdk_giver g[8];
	unsigned int seed = test_seed(name);
	static _Atomic bool go;
	int64_t end;
	long rounds;
	int k, i;

	(void)state;
	for (k = 0; k < K_NR; k++) {
		end = now_ns() + test_duration_ms(200) * MS;
		for (rounds = 0; rounds < 3 || now_ns() < end; rounds++) {
			sem_setup(&s, k, 2, 0, 0);
			atomic_store(&go, false);
			for (i = 0; i < 16; i++)
				sleeper_start(&p[i], &s, k, F_WAIT, NULL);
			for (i = 0; i < 8; i++) {
				g[i] = (struct jdk_giver){ .s = &s, .k = k,
					.go = &go,
					.rng = rng_for(seed, (int)rounds * 8 + i) };
				assert_int_equal(pthread_create(&g[i].th, NULL,
						jdk_giver_fn, &g[i]), 0);
			}
			for (i = 0; i < 16; i++)
				sleeper_wait_blocked(&p[i]);
			atomic_store(&go, true);
			for (i = 0; i < 8; i++) {
				join_or_fail(g[i].th, NULL, "a giver");
				assert_int_equal(g[i].err, 0);
			}
			for (i = 0; i < 16; i++)
				sleeper_join_ok(&p[i], name);
			assert_int_equal(sem_free(&s, k), 0);
			assert_int_equal(sem_destroy(&s, k), 0);
		}
		print_message("[ %s ] %s: %ld rounds of 16\n", name,
			      kind_name[k], rounds);
	}
}

/* ---- 11. folly 419999272: timeout, then wait again at once ------------ */

/*
 * A baton wait that timed out and waited again at once consumed the same
 * post twice. One thread takes with deadlines 0-20 us ahead (many time out)
 * and retries at once, alternating flavours, while another gives at random
 * moments; taken never exceeds given (checked after every take: "given" is
 * counted before a give), and at the end given = taken + free exactly.
 */
struct folly {
	struct sem s;
	enum kind k;
	int64_t end;
	struct verdict v;
	_Atomic long given, taken, timeouts;
	uint64_t rng[2];
};

static void *folly_taker(void *arg)
{
	struct folly *fo = arg;
	long taken, given;
	enum flavour f;
	int err;

	while (!atomic_load(&fo->v.stop)) {
		f = (enum flavour)(1 + rnd(&fo->rng[0]) % (F_NR - 1));
		err = take_in(&fo->s, fo->k, f, rnd(&fo->rng[0]) % 20000);
		if (err == ETIMEDOUT && f != F_TRY) {
			atomic_fetch_add(&fo->timeouts, 1);
			continue;
		}
		if (err == EAGAIN && f == F_TRY)
			continue;
		if (err) {
			flunk(&fo->v, "take: %s", strerror(err));
			break;
		}
		taken = atomic_fetch_add(&fo->taken, 1) + 1;
		given = atomic_load(&fo->given);
		if (taken > given)
			flunk(&fo->v, "taken %ld > given %ld", taken, given);
	}
	return NULL;
}

static void *folly_giver(void *arg)
{
	struct folly *fo = arg;
	volatile unsigned int i, n;
	int err, how;

	while (now_ns() < fo->end && !atomic_load(&fo->v.stop)) {
		n = rnd(&fo->rng[1]) % 200000;	/* 0-100 us or so */
		for (i = 0; i < n; i++)
			;
		how = (int)(rnd(&fo->rng[1]) & 1);
		atomic_fetch_add(&fo->given, 1);
		err = give(&fo->s, fo->k, how);
		if (err)
			atomic_fetch_sub(&fo->given, 1);
		if (err && !give_may_fail(fo->k, how, err))
			flunk(&fo->v, "give: %s", strerror(err));
	}
	return NULL;
}

static void bugs_folly_419999272_timeout_then_wait_again(void **state)
{
	const char *name = "bugs_folly_419999272_timeout_then_wait_again";
	unsigned int seed = test_seed(name);
	struct folly *fo;
	pthread_t t, g;
	int k;

	(void)state;
	for (k = 0; k < K_NR; k++) {
		fo = calloc(1, sizeof(*fo));
		assert_non_null(fo);
		fo->k = k;
		fo->rng[0] = rng_for(seed, 2 * k);
		fo->rng[1] = rng_for(seed, 2 * k + 1);
		sem_setup(&fo->s, k, 4, 0, 0);
		fo->end = now_ns() + test_duration_ms(250) * MS;
		assert_int_equal(pthread_create(&t, NULL, folly_taker, fo), 0);
		assert_int_equal(pthread_create(&g, NULL, folly_giver, fo), 0);
		join_or_fail(g, NULL, "the giver");
		atomic_store(&fo->v.stop, true);
		join_or_fail(t, NULL, "the taker");
		verdict_check(&fo->v, name, seed, 2);
		assert_int_equal(atomic_load(&fo->taken) + sem_free(&fo->s, k),
				 atomic_load(&fo->given));
		assert_int_equal(sem_destroy(&fo->s, k), 0);
		print_message("[ %s ] %s: %ld taken, %ld timed out\n", name,
			      kind_name[k], atomic_load(&fo->taken),
			      atomic_load(&fo->timeouts));
		free(fo);
	}
}

/* ---- 13. glibc tst-sem11 / tst-sem13: nothing left behind ------------- */

/*
 * After a cancelled or timed-out wait, glibc's waiter count must be back to
 * 0, or every later post pays a wake system call. This file does not count
 * system calls (test_cancel and test_wake_policy do, through the seam); it
 * checks what a leftover would break: the next give must free a permit
 * rather than pay a ghost's debt, and destroy must not see a blocked
 * thread.
 */
static void after_leaving(struct sem *s, enum kind k, const char *how)
{
	if (sem_free(s, k) != 0)
		fail_msg("%s after %s: %d free", kind_name[k], how,
			 sem_free(s, k));
	assert_int_equal(give(s, k, 0), 0);
	if (sem_free(s, k) != 1)
		fail_msg("%s after %s: a give freed no permit (a ghost "
			 "debtor took it)", kind_name[k], how);
	assert_int_equal(take(s, k, F_TRY, NULL), 0);
	if (sem_destroy(s, k) != 0)
		fail_msg("%s after %s: destroy: %s", kind_name[k], how,
			 strerror(errno));
}

static void bugs_glibc_tst_sem11_13_cancel_timeout_leave_nothing(void **st)
{
	static struct sem s;
	static struct sleeper p;
	struct timespec far;
	int64_t t0;
	void *ret;
	int k, f, i;

	(void)st;
	for (k = 0; k < K_NR; k++) {
		for (f = F_TIMED; f <= F_CLOCK_MONO; f++) {
			sem_setup(&s, k, 2, 0, 0);
			t0 = now_ns();
			assert_int_equal(take_in(&s, k, f, 30 * MS), ETIMEDOUT);
			/* Far past the spin: it slept in the kernel. */
			assert_true(now_ns() - t0 >= 30 * MS);
			after_leaving(&s, k, "a timeout");
		}
		for (i = 0; i < 2; i++) {
			f = i ? F_CLOCK_MONO : F_WAIT;
			sem_setup(&s, k, 2, 0, 0);
			far = test_deadline(CLOCK_MONOTONIC, 60 * NS);
			sleeper_start(&p, &s, k, f, &far);
			sleeper_wait_blocked(&p);
			assert_int_equal(pthread_cancel(p.th), 0);
			join_or_fail(p.th, &ret, "a cancelled waiter");
			assert_true(ret == PTHREAD_CANCELED);
			after_leaving(&s, k, "a cancel");
		}
	}
}

/* ---- 15. glibc tst-sem17: bad clocks and deadlines -------------------- */

/*
 * A bad clock or tv_nsec gives EINVAL, even with a permit free, and takes
 * nothing; a negative tv_sec is a deadline long past: ETIMEDOUT with no
 * permit free, the permit when one is (as glibc 2.36, measured).
 */
struct guarded {
	struct sem *s;
	enum kind k;
	enum flavour f;
	clockid_t clock;
	struct timespec ts;
	int err;
};

static void *guarded_fn(void *arg)
{
	struct guarded *g = arg;

	g->err = take_on(g->s, g->k, g->f, g->clock, &g->ts);
	return NULL;
}

/*
 * take_on() in a thread that must answer within JOIN_NS: a wait that
 * passed a bad deadline to the kernel would loop or block instead.
 */
static int take_guarded(struct sem *s, enum kind k, enum flavour f,
			clockid_t clock, const struct timespec *ts)
{
	static struct guarded g;	/* static: a stuck thread keeps it */
	pthread_t th;

	g = (struct guarded){ s, k, f, clock, *ts, 0 };
	assert_int_equal(pthread_create(&th, NULL, guarded_fn, &g), 0);
	if (!join_within(th, JOIN_NS, NULL))
		fail_msg("%s: clock %d, deadline {%lld, %ld}: no answer in "
			 "%lld s", kind_name[k], (int)clock,
			 (long long)ts->tv_sec, (long)ts->tv_nsec,
			 JOIN_NS / NS);
	return g.err;
}

static void bugs_glibc_tst_sem17_bad_clock_and_deadline(void **state)
{
	static const clockid_t bad_clocks[] = {
		CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
		CLOCK_BOOTTIME, CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE,
		CLOCK_TAI, 99, -1,
	};
	static const long bad_nsec[] = { -1, 1000000000, LONG_MIN, LONG_MAX };
	static const time_t past[] = { -1, INT64_MIN, 0 };
	static struct sem s;
	struct timespec ts;
	unsigned int avail, i;
	int k, f;

	(void)state;
	for (k = 0; k < K_NR; k++) {
		for (avail = 0; avail <= 1; avail++) {
			sem_setup(&s, k, 2, avail, 0);
			ts = test_deadline(CLOCK_MONOTONIC, NS);
			for (i = 0; i < sizeof(bad_clocks) / sizeof(*bad_clocks);
			     i++) {
				assert_int_equal(take_guarded(&s, k,
					F_CLOCK_MONO, bad_clocks[i], &ts),
					EINVAL);
				assert_int_equal(sem_free(&s, k), avail);
			}
			for (f = F_TIMED; f <= F_CLOCK_REAL; f++)
				for (i = 0; i < 4; i++) {
					ts = test_deadline(flavour_clock(f), NS);
					ts.tv_nsec = bad_nsec[i];
					assert_int_equal(take_guarded(&s, k, f,
						flavour_clock(f), &ts), EINVAL);
					ts.tv_sec = -1;
					assert_int_equal(take_guarded(&s, k, f,
						flavour_clock(f), &ts), EINVAL);
					assert_int_equal(sem_free(&s, k), avail);
				}
			for (f = F_TIMED; f <= F_CLOCK_REAL; f++)
				for (i = 0; i < 3; i++) {
					ts.tv_sec = past[i];
					ts.tv_nsec = 0;
					assert_int_equal(take_guarded(&s, k, f,
						flavour_clock(f), &ts),
						avail ? 0 : ETIMEDOUT);
					assert_int_equal(sem_free(&s, k), 0);
					if (avail)
						assert_int_equal(give(&s, k, 0),
								 0);
				}
			assert_int_equal(sem_free(&s, k), avail);
			assert_int_equal(sem_destroy(&s, k), 0);
		}
	}
}

/* ---- 16. glibc aa69f19a: a deadline too far for the kernel ------------ */

/*
 * The futex call may answer EOVERFLOW (or EINVAL) for a deadline past what
 * it can represent; a wait that does not expect it fails or spins. A
 * deadline of tv_sec = INT64_MAX must block, asleep in the kernel, until a
 * permit is given.
 */
static void bugs_glibc_aa69f19a_far_deadline_blocks(void **state)
{
	static struct sem s;
	static struct sleeper p;
	static const time_t secs[] = {
		INT64_MAX, INT64_MAX / 1000000000 + 1, (time_t)1 << 40,
	};
	struct timespec ts;
	unsigned int i;
	int k, f;

	(void)state;
	for (k = 0; k < K_NR; k++) {
		sem_setup(&s, k, 2, 0, 0);
		for (f = F_TIMED; f <= F_CLOCK_REAL; f++)
			for (i = 0; i < 3; i++) {
				ts.tv_sec = secs[i];
				ts.tv_nsec = i == 0 ? 999999999 : 0;
				sleeper_start(&p, &s, k, f, &ts);
				if (!sleeper_blocked_by(&p, now_ns() + 10 * NS))
					fail_msg("%s, flavour %d, tv_sec %lld: "
						 "returned %s instead of "
						 "blocking", kind_name[k], f,
						 (long long)secs[i],
						 strerror(p.err));
				assert_false(atomic_load(&p.done));
				assert_int_equal(give(&s, k, 0), 0);
				sleeper_join_ok(&p, "far deadline");
				assert_int_equal(sem_free(&s, k), 0);
			}
		assert_int_equal(sem_destroy(&s, k), 0);
	}
}

/* ---- 19. glibc BZ 14532 (tst-sem14): post must be a release ----------- */

/*
 * sem_post's CAS had acquire instead of release semantics. The glibc test:
 * 10 threads loop wait / ++c / post with c a plain int; the final c must
 * equal the number of rounds. Any flavour may take; bounded: a one-permit
 * lock, acquire / ++c / release. (ThreadSanitizer also reports c as a race
 * if the hand-over does not order it.)
 */
struct sem14;

struct sem14_thread {
	struct sem14 *m;
	long rounds;
	uint64_t rng;
	pthread_t th;
};

struct sem14 {
	struct sem s;
	enum kind k;
	long c;
	int64_t end;
	struct verdict v;
	struct sem14_thread t[10];
};

static void *sem14_thread(void *arg)
{
	struct sem14_thread *t = arg;
	struct sem14 *m = t->m;
	int err;

	while (now_ns() < m->end && !atomic_load(&m->v.stop)) {
		err = take_retry(&m->s, m->k, &t->rng);
		if (err) {
			flunk(&m->v, "take: %s", strerror(err));
			break;
		}
		m->c++;
		t->rounds++;
		err = give(&m->s, m->k, (int)(rnd(&t->rng) % 3));
		if (err)
			flunk(&m->v, "give: %s", strerror(err));
	}
	return NULL;
}

static void bugs_glibc_tst_sem14_post_orders_memory(void **state)
{
	const char *name = "bugs_glibc_tst_sem14_post_orders_memory";
	unsigned int seed = test_seed(name);
	struct sem14 *m;
	long total;
	int k, i;

	(void)state;
	for (k = 0; k < 2; k++) {	/* counting, bounded acquire */
		m = calloc(1, sizeof(*m));
		assert_non_null(m);
		m->k = k;
		sem_setup(&m->s, k, 1, 1, 0);
		m->end = now_ns() + test_duration_ms(600) * MS;
		for (i = 0; i < 10; i++) {
			m->t[i].m = m;
			m->t[i].rng = rng_for(seed, i);
			assert_int_equal(pthread_create(&m->t[i].th, NULL,
						sem14_thread, &m->t[i]), 0);
		}
		for (i = 0; i < 10; i++)
			if (!join_within(m->t[i].th,
					 m->end - now_ns() + JOIN_NS, NULL))
				fail_msg("%s: %s: a thread never finished "
					 "(seed %u, 10 threads)", name,
					 kind_name[k], seed);
		verdict_check(&m->v, name, seed, 10);
		for (total = 0, i = 0; i < 10; i++)
			total += m->t[i].rounds;
		assert_int_equal(m->c, total);
		assert_int_equal(sem_free(&m->s, k), 1);
		assert_int_equal(sem_destroy(&m->s, k), 0);
		print_message("[ %s ] %s: %ld rounds\n", name, kind_name[k],
			      total);
		free(m);
	}
}

/* ---- 20. glibc BZ 18434 (tst-sem15): EOVERFLOW at the maximum --------- */

/*
 * The EOVERFLOW check was wrong in one layout. Post up to FSEM_VALUE_MAX;
 * the next post, and any post_n that would pass it, fails with EOVERFLOW
 * and adds nothing. Then 8 threads race 50 posts each at 100 below the
 * maximum: the count never passes it, and a failure only happens within
 * the racing posts of it (see "Limits" in handoff.c), so the final count
 * is start + successes and at least FSEM_VALUE_MAX - 7.
 */
struct ovf {
	fsem_t *sem;
	long ok, bad;
	pthread_t th;
};

static void *ovf_poster(void *arg)
{
	struct ovf *o = arg;
	int i;

	for (i = 0; i < 50; i++) {
		if (fsem_post(o->sem) == 0)
			o->ok++;
		else if (errno != EOVERFLOW)
			o->bad++;
	}
	return NULL;
}

static void bugs_glibc_tst_sem15_post_overflow(void **state)
{
	struct ovf o[8];
	long ok = 0;
	fsem_t s;
	int v, i;

	(void)state;
	assert_int_equal(fsem_init(&s, 0, FSEM_VALUE_MAX - 2), 0);
	assert_int_equal(fsem_post(&s), 0);
	assert_int_equal(fsem_post_n(&s, 1), 0);
	assert_int_equal(fsem_getvalue(&s, &v), 0);
	assert_int_equal(v, FSEM_VALUE_MAX);
	errno = 0;
	assert_int_equal(fsem_post(&s), -1);
	assert_int_equal(errno, EOVERFLOW);
	errno = 0;
	assert_int_equal(fsem_post_n(&s, 1), -1);
	assert_int_equal(errno, EOVERFLOW);
	assert_int_equal(fsem_post_n(&s, 0), 0);
	assert_int_equal(fsem_getvalue(&s, &v), 0);
	assert_int_equal(v, FSEM_VALUE_MAX);
	assert_int_equal(fsem_trywait(&s), 0);
	errno = 0;
	assert_int_equal(fsem_post_n(&s, 2), -1);
	assert_int_equal(errno, EOVERFLOW);
	assert_int_equal(fsem_getvalue(&s, &v), 0);
	assert_int_equal(v, FSEM_VALUE_MAX - 1);
	assert_int_equal(fsem_post(&s), 0);
	assert_int_equal(fsem_getvalue(&s, &v), 0);
	assert_int_equal(v, FSEM_VALUE_MAX);
	assert_int_equal(fsem_destroy(&s), 0);

	assert_int_equal(fsem_init(&s, 0, FSEM_VALUE_MAX - 100), 0);
	for (i = 0; i < 8; i++) {
		o[i] = (struct ovf){ .sem = &s };
		assert_int_equal(pthread_create(&o[i].th, NULL, ovf_poster,
						&o[i]), 0);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(o[i].th, NULL);
		assert_int_equal(o[i].bad, 0);
		ok += o[i].ok;
	}
	assert_int_equal(fsem_getvalue(&s, &v), 0);
	assert_int_equal(v, FSEM_VALUE_MAX - 100 + ok);
	assert_true(ok <= 100);
	assert_true(v >= FSEM_VALUE_MAX - 7);
	assert_int_equal(fsem_destroy(&s), 0);
}

/* ---- 21. folly / libstdc++ / Java: behaviour at the maximum ----------- */

/*
 * folly saturates, libstdc++ has undefined behaviour, Java throws. fsem's
 * bounded type takes up to FSEM_BOUNDED_MAX permits; both counters stop at
 * their edges: tryacquire says EAGAIN when all are out, tryrelease when
 * none is, and neither edge moves the count.
 */
static void bugs_bounded_edges_at_the_maximum(void **state)
{
	static const unsigned int ns[] = { FSEM_BOUNDED_MAX, 1, 3 };
	fsem_bounded_t b;
	struct timespec past = { 0, 0 };
	struct timespec soon;
	unsigned int i, j;
	int v;

	(void)state;
	errno = 0;
	assert_int_equal(fsem_bounded_init(&b, 0, FSEM_BOUNDED_MAX + 1u), -1);
	assert_int_equal(errno, EINVAL);
	for (i = 0; i < 3; i++) {
		unsigned int n = ns[i], out = n < 3 ? n : 3;

		assert_int_equal(fsem_bounded_init(&b, 0, n), 0);
		assert_int_equal(fsem_bounded_getvalue(&b, &v), 0);
		assert_int_equal(v, n);
		/* Empty edge: nothing to release. */
		errno = 0;
		assert_int_equal(fsem_bounded_tryrelease(&b), -1);
		assert_int_equal(errno, EAGAIN);
		assert_int_equal(fsem_bounded_timedrelease(&b, &past), -1);
		assert_int_equal(errno, ETIMEDOUT);
		soon = test_deadline(CLOCK_MONOTONIC, MS);
		assert_int_equal(fsem_bounded_clockrelease(&b, CLOCK_MONOTONIC,
							   &soon), -1);
		assert_int_equal(errno, ETIMEDOUT);
		assert_int_equal(fsem_bounded_given_out(&b, &v), 0);
		assert_int_equal(v, 0);
		for (j = 0; j < out; j++)
			assert_int_equal(fsem_bounded_tryacquire(&b), 0);
		assert_int_equal(fsem_bounded_getvalue(&b, &v), 0);
		assert_int_equal(v, n - out);
		assert_int_equal(fsem_bounded_given_out(&b, &v), 0);
		assert_int_equal(v, out);
		if (out == n) {
			/* Full edge: nothing to acquire. */
			errno = 0;
			assert_int_equal(fsem_bounded_tryacquire(&b), -1);
			assert_int_equal(errno, EAGAIN);
			assert_int_equal(fsem_bounded_timedacquire(&b, &past),
					 -1);
			assert_int_equal(errno, ETIMEDOUT);
			soon = test_deadline(CLOCK_MONOTONIC, MS);
			assert_int_equal(fsem_bounded_clockacquire(&b,
					CLOCK_MONOTONIC, &soon), -1);
			assert_int_equal(errno, ETIMEDOUT);
			assert_int_equal(fsem_bounded_given_out(&b, &v), 0);
			assert_int_equal(v, n);
		}
		assert_int_equal(fsem_bounded_release(&b), 0);
		for (j = 1; j < out; j++)
			assert_int_equal(fsem_bounded_tryrelease(&b), 0);
		errno = 0;
		assert_int_equal(fsem_bounded_tryrelease(&b), -1);
		assert_int_equal(errno, EAGAIN);
		assert_int_equal(fsem_bounded_getvalue(&b, &v), 0);
		assert_int_equal(v, n);
		assert_int_equal(fsem_bounded_destroy(&b), 0);
	}
}

/* ---- 23, 26. thundering herd: one give, one thread through ------------ */

/*
 * libstdc++ woke every waiter on 0 -> n, .NET's SemaphoreSlim pulsed all.
 * 32 threads sleep; each give must let exactly one through and wake
 * nobody else: after every give, once the one has passed and the others
 * are seen asleep again, no other thread's count of voluntary context
 * switches has moved (a thread woken for nothing would have slept again,
 * adding one).
 */
#define HERD 32

static long voluntary_switches(pid_t tid)
{
	char path[64], line[128];
	long n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", (int)tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "voluntary_ctxt_switches: %ld", &n) == 1)
			break;
	fclose(f);
	return n;
}

static void bugs_thundering_herd_one_give_one_thread(void **state)
{
	static struct sem s;
	static struct sleeper p[HERD];
	long before[HERD], now;
	bool waiting[HERD];
	int64_t guard;
	int k, i, j, passed, who;

	(void)state;
	for (k = 0; k < K_NR; k++) {
		sem_setup(&s, k, 2, 0, 0);
		for (i = 0; i < HERD; i++)
			sleeper_start(&p[i], &s, k, F_WAIT, NULL);
		for (i = 0; i < HERD; i++)
			sleeper_wait_blocked(&p[i]);
		for (j = 0; j < HERD; j++) {
			for (i = 0; i < HERD; i++) {
				waiting[i] = !atomic_load(&p[i].done);
				before[i] = voluntary_switches(
						test_tid_get(&p[i].tid));
			}
			assert_int_equal(give(&s, k, j % 3), 0);
			guard = now_ns() + JOIN_NS;
			do {
				if (now_ns() > guard)
					fail_msg("%s: give %d let nobody "
						 "through", kind_name[k], j);
				sched_yield();
				for (passed = 0, who = 0, i = 0; i < HERD;
				     i++)
					if (waiting[i] &&
					    atomic_load(&p[i].done))
						passed++, who = i;
			} while (passed == 0);
			assert_int_equal(passed, 1);
			test_acquire(&p[who].done);
			assert_int_equal(p[who].err, 0);
			for (i = 0; i < HERD; i++) {
				if (atomic_load(&p[i].done))
					continue;
				sleeper_wait_blocked(&p[i]);
				now = voluntary_switches(
						test_tid_get(&p[i].tid));
				if (now != before[i])
					fail_msg("%s: give %d woke waiter %d "
						 "for nothing (%ld -> %ld "
						 "switches)", kind_name[k], j,
						 i, before[i], now);
			}
		}
		for (i = 0; i < HERD; i++)
			sleeper_join_ok(&p[i], "herd");
		assert_int_equal(sem_free(&s, k), 0);
		assert_int_equal(sem_destroy(&s, k), 0);
	}
}

/* ---- 25. priority: a SCHED_FIFO waiter must not starve its poster ----- */

/*
 * Semaphores have no owner, so priority inheritance cannot help; a waiter
 * that spins without bound at real-time priority starves a normal poster
 * on the same CPU forever (folly WaitOptions). A SCHED_FIFO waiter and a
 * SCHED_OTHER giver share one CPU for 2000 hand-overs, each give waiting
 * for the previous take. A spin that did not end would let the giver run
 * only when real-time throttling (5% of each second) allows: about one
 * hand-over a second, so 2000 of them could not finish within 20 s.
 */
struct rt {
	struct sem s;
	enum kind k;
	_Atomic long taken;
	int64_t deadline;
	int err;
};

#define RT_ROUNDS 2000

static void *rt_waiter(void *arg)
{
	struct rt *rt = arg;
	int i;

	for (i = 0; i < RT_ROUNDS && !rt->err; i++) {
		rt->err = take(&rt->s, rt->k, F_WAIT, NULL);
		atomic_fetch_add(&rt->taken, 1);
	}
	return NULL;
}

static void *rt_giver(void *arg)
{
	struct rt *rt = arg;
	long i;

	for (i = 0; i < RT_ROUNDS; i++) {
		while (atomic_load(&rt->taken) < i)
			if (now_ns() > rt->deadline)
				return NULL;
		if (give(&rt->s, rt->k, 0) != 0)
			return NULL;
	}
	return NULL;
}

static void bugs_sched_fifo_waiter_does_not_starve_poster(void **state)
{
	static struct rt rt;		/* static: a stuck thread keeps it */
	struct sched_param prio = { .sched_priority = 1 };
	pthread_attr_t fifo, other;
	pthread_t w, g;
	int64_t t0;
	int k, err, cpu = first_cpu();

	(void)state;
	for (k = 0; k < 2; k++) {	/* counting, bounded acquire */
		memset(&rt, 0, sizeof(rt));
		rt.k = k;
		sem_setup(&rt.s, k, 1, 0, 0);
		assert_int_equal(pthread_attr_init(&fifo), 0);
		assert_int_equal(pthread_attr_init(&other), 0);
		attr_pin(&fifo, cpu);
		attr_pin(&other, cpu);
		assert_int_equal(pthread_attr_setinheritsched(&fifo,
					PTHREAD_EXPLICIT_SCHED), 0);
		assert_int_equal(pthread_attr_setschedpolicy(&fifo, SCHED_FIFO),
				 0);
		assert_int_equal(pthread_attr_setschedparam(&fifo, &prio), 0);
		t0 = now_ns();
		rt.deadline = t0 + 20 * NS;
		err = pthread_create(&w, &fifo, rt_waiter, &rt);
		pthread_attr_destroy(&fifo);
		if (err == EPERM) {
			pthread_attr_destroy(&other);
			print_message("[ bugs_sched_fifo ] SCHED_FIFO not "
				      "permitted here (needs CAP_SYS_NICE or "
				      "an RLIMIT_RTPRIO): skipped\n");
			skip();
		}
		assert_int_equal(err, 0);
		assert_int_equal(pthread_create(&g, &other, rt_giver, &rt), 0);
		pthread_attr_destroy(&other);
		if (!join_within(w, 25 * NS, NULL))
			fail_msg("%s: the SCHED_FIFO waiter took %ld of %d "
				 "permits in 25 s: it starves its giver",
				 kind_name[k], atomic_load(&rt.taken),
				 RT_ROUNDS);
		pthread_join(g, NULL);
		assert_int_equal(rt.err, 0);
		assert_int_equal(atomic_load(&rt.taken), RT_ROUNDS);
		assert_int_equal(sem_free(&rt.s, k), 0);
		assert_int_equal(sem_destroy(&rt.s, k), 0);
		print_message("[ bugs_sched_fifo ] %s: %d hand-overs on CPU %d "
			      "in %lld ms\n", kind_name[k], RT_ROUNDS, cpu,
			      (long long)((now_ns() - t0) / MS));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bugs_libstdcxx_pr104928_morris_mutex),
		cmocka_unit_test(
			bugs_libstdcxx_pr104928_ten_producers_ten_consumers),
		cmocka_unit_test(bugs_libcxx_46357_two_posts_wake_two_sleepers),
		cmocka_unit_test(bugs_musl_159d1f6c_post_trywait_storm),
		cmocka_unit_test(bugs_musl_882aedf6_signal_storm_at_posters),
		cmocka_unit_test(bugs_musl_882aedf6_shared_mapped_twice),
		cmocka_unit_test(bugs_go_43a5402_chosen_waiter_leaves),
		cmocka_unit_test(
			bugs_jdk_6801020_concurrent_posts_many_waiters),
		cmocka_unit_test(bugs_folly_419999272_timeout_then_wait_again),
		cmocka_unit_test(
			bugs_glibc_tst_sem11_13_cancel_timeout_leave_nothing),
		cmocka_unit_test(bugs_glibc_tst_sem17_bad_clock_and_deadline),
		cmocka_unit_test(bugs_glibc_aa69f19a_far_deadline_blocks),
		cmocka_unit_test(bugs_glibc_tst_sem14_post_orders_memory),
		cmocka_unit_test(bugs_glibc_tst_sem15_post_overflow),
		cmocka_unit_test(bugs_bounded_edges_at_the_maximum),
		cmocka_unit_test(bugs_thundering_herd_one_give_one_thread),
		cmocka_unit_test(
			bugs_sched_fifo_waiter_does_not_starve_poster),
	};

	return cmocka_run_group_tests_name("bugs", tests, NULL, NULL);
}
