// send(2)/recv(2), their msghdr forms and the batched datagram calls
// without the cancellation bracket.
//
// glibc makes these POSIX cancellation points. In a process with more than
// one thread (strata has its main thread and one per worker) every call
// then wraps the system call in __pthread_enable_asynccancel and
// __pthread_disable_asynccancel: two calls and two atomic read-modify-writes
// of the thread's cancel state, on every socket read and write. perf put
// the pair at 1.7% of the proxy's CPU on plain HTTP/1.1 (four such calls a
// request: client and upstream, read and write); nginx, one thread,
// never pays it. strata never cancels a thread (no pthread_cancel), so the
// bracket buys nothing.
//
// These definitions are in the strata executable only (CMakeLists.txt keeps
// this file out of strata_lib) and take precedence over libc's for the whole
// process, Asio's socket operations included (core/loop_clock.cpp replaces
// epoll_wait the same way). They make the same system
// calls with the same arguments, results and errno. Under a sanitizer they
// are left out: its runtime intercepts these functions to check the buffers.
#include "io/nocancel_syscalls.hpp"

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define STRATA_NOCANCEL_OFF 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define STRATA_NOCANCEL_OFF 1
#endif

#ifndef STRATA_NOCANCEL_OFF
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

extern "C" {

ssize_t recv(int fd, void* buf, size_t n, int flags) {
  return ::syscall(SYS_recvfrom, fd, buf, n, flags, nullptr, nullptr);
}

ssize_t send(int fd, const void* buf, size_t n, int flags) {
  return ::syscall(SYS_sendto, fd, buf, n, flags, nullptr, 0);
}

ssize_t recvmsg(int fd, struct msghdr* msg, int flags) {
  return ::syscall(SYS_recvmsg, fd, msg, flags);
}

ssize_t sendmsg(int fd, const struct msghdr* msg, int flags) {
  return ::syscall(SYS_sendmsg, fd, msg, flags);
}

// HTTP/3's batched datagram reads and writes (io/udp.cpp).
int recvmmsg(int fd, struct mmsghdr* msgs, unsigned int n, int flags, struct timespec* timeout) {
  return static_cast<int>(::syscall(SYS_recvmmsg, fd, msgs, n, flags, timeout));
}

int sendmmsg(int fd, struct mmsghdr* msgs, unsigned int n, int flags) {
  return static_cast<int>(::syscall(SYS_sendmmsg, fd, msgs, n, flags));
}

}  // extern "C"

namespace strata::io {
bool nocancel_syscalls() { return true; }
}  // namespace strata::io

#else

namespace strata::io {
bool nocancel_syscalls() { return false; }
}  // namespace strata::io

#endif

#undef STRATA_NOCANCEL_OFF
