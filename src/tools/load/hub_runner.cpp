// `strata load --hub`: sets up a hub run (URL templates, channels, sources,
// TLS), spreads the subscribers over -t threads of this process, or over
// worker processes (this binary re-executed with --worker) when the count
// nears the open-file limit, and prints the merged report.
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "io/tls_client.hpp"
#include "tools/load/hub_internal.hpp"
#include "tools/load/hub_payload.hpp"
#include "tools/load/hub_workers.hpp"
#include "tools/quic_client/client_tls.hpp"

namespace strata::tools::load {

namespace asio = boost::asio;
using sclock = std::chrono::steady_clock;

SubAttempt::SubAttempt(HubThread& t) : t_(t), t0_(sclock::now()) {
  ++t.st.attempted;
  const std::int64_t now = std::int64_t(unix_us_now());
  if (t.st.start_us == 0 || now < t.st.start_us) t.st.start_us = now;
}

void SubAttempt::settle() {
  if (!slot_) return;
  slot_ = false;
  --t_.handshaking;
  t_.g.settled.fetch_add(1, std::memory_order_relaxed);
  hub_launch_more(t_);
}

void SubAttempt::established() {
  if (established_) return;
  established_ = true;
  ++t_.st.established;
  t_.st.connect.record(std::uint64_t((sclock::now() - t0_).count()));
  t_.st.ready_us = std::max(t_.st.ready_us, std::int64_t(unix_us_now()));
  settle();
}

void SubAttempt::failed(HubError e) {
  if (established_) return;
  if (t_.g.stop.load(std::memory_order_relaxed)) ++t_.st.unfinished;
  else t_.st.error(e);
  settle();
}

void hub_launch_more(HubThread& t) {
  while (t.handshaking < t.cap && !t.queue.empty() && !t.g.stop.load(std::memory_order_relaxed)) {
    const unsigned idx = t.queue.front();
    t.queue.pop_front();
    ++t.handshaking;
    switch (t.g.opt.protocol) {
      case ProtocolChoice::h2: asio::co_spawn(t.io, hub_subscriber_h2(t, idx), asio::detached); break;
      case ProtocolChoice::h3: asio::co_spawn(t.io, hub_subscriber_h3(t, idx), asio::detached); break;
      default: asio::co_spawn(t.io, hub_subscriber_h1(t, idx), asio::detached); break;
    }
  }
}

namespace {

void raise_nofile() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
}

void write_file(const std::string& path, const std::string& text) {
  if (path.empty()) return;
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp);
    f << text;
  }
  std::rename(tmp.c_str(), path.c_str());
}

// Fills the URL-derived parts of `g` from opt.url (throws on bad input).
void setup_target(HubShared& g) {
  const HubOptions& o = g.opt;
  std::string url = o.url;
  if (url.starts_with("ws://")) url = "http://" + url.substr(5);
  else if (url.starts_with("wss://")) url = "https://" + url.substr(6);
  if (o.mode != HubMode::ws && o.url.starts_with("ws"))
    throw std::invalid_argument("--hub sse / pub want an http(s):// URL");
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) throw std::invalid_argument("bad URL: " + o.url);
  const auto path_at = url.find('/', scheme_end + 3);
  g.path_tpl = path_at == std::string::npos ? "/" : url.substr(path_at);
  g.target = parse_target({expand_template(url, "x", "", 0)});
}

}  // namespace

int run_hub_load(const HubOptions& opt_in) {
  raise_nofile();
  auto gp = std::make_unique<HubShared>();
  HubShared& g = *gp;
  g.opt = opt_in;
  HubOptions& o = g.opt;
  const bool sub = o.mode != HubMode::pub;
  try {
    if (o.connections == 0) throw std::invalid_argument("-c must be >= 1");
    if (o.threads == 0) o.threads = 1;
    if (o.channels == 0) o.channels = 1;
    if (o.protocol == ProtocolChoice::automatic) o.protocol = ProtocolChoice::h1;
    if (!sub && o.protocol != ProtocolChoice::h1)
      throw std::invalid_argument("--hub pub: only HTTP/1.1 is implemented");
    if (o.protocol == ProtocolChoice::h3 && !(o.url.starts_with("https://") || o.url.starts_with("wss://")))
      throw std::invalid_argument("--h3 needs an https:// (or wss://) URL");
    if (!sub && o.publications == 0 && o.duration_s <= 0)
      throw std::invalid_argument("--hub pub: give -n publications or -D seconds");
    setup_target(g);
    g.channels = channel_names(o.channel, o.channels);
    for (auto& h : o.headers) g.extra_headers += h + "\r\n";
    if (sub && !o.api_key.empty()) g.extra_headers += "Authorization: apikey " + o.api_key + "\r\n";
  } catch (const std::exception& e) {
    std::fprintf(stderr, "strata load: %s\n", e.what());
    return 1;
  }

  // Several processes: the parent only spawns, waits and merges.
  if (sub && o.worker_index < 0) {
    unsigned k = o.processes ? o.processes : (o.connections + 15999) / 16000;
    k = std::clamp(k, 1u, o.connections);
    if (k > 1) return run_hub_workers(o, k);
  }
  if (o.worker_index >= 0 && o.worker_count > 0) {
    const unsigned k = o.worker_count, i = unsigned(o.worker_index);
    g.first = unsigned(std::uint64_t(o.connections) * i / k);
    g.last = unsigned(std::uint64_t(o.connections) * (i + 1) / k);
    o.ready_file = o.worker_dir + "/w" + std::to_string(i) + ".ready";
  } else {
    g.first = 0;
    g.last = o.connections;
  }
  const unsigned count = g.last - g.first;

  try {
    if (o.protocol == ProtocolChoice::h3) {
      for (unsigned i = 0; i < std::max(1u, o.threads); ++i)
        g.quic_tls.push_back(std::make_shared<quic_client::ClientTls>(o.verify_tls));
    } else if (g.target.tls) {
      g.tls = io::make_client_tls_context(
          o.verify_tls, {o.protocol == ProtocolChoice::h2 ? "h2" : "http/1.1"});
    }
    asio::io_context rio;
    asio::ip::tcp::resolver res(rio);
    boost::system::error_code ec;
    auto results = res.resolve(g.target.host, g.target.port, ec);
    if (ec) throw std::invalid_argument("cannot resolve " + g.target.host + ": " + ec.message());
    for (auto& e : results) g.endpoints.push_back(e.endpoint());
    if (g.endpoints.empty()) throw std::invalid_argument("no address for " + g.target.host);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "strata load: %s\n", e.what());
    return 1;
  }
  const auto& ep0 = g.endpoints.front();
  if (sub && o.protocol != ProtocolChoice::h3 && ep0.address().is_v4() && ep0.address().is_loopback()) {
    if (o.sources == 0) o.sources = 200;
    g.bind_sources = true;
  }

  const unsigned nt = std::max(1u, std::min(o.threads, std::max(1u, count)));
  std::vector<std::unique_ptr<HubThread>> threads;
  for (unsigned i = 0; i < nt; ++i) threads.push_back(std::make_unique<HubThread>(g, i));
  for (auto& t : threads) t->cap = std::max(1u, o.connect_concurrency / nt);
  const auto start = sclock::now();
  std::atomic<unsigned> pubs_done{0};
  if (sub) {
    for (unsigned i = g.first; i < g.last; ++i) threads[(i - g.first) % nt]->queue.push_back(i);
    for (auto& t : threads) asio::post(t->io, [tp = t.get()] { hub_launch_more(*tp); });
  } else {
    for (unsigned i = 0; i < o.connections; ++i) {
      HubThread& t = *threads[i % nt];
      asio::co_spawn(
          t.io,
          [&t, i, &pubs_done]() -> asio::awaitable<void> {
            co_await hub_publisher_h1(t, i);
            pubs_done.fetch_add(1);
          },
          asio::detached);
    }
  }

  // Control on thread 0: readiness, hold time, idle exit, signals.
  auto stop_all = [&] {
    if (g.stop.exchange(true)) return;
    for (auto& t : threads)
      asio::post(t->io, [tp = t.get()] {
        std::vector<std::function<void()>> v;
        for (auto& [k, f] : tp->live) v.push_back(f);
        for (auto& f : v) f();
      });
  };
  asio::signal_set signals(threads[0]->io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (!ec) stop_all();
  });
  asio::co_spawn(
      threads[0]->io,
      [&]() -> asio::awaitable<void> {
        asio::steady_timer tick(threads[0]->io);
        bool ready = false;
        sclock::time_point ready_at{};
        for (;;) {
          tick.expires_after(std::chrono::milliseconds(20));
          co_await tick.async_wait(asio::as_tuple(asio::use_awaitable));
          if (g.stop.load()) break;
          const auto now = sclock::now();
          if (!sub) {
            if (pubs_done.load() == o.connections) break;
            continue;
          }
          if (!ready && g.settled.load() >= count) {
            ready = true;
            ready_at = now;
            write_file(o.ready_file, "ready\n");
          }
          if (!ready) continue;
          if (o.duration_s > 0 && now - ready_at >= std::chrono::nanoseconds(std::int64_t(o.duration_s * 1e9)))
            break;
          const std::int64_t last = g.last_delivery_us.load(std::memory_order_relaxed);
          if (o.idle_exit_s > 0 && last > 0 &&
              std::int64_t(unix_us_now()) - last > std::int64_t(o.idle_exit_s * 1e6))
            break;
          if (o.messages && g.finished.load() >= count) break;
          if (o.duration_s <= 0 && o.idle_exit_s <= 0 && !o.messages && count == 0) break;
        }
        stop_all();
        boost::system::error_code ig;
        signals.cancel(ig);
      },
      asio::detached);

  std::vector<std::thread> ths;
  for (unsigned i = 1; i < nt; ++i) ths.emplace_back([&, i] { threads[i]->io.run(); });
  threads[0]->io.run();
  for (auto& th : ths) th.join();
  const double elapsed = std::chrono::duration<double>(sclock::now() - start).count();

  HubStats total;
  for (auto& t : threads) {
    t->st.attempted += t->queue.size();  // never started: unfinished
    t->st.unfinished += t->queue.size();
    total.merge(t->st);
  }
  HubRunInfo info;
  info.mode = o.mode == HubMode::ws ? "ws" : o.mode == HubMode::sse ? "sse" : "pub";
  info.protocol = o.protocol == ProtocolChoice::h2   ? "h2"
                  : o.protocol == ProtocolChoice::h3 ? "h3"
                                                     : "h1";
  info.connections = sub ? count : o.connections;
  info.processes = 1;
  info.threads = nt;
  info.channels = o.channels;
  info.elapsed_s = elapsed;
  info.rate = o.rate;
  info.payload = o.payload;
  const bool worker = o.worker_index >= 0;
  const std::string out = (o.json || worker) ? hub_report_json(total, info, worker)
                                             : hub_report_text(total, info);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  if (sub) return total.established > 0 ? 0 : 2;
  return total.published > 0 ? 0 : 2;
}

}  // namespace strata::tools::load
