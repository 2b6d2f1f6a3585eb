/*
 * An example server: TCP on 127.0.0.1, a job queue on an fsem_t, a request
 * limit on an fsem_bounded_t, and a clean stop on SIGTERM through
 * fsem_shutdown().
 *
 *	server [-p PORT] [-w WORKERS] [-n UNITS]
 *
 * PORT 0 (the default) takes an ephemeral port; the first line on stdout
 * names it: "listening on 127.0.0.1:PORT". WORKERS defaults to 4, UNITS
 * (the limit) to 8.
 *
 * Protocol: a request is one line "UNITS n PAYLOAD" (PAYLOAD may be empty);
 * the answer is one line: "OK n PAYLOAD", "ERR units" (n is 0 or more than
 * the limit: it could never be taken), "ERR request" (not of that form)
 * or "ERR too long" (a line of LINE_MAX_ bytes or more before its '\n'; it is
 * skipped, and the connection goes on).
 *
 * Threads:
 * - the acceptor takes a free ring slot (fsem_t slots), waits on poll() for
 *   the listening socket or the stop pipe, accepts, pushes the fd on the
 *   ring and posts conns. slots is the backpressure: with RING fds queued,
 *   it stops accepting and the kernel's backlog holds the rest.
 * - each worker loops while (fsem_wait(&conns) == 0): pop an fd, give its
 *   slot back, serve the connection until the client closes it or the
 *   server stops. conns counts the fds on the ring: a wait that succeeds
 *   always finds one, since the acceptor pushes before it posts.
 * - main installs the handler, starts the threads with SIGTERM and SIGINT
 *   blocked (so the handler runs in main, and no worker sees EINTR), then
 *   joins them and checks that nothing is missing.
 *
 * Stopping: the handler calls fsem_shutdown() on conns and slots (both
 * async-signal-safe) and writes one byte to the stop pipe, and nothing
 * else. Workers blocked in fsem_wait() return -1/ECANCELED. The acceptor
 * sees the pipe readable in its poll() (or its slot wait fails). A worker
 * serving a connection polls the pipe with the client's socket: it
 * finishes the request it is in (releasing its units), answers no further
 * one, closes the connection and then fails its next fsem_wait(). The byte
 * is never read, so the pipe stays readable for every later poll. fds
 * accepted but never popped stay on the ring, still counted by conns: main
 * closes them and checks that conns' value equals their number.
 */
#define _GNU_SOURCE	/* accept4, pipe2 */
#include <fsem.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define RING		64	/* accepted fds queued at most */
#define LINE_MAX_	256	/* bytes in a request line, '\n' included */
#define WORKERS_MAX	256

static fsem_t conns;		/* fds on the ring */
static fsem_t slots;		/* free places on the ring */
static fsem_bounded_t limit;	/* request units */
static int stop_pipe[2];	/* readable once the server stops */

/* The ring: one producer (the acceptor), many consumers, one mutex. */
static pthread_mutex_t ring_lock = PTHREAD_MUTEX_INITIALIZER;
static int ring[RING];
static unsigned int ring_head, ring_count;

struct worker {
	pthread_t thread;
	long served;	/* requests answered "OK"; read by main after join */
	int err;	/* 0: left on ECANCELED, as it should; else errno */
};

static void push(int fd)
{
	pthread_mutex_lock(&ring_lock);
	ring[(ring_head + ring_count++) % RING] = fd;
	pthread_mutex_unlock(&ring_lock);
}

static int pop(void)
{
	int fd = -1;

	pthread_mutex_lock(&ring_lock);
	if (ring_count > 0) {
		fd = ring[ring_head];
		ring_head = (ring_head + 1) % RING;
		ring_count--;
	}
	pthread_mutex_unlock(&ring_lock);
	return fd;
}

/* Tell every thread to stop. Async-signal-safe: the handler is this. */
static void stop_all(void)
{
	int saved = errno;
	ssize_t r;

	fsem_shutdown(&conns);
	fsem_shutdown(&slots);
	r = write(stop_pipe[1], "", 1);	/* nonblocking; full is fine */
	(void)r;
	errno = saved;
}

static void on_signal(int sig)
{
	(void)sig;
	stop_all();
}

static int stopping(void)
{
	struct pollfd p = { .fd = stop_pipe[0], .events = POLLIN };

	return poll(&p, 1, 0) != 0;
}

/*
 * Wait until @fd is ready for @events or the server stops.
 * Return: 0 ready, or a positive errno (ECANCELED: stopping).
 */
static int wait_fd(int fd, short events)
{
	struct pollfd p[2] = {
		{ .fd = stop_pipe[0], .events = POLLIN },
		{ .fd = fd, .events = events },
	};

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (p[0].revents)
			return ECANCELED;
		if (p[1].revents)
			return 0;
	}
}

/*
 * Take @n units of @limit for one request: all at once, or none, with
 * fsem_bounded_acquire_n(). Taking them one at a time would let a request
 * hold some while it waits for the rest, and two such requests could each
 * hold half the limit for ever. A request for many is not starved by
 * requests for one (fsem's starvation bound). 0 units, or more than the
 * limit, could never be taken: EINVAL, and nothing is taken.
 * Return: 0, or a positive errno.
 */
static int take_units(fsem_bounded_t *lim, long n)
{
	if (n < 1 || n > FSEM_BOUNDED_MAX)
		return EINVAL;	/* above the limit: acquire_n says EINVAL */
	while (fsem_bounded_acquire_n(lim, (unsigned int)n) != 0)
		if (errno != EINTR)
			return errno;
	return 0;
}

/* Give back the @n units take_units() took. Return: 0 or a positive errno. */
static int give_units(fsem_bounded_t *lim, long n)
{
	while (fsem_bounded_release_n(lim, (unsigned int)n) != 0)
		if (errno != EINTR)
			return errno;
	return 0;
}

/* Send all of @s; give up if the client is gone or the server stops. */
static int send_line(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t w = send(fd, s, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return errno;
			int err = wait_fd(fd, POLLOUT);
			if (err)
				return err;
			continue;
		}
		s += w;
		len -= (size_t)w;
	}
	return 0;
}

/*
 * Answer one request @line (no '\n'). Return: 0 if the connection may go
 * on, or a positive errno if it must be closed.
 */
static int answer(int fd, char *line, struct worker *w)
{
	char out[LINE_MAX_ + 32];
	char *end, *payload;
	long n;
	int len, err;

	line[strcspn(line, "\r")] = '\0';
	if (strncmp(line, "UNITS ", 6) != 0 || line[6] < '0' || line[6] > '9')
		return send_line(fd, "ERR request\n", 12);
	errno = 0;
	n = strtol(line + 6, &end, 10);
	if (errno || (*end != ' ' && *end != '\0'))
		return send_line(fd, "ERR request\n", 12);
	payload = *end ? end + 1 : end;

	if (take_units(&limit, n) != 0)
		return send_line(fd, "ERR units\n", 10);
	/* The work: the echo. */
	len = snprintf(out, sizeof(out), "OK %ld%s%s\n", n,
		       *payload ? " " : "", payload);
	err = send_line(fd, out, (size_t)len);
	if (give_units(&limit, n) != 0)
		abort();	/* cannot happen: limit is never shut down */
	if (!err)
		w->served++;
	return err;
}

/*
 * Serve @fd until the client closes it or the server stops. A line too long
 * is answered "ERR too long" and skipped up to its '\n'.
 */
static void serve(int fd, struct worker *w)
{
	char buf[LINE_MAX_];
	size_t len = 0;
	int skipping = 0;

	for (;;) {
		char *nl = memchr(buf, '\n', len);
		ssize_t r;

		if (nl) {
			size_t used = (size_t)(nl + 1 - buf);

			*nl = '\0';
			if (!skipping && answer(fd, buf, w) != 0)
				return;
			skipping = 0;
			if (stopping())
				return;	/* this request done; no next one */
			memmove(buf, nl + 1, len - used);
			len -= used;
			continue;
		}
		if (len == sizeof(buf)) {
			if (!skipping && send_line(fd, "ERR too long\n", 13))
				return;
			skipping = 1;
			len = 0;
		}
		if (wait_fd(fd, POLLIN) != 0)
			return;
		r = recv(fd, buf + len, sizeof(buf) - len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return;	/* closed (maybe mid-line), or reset */
		len += (size_t)r;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	/* SIGTERM is blocked here: no EINTR, only ECANCELED ends the loop. */
	while (fsem_wait(&conns) == 0) {
		int fd = pop();	/* there is one: pushed before it was posted */

		fsem_post(&slots);
		serve(fd, w);
		close(fd);
	}
	w->err = errno == ECANCELED ? 0 : errno;
	return NULL;
}

/*
 * Accept one connection. Return: its fd, or -1 with ECANCELED (stopping)
 * or another errno (a failure that accepting again would not cure).
 */
static int accept_one(int lfd)
{
	for (;;) {
		int err = wait_fd(lfd, POLLIN);
		int fd;

		if (err) {
			errno = err;
			return -1;
		}
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			return fd;
		switch (errno) {
		case EAGAIN: case EINTR: case ECONNABORTED: case EPROTO:
			continue;	/* gone before we took it */
		case EMFILE: case ENFILE: case ENOBUFS: case ENOMEM: {
			/* Out of fds or memory: back off, as a server must. */
			struct pollfd p = { .fd = stop_pipe[0],
					    .events = POLLIN };
			poll(&p, 1, 100);
			continue;
		}
		default:
			return -1;
		}
	}
}

static void *acceptor_main(void *arg)
{
	int lfd = *(int *)arg;
	int err = 0;

	for (;;) {
		int fd;

		if (fsem_wait(&slots) != 0) {
			err = errno == ECANCELED ? 0 : errno;
			break;
		}
		fd = accept_one(lfd);
		if (fd < 0) {
			err = errno == ECANCELED ? 0 : errno;
			fsem_post(&slots);
			break;
		}
		push(fd);
		fsem_post(&conns);
	}
	if (err) {
		fprintf(stderr, "server: accept: %s\n", strerror(err));
		stop_all();	/* without the acceptor, everyone stops */
	}
	return (void *)(long)err;
}

static int listen_on(int port, int *out_port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((unsigned short)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
			0);

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &alen) < 0) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	*out_port = ntohs(a.sin_port);
	return fd;
}

static int option(const char *s, long lo, long hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

int main(int argc, char **argv)
{
	static struct worker workers[WORKERS_MAX];
	int port = 0, nworkers = 4, units = 8, started = 0, returned = 0;
	int lfd, opt, value, given_out, queued = 0, fd, ok;
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, old;
	pthread_t acceptor;
	void *acc_err = (void *)1L;
	long served = 0;

	while ((opt = getopt(argc, argv, "p:w:n:")) != -1) {
		if ((opt == 'p' && option(optarg, 0, 65535, &port) == 0) ||
		    (opt == 'w' && option(optarg, 1, WORKERS_MAX,
					  &nworkers) == 0) ||
		    (opt == 'n' && option(optarg, 1, FSEM_BOUNDED_MAX, &units) == 0))
			continue;
		fprintf(stderr, "usage: %s [-p PORT] [-w WORKERS 1..%d] "
			"[-n UNITS]\n", argv[0], WORKERS_MAX);
		return 2;
	}
	if (fsem_init(&conns, 0, 0) != 0 || fsem_init(&slots, 0, RING) != 0 ||
	    fsem_bounded_init(&limit, 0, (unsigned int)units) != 0 ||
	    pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
		perror("server: init");
		return 1;
	}
	lfd = listen_on(port, &port);
	if (lfd < 0) {
		perror("server: listen on 127.0.0.1");
		return 1;
	}

	sigfillset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	if (sigaction(SIGTERM, &sa, NULL) != 0 ||
	    sigaction(SIGINT, &sa, NULL) != 0) {
		perror("server: sigaction");
		return 1;
	}
	/* The threads inherit the blocked signals; main takes them. */
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (; started < nworkers; started++)
		if (pthread_create(&workers[started].thread, NULL,
				   worker_main, &workers[started]) != 0)
			break;
	if (started < nworkers ||
	    pthread_create(&acceptor, NULL, acceptor_main, &lfd) != 0) {
		fprintf(stderr, "server: cannot start its threads\n");
		stop_all();
	} else {
		acc_err = NULL;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	if (acc_err == NULL) {
		printf("listening on 127.0.0.1:%d\n", port);
		fflush(stdout);
		pthread_join(acceptor, &acc_err);
	}
	for (int i = 0; i < started; i++) {
		pthread_join(workers[i].thread, NULL);
		returned += workers[i].err == 0;
		served += workers[i].served;
	}

	/* Everyone is gone: what is left on the ring was never served. */
	fsem_getvalue(&conns, &value);
	while ((fd = pop()) >= 0) {
		close(fd);
		queued++;
	}
	fsem_bounded_given_out(&limit, &given_out);
	close(lfd);
	close(stop_pipe[0]);
	close(stop_pipe[1]);
	printf("stopped: workers %d/%d returned, requests %ld served, "
	       "queued-unserved %d, conns value %d, limit given_out %d\n",
	       returned, nworkers, served, queued, value, given_out);
	ok = acc_err == NULL && returned == nworkers && value == queued &&
	     given_out == 0;
	fsem_destroy(&conns);
	fsem_destroy(&slots);
	fsem_bounded_destroy(&limit);
	return ok ? 0 : 1;
}
