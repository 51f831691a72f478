/*
 * The floor under FastWorker's sequential latency on this machine: a 120-byte request/reply
 * echo between two processes, in C, without Bun or the shim in the way.
 *   nng-rep URL / nng-req URL N : libnng REQ/REP with its blocking API (the same system libnng1);
 *   tcp-srv PORT / tcp-cli PORT N: plain TCP with TCP_NODELAY, for comparison.
 * Clients print one JSON line: p50/p99 in microseconds. Built and run by bench/native-floor.ts.
 * Header-free like native/shim.c (libnng1 has no headers installed): the few prototypes are declared here.
 */
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct { uint32_t id; } nng_socket;
int nng_rep0_open(nng_socket *);
int nng_req0_open(nng_socket *);
int nng_listen(nng_socket, const char *, void *, int);
int nng_dial(nng_socket, const char *, void *, int);
int nng_send(nng_socket, void *, size_t, int);
int nng_recv(nng_socket, void *, size_t *, int);
const char *nng_strerror(int);

#define SIZE 120

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void report(const char *transport, double *times, int n) {
  qsort(times, (size_t)n, sizeof(double), by_value);
  printf("{\"scenario\":\"echo_floor\",\"transport\":\"%s\",\"requests\":%d,\"p50_us\":%.0f,\"p99_us\":%.0f}\n",
         transport, n, times[n / 2], times[n * 99 / 100]);
}

static int nng_side(int server, const char *url, int n) {
  nng_socket s;
  char buf[256];
  size_t size;
  int rv = server ? nng_rep0_open(&s) : nng_req0_open(&s);
  if (rv == 0) rv = server ? nng_listen(s, url, 0, 0) : nng_dial(s, url, 0, 0);
  if (rv != 0) {
    fprintf(stderr, "nng: %s\n", nng_strerror(rv));
    return 1;
  }
  if (server) {
    for (;;) {
      size = sizeof buf;
      if (nng_recv(s, buf, &size, 0) != 0 || nng_send(s, buf, size, 0) != 0) return 0;
    }
  }
  double *times = malloc((size_t)n * sizeof(double));
  memset(buf, 'x', SIZE);
  for (int i = 0; i < n; i++) {
    double started = now_us();
    size = sizeof buf;
    if (nng_send(s, buf, SIZE, 0) != 0 || nng_recv(s, buf, &size, 0) != 0) return 1;
    times[i] = now_us() - started;
  }
  report("nng", times, n);
  return 0;
}

static int tcp_side(int server, int port, int n) {
  struct sockaddr_in address = {0};
  char buf[256];
  int one = 1;
  address.sin_family = AF_INET;
  address.sin_port = htons((uint16_t)port);
  address.sin_addr.s_addr = htonl(0x7f000001); /* 127.0.0.1 only */
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (server) {
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (void *)&address, sizeof address) != 0 || listen(fd, 1) != 0) return 1;
    int peer = accept(fd, 0, 0);
    setsockopt(peer, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    for (;;) {
      ssize_t got = read(peer, buf, sizeof buf);
      if (got <= 0 || write(peer, buf, (size_t)got) != got) return 0;
    }
  }
  if (connect(fd, (void *)&address, sizeof address) != 0) return 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  double *times = malloc((size_t)n * sizeof(double));
  memset(buf, 'x', SIZE);
  for (int i = 0; i < n; i++) {
    double started = now_us();
    if (write(fd, buf, SIZE) != SIZE) return 1;
    for (int got = 0; got < SIZE;) {
      ssize_t r = read(fd, buf + got, (size_t)(SIZE - got));
      if (r <= 0) return 1;
      got += (int)r;
    }
    times[i] = now_us() - started;
  }
  report("tcp", times, n);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  int n = argc > 3 ? atoi(argv[3]) : 0;
  if (!strcmp(argv[1], "nng-rep")) return nng_side(1, argv[2], 0);
  if (!strcmp(argv[1], "nng-req")) return nng_side(0, argv[2], n);
  if (!strcmp(argv[1], "tcp-srv")) return tcp_side(1, atoi(argv[2]), 0);
  if (!strcmp(argv[1], "tcp-cli")) return tcp_side(0, atoi(argv[2]), n);
  return 2;
}
