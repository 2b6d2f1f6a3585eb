/* SPDX-License-Identifier: MIT */
/*
 * test_out_of_line.c - the library's own fsem_wait and fsem_post, reached
 * through their addresses (as (fsem_wait)(s), a function pointer or the
 * preload library do), behave exactly as the inline fast paths of fsem.h:
 * same counts, same blocking and waking, same EOVERFLOW and EINVAL, for
 * private and FSEM_SHARED semaphores (whose protocol differs: shared.c).
 */
#include "common.h"

static int (*const wait_fn)(fsem_t *) = fsem_wait;	/* not the macro */
static int (*const post_fn)(fsem_t *) = fsem_post;

static int value_of(fsem_t *s)
{
	int v = -1;

	assert_int_equal(fsem_getvalue(s, &v), 0);
	return v;
}

static void counts_as_inline(int flags)
{
	fsem_t s;

	assert_int_equal(fsem_init(&s, flags, 2), 0);
	assert_int_equal(wait_fn(&s), 0);
	assert_int_equal(value_of(&s), 1);
	assert_int_equal(post_fn(&s), 0);
	assert_int_equal(post_fn(&s), 0);
	assert_int_equal(value_of(&s), 3);
	assert_int_equal((fsem_wait)(&s), 0);
	assert_int_equal(value_of(&s), 2);
	assert_int_equal(fsem_wait(&s), 0);	/* inline, mixed with them */
	assert_int_equal(fsem_post(&s), 0);
	assert_int_equal(value_of(&s), 2);
	assert_int_equal(fsem_destroy(&s), 0);
}

static void out_of_line_counts_as_inline(void **state)
{
	(void)state;
	counts_as_inline(0);
	counts_as_inline(FSEM_SHARED);
}

static void errors_as_inline(int flags)
{
	struct timespec past = { .tv_sec = -1, .tv_nsec = 0 };
	fsem_t s;

	errno = 0;
	assert_int_equal(wait_fn(NULL), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(post_fn(NULL), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(fsem_init(&s, flags, FSEM_VALUE_MAX), 0);
	errno = 0;
	assert_int_equal(post_fn(&s), -1);
	assert_int_equal(errno, EOVERFLOW);
	assert_int_equal(value_of(&s), FSEM_VALUE_MAX);
	errno = 0;
	assert_int_equal(fsem_post(&s), -1);	/* the inline one agrees */
	assert_int_equal(errno, EOVERFLOW);
	assert_int_equal(value_of(&s), FSEM_VALUE_MAX);
	assert_int_equal(fsem_destroy(&s), 0);
	/* A deadline before 1970 with no permit: ETIMEDOUT, as glibc. */
	assert_int_equal(fsem_init(&s, flags, 0), 0);
	errno = 0;
	assert_int_equal(fsem_timedwait(&s, &past), -1);
	assert_int_equal(errno, ETIMEDOUT);
	assert_int_equal(value_of(&s), 0);
	assert_int_equal(fsem_destroy(&s), 0);
}

static void out_of_line_errors_as_inline(void **state)
{
	(void)state;
	errors_as_inline(0);
	errors_as_inline(FSEM_SHARED);
	errors_as_inline(FSEM_SHARED | FSEM_NOSPIN);
}

struct sleeper {
	fsem_t *s;
	struct test_tid tid;
	int ret;
};

static void *sleep_out_of_line(void *arg)
{
	struct sleeper *z = arg;

	test_tid_publish(&z->tid);
	z->ret = wait_fn(z->s);
	return NULL;
}

/* A blocked out-of-line wait is woken by an out-of-line post, and back. */
static void out_of_line_blocks_and_wakes(void **state)
{
	struct sleeper z;
	pthread_t th;
	fsem_t s;

	(void)state;
	for (int flags = 0; flags <= (FSEM_SHARED | FSEM_NOSPIN | FSEM_FIFO);
	     flags++) {
		if ((flags & FSEM_SHARED) && (flags & FSEM_FIFO))
			continue;	/* EINVAL */
		memset(&z, 0, sizeof(z));
		assert_int_equal(fsem_init(&s, flags, 0), 0);
		z.s = &s;
		z.ret = -2;
		assert_int_equal(pthread_create(&th, NULL, sleep_out_of_line,
						&z), 0);
		test_wait_blocked(test_tid_get(&z.tid));
		assert_int_equal(post_fn(&s), 0);
		assert_int_equal(pthread_join(th, NULL), 0);
		assert_int_equal(z.ret, 0);
		assert_int_equal(value_of(&s), 0);
		assert_int_equal(fsem_destroy(&s), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(out_of_line_counts_as_inline),
		cmocka_unit_test(out_of_line_errors_as_inline),
		cmocka_unit_test(out_of_line_blocks_and_wakes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
