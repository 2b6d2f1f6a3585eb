/* SPDX-License-Identifier: MIT */
/*
 * subject.h - one semaphore under test, seen through one direction: the
 * plain count (fsem_t wait), bounded acquire or bounded release. "value" is
 * what that direction can take: free permits for wait/acquire, permits
 * given out for release. Bounded ones have two permits, so that a give and
 * a take fit either way round from every starting state. Shared by the
 * tests that check a failed or timed-out call loses nothing.
 */
#ifndef FSEM_TEST_SUBJECT_H
#define FSEM_TEST_SUBJECT_H

#include "common.h"

#include <stdbool.h>

enum kind { SEM, ACQ, REL };

struct subject {
	enum kind kind;
	fsem_t s;
	fsem_bounded_t b;
};

/* Make @o with one permit free for its direction (@free) or none. */
static inline void subject_init(struct subject *o, enum kind kind, int flags,
			 bool free)
{
	o->kind = kind;
	switch (kind) {
	case SEM:
		assert_int_equal(fsem_init(&o->s, flags, free), 0);
		break;
	case ACQ:
		assert_int_equal(fsem_bounded_init(&o->b, flags, 2), 0);
		assert_int_equal(fsem_bounded_tryacquire(&o->b), 0);
		if (!free)
			assert_int_equal(fsem_bounded_tryacquire(&o->b), 0);
		break;
	case REL:
		assert_int_equal(fsem_bounded_init(&o->b, flags, 2), 0);
		if (free)
			assert_int_equal(fsem_bounded_tryacquire(&o->b), 0);
		break;
	}
}

static inline int subject_value(struct subject *o)
{
	int v = -1;

	if (o->kind == SEM)
		assert_int_equal(fsem_getvalue(&o->s, &v), 0);
	else if (o->kind == ACQ)
		assert_int_equal(fsem_bounded_getvalue(&o->b, &v), 0);
	else
		assert_int_equal(fsem_bounded_given_out(&o->b, &v), 0);
	return v;
}

static inline int subject_try(struct subject *o)
{
	if (o->kind == SEM)
		return fsem_trywait(&o->s);
	if (o->kind == ACQ)
		return fsem_bounded_tryacquire(&o->b);
	return fsem_bounded_tryrelease(&o->b);
}

/* The move that frees this direction: post, release or acquire. */
static inline int subject_give(struct subject *o)
{
	if (o->kind == SEM)
		return fsem_post(&o->s);
	if (o->kind == ACQ)
		return fsem_bounded_release(&o->b);
	return fsem_bounded_acquire(&o->b);
}

static inline int subject_destroy(struct subject *o)
{
	return o->kind == SEM ? fsem_destroy(&o->s)
			      : fsem_bounded_destroy(&o->b);
}

/* Value @expect; a give and a take balance (no leaked debt); destroy is 0. */
static inline void subject_intact(struct subject *o, int expect,
				  const char *what)
{
	int v = subject_value(o);

	if (v != expect)
		fail_msg("%s: value %d afterwards, expected %d", what, v,
			 expect);
	assert_int_equal(subject_give(o), 0);
	if (subject_value(o) != expect + 1)
		fail_msg("%s: a give afterwards was swallowed", what);
	assert_int_equal(subject_try(o), 0);
	assert_int_equal(subject_value(o), expect);
	if (subject_destroy(o) != 0)
		fail_msg("%s: destroy failed afterwards (errno %d)", what,
			 errno);
}

/* Every timed entry point as one signature; timed* ignore @c. */
static inline int call_timedwait(struct subject *o, clockid_t c,
			  const struct timespec *abs)
{
	(void)c;
	return fsem_timedwait(&o->s, abs);
}

static inline int call_clockwait(struct subject *o, clockid_t c,
			  const struct timespec *abs)
{
	return fsem_clockwait(&o->s, c, abs);
}

static inline int call_timedacquire(struct subject *o, clockid_t c,
			     const struct timespec *abs)
{
	(void)c;
	return fsem_bounded_timedacquire(&o->b, abs);
}

static inline int call_clockacquire(struct subject *o, clockid_t c,
			     const struct timespec *abs)
{
	return fsem_bounded_clockacquire(&o->b, c, abs);
}

static inline int call_timedrelease(struct subject *o, clockid_t c,
			     const struct timespec *abs)
{
	(void)c;
	return fsem_bounded_timedrelease(&o->b, abs);
}

static inline int call_clockrelease(struct subject *o, clockid_t c,
			     const struct timespec *abs)
{
	return fsem_bounded_clockrelease(&o->b, c, abs);
}

#endif /* FSEM_TEST_SUBJECT_H */
