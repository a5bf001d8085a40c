// Loader entry points and the small top-level sections (workers, limits,
// timeouts, access_log, admin, state_dir).
#include "config/loader.hpp"

#include <fmt/format.h>

#include <arpa/inet.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <yaml-cpp/eventhandler.h>

#include "config/address.hpp"
#include "config/parse.hpp"
#include "config/redact.hpp"

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

void parse_limits(const Doc& d, const Val& v, Limits& l) {
  MapReader m(d, v, "limits",
              {"max_request_line", "max_header_bytes", "max_headers", "max_body",
               "max_connections", "h2_max_concurrent_streams", "h2_initial_window",
               "h2_connection_window", "h2_max_frame_size", "h2_max_resets_per_second",
               "h2_max_control_frames_per_second", "h2_max_continuations", "stream_buffer",
               "h2_extended_connect", "send_batch_bytes"});
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
  opt_size(m, "send_batch_bytes", l.send_batch_bytes, 0, 64 * 1024 * 1024);
  if (l.send_batch_bytes != 0 && l.send_batch_bytes < 4096)
    d.fail(m.get("send_batch_bytes")->loc, "limits.send_batch_bytes: 0 (off) or at least 4KiB");
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

// admin.auth: a bearer token (inline or from a file) and/or a client
// certificate (the admin listener then speaks TLS with cert_file/key_file
// and requires a client certificate signed by client_ca_file). Messages
// never quote the token.
AdminAuth parse_admin_auth(const Doc& d, const Val& v) {
  MapReader m(d, v, "admin.auth", {"token", "token_file", "client_ca_file", "cert_file", "key_file"});
  AdminAuth a;
  if (auto t = m.get("token")) {
    a.token = as_string(d, *t, "token");
    if (a.token == kRedacted)
      d.fail(t->loc, "token: this is the placeholder /config shows; give the real token (or token_file)");
    if (a.token.size() < 16) d.fail(t->loc, "token: must be at least 16 characters");
    for (unsigned char ch : a.token)
      if (ch <= 0x20 || ch >= 0x7f)
        d.fail(t->loc, "token: only visible ASCII characters (no spaces or control characters) are allowed");
  }
  auto readable = [&](const Val& f, std::string_view what) {
    std::string p = d.resolve_path(as_string(d, f, what));
    if (p.empty() || !std::ifstream(p)) d.fail(f.loc, fmt::format("{}: cannot read '{}'", what, p));
    return p;
  };
  if (auto f = m.get("token_file")) {
    if (!a.token.empty()) d.fail(f->loc, "token_file: give token or token_file, not both");
    a.token_file = readable(*f, "token_file");
  }
  // cert_file + key_file: the admin listener speaks TLS (with a token: the
  // token does not cross the network in clear); + client_ca_file: and
  // requires a client certificate.
  const auto ca = m.get("client_ca_file"), cert = m.get("cert_file"), key = m.get("key_file");
  if (ca || cert || key) {
    const Val& first = ca ? *ca : cert ? *cert : *key;
    if (!cert || !key)
      d.fail(first.loc, ca ? "admin.auth: client certificates need client_ca_file, cert_file and key_file together"
                           : "admin.auth: TLS needs cert_file and key_file together");
    if (ca) a.client_ca_file = readable(*ca, "client_ca_file");
    a.cert_file = readable(*cert, "cert_file");
    a.key_file = readable(*key, "key_file");
  }
  if (a.token.empty() && a.token_file.empty() && a.client_ca_file.empty())
    d.fail(m.loc(), "admin.auth: give token, token_file, or client_ca_file with cert_file and key_file");
  return a;
}

// True for 127.0.0.0/8 and ::1 (IPv4-mapped loopback too). `host` is an
// IP literal without brackets.
bool loopback_host(const std::string& host) {
  unsigned char b[16];
  if (::inet_pton(AF_INET, host.c_str(), b) == 1) return b[0] == 127;
  if (::inet_pton(AF_INET6, host.c_str(), b) != 1) return false;
  static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(b, kMapped, 12) == 0) return b[12] == 127;
  for (int i = 0; i < 15; ++i)
    if (b[i] != 0) return false;
  return b[15] == 1;
}

void parse_admin(const Doc& d, const Val& v, Config& c) {
  MapReader m(d, v, "admin", {"address"}, {"auth"});
  Admin a;
  std::optional<Location> addr_loc;
  bool loopback = true;  // the default address is 127.0.0.1:9901
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
    addr_loc = addr->loc;
    loopback = loopback_host(hp->host);
  }
  const auto auth = m.get("auth");
  if (auth) a.auth = parse_admin_auth(d, *auth);
  if (!loopback && !auth)
    d.fail(*addr_loc, fmt::format("admin address {} is not a loopback address: set admin.auth "
                                  "(token, token_file, or client_ca_file with cert_file and key_file)",
                                  a.address));
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
                                          "limits", "timeouts", "access_log", "state_dir", "hub", "redis"}, {"security", "cache"})
              : redis ? MapReader(d, rv, "the configuration",
                                  {"workers", "listeners", "admin", "route_tables", "clusters",
                                   "limits", "timeouts", "access_log", "state_dir", "redis"}, {"security", "cache"})
              : hub ? MapReader(d, rv, "the configuration",
                                {"workers", "listeners", "admin", "route_tables", "clusters",
                                 "limits", "timeouts", "access_log", "state_dir", "hub"}, {"security", "cache"})
                    : MapReader(d, rv, "the configuration",
                                {"workers", "listeners", "admin", "route_tables", "clusters",
                                 "limits", "timeouts", "access_log", "state_dir"}, {"security", "cache"});
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
  if (auto v = m.get("cache")) c->cache = parse_cache_storage(d, *v);
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
