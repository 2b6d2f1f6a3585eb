/* SPDX-License-Identifier: MIT */
/*
 * main.c - fsem-bench: runs the selected workloads over the selected
 * implementations and prints the comparison (see bench.h and --help).
 * Built with musl-gcc and BENCH_MUSL it is fsem-bench-musl (peer.c).
 */
#include "bench.h"

#ifndef BENCH_MUSL
#include <gnu/libc-version.h>
#endif
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

void wl_uncontended(const struct bench_opts *o, struct results *res);
void wl_pingpong(const struct bench_opts *o, struct results *res);
void wl_workqueue(const struct bench_opts *o, struct results *res);
void wl_pool(const struct bench_opts *o, struct results *res);
void wl_bounded(const struct bench_opts *o, struct results *res);
void wl_burst(const struct bench_opts *o, struct results *res);
void wl_idle(const struct bench_opts *o, struct results *res);
void bench_make_thread_once(void);

void run_workload(enum workload_id id, const struct bench_opts *o,
		  struct results *res)
{
	static void (*const fn[WL_NR])(const struct bench_opts *,
				       struct results *) = {
		[WL_UNCONTENDED] = wl_uncontended, [WL_PINGPONG] = wl_pingpong,
		[WL_WORKQUEUE] = wl_workqueue, [WL_POOL] = wl_pool,
		[WL_BOUNDED] = wl_bounded, [WL_BURST] = wl_burst,
		[WL_IDLE] = wl_idle,
	};

	fn[id](o, res);
}

/*
 * Repetition @rep of every selected workload, each followed by the same in
 * the musl helper: all implementations take turns in every repetition, so
 * a drift of the machine during the run spreads over all of them.
 */
static void run_rep(const struct bench_opts *o, int rep, int argc,
		    char **argv, struct results *res)
{
	struct bench_opts one = *o;

	one.reps = 1;
	one.rep_now = rep;
	one.rep_total = o->reps;
	for (int id = 0; id < WL_NR; id++) {
		if (!(o->workloads & (1u << id)))
			continue;
		run_workload(id, &one, res);
		peer_run(id, &one, argc, argv, res);
	}
}

/* The C library, as the report names it. */
#ifdef BENCH_MUSL
#define LIBC_LABEL	""
static const char *libc_version(void)
{
	return "musl";		/* which has no call that tells its version */
}
#else
#define LIBC_LABEL	"glibc "
static const char *libc_version(void)
{
	return gnu_get_libc_version();
}
#endif

/*
 * Instruction-count mode: the implementation's uncontended loop, alone, for
 * valgrind --tool=callgrind --toggle-collect=pairs (the adapters' loop
 * functions are all called "pairs"; only this one runs).
 */
static int callgrind_mode(const struct bench_opts *o)
{
	const struct bench_impl *impl = impl_find(o->callgrind);
	void *s;

	bench_make_thread_once();
	s = impl_new(impl, 1);
	if (!s) {
		fprintf(stderr, "fsem-bench: cannot make %s\n", impl->name);
		return 1;
	}
	impl->pairs(s, o->pairs);
	impl_free(impl, s);
	printf("%s: %llu pairs\n", impl->name, (unsigned long long)o->pairs);
	return 0;
}

/*
 * Instruction-count mode for the slow path: --pairs sleep+wake hand-offs
 * of a counting implementation. A thread waits on a semaphore with no
 * permit; the main thread posts once every 100 us, by which time the
 * waiter is asleep (valgrind runs one thread at a time, and nanosleep lets
 * the waiter run into its futex wait). Count the whole process twice with
 * different --pairs: the difference, divided, is one hand-off; strace
 * shows whether every post found a sleeper (two futex calls each).
 */
struct wake_arg {
	const struct bench_impl *impl;
	void *s;
	uint64_t n;
};

static void *wake_waiter(void *arg)
{
	struct wake_arg *a = arg;

	for (uint64_t i = 0; i < a->n; i++)
		a->impl->wait(a->s);
	return NULL;
}

static int callgrind_wake_mode(const struct bench_opts *o)
{
	const struct timespec gap = { 0, 100000 };
	struct wake_arg a = { impl_find(o->callgrind_wake), NULL, o->pairs };
	pthread_t th;

	a.s = impl_new(a.impl, 0);
	if (!a.s) {
		fprintf(stderr, "fsem-bench: cannot make %s\n", a.impl->name);
		return 1;
	}
	if (pthread_create(&th, NULL, wake_waiter, &a)) {
		impl_free(a.impl, a.s);
		fprintf(stderr, "fsem-bench: cannot start a thread\n");
		return 1;
	}
	for (uint64_t i = 0; i < a.n; i++) {
		nanosleep(&gap, NULL);	/* a measurement's pacing */
		a.impl->post(a.s);
	}
	pthread_join(th, NULL);
	impl_free(a.impl, a.s);
	printf("%s: %llu hand-offs\n", a.impl->name,
	       (unsigned long long)o->pairs);
	return 0;
}

static void cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];

	snprintf(buf, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ':');

		if (!strncmp(line, "model name", 10) && p) {
			p += 2;
			p[strcspn(p, "\n")] = '\0';
			snprintf(buf, len, "%s", p);
			break;
		}
	}
	fclose(f);
}

static void command_line(char *buf, size_t len, int argc, char **argv)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < argc && used < len; i++)
		used += snprintf(buf + used, len - used, "%s%s", i ? " " : "",
				 argv[i]);
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	struct results res = { 0 };
	struct run_info info;
	struct utsname u;
	char cpu[128], kernel[160], cmd[1024];
	int ret;

	opts_default(&o);
	ret = opts_parse(&o, argc, argv, stdout, stderr);
	if (ret)
		return ret > 0 ? 0 : 2;
	if (o.callgrind)
		return callgrind_mode(&o);
	if (o.callgrind_wake)
		return callgrind_wake_mode(&o);
	futex_counter_probe(o.format != OUT_RAW);
	busy_calibrate();
	/* a step takes one duration, or two million uncontended pairs */
	watchdog_start(60 + 20 * o.duration_ms / 1000);
	for (int rep = 1; rep <= o.reps; rep++)
		run_rep(&o, rep, argc, argv, &res);
	progress_done(&o);
	cpu_model(cpu, sizeof(cpu));
	uname(&u);
	snprintf(kernel, sizeof(kernel), "%s %s", u.sysname, u.release);
	command_line(cmd, sizeof(cmd), argc, argv);
	info = (struct run_info){ cmd, cpu, kernel, libc_version(),
				  (int)sysconf(_SC_NPROCESSORS_ONLN) };
	if (o.save) {
		FILE *f = fopen(o.save, "w");

		if (!f || (report_json(f, &res, &info), fclose(f)) != 0) {
			fprintf(stderr, "fsem-bench: cannot write %s\n",
				o.save);
			ret = 1;
		}
	}
	if (o.format == OUT_TABLE) {
		printf("fsem-bench: %s; %d CPUs; %s; %s%s\n", cpu,
		       info.ncpu, kernel, LIBC_LABEL, info.libc);
		printf("command: %s\n", cmd);
		report_table(stdout, &res);
		putchar('\n');
		report_summary(stdout, &res);
	} else if (o.format == OUT_RAW) {
		report_raw(stdout, &res);
	} else {
		if (o.format == OUT_CSV)
			report_csv(stdout, &res);
		else
			report_json(stdout, &res, &info);
		report_summary(stderr, &res);
	}
	results_free(&res);
	return ret;
}
