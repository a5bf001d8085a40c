#include "tools/probe/probe_tcp.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "io/tls_client.hpp"
#include "codec/http1/response_reader.hpp"
#include "codec/http2/client_session.hpp"
#include "tools/probe/tls_info.hpp"

namespace strata::tools::probe {

namespace {

using clock_type = std::chrono::steady_clock;

int new_session_cb(SSL* ssl, SSL_SESSION* s) {
  auto* self = static_cast<ProbeTls*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), 0));
  if (self) self->set_session(s);
  return 0;  // we did not keep the caller's reference (set_session took its own)
}

// A connected socket (optionally TLS) with deadline-bounded blocking I/O.
class Conn {
 public:
  Conn(int fd, clock_type::time_point deadline) : fd_(fd), deadline_(deadline) {}
  ~Conn() {
    if (ssl_) {
      // A session freed without close_notify is marked not resumable.
      if (SSL_is_init_finished(ssl_)) SSL_shutdown(ssl_);
      SSL_free(ssl_);
    }
    if (fd_ >= 0) ::close(fd_);
  }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  bool wait(short events) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - clock_type::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, events, 0};
    return ::poll(&p, 1, int(left.count())) > 0;
  }

  // TLS handshake; returns "" or an error message.
  std::string handshake(SSL_CTX* ctx, SSL_SESSION* sess, const std::string& sni) {
    ssl_ = SSL_new(ctx);
    if (!ssl_) return "SSL_new failed";
    io::prepare_client_ssl(ssl_, sni, false);
    // Report verification (chain + host) without failing the probe.
    SSL_set_verify(ssl_, SSL_VERIFY_NONE, nullptr);
    if (!sni.empty()) {
      unsigned char tmp[16];
      if (inet_pton(AF_INET, sni.c_str(), tmp) == 1 || inet_pton(AF_INET6, sni.c_str(), tmp) == 1)
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), sni.c_str());
      else
        SSL_set1_host(ssl_, sni.c_str());
    }
    SSL_enable_ct(ssl_, SSL_CT_VALIDATION_PERMISSIVE);
    if (sess) SSL_set_session(ssl_, sess);
    SSL_set_fd(ssl_, fd_);
    for (;;) {
      ERR_clear_error();
      const int r = SSL_connect(ssl_);
      if (r == 1) return "";
      const int e = SSL_get_error(ssl_, r);
      if (e == SSL_ERROR_WANT_READ) {
        if (!wait(POLLIN)) return "timeout";
      } else if (e == SSL_ERROR_WANT_WRITE) {
        if (!wait(POLLOUT)) return "timeout";
      } else {
        char buf[256];
        const unsigned long err = ERR_get_error();
        if (err) ERR_error_string_n(err, buf, sizeof buf);
        else std::snprintf(buf, sizeof buf, "handshake failed (ssl error %d)", e);
        return buf;
      }
    }
  }

  bool write_all(const char* p, std::size_t n) {
    while (n) {
      long w;
      if (ssl_) {
        ERR_clear_error();
        w = SSL_write(ssl_, p, int(n));
        if (w <= 0) {
          const int e = SSL_get_error(ssl_, int(w));
          if ((e == SSL_ERROR_WANT_WRITE && wait(POLLOUT)) || (e == SSL_ERROR_WANT_READ && wait(POLLIN)))
            continue;
          return false;
        }
      } else {
        w = ::send(fd_, p, n, MSG_NOSIGNAL);
        if (w < 0) {
          if ((errno == EAGAIN || errno == EINTR) && wait(POLLOUT)) continue;
          return false;
        }
      }
      p += w;
      n -= std::size_t(w);
    }
    return true;
  }

  // > 0 bytes, 0 on EOF, -1 on error or timeout (err set).
  long read_some(char* buf, std::size_t cap, std::string& err) {
    for (;;) {
      if (ssl_) {
        ERR_clear_error();
        const int r = SSL_read(ssl_, buf, int(cap));
        if (r > 0) return r;
        const int e = SSL_get_error(ssl_, r);
        if (e == SSL_ERROR_ZERO_RETURN) return 0;
        if (e == SSL_ERROR_WANT_READ) {
          if (wait(POLLIN)) continue;
          err = "timeout";
          return -1;
        }
        if (e == SSL_ERROR_WANT_WRITE) {
          if (wait(POLLOUT)) continue;
          err = "timeout";
          return -1;
        }
        if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) return 0;  // EOF without close_notify
        err = "TLS read error";
        return -1;
      }
      const long r = ::recv(fd_, buf, cap, 0);
      if (r >= 0) return r;
      if (errno == EAGAIN || errno == EINTR) {
        if (wait(POLLIN)) continue;
        err = "timeout";
        return -1;
      }
      err = std::strerror(errno);
      return -1;
    }
  }

  SSL* ssl() const { return ssl_; }

 private:
  int fd_;
  SSL* ssl_ = nullptr;
  clock_type::time_point deadline_;
};

// Stream events are polled after each receive(); nothing to do here.
struct H2Probe final : codec::http2::ClientEvents {
  void on_stream_wake(codec::http2::ClientStreamId, void*) override {}
  void on_goaway(codec::http2::ClientStreamId, std::uint32_t) override {}
  void on_settings() override {}
  const char* error = nullptr;
  void on_error(const char* kind) override { error = kind; }
};

}  // namespace

ProbeTls::ProbeTls(Proto p) {
  std::vector<std::string> alpn = p == Proto::h1   ? std::vector<std::string>{"http/1.1"}
                                  : p == Proto::h2 ? std::vector<std::string>{"h2"}
                                                   : std::vector<std::string>{"h2", "http/1.1"};
  std::string wire;
  for (auto& a : alpn) {
    wire += char(a.size());
    wire += a;
  }
  ctx_ = SSL_CTX_new(TLS_client_method());
  if (!ctx_) throw std::runtime_error("SSL_CTX_new failed");
  SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
  SSL_CTX_set_default_verify_paths(ctx_);
  SSL_CTX_set_alpn_protos(ctx_, reinterpret_cast<const unsigned char*>(wire.data()), unsigned(wire.size()));
  SSL_CTX_set_session_cache_mode(ctx_, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(ctx_, &new_session_cb);
  SSL_CTX_set_ex_data(ctx_, 0, this);
}

ProbeTls::~ProbeTls() {
  if (session_) SSL_SESSION_free(session_);
  SSL_CTX_free(ctx_);
}

void ProbeTls::set_session(SSL_SESSION* s) {
  SSL_SESSION_up_ref(s);
  if (session_) SSL_SESSION_free(session_);
  session_ = s;
}

std::string addr_str(const sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (sa->sa_family == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
  else
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
  return buf;
}

Attempt probe_tcp(const ProbeOptions& opt, const load::Target& target, ProbeTls* tls) {
  Attempt a;
  const auto t0 = clock_type::now();
  const auto deadline = t0 + std::chrono::nanoseconds(std::int64_t(opt.timeout_s * 1e9));
  auto since = [&](clock_type::time_point t) {
    return std::chrono::duration<double, std::milli>(t - t0).count();
  };
  auto fail = [&](const char* phase, std::string msg) {
    a.failed_phase = phase;
    a.error = std::move(msg);
    return a;
  };

  // DNS: one AF_UNSPEC lookup (A and AAAA), timed like curl's namelookup.
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const int gai = ::getaddrinfo(target.host.c_str(), target.port.c_str(), &hints, &res);
  a.dns_done = since(clock_type::now());
  if (gai != 0) return fail("dns", gai_strerror(gai));
  std::vector<std::pair<sockaddr_storage, socklen_t>> addrs;
  for (addrinfo* p = res; p; p = p->ai_next) {
    a.answers.emplace_back(p->ai_family == AF_INET ? "A" : "AAAA", addr_str(p->ai_addr));
    sockaddr_storage ss{};
    std::memcpy(&ss, p->ai_addr, p->ai_addrlen);
    addrs.emplace_back(ss, p->ai_addrlen);
  }
  ::freeaddrinfo(res);

  // TCP connect: addresses in resolver order until one answers.
  int fd = -1;
  std::string cerr = "no address";
  for (auto& [ss, len] : addrs) {
    fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    int r = ::connect(fd, reinterpret_cast<sockaddr*>(&ss), len);
    if (r != 0 && errno == EINPROGRESS) {
      Conn probe(fd, deadline);
      const bool ready = probe.wait(POLLOUT);
      int soerr = 0;
      socklen_t sl = sizeof soerr;
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
      if (ready && soerr == 0) {
        r = 0;
        fd = ::dup(fd);  // `probe` closes the original
      } else {
        cerr = ready ? std::strerror(soerr) : "timeout";
        fd = -1;
        continue;
      }
    } else if (r != 0) {
      cerr = std::strerror(errno);
      ::close(fd);
      fd = -1;
      continue;
    }
    a.remote = addr_str(reinterpret_cast<sockaddr*>(&ss));
    break;
  }
  a.connect_done = since(clock_type::now());
  if (fd < 0) return fail("connect", cerr);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  Conn c(fd, deadline);

  bool h2 = opt.protocol == Proto::h2;
  if (target.tls) {
    std::string err = c.handshake(tls->ctx(), tls->session(), target.host);
    a.tls_done = since(clock_type::now());
    if (!err.empty()) return fail("tls", err);
    collect_tls_info(c.ssl(), a);
    h2 = a.alpn == "h2";
    if (opt.protocol == Proto::h2 && !h2) return fail("tls", "server did not accept h2 via ALPN");
  } else {
    a.tls_done = a.connect_done;
  }
  a.protocol = h2 ? "h2" : "h1";

  // Extra headers.
  std::vector<std::pair<std::string, std::string>> extra;
  for (auto& h : opt.headers) {
    auto colon = h.find(':', 1);
    if (colon == std::string::npos) continue;
    std::string v = h.substr(colon + 1);
    while (!v.empty() && v.front() == ' ') v.erase(0, 1);
    extra.emplace_back(h.substr(0, colon), v);
  }
  const std::string& path = target.paths.front();
  std::vector<char> buf(64 * 1024);
  std::string err;

  if (!h2) {
    std::string req = "GET " + path + " HTTP/1.1\r\nHost: " + target.authority +
                      "\r\nUser-Agent: strata-probe\r\nAccept: */*\r\n";
    for (auto& [n, v] : extra) req += n + ": " + v + "\r\n";
    req += "\r\n";
    if (!c.write_all(req.data(), req.size())) return fail("request", "write failed");
    a.request_sent = since(clock_type::now());
    codec::http1::ResponseReader parser(true);
    std::string pending;
    for (;;) {
      const long n = c.read_some(buf.data(), buf.size(), err);
      const auto now = clock_type::now();
      if (n < 0) return fail("response", err);
      if (n == 0) {
        if (parser.finish_on_eof() == codec::http1::ResponseReader::Status::done) break;
        return fail("response", "connection closed before the response completed");
      }
      if (a.first_byte == 0) a.first_byte = since(now);
      pending.append(buf.data(), std::size_t(n));
      std::size_t used = 0;
      const auto s = parser.parse(pending, used);
      pending.erase(0, used);
      if (s == codec::http1::ResponseReader::Status::error) return fail("response", std::string(parser.error()));
      if (s == codec::http1::ResponseReader::Status::done) break;
    }
    a.done = since(clock_type::now());
    a.status = parser.status();
    a.body_bytes = parser.body_bytes();
    if (auto v = parser.headers().get("alt-svc")) a.alt_svc = *v;
    return a;
  }

  H2Probe l;
  codec::http2::ClientSession sess({}, l);
  sess.start();
  http::Headers fields;
  fields.add("user-agent", "strata-probe");
  fields.add("accept", "*/*");
  for (auto& [n, v] : extra) fields.add(n, v);  // lower-cased; pseudo/connection fields dropped
  const auto sid = sess.submit_request("GET", target.tls ? "https" : "http", target.authority, path,
                                       fields, true, nullptr);
  if (sid <= 0) return fail("request", "cannot submit the request");
  std::string out;
  const auto flush = [&] {
    while (sess.want_write()) {
      const std::size_t before = out.size();
      if (!sess.send(out, 256 * 1024)) return false;
      if (out.size() == before) break;
    }
    const bool ok = out.empty() || c.write_all(out.data(), out.size());
    out.clear();
    return ok;
  };
  if (!flush()) return fail("request", "write failed");
  a.request_sent = since(clock_type::now());
  std::uint64_t body = 0;
  const codec::http2::ClientSession::Stream* st = sess.find(sid);
  while (st && !st->closed) {
    const long n = c.read_some(buf.data(), buf.size(), err);
    const auto now = clock_type::now();
    if (n <= 0) return fail("response", n == 0 ? "connection closed" : err);
    if (!sess.receive(std::span<const char>(buf.data(), std::size_t(n))))
      return fail("response", std::string("HTTP/2 protocol error: ") + (l.error ? l.error : "protocol"));
    st = sess.find(sid);
    if (st && st->head_done && a.first_byte == 0) a.first_byte = since(now);
    while (std::size_t got = sess.read_body(sid, std::span<char>(buf.data(), buf.size()))) body += got;
    if (!flush()) return fail("response", "write failed");
    if (!sess.want_read() && !sess.goaway_received() && !(st && st->closed))
      return fail("response", "HTTP/2 protocol error");
  }
  a.done = since(clock_type::now());
  if (!st || st->close_code != 0 || !st->head_done) return fail("response", "stream reset by the server");
  a.status = st->response.status;
  a.body_bytes = body;
  if (auto v = st->response.headers.get("alt-svc")) a.alt_svc = std::string(*v);
  return a;
}

}  // namespace strata::tools::probe
