/* SPDX-License-Identifier: MIT */
/* impls.c - the list of implementations, in the order tables show them. */
#include "impl.h"

#include <string.h>

#ifdef BENCH_MUSL
/*
 * fsem-bench-musl: the sem_t adapters built against musl, and nothing
 * else. fsem is not in this binary; wl_burst names it for its post_n view,
 * so it is here as a remote name, which no workload runs.
 */
const struct bench_impl impl_fsem = {
	.name = "fsem", .kind = IMPL_COUNTING, .remote = true,
};

const struct bench_impl *const bench_impls[] = {
	&impl_glibc, &impl_sempair,
};
#else
const struct bench_impl *const bench_impls[] = {
	&impl_floor, &impl_spin, &impl_fsem, &impl_fsem_nospin,
	&impl_fsem_fifo, &impl_glibc, &impl_condvar, &impl_stdsem,
	&impl_fsemhpp, &impl_moodycamel, &impl_musl, &impl_fsem_bounded,
	&impl_fsem_bounded_fifo, &impl_countsem, &impl_sempair,
	&impl_stdpair, &impl_mcpair, &impl_musl_pair,
};
#endif
const size_t bench_nimpls = sizeof(bench_impls) / sizeof(bench_impls[0]);

const struct bench_impl *impl_find(const char *name)
{
	for (size_t i = 0; i < bench_nimpls; i++)
		if (!strcmp(bench_impls[i]->name, name))
			return bench_impls[i];
	return NULL;
}
