/* SPDX-License-Identifier: MIT */
/*
 * impl_musl.c - musl's sem_t and a bounded pair of them, as names only.
 * musl's libc cannot share a process with glibc, so the helper
 * fsem-bench-musl measures them (impl_glibc.c and impl_sempair.c built
 * against musl, under these names) and peer.c adds its samples to the rows
 * of these two.
 */
#include "impl.h"

const struct bench_impl impl_musl = {
	.name = "musl", .kind = IMPL_COUNTING, .remote = true,
};

const struct bench_impl impl_musl_pair = {
	.name = "musl-pair", .kind = IMPL_BOUNDED, .remote = true,
};
