/* SPDX-License-Identifier: MIT */
/*
 * preload_cost.c - what the preload library costs a program: uncontended
 * sem_wait+sem_post pairs through <semaphore.h> (run it with and without
 * LD_PRELOAD=libfsem-preload.so), or, built with -DDIRECT_FSEM, the same
 * loop calling fsem directly. Prints ns per pair; scripts/preload-cost.sh
 * interleaves the three and gives medians and ratios.
 *   preload_cost [pairs]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifdef DIRECT_FSEM
#include <fsem.h>
#define SEM_T		fsem_t
#define SEM_INIT(s)	fsem_init(s, 0, 1)
#define SEM_WAIT(s)	fsem_wait(s)
#define SEM_POST(s)	fsem_post(s)
#else
#include <semaphore.h>
#define SEM_T		sem_t
#define SEM_INIT(s)	sem_init(s, 0, 1)
#define SEM_WAIT(s)	sem_wait(s)
#define SEM_POST(s)	sem_post(s)
#endif

static __attribute__((noinline)) void pairs(SEM_T *s, long n)
{
	for (long i = 0; i < n; i++) {
		SEM_WAIT(s);
		SEM_POST(s);
	}
}

static void *nothing(void *arg)
{
	return arg;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 20000000;
	struct timespec a, b;
	pthread_t th;
	SEM_T s;

	/* A thread first, as a real program has (glibc's shortcuts). */
	if (pthread_create(&th, NULL, nothing, NULL) ||
	    pthread_join(th, NULL) || SEM_INIT(&s) || n <= 0)
		return 1;
	pairs(&s, n / 10);
	clock_gettime(CLOCK_MONOTONIC, &a);
	pairs(&s, n);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.3f\n", ((b.tv_sec - a.tv_sec) * 1e9 +
			  (b.tv_nsec - a.tv_nsec)) / (double)n);
	return 0;
}
