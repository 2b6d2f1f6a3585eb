/* SPDX-License-Identifier: MIT */
/*
 * test_named_cancel.c - fsem_open, fsem_close and fsem_unlink are not
 * cancellation points, as glibc's sem_open, sem_close and sem_unlink are
 * not: with a cancel pending each call returns normally, and only the next
 * cancellation point acts. A cancel sent at any moment of an open, close
 * and unlink leaves no descriptor, temporary file or mapping behind.
 *
 * Every case runs twice, on glibc's calls and on fsem's, and requires the
 * same outcome of both: what glibc 2.36 does on this machine is the
 * reference, not a belief about it.
 */
#include "common.h"

#include <dirent.h>
#include <limits.h>
#include <semaphore.h>
#include <sys/stat.h>

/* The named-semaphore calls of one implementation; open gives NULL on error. */
struct api {
	const char *who;
	const char *prefix;	/* its files: /dev/shm/PREFIX NAME */
	int temps_by_pid;	/* temporary files: /dev/shm/fsm.tmp.PID.* */
	void *(*open)(const char *name, int oflag, unsigned int value);
	int (*close)(void *sem);
	int (*unlink)(const char *name);
	int (*post)(void *sem);
	int (*value)(void *sem);
};

static void *glibc_open(const char *name, int oflag, unsigned int value)
{
	sem_t *s = sem_open(name, oflag, 0600, value);

	return s == SEM_FAILED ? NULL : s;
}

static int glibc_close(void *sem)
{
	return sem_close(sem);
}

static int glibc_post(void *sem)
{
	return sem_post(sem);
}

static int glibc_value(void *sem)
{
	int v = -1;

	assert_int_equal(sem_getvalue(sem, &v), 0);
	return v;
}

static void *fsem_open_api(const char *name, int oflag, unsigned int value)
{
	fsem_t *s = fsem_open(name, oflag, 0600, value);

	return s == FSEM_FAILED ? NULL : s;
}

static int fsem_close_api(void *sem)
{
	return fsem_close(sem);
}

static int fsem_post_api(void *sem)
{
	return fsem_post((fsem_t *)sem);
}

static int fsem_value_api(void *sem)
{
	int v = -1;

	assert_int_equal(fsem_getvalue(sem, &v), 0);
	return v;
}

static const struct api apis[] = {
	{ "glibc", "sem.", 0, glibc_open, glibc_close, sem_unlink, glibc_post,
	  glibc_value },
	{ "fsem", "fsm.", 1, fsem_open_api, fsem_close_api, fsem_unlink,
	  fsem_post_api, fsem_value_api },
};

#define NAPIS	(sizeof(apis) / sizeof(apis[0]))

static char name[64];		/* "/fsem-test-cancel-PID": no clash */

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* Files /dev/shm/fsm.tmp.PID.* of this process's fsem_open: count, @remove. */
static int temp_files(int remove)
{
	char prefix[64], path[PATH_MAX];
	DIR *d = opendir("/dev/shm");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	snprintf(prefix, sizeof(prefix), "fsm.tmp.%d.", (int)getpid());
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
			continue;
		n++;
		snprintf(path, sizeof(path), "/dev/shm/%s", e->d_name);
		if (remove)
			unlink(path);
	}
	closedir(d);
	return n;
}

/*
 * Mappings of /dev/shm files in this process. A semaphore created here is
 * mapped through its temporary file, so /proc/self/maps names that file
 * "(deleted)", not the semaphore's: count them all.
 */
static int count_shm_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		n += strstr(line, " /dev/shm/") != NULL;
	fclose(f);
	return n;
}

static int file_exists(const struct api *api)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "/dev/shm/%s%s", api->prefix, name + 1);
	return stat(path, &st) == 0;
}

/* glibc's temporary names do not say whose they are: fsem's only. */
static void expect_nothing_left(const struct api *api, int fds, int maps)
{
	assert_int_equal(count_fds(), fds);
	if (api->temps_by_pid)
		assert_int_equal(temp_files(0), 0);
	assert_int_equal(count_shm_maps(), maps);
}

/* The calls a thread makes with a cancel pending. */
enum step { OPEN_EXCL, OPEN_CREAT, OPEN_EXISTING, CLOSE, UNLINK, NSTEPS };

static const char *const step_name[NSTEPS] = {
	"open O_CREAT|O_EXCL", "open O_CREAT", "open existing", "close",
	"unlink",
};

/* Where the pending cancel acted in the thread. */
enum acted { ACTED_NOWHERE, ACTED_IN_CALL, ACTED_AT_TESTCANCEL };

struct pending {
	const struct api *api;
	enum step step;
	void *sem;		/* CLOSE: in; opens: out */
	int ret;
	int err;
	enum acted acted;
	enum acted where;	/* set before each point the cancel may act */
};

static void note_cancel(void *arg)
{
	struct pending *p = arg;

	p->acted = p->where;
}

static int do_step(struct pending *p)
{
	const struct api *api = p->api;

	switch (p->step) {
	case OPEN_EXCL:
		p->sem = api->open(name, O_CREAT | O_EXCL, 1);
		return p->sem ? 0 : -1;
	case OPEN_CREAT:
		p->sem = api->open(name, O_CREAT, 1);
		return p->sem ? 0 : -1;
	case OPEN_EXISTING:
		p->sem = api->open(name, 0, 0);
		return p->sem ? 0 : -1;
	case CLOSE:
		return api->close(p->sem);
	default:
		return api->unlink(name);
	}
}

static void *pending_thread(void *arg)
{
	struct pending *p = arg;
	int old;

	pthread_setcanceltype(PTHREAD_CANCEL_DEFERRED, &old);
	pthread_cleanup_push(note_cancel, p);
	p->where = ACTED_IN_CALL;
	pthread_cancel(pthread_self());
	p->ret = do_step(p);
	p->err = errno;
	p->where = ACTED_AT_TESTCANCEL;
	pthread_testcancel();
	p->where = ACTED_NOWHERE;
	pthread_cleanup_pop(0);
	return NULL;
}

/* Run @step of @api with a cancel pending: where did the cancel act? */
static enum acted run_pending(const struct api *api, enum step step)
{
	struct pending p = { .api = api, .step = step, .sem = NULL };
	int fds = count_fds(), maps = count_shm_maps();
	pthread_t th;
	void *ret;

	if (step == OPEN_EXISTING || step == CLOSE || step == UNLINK) {
		void *s = api->open(name, O_CREAT | O_EXCL, 1);

		assert_non_null(s);
		if (step == CLOSE)
			p.sem = s;
		else
			assert_int_equal(api->close(s), 0);
		fds = count_fds();
	}
	assert_int_equal(pthread_create(&th, NULL, pending_thread, &p), 0);
	assert_int_equal(pthread_join(th, &ret), 0);
	if (p.acted == ACTED_IN_CALL)
		print_message("[ %s ] %s, cancel pending: cancelled inside "
			      "the call\n", api->who, step_name[step]);
	else
		print_message("[ %s ] %s, cancel pending: returned %d (%s), "
			      "cancel acted %s\n", api->who, step_name[step],
			      p.ret, p.ret ? strerror(p.err) : "ok",
			      p.acted == ACTED_AT_TESTCANCEL ?
			      "at the next pthread_testcancel" : "nowhere");
	if (p.acted != ACTED_AT_TESTCANCEL)
		return p.acted;
	assert_ptr_equal(ret, PTHREAD_CANCELED);
	assert_int_equal(p.ret, 0);
	if (step <= OPEN_EXISTING) {	/* opened once: usable, closable */
		assert_int_equal(api->post(p.sem), 0);
		assert_int_equal(api->value(p.sem), 2);
		assert_int_equal(api->close(p.sem), 0);
	}
	expect_nothing_left(api, fds, maps);
	assert_int_equal(file_exists(api), step != UNLINK);
	return p.acted;
}

/* Each call, with a cancel pending, on glibc then on fsem: the same. */
static void named_cancel_pending_acts_only_after_the_call(void **state)
{
	int differ = 0;

	(void)state;
	for (int s = 0; s < NSTEPS; s++) {
		enum acted acted[NAPIS];

		for (size_t a = 0; a < NAPIS; a++) {
			apis[a].unlink(name);
			acted[a] = run_pending(&apis[a], (enum step)s);
		}
		assert_int_equal(acted[0], ACTED_AT_TESTCANCEL);  /* glibc */
		differ += acted[1] != acted[0];
	}
	if (differ)
		fail_msg("%d of %d calls: fsem's cancel acted elsewhere than "
			 "glibc's", differ, NSTEPS);
}

/*
 * A thread creates, closes and unlinks the name over and over; the main
 * thread cancels it after a random delay, so that the cancel arrives in
 * any part of any call. Whatever it interrupted, the thread may only die
 * at its pthread_testcancel() after an unlink: no descriptor, temporary
 * file, mapping or name is left.
 */
struct churn {
	const struct api *api;
	int err;		/* a call failed: its errno (join orders it) */
};

static void *churn_thread(void *arg)
{
	struct churn *c = arg;

	for (;;) {
		void *s = c->api->open(name, O_CREAT | O_EXCL, 0);

		if (!s || c->api->close(s) != 0 || c->api->unlink(name) != 0) {
			c->err = errno;
			return NULL;
		}
		pthread_testcancel();
	}
}

static void churn_until(const struct api *api, int64_t end, unsigned int seed)
{
	long rounds = 0;

	do {
		struct churn c = { .api = api, .err = 0 };
		struct timespec gap = { 0, (long)(rand_r(&seed) % 200000) };
		int fds = count_fds(), maps = count_shm_maps();
		pthread_t th;
		void *ret;

		assert_int_equal(pthread_create(&th, NULL, churn_thread, &c),
				 0);
		nanosleep(&gap, NULL);
		pthread_cancel(th);
		assert_int_equal(pthread_join(th, &ret), 0);
		rounds++;
		if (c.err ||
		    ret != PTHREAD_CANCELED || count_fds() != fds ||
		    (api->temps_by_pid && temp_files(0) != 0) ||
		    count_shm_maps() != maps || file_exists(api))
			fail_msg("%s, round %ld, 2 threads, cancel after "
				 "%ld ns: error %d, %s, %d descriptors, %d "
				 "temporary files, %d mappings leaked, %s",
				 api->who, rounds, gap.tv_nsec, c.err,
				 ret == PTHREAD_CANCELED ? "cancelled" :
				 "returned", count_fds() - fds, temp_files(0),
				 count_shm_maps() - maps,
				 file_exists(api) ? "name left" : "no name");
	} while (test_now_ns(CLOCK_MONOTONIC) < end);
	print_message("[ %s ] %ld cancels during open, close and unlink\n",
		      api->who, rounds);
}

static void named_cancel_racing_leaves_nothing(void **state)
{
	unsigned int seed = test_seed("named_cancel_racing");
	int64_t ms = test_duration_ms(500) * test_slowdown();

	(void)state;
	for (size_t a = 0; a < NAPIS; a++) {
		apis[a].unlink(name);
		churn_until(&apis[a], test_now_ns(CLOCK_MONOTONIC) +
			    ms * 1000000, seed);
	}
}

static int set_name(void **state)
{
	(void)state;
	snprintf(name, sizeof(name), "/fsem-test-cancel-%d", (int)getpid());
	return 0;
}

/* Whatever a failed case left: the name, temporary files. */
static int remove_name(void **state)
{
	(void)state;
	for (size_t a = 0; a < NAPIS; a++)
		apis[a].unlink(name);
	temp_files(1);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(named_cancel_pending_acts_only_after_the_call),
		cmocka_unit_test(named_cancel_racing_leaves_nothing),
	};

	return cmocka_run_group_tests(tests, set_name, remove_name);
}
