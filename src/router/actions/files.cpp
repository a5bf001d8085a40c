#include "router/actions/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <vector>

#include <fmt/format.h>

#include "filter/local_reply.hpp"
#include "obs/metrics.hpp"
#include "router/actions/byte_range.hpp"
#include "router/actions/http_date.hpp"
#include "router/actions/mime_types.hpp"
#include "router/matchers.hpp"

namespace strata::router {

namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
 private:
  int fd_;
};

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// realpath(3) into a std::string; empty on failure.
std::string real_path(const std::string& p) {
  char buf[PATH_MAX];
  if (!::realpath(p.c_str(), buf)) return {};
  return buf;
}

bool under(std::string_view path, std::string_view root) {
  if (root == "/") return true;
  return path == root || (path.starts_with(root) && path.size() > root.size() &&
                          path[root.size()] == '/');
}

// Weak comparison of an entity tag list (If-None-Match) with `etag`.
bool etag_listed(std::string_view list, std::string_view etag) {
  auto strip_weak = [](std::string_view t) {
    if (t.starts_with("W/")) t.remove_prefix(2);
    return t;
  };
  etag = strip_weak(etag);
  while (!list.empty()) {
    auto comma = list.find(',');
    auto item = list.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item == "*" || strip_weak(item) == etag) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

obs::Counter& traversal_counter() {
  static obs::Counter& c = obs::counter("strata_files_refused_total",
                                        "Static file requests refused for path traversal");
  return c;
}

// A local reply (filter/local_reply.hpp) naming why the file was not served.
boost::asio::awaitable<void> simple(http::Exchange& ex, int status, std::string_view body) {
  const std::string_view reason = status == 400 ? "bad-path" : status == 403 ? "forbidden" : "not-found";
  co_await filter::send_local_reply(ex, filter::local_reply(status, reason, body));
}

}  // namespace

bool percent_decode_path(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int h = hex(in[i + 1]), l = hex(in[i + 2]);
      if (h < 0 || l < 0) return false;
      c = char(h * 16 + l);
      i += 2;
    }
    if (c == '\0') return false;
    out.push_back(c);
  }
  return true;
}

FilesHandler::FilesHandler(const config::FilesAction& cfg, const config::Location& loc)
    : index_(cfg.index), strip_prefix_(cfg.strip_prefix) {
  root_ = real_path(cfg.root.empty() ? std::string(".") : cfg.root);
  struct stat st{};
  if (root_.empty() || ::stat(root_.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw RouteError(loc, "files root '" + cfg.root + "' is not a directory");
  if (index_.find('/') != std::string::npos || index_ == "..")
    throw RouteError(loc, "files index must be a plain file name");
}

boost::asio::awaitable<void> FilesHandler::serve(http::Exchange& ex,
                                                 std::string_view matched_prefix) const {
  const auto& req = ex.request();
  const bool head = req.method == "HEAD";
  if (!head && req.method != "GET") {
    http::Response r;
    r.status = 405;
    r.headers.add("allow", "GET, HEAD");
    r.headers.add("content-length", "0");
    co_await ex.send_head(r, true);
    co_return;
  }

  std::string_view path = req.path();
  std::string_view rel = path;
  if (strip_prefix_ && !matched_prefix.empty() && rel.starts_with(matched_prefix))
    rel.remove_prefix(matched_prefix.size());

  std::string decoded;
  if (!percent_decode_path(rel, decoded)) {
    co_await simple(ex, 400, "bad path\n");
    co_return;
  }
  // Rebuild the path from its segments, refusing "..".
  std::string fs_path = root_;
  std::string_view rest = decoded;
  bool traversal = false;
  while (!rest.empty()) {
    auto slash = rest.find('/');
    auto seg = rest.substr(0, slash);
    if (seg == "..") traversal = true;
    if (!seg.empty() && seg != ".") fs_path.append("/").append(seg);
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  if (traversal) {
    traversal_counter().inc();
    co_await simple(ex, 403, "forbidden\n");
    co_return;
  }

  std::string real = real_path(fs_path);
  if (real.empty() || !under(real, root_)) {
    if (!real.empty()) traversal_counter().inc();
    co_await simple(ex, 404, "not found\n");
    co_return;
  }
  struct stat st{};
  if (::stat(real.c_str(), &st) != 0) {
    co_await simple(ex, 404, "not found\n");
    co_return;
  }
  if (S_ISDIR(st.st_mode)) {
    if (!path.ends_with('/')) {
      http::Response r;
      r.status = 301;
      std::string loc(path);
      loc += '/';
      if (!req.query().empty()) loc.append("?").append(req.query());
      r.headers.add("location", loc);
      r.headers.add("content-length", "0");
      co_await ex.send_head(r, true);
      co_return;
    }
    real = real_path(real + "/" + index_);
    if (real.empty() || !under(real, root_)) {
      co_await simple(ex, 404, "not found\n");
      co_return;
    }
  }

  Fd fd(::open(real.c_str(), O_RDONLY | O_CLOEXEC));
  const bool denied = fd.get() < 0 && errno == EACCES;
  if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    co_await simple(ex, denied ? 403 : 404, denied ? "forbidden\n" : "not found\n");
    co_return;
  }

  const std::uint64_t size = std::uint64_t(st.st_size);
  const std::uint64_t mtime_ns =
      std::uint64_t(st.st_mtim.tv_sec) * 1'000'000'000ull + std::uint64_t(st.st_mtim.tv_nsec);
  const std::string etag = fmt::format("\"{:x}-{:x}\"", size, mtime_ns);
  const std::string last_modified = format_http_date(st.st_mtim.tv_sec);

  http::Response r;
  r.headers.add("etag", etag);
  r.headers.add("last-modified", last_modified);

  // Conditionals (RFC 9110 13.2.2): If-None-Match wins over If-Modified-Since.
  bool not_modified = false;
  if (auto inm = req.headers.get("if-none-match")) {
    not_modified = etag_listed(*inm, etag);
  } else if (auto ims = req.headers.get("if-modified-since")) {
    auto t = parse_http_date(*ims);
    not_modified = t && st.st_mtim.tv_sec <= *t;
  }
  if (not_modified) {
    r.status = 304;
    co_await ex.send_head(r, true);
    co_return;
  }

  r.headers.add("content-type", mime_type_for(real));
  r.headers.add("accept-ranges", "bytes");

  ByteRange range;
  if (auto rh = req.headers.get("range"); rh && !head) {
    bool use = true;
    if (auto ir = req.headers.get("if-range")) {
      // Strong comparison for an entity tag; exact match for a date.
      use = ir->starts_with("\"") ? *ir == etag : *ir == last_modified;
    }
    if (use) range = parse_byte_range(*rh, size);
  }
  std::uint64_t first = 0, length = size;
  if (range.kind == ByteRange::Kind::unsatisfiable) {
    http::Response u;
    u.status = 416;
    u.headers.add("content-range", fmt::format("bytes */{}", size));
    u.headers.add("content-length", "0");
    co_await ex.send_head(u, true);
    co_return;
  }
  if (range.kind == ByteRange::Kind::single) {
    r.status = 206;
    first = range.first;
    length = range.length();
    r.headers.add("content-range", fmt::format("bytes {}-{}/{}", range.first, range.last, size));
  } else {
    r.status = 200;
  }
  r.headers.add("content-length", std::to_string(length));

  if (head || length == 0) {
    co_await ex.send_head(r, true);
    co_return;
  }
  if (co_await ex.send_head(r, false)) co_return;

  std::vector<char> buf(std::size_t(std::min<std::uint64_t>(length, kChunk)));
  std::uint64_t off = first, left = length;
  while (left > 0) {
    std::size_t want = std::size_t(std::min<std::uint64_t>(left, buf.size()));
    ssize_t n = ::pread(fd.get(), buf.data(), want, off_t(off));
    if (n <= 0) {
      // The file shrank or failed under us: the length is promised, so abort.
      ex.reset();
      co_return;
    }
    left -= std::uint64_t(n);
    off += std::uint64_t(n);
    if (co_await ex.send_body(std::span<const char>(buf.data(), std::size_t(n)), left == 0))
      co_return;
  }
}

}  // namespace strata::router
