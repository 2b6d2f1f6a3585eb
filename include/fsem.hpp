// SPDX-License-Identifier: MIT
/*
 * fsem.hpp - std::counting_semaphore on fsem (C++20, header only).
 *
 * Usage
 *
 *	#include <fsem.hpp>
 *
 *	constinit fsem::binary_semaphore ready{0};
 *
 *	void producer() { publish(); ready.release(); }
 *	void consumer() { ready.acquire(); consume(); }
 *
 *	fsem::bounded_semaphore pool{4};	// 4 permits, all available
 *	pool.acquire();				// blocks while 4 are given out
 *	use_connection();
 *	pool.release();				// blocks while none is given out
 *
 * fsem::counting_semaphore<LeastMaxValue> and fsem::binary_semaphore have
 * the members of std::counting_semaphore and std::binary_semaphore
 * ([thread.sema.cnt]) and their semantics: replacing std:: by fsem:: is
 * the whole port. Neither is copyable nor movable. They differ where the
 * standard leaves a choice or makes the behaviour undefined:
 *   - The constructor is constexpr, as the standard's: it fills the fsem_t
 *     with FSEM_INITIALIZER (the same as fsem_init(sem, 0, desired)), so a
 *     namespace-scope semaphore is constant-initialised (constinit works).
 *     desired < 0 or > max() throws std::system_error(EINVAL) (in a
 *     constant expression: does not compile).
 *   - max() is LeastMaxValue (1 for binary_semaphore), as in libstdc++; the
 *     default LeastMaxValue is FSEM_VALUE_MAX, the most fsem can count.
 *   - release(update) with update < 0 throws std::system_error(EINVAL);
 *     one that would take the counter past FSEM_VALUE_MAX throws
 *     std::system_error(EOVERFLOW). Either has changed nothing. A release
 *     that takes the counter past a smaller max() but not past
 *     FSEM_VALUE_MAX is not detected (fsem_post's step checks only
 *     FSEM_VALUE_MAX): the counter goes past max(), as it does in
 *     libstdc++.
 *   - try_acquire() never fails spuriously, where the standard allows it
 *     and libstdc++'s may: it fails only when the counter is 0 or, in
 *     fsem's hand-off mode (see fsem.h, "Who gets a released permit"),
 *     when the last permit is kept for a thread blocked in acquire, a
 *     contending acquisition which the standard lets it lose to.
 *   - Errors: the calls that may block are cancellation points while they
 *     sleep (pthread_cancel unwinds through them). EINTR is retried: a
 *     blocking call returns only with a permit, a timed one also on
 *     timeout. A futex system call that fails (e.g. refused by a seccomp
 *     filter, see fsem.h) throws std::system_error with its errno, having
 *     taken no permit.
 *
 * Time: waits against std::chrono::steady_clock use CLOCK_MONOTONIC,
 * against system_clock CLOCK_REALTIME (following its steps), and
 * try_acquire_for() uses steady_clock. For any other clock the time left
 * is read from Clock::now(), waited for on steady_clock, and read again
 * after every wake, until the time point is reached (so a clock that
 * jumps is followed at the next wake). Durations and time points of any
 * Rep and Period are rounded up to nanoseconds and saturate: a negative or
 * NaN one is in the past (a free permit is still taken), and a deadline
 * 9e9 s (285 years) or more after the epoch of the clock waited on
 * (steady_clock's for try_acquire_for() and for other clocks) is waited
 * for without a timeout. Destroying a semaphore a thread is blocked on is
 * undefined, as in the standard: the destructor ignores fsem's EBUSY.
 *
 * fsem::bounded_semaphore wraps fsem_bounded_t: made with N permits, all
 * available; acquire blocks while all N are given out and release blocks
 * while none is (it never creates a permit). Its calls follow those of
 * counting_semaphore above, with the release side as timed and as
 * non-throwing as the acquire side. N outside [1, FSEM_BOUNDED_MAX] throws
 * std::system_error(EINVAL). Not copyable, not movable.
 */
#ifndef FSEM_HPP
#define FSEM_HPP

#include <fsem.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <ratio>
#include <system_error>
#include <type_traits>

namespace fsem {

namespace detail {

/* Deadlines are kept in nanoseconds since the clock's epoch, below this. */
inline constexpr long long ns_limit = 9'000'000'000'000'000'000LL;

[[noreturn]] inline void throw_errno(int e, const char *what)
{
	throw std::system_error(e, std::generic_category(), what);
}

/* @d in nanoseconds, rounded up and clamped to [0, hi]; NaN gives 0. */
template <class Rep, class Period>
long long ns_ceil(const std::chrono::duration<Rep, Period> &d, long long hi)
{
	using ld_ns = std::chrono::duration<long double, std::nano>;
	long double x = std::chrono::duration_cast<ld_ns>(d).count();

	if (!(x > 0))
		return 0;
	if (!(x < static_cast<long double>(hi)))
		return hi;
	/* a whole number of nanoseconds, now known to fit: exact */
	if constexpr (!std::chrono::treat_as_floating_point_v<Rep> &&
		      std::ratio_divide<Period, std::nano>::den == 1)
		return std::chrono::duration_cast<std::chrono::nanoseconds>(d)
			.count();
	else
		return static_cast<long long>(std::ceil(x));
}

inline long long now_ns(clockid_t clock) noexcept
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

/* The CLOCK_MONOTONIC deadline @rel from now, saturated at ns_limit. */
template <class Rep, class Period>
long long steady_deadline(const std::chrono::duration<Rep, Period> &rel)
{
	long long now = now_ns(CLOCK_MONOTONIC);

	return now + ns_ceil(rel, ns_limit - now);
}

template <class Clock> inline constexpr bool is_steady_v =
	std::is_same_v<Clock, std::chrono::steady_clock>;
template <class Clock> inline constexpr bool is_system_v =
	std::is_same_v<Clock, std::chrono::system_clock>;

/*
 * One side of a semaphore (wait, or a bounded release) as the timed loops
 * see it: the C calls, and the object they act on.
 */
template <class T> struct side {
	T *s;
	int (*block)(T *);
	int (*until)(T *, clockid_t, const struct timespec *);
	int (*once)(T *);
	const char *name;

	void wait() const
	{
		while (block(s) != 0)
			if (errno != EINTR)
				throw_errno(errno, name);
	}

	/* true with a permit; false once @clock has passed @abs ns */
	bool wait_until(clockid_t clock, long long abs) const
	{
		struct timespec ts = { abs / 1'000'000'000LL,
				       abs % 1'000'000'000LL };

		if (abs >= ns_limit) {		/* saturated: no timeout */
			wait();
			return true;
		}
		while (until(s, clock, &ts) != 0) {
			if (errno == ETIMEDOUT)
				return false;
			if (errno != EINTR)
				throw_errno(errno, name);
		}
		return true;
	}

	template <class Clock, class Duration>
	bool wait_until(const std::chrono::time_point<Clock, Duration> &t) const
	{
		if constexpr (is_steady_v<Clock>)
			return wait_until(CLOCK_MONOTONIC,
					  ns_ceil(t.time_since_epoch(),
						  ns_limit));
		else if constexpr (is_system_v<Clock>)
			return wait_until(CLOCK_REALTIME,
					  ns_ceil(t.time_since_epoch(),
						  ns_limit));
		else {			/* any other clock: re-read it */
			std::chrono::duration<long double, std::nano> left;

			while ((left = until_now(t)).count() > 0)
				if (wait_until(CLOCK_MONOTONIC,
					       steady_deadline(left)))
					return true;
			return once(s) == 0;
		}
	}

	/*
	 * Time left to @t on its clock, in long double nanoseconds: t - now
	 * in Clock's own type could overflow (t near its max() and now
	 * before the epoch), and 64 bits of mantissa keep to the nanosecond
	 * any time within 584 years of a clock's epoch.
	 */
	template <class Clock, class Duration>
	static std::chrono::duration<long double, std::nano>
	until_now(const std::chrono::time_point<Clock, Duration> &t)
	{
		using ld_ns = std::chrono::duration<long double, std::nano>;
		auto now = Clock::now();

		return std::chrono::duration_cast<ld_ns>(t.time_since_epoch()) -
		       std::chrono::duration_cast<ld_ns>(
			       now.time_since_epoch());
	}
};

} // namespace detail

template <std::ptrdiff_t LeastMaxValue = FSEM_VALUE_MAX>
class counting_semaphore {
	static_assert(LeastMaxValue >= 0, "LeastMaxValue must be >= 0");
	static_assert(LeastMaxValue <= FSEM_VALUE_MAX,
		      "fsem counts at most FSEM_VALUE_MAX permits");

public:
	static constexpr std::ptrdiff_t max() noexcept
	{
		return LeastMaxValue;
	}

	constexpr explicit counting_semaphore(std::ptrdiff_t desired)
		: sem_ FSEM_INITIALIZER(checked(desired))
	{
	}

	~counting_semaphore()
	{
		(void)fsem_destroy(&sem_);	/* EBUSY: UB in the standard */
	}

	counting_semaphore(const counting_semaphore &) = delete;
	counting_semaphore &operator=(const counting_semaphore &) = delete;

	void release(std::ptrdiff_t update = 1)
	{
		int r;

		if (update < 0)
			detail::throw_errno(EINVAL, "fsem::release");
		if (update > FSEM_VALUE_MAX)
			detail::throw_errno(EOVERFLOW, "fsem::release");
		if (update == 1)
			r = fsem_post(&sem_);	/* the inline fast path */
		else
			r = fsem_post_n(&sem_,
					static_cast<unsigned int>(update));
		if (r != 0)
			detail::throw_errno(errno, "fsem::release");
	}

	void acquire()
	{
		while (fsem_wait(&sem_) != 0)	/* the inline fast path */
			if (errno != EINTR)
				detail::throw_errno(errno, "fsem::acquire");
	}

	bool try_acquire() noexcept
	{
		return fsem_trywait(&sem_) == 0;
	}

	template <class Rep, class Period>
	bool try_acquire_for(const std::chrono::duration<Rep, Period> &rel)
	{
		return waits().wait_until(CLOCK_MONOTONIC,
					  detail::steady_deadline(rel));
	}

	template <class Clock, class Duration>
	bool try_acquire_until(
		const std::chrono::time_point<Clock, Duration> &abs)
	{
		return waits().wait_until(abs);
	}

private:
	static constexpr unsigned long long checked(std::ptrdiff_t desired)
	{
		if (desired < 0 || desired > max())
			detail::throw_errno(EINVAL, "fsem::counting_semaphore");
		return static_cast<unsigned long long>(desired);
	}

	detail::side<fsem_t> waits() noexcept
	{
		return { &sem_, &(fsem_wait), &fsem_clockwait, &fsem_trywait,
			 "fsem::acquire" };
	}

	fsem_t sem_;
};

using binary_semaphore = counting_semaphore<1>;

class bounded_semaphore {
public:
	/* the number of permits, N */
	std::ptrdiff_t max() const noexcept
	{
		return permits_;
	}

	explicit bounded_semaphore(std::ptrdiff_t permits) : permits_(permits)
	{
		if (permits < 1 || permits > FSEM_BOUNDED_MAX ||
		    fsem_bounded_init(&s_, 0,
				      static_cast<unsigned int>(permits)) != 0)
			detail::throw_errno(EINVAL, "fsem::bounded_semaphore");
	}

	~bounded_semaphore()
	{
		(void)fsem_bounded_destroy(&s_);
	}

	bounded_semaphore(const bounded_semaphore &) = delete;
	bounded_semaphore &operator=(const bounded_semaphore &) = delete;

	void acquire()
	{
		acquires().wait();
	}

	bool try_acquire() noexcept
	{
		return fsem_bounded_tryacquire(&s_) == 0;
	}

	template <class Rep, class Period>
	bool try_acquire_for(const std::chrono::duration<Rep, Period> &rel)
	{
		return acquires().wait_until(CLOCK_MONOTONIC,
					     detail::steady_deadline(rel));
	}

	template <class Clock, class Duration>
	bool try_acquire_until(
		const std::chrono::time_point<Clock, Duration> &abs)
	{
		return acquires().wait_until(abs);
	}

	/* gives a permit back; blocks while none is given out */
	void release()
	{
		releases().wait();
	}

	bool try_release() noexcept
	{
		return fsem_bounded_tryrelease(&s_) == 0;
	}

	template <class Rep, class Period>
	bool try_release_for(const std::chrono::duration<Rep, Period> &rel)
	{
		return releases().wait_until(CLOCK_MONOTONIC,
					     detail::steady_deadline(rel));
	}

	template <class Clock, class Duration>
	bool try_release_until(
		const std::chrono::time_point<Clock, Duration> &abs)
	{
		return releases().wait_until(abs);
	}

	/* permits available now, N - given_out(); stale once read */
	std::ptrdiff_t available() const noexcept
	{
		int v = 0;

		(void)fsem_bounded_getvalue(&s_, &v);
		return v;
	}

	/* permits given out now, in [0, N]; stale once read */
	std::ptrdiff_t given_out() const noexcept
	{
		int v = 0;

		(void)fsem_bounded_given_out(&s_, &v);
		return v;
	}

private:
	detail::side<fsem_bounded_t> acquires() noexcept
	{
		return { &s_, &fsem_bounded_acquire,
			 &fsem_bounded_clockacquire, &fsem_bounded_tryacquire,
			 "fsem::bounded_semaphore::acquire" };
	}

	detail::side<fsem_bounded_t> releases() noexcept
	{
		return { &s_, &fsem_bounded_release,
			 &fsem_bounded_clockrelease, &fsem_bounded_tryrelease,
			 "fsem::bounded_semaphore::release" };
	}

	std::ptrdiff_t permits_;
	mutable fsem_bounded_t s_;	/* mutable: the getters read it */
};

} // namespace fsem

#endif // FSEM_HPP
