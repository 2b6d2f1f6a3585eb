/* SPDX-License-Identifier: MIT */
/*
 * annotate.h - tell helgrind and DRD what fsem's atomics do. Built with
 * -Dvalgrind=true (FSEM_VALGRIND) these are valgrind client requests;
 * otherwise they are empty and the library is unchanged.
 *
 * Both tools order threads only at the pthread calls they intercept. fsem
 * orders them with atomics on its own words, so without help everything a
 * permit guards looks raced. Every release step that can hand a permit
 * over is preceded by annotate_release(word), and every acquire step that
 * succeeded is followed by annotate_acquire(word) on the same word: the
 * pairs (A) and (B) of "Memory ordering" in handoff.c and the acq_rel
 * steps of shared.c. One tag per word, so each annotation pair orders
 * what the C11 pair orders (a release sequence runs through every RMW of
 * the word). The tag is the word's address plus one: DRD keeps an object
 * at a tag, drops it only when heap memory is freed, and aborts when a
 * pthread object is later made at the same address (a test reuses the
 * stack slot of an fsem_t for a sem_t); no pthread object starts at an
 * odd address. A release annotation comes before its step, never after
 * (destruction safety: the taker may free the word); an acquire
 * annotation names the address but reads nothing there.
 *
 * The words themselves: both tools take an atomic RMW for a read, which
 * races with no read, but an atomic store for a plain one. So they are
 * exempt from race checking (annotate_words()) for two reasons. The spin
 * budget (a hint) is written by relaxed stores. And since the release
 * annotation must precede its step, the hand-over RMW itself is ordered
 * before nothing: the taker's destroy and reuse of the memory (memset,
 * init) would race with it (test_destroy shows it), although the C11 pair
 * orders it. The non-atomic fields (flags, N) stay checked, so an init
 * racing with a use is still seen there.
 */
#ifndef FSEM_ANNOTATE_H
#define FSEM_ANNOTATE_H

#include <stddef.h>
#include <stdint.h>

#ifdef FSEM_VALGRIND
#include <valgrind/helgrind.h>

/* Before a release step on @word that may hand a permit over. */
static inline void annotate_release(const volatile void *word)
{
	/* DRD answers the same request number */
	ANNOTATE_HAPPENS_BEFORE((const volatile char *)word + 1);
}

/* After an acquire step on @word that succeeded. */
static inline void annotate_acquire(const volatile void *word)
{
	ANNOTATE_HAPPENS_AFTER((const volatile char *)word + 1);
}

/*
 * The semaphore at @obj: its atomic words are the first @words_len bytes,
 * its spin budget (a uint32_t) is at @spin_off. NULL: nothing to say.
 * DRD answers helgrind's request too.
 */
static inline void annotate_words(const volatile void *obj, size_t words_len,
				  size_t spin_off)
{
	const volatile char *p = obj;

	if (!p)
		return;
	VALGRIND_HG_DISABLE_CHECKING(p, words_len);
	VALGRIND_HG_DISABLE_CHECKING(p + spin_off, sizeof(uint32_t));
}
#else
static inline void annotate_release(const volatile void *word)
{
	(void)word;
}

static inline void annotate_acquire(const volatile void *word)
{
	(void)word;
}

static inline void annotate_words(const volatile void *obj, size_t words_len,
				  size_t spin_off)
{
	(void)obj;
	(void)words_len;
	(void)spin_off;
}
#endif

#endif /* FSEM_ANNOTATE_H */
