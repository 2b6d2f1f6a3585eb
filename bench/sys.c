/* SPDX-License-Identifier: MIT */
/*
 * sys.c - what the workloads need from the system: clocks, CPU time,
 * pinning, calibrated busy work, /proc thread states, and a perf counter of
 * futex system calls.
 */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

pid_t bench_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

int pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* Iterations of the busy loop per microsecond, set by busy_calibrate(). */
static double iters_per_us = 100;

static void spin_iters(uint64_t n)
{
	for (volatile uint64_t i = 0; i < n; i++)
		;
}

void busy_ns(int ns)
{
	if (ns > 0)
		spin_iters((uint64_t)(ns * iters_per_us / 1000.0 + 0.5));
}

void busy_calibrate(void)
{
	const uint64_t n = 2000000;
	double best = 0;

	for (int i = 0; i < 5; i++) {	/* the fastest of 5: least disturbed */
		uint64_t t = now_ns();
		double rate;

		spin_iters(n);
		rate = n * 1000.0 / (double)(now_ns() - t);
		if (rate > best)
			best = rate;
	}
	iters_per_us = best;
}

bool thread_in_futex(pid_t tid)
{
	char path[64], buf[512], *p;
	long nr;
	int fd;
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return false;
	buf[len] = '\0';
	p = strrchr(buf, ')');	/* the name may hold anything */
	if (!p || p[1] != ' ' || p[2] != 'S')
		return false;
	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return false;
	buf[len] = '\0';
	nr = strtol(buf, NULL, 10);
	return nr == SYS_futex;
}

#define TRACEFS "/sys/kernel/tracing"
#define FUTEX_TP "/events/syscalls/sys_enter_futex/id"



static long read_tracepoint_id(const char *path)
{
	char buf[32];
	ssize_t len;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	return strtol(buf, NULL, 10);
}

/*
 * The id of the syscalls:sys_enter_futex tracepoint. tracefs is often not
 * mounted (a fresh container, a minimal VM): as root, mount it, and say so.
 * Otherwise set futex_missing and say once why and how to enable it.
 */
static long futex_tracepoint_id(void)
{
	long id = read_tracepoint_id(TRACEFS FUTEX_TP);

	if (id < 0)
		id = read_tracepoint_id("/sys/kernel/debug/tracing" FUTEX_TP);
	if (id >= 0)
		return id;
	if (geteuid() != 0) {
		futex_missing = "tracefs is not mounted and mounting it needs "
				"root";
		return -1;
	}
	if (mount("nodev", TRACEFS, "tracefs", 0, NULL) != 0) {
		static char why[128];

		snprintf(why, sizeof(why), "tracefs is not mounted and "
			 "mounting it on " TRACEFS " failed: %s",
			 strerror(errno));
		futex_missing = why;
		return -1;
	}
	fprintf(stderr, "fsem-bench: mounted tracefs on " TRACEFS " to count "
		"futex calls (umount " TRACEFS " to undo)\n");
	id = read_tracepoint_id(TRACEFS FUTEX_TP);
	if (id < 0)
		futex_missing = "the tracepoint syscalls:sys_enter_futex does "
				"not exist (kernel without "
				"CONFIG_FTRACE_SYSCALLS?)";
	return id;
}

static bool futex_may_say = true;

/* Say once on stderr why the futex columns are empty, and how to fill them. */
static void futex_say_why(void)
{
	static bool said;

	if (said || !futex_missing || !futex_may_say)
		return;
	said = true;
	fprintf(stderr, "fsem-bench: futex calls not counted: %s; their cells "
		"say \"" FUTEX_UNTRACED "\". To count them, run as root, or "
		"as root once: mount -t tracefs nodev " TRACEFS " && sysctl "
		"kernel.perf_event_paranoid=-1\n", futex_missing);
}

int futex_counter_open(bool inherit, const void *obj, size_t len)
{
	char filter[96];
	int fd;

	static long id = -2;
	struct perf_event_attr attr;

	if (id == -2)
		id = futex_tracepoint_id();
	if (id < 0) {
		futex_say_why();
		return -1;
	}
	memset(&attr, 0, sizeof(attr));
	attr.type = PERF_TYPE_TRACEPOINT;
	attr.size = sizeof(attr);
	attr.config = (uint64_t)id;
	attr.inherit = inherit;
	attr.exclude_kernel = 0;
	fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1,
			  PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		futex_missing = errno == EACCES || errno == EPERM ?
			"perf_event_open refused the tracepoint "
			"(kernel.perf_event_paranoid, or no CAP_PERFMON)" :
			"perf_event_open failed on the tracepoint";
		futex_say_why();
		return -1;
	}
	if (!obj)
		return fd;
	snprintf(filter, sizeof(filter), "uaddr >= 0x%lx && uaddr < 0x%lx",
		 (unsigned long)obj, (unsigned long)obj + len);
	if (ioctl(fd, PERF_EVENT_IOC_SET_FILTER, filter) != 0) {
		close(fd);
		futex_missing = "the kernel refused a tracepoint filter";
		futex_say_why();
		return -1;	/* unfiltered would count others' futexes */
	}
	return fd;
}

void futex_counter_probe(bool say)
{
	futex_may_say = say;
	futex_counter_close(futex_counter_open(false, NULL, 0));
}

long long futex_counter_read(int fd)
{
	uint64_t v;

	if (fd < 0 || read(fd, &v, sizeof(v)) != (ssize_t)sizeof(v))
		return -1;
	return (long long)v;
}

void futex_counter_close(int fd)
{
	if (fd >= 0)
		close(fd);
}

void *bench_zalloc(size_t size)
{
	void *p = aligned_alloc(64, (size + 63) / 64 * 64);

	if (p)
		memset(p, 0, size);
	return p;
}

size_t impl_span(const struct bench_impl *impl)
{
	return (impl->size + 127) / 128 * 128;	/* its own cache lines */
}

void *impl_new(const struct bench_impl *impl, unsigned int value)
{
	size_t size = impl_span(impl);
	void *s = aligned_alloc(128, size);

	if (!s)
		return NULL;
	memset(s, 0, size);
	if (impl->init(s, value) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

void impl_free(const struct bench_impl *impl, void *s)
{
	if (s) {
		impl->destroy(s);
		free(s);
	}
}

bool join_kicking(pthread_t th, const struct bench_impl *impl, void *sem)
{
	bool kicked = false;
	struct timespec dl;
	unsigned int n;

	for (;;) {
		clock_gettime(CLOCK_REALTIME, &dl);	/* the join's clock */
		dl.tv_nsec += JOIN_PATIENCE_MS * 1000000L;
		dl.tv_sec += dl.tv_nsec / 1000000000L;
		dl.tv_nsec %= 1000000000L;
		if (pthread_timedjoin_np(th, NULL, &dl) == 0)
			break;
		for (n = 0; impl->trywait(sem) == 0; n++)
			kicked = true;	/* asleep, or not yet back, with n free */
		for (; n > 0; n--) {
			impl->post(sem);
			sched_yield();	/* let the woken one take it: from 0 */
		}
	}
	if (kicked)
		fprintf(stderr, "fsem-bench: %s: a thread was not back %d ms "
			"after the end of a run while permits were free (a "
			"lost wake-up?); the driver took and gave them back "
			"to wake it, and that run's time includes the wait\n",
			impl->name, JOIN_PATIENCE_MS);
	return kicked;
}

/*
 * On a terminal the line rewrites itself; elsewhere (logs) a line is
 * printed only when the part before ':' changes, once per configuration.
 */
static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static char watch_step[128] = "start-up";	/* under watch_lock */
static _Atomic int64_t watch_ns;		/* last progress(), monotonic */

static int64_t watch_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void *watchdog(void *arg)
{
	int64_t limit = (int64_t)(intptr_t)arg * 1000000000;
	char step[sizeof(watch_step)];

	for (;;) {
		sleep(1);
		if (watch_now() - atomic_load(&watch_ns) <= limit)
			continue;
		pthread_mutex_lock(&watch_lock);
		memcpy(step, watch_step, sizeof(step));
		pthread_mutex_unlock(&watch_lock);
		fprintf(stderr, "\nfsem-bench: no progress for %lld s in "
			"\"%s\": a thread of that implementation is stuck (a "
			"lost wake-up?); giving up\n",
			(long long)(limit / 1000000000), step);
		fflush(stderr);
		_exit(3);
	}
	return NULL;
}

void watchdog_start(int limit_s)
{
	pthread_t th;

	atomic_store(&watch_ns, watch_now());
	if (pthread_create(&th, NULL, watchdog, (void *)(intptr_t)limit_s))
		return;		/* no watchdog: a hang stays a hang */
	pthread_detach(th);
}

void progress(const struct bench_opts *o, const char *fmt, ...)
{
	static char last[128];
	char line[128];
	size_t head;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&watch_lock);
	memcpy(watch_step, line, sizeof(watch_step));
	pthread_mutex_unlock(&watch_lock);
	atomic_store(&watch_ns, watch_now());
	if (o->quiet)
		return;
	if (isatty(2)) {
		fprintf(stderr, "\r\033[K%s", line);
	} else {
		head = strcspn(line, ":");
		if (strlen(last) == head && !strncmp(last, line, head))
			return;
		snprintf(last, sizeof(last), "%.*s", (int)head, line);
		fprintf(stderr, "%s\n", line);
	}
	fflush(stderr);
}

void progress_done(const struct bench_opts *o)
{
	if (!o->quiet && isatty(2))
		fputs("\r\033[K", stderr);
}
