#include "tools/lab/files_site.hpp"

#include <fstream>

#include <fmt/format.h>

#include "tools/lab/netns.hpp"

namespace strata::tools::lab {

void write_pattern_file(const std::string& path, std::size_t size, std::uint64_t seed) {
  std::string bytes(size, '\0');
  std::uint64_t x = seed;
  for (auto& ch : bytes) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    ch = static_cast<char>(x);
  }
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string write_files_site(const std::string& dir, bool admin, const std::string& congestion) {
  std::string ignored;
  run_command({"mkdir", "-p", dir + "/www"}, &ignored);
  const std::string cfg = dir + "/strata.yaml";
  std::ofstream(cfg) << fmt::format(R"(workers: 1
state_dir: "{0}/state"
{2}listeners:
  - name: tls
    address: "{1}:8443"
    tls: {{self_signed: true}}
    protocols: [h1, h2, h3]
    routes: main
{3}route_tables:
  main:
    - files: {{root: "{0}/www"}}
)",
                                    dir, kServerAddr,
                                    admin ? "admin: {address: \"127.0.0.1:9901\"}  # the server namespace's loopback\n" : "",
                                    congestion.empty() ? std::string() : "    quic: {congestion: " + congestion + "}\n");
  return cfg;
}

}  // namespace strata::tools::lab
