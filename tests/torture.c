/* SPDX-License-Identifier: MIT */
/*
 * torture.c - every operation of both types at random, from many threads,
 * while other threads send signals (EINTR paths, and handlers that post),
 * cancel blocked waiters, and deadlines run out. Checked all the time:
 * the counting value is never negative and 0 <= given_out <= N; a watchdog
 * fails the run if a thread stays in an untimed wait while a permit it
 * could take is free. At the end every permit is accounted for exactly.
 *
 *   torture [-d SECONDS] [-s SEED] [-t THREADS] [-p PROCESSES]
 *
 * With -p, that many processes run the workers on FSEM_SHARED semaphores
 * in MAP_SHARED memory. The seed is printed; the same seed replays the
 * same choices (not the same interleaving).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fsem.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_WORKERS	64
#define PERMITS		4
#define WATCH_NS	(2 * 1000000000LL)	/* asleep with a permit free */

enum state { IDLE, IN_WAIT, IN_ACQUIRE, IN_RELEASE };

struct worker {
	_Atomic int state;		/* an untimed blocking call, or IDLE */
	_Atomic long long since;	/* when that call started */
	_Atomic bool alive;
	pthread_t th;
	uint64_t rng;
};

/* Everything the processes share (one copy in MAP_SHARED memory). */
struct arena {
	fsem_t c;
	fsem_bounded_t b;
	_Atomic long long took, gave;		/* counting successes */
	_Atomic long long acq, rel;		/* bounded successes */
	_Atomic long long ops, eintr, timeouts, cancels, handler_posts;
	_Atomic bool stop, failed;
	char why[256];
};

static struct arena *A;
static struct worker W[MAX_WORKERS];
static int nworkers;
static _Atomic bool sig_stop;
static bool no_cancels;	/* -p: handlers may post */

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void fail(const char *fmt, long long a, long long b)
{
	bool no = false;

	if (atomic_compare_exchange_strong(&A->failed, &no, true))
		snprintf(A->why, sizeof(A->why), fmt, a, b);
	A->stop = true;
}

static struct timespec soon(clockid_t c, uint64_t *r)
{
	struct timespec ts;
	long long t;

	clock_gettime(c, &ts);
	t = ts.tv_sec * 1000000000LL + ts.tv_nsec + (long long)(rnd(r) % 2000000);
	ts.tv_sec = t / 1000000000LL;
	ts.tv_nsec = t % 1000000000LL;
	return ts;
}

/* Account for a timed or interrupted call: success, or a known error. */
static bool ok(int ret, const char *what)
{
	if (ret == 0)
		return true;
	if (errno == EINTR)
		A->eintr++;
	else if (errno == ETIMEDOUT || errno == EAGAIN)
		A->timeouts++;
	else
		fail("unexpected errno %lld from an operation (%lld)",
		     errno, (long long)(intptr_t)what);
	return false;
}

static void untimed(struct worker *w, enum state st)
{
	w->since = now_ns();
	w->state = st;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct timespec ts;
	int old;

	while (!A->stop) {
		uint64_t op = rnd(&w->rng) % 16;

		A->ops++;
		switch (op) {
		case 0: case 1:	/* untimed wait: a cancellation point */
			untimed(w, IN_WAIT);
			if (ok(fsem_wait(&A->c), "wait"))
				A->took++;
			w->state = IDLE;
			break;
		case 2:
			if (ok(fsem_trywait(&A->c), "trywait"))
				A->took++;
			break;
		case 3:
			ts = soon(CLOCK_REALTIME, &w->rng);
			if (ok(fsem_timedwait(&A->c, &ts), "timedwait"))
				A->took++;
			break;
		case 4:
			ts = soon(CLOCK_MONOTONIC, &w->rng);
			if (ok(fsem_clockwait(&A->c, CLOCK_MONOTONIC, &ts),
			       "clockwait"))
				A->took++;
			break;
		case 5: case 6:
			if (ok(fsem_post(&A->c), "post"))
				A->gave++;
			break;
		case 7: {
			unsigned int n = 1 + (unsigned int)(rnd(&w->rng) % 3);

			if (ok(fsem_post_n(&A->c, n), "post_n"))
				A->gave += n;
			break;
		}
		case 8:	/* untimed acquire */
			pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
			untimed(w, IN_ACQUIRE);
			if (ok(fsem_bounded_acquire(&A->b), "acquire"))
				A->acq++;
			w->state = IDLE;
			pthread_setcancelstate(old, NULL);
			break;
		case 9:
			if (ok(fsem_bounded_tryacquire(&A->b), "tryacquire"))
				A->acq++;
			break;
		case 10:
			pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
			ts = soon(CLOCK_REALTIME, &w->rng);
			if (ok(fsem_bounded_timedacquire(&A->b, &ts), "tacq"))
				A->acq++;
			pthread_setcancelstate(old, NULL);
			break;
		case 11:
			pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
			untimed(w, IN_RELEASE);
			if (ok(fsem_bounded_release(&A->b), "release"))
				A->rel++;
			w->state = IDLE;
			pthread_setcancelstate(old, NULL);
			break;
		case 12:
			if (ok(fsem_bounded_tryrelease(&A->b), "tryrelease"))
				A->rel++;
			break;
		case 13:
			pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
			ts = soon(CLOCK_MONOTONIC, &w->rng);
			if (ok(fsem_bounded_clockrelease(&A->b, CLOCK_MONOTONIC,
							 &ts), "crel"))
				A->rel++;
			pthread_setcancelstate(old, NULL);
			break;
		default:
			sched_yield();
			break;
		}
	}
	w->alive = false;
	return NULL;
}

static void on_signal(int sig)
{
	int saved = errno;

	/*
	 * Sometimes post from the handler, but not in a thread that may be
	 * cancelled: a handler that interrupts the asynchronous-cancel
	 * window of a blocked wait runs with asynchronous cancellation, and
	 * fsem_post, like sem_post, is async-signal-safe but not
	 * async-cancel-safe. Threads in processes of -p are never cancelled.
	 */
	(void)sig;
	if (no_cancels && (now_ns() & 1) && fsem_post(&A->c) == 0)
		A->handler_posts++;
	errno = saved;
}

static void start(int i, uint64_t seed)
{
	W[i].rng = seed * 2654435761u + (uint64_t)i * 0x9E3779B97F4A7C15ull + 1;
	W[i].state = IDLE;
	W[i].alive = true;
	if (pthread_create(&W[i].th, NULL, work, &W[i]) != 0) {
		W[i].alive = false;
		fail("pthread_create failed (%lld, %lld)", errno, i);
	}
}

/* Signals, cancellation and the watchdog, until the end of the run. */
static void *chaos(void *arg)
{
	uint64_t r = *(uint64_t *)arg;

	while (!sig_stop) {
		int i = (int)(rnd(&r) % (uint64_t)nworkers);
		struct worker *w = &W[i];
		int st = w->state, v = 0;
		long long now = now_ns();

		if (w->alive && rnd(&r) % 4 == 0)
			pthread_kill(w->th, SIGUSR1);
		/*
		 * Only counting waits are cancelled: a cancelled bounded call
		 * may stand (see fsem.h), which the count here cannot see.
		 */
		if (st == IN_WAIT && !no_cancels) {
			if (rnd(&r) % 64 == 0 && w->alive) {
				pthread_cancel(w->th);
				pthread_join(w->th, NULL);
				A->cancels++;
				start(i, r);
				continue;
			}
		}
		/* watchdog: asleep in an untimed call with a permit free */
		if (st == IN_WAIT)
			fsem_getvalue(&A->c, &v);
		else if (st == IN_ACQUIRE)
			fsem_bounded_getvalue(&A->b, &v);
		else if (st == IN_RELEASE)
			fsem_bounded_given_out(&A->b, &v);
		if (st != IDLE && v > 0 && now - w->since > WATCH_NS &&
		    w->state == st)
			fail("worker %lld asleep %lld ms with a permit free",
			     i, (now - w->since) / 1000000);
		/* invariants */
		fsem_bounded_given_out(&A->b, &v);
		if (v < 0 || v > PERMITS)
			fail("given_out %lld outside [0, %lld]", v, PERMITS);
		usleep(50);	/* pacing of the chaos, not a handshake */
	}
	return NULL;
}

/* Free every worker still blocked, counting what the freeing does. */
static void drain(void)
{
	bool any;

	do {
		any = false;
		for (int i = 0; i < nworkers; i++) {
			if (!W[i].alive)
				continue;
			any = true;
			if (W[i].state == IN_WAIT && fsem_post(&A->c) == 0)
				A->gave++;
			if (W[i].state == IN_ACQUIRE &&
			    fsem_bounded_tryrelease(&A->b) == 0)
				A->rel++;
			if (W[i].state == IN_RELEASE &&
			    fsem_bounded_tryacquire(&A->b) == 0)
				A->acq++;
		}
		sched_yield();
	} while (any);
}

static int run_process(int threads, int seconds, uint64_t seed)
{
	struct sigaction sa;
	pthread_t ch;
	uint64_t cs = seed ^ 0x5bd1e995u;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: EINTR paths */
	sigaction(SIGUSR1, &sa, NULL);
	nworkers = threads;
	for (int i = 0; i < nworkers; i++)
		start(i, seed);
	pthread_create(&ch, NULL, chaos, &cs);
	for (long long end = now_ns() + seconds * 1000000000LL;
	     now_ns() < end && !A->stop;)
		usleep(10000);	/* the run's length, not a handshake */
	A->stop = true;
	sig_stop = true;
	drain();		/* frees a cancelled worker chaos may be joining */
	pthread_join(ch, NULL);
	drain();
	for (int i = 0; i < nworkers; i++)
		pthread_join(W[i].th, NULL);
	return A->failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	int seconds = 5, threads = 8, procs = 1, opt, v, g, status = 0;
	uint64_t seed = (uint64_t)time(NULL) ^ (uint64_t)getpid();
	unsigned int init = 3;
	long long expect;

	while ((opt = getopt(argc, argv, "d:s:t:p:")) != -1) {
		switch (opt) {
		case 'd': seconds = atoi(optarg); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 't': threads = atoi(optarg); break;
		case 'p': procs = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: torture [-d s] [-s seed] "
				"[-t threads] [-p processes]\n");
			return 2;
		}
	}
	if (threads < 1 || threads > MAX_WORKERS || procs < 1 || seconds < 1)
		return 2;
	printf("torture: seed %llu, %d process(es) x %d threads, %d s "
	       "(replay: torture -s %llu -t %d -p %d -d %d)\n",
	       (unsigned long long)seed, procs, threads, seconds,
	       (unsigned long long)seed, threads, procs, seconds);
	fflush(stdout);
	A = mmap(NULL, sizeof(*A), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (A == MAP_FAILED)
		return 2;
	memset(A, 0, sizeof(*A));
	if (fsem_init(&A->c, procs > 1 ? FSEM_SHARED : 0, init) ||
	    fsem_bounded_init(&A->b, procs > 1 ? FSEM_SHARED : 0, PERMITS))
		return 2;
	no_cancels = procs > 1;
	if (procs == 1) {
		status = run_process(threads, seconds, seed);
	} else {
		for (int p = 0; p < procs; p++)
			if (fork() == 0)
				_exit(run_process(threads, seconds,
						  seed + (uint64_t)p * 7919));
		for (int p = 0; p < procs; p++) {
			int st;

			wait(&st);
			if (!WIFEXITED(st) || WEXITSTATUS(st))
				status = 1;
		}
	}
	fsem_getvalue(&A->c, &v);
	fsem_bounded_given_out(&A->b, &g);
	expect = init + A->gave + A->handler_posts - A->took;
	printf("torture: %lld operations, %lld EINTR, %lld timeouts, "
	       "%lld cancels, %lld posts from handlers\n", (long long)A->ops,
	       (long long)A->eintr, (long long)A->timeouts,
	       (long long)A->cancels, (long long)A->handler_posts);
	if (A->failed) {
		printf("torture: FAIL: %s\n", A->why);
		return 1;
	}
	if (v != expect || g != A->acq - A->rel) {
		printf("torture: FAIL: value %d, expected %lld; given_out %d, "
		       "expected %lld\n", v, expect, g,
		       (long long)(A->acq - A->rel));
		return 1;
	}
	if (fsem_destroy(&A->c) || fsem_bounded_destroy(&A->b)) {
		printf("torture: FAIL: a debtor was left behind\n");
		return 1;
	}
	printf("torture: ok: value %d and given_out %d account for every "
	       "operation\n", v, g);
	return status;
}
