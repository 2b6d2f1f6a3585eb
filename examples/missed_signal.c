/*
 * The "missed signal" of the reference text, and its cure: a semaphore made
 * with 0 remembers a post that comes before anybody waits. The waiter is
 * started only after the poster has finished, so a condition variable would
 * have lost the signal; the semaphore returns at once.
 */
#include <fsem.h>
#include <pthread.h>
#include <stdio.h>

static fsem_t sem = FSEM_INITIALIZER(0);

static void *task2(void *arg)
{
	(void)arg;
	fsem_post(&sem);	/* nobody is waiting yet */
	puts("task2: released before anyone waited");
	return NULL;
}

static void *task1(void *arg)
{
	(void)arg;
	fsem_wait(&sem);	/* the earlier post is remembered */
	puts("task1: acquired the remembered permit");
	return NULL;
}

int main(void)
{
	pthread_t t1, t2;

	pthread_create(&t2, NULL, task2, NULL);
	pthread_join(t2, NULL);		/* task2 is done before task1 starts */
	pthread_create(&t1, NULL, task1, NULL);
	pthread_join(t1, NULL);
	return fsem_destroy(&sem) == 0 ? 0 : 1;
}
