/* The public header compiles as strict C99 (-std=c99 -pedantic), inline
 * fast paths included, with POSIX asked for as fsem.h says. */
#define _POSIX_C_SOURCE 200809L
#include <fsem.h>

static fsem_t sem = FSEM_INITIALIZER(1);

int main(void)
{
	int v = -1;

	if (fsem_wait(&sem) != 0 || fsem_post(&sem) != 0 ||
	    fsem_wait(0) != -1)	/* NULL still reaches the library: EINVAL */
		return 1;
	return fsem_getvalue(&sem, &v) == 0 && v == 1 ? 0 : 1;
}
