/* SPDX-License-Identifier: MIT */
/*
 * sem_prog.c - a program written against plain <semaphore.h>, knowing
 * nothing of fsem. "sem_prog transcript" prints the result and errno of
 * every sem_* call on its normal and error paths, threads, signals, fork
 * with a MAP_SHARED sem_t, a named semaphore shared with a second
 * process, and the named calls with a cancel pending; run with and
 * without the preload library the transcripts must be identical.
 * "sem_prog layout" prints whose sem_t layout sem_init wrote: "glibc" or
 * "fsem".
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NAME "/fsem-preload-test"

static void show(const char *what, int ret)
{
	printf("%-34s %d %s\n", what, ret, ret ? strerrorname_np(errno) : "");
}

static void show_value(const char *what, sem_t *s)
{
	int v = -1;

	sem_getvalue(s, &v);
	printf("%-34s value %d\n", what, v);
}

static struct timespec in_ns(clockid_t c, long ns)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	ts.tv_nsec += ns;
	ts.tv_sec += ts.tv_nsec / 1000000000;
	ts.tv_nsec %= 1000000000;
	if (ts.tv_nsec < 0) {	/* a negative @ns that borrowed a second */
		ts.tv_nsec += 1000000000;
		ts.tv_sec--;
	}
	return ts;
}

static void basic(void)
{
	sem_t s;
	struct timespec ts;

	show("init 2", sem_init(&s, 0, 2));
	show("trywait", sem_trywait(&s));
	show("wait", sem_wait(&s));
	show("trywait at 0", sem_trywait(&s));
	show("post", sem_post(&s));
	show_value("after post", &s);
	errno = 0;
	show("init SEM_VALUE_MAX+1", sem_init(&s, 0, (unsigned)SEM_VALUE_MAX + 1));
	show("init SEM_VALUE_MAX", sem_init(&s, 0, SEM_VALUE_MAX));
	show("post at SEM_VALUE_MAX", sem_post(&s));
	show_value("after overflow", &s);
	show("init 0", sem_init(&s, 0, 0));
	ts = in_ns(CLOCK_REALTIME, -1000000);
	show("timedwait past deadline", sem_timedwait(&s, &ts));
	ts.tv_nsec = 1000000000;
	show("timedwait tv_nsec 1e9", sem_timedwait(&s, &ts));
	ts.tv_nsec = -1;
	show("timedwait tv_nsec -1", sem_timedwait(&s, &ts));
	ts = in_ns(CLOCK_MONOTONIC, 20000000);
	show("clockwait monotonic 20 ms", sem_clockwait(&s, CLOCK_MONOTONIC, &ts));
	show("clockwait bad clock", sem_clockwait(&s, CLOCK_PROCESS_CPUTIME_ID, &ts));
	show("post", sem_post(&s));
	ts.tv_nsec = 1000000000;
	show("timedwait bad tv_nsec, value 1", sem_timedwait(&s, &ts));
	ts = in_ns(CLOCK_REALTIME, -1000000);
	show("timedwait past deadline, value 1", sem_timedwait(&s, &ts));
	show("destroy", sem_destroy(&s));
}

static sem_t busy;
static _Atomic pid_t busy_tid;

static void *busy_waiter(void *arg)
{
	(void)arg;
	busy_tid = (pid_t)syscall(SYS_gettid);
	return (void *)(long)sem_wait(&busy);
}

static void wait_asleep(pid_t tid);

/* glibc does not look for waiters: destroy says 0, and nothing changes. */
static void destroy_with_waiter(void)
{
	pthread_t th;
	void *ret;

	sem_init(&busy, 0, 0);
	pthread_create(&th, NULL, busy_waiter, NULL);
	while (!busy_tid)
		sched_yield();
	wait_asleep(busy_tid);
	show("destroy with a waiter", sem_destroy(&busy));
	sem_post(&busy);
	pthread_join(th, &ret);
	printf("%-34s %ld\n", "the waiter then returned", (long)ret);
}

static sem_t work, done;
static long consumed;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *consumer(void *arg)
{
	(void)arg;
	for (;;) {
		sem_wait(&work);
		pthread_mutex_lock(&lock);
		if (consumed == 40000) {
			pthread_mutex_unlock(&lock);
			sem_post(&done);
			return NULL;
		}
		consumed++;
		pthread_mutex_unlock(&lock);
	}
}

static void threads(void)
{
	pthread_t th[4];

	sem_init(&work, 0, 0);
	sem_init(&done, 0, 0);
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, consumer, NULL);
	for (int i = 0; i < 40000 + 4; i++)
		sem_post(&work);
	for (int i = 0; i < 4; i++)
		sem_wait(&done);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	printf("%-34s %ld\n", "4 consumers took", consumed);
	show_value("work left", &work);
}

static volatile sig_atomic_t handled;
static _Atomic pid_t waiter_tid;
static sem_t sig_sem;
static int sig_ret[2], sig_err[2];

static void on_signal(int sig)
{
	(void)sig;
	handled = 1;
}

static void *sig_waiter(void *arg)
{
	int timed = *(int *)arg;
	struct timespec ts = in_ns(CLOCK_REALTIME, 0);

	ts.tv_sec += 60;
	waiter_tid = (pid_t)syscall(SYS_gettid);
	sig_ret[timed] = timed ? sem_timedwait(&sig_sem, &ts) : sem_wait(&sig_sem);
	sig_err[timed] = errno;
	return NULL;
}

/* Until thread @tid sleeps (state S) in a system call. */
static void wait_asleep(pid_t tid)
{
	char path[64], buf[512];

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	for (;;) {
		FILE *f = fopen(path, "r");
		size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
		char *p;

		if (f)
			fclose(f);
		buf[n] = '\0';
		p = strrchr(buf, ')');
		if (p && p[1] == ' ' && p[2] == 'S')
			return;
		sched_yield();
	}
}

/*
 * A handler without SA_RESTART interrupts both waits; with SA_RESTART the
 * untimed one goes on waiting (a post then ends it) and the timed one
 * still returns EINTR.
 */
static void signals(void)
{
	for (int restart = 0; restart < 2; restart++) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sa.sa_flags = restart ? SA_RESTART : 0;
		sigaction(SIGUSR1, &sa, NULL);
		for (int timed = 0; timed < 2; timed++) {
			pthread_t th;
			char what[64];

			sem_init(&sig_sem, 0, 0);
			waiter_tid = 0;
			handled = 0;
			pthread_create(&th, NULL, sig_waiter, &timed);
			while (!waiter_tid)
				sched_yield();
			wait_asleep(waiter_tid);
			pthread_kill(th, SIGUSR1);
			while (!handled)
				sched_yield();
			if (restart && !timed) {
				wait_asleep(waiter_tid);	/* back asleep */
				sem_post(&sig_sem);
			}
			pthread_join(th, NULL);
			snprintf(what, sizeof(what), "%s, %s",
				 timed ? "timedwait" : "wait",
				 restart ? "SA_RESTART" : "no SA_RESTART");
			errno = sig_err[timed];
			show(what, sig_ret[timed]);
			sem_destroy(&sig_sem);
		}
	}
}

static void shared(void)
{
	sem_t *s = mmap(NULL, 2 * sizeof(sem_t), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int status;
	pid_t pid;

	sem_init(&s[0], 1, 0);
	sem_init(&s[1], 1, 0);
	pid = fork();
	if (pid == 0) {
		for (int i = 0; i < 1000; i++) {
			sem_post(&s[0]);
			sem_wait(&s[1]);
		}
		_exit(0);
	}
	for (int i = 0; i < 1000; i++) {
		sem_wait(&s[0]);
		sem_post(&s[1]);
	}
	waitpid(pid, &status, 0);
	printf("%-34s %d\n", "MAP_SHARED ping-pong child exit", WEXITSTATUS(status));
	show_value("MAP_SHARED after", &s[0]);
}

static const char *long_name(size_t len)
{
	static char buf[400];

	buf[0] = '/';
	memset(buf + 1, 'n', len);
	buf[len + 1] = '\0';
	return buf;
}

enum child_case { NO_FILES, AS_NOBODY_OPEN, AS_NOBODY_UNLINK };

/* Errors only another process can see: limits, permissions. */
static void from_child(const char *what, enum child_case c)
{
	int p[2], err = 0, ret = 0, status;
	pid_t pid;

	if (pipe(p))
		return;
	pid = fork();
	if (pid == 0) {
		struct rlimit rl = { 3, 3 };
		int fd = p[1];

		if (c == NO_FILES) {
			dup2(p[1], 0);	/* keep the pipe within 3 descriptors */
			fd = 0;
			for (int i = 3; i < 1024; i++)
				close(i);
			setrlimit(RLIMIT_NOFILE, &rl);
		} else if (setgid(65534) || setuid(65534)) {
			_exit(1);
		}
		errno = 0;
		if (c == AS_NOBODY_UNLINK)
			ret = sem_unlink(NAME);
		else
			ret = sem_open(NAME, 0) == SEM_FAILED ? -1 : 0;
		err = errno;
		if (write(fd, &ret, sizeof(ret)) < 0 ||
		    write(fd, &err, sizeof(err)) < 0)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &ret, sizeof(ret)) != sizeof(ret) ||
	    read(p[0], &err, sizeof(err)) != sizeof(err))
		ret = -2;
	close(p[0]);
	waitpid(pid, &status, 0);
	errno = err;
	show(what, ret);
}

static void named(const char *self)
{
	sem_t *a, *b, x;
	int status;
	pid_t pid;

	sem_unlink(NAME);
	a = sem_open(NAME, O_CREAT | O_EXCL, 0600, 0);
	show("open O_CREAT|O_EXCL", a == SEM_FAILED ? -1 : 0);
	b = sem_open(NAME, 0);
	printf("%-34s %d\n", "open again, same address", a == b);
	show("open O_EXCL existing", sem_open(NAME, O_CREAT | O_EXCL, 0600, 0) == SEM_FAILED ? -1 : 0);
	show("open missing", sem_open("/fsem-no-such", 0) == SEM_FAILED ? -1 : 0);
	show("open bad name", sem_open("/a/b", O_CREAT, 0600, 0) == SEM_FAILED ? -1 : 0);
	show("open big value", sem_open(NAME "2", O_CREAT, 0600, (unsigned)SEM_VALUE_MAX + 1) == SEM_FAILED ? -1 : 0);
	pid = fork();
	if (pid == 0) {	/* a second program opens the name and posts */
		execl(self, self, "post-named", (char *)NULL);
		_exit(127);
	}
	show("wait for the other process", sem_wait(a));
	waitpid(pid, &status, 0);
	printf("%-34s %d\n", "other process exit", WEXITSTATUS(status));
	show("open 252-character name", sem_open(long_name(252), O_CREAT, 0600, 0) == SEM_FAILED ? -1 : 0);
	show("unlink 252-character name", sem_unlink(long_name(252)));
	show("unlink name with inner /", sem_unlink("/a/b"));
	from_child("open, 3 descriptors allowed", NO_FILES);
	if (geteuid() == 0) {
		from_child("open as nobody", AS_NOBODY_OPEN);
		from_child("unlink as nobody", AS_NOBODY_UNLINK);
	}
	show("close", sem_close(a));
	show("close again", sem_close(b));
	show("close not named", sem_close(&x));
	show("unlink", sem_unlink(NAME));
	show("unlink again", sem_unlink(NAME));
}

#define CANCEL_NAME "/fsem-preload-cancel"

enum cancel_step { OPEN_EXCL, OPEN_CREAT, OPEN_EXISTING, CLOSE, UNLINK };

struct pending {
	enum cancel_step step;
	sem_t *sem;		/* CLOSE: in; opens: out */
	int ret, err;
	const char *where;	/* where a cancel acting now acts */
	const char *acted;	/* where it acted */
};

static void note_cancel(void *arg)
{
	struct pending *p = arg;

	p->acted = p->where;
}

static int pending_step(struct pending *p)
{
	switch (p->step) {
	case OPEN_EXCL:
		p->sem = sem_open(CANCEL_NAME, O_CREAT | O_EXCL, 0600, 1);
		break;
	case OPEN_CREAT:
		p->sem = sem_open(CANCEL_NAME, O_CREAT, 0600, 1);
		break;
	case OPEN_EXISTING:
		p->sem = sem_open(CANCEL_NAME, 0);
		break;
	case CLOSE:
		return sem_close(p->sem);
	case UNLINK:
		return sem_unlink(CANCEL_NAME);
	}
	return p->sem == SEM_FAILED ? -1 : 0;
}

/* Makes a cancel pending on itself, then calls: where does it act? */
static void *pending_thread(void *arg)
{
	struct pending *p = arg;

	pthread_cleanup_push(note_cancel, p);
	p->where = "inside the call";
	pthread_cancel(pthread_self());
	p->ret = pending_step(p);
	p->err = errno;
	p->where = "at the next pthread_testcancel";
	pthread_testcancel();
	p->where = "nowhere";
	pthread_cleanup_pop(0);
	return NULL;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

/* Mappings of /dev/shm files (a new semaphore's is its temporary file's). */
static int count_shm_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int n = 0;

	while (f && fgets(line, sizeof(line), f))
		n += strstr(line, " /dev/shm/") != NULL;
	if (f)
		fclose(f);
	return n;
}

/*
 * glibc's sem_open (all three forms), sem_close and sem_unlink are not
 * cancellation points: with a cancel pending each returns, and only the
 * next cancellation point acts. Nothing is left: no descriptor, and no
 * mapping once the semaphore is closed.
 */
static void named_cancel(void)
{
	static const char *const what[] = {
		"open O_EXCL, cancel pending", "open O_CREAT, cancel pending",
		"open existing, cancel pending", "close, cancel pending",
		"unlink, cancel pending",
	};

	for (int step = OPEN_EXCL; step <= UNLINK; step++) {
		struct pending p = { step, SEM_FAILED, -1, 0, NULL, "nowhere" };
		int fds, maps = count_shm_maps();
		pthread_t th;

		sem_unlink(CANCEL_NAME);
		if (step >= OPEN_EXISTING) {
			p.sem = sem_open(CANCEL_NAME, O_CREAT, 0600, 1);
			if (step != CLOSE)
				sem_close(p.sem);
		}
		fds = count_fds();
		pthread_create(&th, NULL, pending_thread, &p);
		pthread_join(th, NULL);
		if (strcmp(p.acted, "inside the call") == 0) {
			printf("%-34s cancelled inside the call\n", what[step]);
			continue;
		}
		errno = p.err;
		show(what[step], p.ret);
		printf("%-34s cancel acted %s\n", "", p.acted);
		if (step <= OPEN_EXISTING && p.sem != SEM_FAILED) {
			sem_post(p.sem);
			show_value("  then post", p.sem);
			show("  then close", sem_close(p.sem));
		}
		printf("%-34s %d descriptors, %d mappings left\n", "",
		       count_fds() - fds, count_shm_maps() - maps);
	}
	sem_unlink(CANCEL_NAME);
}

/* The layout sem_init wrote: fsem keeps its spin budget at byte 20. */
static const char *layout(void)
{
	union { sem_t s; unsigned char b[sizeof(sem_t)]; } u;
	unsigned int spin;

	memset(&u, 0, sizeof(u));
	sem_init(&u.s, 0, 1);
	memcpy(&spin, u.b + 20, sizeof(spin));
	return spin ? "fsem" : "glibc";
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 2 && !strcmp(argv[1], "layout")) {
		puts(layout());
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "post-named")) {
		sem_t *s = sem_open(NAME, 0);

		return s == SEM_FAILED || sem_post(s) || sem_close(s);
	}
	if (argc != 2 || strcmp(argv[1], "transcript"))
		return 2;
	basic();
	destroy_with_waiter();
	threads();
	signals();
	shared();
	named(argv[0]);
	named_cancel();
	return 0;
}
