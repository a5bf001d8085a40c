/* An LD_PRELOAD shim that counts heap allocations of a process, for
 * bench/alloc/measure (allocations per proxied request of the release
 * binary; nothing of it is in strata itself).
 *
 * Interposes malloc, calloc, realloc, aligned_alloc, memalign and
 * posix_memalign (operator new reaches malloc through libstdc++; Asio's
 * recycled coroutine frames reach aligned_alloc) and forwards each to glibc's
 * own allocator (__libc_*), so blocks stay glibc blocks and free() needs no
 * interposing. Counts are process-wide (every thread), relaxed atomics.
 *
 * On SIGUSR2 it appends one line "allocs=N bytes=M" to the file named by
 * COUNT_ALLOC_OUT (default /dev/stderr). The caller reads the counter
 * before and after a run and divides the difference by the requests.
 *
 * Build: cc -O2 -shared -fPIC -o count_alloc.so count_alloc.c */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void* __libc_malloc(size_t);
extern void* __libc_calloc(size_t, size_t);
extern void* __libc_realloc(void*, size_t);
extern void* __libc_memalign(size_t, size_t);

static atomic_ullong g_allocs;
static char g_out[512] = "/dev/stderr";
static atomic_ullong g_bytes;

static inline void note(size_t n) {
  atomic_fetch_add_explicit(&g_allocs, 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&g_bytes, n, memory_order_relaxed);
}

void* malloc(size_t n) {
  note(n);
  return __libc_malloc(n);
}

void* calloc(size_t a, size_t b) {
  note(a * b);
  return __libc_calloc(a, b);
}

void* realloc(void* p, size_t n) {
  note(n);
  return __libc_realloc(p, n);
}

void* aligned_alloc(size_t align, size_t n) {
  note(n);
  return __libc_memalign(align, n);
}

void* memalign(size_t align, size_t n) {
  note(n);
  return __libc_memalign(align, n);
}

int posix_memalign(void** out, size_t align, size_t n) {
  if (align < sizeof(void*) || (align & (align - 1)) != 0) return EINVAL;
  note(n);
  void* p = __libc_memalign(align, n);
  if (!p) return ENOMEM;
  *out = p;
  return 0;
}

/* Async-signal-safe decimal formatting. */
static char* put_u64(char* p, unsigned long long v) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) *p++ = tmp[--n];
  return p;
}

static void on_usr2(int sig) {
  (void)sig;
  int saved = errno;
  char line[80];
  char* p = line;
  memcpy(p, "allocs=", 7);
  p = put_u64(p + 7, atomic_load_explicit(&g_allocs, memory_order_relaxed));
  memcpy(p, " bytes=", 7);
  p = put_u64(p + 7, atomic_load_explicit(&g_bytes, memory_order_relaxed));
  *p++ = '\n';
  int fd = open(g_out, O_WRONLY | O_APPEND | O_CREAT, 0644);
  if (fd >= 0) {
    ssize_t w = write(fd, line, (size_t)(p - line));
    (void)w;
    close(fd);
  }
  errno = saved;
}

__attribute__((constructor)) static void count_alloc_init(void) {
  const char* path = getenv("COUNT_ALLOC_OUT");
  if (path && strlen(path) < sizeof g_out) strcpy(g_out, path);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr2;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR2, &sa, NULL);
}
