#include "tools/probe/probe.hpp"

#include <cstdio>
#include <memory>
#include <stdexcept>

#include "tools/load/options.hpp"
#include "tools/probe/probe_h3.hpp"
#include "tools/probe/probe_tcp.hpp"
#include "tools/quic_client/client_tls.hpp"
#include "tools/probe/report.hpp"

namespace strata::tools::probe {

int run_probe(const ProbeOptions& opt) {
  load::Target target;
  std::unique_ptr<ProbeTls> tls;
  std::unique_ptr<quic_client::ClientTls> qtls;  // --h3: 0-RTT across -n attempts
  try {
    target = load::parse_target({opt.url});
    if (opt.protocol == Proto::h3) {
      if (!target.tls) throw std::invalid_argument("--h3 needs an https:// URL");
      qtls = std::make_unique<quic_client::ClientTls>(false);
    } else if (target.tls) {
      tls = std::make_unique<ProbeTls>(opt.protocol);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "strata probe: %s\n", e.what());
    return 1;
  }
  std::vector<Attempt> attempts;
  const unsigned n = opt.count ? opt.count : 1;
  for (unsigned i = 0; i < n; ++i)
    attempts.push_back(qtls ? probe_h3(opt, target, *qtls) : probe_tcp(opt, target, tls.get()));
  const auto diag = diagnose(summary_phases(attempts), opt.thresholds);
  const std::string out = opt.json ? report_json(opt.url, attempts, diag)
                                   : report_text(opt.url, attempts, diag);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  for (auto& a : attempts)
    if (a.error.empty()) return 0;
  return 2;
}

}  // namespace strata::tools::probe
