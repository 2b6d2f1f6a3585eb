/* SPDX-License-Identifier: MIT */
/*
 * test_named.c - named semaphores: fsem_open, fsem_close and fsem_unlink
 * give glibc's answers (each error checked against what glibc's sem_open
 * says for the same name on this machine), one name opened twice is one
 * address, two processes share one semaphore, and racing creators end with
 * one fully initialised semaphore.
 */
#include "common.h"

#include <limits.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define NAME "/fsem-test-named"

/* A name of @len characters after the slash. */
static const char *long_name(size_t len)
{
	static char buf[400];

	buf[0] = '/';
	memset(buf + 1, 'n', len);
	buf[len + 1] = '\0';
	return buf;
}

static fsem_t *must_open(const char *name, int oflag, unsigned int value)
{
	fsem_t *s = fsem_open(name, oflag, 0600, value);

	if (s == FSEM_FAILED)
		fail_msg("fsem_open(%s): %s", name, strerror(errno));
	return s;
}

static int value_of(fsem_t *s)
{
	int v = -1;

	assert_int_equal(fsem_getvalue(s, &v), 0);
	return v;
}

static void named_open_twice_is_one_address(void **state)
{
	fsem_t *a, *b, *c;

	(void)state;
	fsem_unlink(NAME);
	a = must_open(NAME, O_CREAT, 3);
	b = must_open(NAME, 0, 0);
	c = must_open(&NAME[1], 0, 0);	/* leading slashes are skipped */
	assert_ptr_equal(a, b);
	assert_ptr_equal(a, c);
	assert_int_equal(value_of(a), 3);
	assert_int_equal(fsem_wait(b), 0);
	assert_int_equal(value_of(a), 2);
	assert_int_equal(fsem_close(a), 0);
	assert_int_equal(fsem_close(b), 0);
	assert_int_equal(value_of(c), 2);	/* still mapped: one open left */
	assert_int_equal(fsem_close(c), 0);
	errno = 0;
	assert_int_equal(fsem_close(c), -1);	/* closed as often as opened */
	assert_int_equal(errno, EINVAL);
	a = must_open(NAME, 0, 0);		/* the semaphore lives on */
	assert_int_equal(value_of(a), 2);
	assert_int_equal(fsem_close(a), 0);
	assert_int_equal(fsem_unlink(NAME), 0);
	errno = 0;
	assert_ptr_equal(fsem_open(NAME, 0), FSEM_FAILED);
	assert_int_equal(errno, ENOENT);
}

static void named_create_flags_and_mode(void **state)
{
	struct stat st;
	mode_t old = umask(022);
	fsem_t *s;

	(void)state;
	fsem_unlink(NAME);
	s = fsem_open(NAME, O_CREAT | O_EXCL, 0666, 5u);
	umask(old);
	assert_ptr_not_equal(s, FSEM_FAILED);
	assert_int_equal(stat("/dev/shm/fsm.fsem-test-named", &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);	/* mode less umask */
	assert_int_equal(value_of(s), 5);
	errno = 0;
	assert_ptr_equal(fsem_open(NAME, O_CREAT | O_EXCL, 0600, 1u),
			 FSEM_FAILED);
	assert_int_equal(errno, EEXIST);
	/* O_CREAT without O_EXCL opens the existing one, value untouched */
	assert_ptr_equal(fsem_open(NAME, O_CREAT, 0600, 9u), s);
	assert_int_equal(value_of(s), 5);
	assert_int_equal(fsem_close(s), 0);
	assert_int_equal(fsem_close(s), 0);
	assert_int_equal(fsem_unlink(NAME), 0);
	errno = 0;
	assert_ptr_equal(fsem_open(NAME, O_CREAT, 0600,
				   (unsigned int)FSEM_VALUE_MAX + 1),
			 FSEM_FAILED);
	assert_int_equal(errno, EINVAL);
	s = must_open(NAME, O_CREAT, FSEM_VALUE_MAX);
	assert_int_equal(value_of(s), FSEM_VALUE_MAX);
	assert_int_equal(fsem_close(s), 0);
	assert_int_equal(fsem_unlink(NAME), 0);
}

/* The answers glibc 2.36's sem_open and sem_unlink give for these names. */
static void named_bad_names_as_glibc(void **state)
{
	static const struct { const char *name; int open, unlink; } rows[] = {
		{ "", EINVAL, ENOENT },
		{ "/", EINVAL, ENOENT },
		{ "//", EINVAL, ENOENT },
		{ "/a/b", EINVAL, ENOENT },
	};
	int fd;
	static const struct { size_t len; int open, unlink; } lens[] = {
		{ 252, ENAMETOOLONG, ENAMETOOLONG },
		{ 255, ENAMETOOLONG, ENAMETOOLONG },
		{ 256, EINVAL, ENOENT },
		{ 300, EINVAL, ENOENT },
	};
	fsem_t *s;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		errno = 0;
		assert_ptr_equal(fsem_open(rows[i].name, O_CREAT, 0600, 1u),
				 FSEM_FAILED);
		assert_int_equal(errno, rows[i].open);
		errno = 0;
		assert_int_equal(fsem_unlink(rows[i].name), -1);
		assert_int_equal(errno, rows[i].unlink);
	}
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		errno = 0;
		assert_ptr_equal(fsem_open(long_name(lens[i].len), O_CREAT,
					   0600, 1u), FSEM_FAILED);
		assert_int_equal(errno, lens[i].open);
		errno = 0;
		assert_int_equal(fsem_unlink(long_name(lens[i].len)), -1);
		assert_int_equal(errno, lens[i].unlink);
	}
	errno = 0;
	assert_ptr_equal(fsem_open(NULL, 0), FSEM_FAILED);
	assert_int_equal(errno, EINVAL);
	/* a file of the name that is too small to be one of ours */
	fd = open("/dev/shm/fsm.fsem-test-named", O_CREAT | O_RDWR, 0600);
	assert_true(fd >= 0);
	close(fd);
	errno = 0;
	assert_ptr_equal(fsem_open(NAME, 0), FSEM_FAILED);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(fsem_unlink(NAME), 0);
	s = must_open(long_name(251), O_CREAT, 1);	/* the longest */
	assert_int_equal(fsem_close(s), 0);
	assert_int_equal(fsem_unlink(long_name(251)), 0);
	errno = 0;
	assert_int_equal(fsem_unlink(NAME), -1);
	assert_int_equal(errno, ENOENT);
}

static void wait_child_ok(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("child failed (status %#x)", status);
}

/*
 * A child drops the mapping it inherited, opens the name afresh, and
 * answers each post of the parent with a post on a second name.
 */
static void named_two_processes_share_one(void **state)
{
	fsem_t *ping, *pong;
	pid_t pid;

	(void)state;
	fsem_unlink(NAME);
	fsem_unlink(NAME "-pong");
	ping = must_open(NAME, O_CREAT, 0);
	pong = must_open(NAME "-pong", O_CREAT, 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int ok = fsem_close(ping) == 0 && fsem_close(pong) == 0;

		ping = fsem_open(NAME, 0);
		pong = fsem_open(NAME "-pong", 0);
		ok = ok && ping != FSEM_FAILED && pong != FSEM_FAILED;
		for (int i = 0; ok && i < 100; i++)
			ok = fsem_wait(ping) == 0 && fsem_post(pong) == 0;
		_exit(ok ? 0 : 1);
	}
	for (int i = 0; i < 100; i++) {
		assert_int_equal(fsem_post(ping), 0);
		assert_int_equal(fsem_wait(pong), 0);
	}
	wait_child_ok(pid);
	assert_int_equal(value_of(ping), 0);
	assert_int_equal(fsem_close(ping), 0);
	assert_int_equal(fsem_close(pong), 0);
	assert_int_equal(fsem_unlink(NAME), 0);
	assert_int_equal(fsem_unlink(NAME "-pong"), 0);
}

/*
 * Children released at once by closing a pipe all open with O_CREAT and
 * post once. One semaphore, never re-initialised: the value is the number
 * of children, every round.
 */
static void named_racing_creators_make_one(void **state)
{
	enum { KIDS = 8, ROUNDS = 20 };

	(void)state;
	for (int r = 0; r < ROUNDS; r++) {
		pid_t pid[KIDS];
		int gate[2];
		fsem_t *s;

		fsem_unlink(NAME);
		assert_int_equal(pipe(gate), 0);
		for (int k = 0; k < KIDS; k++) {
			pid[k] = fork();
			assert_true(pid[k] >= 0);
			if (pid[k] == 0) {
				char c;
				fsem_t *m;

				close(gate[1]);
				if (read(gate[0], &c, 1) != 0)
					_exit(2);
				m = fsem_open(NAME, O_CREAT, 0600, 0u);
				_exit(m != FSEM_FAILED && fsem_post(m) == 0 ?
				      0 : 1);
			}
		}
		close(gate[0]);
		close(gate[1]);		/* go */
		for (int k = 0; k < KIDS; k++)
			wait_child_ok(pid[k]);
		s = must_open(NAME, 0, 0);
		if (value_of(s) != KIDS)
			fail_msg("round %d: value %d after %d creators posted",
				 r, value_of(s), KIDS);
		assert_int_equal(fsem_close(s), 0);
	}
	assert_int_equal(fsem_unlink(NAME), 0);
}

/* A process with no free descriptor opens NAME: EMFILE. */
static void expect_emfile(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { 3, 3 };	/* only stdin/out/err */
		int ok;

		for (int fd = 3; fd < 1024; fd++)
			close(fd);
		ok = setrlimit(RLIMIT_NOFILE, &rl) == 0;
		errno = 0;
		ok = ok && fsem_open(NAME, 0) == FSEM_FAILED &&
		     errno == EMFILE;
		_exit(ok ? 0 : 1);
	}
	wait_child_ok(pid);
}

/* EACCES, EMFILE: from the system, in children that change their limits. */
static void named_system_errors_pass_through(void **state)
{
	fsem_t *s;
	pid_t pid;

	(void)state;
	fsem_unlink(NAME);
	s = must_open(NAME, O_CREAT, 1);
	if (test_on_valgrind())	/* it keeps descriptors of its own */
		print_message("[ named ] valgrind emulates RLIMIT_NOFILE: "
			      "EMFILE not checked\n");
	else
		expect_emfile();
	if (geteuid() == 0) {
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			int ok = setgid(65534) == 0 && setuid(65534) == 0;

			errno = 0;
			ok = ok && fsem_open(NAME, 0) == FSEM_FAILED &&
			     errno == EACCES;
			errno = 0;
			ok = ok && fsem_unlink(NAME) == -1 && errno == EACCES;
			_exit(ok ? 0 : 1);
		}
		wait_child_ok(pid);
	} else {
		print_message("[ named ] not root: EACCES not checked\n");
	}
	assert_int_equal(fsem_close(s), 0);
	assert_int_equal(fsem_unlink(NAME), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(named_open_twice_is_one_address),
		cmocka_unit_test(named_create_flags_and_mode),
		cmocka_unit_test(named_bad_names_as_glibc),
		cmocka_unit_test(named_two_processes_share_one),
		cmocka_unit_test(named_racing_creators_make_one),
		cmocka_unit_test(named_system_errors_pass_through),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
