#include "conn/http1_parked.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/execution/context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/query.hpp>

#include "conn/http1_metrics.hpp"
#include "conn/memory_trim.hpp"
#include "obs/metrics.hpp"

namespace strata::conn {

namespace asio = boost::asio;

namespace {

constexpr std::uint32_t kNone = std::uint32_t(-1);
constexpr int kEventsPerWake = 64;


class Store;

// The records of one ServerContext on this worker, registered with it as
// one Connection so drain reaches them.
class Group final : public Connection {
 public:
  Group(Store& s, ServerContext& ctx, ResumeHttp1 resume)
      : store(s), ctx(ctx), resume(resume), reg(ctx, this) {}
  void drain() override;
  bool counted() const override { return false; }

  Store& store;
  ServerContext& ctx;
  ResumeHttp1 resume;
  std::size_t n = 0;
  bool draining = false;
  bool ready = false;  // in the store's map (drain from the constructor sees it unset)
  Registration reg;    // last: add() may call drain()
};

struct Rec {
  ParkedHttp1 p;
  Group* group = nullptr;
  core::Clock::time_point deadline{};
  std::uint32_t prev = kNone, next = kNone;
  std::uint32_t gen = 0;
  std::uint16_t lane = 0;
  bool used = false;
};

struct Lane {
  std::chrono::milliseconds idle{};
  std::uint32_t head = kNone, tail = kNone;
};

class Store final : public asio::execution_context::service {
 public:
  static inline asio::execution_context::id id;
  explicit Store(asio::execution_context& ctx) : service(ctx) {}
  ~Store() override = default;  // watch_ owns and closes the epoll fd

  static Store& of(const asio::any_io_executor& ex) {
    return asio::use_service<Store>(asio::query(ex, asio::execution::context));
  }

  bool park(const asio::any_io_executor& ex, ServerContext& ctx, ParkedHttp1& p,
            std::chrono::milliseconds idle, ResumeHttp1 resume) {
    if (shut_) return false;
    if (!ex_) ex_ = ex;
    if (epfd_ < 0) {
      epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
      if (epfd_ < 0) return false;
      watch_.emplace(ex, epfd_);
    }
    if (!timer_) timer_.emplace(ex, ctx.time());
    std::uint32_t slot;
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
    } else {
      if (slots_ / kChunk == chunks_.size()) chunks_.push_back(std::make_unique<Rec[]>(kChunk));  // chunk 0 may be kept
      slot = slots_++;
    }
    Rec& r = rec(slot);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u64 = (std::uint64_t(r.gen) << 32) | slot;
    if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, p.fd, &ev) != 0) {
      free_.push_back(slot);
      return false;
    }
    Group& g = group(ctx, resume);
    r.p = std::move(p);
    r.group = &g;
    r.used = true;
    r.deadline = ctx.time().now() + idle;
    r.lane = lane_of(idle);
    link(slot);
    ++g.n;
    ++count_;
    h1metrics::parked().add();
    ctx.count_parked(1);
    if (g.draining || ctx.draining()) {
      g.draining = false;
      close(slot, false);  // erases the group when empty
      return true;
    }
    if (r.deadline < armed_) {
      armed_ = r.deadline;
      if (timing_) timer_->cancel();  // the handler re-arms earlier
    }
    arm_timer();
    arm_watch();
    return true;
  }

  void close_group(Group& g) {
    for (std::uint32_t i = 0; i < slots_; ++i)
      if (rec(i).used && rec(i).group == &g) close(i, false);
  }
  void erase_if_empty(Group& g) {
    if (g.n == 0 && g.ready) groups_.erase(&g.ctx);  // deletes g
  }
  std::size_t count() const { return count_; }

 private:
  Group& group(ServerContext& ctx, ResumeHttp1 resume) {
    auto& slot = groups_[&ctx];
    if (!slot) {
      slot = std::make_unique<Group>(*this, ctx, resume);
      slot->ready = true;
    }
    return *slot;
  }

  std::uint16_t lane_of(std::chrono::milliseconds idle) {
    for (std::size_t i = 0; i < lanes_.size(); ++i)
      if (lanes_[i].idle == idle) return std::uint16_t(i);
    lanes_.push_back({idle});
    return std::uint16_t(lanes_.size() - 1);
  }

  void link(std::uint32_t s) {
    Rec& r = rec(s);
    Lane& l = lanes_[r.lane];
    r.prev = l.tail;
    r.next = kNone;
    if (l.tail != kNone) rec(l.tail).next = s;
    else l.head = s;
    l.tail = s;
  }
  void unlink(std::uint32_t s) {
    Rec& r = rec(s);
    Lane& l = lanes_[r.lane];
    if (r.prev != kNone) rec(r.prev).next = r.next;
    else l.head = r.next;
    if (r.next != kNone) rec(r.next).prev = r.prev;
    else l.tail = r.prev;
    r.prev = r.next = kNone;
  }

  // Takes slot `s` out of the table: its record, with the fd out of the
  // epoll set; the group's count drops (the caller erases an empty group).
  ParkedHttp1 take(std::uint32_t s) {
    Rec& r = rec(s);
    unlink(s);
    ::epoll_ctl(epfd_, EPOLL_CTL_DEL, r.p.fd, nullptr);
    ParkedHttp1 p = std::move(r.p);
    r.p = {};
    r.used = false;
    ++r.gen;
    r.group->n--;
    r.group->ctx.count_parked(-1);
    --count_;
    h1metrics::parked().sub();
    free_.push_back(s);
    if (count_ == 0) {
      shrink();
      // The timer waits on a context's clock (a test's fake one may go
      // away with its context): drop it until the next park.
      if (timing_) timer_->cancel();
      else timer_.reset();
      armed_ = core::Clock::time_point::max();
    }
    return p;
  }

  // Closes the parked connection in slot `s`; keep and on_end go from a
  // posted handler. Erases its group when that was the last record (unless
  // the group's own drain is running: it erases itself after).
  void close(std::uint32_t s, bool timed_out) {
    Group* g = rec(s).group;
    ParkedHttp1 p = take(s);
    ::close(p.fd);
    if (timed_out) h1metrics::timeout("idle").inc();
    if (!shut_) {
      note_connection_closed(*ex_);
      asio::post(*ex_, [keep = std::move(p.keep), on_end = std::move(p.on_end)]() mutable {
        if (on_end) on_end();
        keep.reset();
      });
    } else if (p.on_end) {
      p.on_end();
    }
    if (!g->draining) erase_if_empty(*g);
  }

  // Keeps the first chunk: a quiet worker's one connection parking and
  // waking does not allocate and free a chunk each time.
  void shrink() {
    chunks_.resize(std::min<std::size_t>(chunks_.size(), 1));
    chunks_.shrink_to_fit();
    slots_ = 0;
    free_.clear();
    free_.shrink_to_fit();
    for (auto& l : lanes_) l.head = l.tail = kNone;
  }

  void arm_watch() {
    if (watching_ || count_ == 0 || !watch_) return;
    watching_ = true;
    watch_->async_wait(asio::posix::stream_descriptor::wait_read,
                       [this](boost::system::error_code ec) { on_events(ec); });
  }

  void on_events(boost::system::error_code ec) {
    watching_ = false;
    if (ec || shut_) return;
    epoll_event evs[kEventsPerWake];
    int n = ::epoll_wait(epfd_, evs, kEventsPerWake, 0);
    for (int i = 0; i < n; ++i) {
      auto slot = std::uint32_t(evs[i].data.u64);
      auto gen = std::uint32_t(evs[i].data.u64 >> 32);
      if (slot >= slots_ || !rec(slot).used || rec(slot).gen != gen) continue;
      Group* g = rec(slot).group;
      ParkedHttp1 p = take(slot);
      g->resume(*ex_, g->ctx, std::move(p));
      erase_if_empty(*g);
    }
    arm_watch();
  }

  void arm_timer() {
    if (timing_ || !timer_) return;
    auto at = core::Clock::time_point::max();
    for (auto& l : lanes_)
      if (l.head != kNone) at = std::min(at, rec(l.head).deadline);
    armed_ = at;
    if (at == core::Clock::time_point::max()) return;
    timing_ = true;
    timer_->async_wait_until(at, [this](bool) { on_timer(); });
  }

  void on_timer() {
    timing_ = false;
    if (shut_) return;
    if (count_ == 0) {
      timer_.reset();
      return;
    }
    auto now = time_now();
    for (std::size_t i = 0; i < lanes_.size(); ++i) {
      std::size_t bound = count_;
      while (bound-- > 0 && lanes_[i].head != kNone && rec(lanes_[i].head).deadline <= now)
        close(lanes_[i].head, true);
    }
    armed_ = core::Clock::time_point::max();
    if (count_ == 0) {
      timer_.reset();  // safe here: the handler no longer touches it
      return;
    }
    arm_timer();
  }

  core::Clock::time_point time_now() const {
    for (auto& l : lanes_)
      if (l.head != kNone) return rec(l.head).group->ctx.time().now();
    return core::Clock::time_point::min();
  }

  void shutdown() override {
    shut_ = true;
    watch_.reset();  // closes epfd_
    if (watch_ == std::nullopt) epfd_ = -1;
    timer_.reset();
    timing_ = false;  // take() of the last record must not cancel the timer that went
    for (std::uint32_t i = 0; i < slots_; ++i) {
      if (!rec(i).used) continue;
      Group* g = rec(i).group;
      g->draining = true;  // erased below, not from close()
      close(i, false);
    }
    groups_.clear();
  }

  std::optional<asio::any_io_executor> ex_;
  int epfd_ = -1;
  std::optional<asio::posix::stream_descriptor> watch_;
  std::optional<Timer> timer_;
  // Records in chunks of kChunk that never move (a vector of records
  // doubling to 10,000 left its old arrays behind as heap, ~0.5 KB per
  // parked connection); all go when the last record leaves.
  static constexpr std::uint32_t kChunk = 128;
  Rec& rec(std::uint32_t s) { return chunks_[s / kChunk][s % kChunk]; }
  const Rec& rec(std::uint32_t s) const { return chunks_[s / kChunk][s % kChunk]; }
  std::vector<std::unique_ptr<Rec[]>> chunks_;
  std::uint32_t slots_ = 0;
  std::vector<std::uint32_t> free_;
  std::vector<Lane> lanes_;
  std::unordered_map<ServerContext*, std::unique_ptr<Group>> groups_;
  std::size_t count_ = 0;
  core::Clock::time_point armed_ = core::Clock::time_point::max();
  bool watching_ = false;
  bool timing_ = false;
  bool shut_ = false;
};

void Group::drain() {
  draining = true;
  if (!ready) return;  // called from add() in the constructor: nothing parked yet
  Store& s = store;
  s.close_group(*this);
  draining = false;
  s.erase_if_empty(*this);  // may delete this
}

}  // namespace

// Every field of http::ConnInfo is packed below: a field added there must be
// added here (the size check fails first; x86-64 libstdc++ layout).
static_assert(sizeof(http::ConnInfo) == 288, "http::ConnInfo changed: update PackedConnInfo");

PackedConnInfo::PackedConnInfo(PackedConnInfo&& o) noexcept { *this = std::move(o); }

PackedConnInfo& PackedConnInfo::operator=(PackedConnInfo&& o) noexcept {
  if (this == &o) return *this;
  id_ = o.id_;
  heap_ = std::move(o.heap_);
  peer_port_ = o.peer_port_;
  local_port_ = o.local_port_;
  std::memcpy(len_, o.len_, sizeof len_);
  tls_ = o.tls_;
  verified_ = o.verified_;
  std::memcpy(inline_, o.inline_, sizeof inline_);
  // The moved-from one unpacks to an empty ConnInfo (never a read past inline_).
  std::memset(o.len_, 0, sizeof o.len_);
  o.id_ = 0;
  o.peer_port_ = o.local_port_ = 0;
  o.tls_ = o.verified_ = false;
  return *this;
}

bool PackedConnInfo::pack(const http::ConnInfo& i) {
  // Thirteen fields: a field added to ConnInfo fails to compile here.
  [[maybe_unused]] const auto& [f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13] = i;
  const std::string* s[kStrings] = {&i.peer_ip, &i.local_ip, &i.sni, &i.alpn, &i.listener,
                                    &i.proxy_peer_ip, &i.client_cert_subject, &i.client_cert_san};
  std::size_t total = 0;
  for (auto* f : s) {
    if (f->size() > 0xffff) return false;
    total += f->size();
  }
  std::unique_ptr<char[]> heap;
  if (total > kInline) heap = std::make_unique_for_overwrite<char[]>(total);  // may throw: nothing changed yet
  heap_ = std::move(heap);
  char* out = heap_ ? heap_.get() : inline_;
  for (std::size_t k = 0; k < kStrings; ++k) {
    len_[k] = std::uint16_t(s[k]->size());
    if (len_[k] != 0) std::memcpy(out, s[k]->data(), len_[k]);
    out += len_[k];
  }
  id_ = i.id;
  peer_port_ = i.peer_port;
  local_port_ = i.local_port;
  tls_ = i.tls;
  verified_ = i.client_cert_verified;
  return true;
}

http::ConnInfo PackedConnInfo::unpack() const {
  http::ConnInfo i;
  std::string* s[kStrings] = {&i.peer_ip, &i.local_ip, &i.sni, &i.alpn, &i.listener,
                              &i.proxy_peer_ip, &i.client_cert_subject, &i.client_cert_san};
  const char* in = data();
  for (std::size_t k = 0; k < kStrings; ++k) {
    s[k]->assign(in, len_[k]);
    in += len_[k];
  }
  i.id = id_;
  i.peer_port = peer_port_;
  i.local_port = local_port_;
  i.tls = tls_;
  i.client_cert_verified = verified_;
  return i;
}

bool park_http1(const asio::any_io_executor& ex, ServerContext& ctx, ParkedHttp1& p,
                std::chrono::milliseconds idle, ResumeHttp1 resume) {
  return Store::of(ex).park(ex, ctx, p, idle, resume);
}

std::size_t parked_http1_count(const asio::any_io_executor& ex) {
  return Store::of(ex).count();
}

}  // namespace strata::conn
