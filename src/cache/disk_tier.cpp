// The disk tier (cache/disk_tier.hpp). Layout under cfg.path:
//   <2 hex>/<32 hex>.obj   one object; the name is a hash of its key and
//                          vary values (cache/object_codec.hpp: the format)
//   .tmp-<pid>-<n>.tmp     a file being written; renamed into place when
//                          complete, removed at open when a crash left it
// Only files in that layout are ever removed; anything else in the
// directory is left alone. Contents are not fsync'ed: after a power loss a
// file may be torn, and its size or checksums then reject it (at open for
// the metadata, at read for the body) and it is deleted.
// Recency: the index keeps an LRU list; a read sets the file's mtime, so
// the order survives a restart (rebuilt from mtimes at open).
// Locking: file contents are read and written outside the mutex; renames,
// unlinks and the one-byte soft-purge write happen under it, so the index
// and the directory agree.
#include "cache/disk_tier.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <list>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include <spdlog/spdlog.h>
#include <xxhash.h>

#include "cache/object_codec.hpp"
#include "cache/url_match.hpp"
#include "obs/metrics.hpp"

namespace strata::cache {

namespace fs = std::filesystem;

namespace {

obs::Counter& disk_errors() {
  static obs::Counter& c =
      obs::counter("strata_cache_disk_errors_total", "Disk tier I/O errors and rejected (torn or foreign) files");
  return c;
}

// The file name of an object: 32 hex digits of XXH3-128 over its key and vary values.
std::string object_id(std::string_view key, const std::vector<Field>& vary, bool vary_star) {
  std::string in(key);
  in.push_back('\0');
  for (const auto& f : vary) {
    in += f.name;
    in.push_back('\0');
    in += f.value;
    in.push_back('\0');
  }
  in.push_back(vary_star ? '*' : '-');
  const XXH128_hash_t h = XXH3_128bits(in.data(), in.size());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (int i = 0; i < 16; ++i) {
    id[i] = kHex[(h.high64 >> (60 - 4 * i)) & 0xf];
    id[16 + i] = kHex[(h.low64 >> (60 - 4 * i)) & 0xf];
  }
  return id;
}

bool is_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// Reads the whole file; false on any error. `touch`: set its mtime (a use).
bool read_file(const std::string& path, std::string& out, int* err, bool touch = true) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *err = errno;
    return false;
  }
  struct stat st{};
  bool ok = ::fstat(fd, &st) == 0;
  if (ok) {
    out.resize(std::size_t(st.st_size));
    std::size_t got = 0;
    while (ok && got < out.size()) {
      const ssize_t n = ::read(fd, out.data() + got, out.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) ok = false;
      else got += std::size_t(n);
    }
  }
  if (!ok) *err = errno ? errno : EIO;
  else if (touch) ::futimens(fd, nullptr);  // recency for the LRU order after a restart
  ::close(fd);
  return ok;
}

// Reads the fixed header and the metadata of an object file.
std::optional<codec::Meta> read_meta(const std::string& path, std::uint64_t file_size) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::optional<codec::Meta> m;
  char head[codec::kHeaderSize];
  if (::pread(fd, head, sizeof head, 0) == ssize_t(sizeof head)) {
    auto h = codec::decode_header(std::string_view(head, sizeof head));
    if (h && h->file_bytes() == file_size) {
      std::string meta(h->meta_len, '\0');
      if (::pread(fd, meta.data(), meta.size(), codec::kHeaderSize) == ssize_t(meta.size()))
        m = codec::decode_meta(*h, meta);
    }
  }
  ::close(fd);
  return m;
}

bool write_file(const std::string& path, std::string_view data) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  bool ok = true;
  while (ok && !data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) ok = false;
    else data.remove_prefix(std::size_t(n));
  }
  if (::close(fd) != 0) ok = false;
  return ok;
}

class FileDiskTier final : public DiskTier {
 public:
  explicit FileDiskTier(const config::CacheDisk& cfg) : cfg_(cfg), dir_(cfg.path) {}

  void scan() {
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec || !fs::is_directory(dir_, ec) || ::access(dir_.c_str(), R_OK | W_OK | X_OK) != 0)
      throw std::runtime_error("cache disk tier at " + cfg_.path + ": cannot use the directory" +
                               (ec ? ": " + ec.message() : std::string()));
    struct Found {
      std::string id;
      codec::Meta meta;
      fs::file_time_type mtime;
    };
    std::vector<Found> found;
    std::size_t rejected = 0;
    for (const auto& top : fs::directory_iterator(dir_, ec)) {
      const std::string name = top.path().filename().string();
      if (top.is_regular_file(ec) && name.starts_with(".tmp-") && name.ends_with(".tmp")) {
        fs::remove(top.path(), ec);  // a write a crash interrupted
        ++rejected;
        continue;
      }
      if (!top.is_directory(ec) || name.size() != 2 || !is_hex(name)) continue;
      for (const auto& f : fs::directory_iterator(top.path(), ec)) {
        const std::string fname = f.path().filename().string();
        const std::string id = fname.size() == 36 ? fname.substr(0, 32) : std::string();
        bool good = false;
        if (!id.empty() && fname.ends_with(".obj") && is_hex(id) && id.starts_with(name) && f.is_regular_file(ec)) {
          const auto size = f.file_size(ec);
          if (!ec) {
            auto m = read_meta(f.path().string(), size);
            if (m && object_id(m->key, m->vary, m->vary_star) == id) {
              found.push_back({id, std::move(*m), f.last_write_time(ec)});
              good = true;
            }
          }
        }
        if (!good) {  // torn, foreign or unreadable: removed
          fs::remove_all(f.path(), ec);
          ++rejected;
        }
      }
    }
    if (rejected) {
      disk_errors().inc(rejected);
      spdlog::warn("cache disk tier at {}: removed {} torn or foreign files", cfg_.path, rejected);
    }
    // Oldest first, so the newest ends at the front of the LRU list.
    std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) { return a.mtime < b.mtime; });
    std::lock_guard lk(mu_);
    for (auto& f : found) add_locked(f.id, std::move(f.meta));
    evict_locked(0);
    spdlog::info("cache disk tier at {}: {} objects, {} bytes", cfg_.path, entries_.size(), bytes_);
  }

  bool put(const Object& obj) override {
    std::string file = codec::encode(obj);
    if (file.size() > cfg_.max_object_bytes || file.size() > cfg_.max_bytes) return false;
    const std::string id = object_id(obj.key, obj.vary, obj.vary_star);
    const std::string tmp =
        (dir_ / (".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(seq_.fetch_add(1)) + ".tmp")).string();
    std::error_code ec;
    fs::create_directories(dir_ / id.substr(0, 2), ec);
    if (!write_file(tmp, file)) {
      const int e = errno;
      ::unlink(tmp.c_str());
      io_error("write", tmp, e);
      return false;
    }
    codec::Meta m;
    m.key = obj.key;
    m.url = obj.url;
    m.vary = obj.vary;
    m.vary_star = obj.vary_star;
    m.tags = obj.tags;
    m.response_time = obj.response_time;
    m.invalidated = obj.invalidated;
    m.file_bytes = file.size();
    file.clear();
    std::lock_guard lk(mu_);
    if (::rename(tmp.c_str(), path_of(id).c_str()) != 0) {
      const int e = errno;
      ::unlink(tmp.c_str());
      io_error("rename", tmp, e);
      return false;
    }
    if (entries_.count(id)) remove_locked(id, false);  // the file was just replaced
    add_locked(id, std::move(m));
    evict_locked(1);
    return true;
  }

  std::vector<ObjectPtr> get(std::string_view key) override {
    std::vector<std::string> ids;
    {
      std::lock_guard lk(mu_);
      auto it = by_key_.find(std::string(key));
      if (it == by_key_.end()) return {};
      ids = it->second;
      for (const auto& id : ids) touch_locked(id);
    }
    std::vector<ObjectPtr> out;
    std::string buf;
    for (const auto& id : ids) {
      int err = 0;
      std::optional<Object> o;
      if (read_file(path_of(id), buf, &err)) o = codec::decode(buf);
      if (o && o->key == key) {
        out.push_back(std::make_shared<const Object>(std::move(*o)));
        continue;
      }
      if (err != ENOENT) io_error(err ? "read" : "decode", path_of(id), err);
      std::lock_guard lk(mu_);
      if (entries_.count(id)) remove_locked(id, true);
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const ObjectPtr& a, const ObjectPtr& b) { return a->response_time > b->response_time; });
    return out;
  }

  std::vector<ObjectPtr> by_url(std::string_view url) override {
    std::vector<std::string> ids;
    {
      std::lock_guard lk(mu_);
      for (const auto& [id, e] : entries_)
        if (e.meta.url == url) ids.push_back(id);
    }
    std::vector<ObjectPtr> out;
    std::string buf;
    for (const auto& id : ids) {
      int err = 0;
      if (!read_file(path_of(id), buf, &err, false)) continue;
      if (auto o = codec::decode(buf); o && o->url == url) out.push_back(std::make_shared<const Object>(std::move(*o)));
    }
    return out;
  }

  std::size_t erase(std::string_view key) override {
    std::lock_guard lk(mu_);
    auto it = by_key_.find(std::string(key));
    if (it == by_key_.end()) return 0;
    const auto ids = it->second;
    for (const auto& id : ids) remove_locked(id, true);
    return ids.size();
  }

  std::size_t purge_tag(std::string_view tag, bool soft) override {
    return purge_if([&](const codec::Meta& m) { return std::find(m.tags.begin(), m.tags.end(), tag) != m.tags.end(); },
                    soft);
  }
  std::size_t purge_url(std::string_view url, bool soft) override {
    return purge_if([&](const codec::Meta& m) { return m.url == url; }, soft);
  }
  std::size_t purge_prefix(std::string_view prefix, bool soft) override {
    return purge_if([&](const codec::Meta& m) { return url_matches_prefix(m.url, prefix); }, soft);
  }
  std::size_t purge_all(bool soft) override {
    return purge_if([](const codec::Meta&) { return true; }, soft);
  }

  std::uint64_t objects() const override {
    std::lock_guard lk(mu_);
    return entries_.size();
  }
  std::uint64_t bytes() const override {
    std::lock_guard lk(mu_);
    return bytes_;
  }

 private:
  struct Entry {
    codec::Meta meta;
    std::list<std::string>::iterator lru;
  };

  std::string path_of(const std::string& id) const { return (dir_ / id.substr(0, 2) / (id + ".obj")).string(); }

  // err: the errno value, 0 for a file that is there but does not decode.
  void io_error(std::string_view what, const std::string& path, int err) {
    disk_errors().inc();
    if (!logged_.exchange(true))
      spdlog::error("cache disk tier: {} failed on {} ({}); further errors are only counted", what, path,
                    err ? std::strerror(err) : "bad size or checksum");
  }

  void add_locked(const std::string& id, codec::Meta m) {
    lru_.push_front(id);
    bytes_ += m.file_bytes;
    by_key_[m.key].push_back(id);
    entries_[id] = Entry{std::move(m), lru_.begin()};
  }

  void remove_locked(std::string id, bool unlink_file) {  // by value: callers pass list elements
    auto it = entries_.find(id);
    if (it == entries_.end()) return;
    if (unlink_file) ::unlink(path_of(id).c_str());
    bytes_ -= it->second.meta.file_bytes;
    lru_.erase(it->second.lru);
    auto k = by_key_.find(it->second.meta.key);
    if (k != by_key_.end()) {
      std::erase(k->second, id);
      if (k->second.empty()) by_key_.erase(k);
    }
    entries_.erase(it);
  }

  void touch_locked(const std::string& id) {
    auto it = entries_.find(id);
    if (it != entries_.end()) lru_.splice(lru_.begin(), lru_, it->second.lru);
  }

  // Deletes least recently used files until within max_bytes, keeping the
  // `keep` most recent ones.
  void evict_locked(std::size_t keep) {
    while (bytes_ > cfg_.max_bytes && lru_.size() > keep) remove_locked(lru_.back(), true);
  }

  template <class Pred>
  std::size_t purge_if(Pred pred, bool soft) {
    std::lock_guard lk(mu_);
    std::vector<std::string> hit;
    for (const auto& [id, e] : entries_)
      if (pred(e.meta)) hit.push_back(id);
    for (const auto& id : hit) {
      if (!soft) {
        remove_locked(id, true);
        continue;
      }
      auto& m = entries_.at(id).meta;
      if (m.invalidated) continue;
      // The flags byte is outside the checksums: patched in place.
      const int fd = ::open(path_of(id).c_str(), O_WRONLY | O_CLOEXEC);
      const char flags = char(codec::kFlagInvalidated);
      const bool ok = fd >= 0 && ::pwrite(fd, &flags, 1, codec::kFlagsOffset) == 1;
      const int e = errno;
      if (fd >= 0) ::close(fd);
      if (ok) {
        m.invalidated = true;
      } else {
        io_error("soft purge", path_of(id), e);
        remove_locked(id, true);  // never serve it as fresh again
      }
    }
    return hit.size();
  }

  const config::CacheDisk cfg_;
  const fs::path dir_;
  std::atomic<std::uint64_t> seq_{0};
  std::atomic<bool> logged_{false};
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;                 // id -> entry
  std::unordered_map<std::string, std::vector<std::string>> by_key_;  // key -> ids
  std::list<std::string> lru_;                                     // ids, most recent first
  std::uint64_t bytes_ = 0;                                        // file sizes
};

}  // namespace

std::unique_ptr<DiskTier> DiskTier::open(const config::CacheDisk& cfg) {
  auto t = std::make_unique<FileDiskTier>(cfg);
  t->scan();
  return t;
}

}  // namespace strata::cache
