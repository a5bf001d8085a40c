#include "tools/lab/lab.hpp"

#include <cstdio>
#include <stdexcept>

#include <unistd.h>

#include "tools/lab/breaker.hpp"
#include "tools/lab/handshake.hpp"
#include "tools/lab/netns.hpp"

namespace strata::tools::lab {

int run_lab(LabOptions o) {
  if (o.name != "handshake" && o.name != "breaker") {
    std::fprintf(stderr, "strata lab: unknown or not yet implemented experiment '%s' (implemented: handshake, breaker)\n",
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
    return o.name == "breaker" ? run_breaker(o) : run_handshake(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "strata lab %s: %s\n", o.name.c_str(), e.what());
    return 1;
  }
}

}  // namespace strata::tools::lab
