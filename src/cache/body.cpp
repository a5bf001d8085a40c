#include "cache/body.hpp"

#include <atomic>
#include <ostream>

#include "io/sealed_file.hpp"
#include "obs/metrics.hpp"

namespace strata::cache {

namespace {
constexpr std::uint64_t kPage = 4096;
std::atomic<std::uint64_t> g_min_bytes{16 * 1024};
std::atomic<std::uint64_t> g_max_files{4096};
std::atomic<std::uint64_t> g_alive{0};

obs::Gauge& files_gauge() {
  static obs::Gauge& g = obs::gauge("strata_cache_body_files",
                                    "Cached bodies held in sealed memfds (sent with sendfile on plain TCP)");
  return g;
}
obs::Counter& failures() {
  static obs::Counter& c = obs::counter(
      "strata_cache_body_file_failures_total",
      "Cached bodies kept on the heap because a memfd could not be made (descriptors, memory)");
  return c;
}
}  // namespace

std::uint64_t BodyBytes::footprint() const {
  if (fd_ < 0) return v_.size();
  return (v_.size() + kPage - 1) / kPage * kPage;
}

std::ostream& operator<<(std::ostream& os, const BodyBytes& b) {
  return os << (b.fd() >= 0 ? "file:" : "heap:") << '"' << b.view() << '"';
}

std::ostream& operator<<(std::ostream& os, const Body& b) {
  if (!b) return os << "(no body)";
  return os << *b;
}

Body::Body(std::shared_ptr<const std::string> s) : str_(std::move(s)) {
  if (str_) bytes_.v_ = *str_;
}

Body::Body(std::shared_ptr<const io::SealedFile> f) : file_(std::move(f)) {
  if (file_) {
    bytes_.v_ = file_->view();
    bytes_.fd_ = file_->fd();
  }
}

void set_body_files(std::uint64_t min_bytes, std::uint64_t max_files) {
  g_min_bytes.store(min_bytes, std::memory_order_relaxed);
  g_max_files.store(max_files, std::memory_order_relaxed);
}

std::uint64_t body_files_alive() { return g_alive.load(std::memory_order_relaxed); }

Body make_body(std::string&& bytes) {
  const auto min = g_min_bytes.load(std::memory_order_relaxed);
  if (min == 0 || bytes.size() < min) return Body(std::make_shared<const std::string>(std::move(bytes)));
  // Reserve a slot first so concurrent makers never exceed max_files.
  if (g_alive.fetch_add(1, std::memory_order_relaxed) >= g_max_files.load(std::memory_order_relaxed)) {
    g_alive.fetch_sub(1, std::memory_order_relaxed);
    return Body(std::make_shared<const std::string>(std::move(bytes)));
  }
  boost::system::error_code ec;
  auto f = io::SealedFile::create(bytes, "strata-cache-body", ec);
  if (!f) {
    g_alive.fetch_sub(1, std::memory_order_relaxed);
    failures().inc();
    return Body(std::make_shared<const std::string>(std::move(bytes)));
  }
  files_gauge().add();
  std::shared_ptr<const io::SealedFile> sp(f.release(), [](const io::SealedFile* p) {
    delete p;
    g_alive.fetch_sub(1, std::memory_order_relaxed);
    files_gauge().sub();
  });
  return Body(std::move(sp));
}

}  // namespace strata::cache
