/* SPDX-License-Identifier: MIT */
/*
 * preload.c - libfsem-preload.so: the POSIX semaphore calls, on fsem.
 *
 *   LD_PRELOAD=/path/libfsem-preload.so program
 *
 * makes every sem_* call of an unmodified program (and of the libraries it
 * loads) run on fsem; linking with -lfsem-preload ahead of libc does the
 * same. The fsem_t lives inside the caller's sem_t (it fits: checked in
 * fsem.c), and a process-shared one keeps no state in the process, so
 * another process may map the same memory and post without sem_init.
 *
 * Binding: glibc exports sem_wait@@GLIBC_2.34 (and @GLIBC_2.2.5, and
 * sem_clockwait@GLIBC_2.30) for old binaries. The dynamic linker accepts a
 * definition of the base version for any versioned reference, so these
 * are exported unversioned (preload.map has one anonymous node): programs
 * built against any glibc bind to them.
 *
 * Behaviour and errno are glibc's, which differs from fsem's own calls in
 * three places: sem_wait and sem_timedwait act on a pending cancellation
 * even when a permit is free; sem_destroy returns 0 with threads blocked
 * (glibc does not look); and named semaphores are fsem's (see named.c).
 * Where glibc aborts because the futex system call failed (a seccomp
 * filter answering ENOSYS or EPERM), these calls fail with that errno, as
 * fsem's own do.
 */
#include "fsem.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdarg.h>

#define EXPORT __attribute__((visibility("default")))

static inline fsem_t *fs(sem_t *sem)
{
	return (fsem_t *)(void *)sem;
}

EXPORT int sem_init(sem_t *sem, int pshared, unsigned int value)
{
	return fsem_init(fs(sem), pshared ? FSEM_SHARED : 0, value);
}

EXPORT int sem_destroy(sem_t *sem)
{
	int saved = errno;

	if (fsem_destroy(fs(sem)) == 0)
		return 0;
	if (errno != EBUSY)
		return -1;	/* EINVAL: NULL (glibc would crash) */
	errno = saved;
	return 0;		/* as glibc, which does not look for waiters */
}

EXPORT int sem_wait(sem_t *sem)
{
	pthread_testcancel();	/* glibc acts on it even with a permit */
	return fsem_wait(fs(sem));
}

EXPORT int sem_trywait(sem_t *sem)
{
	return fsem_trywait(fs(sem));
}

EXPORT int sem_timedwait(sem_t *sem, const struct timespec *abstime)
{
	pthread_testcancel();
	return fsem_timedwait(fs(sem), abstime);
}

EXPORT int sem_clockwait(sem_t *sem, clockid_t clock,
			 const struct timespec *abstime)
{
	return fsem_clockwait(fs(sem), clock, abstime);
}

EXPORT int sem_post(sem_t *sem)
{
	return fsem_post(fs(sem));
}

EXPORT int sem_getvalue(sem_t *sem, int *sval)
{
	return fsem_getvalue(fs(sem), sval);
}

EXPORT sem_t *sem_open(const char *name, int oflag, ...)
{
	unsigned int mode = 0, value = 0;
	va_list ap;

	if (oflag & O_CREAT) {
		va_start(ap, oflag);
		mode = va_arg(ap, unsigned int);	/* promoted mode_t */
		value = va_arg(ap, unsigned int);
		va_end(ap);
	}
	return (sem_t *)(void *)fsem_open(name, oflag, mode, value);
}

EXPORT int sem_close(sem_t *sem)
{
	return fsem_close(fs(sem));
}

EXPORT int sem_unlink(const char *name)
{
	return fsem_unlink(name);
}
