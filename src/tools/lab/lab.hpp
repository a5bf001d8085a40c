// `strata lab NAME`: the source material's claims as reproducible
// experiments, each on its own two-namespace network (netns.hpp) with
// strata inside, printing a table, a verdict with its confidence
// (repetitions, spread) and an SVG chart: `handshake` (handshake.hpp),
// `hol` (hol.hpp), `migration` (migration.hpp) and `breaker` (breaker.hpp). Needs root; says so and exits 2 without it. Blocking,
// on the calling thread (plus the relay's thread).
#pragma once
#include <string>

namespace strata::tools::lab {

struct LabOptions {
  std::string name;          // handshake | breaker | hol | migration
  double rtt_ms = 50;        // added round-trip time
  double rtt2_ms = 200;      // hol: the second round-trip time
  std::string losses = "0,0.5,1,2,5";  // hol: packet loss percentages (each direction)
  unsigned repeat = 5;       // repetitions per variant
  std::string svg = "";      // chart path; default "<name>.svg" in the current directory
  bool json = false;
  std::string self;          // this binary (absolute), run inside the namespaces
};

int run_lab(LabOptions o);

}  // namespace strata::tools::lab
