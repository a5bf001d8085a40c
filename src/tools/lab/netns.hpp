// `strata lab`: a two-namespace network for one experiment. Namespace
// "<prefix>-c" (client, 10.77.1.1) and "<prefix>-s" (server, 10.77.2.1),
// joined by a TunRelay (delay, loss) and, when `rate_mbit` > 0, a tbf qdisc
// on the server's device (rate in the server-to-client direction). Built
// with iproute2 (`ip`, `tc`); everything is removed by the destructor.
// Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN). Owner's thread.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "tools/lab/tun_relay.hpp"

namespace strata::tools::lab {

inline constexpr const char* kClientAddr = "10.77.1.1";
inline constexpr const char* kServerAddr = "10.77.2.1";

// Empty when this process may build namespaces, else why not (for the
// "needs root" message).
std::string lab_preflight();

// Runs a command (argv, no shell); returns its exit status. Output goes to
// `out` when non-null, else is discarded.
int run_command(const std::vector<std::string>& argv, std::string* out = nullptr);

class LabNet {
 public:
  explicit LabNet(LinkShape shape, double rate_mbit = 0);
  ~LabNet();
  LabNet(const LabNet&) = delete;
  LabNet& operator=(const LabNet&) = delete;

  const std::string& client_ns() const { return client_ns_; }
  const std::string& server_ns() const { return server_ns_; }
  // argv prefix that runs a program inside a namespace: {"ip","netns","exec",ns}.
  std::vector<std::string> in(const std::string& ns) const;
  TunRelay& relay() { return *relay_; }
  const std::string& client_dev() const { return client_dev_; }  // the TUN device in client_ns()
  const std::string& server_dev() const { return server_dev_; }
  std::string rate_note;  // how the rate limit was applied (or why not)

 private:
  std::string client_ns_, server_ns_, client_dev_, server_dev_;
  std::unique_ptr<TunRelay> relay_;
};

}  // namespace strata::tools::lab
