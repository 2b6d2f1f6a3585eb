/* SPDX-License-Identifier: MIT */
/*
 * wl_workqueue.c - the server pattern. P producers each do some work, put an
 * item into a liburcu wait-free queue (cds_wfcq) and post; C consumers wait,
 * dequeue and do some work. Reports transfers/s, CPU seconds per million
 * transfers (getrusage), and futex system calls per transfer. By default a
 * producer's work equals a consumer's, so consumers keep up and do wait,
 * and the semaphore's sleep and wake paths are measured; --produce 0 makes
 * a backlog instead, where consumers almost never wait.
 *
 * A run ends when the producers stop: the driver then posts one permit per
 * consumer, and a consumer that finds the queue empty after its wait leaves
 * (every producer's post follows its enqueue, so the queue runs dry only
 * for those extra permits). Throughput includes that drain.
 */
#define _LGPL_SOURCE
#include "bench.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <urcu/wfcqueue.h>

#define POOL_ITEMS (1u << 23)	/* per producer; only the pages used count */

struct item {
	struct cds_wfcq_node node;
};

struct wq;

struct wq_thread {
	struct wq *q;
	struct item *pool;	/* producers only */
	struct counter done;
	pthread_t th;
};

struct wq {
	const struct bench_impl *impl;
	void *sem;
	struct cds_wfcq_head head;
	struct cds_wfcq_tail tail;
	pthread_barrier_t go;
	int work_ns, produce_ns;
	_Atomic bool stop;
	struct item *pool[MAX_THREADS / 2];	/* one per producer */
	struct wq_thread t[MAX_THREADS];
};

static void *producer(void *arg)
{
	struct wq_thread *t = arg;
	struct wq *q = t->q;
	uint64_t n = 0;

	pthread_barrier_wait(&q->go);
	while (!atomic_load_explicit(&q->stop, memory_order_relaxed) &&
	       n < POOL_ITEMS) {
		busy_ns(q->produce_ns);
		cds_wfcq_node_init(&t->pool[n].node);
		cds_wfcq_enqueue(&q->head, &q->tail, &t->pool[n].node);
		q->impl->post(q->sem);
		n++;
	}
	t->done.ops = n;
	return NULL;
}

static void *consumer(void *arg)
{
	struct wq_thread *t = arg;
	struct wq *q = t->q;
	uint64_t n = 0;

	pthread_barrier_wait(&q->go);
	for (;;) {
		q->impl->wait(q->sem);
		if (!cds_wfcq_dequeue_blocking(&q->head, &q->tail))
			break;		/* an end-of-run permit */
		busy_ns(q->work_ns);
		n++;
	}
	t->done.ops = n;
	return NULL;
}

struct wq_sample {
	double mps, cpu, futex;
};

static bool wq_once(struct wq *q, int pc, int duration_ms,
		    struct wq_sample *out)
{
	struct timespec d = { duration_ms / 1000,
			      (duration_ms % 1000) * 1000000L };
	uint64_t t0, t1, transfers = 0;
	double c0, c1;
	long long f0;
	int i, made = 0, fd;

	q->sem = impl_new(q->impl, 0);
	if (!q->sem)
		return false;
	cds_wfcq_init(&q->head, &q->tail);
	atomic_store(&q->stop, false);
	pthread_barrier_init(&q->go, NULL, 2 * pc + 1);
	fd = futex_counter_open(true, q->sem, impl_span(q->impl));
	f0 = futex_counter_read(fd);
	for (i = 0; i < 2 * pc; i++, made++)
		if (pthread_create(&q->t[i].th, NULL,
				   i < pc ? producer : consumer, &q->t[i]))
			abort();	/* the barrier would wait forever */
	pthread_barrier_wait(&q->go);
	t0 = now_ns();
	c0 = cpu_seconds();
	nanosleep(&d, NULL);	/* the measured run: not a synchronization */
	atomic_store(&q->stop, true);
	for (i = 0; i < pc; i++)
		pthread_join(q->t[i].th, NULL);
	for (i = 0; i < pc; i++)
		q->impl->post(q->sem);
	for (i = pc; i < 2 * pc; i++) {
		pthread_join(q->t[i].th, NULL);
		transfers += q->t[i].done.ops;
	}
	t1 = now_ns();
	c1 = cpu_seconds();
	out->futex = fd < 0 ? NAN :
		(double)(futex_counter_read(fd) - f0) / (double)transfers;
	futex_counter_close(fd);
	out->mps = transfers * 1e3 / (double)(t1 - t0);
	out->cpu = (c1 - c0) * 1e6 / (double)transfers;
	pthread_barrier_destroy(&q->go);
	cds_wfcq_destroy(&q->head, &q->tail);
	impl_free(q->impl, q->sem);
	return transfers > 0 && made == 2 * pc;
}

void wl_workqueue(const struct bench_opts *o, struct results *res)
{
	const char *wl = "workqueue";
	struct wq *q = bench_zalloc(sizeof(*q));
	int maxp = 0, i;

	if (!q)
		return;
	for (i = 0; i < o->wq_threads.n; i++)
		if (o->wq_threads.v[i] > maxp)
			maxp = o->wq_threads.v[i];
	for (i = 0; i < maxp; i++) {
		q->pool[i] = mmap(NULL, POOL_ITEMS * sizeof(struct item),
				  PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				  -1, 0);
		if (q->pool[i] == MAP_FAILED) {
			q->pool[i] = NULL;
			goto out;
		}
	}
	q->work_ns = o->work_ns;
	q->produce_ns = o->produce_ns < 0 ? o->work_ns : o->produce_ns;
	for (int k = 0; k < o->wq_threads.n; k++) {
		int pc = o->wq_threads.v[k];
		const struct bench_impl *impl;
		char cfg[40];

		snprintf(cfg, sizeof(cfg), "P=C=%d", pc);
		for (i = 0; i < 2 * pc; i++)	/* producers first */
			q->t[i] = (struct wq_thread){
				.q = q, .pool = i < pc ? q->pool[i] : NULL };
		for (size_t m = 0; (impl = opts_turn(o, m)); m++) {
			struct wq_sample s;
			bool ok;

			if (impl->kind != IMPL_COUNTING)
				continue;
			progress(o, "%s %s: rep %d/%d %s", wl, cfg,
				 o->rep_now, o->rep_total, impl->name);
			q->impl = impl;
			ok = wq_once(q, pc, o->duration_ms, &s);
			row_add(results_row(res, wl, cfg, pc, impl,
				"throughput", "M/s", true, true),
				ok ? s.mps : NAN);
			row_add(results_row(res, wl, cfg, pc, impl,
				"cpu", "CPU-s/M", false, false),
				ok ? s.cpu : NAN);
			row_add(results_row(res, wl, cfg, pc, impl,
				"futex", "calls/transfer", false,
				false), ok ? s.futex : NAN);
		}
	}
out:
	for (i = 0; i < maxp; i++)
		if (q->pool[i])
			munmap(q->pool[i], POOL_ITEMS * sizeof(struct item));
	free(q);
}
