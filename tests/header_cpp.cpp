// The public header compiles as C++ without warnings (old-style casts and
// 0 as a null pointer included), inline fast paths too, with C linkage.
#include <fsem.h>

static fsem_t sem = FSEM_INITIALIZER(2);

int main()
{
	fsem_bounded_t b;
	int v = -1;

	if (fsem_bounded_init(&b, 0, 3) != 0 || fsem_trywait(&sem) != 0)
		return 1;
	if (fsem_wait(&sem) != 0 || fsem_post(&sem) != 0)
		return 1;
	if (fsem_open("", 0) != FSEM_FAILED)
		return 1;
	return fsem_getvalue(&sem, &v) == 0 && v == 1 ? 0 : 1;
}
