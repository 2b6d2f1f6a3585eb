/* SPDX-License-Identifier: MIT */
/*
 * step.h - the stall seam: in the test build (-DFSEM_FUTEX_SEAM) every
 * atomic step on a semaphore word and every futex system call is preceded
 * by FSEM_STEP_("what"), which calls the test's hook, if one is set, with
 * the place's name; and every step that may hand the semaphore over to
 * another thread (which may then destroy it) is followed by one whose name
 * ends in "handed over", so that a test can stop the operation right
 * there. tests/test_stall.c uses it to stop one operation before each of
 * its steps in turn while other threads run. In every other build the
 * macro is nothing at all.
 */
#ifndef FSEM_STEP_H
#define FSEM_STEP_H

#ifdef FSEM_FUTEX_SEAM
#include <stdatomic.h>

typedef void fsem_step_hook_fn(const char *site);
extern fsem_step_hook_fn *_Atomic fsem_seam_step;

#define FSEM_STR2_(x) #x
#define FSEM_STR_(x) FSEM_STR2_(x)
#define FSEM_STEP_(what) fsem_step_(__FILE__ ":" FSEM_STR_(__LINE__) " " what)

static inline void fsem_step_(const char *site)
{
	/* relaxed: a test sets the hook before it starts the threads it
	 * stops, and thread creation orders that store before their loads */
	fsem_step_hook_fn *hook = atomic_load_explicit(&fsem_seam_step,
						       memory_order_relaxed);

	if (hook)
		hook(site);
}
#else
#define FSEM_STEP_(what) ((void)0)
#endif

#endif /* FSEM_STEP_H */
