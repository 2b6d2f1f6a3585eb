/* SPDX-License-Identifier: MIT */
/*
 * test_example_server.c - the example server (examples/server.c) answers
 * every request on loopback, closes the connections it never served, and
 * stops on SIGTERM with every worker back and no permit missing.
 *
 * argv[1] is the server, argv[2] the valgrind suppressions. The server's
 * first line names its port; every step waits for a line or for the
 * kernel's word (/proc/net/tcp), with a limit that only a broken server
 * reaches. Under valgrind (scripts/valgrind.sh wraps this driver) the
 * server is run under the same tool, whose reports fail it.
 */
#define _GNU_SOURCE
#include "common.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#define CLIENTS		8
#define REQUESTS	50	/* per client */
#define LINE		512

static const char *server_path, *supp_path;
static pid_t live = -1;	/* a server started and not yet reaped */

struct server {
	pid_t pid;
	int out;	/* its stdout */
	int port;
};

/* The limit of every wait: 20 s, stretched under valgrind. */
static int64_t deadline(void)
{
	return test_now_ns(CLOCK_MONOTONIC) +
	       20 * 1000000000LL * test_slowdown();
}

/*
 * Read one line of @fd into @buf (without its '\n'), by @until.
 * Return: its length, -1 at end of file or on an error, -2 at @until.
 */
static int read_line(int fd, char *buf, size_t cap, int64_t until)
{
	size_t len = 0;

	buf[0] = '\0';
	for (;;) {
		int64_t left = until - test_now_ns(CLOCK_MONOTONIC);
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;
		char c;

		if (left <= 0)
			return -2;
		if (poll(&p, 1, (int)(left / 1000000) + 1) <= 0)
			continue;
		r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		if (c == '\n') {
			buf[len] = '\0';
			return (int)len;
		}
		if (len + 1 < cap) {
			buf[len++] = c;
			buf[len] = '\0';
		}
	}
}

static int send_all(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t w = send(fd, s, len, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		s += w;
		len -= (size_t)w;
	}
	return 0;
}

static int connect_to(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((unsigned short)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Send @req (a '\n' is added) and check that the answer is @want. */
static int exchange(int fd, const char *req, const char *want, char *got)
{
	size_t len = strlen(req);
	char *line = malloc(len + 1);
	int err;

	if (!line) {	/* no cmocka assert: client threads call this */
		snprintf(got, LINE, "(no memory)");
		return -1;
	}
	memcpy(line, req, len);
	line[len] = '\n';	/* one send: no wait on Nagle's algorithm */
	err = send_all(fd, line, len + 1);
	free(line);
	if (err || read_line(fd, got, LINE, deadline()) < 0) {
		snprintf(got, LINE, "(no answer)");
		return -1;
	}
	return strcmp(got, want) == 0 ? 0 : -1;
}

/*
 * The tool this driver runs under, from the preloads valgrind gave it
 * ("vgpreload_core-amd64-linux.so:vgpreload_helgrind-amd64-linux.so"),
 * or NULL when it runs natively.
 */
static const char *valgrind_tool(char *buf, size_t cap)
{
	const char *p = getenv("LD_PRELOAD");

	if (!test_on_valgrind() || !p)
		return NULL;
	while ((p = strstr(p, "vgpreload_")) != NULL) {
		size_t n;

		p += strlen("vgpreload_");
		n = strcspn(p, "-");
		if (n > 0 && n < cap && strncmp(p, "core-", 5) != 0) {
			memcpy(buf, p, n);
			buf[n] = '\0';
			return buf;
		}
	}
	return NULL;
}

static void start_server(struct server *s, const char *workers)
{
	char tool[32], tool_opt[48], supp_opt[1024], line[LINE];
	const char *argv[16];
	int n = 0, out[2];
	pid_t parent;

	if (valgrind_tool(tool, sizeof(tool))) {
		snprintf(tool_opt, sizeof(tool_opt), "--tool=%s", tool);
		snprintf(supp_opt, sizeof(supp_opt), "--suppressions=%s",
			 supp_path);
		argv[n++] = "valgrind";
		argv[n++] = tool_opt;
		argv[n++] = "--error-exitcode=1";
		argv[n++] = "--fair-sched=yes";
		argv[n++] = "-q";
		argv[n++] = supp_opt;
		if (strcmp(tool, "drd") == 0)
			argv[n++] = "--check-stack-var=yes";
	}
	argv[n++] = server_path;
	argv[n++] = "-w";
	argv[n++] = workers;
	argv[n] = NULL;

	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	parent = getpid();
	s->pid = fork();
	assert_true(s->pid >= 0);
	live = s->pid;
	if (s->pid == 0) {
		/* If this driver dies, so does the server (no orphan). */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		dup2(out[1], STDOUT_FILENO);
		execvp(argv[0], (char **)argv);
		_exit(127);
	}
	close(out[1]);
	s->out = out[0];
	if (read_line(s->out, line, sizeof(line), deadline()) < 0 ||
	    sscanf(line, "listening on 127.0.0.1:%d", &s->port) != 1)
		fail_msg("no port line from %s (read \"%s\")", server_path,
			 line);
}

/* SIGTERM; the server must exit 0 with @want as its last line. */
static void stop_server(struct server *s, const char *want)
{
	char line[LINE], last[LINE] = "(nothing)";
	int64_t until = deadline();
	int r, status;

	assert_int_equal(kill(s->pid, SIGTERM), 0);
	while ((r = read_line(s->out, line, sizeof(line), until)) >= 0)
		memcpy(last, line, sizeof(last));
	if (r == -2)
		fail_msg("the server did not stop within the limit");
	close(s->out);
	assert_int_equal(waitpid(s->pid, &status, 0), s->pid);
	live = -1;
	if (strcmp(last, want) != 0)
		fail_msg("last line \"%s\", want \"%s\"", last, want);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* The server closed @fd: end of file or a reset, and no answer. */
static void assert_closed(int fd)
{
	char line[LINE];

	assert_int_equal(read_line(fd, line, sizeof(line), deadline()), -1);
	close(fd);
}

/* After a failure, the server that did not stop is killed. */
static int kill_live_server(void **state)
{
	(void)state;
	if (live > 0) {
		kill(live, SIGKILL);
		waitpid(live, NULL, 0);
		live = -1;
	}
	return 0;
}

struct client {
	pthread_t thread;
	int port, id;
	char err[2 * LINE];
};

static void *client_main(void *arg)
{
	struct client *c = arg;
	char req[64], want[64], got[LINE];
	int fd = connect_to(c->port);

	if (fd < 0) {
		snprintf(c->err, sizeof(c->err), "client %d: connect: %s",
			 c->id, strerror(errno));
		return NULL;
	}
	for (int i = 0; i < REQUESTS; i++) {
		int n = 1 + (c->id + i) % 3;	/* weighted: 1 to 3 units */

		snprintf(req, sizeof(req), "UNITS %d c%d-r%d", n, c->id, i);
		snprintf(want, sizeof(want), "OK %d c%d-r%d", n, c->id, i);
		if (exchange(fd, req, want, got) != 0) {
			snprintf(c->err, sizeof(c->err),
				 "client %d: \"%s\" got \"%s\"", c->id, req,
				 got);
			break;
		}
	}
	close(fd);
	return NULL;
}

/*
 * 8 clients x 50 requests of 1 to 3 units, and bad requests on another
 * connection, each with its answer; then SIGTERM while two clients sit
 * idle on their connections (two workers wait for their next request, the
 * other two have no connection: they are in fsem_wait(), or about to be).
 */
static void server_answers_every_request_and_stops_with_every_worker_back(
	void **state)
{
	static const char *const bad[][2] = {
		{ "UNITS 2 two", "OK 2 two" },
		{ "UNITS 8 all", "OK 8 all" },	/* the whole limit */
		{ "UNITS 9 nine", "ERR units" },	/* more than the limit */
		{ "UNITS 0 none", "ERR units" },
		{ "UNITS x", "ERR request" },
		{ "UNITS -1 x", "ERR request" },
		{ "UNITS 99999999999999999999 x", "ERR request" },
		{ "HELLO", "ERR request" },
		{ "UNITS 1 after-errors", "OK 1 after-errors" },
	};
	static struct client clients[CLIENTS];
	char got[LINE], longline[1000];
	struct server s;
	int fd, idle[2];

	(void)state;
	start_server(&s, "4");
	fd = connect_to(s.port);
	assert_true(fd >= 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (exchange(fd, bad[i][0], bad[i][1], got) != 0)
			fail_msg("\"%s\" got \"%s\"", bad[i][0], got);
	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	if (exchange(fd, longline, "ERR too long", got) != 0)
		fail_msg("a long line got \"%s\"", got);
	close(fd);
	/* A client that leaves in the middle of a line. */
	fd = connect_to(s.port);
	assert_true(fd >= 0);
	assert_int_equal(send_all(fd, "UNITS 1 hal", 11), 0);
	close(fd);

	for (int i = 0; i < CLIENTS; i++) {
		clients[i] = (struct client){ .port = s.port, .id = i };
		assert_int_equal(pthread_create(&clients[i].thread, NULL,
						client_main, &clients[i]), 0);
	}
	for (int i = 0; i < CLIENTS; i++)
		pthread_join(clients[i].thread, NULL);
	for (int i = 0; i < CLIENTS; i++)
		if (clients[i].err[0])
			fail_msg("%s", clients[i].err);

	for (int i = 0; i < 2; i++) {
		char req[32];

		idle[i] = connect_to(s.port);
		assert_true(idle[i] >= 0);
		snprintf(req, sizeof(req), "UNITS 1 idle-%d", i);
		snprintf(longline, sizeof(longline), "OK 1 idle-%d", i);
		if (exchange(idle[i], req, longline, got) != 0)
			fail_msg("\"%s\" got \"%s\"", req, got);
	}
	/* 400 + after-errors + 2 idle: every OK; no ERR took a unit. */
	stop_server(&s, "stopped: workers 4/4 returned, requests 405 served, "
		    "queued-unserved 0, conns value 0, limit given_out 0");
	assert_closed(idle[0]);
	assert_closed(idle[1]);
}

/*
 * The server's side of loopback port @port, from /proc/net/tcp: its
 * connections (established, accepted or not), and the listener's accept
 * queue (rx_queue of a LISTEN socket).
 */
static int tcp_state(int port, int *established, int *backlog)
{
	FILE *f = fopen("/proc/net/tcp", "r");
	char line[LINE];
	unsigned int addr, lport, raddr, rport, st, tx, rx;

	if (!f)
		return -1;
	*established = 0;
	*backlog = -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " %*d: %X:%X %X:%X %X %X:%X", &addr, &lport,
			   &raddr, &rport, &st, &tx, &rx) == 7 &&
		    lport == (unsigned int)port) {
			if (st == 0x01)		/* TCP_ESTABLISHED */
				(*established)++;
			else if (st == 0x0A)	/* TCP_LISTEN */
				*backlog = (int)rx;
		}
	fclose(f);
	return 0;
}

/*
 * Two workers held by idle clients, three more connections accepted (the
 * kernel says so) but never popped: SIGTERM, and the server closes those
 * three, counts them, and finds conns' value equal to that count.
 */
static void server_closes_the_connections_it_never_served(void **state)
{
	char req[32], want[32], got[LINE];
	int64_t until;
	struct server s;
	int busy[2], queued[3], est = 0, backlog = -1;

	(void)state;
	start_server(&s, "2");
	for (int i = 0; i < 2; i++) {
		busy[i] = connect_to(s.port);
		assert_true(busy[i] >= 0);
		snprintf(req, sizeof(req), "UNITS 1 busy-%d", i);
		snprintf(want, sizeof(want), "OK 1 busy-%d", i);
		if (exchange(busy[i], req, want, got) != 0)
			fail_msg("\"%s\" got \"%s\"", req, got);
	}
	for (int i = 0; i < 3; i++) {
		queued[i] = connect_to(s.port);
		assert_true(queued[i] >= 0);
	}
	/* All five established on the server's side, none left to accept. */
	until = deadline();
	for (;;) {
		assert_int_equal(tcp_state(s.port, &est, &backlog), 0);
		if (est == 5 && backlog == 0)
			break;
		if (test_now_ns(CLOCK_MONOTONIC) > until)
			fail_msg("never accepted: %d established, %d in the "
				 "accept queue", est, backlog);
		nanosleep(&(struct timespec){ 0, 5000000 }, NULL);
	}
	stop_server(&s, "stopped: workers 2/2 returned, requests 2 served, "
		    "queued-unserved 3, conns value 3, limit given_out 0");
	for (int i = 0; i < 2; i++)
		assert_closed(busy[i]);
	for (int i = 0; i < 3; i++)
		assert_closed(queued[i]);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(
		server_answers_every_request_and_stops_with_every_worker_back,
			kill_live_server),
		cmocka_unit_test_teardown(
			server_closes_the_connections_it_never_served,
			kill_live_server),
	};

	if (argc != 3) {
		fprintf(stderr, "usage: %s SERVER VALGRIND_SUPPRESSIONS\n",
			argv[0]);
		return 2;
	}
	server_path = argv[1];
	supp_path = argv[2];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
