/* SPDX-License-Identifier: MIT */
/*
 * torture.c - every operation of both types at random, from many threads,
 * while other threads send signals (EINTR paths, and handlers that post),
 * cancel blocked waiters, and deadlines run out. Checked all the time:
 * the counting value is never negative and 0 <= given_out <= N; a watchdog
 * fails the run if a thread stays in an untimed wait while a permit it
 * could take is free. The run ends with fsem_shutdown() and
 * fsem_bounded_shutdown(), which must free every blocked caller with
 * ECANCELED and lose nothing. At the end every permit is accounted for
 * exactly: the values, that a shut-down semaphore takes nothing, and,
 * once re-armed by init with the same values, what trywait, tryacquire
 * and tryrelease can still take.
 *
 *   torture [-d SECONDS] [-s SEED] [-t THREADS] [-p PROCESSES] [-k VICTIMS]
 *           [-f]
 *
 * In one process the semaphores are private: with -f FSEM_FIFO ones (the
 * debt protocol of handoff.c), else the default barging protocol.
 * With -p, that many processes run the workers on FSEM_SHARED semaphores
 * in MAP_SHARED memory. With -k, as many single-threaded victim processes
 * make untimed waits of all three kinds too, and the parent SIGKILLs one
 * now and then while it sleeps in one, then starts another in its place.
 * The seed is printed; the same seed replays the same choices (not the
 * same interleaving).
 *
 * Exactness. A bounded call that is cancelled can stand (handoff.c) while
 * its caller never learns it, so only counting waits are ever cancelled:
 * their cancellation never stands. Disabling cancellation around bounded
 * calls does not ensure that with glibc 2.36: a SIGCANCEL sent while the
 * target was in an asynchronous-cancel window (inside a blocking fsem
 * call) and still undelivered when it enters its next such window is
 * acted on there, whatever its cancel state. It can strike a later
 * bounded call made with cancellation disabled, and a release that stood
 * then went uncounted (runs that ended given_out 4, counted 5). So a
 * worker cannot leave its untimed counting wait once chaos has claimed it
 * for a cancel (wait_pinned), and no call disables cancellation.
 *
 * A victim is killed only while every other process is stopped and the
 * kernel shows it asleep in a futex wait on the semaphore that its marker
 * says it waits on: nothing can let that wait through before the kill,
 * so the victim holds exactly what it recorded.
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
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_WORKERS	64
#define MAX_PROCS	64
#define MAX_VICTIMS	16
#define PERMITS		4
#define WATCH_NS	(2 * 1000000000LL)	/* asleep with a permit free */

/* CANCELLING: chaos claimed the worker's counting wait for a cancel. */
enum state { IDLE, IN_WAIT, IN_ACQUIRE, IN_RELEASE, CANCELLING };

struct worker {
	_Atomic int state;		/* an untimed blocking call, or IDLE */
	_Atomic long long since;	/* when that call started */
	_Atomic bool alive;
	pthread_t th;
	uint64_t rng;
};

/* What one victim process did; what it is doing (a worker's fields). */
struct victim {
	_Atomic int state;
	_Atomic long long since;
	_Atomic long long took, gave, acq, rel;
};

/* Everything the processes share (one copy in MAP_SHARED memory). */
struct arena {
	fsem_t c;
	fsem_bounded_t b;
	_Atomic long long took, gave;		/* counting successes */
	_Atomic long long acq, rel;		/* bounded successes */
	_Atomic long long ops, eintr, timeouts, cancels, handler_posts;
	_Atomic long long cancelled;		/* ECANCELED after shutdown */
	_Atomic bool stop, failed, shut;
	char why[256];
	struct victim v[MAX_VICTIMS];
};

static struct arena *A;
static struct worker W[MAX_WORKERS];
static int nworkers;
static _Atomic bool sig_stop;
static bool no_cancels;	/* -p: handlers may post */
static bool shut_at_end;	/* the run ends with shutdowns */
static int nkids, nprocs;	/* children: worker processes, then victims */

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
	else if (errno == ECANCELED && A->shut)
		A->cancelled++;
	else
		fail("unexpected errno %lld from an operation (%lld)",
		     errno, (long long)(intptr_t)what);
	return false;
}

/*
 * Frames a cancellation abandons: glibc unwinds them with an internal
 * longjmp that AddressSanitizer does not see, so their redzones would stay
 * poisoned and trip its thread-exit code (a false stack-use-after-scope in
 * its sigaltstack interceptor, seen in CI). As in src/handoff.h, such
 * frames are left uninstrumented.
 */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TORTURE_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(TORTURE_ASAN)
#define UNWOUND __attribute__((no_sanitize_address))
#else
#define UNWOUND
#endif

static void untimed(_Atomic int *state, _Atomic long long *since, int st)
{
	*since = now_ns();
	*state = st;
}

/*
 * The only call a cancel request may act in (see Exactness above). Chaos
 * cancels a worker only after its CAS IN_WAIT -> CANCELLING; a worker whose
 * wait returned leaves by the CAS IN_WAIT -> IDLE, and one that loses it
 * counts what its wait did and stays until the cancel acts.
 */
UNWOUND static void wait_pinned(struct worker *w)
{
	int st = IN_WAIT, ret;
	bool claimed;

	untimed(&w->state, &w->since, IN_WAIT);
	ret = fsem_wait(&A->c);
	claimed = !atomic_compare_exchange_strong(&w->state, &st, IDLE);
	if (ok(ret, "wait"))
		A->took++;
	while (claimed) {
		pthread_testcancel();
		sched_yield();
	}
}

UNWOUND static void *work(void *arg)
{
	struct worker *w = arg;
	struct timespec ts;

	while (!A->stop) {
		uint64_t op = rnd(&w->rng) % 21;
		unsigned int many = 2 + (unsigned int)(rnd(&w->rng) % 2);

		A->ops++;
		switch (op) {
		case 0: case 1:	/* untimed wait: the one cancellable call */
			wait_pinned(w);
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
			untimed(&w->state, &w->since, IN_ACQUIRE);
			if (ok(fsem_bounded_acquire(&A->b), "acquire"))
				A->acq++;
			w->state = IDLE;
			break;
		case 9:
			if (ok(fsem_bounded_tryacquire(&A->b), "tryacquire"))
				A->acq++;
			break;
		case 10:
			ts = soon(CLOCK_REALTIME, &w->rng);
			if (ok(fsem_bounded_timedacquire(&A->b, &ts), "tacq"))
				A->acq++;
			break;
		case 11:
			untimed(&w->state, &w->since, IN_RELEASE);
			if (ok(fsem_bounded_release(&A->b), "release"))
				A->rel++;
			w->state = IDLE;
			break;
		case 12:
			if (ok(fsem_bounded_tryrelease(&A->b), "tryrelease"))
				A->rel++;
			break;
		case 13:
			ts = soon(CLOCK_MONOTONIC, &w->rng);
			if (ok(fsem_bounded_clockrelease(&A->b, CLOCK_MONOTONIC,
							 &ts), "crel"))
				A->rel++;
			break;
		case 14:	/* weighted: n at once or none */
			ts = soon(CLOCK_MONOTONIC, &w->rng);
			if (ok(fsem_clockwait_n(&A->c, many, CLOCK_MONOTONIC,
						&ts), "clockwait_n"))
				A->took += many;
			break;
		case 15:
			if (ok(fsem_trywait_n(&A->c, many), "trywait_n"))
				A->took += many;
			break;
		case 16:
			ts = soon(CLOCK_MONOTONIC, &w->rng);
			if (ok(fsem_bounded_clockacquire_n(&A->b, many,
					CLOCK_MONOTONIC, &ts), "cacq_n"))
				A->acq += many;
			break;
		case 17:
			ts = soon(CLOCK_MONOTONIC, &w->rng);
			if (ok(fsem_bounded_clockrelease_n(&A->b, many,
					CLOCK_MONOTONIC, &ts), "crel_n"))
				A->rel += many;
			break;
		case 18:
			if (ok(fsem_bounded_tryacquire_n(&A->b, many),
			       "tacq_n"))
				A->acq += many;
			break;
		case 19:
			if (ok(fsem_bounded_tryrelease_n(&A->b, many),
			       "trel_n"))
				A->rel += many;
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

/* Fail if a caller has slept in @st since @since with a permit free. */
static void watch(_Atomic int *state, _Atomic long long *since, int who)
{
	int st = *state, v = 0;
	long long t = *since, now = now_ns();

	if (st == IN_WAIT)
		fsem_getvalue(&A->c, &v);
	else if (st == IN_ACQUIRE)
		fsem_bounded_getvalue(&A->b, &v);
	else if (st == IN_RELEASE)
		fsem_bounded_given_out(&A->b, &v);
	else
		return;
	if (v > 0 && now - t > WATCH_NS && *state == st && *since == t)
		fail("waiter %lld asleep %lld ms with a permit free",
		     who, (now - t) / 1000000);
}

/* Signals, cancellation and the watchdog, until the end of the run. */
static void *chaos(void *arg)
{
	uint64_t r = *(uint64_t *)arg;

	while (!sig_stop) {
		int i = (int)(rnd(&r) % (uint64_t)nworkers), v = 0;
		struct worker *w = &W[i];
		int st = IN_WAIT;

		if (w->alive && rnd(&r) % 4 == 0)
			pthread_kill(w->th, SIGUSR1);
		if (!no_cancels && rnd(&r) % 64 == 0 &&
		    atomic_compare_exchange_strong(&w->state, &st,
						   CANCELLING)) {
			pthread_cancel(w->th);
			pthread_join(w->th, NULL);
			A->cancels++;
			start(i, r);
			continue;
		}
		watch(&w->state, &w->since, i);
		fsem_bounded_given_out(&A->b, &v);
		if (v < 0 || v > PERMITS)
			fail("given_out %lld outside [0, %lld]", v, PERMITS);
		usleep(50);	/* pacing of the chaos, not a handshake */
	}
	return NULL;
}

/* Free a caller blocked in @st, counting what the freeing does. */
static void unblock(int st)
{
	if (st == IN_WAIT && fsem_post(&A->c) == 0)
		A->gave++;
	if (st == IN_ACQUIRE && fsem_bounded_tryrelease(&A->b) == 0)
		A->rel++;
	if (st == IN_RELEASE && fsem_bounded_tryacquire(&A->b) == 0)
		A->acq++;
}

/*
 * End the run by shutting both semaphores down: every blocked
 * caller returns ECANCELED, every later one at once. A->shut is set first,
 * so that no ECANCELED is seen before it.
 */
static void shut_down(void)
{
	if (!shut_at_end)
		return;
	A->shut = true;
	if (fsem_shutdown(&A->c) || fsem_bounded_shutdown(&A->b))
		fail("shutdown failed, errno %lld (%lld)", errno, 0);
}

/* Free every worker still blocked (a claimed one is being cancelled). */
static void drain(void)
{
	bool any;

	do {
		any = false;
		for (int i = 0; i < nworkers; i++) {
			if (!W[i].alive)
				continue;
			any = true;
			unblock(W[i].state);
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
	if (nprocs == 1)
		shut_down();
	drain();		/* frees a cancelled worker chaos may be joining */
	pthread_join(ch, NULL);
	drain();
	for (int i = 0; i < nworkers; i++)
		pthread_join(W[i].th, NULL);
	return A->failed ? 1 : 0;
}

/* A victim: untimed waits of all kinds, each recorded once it returns. */
static void victim(struct victim *v, uint64_t r)
{
	while (!A->stop) {
		A->ops++;
		switch (rnd(&r) % 4) {
		case 0:
			untimed(&v->state, &v->since, IN_WAIT);
			if (ok(fsem_wait(&A->c), "victim wait"))
				v->took++;
			break;
		case 1:
			if (ok(fsem_post(&A->c), "victim post"))
				v->gave++;
			break;
		case 2:
			untimed(&v->state, &v->since, IN_ACQUIRE);
			if (ok(fsem_bounded_acquire(&A->b), "victim acquire"))
				v->acq++;
			break;
		default:
			untimed(&v->state, &v->since, IN_RELEASE);
			if (ok(fsem_bounded_release(&A->b), "victim release"))
				v->rel++;
			break;
		}
		v->state = IDLE;
	}
	_exit(0);
}

/*
 * Is @pid asleep in a futex wait on the object at @obj of @size bytes?
 * -1: the kernel does not say (no /proc/PID/syscall).
 */
static int asleep_on(pid_t pid, const void *obj, size_t size)
{
	char path[64], buf[512], *p;
	unsigned long long nr, addr;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "r")))
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || p[2] != 'S')
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	if (!(f = fopen(path, "r")))
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llx", &nr, &addr) != 2)
		return strncmp(buf, "running", 7) == 0 ? 0 : -1;
	return nr == SYS_futex && addr >= (uintptr_t)obj &&
	       addr < (uintptr_t)obj + size;
}

/* The parent's children: worker processes, then victim slots. */
static pid_t kid[MAX_PROCS + MAX_VICTIMS];
static int kid_status[MAX_PROCS + MAX_VICTIMS];
/* (nkids, nprocs: declared with the other globals) */
static struct victim dead;	/* what killed victims had recorded */
static long long killed_in[IN_RELEASE + 1];	/* kills by kind of wait */

/*
 * Stop every live child except @skip, and wait until each one is stopped
 * (all its threads: no system call of it is still in progress).
 */
static void freeze(int skip, bool *stopped)
{
	for (int k = 0; k < nkids; k++)
		if ((stopped[k] = k != skip && kid[k] > 0))
			kill(kid[k], SIGSTOP);
	for (int k = 0; k < nkids; k++) {
		if (!stopped[k] ||
		    waitpid(kid[k], &kid_status[k], WUNTRACED) != kid[k])
			continue;
		if (!WIFSTOPPED(kid_status[k])) {
			stopped[k] = false;
			kid[k] = 0;	/* it ended: keep its status */
		}
	}
}

static void thaw(const bool *stopped)
{
	for (int k = 0; k < nkids; k++)
		if (stopped[k])
			kill(kid[k], SIGCONT);
}

/* A new victim in @slot, which starts with nothing recorded. */
static pid_t spawn_victim(int slot, uint64_t seed)
{
	pid_t pid;

	memset(&A->v[slot], 0, sizeof(A->v[slot]));
	pid = fork();
	if (pid == 0)
		victim(&A->v[slot], seed);
	if (pid < 0)
		fail("fork failed (%lld, %lld)", errno, slot);
	return pid;
}

/*
 * Kill a random victim if it sleeps in an untimed wait: 1 if one was
 * killed, 0 if not, -1 if the kernel cannot show where it sleeps.
 */
static int kill_one(uint64_t *r)
{
	bool stopped[MAX_PROCS + MAX_VICTIMS];
	int k = nprocs + (int)(rnd(r) % (uint64_t)(nkids - nprocs));
	struct victim *v = &A->v[k - nprocs];
	int st, status, asleep = 0;

	if (kid[k] <= 0 || (st = v->state) == IDLE)
		return 0;
	freeze(k, stopped);
	if (v->state == st)
		asleep = st == IN_WAIT ? asleep_on(kid[k], &A->c, sizeof(A->c)) :
			 asleep_on(kid[k], &A->b, sizeof(A->b));
	if (asleep == 1 && v->state == st) {
		kill(kid[k], SIGKILL);
		waitpid(kid[k], &status, 0);
		dead.took += v->took;
		dead.gave += v->gave;
		dead.acq += v->acq;
		dead.rel += v->rel;
		killed_in[st]++;
		kid[k] = spawn_victim(k - nprocs, rnd(r));
	}
	thaw(stopped);
	return asleep;
}

/* Kill victims while the workers run; 0, or 77 (skip) if blind. */
static int killer(int seconds, uint64_t seed, long long *kills)
{
	uint64_t r = seed ^ 0x2545F4914F6CDD1Dull;
	long long end = now_ns() + seconds * 1000000000LL;

	while (now_ns() < end && !A->stop) {
		usleep(20000 + (useconds_t)(rnd(&r) % 180000));
		switch (nkids > nprocs ? kill_one(&r) : 0) {
		case 1:
			(*kills)++;
			break;
		case -1:
			printf("torture: no /proc/PID/syscall, cannot tell "
			       "where a victim sleeps: SKIP\n");
			A->stop = true;
			return 77;
		}
		for (int k = nprocs; k < nkids; k++)
			watch(&A->v[k - nprocs].state,
			      &A->v[k - nprocs].since, 1000 + k - nprocs);
	}
	return 0;
}

/* Run the processes of -p and -k; 0, 1 (a process failed) or 77. */
static int run_processes(int threads, int seconds, uint64_t seed,
			 int victims, long long *kills)
{
	int ret = 0;
	bool live;

	for (int p = 0; p < nprocs; p++)
		if ((kid[p] = fork()) == 0)
			_exit(run_process(threads, seconds,
					  seed + (uint64_t)p * 7919));
	for (int i = 0; i < victims; i++, nkids++)
		kid[nkids] = spawn_victim(i, seed + 104729u * (uint64_t)i);
	ret = killer(seconds, seed, kills);
	A->stop = true;
	shut_down();
	do {		/* free the victims as drain() frees workers */
		live = false;
		for (int k = nprocs; k < nkids; k++) {
			if (kid[k] <= 0)
				continue;
			if (waitpid(kid[k], &kid_status[k], WNOHANG) == kid[k]) {
				kid[k] = 0;
				continue;
			}
			live = true;
			unblock(A->v[k - nprocs].state);
		}
		sched_yield();
	} while (live);
	for (int k = 0; k < nkids; k++) {
		if (kid[k] > 0)
			waitpid(kid[k], &kid_status[k], 0);
		if (!WIFEXITED(kid_status[k]) || WEXITSTATUS(kid_status[k]))
			ret = ret ? ret : 1;
	}
	return ret;
}

/* Count how many times @try succeeds before it answers EAGAIN. */
static long long take_all(int (*try)(void *), void *sem)
{
	long long n = 0;

	while (try(sem) == 0)
		n++;
	return errno == EAGAIN ? n : -1;
}

static int trywait_(void *s) { return fsem_trywait(s); }
static int tryacquire_(void *s) { return fsem_bounded_tryacquire(s); }
static int tryrelease_(void *s) { return fsem_bounded_tryrelease(s); }

/*
 * After a shutdown: every try-call answers ECANCELED; then re-arm both
 * semaphores with the values they hold (@v free, @g given out). 0 if so.
 */
static int rearm(int flags, int v, int g)
{
	if (fsem_trywait(&A->c) != -1 || errno != ECANCELED ||
	    fsem_bounded_tryacquire(&A->b) != -1 || errno != ECANCELED ||
	    fsem_bounded_tryrelease(&A->b) != -1 || errno != ECANCELED) {
		printf("torture: FAIL: a try-call passed a shutdown\n");
		return 1;
	}
	if (fsem_init(&A->c, flags, (unsigned int)v) ||
	    fsem_bounded_init(&A->b, flags, PERMITS))
		return 1;
	for (int i = 0; i < g; i++)
		if (fsem_bounded_tryacquire(&A->b))
			return 1;
	return 0;
}

/* Every permit accounted for: 0 if exact. */
static int check(long long init, bool killed, int flags)
{
	long long took = A->took + dead.took, gave = A->gave + dead.gave;
	long long acq = A->acq + dead.acq, rel = A->rel + dead.rel;
	long long expect, free_c, free_b, out_b;
	int v, g, again = -1;

	for (int i = 0; i < nkids - nprocs; i++) {
		took += A->v[i].took;
		gave += A->v[i].gave;
		acq += A->v[i].acq;
		rel += A->v[i].rel;
	}
	expect = init + gave + A->handler_posts - took;
	fsem_getvalue(&A->c, &v);
	fsem_bounded_given_out(&A->b, &g);
	if (A->shut && rearm(flags, v, g))
		return 1;
	free_c = take_all(trywait_, &A->c);
	if (fsem_post(&A->c) == 0)	/* a debt left behind would keep it */
		again = fsem_trywait(&A->c);
	free_b = take_all(tryacquire_, &A->b);
	out_b = take_all(tryrelease_, &A->b);
	if (v != expect || free_c != expect || again != 0 ||
	    g != acq - rel || free_b != PERMITS - (acq - rel) ||
	    out_b != PERMITS) {
		printf("torture: FAIL: value %d, trywait took %lld, expected "
		       "%lld, then a post %s; given_out %d, expected %lld "
		       "(tryacquire took %lld, then tryrelease %lld, of %d)\n",
		       v, free_c, expect, again ? "was not there for trywait" :
		       "was taken back", g, acq - rel, free_b, out_b, PERMITS);
		return 1;
	}
	/* A killed waiter may leave a registration: destroy says EBUSY. */
	if (!killed && (fsem_destroy(&A->c) || fsem_bounded_destroy(&A->b))) {
		printf("torture: FAIL: a debtor was left behind\n");
		return 1;
	}
	printf("torture: ok: value %d and given_out %d account for every "
	       "operation%s\n", v, g, A->shut ? ", shut down and re-armed" :
	       "");
	return 0;
}

int main(int argc, char **argv)
{
	int seconds = 5, threads = 8, procs = 1, victims = 0, opt, fifo = 0;
	int status = 0, flags;
	uint64_t seed = (uint64_t)time(NULL) ^ (uint64_t)getpid();
	unsigned int init = 3;
	long long kills = 0;

	while ((opt = getopt(argc, argv, "d:s:t:p:k:f")) != -1) {
		switch (opt) {
		case 'd': seconds = atoi(optarg); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 't': threads = atoi(optarg); break;
		case 'p': procs = atoi(optarg); break;
		case 'k': victims = atoi(optarg); break;
		case 'f': fifo = 1; break;
		default:
			fprintf(stderr, "usage: torture [-d s] [-s seed] "
				"[-t threads] [-p processes] [-k victims] "
				"[-f]\n");
			return 2;
		}
	}
	if (threads < 1 || threads > MAX_WORKERS || procs < 1 ||
	    procs > MAX_PROCS || victims < 0 || victims > MAX_VICTIMS ||
	    seconds < 1 || (fifo && (procs > 1 || victims)))
		return 2;
	printf("torture: seed %llu, %d process(es) x %d threads, %d victims, "
	       "%d s%s (replay: torture -s %llu -t %d -p %d -k %d -d %d%s)\n",
	       (unsigned long long)seed, procs, threads, victims, seconds,
	       fifo ? ", FSEM_FIFO" : "", (unsigned long long)seed, threads,
	       procs, victims, seconds, fifo ? " -f" : "");
	fflush(stdout);
	A = mmap(NULL, sizeof(*A), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (A == MAP_FAILED)
		return 2;
	memset(A, 0, sizeof(*A));
	flags = procs > 1 || victims ? FSEM_SHARED : 0;
	if (fsem_init(&A->c, flags | (fifo ? FSEM_FIFO : 0), init) ||
	    fsem_bounded_init(&A->b, flags | (fifo ? FSEM_FIFO : 0), PERMITS))
		return 2;
	no_cancels = flags != 0;
	shut_at_end = true;
	nprocs = nkids = procs;
	if (!flags)
		status = run_process(threads, seconds, seed);
	else
		status = run_processes(threads, seconds, seed, victims, &kills);
	printf("torture: seed %llu: %lld operations, %lld EINTR, %lld "
	       "timeouts, %lld cancels, %lld ECANCELED after the shutdown, "
	       "%lld posts from handlers, %lld "
	       "victims killed asleep (%lld in wait, %lld in acquire, %lld "
	       "in release)\n", (unsigned long long)seed,
	       (long long)A->ops, (long long)A->eintr,
	       (long long)A->timeouts, (long long)A->cancels,
	       (long long)A->cancelled,
	       (long long)A->handler_posts, kills, killed_in[IN_WAIT],
	       killed_in[IN_ACQUIRE], killed_in[IN_RELEASE]);
	if (status == 77)
		return 77;
	if (A->failed) {
		printf("torture: FAIL: %s\n", A->why);
		return 1;
	}
	if (status) {
		printf("torture: FAIL: a process ended badly\n");
		return 1;
	}
	if (victims && kills == 0) {
		printf("torture: FAIL: no victim was seen asleep to kill\n");
		return 1;
	}
	return check(init, kills > 0, flags | (fifo ? FSEM_FIFO : 0));
}
