/*
 * The reference "CountSemaphore" run, on fsem_bounded_t: one permit; task1
 * acquires four times, task2 releases three times. Each acquire after the
 * first waits for a release, and a release never finds nothing given out.
 * The events are printed in the order they happen.
 */
#include <fsem.h>
#include <pthread.h>
#include <stdio.h>

static fsem_bounded_t sem;

static void *task1(void *arg)
{
	(void)arg;
	for (int i = 1; i <= 4; i++) {
		fsem_bounded_acquire(&sem);
		printf("task1: acquire %d done\n", i);
	}
	return NULL;
}

static void *task2(void *arg)
{
	(void)arg;
	for (int i = 1; i <= 3; i++) {
		fsem_bounded_release(&sem);	/* blocks while nothing is out */
		printf("task2: release %d done\n", i);
	}
	return NULL;
}

int main(void)
{
	pthread_t t1, t2;
	int out;

	if (fsem_bounded_init(&sem, 0, 1) != 0)
		return 1;
	pthread_create(&t1, NULL, task1, NULL);
	pthread_create(&t2, NULL, task2, NULL);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	fsem_bounded_given_out(&sem, &out);
	printf("given out at the end: %d of 1\n", out);
	return out == 1 ? 0 : 1;
}
