/* SPDX-License-Identifier: MIT */
/*
 * peer.c - musl's sem_t in this run. musl's libc cannot share a process
 * with glibc, so fsem-bench-musl, built beside fsem-bench from the same
 * driver and workloads with musl-gcc, measures the remote implementations
 * (impl_musl.c). After each workload of each repetition it runs once, with
 * this run's options (remote_argv()), and writes -f raw lines on a pipe;
 * each becomes a sample of this run's row of that implementation. Its
 * stderr is ours. If it is missing or fails, its rows get NAN and we say
 * why once.
 */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define HELPER		"fsem-bench-musl"
#define NO_HELPER	"not found (apt-get install musl-tools musl-dev, " \
			"then rebuild)"

struct samples {
	int n, cap;
	struct raw_sample *v;
};

/* Set once the helper has failed: it is not run again. */
static bool peer_broken;

/* The helper's path: beside this executable. 0, or -1. */
static int helper_path(char *path, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", path, len - 1);
	char *slash;

	if (n <= 0)
		return -1;
	path[n] = '\0';
	slash = strrchr(path, '/');
	if (!slash || (size_t)(slash + 1 - path) + sizeof(HELPER) > len)
		return -1;
	memcpy(slash + 1, HELPER, sizeof(HELPER));
	return 0;
}

/* The remote implementations @o selects, as a -i list; "" if none. */
static void remote_list(const struct bench_opts *o, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < bench_nimpls && used < len; i++)
		if (opts_want_remote(o, bench_impls[i]))
			used += snprintf(buf + used, len - used, "%s%s",
					 used ? "," : "", bench_impls[i]->name);
}

static int fail(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* Keep @line if it is a sample of a remote implementation of @wl. */
static int keep(struct samples *sv, const char *line, const char *wl)
{
	const struct bench_impl *impl;
	struct raw_sample s;

	if (raw_parse(line, &s) || strcmp(s.workload, wl))
		return -1;
	impl = impl_find(s.impl);
	if (!impl || !impl->remote)
		return -1;
	if (sv->n == sv->cap) {
		int cap = sv->cap ? 2 * sv->cap : 64;
		struct raw_sample *v = realloc(sv->v, cap * sizeof(*v));

		if (!v)
			return -1;
		sv->v = v;
		sv->cap = cap;
	}
	sv->v[sv->n++] = s;
	return 0;
}

/*
 * Run the helper with @argv and keep the samples of its stdout in @sv:
 * 0, or -1 with the reason in @why. All of its output is read, even after
 * a bad line, so that it never blocks on a full pipe.
 */
static int collect(const char *path, const char **argv, const char *wl,
		   struct samples *sv, char *why, size_t len)
{
	posix_spawn_file_actions_t fa;
	char *line = NULL;
	size_t cap = 0;
	int fd[2], err, st, ret = 0;
	pid_t pid;
	FILE *f;

	if (access(path, X_OK) != 0)
		return fail(why, len, "%s", errno == ENOENT ? NO_HELPER :
			    strerror(errno));
	if (pipe2(fd, O_CLOEXEC) != 0)
		return fail(why, len, "pipe: %s", strerror(errno));
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd[1], STDOUT_FILENO);
	err = posix_spawn(&pid, path, &fa, NULL, (char *const *)argv,
			  environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fd[1]);
	if (err) {
		close(fd[0]);
		return fail(why, len, "cannot run it: %s", strerror(err));
	}
	f = fdopen(fd[0], "r");
	if (!f) {
		close(fd[0]);
		ret = fail(why, len, "cannot read it: %s", strerror(errno));
	}
	while (f && getline(&line, &cap, f) > 0)
		if (ret == 0 && keep(sv, line, wl) != 0)
			ret = fail(why, len, "bad line from it: %.*s", 60,
				   line);
	free(line);
	if (f)
		fclose(f);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return fail(why, len, "waitpid: %s", strerror(errno));
	if (ret == 0 && WIFSIGNALED(st))
		ret = fail(why, len, "killed by signal %d", WTERMSIG(st));
	else if (ret == 0 && WEXITSTATUS(st) != 0)
		ret = fail(why, len, "exit status %d", WEXITSTATUS(st));
	why[strcspn(why, "\n")] = '\0';
	return ret;
}

/*
 * A unit for a row made from a raw line: the row keeps the pointer, so
 * it must outlive the line. "?" once 16 different units are kept.
 */
static const char *unit_intern(const char *u)
{
	static char units[16][24];
	int i;

	for (i = 0; i < 16 && units[i][0]; i++)
		if (!strcmp(units[i], u))
			return units[i];
	if (i == 16)
		return "?";
	snprintf(units[i], sizeof(units[i]), "%s", u);
	return units[i];
}

/*
 * The row of remote @impl with @key's workload, configuration and metric.
 * A new one moves up behind the last row of its workload and
 * configuration: the table prints a group from consecutive rows, and the
 * local rows of this workload are all made by now. @key must not point
 * into @r, which may move.
 */
static struct row *peer_row(struct results *r, const struct row *key,
			    const struct bench_impl *impl)
{
	int n = r->n, last = -1;
	struct row *row, tmp;

	row = results_row(r, key->workload, key->config, key->x, impl,
			  key->metric, key->unit, key->higher_better,
			  key->headline);
	if (!row || r->n == n)
		return row;
	for (int i = 0; i < n; i++)
		if (!strcmp(r->row[i].workload, key->workload) &&
		    !strcmp(r->row[i].config, key->config))
			last = i;
	if (last < 0 || last == n - 1)
		return row;
	tmp = *row;
	memmove(&r->row[last + 2], &r->row[last + 1],
		(size_t)(n - 1 - last) * sizeof(tmp));
	r->row[last + 1] = tmp;
	return &r->row[last + 1];
}

static void merge(struct results *r, const struct samples *sv, int rep)
{
	for (int i = 0; i < sv->n; i++) {
		const struct raw_sample *s = &sv->v[i];
		struct row key = { .x = s->x, .unit = unit_intern(s->unit),
				   .higher_better = s->higher_better,
				   .headline = s->headline };
		struct row *row;

		strcpy(key.workload, s->workload);	/* same sizes */
		strcpy(key.config, s->config);
		strcpy(key.metric, s->metric);
		row = peer_row(r, &key, impl_find(s->impl));
		if (row && row->n < rep)	/* one sample per repetition */
			row_add(row, s->value);
	}
}

/*
 * Every remote row of workload @wl ends repetition @rep with @rep
 * samples, NAN where the helper gave none. A remote implementation gets
 * the rows the local ones of its kind have here even if the helper never
 * ran, so that the tables show n/a rather than nothing.
 */
static void pad(struct results *r, const struct bench_opts *o,
		const char *wl, int rep)
{
	for (int i = 0; i < r->n; i++) {
		struct row key = r->row[i];

		if (key.impl->remote || strcmp(key.workload, wl))
			continue;
		for (size_t m = 0; m < bench_nimpls; m++) {
			const struct bench_impl *impl = bench_impls[m];
			struct row *row;

			if (!opts_want_remote(o, impl) ||
			    impl->kind != key.impl->kind)
				continue;
			row = peer_row(r, &key, impl);
			while (row && row->n < rep)
				row_add(row, NAN);
		}
	}
}

void peer_run(enum workload_id id, const struct bench_opts *o, int argc,
	      char **argv, struct results *res)
{
	static char path[PATH_MAX] = HELPER;
	const char *wl = workload_names[id];
	struct samples sv = { 0 };
	const char **args = NULL;
	char impls[64], why[160];
	int max = argc + 16, err;

	remote_list(o, impls, sizeof(impls));
	if (!impls[0])
		return;
	if (!peer_broken) {
		progress(o, "%s: rep %d/%d %s", wl, o->rep_now, o->rep_total,
			 HELPER);
		args = malloc((size_t)max * sizeof(*args));
		if (helper_path(path, sizeof(path)) != 0)
			err = fail(why, sizeof(why), "cannot find fsem-bench");
		else if (!args || remote_argv(path, argc, argv, wl, impls,
					      args, max) < 0)
			err = fail(why, sizeof(why), "out of memory");
		else
			err = collect(path, args, wl, &sv, why, sizeof(why));
		if (err == 0) {
			merge(res, &sv, o->rep_now);
		} else {
			progress_done(o);
			fprintf(stderr, "fsem-bench: musl peer skipped: %s: "
				"%s\n", path, why);
			peer_broken = true;
		}
	}
	free(args);
	free(sv.v);
	pad(res, o, wl, o->rep_now);
}
