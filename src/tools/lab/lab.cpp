#include "tools/lab/lab.hpp"

#include <cstdio>
#include <stdexcept>

#include <unistd.h>

#include "tools/lab/breaker.hpp"
#include "tools/lab/handshake.hpp"
#include "tools/lab/hol.hpp"
#include "tools/lab/migration.hpp"
#include "tools/lab/netns.hpp"

namespace strata::tools::lab {

int run_lab(LabOptions o) {
  if (o.name != "handshake" && o.name != "breaker" && o.name != "hol" && o.name != "migration") {
    std::fprintf(stderr, "strata lab: unknown experiment '%s' (experiments: handshake, hol, migration, breaker)\n",
                 o.name.c_str());
    return 2;
  }
  if (auto why = lab_preflight(); !why.empty()) {
    std::fprintf(stderr, "%s\n", why.c_str());
    return 2;
  }
  if (o.self.empty()) {
    char buf[4096];
    const auto n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) {
      std::fprintf(stderr, "strata lab: cannot find its own binary\n");
      return 1;
    }
    o.self.assign(buf, std::size_t(n));
  }
  if (o.rtt_ms <= 0 || o.repeat == 0) {
    std::fprintf(stderr, "strata lab: --rtt and --repeat must be positive\n");
    return 2;
  }
  try {
    if (o.name == "breaker") return run_breaker(o);
    if (o.name == "hol") return run_hol(o);
    if (o.name == "migration") return run_migration(o);
    return run_handshake(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "strata lab %s: %s\n", o.name.c_str(), e.what());
    return 1;
  }
}

}  // namespace strata::tools::lab
