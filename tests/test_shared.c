/* SPDX-License-Identifier: MIT */
/*
 * test_shared.c - FSEM_SHARED semaphores in shared memory work across
 * processes and across two mappings of one file, and a process killed
 * while it waits loses no permit.
 *
 * A cmocka assertion does not cross fork(): a child checks with
 * CHILD_CHECK(), which prints the failed line and ends the child with exit
 * status 1; the parent asserts that the child exited with 0. A child or a
 * thread is known to be asleep when the kernel reports it blocked in the
 * futex call; it is reaped with a deadline, so a wake-up that never
 * arrives fails the test instead of hanging it.
 */
#define _GNU_SOURCE
#include "common.h"

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/wait.h>

/* Limit of every handshake below: only a broken test or library needs it. */
#define HANDSHAKE_NS	(10 * 1000000000LL)
#define HANDSHAKE_MS	10000
#define PAGE		4096
#define SEM_OFFSET	64	/* not at the start of the mapping */

/* In a child: on failure say where, and exit with status 1. */
#define CHILD_CHECK(cond) \
	do { \
		if (!(cond)) \
			child_fail(__LINE__, #cond); \
	} while (0)

static void child_fail(int line, const char *what)
{
	char msg[256];
	int n;

	n = snprintf(msg, sizeof(msg), "child %d: line %d: check failed: %s\n",
		     (int)getpid(), line, what);
	if (n > 0 && write(2, msg, (size_t)n) < 0)
		_exit(2);
	_exit(1);
}

/*
 * What a sleeper blocks on. COUNTING: fsem_t at 0, freed by a post.
 * ACQUIRE: bounded, one permit, given out; freed by a release. RELEASE:
 * bounded, one permit, free; freed by an acquire.
 */
enum kind { COUNTING, ACQUIRE, RELEASE };

static const char *const kind_names[] = {
	"fsem_wait/fsem_post", "bounded acquire/release",
	"bounded release/acquire",
};

/* One semaphore of either type, as it lies in shared memory. */
union any_sem {
	fsem_t sem;
	fsem_bounded_t b;
};

static void setup(enum kind k, int flags, union any_sem *s)
{
	if (k == COUNTING) {
		assert_int_equal(fsem_init(&s->sem, FSEM_SHARED | flags, 0),
				 0);
		return;
	}
	assert_int_equal(fsem_bounded_init(&s->b, FSEM_SHARED | flags, 1), 0);
	if (k == ACQUIRE)
		assert_int_equal(fsem_bounded_tryacquire(&s->b), 0);
}

/* The blocking call of kind @k, and the call that frees it. */
static int take(enum kind k, union any_sem *s)
{
	if (k == COUNTING)
		return fsem_wait(&s->sem);
	return k == ACQUIRE ? fsem_bounded_acquire(&s->b)
			    : fsem_bounded_release(&s->b);
}

static int give(enum kind k, union any_sem *s)
{
	if (k == COUNTING)
		return fsem_post(&s->sem);
	return k == ACQUIRE ? fsem_bounded_release(&s->b)
			    : fsem_bounded_acquire(&s->b);
}

/* Free count (COUNTING) or given_out (bounded); -1 on error. */
static int level(enum kind k, union any_sem *s)
{
	int v = -1;

	if (k == COUNTING)
		fsem_getvalue(&s->sem, &v);
	else
		fsem_bounded_given_out(&s->b, &v);
	return v;
}

/* The level as set up, and after one take that a give has paid for. */
static int initial_level(enum kind k)
{
	return k == ACQUIRE ? 1 : 0;
}

static int destroy(enum kind k, union any_sem *s)
{
	return k == COUNTING ? fsem_destroy(&s->sem)
			     : fsem_bounded_destroy(&s->b);
}

static void *map_shared_anon(void)
{
	void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	memset(p, 0, PAGE);
	return p;
}

/* Process @pid's state letter and system call (-1: running or gone). */
static char proc_state(pid_t pid, long *nr)
{
	char path[64], buf[512];
	const char *p;
	FILE *f;
	int n;

	*nr = -1;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return '?';
	n = (int)fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n > 0 ? n : 0] = '\0';
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return '?';
	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%ld", nr) != 1)
			*nr = -1;
		fclose(f);
	}
	return p[2];
}

/* Wait until (single-threaded) child @pid sleeps in the futex call. */
static void wait_child_blocked(pid_t pid)
{
	int64_t end = test_now_ns(CLOCK_MONOTONIC) + HANDSHAKE_NS;
	long nr;
	char st;

	for (;;) {
		st = proc_state(pid, &nr);
		if (st == 'S' && nr == SYS_futex)
			return;
		if (st == 'Z' || st == '?' ||
		    test_now_ns(CLOCK_MONOTONIC) > end) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			fail_msg("child %d never blocked (state %c)", (int)pid,
				 st);
		}
		sched_yield();
	}
}

/*
 * True once child @pid has ended, false after @ms; it stays unreaped. A
 * pidfd, or polling where there is none (valgrind 3.19).
 */
static bool child_ends_within(pid_t pid, int ms)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int64_t end = test_now_ns(CLOCK_MONOTONIC) + (int64_t)ms * 1000000;
	siginfo_t info;
	bool ended;

	if (fd >= 0) {
		ended = poll(&pfd, 1, ms) == 1;
		close(fd);
		return ended;
	}
	assert_int_equal(errno, ENOSYS);	/* valgrind 3.19 has none */
	for (;;) {
		info.si_pid = 0;
		assert_int_equal(waitid(P_PID, (id_t)pid, &info,
					WEXITED | WNOHANG | WNOWAIT), 0);
		if (info.si_pid == pid)
			return true;
		if (test_now_ns(CLOCK_MONOTONIC) > end)
			return false;
		usleep(1000);
	}
}

/*
 * Reap child @pid, killing it if it has not finished within the handshake
 * limit, and assert that it exited with status 0.
 */
static void expect_child_ok(pid_t pid, const char *what)
{
	int status = 0;

	if (!child_ends_within(pid, HANDSHAKE_MS)) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		fail_msg("%s: child %d still running after %d ms", what,
			 (int)pid, HANDSHAKE_MS);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("%s: child %d ended with status %#x", what, (int)pid,
			 status);
}

static pid_t fork_child(void)
{
	pid_t pid;

	fflush(NULL);	/* nothing buffered is written twice */
	pid = fork();
	assert_true(pid >= 0);
	return pid;
}

/* A thread of this process blocked in take(); done once it returned. */
struct sleeper {
	pthread_t thread;
	struct test_tid tid;
	_Atomic int done;
	int ret;
	enum kind kind;
	union any_sem *s;
};

static void *run_take(void *arg)
{
	struct sleeper *t = arg;

	test_tid_publish(&t->tid);
	t->ret = take(t->kind, t->s);
	atomic_store(&t->done, 1);
	return NULL;
}

static void start_asleep(struct sleeper *t, enum kind k, union any_sem *s)
{
	memset(t, 0, sizeof(*t));
	t->kind = k;
	t->s = s;
	assert_int_equal(pthread_create(&t->thread, NULL, run_take, t), 0);
	test_wait_blocked(test_tid_get(&t->tid));
}

/*
 * Join sleeper @t with a deadline. If it is still asleep (its wake-up
 * never arrived), free it through @rescue so that it does not outlive the
 * test, then fail.
 */
static void finish(struct sleeper *t, union any_sem *rescue, const char *what)
{
	struct timespec ts = test_deadline(CLOCK_REALTIME, HANDSHAKE_NS);

	if (test_timedjoin(t->thread, NULL, &ts) != 0) {
		give(t->kind, rescue);
		pthread_join(t->thread, NULL);
		fail_msg("%s: the sleeper was never woken", what);
	}
	if (t->ret != 0)
		fail_msg("%s: the sleeper returned %d", what, t->ret);
}

static const int flag_sets[] = { 0, FSEM_NOSPIN };

/* A child blocks on a shared semaphore; the parent's post frees it. */
static void shared_child_waits_parent_posts(void **state)
{
	union any_sem *s;
	int k, f;
	pid_t pid;

	(void)state;
	s = map_shared_anon();
	for (k = COUNTING; k <= RELEASE; k++) {
		for (f = 0; f < 2; f++) {
			setup(k, flag_sets[f], s);
			pid = fork_child();
			if (pid == 0) {
				CHILD_CHECK(take(k, s) == 0);
				CHILD_CHECK(level(k, s) == initial_level(k));
				_exit(0);
			}
			wait_child_blocked(pid);
			assert_int_equal(level(k, s), initial_level(k));
			assert_int_equal(give(k, s), 0);
			expect_child_ok(pid, kind_names[k]);
			assert_int_equal(level(k, s), initial_level(k));
			assert_int_equal(destroy(k, s), 0);
		}
	}
	assert_int_equal(munmap(s, PAGE), 0);
}

/* The non-blocking form of take(): 0, or -1 with errno EAGAIN. */
static int try_take(enum kind k, union any_sem *s)
{
	if (k == COUNTING)
		return fsem_trywait(&s->sem);
	return k == ACQUIRE ? fsem_bounded_tryacquire(&s->b)
			    : fsem_bounded_tryrelease(&s->b);
}

/*
 * Two children sleep on one shared semaphore and one is SIGKILLed there:
 * the other is still woken by the next give, and the give after that is
 * a permit any caller can take (a killed waiter must not keep a debt that
 * swallows it). The dead child's registration stays: destroy says EBUSY.
 */
static void shared_killed_waiter_loses_no_permit(void **state)
{
	union any_sem *s;
	pid_t pid[2];
	int k, f, i;

	(void)state;
	s = map_shared_anon();
	for (k = COUNTING; k <= RELEASE; k++) {
		for (f = 0; f < 2; f++) {
			setup(k, flag_sets[f], s);
			for (i = 0; i < 2; i++) {
				pid[i] = fork_child();
				if (pid[i] == 0) {
					CHILD_CHECK(take(k, s) == 0);
					_exit(0);
				}
				wait_child_blocked(pid[i]);
			}
			assert_int_equal(kill(pid[0], SIGKILL), 0);
			assert_int_equal(waitpid(pid[0], NULL, 0), pid[0]);
			assert_int_equal(level(k, s), initial_level(k));
			assert_int_equal(give(k, s), 0);
			expect_child_ok(pid[1], kind_names[k]);
			assert_int_equal(level(k, s), initial_level(k));
			assert_int_equal(give(k, s), 0);
			assert_int_not_equal(level(k, s), initial_level(k));
			assert_int_equal(try_take(k, s), 0);
			assert_int_equal(level(k, s), initial_level(k));
			errno = 0;
			assert_int_equal(destroy(k, s), -1);
			assert_int_equal(errno, EBUSY);
		}
	}
	assert_int_equal(munmap(s, PAGE), 0);
}

/* A thread of the parent blocks; the child's post frees it. */
static void shared_parent_waits_child_posts(void **state)
{
	struct sleeper t;
	union any_sem *s;
	int k, f, go[2];
	char c = 'g';
	pid_t pid;

	(void)state;
	s = map_shared_anon();
	for (k = COUNTING; k <= RELEASE; k++) {
		for (f = 0; f < 2; f++) {
			setup(k, flag_sets[f], s);
			assert_int_equal(pipe(go), 0);
			pid = fork_child();	/* before any thread exists */
			if (pid == 0) {
				CHILD_CHECK(read(go[0], &c, 1) == 1);
				CHILD_CHECK(give(k, s) == 0);
				_exit(0);
			}
			start_asleep(&t, k, s);
			assert_int_equal(write(go[1], &c, 1), 1);
			expect_child_ok(pid, kind_names[k]);
			finish(&t, s, kind_names[k]);
			close(go[0]);
			close(go[1]);
			assert_int_equal(level(k, s), initial_level(k));
			assert_int_equal(destroy(k, s), 0);
		}
	}
	assert_int_equal(munmap(s, PAGE), 0);
}

/* Two semaphores and a plain counter, shared by parent and child. */
struct court {
	union any_sem ping;	/* parent -> child */
	union any_sem pong;	/* child -> parent */
	int ball;		/* plain: the semaphores order it */
	int child_rounds;
	_Atomic int stop;
};

static void child_pong(struct court *c, enum kind k)
{
	int round;

	for (round = 0;; round++) {
		CHILD_CHECK(take(k, &c->ping) == 0);
		if (atomic_load(&c->stop))
			break;
		CHILD_CHECK(c->ball == 2 * round + 1);
		c->ball++;
		CHILD_CHECK(give(k, &c->pong) == 0);
	}
	c->child_rounds = round;
	_exit(0);
}

/*
 * Ping-pong between parent and child until the deadline: each side checks
 * that the ball shows the other side's last hit and no more, so the turns
 * strictly alternate and each sees the other's plain writes.
 */
static void shared_ping_pong_alternates(void **state)
{
	struct court *c;
	int64_t end;
	int k, round;
	pid_t pid;

	(void)state;
	c = map_shared_anon();
	for (k = COUNTING; k <= RELEASE; k++) {
		setup(k, 0, &c->ping);
		setup(k, FSEM_NOSPIN, &c->pong);
		c->ball = 0;
		c->child_rounds = -1;
		atomic_store(&c->stop, 0);
		pid = fork_child();
		if (pid == 0)
			child_pong(c, k);
		end = test_now_ns(CLOCK_MONOTONIC) +
		      test_duration_ms(300) * 1000000;
		for (round = 0; test_now_ns(CLOCK_MONOTONIC) < end; round++) {
			if (c->ball != 2 * round) {
				kill(pid, SIGKILL);
				waitpid(pid, NULL, 0);
				fail_msg("%s: round %d: ball %d", kind_names[k],
					 round, c->ball);
			}
			c->ball++;
			assert_int_equal(give(k, &c->ping), 0);
			assert_int_equal(take(k, &c->pong), 0);
		}
		atomic_store(&c->stop, 1);
		assert_int_equal(give(k, &c->ping), 0);
		expect_child_ok(pid, kind_names[k]);
		print_message("[ shared_ping_pong ] %s: %d rounds\n",
			      kind_names[k], round);
		assert_true(round > 0);
		assert_int_equal(c->child_rounds, round);
		assert_int_equal(c->ball, 2 * round);
		assert_int_equal(level(k, &c->ping), initial_level(k));
		assert_int_equal(level(k, &c->pong), initial_level(k));
		assert_int_equal(destroy(k, &c->ping), 0);
		assert_int_equal(destroy(k, &c->pong), 0);
	}
	assert_int_equal(munmap(c, PAGE), 0);
}

#define N_PERMITS	3

/* The child takes all N permits, blocks on one more until a release. */
static void shared_bounded_child_acquires_beyond_n(void **state)
{
	fsem_bounded_t *b;
	int v = -1, i;
	pid_t pid;

	(void)state;
	b = map_shared_anon();
	assert_int_equal(fsem_bounded_init(b, FSEM_SHARED, N_PERMITS), 0);
	pid = fork_child();
	if (pid == 0) {
		for (i = 0; i < N_PERMITS; i++)
			CHILD_CHECK(fsem_bounded_acquire(b) == 0);
		CHILD_CHECK(fsem_bounded_acquire(b) == 0);	/* blocks */
		CHILD_CHECK(fsem_bounded_given_out(b, &v) == 0);
		CHILD_CHECK(v == N_PERMITS);
		_exit(0);
	}
	wait_child_blocked(pid);
	assert_int_equal(fsem_bounded_given_out(b, &v), 0);
	assert_int_equal(v, N_PERMITS);
	errno = 0;
	assert_int_equal(fsem_bounded_tryacquire(b), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(fsem_bounded_release(b), 0);
	expect_child_ok(pid, "acquire beyond N");
	/* The child ended holding all N. */
	assert_int_equal(fsem_bounded_given_out(b, &v), 0);
	assert_int_equal(v, N_PERMITS);
	assert_int_equal(fsem_bounded_destroy(b), 0);
	assert_int_equal(munmap(b, PAGE), 0);
}

/* The child releases with all free: it blocks until an acquire. */
static void shared_bounded_child_release_waits_for_acquire(void **state)
{
	fsem_bounded_t *b;
	int v = -1;
	pid_t pid;

	(void)state;
	b = map_shared_anon();
	assert_int_equal(fsem_bounded_init(b, FSEM_SHARED | FSEM_NOSPIN,
					   N_PERMITS), 0);
	pid = fork_child();
	if (pid == 0) {
		CHILD_CHECK(fsem_bounded_release(b) == 0);	/* blocks */
		CHILD_CHECK(fsem_bounded_given_out(b, &v) == 0);
		CHILD_CHECK(v == 0);
		_exit(0);
	}
	wait_child_blocked(pid);
	assert_int_equal(fsem_bounded_given_out(b, &v), 0);
	assert_int_equal(v, 0);
	errno = 0;
	assert_int_equal(fsem_bounded_tryrelease(b), -1);
	assert_int_equal(errno, EAGAIN);
	/* The acquire takes a permit at once; the release gives it back. */
	assert_int_equal(fsem_bounded_acquire(b), 0);
	expect_child_ok(pid, "release with all free");
	assert_int_equal(fsem_bounded_given_out(b, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(fsem_bounded_destroy(b), 0);
	assert_int_equal(munmap(b, PAGE), 0);
}

/* A file of one page: a memfd, or an unlinked temporary file. */
static int page_file(int memfd)
{
	char name[] = "/tmp/fsem-shared-XXXXXX";
	int fd;

	if (memfd) {
		fd = memfd_create("fsem-shared", MFD_CLOEXEC);
	} else {
		fd = mkstemp(name);
		if (fd >= 0)
			unlink(name);
	}
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, PAGE), 0);
	return fd;
}

static union any_sem *map_file(int fd)
{
	char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	assert_true(p != MAP_FAILED);
	return (union any_sem *)(void *)(p + SEM_OFFSET);
}

static void unmap_file(union any_sem *s)
{
	assert_int_equal(munmap((char *)s - SEM_OFFSET, PAGE), 0);
}

static const char *const file_names[] = { "temporary file", "memfd" };

/*
 * One file mapped twice in one process, at two addresses: a thread blocks
 * through one address, the post through the other frees it; both ways.
 */
static void shared_two_mappings_in_one_process(void **state)
{
	union any_sem *m[2];
	struct sleeper t;
	int memfd, k, dir, fd;

	(void)state;
	for (memfd = 0; memfd < 2; memfd++) {
		fd = page_file(memfd);
		m[0] = map_file(fd);
		m[1] = map_file(fd);
		assert_ptr_not_equal(m[0], m[1]);
		for (k = COUNTING; k <= RELEASE; k++) {
			for (dir = 0; dir < 2; dir++) {
				setup(k, FSEM_NOSPIN, m[dir]);
				start_asleep(&t, k, m[dir]);
				assert_int_equal(level(k, m[1 - dir]),
						 initial_level(k));
				assert_int_equal(give(k, m[1 - dir]), 0);
				finish(&t, m[dir], file_names[memfd]);
				assert_int_equal(level(k, m[dir]),
						 initial_level(k));
				assert_int_equal(destroy(k, m[1 - dir]), 0);
			}
		}
		unmap_file(m[0]);
		unmap_file(m[1]);
		close(fd);
	}
}

/*
 * One file, mapped by the parent and mapped anew by the child (which
 * drops the mapping it inherited): the child blocks through its mapping
 * and the parent's post frees it, then the reverse.
 */
static void shared_two_mappings_in_two_processes(void **state)
{
	union any_sem *mine, *theirs;
	struct sleeper t;
	int memfd, k, fd, go[2];
	char c = 'g';
	pid_t pid;

	(void)state;
	for (memfd = 0; memfd < 2; memfd++) {
		fd = page_file(memfd);
		mine = map_file(fd);
		for (k = COUNTING; k <= RELEASE; k++) {
			/* The child waits, the parent posts. */
			setup(k, 0, mine);
			pid = fork_child();
			if (pid == 0) {
				theirs = map_file(fd);
				CHILD_CHECK(theirs != mine);
				CHILD_CHECK(munmap((char *)mine - SEM_OFFSET,
						   PAGE) == 0);
				CHILD_CHECK(take(k, theirs) == 0);
				_exit(0);
			}
			wait_child_blocked(pid);
			assert_int_equal(give(k, mine), 0);
			expect_child_ok(pid, file_names[memfd]);
			assert_int_equal(level(k, mine), initial_level(k));

			/* The parent waits, the child posts. */
			assert_int_equal(pipe(go), 0);
			pid = fork_child();
			if (pid == 0) {
				theirs = map_file(fd);
				CHILD_CHECK(theirs != mine);
				CHILD_CHECK(munmap((char *)mine - SEM_OFFSET,
						   PAGE) == 0);
				CHILD_CHECK(read(go[0], &c, 1) == 1);
				CHILD_CHECK(give(k, theirs) == 0);
				_exit(0);
			}
			start_asleep(&t, k, mine);
			assert_int_equal(write(go[1], &c, 1), 1);
			expect_child_ok(pid, file_names[memfd]);
			finish(&t, mine, file_names[memfd]);
			close(go[0]);
			close(go[1]);
			assert_int_equal(level(k, mine), initial_level(k));
			assert_int_equal(destroy(k, mine), 0);
		}
		unmap_file(mine);
		close(fd);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shared_child_waits_parent_posts),
		cmocka_unit_test(shared_parent_waits_child_posts),
		cmocka_unit_test(shared_killed_waiter_loses_no_permit),
		cmocka_unit_test(shared_ping_pong_alternates),
		cmocka_unit_test(shared_bounded_child_acquires_beyond_n),
		cmocka_unit_test(
			shared_bounded_child_release_waits_for_acquire),
		cmocka_unit_test(shared_two_mappings_in_one_process),
		cmocka_unit_test(shared_two_mappings_in_two_processes),
	};

	return cmocka_run_group_tests_name("shared", tests, NULL, NULL);
}
