#include "cache/body.hpp"

#include <atomic>
#include <mutex>
#include <ostream>

#include "io/sealed_file.hpp"
#include "io/tmpfile_dir.hpp"
#include "obs/metrics.hpp"

namespace strata::cache {

namespace {
constexpr std::uint64_t kPage = 4096;
std::atomic<std::uint64_t> g_min_bytes{16 * 1024};
std::atomic<std::uint64_t> g_max_files{4096};
std::atomic<std::uint64_t> g_alive{0};
std::atomic<std::uint64_t> g_tmpfiles{0};
std::atomic<std::uint64_t> g_tmpfile_bytes{0};

// The body directory (set_body_dir); read under the mutex by make_body,
// which runs when an object is stored, never per hit.
std::mutex g_dir_mu;
std::shared_ptr<const io::TmpfileDir> g_dir;

std::shared_ptr<const io::TmpfileDir> body_dir() {
  std::lock_guard lk(g_dir_mu);
  return g_dir;
}

obs::Gauge& files_gauge() {
  static obs::Gauge& g = obs::gauge(
      "strata_cache_body_files",
      "Cached bodies held in files (memfds or unnamed files of cache.zero_copy_dir; sent with sendfile on plain TCP)");
  return g;
}
obs::Gauge& tmpfiles_gauge() {
  static obs::Gauge& g = obs::gauge("strata_cache_body_tmpfiles",
                                    "Cached bodies held in unnamed page-cache files of cache.zero_copy_dir");
  return g;
}
obs::Gauge& tmpfile_bytes_gauge() {
  static obs::Gauge& g = obs::gauge("strata_cache_body_tmpfile_bytes",
                                    "Bytes of the cached bodies held in unnamed files of cache.zero_copy_dir");
  return g;
}
obs::Counter& failures() {
  static obs::Counter& c = obs::counter(
      "strata_cache_body_file_failures_total",
      "Cached bodies kept on the heap because a memfd could not be made (descriptors, memory)");
  return c;
}
obs::Counter& tmpfile_failures() {
  static obs::Counter& c = obs::counter(
      "strata_cache_body_tmpfile_failures_total",
      "Cached bodies put in a memfd because cache.zero_copy_dir did not take the file (space, descriptors)");
  return c;
}

std::unique_ptr<io::SealedFile> make_file(std::string_view bytes) {
  boost::system::error_code ec;
  if (auto dir = body_dir()) {
    if (auto f = io::SealedFile::create_tmpfile(dir->fd(), bytes, ec)) return f;
    tmpfile_failures().inc();
  }
  return io::SealedFile::create(bytes, "strata-cache-body", ec);
}
}  // namespace

const char* to_string(BodyStorage s) {
  switch (s) {
    case BodyStorage::heap: return "heap";
    case BodyStorage::memfd: return "memfd";
    case BodyStorage::tmpfile: return "tmpfile";
  }
  return "?";
}

std::uint64_t BodyBytes::footprint() const {
  if (fd_ < 0) return v_.size();
  return (v_.size() + kPage - 1) / kPage * kPage;
}

std::ostream& operator<<(std::ostream& os, const BodyBytes& b) {
  return os << to_string(b.storage()) << ":\"" << b.view() << '"';
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
    bytes_.storage_ =
        file_->kind() == io::SealedFile::Kind::tmpfile ? BodyStorage::tmpfile : BodyStorage::memfd;
  }
}

void set_body_files(std::uint64_t min_bytes, std::uint64_t max_files) {
  g_min_bytes.store(min_bytes, std::memory_order_relaxed);
  g_max_files.store(max_files, std::memory_order_relaxed);
}

void set_body_dir(std::shared_ptr<const io::TmpfileDir> dir) {
  std::lock_guard lk(g_dir_mu);
  g_dir = std::move(dir);
}

std::uint64_t body_files_alive() { return g_alive.load(std::memory_order_relaxed); }
std::uint64_t body_tmpfiles_alive() { return g_tmpfiles.load(std::memory_order_relaxed); }
std::uint64_t body_tmpfile_bytes() { return g_tmpfile_bytes.load(std::memory_order_relaxed); }

Body make_body(std::string&& bytes) {
  const auto min = g_min_bytes.load(std::memory_order_relaxed);
  if (min == 0 || bytes.size() < min) return Body(std::make_shared<const std::string>(std::move(bytes)));
  // Reserve a slot first so concurrent makers never exceed max_files.
  if (g_alive.fetch_add(1, std::memory_order_relaxed) >= g_max_files.load(std::memory_order_relaxed)) {
    g_alive.fetch_sub(1, std::memory_order_relaxed);
    return Body(std::make_shared<const std::string>(std::move(bytes)));
  }
  auto f = make_file(bytes);
  if (!f) {
    g_alive.fetch_sub(1, std::memory_order_relaxed);
    failures().inc();
    return Body(std::make_shared<const std::string>(std::move(bytes)));
  }
  files_gauge().add();
  const bool tmp = f->kind() == io::SealedFile::Kind::tmpfile;
  const std::uint64_t size = f->size();
  if (tmp) {
    g_tmpfiles.fetch_add(1, std::memory_order_relaxed);
    g_tmpfile_bytes.fetch_add(size, std::memory_order_relaxed);
    tmpfiles_gauge().add();
    tmpfile_bytes_gauge().add(std::int64_t(size));
  }
  std::shared_ptr<const io::SealedFile> sp(f.release(), [tmp, size](const io::SealedFile* p) {
    delete p;
    g_alive.fetch_sub(1, std::memory_order_relaxed);
    files_gauge().sub();
    if (tmp) {
      g_tmpfiles.fetch_sub(1, std::memory_order_relaxed);
      g_tmpfile_bytes.fetch_sub(size, std::memory_order_relaxed);
      tmpfiles_gauge().sub();
      tmpfile_bytes_gauge().sub(std::int64_t(size));
    }
  });
  return Body(std::move(sp));
}

}  // namespace strata::cache
