// `strata lab migration`: a download across a change of the client's
// address. The claim (source topic 4): connection migration keeps a
// download going across an address change (HTTP/3), where a TCP connection
// (HTTP/2) breaks and must be restarted. One strata (`serve`, files; the
// server's direction limited by tbf so the download lasts a few seconds)
// in the server namespace. In the client namespace the client's address
// changes mid-download as on a Wi-Fi to mobile handover: a new address
// (10.77.1.2) comes up and becomes the route's source, and 0.8 s later the
// old one (10.77.1.1) goes away.
//   h3: gtlsclient (Debian's ngtcp2 client) with --change-local-addr moves
//       to a new socket (on the new address) between the two events and
//       continues the same QUIC connection there; strata validates the new
//       path (strata_quic_migrations_total).
//   h2: curl --http2; its TCP connection is bound to the old address, so it
//       stalls when that goes; curl gives up after a 2 s stall (--speed-time;
//       browsers wait longer) and a second curl resumes the file with a
//       Range request on a new connection (-C -), the best an HTTP/2 client
//       can do.
// Each is also run without the change (baseline); both files are checked
// against the served bytes.
#pragma once
#include <string>
#include <vector>

#include "tools/lab/lab.hpp"

namespace strata::tools::lab {

struct MigrationRun {
  double baseline_ms = -1;   // download without an address change
  double changed_ms = -1;    // download with the change (both curls for h2)
  bool intact = false;       // the bytes match (with the change)
  unsigned connections = 0;  // connections the download needed with the change
  double migrations = 0;     // h3: strata_quic_migrations_total moved by this run
};

struct MigrationVariant {
  std::string proto;         // h2 | h3
  std::vector<MigrationRun> runs;
};

struct MigrationResult {
  double rtt_ms = 0, change_after_ms = 0, rate_mbit = 0, size_mib = 0;
  std::vector<MigrationVariant> variants;  // h2, h3
  bool h3_continues = false;  // every h3 run: intact, one connection, >= 1 migration
  bool h2_restarts = false;   // every h2 run needed a second connection
  bool confirmed = false;
  std::string verdict, confidence;
};

// Pure parts (tests).
void judge(MigrationResult& r);
std::string migration_table(const MigrationResult& r);
std::string migration_json(const MigrationResult& r);
std::string migration_svg(const MigrationResult& r);

int run_migration(const LabOptions& o);

}  // namespace strata::tools::lab
