/* The benchmarks' load generator: an echo client that only ever connects to 127.0.0.1.
 *
 *   echo_client pingpong PORT SIZE PATTERN ACK WARMUP SECONDS MAXROUNDS SERVERPID
 *       One connection. WARMUP round trips, then round trips for SECONDS (at most MAXROUNDS): send a
 *       SIZE-byte message, read until all SIZE bytes are back (the article's server echoes in recv(1024)
 *       pieces), compare every byte. A message larger than the socket buffers is sent and read at once
 *       (poll), so 1 MiB messages cannot deadlock. Prints one JSON line: round trips, elapsed time,
 *       latency percentiles, and the CPU time the client and the server (SERVERPID, 0: none) spent in the
 *       measured window, from /proc/PID/schedstat.
 *   echo_client burst PORT N ROUNDS SIZE
 *       N connections started at once (non-blocking connect()s in a row); each, once connected, holds
 *       its session for ROUNDS round trips of SIZE bytes, then closes. Prints one JSON line with, for
 *       each connection, when it connected, when its first echo was back and when it finished, in ns
 *       since the first connect().
 *   echo_client concurrent PORT N SIZE WARMUP SECONDS
 *       N connections, opened one after another, each with WARMUP round trips at once (so that the server
 *       has accepted it and is serving it before the next is opened); then all N do round trips of SIZE
 *       bytes at the same time for SECONDS, each sending its next message as soon as its echo is back
 *       (poll). Prints one JSON line: the round trips of all N in that window, its length, and each
 *       connection's round trips.
 *
 * PATTERN: "ascii" (printable ASCII, as a person types) or "binary" (every byte value). The message of
 * round r starts r bytes further into the pattern, so a lost, repeated or reordered byte is a mismatch.
 * ACK: "quickack" or "delayed" (see quickack below). Exit status: 3 for an echo that differs, 4 for a
 * connection that fails or closes, 5 for no memory; a run longer than 120 s is ended by SIGALRM.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LOOPBACK "127.0.0.1" /* the only address this program ever connects to */
#define RUN_LIMIT_S 120

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(int status, const char *what) {
    fprintf(stderr, "echo_client: %s: %s\n", what, errno ? strerror(errno) : "");
    exit(status);
}

/* CPU time of a task in ns: the first field of /proc/PID/schedstat (0 for pid 0 or when unreadable). */
static int64_t cpu_ns(long pid) {
    char path[64];
    long long ns = 0;
    if (pid == 0) return 0;
    if (pid < 0) snprintf(path, sizeof path, "/proc/self/schedstat");
    else snprintf(path, sizeof path, "/proc/%ld/schedstat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    if (fscanf(f, "%lld", &ns) != 1) ns = 0;
    fclose(f);
    return ns;
}

static unsigned char *make_pattern(const char *kind, size_t size) {
    /* size bytes plus one period, so that the message of round r is pattern + r % period */
    size_t period = strcmp(kind, "binary") == 0 ? 256 : 94;
    unsigned char *p = malloc(size + period);
    if (!p) die(5, "malloc");
    for (size_t i = 0; i < size + period; i++)
        p[i] = period == 256 ? (unsigned char)i : (unsigned char)(33 + i % 94);
    return p;
}

static size_t pattern_period(const char *kind) { return strcmp(kind, "binary") == 0 ? 256 : 94; }

static int connect_loopback(int port, int nonblocking) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    if (inet_pton(AF_INET, LOOPBACK, &a.sin_addr) != 1) die(5, "inet_pton");
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) die(5, "socket");
    if (nonblocking) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0 && !(nonblocking && errno == EINPROGRESS))
        die(4, "connect to " LOOPBACK);
    return fd;
}

/* One round trip on a blocking socket: send msg, read size bytes into buf, both at once if need be. */
/* With "quickack", a piece of an echo that is not the last one is acknowledged at once (TCP_QUICKACK):
 * the server writes its pieces with Nagle's algorithm on, so it holds each piece until the one before is
 * acknowledged, and a client's delayed ACK (40 ms) would then stall every message of more than one piece.
 * The last piece is acknowledged with the next message, as usual, so a one-piece echo is not affected. */
static int quickack;

static void ack_now(int fd) {
    int one = 1;
    if (quickack) setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
}

static void round_trip(int fd, const unsigned char *msg, unsigned char *buf, size_t size) {
    size_t sent = 0, got = 0;
    while (sent < size) {
        ssize_t n = send(fd, msg + sent, size - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) { sent += (size_t)n; continue; }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) die(4, "send");
        struct pollfd p = {fd, POLLIN | POLLOUT, 0};
        if (poll(&p, 1, -1) < 0 && errno != EINTR) die(4, "poll");
        if (p.revents & POLLIN) {
            n = recv(fd, buf + got, size - got, MSG_DONTWAIT);
            if (n == 0) { errno = 0; die(4, "the server closed the connection"); }
            if (n > 0) { got += (size_t)n; ack_now(fd); } /* got < size: more pieces to come */
        }
    }
    while (got < size) {
        ssize_t n = recv(fd, buf + got, size - got, 0);
        if (n == 0) { errno = 0; die(4, "the server closed the connection"); }
        if (n < 0) { if (errno == EINTR) continue; die(4, "recv"); }
        got += (size_t)n;
        if (got < size) ack_now(fd);
    }
    if (memcmp(buf, msg, size) != 0) {
        size_t i = 0;
        while (buf[i] == msg[i]) i++;
        fprintf(stderr, "echo_client: echo differs at byte %zu of %zu: sent 0x%02x, got 0x%02x\n", i, size,
                msg[i], buf[i]);
        exit(3);
    }
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int pingpong(int argc, char **argv) {
    if (argc != 10) { fprintf(stderr, "usage: see the top of echo_client.c\n"); return 2; }
    int port = atoi(argv[2]);
    size_t size = (size_t)atol(argv[3]);
    const char *kind = argv[4];
    quickack = strcmp(argv[5], "quickack") == 0;
    long warmup = atol(argv[6]);
    double seconds = atof(argv[7]);
    long maxrounds = atol(argv[8]);
    long server = atol(argv[9]);
    size_t period = pattern_period(kind);
    unsigned char *pattern = make_pattern(kind, size);
    unsigned char *buf = malloc(size);
    int64_t *lat = malloc(sizeof(int64_t) * (size_t)maxrounds);
    if (!buf || !lat || size == 0) die(5, "malloc");

    int fd = connect_loopback(port, 0);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* as sockperf: no Nagle on our side */
    long r = 0;
    for (; r < warmup; r++) round_trip(fd, pattern + r % period, buf, size);

    int64_t server0 = cpu_ns(server), client0 = cpu_ns(-1);
    int64_t start = now_ns(), end = start + (int64_t)(seconds * 1e9), t = start;
    long n = 0;
    while (n < maxrounds && t < end) {
        round_trip(fd, pattern + (r + n) % period, buf, size);
        int64_t t2 = now_ns();
        lat[n++] = t2 - t;
        t = t2;
    }
    int64_t server1 = cpu_ns(server), client1 = cpu_ns(-1);
    close(fd);
    qsort(lat, (size_t)n, sizeof *lat, cmp_i64);
    long i99 = (long)((n * 99 + 99) / 100) - 1;
    printf("{\"rounds\": %ld, \"elapsed_ns\": %lld, \"p50_ns\": %lld, \"p99_ns\": %lld, \"min_ns\": %lld, "
           "\"max_ns\": %lld, \"client_cpu_ns\": %lld, \"server_cpu_ns\": %lld, \"bytes\": %lld}\n",
           n, (long long)(t - start), (long long)lat[n / 2], (long long)lat[i99 < 0 ? 0 : i99],
           (long long)lat[0], (long long)lat[n - 1], (long long)(client1 - client0),
           (long long)(server ? server1 - server0 : -1), (long long)n * (long long)size);
    return 0;
}

enum { CONNECTING, WAITING, DONE };

static int burst(int argc, char **argv) {
    if (argc != 6) { fprintf(stderr, "usage: see the top of echo_client.c\n"); return 2; }
    int port = atoi(argv[2]);
    int count = atoi(argv[3]);
    long rounds = atol(argv[4]);
    size_t size = (size_t)atol(argv[5]);
    if (count < 1 || count > 64 || rounds < 1 || size < 1) { fprintf(stderr, "echo_client: bad arguments\n"); return 2; }
    unsigned char *pattern = make_pattern("ascii", size);
    struct conn { int fd, state; long round; size_t sent, got; int64_t connected, first, done; unsigned char *buf; } c[64];
    struct pollfd p[64];
    const nfds_t nfds = (nfds_t)(unsigned)count;

    int64_t t0 = now_ns();
    for (int k = 0; k < count; k++) {
        memset(&c[k], 0, sizeof c[k]);
        c[k].fd = connect_loopback(port, 1);
        c[k].state = CONNECTING;
        c[k].buf = malloc(size);
        if (!c[k].buf) die(5, "malloc");
    }
    int left = count;
    while (left) {
        for (int k = 0; k < count; k++) {
            p[k].fd = c[k].state == DONE ? -1 : c[k].fd;
            p[k].events = c[k].state == CONNECTING || c[k].sent < size ? POLLOUT : POLLIN;
            p[k].revents = 0;
        }
        if (poll(p, nfds, 1000) < 0 && errno != EINTR) die(4, "poll");
        int64_t t = now_ns();
        for (int k = 0; k < count; k++) {
            struct conn *x = &c[k];
            if (!p[k].revents) continue;
            if (x->state == CONNECTING) {
                int err = 0;
                socklen_t len = sizeof err;
                getsockopt(x->fd, SOL_SOCKET, SO_ERROR, &err, &len);
                if (err) { errno = err; die(4, "connect to " LOOPBACK); }
                x->connected = t - t0;
                x->state = WAITING;
            }
            const unsigned char *msg = pattern + x->round % 94;
            if (x->sent < size) {
                ssize_t n = send(x->fd, msg + x->sent, size - x->sent, MSG_NOSIGNAL);
                if (n < 0 && errno != EAGAIN && errno != EINTR) die(4, "send");
                if (n > 0) x->sent += (size_t)n;
                continue;
            }
            ssize_t n = recv(x->fd, x->buf + x->got, size - x->got, 0);
            if (n == 0) { errno = 0; die(4, "the server closed the connection"); }
            if (n < 0) { if (errno == EAGAIN || errno == EINTR) continue; die(4, "recv"); }
            x->got += (size_t)n;
            if (x->got < size) continue;
            if (memcmp(x->buf, msg, size) != 0) { fprintf(stderr, "echo_client: echo differs\n"); exit(3); }
            if (x->round == 0) x->first = now_ns() - t0;
            x->round++;
            x->sent = x->got = 0;
            if (x->round == rounds) {
                close(x->fd);
                x->done = now_ns() - t0;
                x->state = DONE;
                left--;
            }
        }
    }
    printf("{\"clients\": [");
    for (int k = 0; k < count; k++)
        printf("%s{\"connected_ns\": %lld, \"first_echo_ns\": %lld, \"done_ns\": %lld}", k ? ", " : "",
               (long long)c[k].connected, (long long)c[k].first, (long long)c[k].done);
    printf("]}\n");
    return 0;
}

static int concurrent(int argc, char **argv) {
    if (argc != 7) { fprintf(stderr, "usage: see the top of echo_client.c\n"); return 2; }
    int port = atoi(argv[2]);
    int count = atoi(argv[3]);
    size_t size = (size_t)atol(argv[4]);
    long warmup = atol(argv[5]);
    double seconds = atof(argv[6]);
    if (count < 1 || count > 64 || size < 1 || warmup < 1) { fprintf(stderr, "echo_client: bad arguments\n"); return 2; }
    unsigned char *pattern = make_pattern("ascii", size);
    struct conn { int fd; long round, counted; size_t sent, got; unsigned char *buf; } c[64];
    struct pollfd p[64];
    const nfds_t nfds = (nfds_t)(unsigned)count;
    int one = 1;

    for (int k = 0; k < count; k++) {
        memset(&c[k], 0, sizeof c[k]);
        c[k].buf = malloc(size);
        if (!c[k].buf) die(5, "malloc");
        c[k].fd = connect_loopback(port, 0);
        setsockopt(c[k].fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        for (; c[k].round < warmup; c[k].round++) round_trip(c[k].fd, pattern + c[k].round % 94, c[k].buf, size);
    }
    for (int k = 0; k < count; k++) fcntl(c[k].fd, F_SETFL, fcntl(c[k].fd, F_GETFL) | O_NONBLOCK);
    int64_t start = now_ns(), end = start + (int64_t)(seconds * 1e9), t = start;
    long total = 0;
    while (t < end) {
        for (int k = 0; k < count; k++) {
            p[k].fd = c[k].fd;
            p[k].events = c[k].sent < size ? POLLOUT : POLLIN;
            p[k].revents = 0;
        }
        int wait_ms = (int)((end - t) / 1000000) + 1;
        if (poll(p, nfds, wait_ms) < 0 && errno != EINTR) die(4, "poll");
        for (int k = 0; k < count; k++) {
            struct conn *x = &c[k];
            if (!p[k].revents) continue;
            const unsigned char *msg = pattern + x->round % 94;
            if (x->sent < size) {
                ssize_t n = send(x->fd, msg + x->sent, size - x->sent, MSG_NOSIGNAL);
                if (n < 0 && errno != EAGAIN && errno != EINTR) die(4, "send");
                if (n > 0) x->sent += (size_t)n;
                continue;
            }
            ssize_t n = recv(x->fd, x->buf + x->got, size - x->got, 0);
            if (n == 0) { errno = 0; die(4, "the server closed the connection"); }
            if (n < 0) { if (errno == EAGAIN || errno == EINTR) continue; die(4, "recv"); }
            x->got += (size_t)n;
            if (x->got < size) continue;
            if (memcmp(x->buf, msg, size) != 0) { fprintf(stderr, "echo_client: echo differs\n"); exit(3); }
            x->round++;
            x->sent = x->got = 0;
            if (now_ns() < end) { x->counted++; total++; }
        }
        t = now_ns();
    }
    printf("{\"rounds\": %ld, \"elapsed_ns\": %lld, \"bytes\": %lld, \"per_client\": [", total,
           (long long)(end - start), (long long)total * (long long)size);
    for (int k = 0; k < count; k++) {
        printf("%s%ld", k ? ", " : "", c[k].counted);
        close(c[k].fd);
    }
    printf("]}\n");
    return 0;
}

int main(int argc, char **argv) {
    alarm(RUN_LIMIT_S); /* bounded in time, whatever the server does: SIGALRM ends the program */
    if (argc > 1 && strcmp(argv[1], "pingpong") == 0) return pingpong(argc, argv);
    if (argc > 1 && strcmp(argv[1], "burst") == 0) return burst(argc, argv);
    if (argc > 1 && strcmp(argv[1], "concurrent") == 0) return concurrent(argc, argv);
    fprintf(stderr, "usage: echo_client pingpong|burst|concurrent ... (see the top of echo_client.c)\n");
    return 2;
}
