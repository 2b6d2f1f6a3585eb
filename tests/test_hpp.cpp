// SPDX-License-Identifier: MIT
/*
 * test_hpp.cpp - fsem.hpp keeps the contract of std::counting_semaphore
 * ([thread.sema.cnt]), member by member, does what its header says where
 * the standard leaves the behaviour undefined, and the same for
 * fsem::bounded_semaphore.
 *
 * A thread is seen blocked by the kernel's account of it (asleep in the
 * futex system call, as tests/common.h does), never after a sleep. Timed
 * waits that must time out are checked to return false only once their
 * clock has reached the deadline.
 */
#include <fsem.hpp>

#include <cmath>
#include <condition_variable>
#include <csetjmp>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <mutex>
#include <thread>
#include <type_traits>

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

extern "C" {
#include <cmocka.h>
}

using namespace std::chrono_literals;
using std::chrono::steady_clock;
using std::chrono::system_clock;

/* A user clock: steady_clock in microseconds from another epoch. */
struct shifted_clock {
	using rep = long long;
	using period = std::micro;
	using duration = std::chrono::duration<rep, period>;
	using time_point = std::chrono::time_point<shifted_clock>;
	static constexpr bool is_steady = true;

	static time_point now()
	{
		return time_point(std::chrono::duration_cast<duration>(
			steady_clock::now().time_since_epoch()) - 1000h);
	}
};

/* The errno of the std::system_error that @f throws; 0 if none. */
template <class F> static int thrown_errno(F f)
{
	try {
		f();
	} catch (const std::system_error &e) {
		if (e.code().category() != std::generic_category())
			return -1;
		return e.code().value();
	}
	return 0;
}

/* True if thread @tid of this process sleeps in the futex system call. */
static bool is_blocked(pid_t tid)
{
	char path[64], buf[512];
	long nr = -1;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	if (!(f = fopen(path, "r")))
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || p[2] != 'S')
		return false;
	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
	if (!(f = fopen(path, "r")))
		return false;
	if (fscanf(f, "%ld", &nr) != 1)
		nr = -1;
	fclose(f);
	return nr == SYS_futex;
}

/*
 * Run @call in a thread, see it blocked in the kernel (failing after 10 s),
 * then @unblock from here, join, and return what @call returned.
 */
template <class Call, class Unblock>
static bool blocked_then(Call call, Unblock unblock)
{
	std::mutex m;
	std::condition_variable cv;
	pid_t tid = 0;
	bool ret = false;
	std::thread th([&] {
		{
			std::lock_guard<std::mutex> g(m);
			tid = static_cast<pid_t>(syscall(SYS_gettid));
		}
		cv.notify_one();
		ret = call();
	});
	pid_t t;
	{
		std::unique_lock<std::mutex> g(m);
		cv.wait(g, [&] { return tid != 0; });
		t = tid;
	}
	auto end = steady_clock::now() + 10s;
	while (!is_blocked(t)) {
		if (steady_clock::now() > end)
			fail_msg("thread %d never blocked", t);
		sched_yield();
	}
	unblock();
	th.join();
	return ret;
}

/* @s gives exactly @n permits to try_acquire, then none. */
template <class S> static void holds_exactly(S &s, long n)
{
	for (long i = 0; i < n; i++)
		if (!s.try_acquire())
			fail_msg("try_acquire %ld of %ld failed", i + 1, n);
	assert_false(s.try_acquire());
}

template <class S> static constexpr bool pinned =
	!std::is_copy_constructible_v<S> && !std::is_copy_assignable_v<S> &&
	!std::is_move_constructible_v<S> && !std::is_move_assignable_v<S>;

static_assert(pinned<fsem::counting_semaphore<>>);
static_assert(pinned<fsem::binary_semaphore>);
static_assert(pinned<fsem::bounded_semaphore>);
static_assert(fsem::counting_semaphore<>::max() == FSEM_VALUE_MAX);
static_assert(fsem::counting_semaphore<7>::max() == 7);
static_assert(fsem::counting_semaphore<0>::max() == 0);
static_assert(fsem::binary_semaphore::max() == 1);
static_assert(std::is_same_v<fsem::binary_semaphore,
			     fsem::counting_semaphore<1>>);
static_assert(noexcept(fsem::counting_semaphore<>::max()));
static_assert(noexcept(std::declval<fsem::binary_semaphore &>().try_acquire()));
static_assert(!std::is_convertible_v<std::ptrdiff_t, fsem::binary_semaphore>);
static_assert(!std::is_convertible_v<std::ptrdiff_t, fsem::bounded_semaphore>);

/* The constructor is constexpr: these are constant-initialised. */
constinit fsem::counting_semaphore<> global_counting{3};
constinit fsem::binary_semaphore global_binary{1};

static void hpp_constructor_gives_desired_permits(void **)
{
	fsem::counting_semaphore<> zero(0), three(3);
	fsem::binary_semaphore one(1);

	holds_exactly(zero, 0);
	holds_exactly(three, 3);
	holds_exactly(one, 1);
	holds_exactly(global_counting, 3);
	holds_exactly(global_binary, 1);
	fsem::counting_semaphore<> full(FSEM_VALUE_MAX);
	assert_true(full.try_acquire());
}

static void hpp_constructor_out_of_range_throws_einval(void **)
{
	assert_int_equal(thrown_errno([] { fsem::counting_semaphore<> s(-1); }),
			 EINVAL);
	assert_int_equal(thrown_errno([] {
		fsem::counting_semaphore<> s(std::ptrdiff_t(FSEM_VALUE_MAX) + 1);
	}), EINVAL);
	assert_int_equal(thrown_errno([] { fsem::binary_semaphore s(2); }),
			 EINVAL);
	assert_int_equal(thrown_errno([] { fsem::counting_semaphore<5> s(6); }),
			 EINVAL);
	assert_int_equal(thrown_errno([] { fsem::counting_semaphore<5> s(5); }),
			 0);
}

static void hpp_release_adds_update_permits(void **)
{
	fsem::counting_semaphore<> s(0);

	s.release();
	holds_exactly(s, 1);
	s.release(4);
	holds_exactly(s, 4);
	s.release(0);
	holds_exactly(s, 0);
	s.release(2);
	s.acquire();
	s.acquire();
	holds_exactly(s, 0);
}

/* The header: update < 0 is EINVAL, past FSEM_VALUE_MAX EOVERFLOW. */
static void hpp_release_out_of_range_throws_and_changes_nothing(void **)
{
	fsem::counting_semaphore<> s(FSEM_VALUE_MAX - 1);

	assert_int_equal(thrown_errno([&] { s.release(-1); }), EINVAL);
	assert_int_equal(thrown_errno([&] { s.release(2); }), EOVERFLOW);
	assert_int_equal(thrown_errno([&] {
		s.release(std::numeric_limits<std::ptrdiff_t>::max());
	}), EOVERFLOW);
	s.release();			/* exactly FSEM_VALUE_MAX - 1 was left */
	assert_int_equal(thrown_errno([&] { s.release(); }), EOVERFLOW);
	assert_true(s.try_acquire());
	s.release();

	fsem::counting_semaphore<> few(2);
	assert_int_equal(thrown_errno([&] { few.release(-5); }), EINVAL);
	holds_exactly(few, 2);
}

/* Documented: past a max() below FSEM_VALUE_MAX is not detected. */
static void hpp_release_past_a_small_max_is_counted(void **)
{
	fsem::binary_semaphore b(1);

	b.release();
	holds_exactly(b, 2);
}

static void hpp_try_acquire_on_empty_returns_false(void **)
{
	fsem::counting_semaphore<> s(0);
	fsem::binary_semaphore b(0);

	assert_false(s.try_acquire());
	assert_false(b.try_acquire());
	b.release();
	assert_true(b.try_acquire());
	assert_false(b.try_acquire());
}

static void hpp_acquire_blocks_until_released_by_another_thread(void **)
{
	fsem::counting_semaphore<> s(0);
	fsem::binary_semaphore b(0);

	assert_true(blocked_then([&] { s.acquire(); return true; },
				 [&] { s.release(); }));
	holds_exactly(s, 0);
	assert_true(blocked_then([&] { b.acquire(); return true; },
				 [&] { b.release(); }));
	holds_exactly(b, 0);
}

/* Waits that must time out: zero, negative, NaN, huge negative, short. */
static void hpp_try_acquire_for_times_out(void **)
{
	fsem::counting_semaphore<> s(0);

	assert_false(s.try_acquire_for(0s));
	assert_false(s.try_acquire_for(-1h));
	assert_false(s.try_acquire_for(std::chrono::hours::min()));
	assert_false(s.try_acquire_for(std::chrono::duration<double>(-0.5)));
	assert_false(s.try_acquire_for(std::chrono::duration<double>(NAN)));
	assert_false(s.try_acquire_for(
		std::chrono::duration<long long, std::pico>(1)));

	auto start = steady_clock::now();
	assert_false(s.try_acquire_for(20ms));
	assert_true(steady_clock::now() - start >= 20ms);
	start = steady_clock::now();
	assert_false(s.try_acquire_for(std::chrono::duration<float>(0.02f)));
	assert_true(steady_clock::now() - start >= 19999us);
}

/* A permit is taken even with no time to wait. */
static void hpp_timed_waits_take_a_free_permit_at_once(void **)
{
	fsem::counting_semaphore<> s(7);

	assert_true(s.try_acquire_for(0s));
	assert_true(s.try_acquire_for(-1h));
	assert_true(s.try_acquire_until(steady_clock::time_point::min()));
	assert_true(s.try_acquire_until(steady_clock::now() - 1s));
	assert_true(s.try_acquire_until(system_clock::now() - 1s));
	assert_true(s.try_acquire_until(system_clock::time_point{}));
	assert_true(s.try_acquire_until(shifted_clock::now() - 1s));
	holds_exactly(s, 0);
}

static void hpp_try_acquire_for_is_woken_by_release(void **)
{
	fsem::counting_semaphore<> s(0);

	assert_true(blocked_then([&] { return s.try_acquire_for(60s); },
				 [&] { s.release(); }));
	/* huge durations saturate, and still wake */
	assert_true(blocked_then(
		[&] { return s.try_acquire_for(std::chrono::hours::max()); },
		[&] { s.release(); }));
	assert_true(blocked_then(
		[&] { return s.try_acquire_for(
			std::chrono::duration<double>(1e300)); },
		[&] { s.release(); }));
	holds_exactly(s, 0);
}

/* try_acquire_until on @Clock: past, short timeout, woken by release. */
template <class Clock> static void until_on()
{
	fsem::counting_semaphore<> s(0);
	auto past = Clock::now() - 1ms;

	assert_false(s.try_acquire_until(past));
	assert_false(s.try_acquire_until(Clock::time_point::min()));
	auto deadline = Clock::now() + 20ms;
	assert_false(s.try_acquire_until(deadline));
	assert_true(Clock::now() >= deadline);
	assert_true(blocked_then(
		[&] { return s.try_acquire_until(Clock::now() + 60s); },
		[&] { s.release(); }));
	assert_true(blocked_then(
		[&] { return s.try_acquire_until(Clock::time_point::max()); },
		[&] { s.release(); }));
	holds_exactly(s, 0);
}

static void hpp_try_acquire_until_steady_clock(void **)
{
	until_on<steady_clock>();
}

static void hpp_try_acquire_until_system_clock(void **)
{
	until_on<system_clock>();
}

static void hpp_try_acquire_until_user_clock(void **)
{
	until_on<shifted_clock>();
}

static void hpp_bounded_constructor_gives_n_available(void **)
{
	fsem::bounded_semaphore p(4);

	assert_int_equal(p.max(), 4);
	assert_int_equal(p.available(), 4);
	assert_int_equal(p.given_out(), 0);
	assert_false(p.try_release());
	holds_exactly(p, 4);
	assert_int_equal(p.available(), 0);
	assert_int_equal(p.given_out(), 4);
	assert_true(p.try_release());
	assert_int_equal(p.given_out(), 3);
	p.release();
	p.release();
	p.release();
	assert_false(p.try_release());
	assert_int_equal(p.available(), 4);

	for (std::ptrdiff_t bad : { std::ptrdiff_t(0), std::ptrdiff_t(-1),
				    std::ptrdiff_t(FSEM_BOUNDED_MAX) + 1 })
		assert_int_equal(thrown_errno([=] {
			fsem::bounded_semaphore b(bad);
		}), EINVAL);
}

static void hpp_bounded_timed_calls_time_out(void **)
{
	fsem::bounded_semaphore p(1);

	assert_false(p.try_release_for(0s));
	assert_false(p.try_release_for(-1s));
	auto start = steady_clock::now();
	assert_false(p.try_release_for(20ms));
	assert_true(steady_clock::now() - start >= 20ms);
	auto d = system_clock::now() + 20ms;
	assert_false(p.try_release_until(d));
	assert_true(system_clock::now() >= d);
	auto u = shifted_clock::now() + 20ms;
	assert_false(p.try_release_until(u));
	assert_true(shifted_clock::now() >= u);

	assert_true(p.try_acquire_for(0s));
	assert_false(p.try_acquire_for(-1s));
	start = steady_clock::now();
	assert_false(p.try_acquire_for(20ms));
	assert_true(steady_clock::now() - start >= 20ms);
	auto s = steady_clock::now() + 20ms;
	assert_false(p.try_acquire_until(s));
	assert_true(steady_clock::now() >= s);
	u = shifted_clock::now() + 20ms;
	assert_false(p.try_acquire_until(u));
	assert_true(shifted_clock::now() >= u);
	assert_true(p.try_release_until(system_clock::now() - 1h));
}

static void hpp_bounded_acquire_blocks_until_a_release(void **)
{
	fsem::bounded_semaphore p(1);

	p.acquire();
	assert_true(blocked_then([&] { p.acquire(); return true; },
				 [&] { p.release(); }));
	assert_true(blocked_then([&] { return p.try_acquire_for(60s); },
				 [&] { p.release(); }));
	assert_true(blocked_then(
		[&] { return p.try_acquire_until(shifted_clock::now() + 60s); },
		[&] { p.release(); }));
	assert_int_equal(p.given_out(), 1);
}

static void hpp_bounded_release_blocks_until_an_acquire(void **)
{
	fsem::bounded_semaphore p(2);

	assert_true(blocked_then([&] { p.release(); return true; },
				 [&] { p.acquire(); }));
	assert_true(blocked_then([&] { return p.try_release_for(60s); },
				 [&] { p.acquire(); }));
	assert_true(blocked_then(
		[&] { return p.try_release_until(system_clock::now() + 60s); },
		[&] { p.acquire(); }));
	assert_true(blocked_then(
		[&] { return p.try_release_until(shifted_clock::now() + 60s); },
		[&] { p.acquire(); }));
	assert_int_equal(p.given_out(), 0);
	assert_int_equal(p.available(), 2);
}

int main()
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hpp_constructor_gives_desired_permits),
		cmocka_unit_test(hpp_constructor_out_of_range_throws_einval),
		cmocka_unit_test(hpp_release_adds_update_permits),
		cmocka_unit_test(hpp_release_out_of_range_throws_and_changes_nothing),
		cmocka_unit_test(hpp_release_past_a_small_max_is_counted),
		cmocka_unit_test(hpp_try_acquire_on_empty_returns_false),
		cmocka_unit_test(hpp_acquire_blocks_until_released_by_another_thread),
		cmocka_unit_test(hpp_try_acquire_for_times_out),
		cmocka_unit_test(hpp_timed_waits_take_a_free_permit_at_once),
		cmocka_unit_test(hpp_try_acquire_for_is_woken_by_release),
		cmocka_unit_test(hpp_try_acquire_until_steady_clock),
		cmocka_unit_test(hpp_try_acquire_until_system_clock),
		cmocka_unit_test(hpp_try_acquire_until_user_clock),
		cmocka_unit_test(hpp_bounded_constructor_gives_n_available),
		cmocka_unit_test(hpp_bounded_timed_calls_time_out),
		cmocka_unit_test(hpp_bounded_acquire_blocks_until_a_release),
		cmocka_unit_test(hpp_bounded_release_blocks_until_an_acquire),
	};

	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
