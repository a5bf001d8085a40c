// Loader entry points and the small top-level sections (workers, limits,
// timeouts, access_log, admin, state_dir).
#include "config/loader.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <yaml-cpp/eventhandler.h>

#include "config/address.hpp"
#include "config/parse.hpp"

namespace strata::config {
namespace {

std::string format_error(const Location& loc, const std::string& msg) {
  if (loc.line > 0) return fmt::format("{}:{}:{}: {}", loc.file, loc.line, loc.column, msg);
  return fmt::format("{}: {}", loc.file, msg);
}

std::string default_state_dir() {
  if (const char* s = std::getenv("STRATA_STATE_DIR"); s && *s) return s;
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.local/state/strata";
  return "/tmp/strata-state";
}

}  // namespace

ConfigError::ConfigError(Location loc, const std::string& msg)
    : std::runtime_error(format_error(loc, msg)), loc_(std::move(loc)) {}

namespace detail {

constexpr std::uint64_t kU32 = 0xffffffffull;

void parse_limits(const Doc& d, const Val& v, Limits& l) {
  MapReader m(d, v, "limits",
              {"max_request_line", "max_header_bytes", "max_headers", "max_body",
               "max_connections", "h2_max_concurrent_streams", "h2_initial_window",
               "h2_connection_window", "h2_max_frame_size", "h2_max_resets_per_second",
               "h2_max_control_frames_per_second", "h2_max_continuations", "stream_buffer",
               "h2_extended_connect"});
  constexpr std::uint64_t kWin = 0x7fffffffull;  // RFC 9113 6.9.1
  opt_size(m, "max_request_line", l.max_request_line, 64, 1024 * 1024);
  opt_size(m, "max_header_bytes", l.max_header_bytes, 256, 16 * 1024 * 1024);
  opt_uint(m, "max_headers", l.max_headers, 1, 10000);
  opt_size(m, "max_body", l.max_body, 0, UINT64_MAX);
  opt_uint(m, "max_connections", l.max_connections, 1, 10'000'000);
  opt_uint(m, "h2_max_concurrent_streams", l.h2_max_concurrent_streams, 1, kU32);
  opt_size(m, "h2_initial_window", l.h2_initial_window, 0, kWin);
  opt_size(m, "h2_connection_window", l.h2_connection_window, 65535, kWin);
  opt_size(m, "h2_max_frame_size", l.h2_max_frame_size, 16384, 16777215);
  opt_uint(m, "h2_max_resets_per_second", l.h2_max_resets_per_second, 1, kU32);
  opt_uint(m, "h2_max_control_frames_per_second", l.h2_max_control_frames_per_second, 1, kU32);
  opt_uint(m, "h2_max_continuations", l.h2_max_continuations, 0, kU32);
  opt_size(m, "stream_buffer", l.stream_buffer, 1024, kU32);
  opt_bool(m, "h2_extended_connect", l.h2_extended_connect);
}

void parse_timeouts(const Doc& d, const Val& v, Timeouts& t) {
  MapReader m(d, v, "timeouts",
              {"header", "idle", "body_idle", "route", "drain", "tls_handshake"});
  const Duration one(1);
  opt_duration(m, "header", t.header, one);
  opt_duration(m, "idle", t.idle, one);
  opt_duration(m, "body_idle", t.body_idle, one);
  opt_duration(m, "route", t.route, one);
  opt_duration(m, "drain", t.drain);  // 0 = stop at once
  opt_duration(m, "tls_handshake", t.tls_handshake, one);
}

namespace {

void parse_access_log(const Doc& d, const Val& v, AccessLog& a) {
  MapReader m(d, v, "access_log", {"enabled", "path", "format"});
  opt_bool(m, "enabled", a.enabled);
  if (auto p = m.get("path")) {
    a.path = as_string(d, *p, "path");
    if (a.path.empty()) d.fail(p->loc, "path: must not be empty (use \"-\" for stdout)");
    if (a.path != "-") a.path = d.resolve_path(a.path);
  }
  if (auto f = m.get("format")) a.format = as_enum(d, *f, "format", {"json", "combined"});
}

void parse_admin(const Doc& d, const Val& v, Config& c) {
  MapReader m(d, v, "admin", {"address"});
  Admin a;
  if (auto addr = m.get("address")) {
    a.address = as_string(d, *addr, "address");
    std::string err;
    auto hp = parse_host_port(a.address, true, &err);
    if (!hp) d.fail(addr->loc, "admin address: " + err);
    if (!hp->is_ip()) d.fail(addr->loc, "admin address: host must be an IP address");
    a.address = hp->to_string();
    for (const auto& l : c.listeners)
      if (hp->port != 0 && l.address == a.address)
        d.fail(addr->loc, fmt::format("admin address {} is already used by listener '{}'",
                                      a.address, l.name));
  }
  c.admin = a;
}

// Counts documents; remembers where the second one starts.
struct DocumentCounter final : YAML::EventHandler {
  int documents = 0;
  YAML::Mark second_start;
  void OnDocumentStart(const YAML::Mark& m) override {
    if (++documents == 2) second_start = m;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

std::shared_ptr<const Config> load_impl(std::string_view yaml, const Doc& d) {
  YAML::Node root;
  try {
    const std::string text(yaml);
    root = YAML::Load(text);
    // YAML::LoadAll can loop forever on some malformed inputs (yaml-cpp 0.7),
    // so look for a second document with a bounded walk over parser events.
    std::istringstream in(text);
    YAML::Parser parser(in);
    DocumentCounter counter;
    for (int i = 0; i < 2 && parser.HandleNextDocument(counter); ++i) {
    }
    if (counter.documents > 1)
      d.fail(d.at(counter.second_start),
             "only one YAML document is allowed (found a second '---')");
  } catch (const YAML::Exception& e) {
    Location loc = d.at(e.mark);
    d.fail(loc, "YAML syntax error: " + e.msg);
  }
  Val rv = root_val(d, root);
  if (root.IsNull()) d.fail(rv.loc, "the configuration is empty (expected a mapping with listeners)");
  // "hub" joins the expected keys of the unknown-key message only when the
  // file uses it (the message for other files stays as it was).
  const bool hub = MapReader(d, rv, "the configuration").has("hub");
  // Likewise "redis".
  const bool redis = MapReader(d, rv, "the configuration").has("redis");
  MapReader m = hub && redis ? MapReader(d, rv, "the configuration",
                                         {"workers", "listeners", "admin", "route_tables", "clusters",
                                          "limits", "timeouts", "access_log", "state_dir", "hub", "redis"}, {"security"})
              : redis ? MapReader(d, rv, "the configuration",
                                  {"workers", "listeners", "admin", "route_tables", "clusters",
                                   "limits", "timeouts", "access_log", "state_dir", "redis"}, {"security"})
              : hub ? MapReader(d, rv, "the configuration",
                                {"workers", "listeners", "admin", "route_tables", "clusters",
                                 "limits", "timeouts", "access_log", "state_dir", "hub"}, {"security"})
                    : MapReader(d, rv, "the configuration",
                                {"workers", "listeners", "admin", "route_tables", "clusters",
                                 "limits", "timeouts", "access_log", "state_dir"}, {"security"});
  auto c = std::make_shared<Config>();
  c->source = d.file;
  opt_uint(m, "workers", c->workers, 0, 256);
  if (auto s = m.get("state_dir")) {
    c->state_dir = as_string(d, *s, "state_dir");
    if (c->state_dir.empty()) d.fail(s->loc, "state_dir: must not be empty");
    c->state_dir = d.resolve_path(c->state_dir);
  } else {
    c->state_dir = default_state_dir();
  }
  if (auto v = m.get("limits")) parse_limits(d, *v, c->limits);
  if (auto v = m.get("timeouts")) parse_timeouts(d, *v, c->timeouts);
  if (auto v = m.get("access_log")) parse_access_log(d, *v, c->access_log);
  if (auto v = m.get("security")) parse_security(d, *v, *c);
  if (auto v = m.get("clusters")) parse_clusters(d, *v, *c);
  if (auto v = m.get("redis")) parse_redis(d, *v, *c);
  if (auto v = m.get("hub")) parse_hub(d, *v, *c);
  finish_hub(*c);
  if (auto v = m.get("route_tables")) parse_route_tables(d, *v, *c);
  parse_listeners(d, m.require("listeners"), *c);
  if (auto v = m.get("admin")) parse_admin(d, *v, *c);
  check_hub_broker(d, rv, *c);
  check_global_limits(d, rv, *c);
  return c;
}

}  // namespace
}  // namespace detail

std::shared_ptr<const Config> load_string(std::string_view yaml, std::string_view name) {
  detail::Doc d{std::string(name), ""};
  return detail::load_impl(yaml, d);
}

std::shared_ptr<const Config> load_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw ConfigError(Location{path, 0, 0}, "is a directory, not a config file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(Location{path, 0, 0}, "cannot open the file for reading");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw ConfigError(Location{path, 0, 0}, "error while reading the file");
  auto slash = path.rfind('/');
  detail::Doc d{path, slash == std::string::npos ? "" : path.substr(0, slash == 0 ? 1 : slash)};
  return detail::load_impl(ss.str(), d);
}

}  // namespace strata::config
