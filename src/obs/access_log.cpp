#include "obs/access_log.hpp"

#include "core/json_string.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

#include "obs/metrics.hpp"

namespace strata::obs {

namespace {

using core::append_json_string;

// Quoted-field text for the combined format: '"' and '\' escaped, controls as \xHH.
void clf_string(std::string& out, std::string_view s) {
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += char(c);
    }
  }
}

std::tm utc(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return tm;
}

std::size_t round_pow2(std::size_t n) {
  std::size_t p = 2;
  while (p < n) p <<= 1;
  return p;
}

}  // namespace

std::string format_access_json(const AccessRecord& r) {
  std::string o;
  o.reserve(512);
  auto tm = utc(r.time);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(r.time.time_since_epoch()).count() % 1000;
  o += fmt::format("{{\"time\":\"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z\"", tm.tm_year + 1900,
                   tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  auto field = [&](std::string_view k, std::string_view v) {
    o += ",\"";
    o += k;
    o += "\":";
    append_json_string(o, v);
  };
  field("listener", r.listener.view());
  field("route", r.route.view());
  field("peer", r.peer_ip.view());
  o += fmt::format(",\"peer_port\":{}", r.peer_port);
  field("protocol", r.protocol.view());
  field("method", r.method.view());
  field("scheme", r.scheme.view());
  field("authority", r.authority.view());
  field("target", r.target.view());
  o += fmt::format(",\"status\":{},\"bytes_sent\":{},\"bytes_received\":{},\"duration_ms\":{:.3f}",
                   r.status, r.bytes_sent, r.bytes_received, double(r.duration_us) / 1000.0);
  field("user_agent", r.user_agent.view());
  field("referer", r.referer.view());
  field("request_id", r.request_id.view());
  auto opt = [&](std::string_view k, std::string_view v) {
    if (!v.empty()) field(k, v);
  };
  opt("trace_id", r.trace_id.view());
  opt("cluster", r.cluster.view());
  opt("tier", r.tier.view());
  opt("reason", r.reason.view());
  for (std::size_t i = 0; i < r.slots.size(); ++i) opt(http::kSlotNames[i], r.slots[i].view());
  o += '}';
  return o;
}

std::string format_access_combined(const AccessRecord& r) {
  static constexpr const char* kMon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::string o;
  o.reserve(256);
  auto tm = utc(r.time);
  o += r.peer_ip.view().empty() ? std::string_view("-") : r.peer_ip.view();
  o += fmt::format(" - - [{:02}/{}/{:04}:{:02}:{:02}:{:02} +0000] \"", tm.tm_mday,
                   kMon[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  clf_string(o, r.method.view());
  o += ' ';
  clf_string(o, r.target.view());
  o += ' ';
  clf_string(o, r.protocol.view());
  o += fmt::format("\" {} {} \"", r.status, r.bytes_sent);
  if (r.referer.view().empty()) o += '-';
  else clf_string(o, r.referer.view());
  o += "\" \"";
  if (r.user_agent.view().empty()) o += '-';
  else clf_string(o, r.user_agent.view());
  o += '"';
  return o;
}

AccessLogger::AccessLogger(std::size_t capacity)
    : mask_(round_pow2(capacity) - 1),
      dropped_metric_(&obs::counter("strata_access_log_dropped_total",
                                    "Access log records dropped because the queue was full")) {}

AccessLogger::~AccessLogger() { stop(); }

AccessLogger& AccessLogger::global() {
  static AccessLogger* g = new AccessLogger();  // never destroyed; stop() it at shutdown
  return *g;
}

bool AccessLogger::configure(const config::AccessLog& cfg, std::string* error) {
  if (!cfg.enabled) {
    enabled_.store(false, std::memory_order_relaxed);
    return true;
  }
  std::FILE* nf = nullptr;
  bool owns = false;
  {
    std::lock_guard lk(mu_);
    if (out_ && cfg.path == path_) nf = out_;  // unchanged destination: keep it
  }
  if (!nf) {
    if (cfg.path == "-") {
      nf = stdout;
    } else {
      nf = std::fopen(cfg.path.c_str(), "ae");
      if (!nf) {
        if (error) *error = cfg.path + ": " + std::strerror(errno);
        return false;
      }
      owns = true;
    }
  }
  if (!slots_) {
    slots_ = std::make_unique<Slot[]>(mask_ + 1);
    for (std::size_t i = 0; i <= mask_; ++i) slots_[i].seq.store(i, std::memory_order_relaxed);
  }
  {
    std::lock_guard lk(mu_);
    if (nf != out_) {
      if (out_ && owns_out_) std::fclose(out_);
      else if (out_) std::fflush(out_);
      out_ = nf;
      owns_out_ = owns;
      path_ = cfg.path;
    }
  }
  json_.store(cfg.format != "combined", std::memory_order_relaxed);
  if (!thread_.joinable()) {
    stop_.store(false);
    thread_ = std::thread([this] { run(); });
  }
  enabled_.store(true, std::memory_order_release);
  return true;
}

bool AccessLogger::submit(const AccessRecord& r) {
  if (!enabled_.load(std::memory_order_acquire)) return false;
  std::size_t pos = enqueue_pos_.load(std::memory_order_relaxed);
  Slot* slot;
  for (;;) {
    slot = &slots_[pos & mask_];
    std::size_t seq = slot->seq.load(std::memory_order_acquire);
    auto diff = std::intptr_t(seq) - std::intptr_t(pos);
    if (diff == 0) {
      if (enqueue_pos_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) break;
    } else if (diff < 0) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      dropped_metric_->inc();
      return false;
    } else {
      pos = enqueue_pos_.load(std::memory_order_relaxed);
    }
  }
  slot->rec = r;
  slot->seq.store(pos + 1, std::memory_order_release);
  submitted_.fetch_add(1, std::memory_order_release);
  // The writer polls anyway; waking it only when it sleeps keeps this cheap.
  if (sleeping_.load(std::memory_order_relaxed)) wake_.notify_one();
  return true;
}

bool AccessLogger::pop(AccessRecord& out) {
  Slot& slot = slots_[dequeue_pos_ & mask_];
  if (slot.seq.load(std::memory_order_acquire) != dequeue_pos_ + 1) return false;
  out = slot.rec;
  slot.seq.store(dequeue_pos_ + mask_ + 1, std::memory_order_release);
  ++dequeue_pos_;
  return true;
}

void AccessLogger::write_one(const AccessRecord& r, std::string& line) {
  line = json_.load(std::memory_order_relaxed) ? format_access_json(r) : format_access_combined(r);
  line += '\n';
  if (out_) std::fwrite(line.data(), 1, line.size(), out_);
}

void AccessLogger::run() {
  auto rec = std::make_unique<AccessRecord>();
  std::string line;
  for (;;) {
    {
      std::lock_guard lk(mu_);
      bool any = false;
      while (pop(*rec)) {
        write_one(*rec, line);
        ++written_;  // persists across stop()/configure() restarts, like submitted_
        any = true;
      }
      if (any && out_) std::fflush(out_);
    }
    written_cv_.notify_all();
    if (stop_.load()) {
      std::lock_guard lk(mu_);
      if (slots_[dequeue_pos_ & mask_].seq.load(std::memory_order_acquire) != dequeue_pos_ + 1)
        break;
      continue;
    }
    std::unique_lock lk(mu_);
    sleeping_.store(true);
    wake_.wait_for(lk, std::chrono::milliseconds(50), [&] {
      return stop_.load() ||
             slots_[dequeue_pos_ & mask_].seq.load(std::memory_order_acquire) == dequeue_pos_ + 1;
    });
    sleeping_.store(false);
  }
}

void AccessLogger::flush() {
  if (!thread_.joinable()) return;
  std::uint64_t target = submitted_.load(std::memory_order_acquire);
  std::unique_lock lk(mu_);
  wake_.notify_one();
  written_cv_.wait(lk, [&] { return written_ >= target || !thread_.joinable(); });
}

void AccessLogger::stop() {
  enabled_.store(false);
  if (thread_.joinable()) {
    stop_.store(true);
    wake_.notify_one();
    thread_.join();
  }
  std::lock_guard lk(mu_);
  if (out_ && owns_out_) std::fclose(out_);
  else if (out_) std::fflush(out_);
  out_ = nullptr;
  owns_out_ = false;
  path_.clear();
}

}  // namespace strata::obs
