/* SPDX-License-Identifier: MIT */
/*
 * fuzz_ops.c - libFuzzer harness: the input is a script of operations and
 * arguments, bad ones included (wrong clocks, bad timespecs, huge values,
 * NULL), on an fsem_t and an fsem_bounded_t. Every result and errno is
 * checked against a sequential model (a plain integer and the rules of
 * fsem.h); no call may block, so timed calls get deadlines in the past or
 * invalid ones. The first byte's top bit selects the threaded mode: three
 * threads run the script's try/post/timed operations and shutdowns
 * concurrently, and the final values must account for every successful
 * operation.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fsem.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK(c)							\
	do {								\
		if (!(c))						\
			abort();	/* libFuzzer reports it */	\
	} while (0)

struct script {
	const uint8_t *p;
	size_t n;
};

static unsigned int take(struct script *s)
{
	unsigned int v = 0;

	if (s->n) {
		v = *s->p++;
		s->n--;
	}
	return v;
}

static unsigned int take32(struct script *s)
{
	return take(s) | take(s) << 8 | take(s) << 16 | (unsigned)take(s) << 24;
}

/* A deadline that cannot block: past, negative, or malformed. */
static struct timespec deadline(struct script *s, int *valid)
{
	struct timespec ts = { 0, 0 };

	switch (take(s) % 4) {
	case 0: ts.tv_sec = 1; break;			/* long past */
	case 1: ts.tv_sec = -1 - (long)take(s); break;	/* negative */
	case 2: ts.tv_nsec = 1000000000L + take(s); break;	/* bad nsec */
	default: ts.tv_nsec = -1 - (long)take(s); break;	/* bad nsec */
	}
	*valid = ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000L;
	return ts;
}

static clockid_t clock_of(struct script *s, int *valid)
{
	static const clockid_t c[] = { CLOCK_REALTIME, CLOCK_MONOTONIC,
				       CLOCK_PROCESS_CPUTIME_ID, 1234, -1 };
	clockid_t k = c[take(s) % 5];

	*valid = k == CLOCK_REALTIME || k == CLOCK_MONOTONIC;
	return k;
}

/* Expect -1 with @err, or 0. */
static void expect(int ret, int err)
{
	if (err) {
		CHECK(ret == -1);
		CHECK(errno == err);
	} else {
		CHECK(ret == 0);
	}
}

/* ---- sequential mode: every answer against the model ---- */

/* The model's state besides the values: shut down, and FSEM_FIFO. */
static bool c_shut, c_fifo, b_shut, b_fifo;

/*
 * A weighted wait's answer @ret for @n: 0 at once for n == 0, then EINVAL
 * for a bad deadline (@ok false), ECANCELED after shutdown, else n taken
 * or @none, under either protocol.
 */
static void take_n(int ret, unsigned int n, bool ok, int none,
		   long long *model)
{
	if (n == 0)
		expect(ret, 0);
	else if (!ok)
		expect(ret, EINVAL);
	else if (c_shut)
		expect(ret, ECANCELED);
	else if (*model >= n)
		expect(ret, 0), *model -= n;
	else
		expect(ret, none);
}

static void counting_step(fsem_t *sem, long long *model, struct script *s)
{
	struct timespec ts;
	int v, cv, dv, ret;
	unsigned int n;
	clockid_t c;

	switch (take(s) % 11) {
	case 9:	/* trywait_n: n at once or none */
		n = take(s) % 5;
		take_n(fsem_trywait_n(sem, n), n, true, EAGAIN, model);
		break;
	case 10: /* clockwait_n: bad deadlines first, then as trywait_n */
		n = take(s) % 5;
		c = clock_of(s, &cv);
		ts = deadline(s, &dv);
		take_n(fsem_clockwait_n(sem, n, c, &ts), n, cv && dv,
		       ETIMEDOUT, model);
		break;
	case 0:	/* trywait */
		if (c_shut) {
			expect(fsem_trywait(sem), ECANCELED);
			break;
		}
		expect(fsem_trywait(sem), *model > 0 ? 0 : EAGAIN);
		if (*model > 0)
			(*model)--;
		break;
	case 1:	/* post */
		expect(fsem_post(sem), *model < FSEM_VALUE_MAX ? 0 : EOVERFLOW);
		if (*model < FSEM_VALUE_MAX)
			(*model)++;
		break;
	case 2:	/* post_n, huge n included */
		n = take(s) % 3 == 0 ? take32(s) : take(s);
		ret = fsem_post_n(sem, n);
		if (*model + n <= FSEM_VALUE_MAX) {
			expect(ret, 0);
			*model += n;
		} else {
			expect(ret, EOVERFLOW);
		}
		break;
	case 3:	/* timedwait: EINVAL before a permit moves, as glibc */
		ts = deadline(s, &dv);
		ret = fsem_timedwait(sem, &ts);
		if (!dv)
			expect(ret, EINVAL);
		else if (c_shut)
			expect(ret, ECANCELED);
		else if (*model > 0)
			expect(ret, 0), (*model)--;
		else
			expect(ret, ETIMEDOUT);
		break;
	case 4:	/* clockwait */
		c = clock_of(s, &cv);
		ts = deadline(s, &dv);
		ret = fsem_clockwait(sem, c, &ts);
		if (!cv || !dv)
			expect(ret, EINVAL);
		else if (c_shut)
			expect(ret, ECANCELED);
		else if (*model > 0)
			expect(ret, 0), (*model)--;
		else
			expect(ret, ETIMEDOUT);
		break;
	case 5:	/* getvalue */
		expect(fsem_getvalue(sem, &v), 0);
		CHECK(v == *model);
		break;
	case 6:	/* NULL arguments */
		expect(fsem_getvalue(sem, NULL), EINVAL);
		expect(fsem_timedwait(sem, NULL), EINVAL);
		expect(fsem_post(NULL), EINVAL);
		expect(fsem_trywait(NULL), EINVAL);
		expect(fsem_shutdown(NULL), EINVAL);
		break;
	case 7:	/* shutdown: waits fail from now on, posts still count */
		expect(fsem_shutdown(sem), 0);
		c_shut = true;
		break;
	default: /* re-init, huge values, every flag set and bad ones */
		n = take(s) % 2 ? take32(s) : take(s);
		v = (int)(take(s) % 8);
		ret = fsem_init(sem, v, n);
		if (n > FSEM_VALUE_MAX ||
		    (v & ~(FSEM_SHARED | FSEM_NOSPIN | FSEM_FIFO)) ||
		    ((v & FSEM_SHARED) && (v & FSEM_FIFO))) {
			expect(ret, EINVAL);
		} else {
			expect(ret, 0);
			*model = n;
			c_shut = false;	/* init re-arms */
			c_fifo = v & FSEM_FIFO;
		}
		break;
	}
}

static void bounded_step(fsem_bounded_t *b, long long *given, long long n,
			 struct script *s)
{
	struct timespec ts;
	int v, dv, cv, ret, dir, none;
	clockid_t c;

	switch (take(s) % 10) {
	case 7:	/* tryacquire_n / tryrelease_n: n at once or none */
	case 8:
		v = (int)(take(s) % 6);
		dir = take(s) % 2;
		ret = dir ? fsem_bounded_tryacquire_n(b, (unsigned int)v) :
			    fsem_bounded_tryrelease_n(b, (unsigned int)v);
		cv = dv = 1;
		none = EAGAIN;
		goto weighted;
	case 9:	/* clockacquire_n / clockrelease_n: as above, or EINVAL */
		v = (int)(take(s) % 6);
		dir = take(s) % 2;
		c = clock_of(s, &cv);
		ts = deadline(s, &dv);
		ret = dir ? fsem_bounded_clockacquire_n(b, (unsigned int)v,
							 c, &ts) :
			    fsem_bounded_clockrelease_n(b, (unsigned int)v,
							c, &ts);
		none = ETIMEDOUT;
weighted:
		if (v == 0)
			expect(ret, 0);
		else if (v > n || !cv || !dv)
			expect(ret, EINVAL);
		else if (b_shut)
			expect(ret, ECANCELED);
		else if (dir ? *given + v <= n : *given >= v)
			expect(ret, 0), *given += dir ? v : -v;
		else
			expect(ret, none);
		break;
	case 0:
		if (b_shut) {
			expect(fsem_bounded_tryacquire(b), ECANCELED);
			break;
		}
		expect(fsem_bounded_tryacquire(b), *given < n ? 0 : EAGAIN);
		*given += *given < n;
		break;
	case 1:
		if (b_shut) {
			expect(fsem_bounded_tryrelease(b), ECANCELED);
			break;
		}
		expect(fsem_bounded_tryrelease(b), *given > 0 ? 0 : EAGAIN);
		*given -= *given > 0;
		break;
	case 2:
	case 3:	/* timed/clock acquire or release */
		dir = take(s) % 2;
		c = clock_of(s, &cv);
		ts = deadline(s, &dv);
		if (take(s) % 2)
			ret = dir ? fsem_bounded_clockacquire(b, c, &ts)
				  : fsem_bounded_clockrelease(b, c, &ts);
		else
			ret = (cv = 1, dir ? fsem_bounded_timedacquire(b, &ts)
					   : fsem_bounded_timedrelease(b, &ts));
		if (!cv || !dv) {
			expect(ret, EINVAL);
		} else if (b_shut) {
			expect(ret, ECANCELED);
		} else if (dir ? *given < n : *given > 0) {
			expect(ret, 0);
			*given += dir ? 1 : -1;
		} else {
			expect(ret, ETIMEDOUT);
		}
		break;
	case 4:
		expect(fsem_bounded_getvalue(b, &v), 0);
		CHECK(v == n - *given);
		expect(fsem_bounded_given_out(b, &v), 0);
		CHECK(v == *given);
		break;
	case 5:	/* shutdown: both directions fail from now on */
		expect(fsem_bounded_shutdown(b), 0);
		b_shut = true;
		break;
	default:
		expect(fsem_bounded_getvalue(b, NULL), EINVAL);
		expect(fsem_bounded_tryacquire(NULL), EINVAL);
		expect(fsem_bounded_shutdown(NULL), EINVAL);
		break;
	}
}

static void sequential(struct script *s)
{
	fsem_t sem;
	fsem_bounded_t b;
	long long model, given = 0, n;

	model = take(s);
	CHECK(fsem_init(&sem, FSEM_NOSPIN, (unsigned int)model) == 0);
	c_shut = c_fifo = b_shut = false;
	n = take(s) % 8 + 1;
	b_fifo = n % 2;	/* either protocol, from the script */
	CHECK(fsem_bounded_init(&b, b_fifo ? FSEM_FIFO : 0,
				(unsigned int)n) == 0);
	expect(fsem_bounded_init(&b, 0, 0), EINVAL);
	while (s->n) {
		if (take(s) % 2)
			counting_step(&sem, &model, s);
		else
			bounded_step(&b, &given, n, s);
	}
	CHECK(fsem_destroy(&sem) == 0);
	CHECK(fsem_bounded_destroy(&b) == 0);
}

/* ---- threaded mode: concurrent try/post/timed ops, totals must match ---- */

struct shared_run {
	fsem_t sem;
	fsem_bounded_t b;
	struct script script;
	_Atomic long long taken, posted, acq, rel;
};

static void *runner(void *arg)
{
	struct shared_run *r = arg;
	struct script s = r->script;	/* each thread its own cursor */
	struct timespec past = { 1, 0 };

	while (s.n) {
		switch (take(&s) % 8) {
		case 0:
			if (fsem_trywait(&r->sem) == 0)
				r->taken++;
			break;
		case 1:
			if (fsem_post(&r->sem) == 0)
				r->posted++;
			break;
		case 2:
			if (fsem_timedwait(&r->sem, &past) == 0)
				r->taken++;
			break;
		case 3:
			if (fsem_bounded_tryacquire(&r->b) == 0)
				r->acq++;
			break;
		case 4:
			if (fsem_bounded_tryrelease(&r->b) == 0)
				r->rel++;
			break;
		case 5:
			if (fsem_bounded_clockacquire(&r->b, CLOCK_MONOTONIC,
						      &past) == 0)
				r->acq++;
			break;
		case 6:	/* rare: the rest of the script fails its waits */
			if (take(&s) % 16 == 0)
				CHECK(fsem_shutdown(&r->sem) == 0);
			break;
		default:
			if (take(&s) % 16 == 0)
				CHECK(fsem_bounded_shutdown(&r->b) == 0);
			break;
		}
	}
	return NULL;
}

static void threaded(struct script *s)
{
	struct shared_run r;
	pthread_t th[3];
	unsigned int init = take(s);
	int v;

	int flags = init % 2 ? FSEM_FIFO : 0;	/* either protocol */

	memset(&r, 0, sizeof(r));
	CHECK(fsem_init(&r.sem, flags, init) == 0);
	CHECK(fsem_bounded_init(&r.b, flags, 4) == 0);
	r.script = *s;
	for (int i = 0; i < 3; i++)
		CHECK(pthread_create(&th[i], NULL, runner, &r) == 0);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	CHECK(fsem_getvalue(&r.sem, &v) == 0);
	CHECK(v == (long long)init + r.posted - r.taken);
	CHECK(fsem_bounded_given_out(&r.b, &v) == 0);
	CHECK(v == r.acq - r.rel);
	CHECK(v >= 0 && v <= 4);
	CHECK(fsem_destroy(&r.sem) == 0);
	CHECK(fsem_bounded_destroy(&r.b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct script s = { data, size };

	if (size == 0)
		return 0;
	if (take(&s) & 0x80)
		threaded(&s);
	else
		sequential(&s);
	return 0;
}
