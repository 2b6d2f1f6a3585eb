/*
 * A producer/consumer work queue: a ring of slots guarded by two counting
 * semaphores (free slots, filled slots). Prints how many items passed.
 */
#include <fsem.h>
#include <pthread.h>
#include <stdio.h>

#define SLOTS 64
#define ITEMS 200000

static long ring[SLOTS];
static fsem_t free_slots, filled;

static void *producer(void *arg)
{
	(void)arg;
	for (long i = 0; i < ITEMS; i++) {
		fsem_wait(&free_slots);
		ring[i % SLOTS] = i;
		fsem_post(&filled);
	}
	return NULL;
}

int main(void)
{
	pthread_t p;
	long sum = 0;

	fsem_init(&free_slots, 0, SLOTS);
	fsem_init(&filled, 0, 0);
	pthread_create(&p, NULL, producer, NULL);
	for (long i = 0; i < ITEMS; i++) {
		fsem_wait(&filled);
		sum += ring[i % SLOTS];
		fsem_post(&free_slots);
	}
	pthread_join(p, NULL);
	printf("%d items passed, checksum %s\n", ITEMS,
	       sum == (long)ITEMS * (ITEMS - 1) / 2 ? "ok" : "WRONG");
	return sum == (long)ITEMS * (ITEMS - 1) / 2 ? 0 : 1;
}
