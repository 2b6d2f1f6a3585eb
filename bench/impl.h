/* SPDX-License-Identifier: MIT */
/*
 * impl.h - one semaphore implementation as the benchmark driver sees it.
 *
 * Each implementation is a small adapter file (impl_*.c) that fills in one
 * struct bench_impl. The driver never knows what is behind the pointers.
 * Counting semaphores map wait/post to sem_wait/sem_post; bounded ones map
 * wait to acquire and post to release, and are made with all permits free.
 *
 * A remote implementation is only a name here: another binary measures it
 * (musl's sem_t lives in fsem-bench-musl, as musl and glibc cannot share a
 * process) and its samples join this run's rows. It has no functions.
 */
#ifndef BENCH_IMPL_H
#define BENCH_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum impl_kind {
	IMPL_COUNTING,		/* init(value) permits free; post never blocks */
	IMPL_BOUNDED,		/* init(N): N free, none given out */
	IMPL_FLOOR,		/* not a semaphore: a floor to compare with */
};

struct bench_impl {
	const char *name;
	enum impl_kind kind;
	bool baseline;		/* ratios of its kind are taken against it */
	bool remote;		/* measured by a helper binary: no calls */
	size_t size;		/* bytes the driver allocates for one object */
	int (*init)(void *s, unsigned int value);	/* 0 or -1 */
	void (*destroy)(void *s);
	int (*wait)(void *s);		/* wait / acquire */
	int (*post)(void *s);		/* post / release */
	int (*trywait)(void *s);	/* 0, or -1 when it would block */
	int (*trypost)(void *s);	/* bounded: tryrelease; counting: post */
	int (*post_n)(void *s, unsigned int n);	/* NULL: none */
	/* @n uncontended wait+post pairs with the calls inlined, no pointer */
	void (*pairs)(void *s, uint64_t n);
};

extern const struct bench_impl impl_floor;
extern const struct bench_impl impl_spin;
extern const struct bench_impl impl_fsem;
extern const struct bench_impl impl_fsem_nospin;
extern const struct bench_impl impl_fsem_fifo;
extern const struct bench_impl impl_glibc;
extern const struct bench_impl impl_condvar;
extern const struct bench_impl impl_stdsem;
extern const struct bench_impl impl_fsemhpp;
extern const struct bench_impl impl_moodycamel;
extern const struct bench_impl impl_fsem_bounded;
extern const struct bench_impl impl_fsem_bounded_fifo;
extern const struct bench_impl impl_countsem;
extern const struct bench_impl impl_sempair;
extern const struct bench_impl impl_stdpair;
extern const struct bench_impl impl_mcpair;
extern const struct bench_impl impl_musl;
extern const struct bench_impl impl_musl_pair;

/* Every implementation, in the order the tables show them. */
extern const struct bench_impl *const bench_impls[];
extern const size_t bench_nimpls;

/* The implementation called @name, or NULL. */
const struct bench_impl *impl_find(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* BENCH_IMPL_H */
