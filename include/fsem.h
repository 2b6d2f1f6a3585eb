/* SPDX-License-Identifier: MIT */
/*
 * fsem.h - futex semaphores for Linux: a sem_t twin and a bounded semaphore.
 *
 * Usage
 *
 *	#include <fsem.h>
 *
 *	static fsem_t ready = FSEM_INITIALIZER(0);	// counting, starts at 0
 *
 *	void producer(void) { publish(); fsem_post(&ready); }
 *	void consumer(void) { fsem_wait(&ready); consume(); }
 *
 *	fsem_bounded_t pool;				// N permits, all free
 *	fsem_bounded_init(&pool, 0, 4);
 *	fsem_bounded_acquire(&pool);	// blocks while all 4 are given out
 *	use_connection();
 *	fsem_bounded_release(&pool);	// blocks while none is given out
 *
 * fsem_t versus sem_t
 *
 * Every fsem_<verb> takes the arguments of sem_<verb>, returns 0 or -1 with
 * errno, and sets the errno values glibc 2.36 sets, with these additions and
 * differences:
 *   - NULL semaphore, value or deadline pointers give -1/EINVAL (glibc
 *     crashes).
 *   - fsem_wait() and fsem_timedwait() act on a pending cancellation request
 *     only when they would block; glibc's sem_wait() and sem_timedwait()
 *     also act on one when a permit is free (glibc's sem_clockwait() does
 *     not). This keeps the uncontended path one atomic instruction.
 *   - fsem_destroy() returns -1/EBUSY if a thread is seen blocked on the
 *     semaphore; glibc returns 0 and does nothing.
 *   - A blocking call whose futex system call fails (e.g. a seccomp filter
 *     answers ENOSYS or EPERM) returns -1 with that errno, having taken no
 *     permit; glibc aborts the process ("The futex facility returned an
 *     unexpected error code").
 *   - fsem_post_n(), the weighted _n calls, fsem_shutdown(),
 *     fsem_waiters(), FSEM_INITIALIZER, FSEM_NOSPIN and FSEM_FIFO have no
 *     sem_t counterpart.
 *
 * Who gets a released permit (both types; see FSEM_FIFO)
 *
 * By default, as with glibc's sem_t, a running thread may take a free
 * permit ahead of threads blocked on the semaphore ("barging"), so a thread
 * that releases and re-acquires does not sleep. Unlike glibc, a post wakes
 * a sleeper only for a permit that no thread already woken is on its way
 * to, and no blocked thread is passed over for long: one that has waited
 * more than about 1 ms (FSEM_STARVE_MS) and was woken to find the permit
 * taken turns on a hand-off mode in which threads that have not slept on
 * the semaphore leave one permit for those that have, until it gets one.
 * While that mode is on, fsem_trywait() (tryacquire, tryrelease) fails
 * with EAGAIN when exactly one permit (one step) is left, although
 * fsem_getvalue() counts it. And a running thread does not keep the
 * permits to itself: once it has taken one in FSEM_TURN (64) calls in a
 * row that found a thread blocked on the semaphore that no wake was on
 * its way to, without sleeping in between, its next such call wakes one
 * of them and sleeps, giving its turn up for at most FSEM_STARVE_MS,
 * leaving the permit to it (so that call may sleep although a permit was
 * free, and a timed one may return ETIMEDOUT; one whose deadline has
 * already passed takes a free permit;
 * a signal handler that runs in that sleep does not make an untimed call
 * return EINTR, as if it had run just before the call blocked). With more
 * threads than CPUs the threads so take turns, at about two futex calls
 * per FSEM_TURN operations.
 * Private semaphores only: FSEM_SHARED ones barge as glibc's do, with a
 * wake for every post that finds a sleeper, no bound and no turn (a
 * process killed while it held either role would stall the others).
 * A waiting thread may spin for a few microseconds before it sleeps
 * (adaptively, see FSEM_NOSPIN); sem_t never spins.
 *
 * Thread safety: every call is thread-safe. fsem_post() and fsem_post_n()
 * are async-signal-safe, as sem_post() is. Blocking calls are cancellation
 * points while they sleep; a cancelled, interrupted or failed wait never
 * loses or invents a permit.
 *
 * fork(): a child may use a semaphore it inherits (a private one, in its
 * own copy of memory) only if no thread was blocked on it in the parent at
 * the fork. Such a thread is not copied into the child, but the semaphore
 * still counts it as a waiter there. An FSEM_FIFO semaphore then sends the
 * child's posts to it, so the child's fsem_getvalue() reads 0 and
 * fsem_trywait() fails after a post (glibc's child would see the permit);
 * a default one may still hold a permit back for it (hand-off mode, see
 * above). An FSEM_SHARED semaphore in the child keeps its count exactly; a
 * registration of the missing thread only costs each post a futex wake and
 * makes fsem_destroy() answer EBUSY until fsem_init().
 *
 * Platform: 64-bit Linux only (x86_64, aarch64, ...): the count needs
 * 64-bit atomics, and fsem_t fills the 32-byte sem_t of 64-bit glibc; the
 * 16-byte sem_t of i386 cannot hold it. A 32-bit build stops here with a
 * message saying so.
 *
 * The header uses clockid_t and struct timespec from <time.h>: under strict
 * ISO C (-std=c99) define _POSIX_C_SOURCE 200809L first, as for
 * clock_gettime().
 *
 * The structures below are public only so that they can be allocated and
 * statically initialised: their fields are private to the library.
 */
#ifndef FSEM_H
#define FSEM_H

#if !defined(__linux__) || !defined(__SIZEOF_POINTER__) || \
	__SIZEOF_POINTER__ != 8
/* fsem_t needs 64-bit atomics and must fit the 32-byte sem_t of 64-bit
 * glibc (i386's sem_t has 16 bytes) */
#error "fsem is for 64-bit Linux only (64-bit atomics, a 32-byte sem_t)"
#endif

#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define FSEM_API_ __attribute__((visibility("default")))
#else
#define FSEM_API_
#endif

/** Largest count a semaphore can hold; the same as glibc's SEM_VALUE_MAX. */
#define FSEM_VALUE_MAX 2147483647
/** The most permits a bounded semaphore may have (2^25 - 1). */
#define FSEM_BOUNDED_MAX 33554431

/** init flag: process-shared; the semaphore may live in MAP_SHARED memory. */
#define FSEM_SHARED 0x1
/** init flag: never spin before sleeping. */
#define FSEM_NOSPIN 0x2
/**
 * init flag: hand-off, the policy of fsem 0.2. A permit released while
 * threads are blocked is handed over, not left free: no try-call and no
 * fast path can take it, and a sleeper is woken for it. Only a blocking
 * call that starts while the woken thread is still on its way may take it
 * first (the woken one then sleeps again), so order among blocking calls
 * is not strict, and a thread that releases and at once blocks again can
 * keep passing a permit to itself ahead of a sleeper. With many more
 * threads than CPUs every release wakes a sleeper and every acquire
 * sleeps (a futex call per operation), where the default policy lets
 * running threads go on and bounds how long a sleeper is passed over.
 * Private semaphores only: with FSEM_SHARED, init fails with EINVAL.
 * Limit: a timed, interrupted or cancelled wait whose permit a post has
 * already promised to it returns only after that post's second atomic
 * step, a few instructions later. While the posting thread is stopped
 * between the two (preempted, stopped in a debugger; a poster of lower
 * priority on the CPU of a SCHED_FIFO waiter never runs), the wait yields
 * and retries past its deadline, for as long as the poster is stopped.
 * The default policy has no such wait. Code compiled against fsem 0.2's
 * header, whose inline fast paths moved a word that is now this flag's
 * hand-off word, must not be given an FSEM_FIFO semaphore (0.2 had no
 * such flag to make one).
 */
#define FSEM_FIFO 0x4

/** How long (ms) a blocked thread may be passed over before it is served. */
#define FSEM_STARVE_MS 1

/**
 * A thread's turn: after this many blocking calls that took a permit while
 * a thread was blocked on the semaphore that no wake was on its way to,
 * without sleeping, a thread's next such call lets one of them go first
 * (default policy, private semaphores: "Who gets a released permit"
 * above).
 */
#define FSEM_TURN 64

/* Initial spin budget in nanoseconds (private: use FSEM_INITIALIZER). */
#define FSEM_SPIN_INIT_NS_ 4000u

/**
 * A counting semaphore. Fits inside a sem_t (checked when fsem is built).
 * In C++ the struct's tag is fsem_t_: fsem is the namespace of fsem.hpp,
 * and a class and a namespace cannot share a name.
 */
#ifdef __cplusplus
typedef struct fsem_t_ {
#else
typedef struct fsem {
#endif
	long long count_;		/* private: a trap, or FIFO's token */
	unsigned long long handoff_;	/* private: the state word */
	unsigned int flags_;		/* private */
	unsigned int spin_;		/* private */
} fsem_t;

/**
 * FSEM_INITIALIZER(value) - static initializer of a private counting
 * semaphore holding @value permits (0 <= value <= FSEM_VALUE_MAX); the same
 * as fsem_init(sem, 0, value). Example: fsem_t s = FSEM_INITIALIZER(1);
 */
#define FSEM_INITIALIZER(value) \
	{ -0x4000000000000000LL, (value), 0, FSEM_SPIN_INIT_NS_ }

/**
 * fsem_init() - initialise @sem with @value permits.
 * @flags: 0, or FSEM_SHARED, FSEM_NOSPIN, FSEM_FIFO or'ed together.
 * Return: 0, or -1 with errno EINVAL (NULL @sem, @value > FSEM_VALUE_MAX,
 * unknown flag bits, FSEM_SHARED with FSEM_FIFO). Not a cancellation
 * point; async-signal-safe.
 */
FSEM_API_ int fsem_init(fsem_t *sem, int flags, unsigned int value);

/**
 * fsem_destroy() - end the life of @sem. Destroying a semaphore right after
 * a wait on it returned is safe, even while the post that released that wait
 * is still returning.
 * Return: 0, or -1 with errno EINVAL (NULL) or EBUSY (a thread is blocked on
 * it; detected whenever a blocked thread is registered, not guaranteed).
 */
FSEM_API_ int fsem_destroy(fsem_t *sem);

/**
 * fsem_wait() - take one permit, blocking while there is none.
 * Return: 0, or -1 with errno EINVAL (NULL), EINTR (a signal handler
 * installed without SA_RESTART ran while blocked; with SA_RESTART the wait
 * goes on, as sem_wait() does), or the errno of a failed futex system
 * call, e.g. ENOSYS or EPERM: the futex system call failed (e.g. refused by
 * a seccomp filter); no permit was taken. Only a call that has to sleep
 * makes that system call. Cancellation point while blocked.
 */
FSEM_API_ int fsem_wait(fsem_t *sem);

/**
 * fsem_trywait() - take one permit if one is free; never blocks.
 * Return: 0, or -1 with errno EINVAL (NULL) or EAGAIN (no permit free).
 * Not a cancellation point; async-signal-safe.
 */
FSEM_API_ int fsem_trywait(fsem_t *sem);

/**
 * fsem_timedwait() - fsem_wait() with an absolute CLOCK_REALTIME deadline;
 * the deadline follows changes of the realtime clock.
 * Return: 0, or -1 with errno EINVAL (NULL argument, or tv_nsec outside
 * [0, 1e9): checked before a permit is taken, as glibc does), ETIMEDOUT
 * (deadline passed, possibly before the call: a deadline in the past with a
 * permit free still takes it; a permit posted in the instant the deadline
 * passed is passed on, not kept), EINTR (a signal handler ran, whether or
 * not it has SA_RESTART, as for sem_timedwait()) or, as for fsem_wait(),
 * the errno of a failed futex system call (e.g. refused by a seccomp
 * filter; no permit was taken). Cancellation point while blocked.
 */
FSEM_API_ int fsem_timedwait(fsem_t *sem, const struct timespec *abstime);

/**
 * fsem_clockwait() - fsem_timedwait() against @clock, which must be
 * CLOCK_REALTIME or CLOCK_MONOTONIC (other clocks: -1/EINVAL, even when a
 * permit is free). A CLOCK_MONOTONIC deadline ignores realtime clock steps.
 */
FSEM_API_ int fsem_clockwait(fsem_t *sem, clockid_t clock,
			     const struct timespec *abstime);

/**
 * fsem_post() - add one permit, waking one sleeping waiter if one is owed it.
 * Return: 0, or -1 with errno EINVAL (NULL) or EOVERFLOW (the count is at
 * FSEM_VALUE_MAX; the count is unchanged: under FSEM_FIFO it was one more
 * for an instant, which only more than FSEM_VALUE_MAX takes in that
 * instant could see; under the default policy nothing is added).
 * Async-signal-safe; never blocks.
 */
FSEM_API_ int fsem_post(fsem_t *sem);

/**
 * fsem_post_n() - add @n permits at once and wake up to @n sleepers with a
 * single system call. @n == 0 does nothing and returns 0.
 * Return: 0, or -1 with errno EINVAL (NULL) or EOVERFLOW (the count would
 * pass FSEM_VALUE_MAX; nothing is added, not even for an instant).
 * Async-signal-safe.
 */
FSEM_API_ int fsem_post_n(fsem_t *sem, unsigned int n);

/**
 * fsem_getvalue() - store the number of free permits in *@sval; 0 while
 * threads are blocked (never negative, as glibc). The value may be stale by
 * the time it is read.
 * Return: 0, or -1 with errno EINVAL (NULL @sem or @sval).
 */
FSEM_API_ int fsem_getvalue(fsem_t *sem, int *sval);

/**
 * fsem_waiters() - store in *@blocked how many threads are blocked on @sem
 * now, as Java's Semaphore.getQueueLength(): a snapshot for monitoring,
 * which may be stale by the time it is read, in [0, INT_MAX]. It counts
 * the calls that found no permit and now wait (sleeping, or woken and on
 * their way), not those still spinning before they sleep; under
 * FSEM_FIFO it counts every debtor, spinning or asleep, and may miss for
 * an instant one that a post is handing a permit to, a blocked fsem_wait_n()
 * and the waits held behind it (up to 2047 of them; more are held but not
 * counted). On an FSEM_SHARED
 * semaphore it includes a waiter of a process killed while it waited
 * (see fsem_destroy()). Exact while no call on @sem is running.
 * Return: 0, or -1 with errno EINVAL (NULL @sem or @blocked; nothing is
 * stored). Not a cancellation point; async-signal-safe.
 */
FSEM_API_ int fsem_waiters(fsem_t *sem, int *blocked);

/**
 * fsem_shutdown() - fail every current and future wait on @sem: each thread
 * blocked in fsem_wait(), fsem_timedwait() or fsem_clockwait() returns
 * -1/ECANCELED (one system call per futex word wakes them all: one per
 * half of the state word, the low half alone under FSEM_SHARED, where
 * nobody sleeps on the high one; or under FSEM_FIFO one for its hand-off
 * word, and one per half of its counter if a weighted call is blocked;
 * one that a post served just before the shutdown may return 0 instead),
 * and from then on every wait, trywait, timed or clock wait returns
 * -1/ECANCELED at once, taking nothing, whether or not permits are free.
 * Posts still add permits and return 0, and fsem_getvalue() still tells
 * the truth, so no permit is lost (a blocked FSEM_FIFO waiter that a post
 * had already chosen gives that permit back, or, if the count has
 * meanwhile reached FSEM_VALUE_MAX, keeps it and returns 0). For a
 * graceful stop without "poison pill" posts. Works across processes for
 * FSEM_SHARED semaphores. fsem_init() on a shut-down semaphore that no
 * thread is blocked on re-arms it. Under FSEM_FIFO the shutdown is two
 * atomic steps, and a waiter may return ECANCELED before the second is
 * done: do not destroy or re-initialize the semaphore before
 * fsem_shutdown() has returned.
 * Return: 0, or -1 with errno EINVAL (NULL). Idempotent; async-signal-safe
 * (a SIGTERM handler may call it); not a cancellation point.
 */
FSEM_API_ int fsem_shutdown(fsem_t *sem);

/**
 * fsem_wait_n(), fsem_trywait_n(), fsem_timedwait_n(), fsem_clockwait_n() -
 * the calls without _n, for @n permits at once: all or nothing. A wait
 * blocks until @n are free and takes them in one step; it never holds
 * some while it waits for the rest, so two requests of half each cannot
 * deadlock. @n == 0 returns 0 at once; @n == 1 is the plain call. Under
 * the default policy a blocked request for many is not passed over by
 * requests for one past the starvation bound (FSEM_STARVE_MS): it then
 * gets the permits as they are released, ahead of everyone; and at most
 * 7 requests for more than one may sleep on one semaphore at a time, more
 * wait by yielding the CPU (under FSEM_FIFO every one sleeps). Under
 * FSEM_FIFO a blocked request for many is served in strict order: it
 * waits for the waiters before it, and every wait that comes after it
 * (trywait answers EAGAIN) waits until it has taken its @n or given up,
 * even while some permits are free; the waits held behind it then go on
 * in no set order, among themselves or with waits that come later.
 * Return: as the call without _n, or -1 with errno EINVAL (@n above
 * FSEM_VALUE_MAX, checked before anything else but NULL).
 */
FSEM_API_ int fsem_wait_n(fsem_t *sem, unsigned int n);
FSEM_API_ int fsem_trywait_n(fsem_t *sem, unsigned int n);
FSEM_API_ int fsem_timedwait_n(fsem_t *sem, unsigned int n,
			       const struct timespec *abstime);
FSEM_API_ int fsem_clockwait_n(fsem_t *sem, unsigned int n, clockid_t clock,
			       const struct timespec *abstime);

/** The value fsem_open() returns on failure, as SEM_FAILED. */
#if defined(__cplusplus) && __cplusplus >= 201103L
#define FSEM_FAILED (static_cast<fsem_t *>(nullptr))
#else
#define FSEM_FAILED ((fsem_t *)0)
#endif

/**
 * fsem_open() - open, or create, the named semaphore @name, as sem_open():
 * a process-shared fsem_t in the file /dev/shm/fsm.NAME, mapped shared.
 * @oflag: 0, O_CREAT, or O_CREAT | O_EXCL (other bits are ignored); with
 * O_CREAT two more arguments follow: the file's mode_t mode (less the
 * umask) and the unsigned int initial value. Creation is atomic: a racing
 * opener sees either no semaphore or a fully initialised one. Opening one
 * name twice in a process returns the same address.
 * Return: the semaphore, or FSEM_FAILED with errno EINVAL (NULL or empty
 * name, a '/' after the leading ones, more than NAME_MAX characters, value
 * > FSEM_VALUE_MAX), ENAMETOOLONG (more than 251 characters), EEXIST
 * (O_CREAT | O_EXCL and it exists), ENOENT (no O_CREAT and it does not
 * exist), EACCES, EMFILE, ENFILE, ENOMEM (from the system).
 * Not a cancellation point, as sem_open() is not: a pending cancellation
 * request acts at the caller's next cancellation point, and none can leave
 * a descriptor, temporary file or mapping behind. Not async-signal-safe.
 */
FSEM_API_ fsem_t *fsem_open(const char *name, int oflag, ...);

/**
 * fsem_close() - close a semaphore from fsem_open(); unmapped when closed
 * as often as it was opened. The semaphore itself lives on until unlinked.
 * Return: 0, or -1 with errno EINVAL (@sem is not an open named one).
 * Not a cancellation point, as sem_close(); not async-signal-safe.
 */
FSEM_API_ int fsem_close(fsem_t *sem);

/**
 * fsem_unlink() - remove the name @name; processes that have it open keep
 * using it. Return: 0, or -1 with errno ENOENT (no such name, or a name
 * that cannot exist, as glibc), ENAMETOOLONG, EACCES.
 * Not a cancellation point, as sem_unlink(); not async-signal-safe.
 */
FSEM_API_ int fsem_unlink(const char *name);

/*
 * Inline fast paths. With GCC or clang, fsem_wait() and fsem_post() expand
 * to one load and one lock cmpxchg each plus tests, calling into the
 * library only when there is no free permit (wait), a waiter to wake, a
 * count of 2^30 or more (post), or the CAS lost: an uncontended pair
 * costs what two atomic instructions cost, with no call. The word is the
 * state of either policy: under FSEM_FIFO it is the signed count of fsem
 * 0.2's protocol (whose inline code was one lock xadd on the count, then
 * in the first word, count_), and a CAS that keeps it in [0,
 * FSEM_VALUE_MAX] moves it as that xadd did. The two *_slow_ functions
 * serve the inline code of builds before 0.3: private, never to be called
 * directly. (fsem_wait)(sem) and &fsem_wait still name the library
 * functions, which behave identically. Define FSEM_NO_INLINE before
 * including fsem.h to get plain calls.
 */
FSEM_API_ int fsem_wait_slow_(fsem_t *sem);
FSEM_API_ int fsem_post_slow_(fsem_t *sem, long long old);

#if defined(__ATOMIC_ACQUIRE) && !defined(FSEM_NO_INLINE)
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FSEM_ASAN_CAS_ 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(FSEM_ASAN_CAS_)
#define FSEM_CAS_(p, ov, nv, order) \
	(__sync_val_compare_and_swap((p), (ov), (nv)) == (ov))
#else
#define FSEM_CAS_(p, ov, nv, order) \
	__atomic_compare_exchange_n((p), &(ov), (nv), 1, (order), \
				    __ATOMIC_RELAXED)
#endif
#ifdef __cplusplus
#define FSEM_CAST_(type, x) static_cast<type>(x)
#else
#define FSEM_CAST_(type, x) ((type)(x))
#endif
/*
 * The fast paths: one load and one CAS on the state word of the barging
 * protocol. Under AddressSanitizer the CAS is the value-returning builtin
 * (a full barrier), which keeps no local in memory: the caller's frame,
 * which a cancelled wait abandons, then has no redzones that the
 * sanitizer could leave poisoned (a false report at thread exit). The
 * word: bits 0..30, the value; every other bit is 0 unless a thread is
 * blocked, a wake is in flight, a hand-off mode is on or the semaphore is
 * shut down. A wait takes from a word in [1, FSEM_VALUE_MAX]; a post adds
 * to a word in [0, FSEM_POST_INLINE_MAX_] (2^30 - 1), found by its CAS,
 * not by a test, and leaves posts to a larger count, up to
 * FSEM_VALUE_MAX, to the library. Under FSEM_FIFO the word is the signed
 * count: permits if positive, blocked waiters owed one if negative (never
 * more than there are threads, so it is then far above FSEM_VALUE_MAX as
 * an unsigned number). Anything else goes to the library.
 */
#define FSEM_POST_INLINE_MAX_ 0x3fffffffULL	/* bits 0..29 */

static __inline__ __attribute__((always_inline))
int fsem_wait_inline_(fsem_t *sem)
{
	unsigned long long w;

	if (__builtin_expect(!sem, 0))
		return (fsem_wait)(sem);	/* -1, EINVAL */
	w = __atomic_load_n(&sem->handoff_, __ATOMIC_RELAXED);
	/* 1 <= w <= FSEM_VALUE_MAX: V > 0 and every other field 0 */
	if (__builtin_expect(w - 1 < FSEM_VALUE_MAX, 1) &&
	    FSEM_CAS_(&sem->handoff_, w, w - 1, __ATOMIC_ACQUIRE))
		return 0;			/* took a free permit */
	return (fsem_wait)(sem);		/* none, or sleepers owed it */
}

static __inline__ __attribute__((always_inline))
int fsem_post_inline_(fsem_t *sem)
{
	unsigned long long w;

	if (__builtin_expect(!sem, 0))
		return (fsem_post)(sem);	/* -1, EINVAL */
	/*
	 * No test: the CAS expects the word with every bit from 30 up
	 * cleared, so it fails unless the word is a bare count of at most
	 * FSEM_POST_INLINE_MAX_ (then w + 1 cannot reach any other field).
	 * The library then posts, whatever made it fail.
	 */
	w = __atomic_load_n(&sem->handoff_, __ATOMIC_RELAXED) &
	    FSEM_POST_INLINE_MAX_;
	if (__builtin_expect(FSEM_CAS_(&sem->handoff_, w, w + 1,
				       __ATOMIC_RELEASE), 1))
		return 0;			/* freed a permit, no waiter */
	return (fsem_post)(sem);		/* wake a waiter, or overflow */
}

#define fsem_wait(sem) fsem_wait_inline_(sem)
#define fsem_post(sem) fsem_post_inline_(sem)
#endif

/**
 * A bounded semaphore: made with N permits, all available. Acquire blocks
 * while all N are given out; release blocks while none is given out, so a
 * release never creates a permit: 0 <= given_out <= N always.
 */
typedef struct fsem_bounded {
	long long given_;		/* private */
	unsigned long long acq_handoff_;	/* private */
	unsigned long long rel_handoff_;	/* private */
	unsigned int permits_;		/* private */
	unsigned int flags_;		/* private */
	unsigned int spin_;		/* private */
	unsigned int pad_;		/* private */
} fsem_bounded_t;

/**
 * fsem_bounded_init() - initialise @s with @permits permits, all available.
 * @flags: 0, or FSEM_SHARED, FSEM_NOSPIN, FSEM_FIFO or'ed together.
 * Return: 0, or -1/EINVAL (NULL, @permits == 0 or > FSEM_BOUNDED_MAX,
 * unknown flag bits, FSEM_SHARED with FSEM_FIFO).
 */
FSEM_API_ int fsem_bounded_init(fsem_bounded_t *s, int flags,
				unsigned int permits);
/** fsem_bounded_destroy() - as fsem_destroy(): 0, or -1 EINVAL / EBUSY. */
FSEM_API_ int fsem_bounded_destroy(fsem_bounded_t *s);

/**
 * fsem_bounded_acquire() - take a permit, blocking while all are given out.
 * Return: 0, or -1 with errno as fsem_wait(): EINVAL, EINTR, or ENOSYS,
 * EPERM, ...: the futex system call failed (e.g. refused by a seccomp
 * filter); no permit was taken. Cancellation as fsem_wait(). An acquire
 * that fails (EINTR, ETIMEDOUT, a futex error) or is cancelled has taken
 * nothing, except in one race: a release gave it a permit in that instant
 * and every permit was released again before the acquire could give it
 * back. Then the acquire stands: the call returns 0 (a cancelled one has
 * still taken effect).
 */
FSEM_API_ int fsem_bounded_acquire(fsem_bounded_t *s);
/** fsem_bounded_tryacquire() - as fsem_trywait(): EAGAIN when all are out. */
FSEM_API_ int fsem_bounded_tryacquire(fsem_bounded_t *s);
/** fsem_bounded_timedacquire() - as fsem_timedwait() (CLOCK_REALTIME). */
FSEM_API_ int fsem_bounded_timedacquire(fsem_bounded_t *s,
					const struct timespec *abstime);
/** fsem_bounded_clockacquire() - as fsem_clockwait(). */
FSEM_API_ int fsem_bounded_clockacquire(fsem_bounded_t *s, clockid_t clock,
					const struct timespec *abstime);

/**
 * fsem_bounded_release() - give a permit back, blocking while none is given
 * out. Return: 0, or -1 with errno as fsem_wait(): EINVAL, EINTR, or
 * ENOSYS, EPERM, ...: the futex system call failed (e.g. refused by a
 * seccomp filter); no permit was given back. Cancellation as fsem_wait().
 * A release that fails (EINTR, ETIMEDOUT, a futex error) or is cancelled
 * has given nothing back, except in one race: an acquire took its permit
 * in that instant and every permit was taken again before the release
 * could take one back. Then the release stands: the call returns 0 (a
 * cancelled one has still taken effect).
 */
FSEM_API_ int fsem_bounded_release(fsem_bounded_t *s);
/** fsem_bounded_tryrelease() - EAGAIN when none is given out. */
FSEM_API_ int fsem_bounded_tryrelease(fsem_bounded_t *s);
/** fsem_bounded_timedrelease() - as fsem_timedwait() (CLOCK_REALTIME). */
FSEM_API_ int fsem_bounded_timedrelease(fsem_bounded_t *s,
					const struct timespec *abstime);
/** fsem_bounded_clockrelease() - as fsem_clockwait(). */
FSEM_API_ int fsem_bounded_clockrelease(fsem_bounded_t *s, clockid_t clock,
					const struct timespec *abstime);

/** fsem_bounded_getvalue() - permits available now: N - given_out. */
FSEM_API_ int fsem_bounded_getvalue(fsem_bounded_t *s, int *available);
/** fsem_bounded_given_out() - permits given out now, in [0, N]. */
FSEM_API_ int fsem_bounded_given_out(fsem_bounded_t *s, int *given_out);
/**
 * fsem_bounded_waiters() - as fsem_waiters(), for each direction: threads
 * blocked now in an acquire (too few permits available for it, or held
 * behind a weighted acquire under FSEM_FIFO) in *@acquirers, in a release
 * (too few given out, or held likewise) in *@releasers.
 * Return: 0, or -1 with errno EINVAL (any argument NULL; nothing is
 * stored). Not a cancellation point; async-signal-safe.
 */
FSEM_API_ int fsem_bounded_waiters(fsem_bounded_t *s, int *acquirers,
				   int *releasers);

/**
 * fsem_bounded_shutdown() - as fsem_shutdown(), for both directions: every
 * thread blocked in an acquire or a release returns -1/ECANCELED, and from
 * then on every acquire and release (try, timed and clock forms too)
 * returns -1/ECANCELED at once, changing nothing. getvalue and given_out
 * still tell the truth. fsem_bounded_init() re-arms it. As for
 * fsem_shutdown(), an FSEM_FIFO semaphore must not be destroyed or
 * re-initialized before the call has returned.
 * Return: 0, or -1 with errno EINVAL (NULL). Idempotent; async-signal-safe;
 * not a cancellation point.
 */
FSEM_API_ int fsem_bounded_shutdown(fsem_bounded_t *s);

/**
 * fsem_bounded_acquire_n(), _tryacquire_n(), _clockacquire_n(),
 * fsem_bounded_release_n(), _tryrelease_n(), _clockrelease_n() - acquire
 * or release @n permits at once, all or nothing (see fsem_wait_n()): an
 * acquire of n blocks until n are available, a release of n until n are
 * given out. @n == 0 returns 0 at once; @n == 1 is the plain call. Under
 * the default policy at most 3 requests for more than one may sleep per
 * direction at a time, more wait by yielding the CPU (under FSEM_FIFO
 * every one sleeps). Under FSEM_FIFO a blocked request for many is
 * served in strict order within its direction, as fsem_wait_n() says:
 * later calls of that direction wait behind it (a try-call answers
 * EAGAIN), those of the other direction do not. So an acquire_n and a
 * release_n blocked at once hold every later call of both directions,
 * even one that has room, until one of them is served or gives up: with
 * 2 of 4 given out, acquire_n(3) and release_n(3) wait for each other.
 * Return: as the call without _n, or -1 with errno EINVAL (@n above the
 * semaphore's permits).
 */
FSEM_API_ int fsem_bounded_acquire_n(fsem_bounded_t *s, unsigned int n);
FSEM_API_ int fsem_bounded_tryacquire_n(fsem_bounded_t *s, unsigned int n);
FSEM_API_ int fsem_bounded_clockacquire_n(fsem_bounded_t *s, unsigned int n,
					  clockid_t clock,
					  const struct timespec *abstime);
FSEM_API_ int fsem_bounded_release_n(fsem_bounded_t *s, unsigned int n);
FSEM_API_ int fsem_bounded_tryrelease_n(fsem_bounded_t *s, unsigned int n);
FSEM_API_ int fsem_bounded_clockrelease_n(fsem_bounded_t *s, unsigned int n,
					  clockid_t clock,
					  const struct timespec *abstime);

#ifdef __cplusplus
}
#endif

#endif /* FSEM_H */
