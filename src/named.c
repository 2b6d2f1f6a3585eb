/* SPDX-License-Identifier: MIT */
/*
 * named.c - named semaphores: fsem_open, fsem_close, fsem_unlink.
 *
 * A named semaphore is a process-shared fsem_t in a file of /dev/shm, as
 * glibc does it, mapped MAP_SHARED. The file is "fsm.NAME" (glibc's files
 * are "sem.NAME": the layouts differ, so the two never open each other's),
 * sizeof(sem_t) bytes long, so that the preload library can return it as
 * a sem_t. Names follow glibc exactly: leading slashes are skipped; an empty
 * name, a '/' after them or more than NAME_MAX characters is EINVAL; more
 * than 251 characters (the longest that fits "/dev/shm/sem." in a path
 * buffer of glibc's) is ENAMETOOLONG.
 *
 * Creation is race-free: the creator initialises the semaphore in a file
 * of its own under a temporary name, then link()s it to the real name. The
 * name therefore only ever shows a fully initialised semaphore; of two
 * racing creators one wins the link and the other opens the winner's.
 *
 * Opening one name twice in a process returns the same address: open
 * semaphores are kept in a list by device and inode, with a count of opens,
 * and fsem_close() unmaps a semaphore when its count drops to zero.
 *
 * None of the three calls is a cancellation point, as glibc's are not. The
 * open(), write() and close() of fsem_open() are, and a cancel acting in
 * one of them would leave what no caller can release: a descriptor, a
 * temporary file (write), or a counted open (the final close). So
 * fsem_open() runs with cancellation disabled from its first system call
 * to its last, as glibc's sem_open() does. fsem_close() and fsem_unlink()
 * call nothing that is a cancellation point (munmap, unlink, a mutex).
 */
#include "fsem.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SHM_DIR		"/dev/shm/"
#define PREFIX		"fsm."
#define NAME_LONGEST	251
#define FILE_SIZE	sizeof(sem_t)	/* holds an fsem_t, see fsem.c */

struct named {
	struct named *next;
	dev_t dev;
	ino_t ino;
	unsigned long opens;
	fsem_t *sem;
};

static pthread_mutex_t named_lock = PTHREAD_MUTEX_INITIALIZER;
static struct named *named_list;

static inline int fail(int err)
{
	errno = err;
	return -1;
}

/* The file of @name into @path (PATH_MAX bytes): 0, EINVAL, ENAMETOOLONG. */
static int name_path(const char *name, char *path)
{
	size_t len;

	if (!name)
		return EINVAL;
	while (*name == '/')
		name++;
	len = strlen(name);
	if (len == 0 || len > NAME_MAX || strchr(name, '/'))
		return EINVAL;
	if (len > NAME_LONGEST)
		return ENAMETOOLONG;
	snprintf(path, PATH_MAX, SHM_DIR PREFIX "%s", name);
	return 0;
}

/* Map the semaphore open on @fd, or find it mapped, into *@semp: 0/errno. */
static int map_fd(int fd, fsem_t **semp)
{
	struct named *n;
	struct stat st;
	void *p;

	if (fstat(fd, &st) != 0)
		return errno;
	if ((size_t)st.st_size < FILE_SIZE)
		return EINVAL;		/* not one of ours */
	pthread_mutex_lock(&named_lock);
	for (n = named_list; n; n = n->next) {
		if (n->dev == st.st_dev && n->ino == st.st_ino) {
			n->opens++;
			pthread_mutex_unlock(&named_lock);
			*semp = n->sem;
			return 0;
		}
	}
	n = malloc(sizeof(*n));
	p = n ? mmap(NULL, FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		     0) : MAP_FAILED;
	if (p == MAP_FAILED) {
		int err = n ? errno : ENOMEM;

		free(n);
		pthread_mutex_unlock(&named_lock);
		return err;
	}
	*n = (struct named){ named_list, st.st_dev, st.st_ino, 1, p };
	named_list = n;
	pthread_mutex_unlock(&named_lock);
	*semp = p;
	return 0;
}

/*
 * Make a semaphore of @value under a fresh temporary name with @mode and
 * link it to @path. 0: linked, and *@fdp is open on it; EEXIST: @path
 * exists; else an errno.
 */
static int create(const char *path, mode_t mode, unsigned int value,
		  int *fdp)
{
	static _Atomic unsigned long seq;
	char tmp[PATH_MAX];
	union { sem_t pad; fsem_t s; } init;
	int fd, err = 0;

	memset(&init, 0, sizeof(init));
	fsem_init(&init.s, FSEM_SHARED, value);
	for (;;) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		snprintf(tmp, sizeof(tmp), SHM_DIR PREFIX "tmp.%d.%lu.%ld",
			 (int)getpid(), (unsigned long)++seq, (long)ts.tv_nsec);
		fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
			  O_CLOEXEC, mode);
		if (fd >= 0)
			break;
		if (errno != EEXIST)
			return errno;
	}
	if (write(fd, &init, FILE_SIZE) != (ssize_t)FILE_SIZE)
		err = errno ? errno : EIO;
	else if (link(tmp, path) != 0)
		err = errno;
	unlink(tmp);
	if (err)
		close(fd);
	else
		*fdp = fd;
	return err;
}

/* Open or create the semaphore of @path into *@semp: 0 or an errno. */
static int open_path(const char *path, int oflag, mode_t mode,
		     unsigned int value, fsem_t **semp)
{
	int err, fd = -1;

	for (;;) {
		if (!(oflag & O_CREAT) || !(oflag & O_EXCL)) {
			fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
			if (fd >= 0)
				break;
			if (errno != ENOENT || !(oflag & O_CREAT))
				return errno;
		}
		err = create(path, mode, value, &fd);
		if (err == 0)
			break;
		if (err != EEXIST || (oflag & O_EXCL))
			return err;
		/* Another process created it first: open theirs. */
	}
	err = map_fd(fd, semp);
	close(fd);
	return err;
}

fsem_t *fsem_open(const char *name, int oflag, ...)
{
	char path[PATH_MAX];
	unsigned int value = 0;
	mode_t mode = 0;
	fsem_t *sem = FSEM_FAILED;
	va_list ap;
	int err, cancel;

	err = name_path(name, path);
	if (err) {
		errno = err;
		return FSEM_FAILED;
	}
	if (oflag & O_CREAT) {
		va_start(ap, oflag);
		mode = (mode_t)va_arg(ap, unsigned int);  /* promoted mode_t */
		value = va_arg(ap, unsigned int);
		va_end(ap);
		if (value > FSEM_VALUE_MAX) {
			errno = EINVAL;
			return FSEM_FAILED;
		}
	}
	/* Not a cancellation point, as glibc: see the top of this file. */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	err = open_path(path, oflag, mode, value, &sem);
	pthread_setcancelstate(cancel, NULL);
	if (err) {
		errno = err;
		return FSEM_FAILED;
	}
	return sem;
}

int fsem_close(fsem_t *sem)
{
	struct named **pp, *n;

	pthread_mutex_lock(&named_lock);
	for (pp = &named_list; (n = *pp); pp = &n->next) {
		if (n->sem != sem)
			continue;
		if (--n->opens == 0) {
			*pp = n->next;
			munmap(n->sem, FILE_SIZE);
			free(n);
		}
		pthread_mutex_unlock(&named_lock);
		return 0;
	}
	pthread_mutex_unlock(&named_lock);
	return fail(EINVAL);
}

int fsem_unlink(const char *name)
{
	char path[PATH_MAX];
	int err = name_path(name, path);

	if (err)	/* as glibc: a name that cannot exist is not there */
		return fail(err == EINVAL ? ENOENT : err);
	if (unlink(path) != 0)
		return fail(errno == EPERM ? EACCES : errno);
	return 0;
}
