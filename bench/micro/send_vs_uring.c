// CPU per small send on loopback TCP: one send(2) each against batches of
// 1..16 IORING_OP_SEND submitted with one io_uring_enter (docs/bench.md,
// "Batched sends"). 16 connected pairs, 100-byte sends with MSG_DONTWAIT,
// the receivers drained every 64 rounds (counted in).
//   cc -O2 bench/micro/send_vs_uring.c -o /tmp/send_vs_uring -luring
//   taskset -c 1 /tmp/send_vs_uring 20000
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

enum { N = 16 };

static double cpu_seconds(void) {
  struct rusage r;
  getrusage(RUSAGE_SELF, &r);
  return r.ru_utime.tv_sec + r.ru_stime.tv_sec + (r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

// batch 0: send(2) each; batch k: one io_uring_enter per k sends.
static double ns_per_send(int batch, int rounds, int* c, int* s, struct io_uring* ring) {
  char buf[100], drain[65536];
  memset(buf, 'x', sizeof buf);
  const double t0 = cpu_seconds();
  for (int it = 0; it < rounds; ++it) {
    if (batch == 0) {
      for (int i = 0; i < N; ++i)
        if (send(c[i], buf, sizeof buf, MSG_DONTWAIT) != sizeof buf) { fprintf(stderr, "short send\n"); exit(1); }
    } else {
      for (int i = 0; i < N; ++i) {
        struct io_uring_sqe* q = io_uring_get_sqe(ring);
        io_uring_prep_send(q, c[i], buf, sizeof buf, MSG_DONTWAIT);
        if ((i + 1) % batch == 0 || i == N - 1) io_uring_submit(ring);
      }
      struct io_uring_cqe* cqe;
      unsigned head, seen = 0;
      io_uring_for_each_cqe(ring, head, cqe) {
        if (cqe->res != sizeof buf) { fprintf(stderr, "send: %d\n", cqe->res); exit(1); }
        ++seen;
      }
      io_uring_cq_advance(ring, seen);
      if (seen != N) { fprintf(stderr, "%u completions of %d\n", seen, N); exit(1); }
    }
    if ((it & 63) == 63)
      for (int i = 0; i < N; ++i) while (recv(s[i], drain, sizeof drain, MSG_DONTWAIT) > 0) {}
  }
  return (cpu_seconds() - t0) * 1e9 / ((double)rounds * N);
}

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? atoi(argv[1]) : 20000;
  int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(ls, (struct sockaddr*)&a, sizeof a) || listen(ls, N) || getsockname(ls, (struct sockaddr*)&a, &len)) return 1;
  int c[N], s[N];
  for (int i = 0; i < N; ++i) {
    c[i] = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(c[i], (struct sockaddr*)&a, sizeof a)) return 1;
    s[i] = accept(ls, NULL, NULL);
    setsockopt(c[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  struct io_uring ring;
  if (io_uring_queue_init(64, &ring, 0)) { fprintf(stderr, "no io_uring\n"); return 1; }
  printf("send(2) each: %.0f ns per send\n", ns_per_send(0, rounds, c, s, &ring));
  for (int b = 1; b <= N; b *= 2)
    printf("io_uring, %2d per io_uring_enter: %.0f ns per send\n", b, ns_per_send(b, rounds, c, s, &ring));
  return 0;
}
