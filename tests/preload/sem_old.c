/* SPDX-License-Identifier: MIT */
/*
 * sem_old.c - a program as if linked against glibc before 2.34, when the
 * sem_* calls lived in libpthread: its references carry the old versions
 * (sem_*@GLIBC_2.2.5, sem_clockwait@GLIBC_2.30). Prints whose sem_t layout
 * sem_init wrote ("glibc" or "fsem") after a short round of calls.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

__asm__(".symver sem_init, sem_init@GLIBC_2.2.5");
__asm__(".symver sem_destroy, sem_destroy@GLIBC_2.2.5");
__asm__(".symver sem_wait, sem_wait@GLIBC_2.2.5");
__asm__(".symver sem_trywait, sem_trywait@GLIBC_2.2.5");
__asm__(".symver sem_timedwait, sem_timedwait@GLIBC_2.2.5");
__asm__(".symver sem_clockwait, sem_clockwait@GLIBC_2.30");
__asm__(".symver sem_post, sem_post@GLIBC_2.2.5");
__asm__(".symver sem_getvalue, sem_getvalue@GLIBC_2.2.5");

int main(void)
{
	union { sem_t s; unsigned char b[sizeof(sem_t)]; } u;
	struct timespec ts = { 0, 0 };
	unsigned int spin;
	int v = -1;

	memset(&u, 0, sizeof(u));
	if (sem_init(&u.s, 0, 1) || sem_wait(&u.s) || sem_post(&u.s) ||
	    sem_trywait(&u.s) || sem_trywait(&u.s) != -1 || errno != EAGAIN ||
	    sem_timedwait(&u.s, &ts) != -1 || errno != ETIMEDOUT ||
	    sem_clockwait(&u.s, CLOCK_MONOTONIC, &ts) != -1 ||
	    errno != ETIMEDOUT || sem_post(&u.s) || sem_getvalue(&u.s, &v) ||
	    v != 1)
		return 1;
	memcpy(&spin, u.b + 20, sizeof(spin));	/* fsem: the spin budget */
	puts(spin ? "fsem" : "glibc");
	return sem_destroy(&u.s);
}
