#include "conn/http1_parked.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
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
      slot = std::uint32_t(recs_.size());
      recs_.emplace_back();
    }
    Rec& r = recs_[slot];
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
    for (std::uint32_t i = 0; i < recs_.size(); ++i)
      if (recs_[i].used && recs_[i].group == &g) close(i, false);
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
    Rec& r = recs_[s];
    Lane& l = lanes_[r.lane];
    r.prev = l.tail;
    r.next = kNone;
    if (l.tail != kNone) recs_[l.tail].next = s;
    else l.head = s;
    l.tail = s;
  }
  void unlink(std::uint32_t s) {
    Rec& r = recs_[s];
    Lane& l = lanes_[r.lane];
    if (r.prev != kNone) recs_[r.prev].next = r.next;
    else l.head = r.next;
    if (r.next != kNone) recs_[r.next].prev = r.prev;
    else l.tail = r.prev;
    r.prev = r.next = kNone;
  }

  // Takes slot `s` out of the table: its record, with the fd out of the
  // epoll set; the group's count drops (the caller erases an empty group).
  ParkedHttp1 take(std::uint32_t s) {
    Rec& r = recs_[s];
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
    Group* g = recs_[s].group;
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

  void shrink() {
    recs_.clear();
    recs_.shrink_to_fit();
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
      if (slot >= recs_.size() || !recs_[slot].used || recs_[slot].gen != gen) continue;
      Group* g = recs_[slot].group;
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
      if (l.head != kNone) at = std::min(at, recs_[l.head].deadline);
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
      while (bound-- > 0 && lanes_[i].head != kNone && recs_[lanes_[i].head].deadline <= now)
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
      if (l.head != kNone) return recs_[l.head].group->ctx.time().now();
    return core::Clock::time_point::min();
  }

  void shutdown() override {
    shut_ = true;
    watch_.reset();  // closes epfd_
    if (watch_ == std::nullopt) epfd_ = -1;
    timer_.reset();
    for (std::uint32_t i = 0; i < recs_.size(); ++i) {
      if (!recs_[i].used) continue;
      Group* g = recs_[i].group;
      g->draining = true;  // erased below, not from close()
      close(i, false);
    }
    groups_.clear();
  }

  std::optional<asio::any_io_executor> ex_;
  int epfd_ = -1;
  std::optional<asio::posix::stream_descriptor> watch_;
  std::optional<Timer> timer_;
  std::vector<Rec> recs_;
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

bool park_http1(const asio::any_io_executor& ex, ServerContext& ctx, ParkedHttp1& p,
                std::chrono::milliseconds idle, ResumeHttp1 resume) {
  return Store::of(ex).park(ex, ctx, p, idle, resume);
}

std::size_t parked_http1_count(const asio::any_io_executor& ex) {
  return Store::of(ex).count();
}

}  // namespace strata::conn
