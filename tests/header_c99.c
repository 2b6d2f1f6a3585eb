/* The public header compiles as strict C99 (-std=c99 -pedantic). */
#include <fsem.h>

static fsem_t sem = FSEM_INITIALIZER(1);

int main(void)
{
	int v = -1;

	return fsem_getvalue(&sem, &v) == 0 && v == 1 ? 0 : 1;
}
