// "host:port" parsing for config validation: the one parser lives in
// core/host_port.hpp (io/ and server/ use it too); these names keep
// config's callers unchanged.
#pragma once
#include "core/host_port.hpp"

namespace strata::config {

using core::HostPort;
using core::parse_host_port;
using core::valid_dns_name;

}  // namespace strata::config
