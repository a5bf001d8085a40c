#include "io/nocancel_syscalls.hpp"

#include <gtest/gtest.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace strata::io {
namespace {

struct Pair {
  int a = -1, b = -1;
  Pair() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0) {
      a = fds[0];
      b = fds[1];
    }
  }
  ~Pair() {
    if (a >= 0) ::close(a);
    if (b >= 0) ::close(b);
  }
};

// The test binary links the replacements (as the strata executable does):
// calls resolve to them, not to libc's.
TEST(NocancelSyscalls, ReplaceLibcsDefinitions) {
  if (!nocancel_syscalls()) GTEST_SKIP() << "sanitizer build: libc's (intercepted) functions stay";
  for (const char* name : {"recv", "send", "recvmsg", "sendmsg", "recvmmsg", "sendmmsg"}) {
    void* ours = ::dlsym(RTLD_DEFAULT, name);
    void* libc = ::dlsym(RTLD_NEXT, name);
    ASSERT_NE(ours, nullptr) << name;
    ASSERT_NE(libc, nullptr) << name;
    EXPECT_NE(ours, libc) << name;
  }
  EXPECT_EQ(reinterpret_cast<void*>(&::recv), ::dlsym(RTLD_DEFAULT, "recv"));
}

TEST(NocancelSyscalls, SendAndReceiveBytes) {
  Pair p;
  ASSERT_GE(p.a, 0);
  ASSERT_EQ(::send(p.a, "hello", 5, MSG_NOSIGNAL), 5);
  char buf[16] = {};
  ASSERT_EQ(::recv(p.b, buf, 3, 0), 3);
  EXPECT_EQ(std::string(buf, 3), "hel");
  ASSERT_EQ(::recv(p.b, buf, sizeof buf, MSG_PEEK), 2);
  ASSERT_EQ(::recv(p.b, buf, sizeof buf, 0), 2);
  EXPECT_EQ(std::string(buf, 2), "lo");
}

TEST(NocancelSyscalls, GatheredAndScatteredMessages) {
  Pair p;
  ASSERT_GE(p.a, 0);
  char h[] = "head:", b[] = "body";
  iovec out[2] = {{h, 5}, {b, 4}};
  msghdr m{};
  m.msg_iov = out;
  m.msg_iovlen = 2;
  ASSERT_EQ(::sendmsg(p.a, &m, MSG_NOSIGNAL), 9);
  char x[4], y[8];
  iovec in[2] = {{x, sizeof x}, {y, sizeof y}};
  msghdr r{};
  r.msg_iov = in;
  r.msg_iovlen = 2;
  ASSERT_EQ(::recvmsg(p.b, &r, 0), 9);
  EXPECT_EQ(std::string(x, 4) + std::string(y, 5), "head:body");
}

TEST(NocancelSyscalls, ErrorsSetErrnoAndReturnMinusOne) {
  Pair p;
  ASSERT_GE(p.a, 0);
  char buf[4];
  errno = 0;
  EXPECT_EQ(::recv(p.b, buf, sizeof buf, MSG_DONTWAIT), -1);
  EXPECT_TRUE(errno == EAGAIN || errno == EWOULDBLOCK) << std::strerror(errno);
  errno = 0;
  EXPECT_EQ(::send(-1, "x", 1, MSG_NOSIGNAL), -1);
  EXPECT_EQ(errno, EBADF);
  ::close(p.b);
  p.b = -1;
  errno = 0;
  EXPECT_EQ(::send(p.a, "x", 1, MSG_NOSIGNAL), -1);  // no SIGPIPE with MSG_NOSIGNAL
  EXPECT_EQ(errno, EPIPE);
  msghdr m{};
  errno = 0;
  EXPECT_EQ(::recvmsg(-1, &m, 0), -1);
  EXPECT_EQ(errno, EBADF);
}

TEST(NocancelSyscalls, BatchedDatagrams) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_DGRAM, 0, fds), 0);
  char one[] = "one", two[] = "three";
  iovec iv[2] = {{one, 3}, {two, 5}};
  mmsghdr out[2]{};
  for (int i = 0; i < 2; ++i) {
    out[i].msg_hdr.msg_iov = &iv[i];
    out[i].msg_hdr.msg_iovlen = 1;
  }
  EXPECT_EQ(::sendmmsg(fds[0], out, 2, 0), 2);
  char b0[8], b1[8];
  iovec rv[2] = {{b0, sizeof b0}, {b1, sizeof b1}};
  mmsghdr in[2]{};
  for (int i = 0; i < 2; ++i) {
    in[i].msg_hdr.msg_iov = &rv[i];
    in[i].msg_hdr.msg_iovlen = 1;
  }
  EXPECT_EQ(::recvmmsg(fds[1], in, 2, MSG_DONTWAIT, nullptr), 2);
  EXPECT_EQ(std::string(b0, in[0].msg_len), "one");
  EXPECT_EQ(std::string(b1, in[1].msg_len), "three");
  errno = 0;
  EXPECT_EQ(::recvmmsg(fds[1], in, 2, MSG_DONTWAIT, nullptr), -1);
  EXPECT_TRUE(errno == EAGAIN || errno == EWOULDBLOCK);
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(NocancelSyscalls, OrderlyShutdownReadsZero) {
  Pair p;
  ASSERT_GE(p.a, 0);
  ASSERT_EQ(::shutdown(p.a, SHUT_WR), 0);
  char buf[4];
  EXPECT_EQ(::recv(p.b, buf, sizeof buf, 0), 0);
}

}  // namespace
}  // namespace strata::io
