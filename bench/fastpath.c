/* SPDX-License-Identifier: MIT */
/*
 * fastpath.c - the uncontended wait+post pair: fsem, glibc sem_t, and the
 * floor of two lock xadd, measured side by side in one process.
 *
 *   fastpath time [pairs] [reps]   median ns per pair, interleaved reps,
 *                                  and ratios within the run
 *   fastpath ONE [pairs]           run one kernel (fsem|glibc|floor|empty)
 *                                  for valgrind --tool=callgrind
 *                                  --toggle-collect='cg_*' or strace
 *
 * The process creates and joins a thread first: glibc skips atomics in a
 * process that never made one, which would flatter it.
 */
#include <fsem.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOINLINE __attribute__((noinline))

static NOINLINE void cg_fsem(fsem_t *s, long n)
{
	for (long i = 0; i < n; i++) {
		fsem_wait(s);
		fsem_post(s);
	}
}

static NOINLINE void cg_glibc(sem_t *s, long n)
{
	for (long i = 0; i < n; i++) {
		sem_wait(s);
		sem_post(s);
	}
}

static NOINLINE void cg_floor(long *w, long n)
{
	for (long i = 0; i < n; i++) {
		__atomic_fetch_add(w, -1, __ATOMIC_ACQUIRE);
		__atomic_fetch_add(w, 1, __ATOMIC_RELEASE);
	}
}

static NOINLINE void cg_empty(long n)
{
	for (long i = 0; i < n; i++)
		__asm__ __volatile__("" ::: "memory");
}

static fsem_t fs = FSEM_INITIALIZER(1);
static sem_t gs;
static long word = 1;

static void run(int k, long n)
{
	switch (k) {
	case 0: cg_fsem(&fs, n); break;
	case 1: cg_glibc(&gs, n); break;
	case 2: cg_floor(&word, n); break;
	default: cg_empty(n); break;
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void *nothing(void *arg)
{
	return arg;
}

int main(int argc, char **argv)
{
	static const char *names[] = { "fsem", "glibc", "floor", "empty" };
	const char *mode = argc > 1 ? argv[1] : "time";
	long n = argc > 2 ? atol(argv[2]) : 20000000;
	int reps = argc > 3 ? atoi(argv[3]) : 7;
	double t[3][64], med[3];
	pthread_t th;

	pthread_create(&th, NULL, nothing, NULL);
	pthread_join(th, NULL);
	sem_init(&gs, 0, 1);
	for (int k = 0; k < 4; k++)
		if (strcmp(mode, names[k]) == 0) {
			run(k, n);
			return 0;
		}
	if (strcmp(mode, "time") != 0 || reps < 1 || reps > 64) {
		fprintf(stderr, "usage: fastpath time|fsem|glibc|floor|empty "
			"[pairs] [reps<=64]\n");
		return 2;
	}
	for (int r = 0; r < reps; r++)
		for (int k = 0; k < 3; k++) {	/* interleaved: A B C A B C */
			double t0 = now();

			run(k, n);
			t[k][r] = (now() - t0) * 1e9 / n;
		}
	printf("uncontended wait+post pair, ns (median [min-max] of %d reps "
	       "of %ld pairs)\n", reps, n);
	for (int k = 0; k < 3; k++) {
		qsort(t[k], reps, sizeof(double), cmp);
		med[k] = t[k][reps / 2];
		printf("  %-6s %6.2f [%.2f-%.2f]\n", names[k], med[k], t[k][0],
		       t[k][reps - 1]);
	}
	printf("ratios: fsem/glibc %.2f  fsem/floor %.2f  glibc/floor %.2f\n",
	       med[0] / med[1], med[0] / med[2], med[1] / med[2]);
	return 0;
}
