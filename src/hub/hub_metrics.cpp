#include "hub/hub_metrics.hpp"

#include <string>

namespace strata::hub {

HubMetrics& HubMetrics::get() {
  static HubMetrics m{
      obs::gauge("strata_hub_channels", "Hub channels with state (subscribers or history) on their owner"),
      obs::gauge("strata_hub_subscriptions", "Active hub client subscriptions"),
      obs::counter("strata_hub_publications_total", "Publications accepted by the hub"),
      obs::counter("strata_hub_deliveries_total", "Pushes handed to hub clients"),
      obs::counter("strata_hub_drops_total", "Pushes dropped from a full output queue (skip_to_latest)"),
      obs::counter("strata_hub_slow_consumers_total", "Hub clients disconnected because their output queue was full"),
      obs::counter("strata_hub_recoveries_total", "Subscriptions asking for recovery, by outcome",
                   {{"outcome", "recovered"}}),
      obs::counter("strata_hub_recoveries_total", "Subscriptions asking for recovery, by outcome",
                   {{"outcome", "not_recovered"}}),
      obs::histogram("strata_hub_delivery_latency_seconds", "Time from publish to Client::push"),
      obs::gauge("strata_hub_broker_up", "Hub workers whose Redis connection is up (broker redis)"),
      obs::counter("strata_hub_broker_publishes_total", "Hub publications by where their position came from",
                   {{"result", "redis"}}),
      obs::counter("strata_hub_broker_publishes_total", "Hub publications by where their position came from",
                   {{"result", "local_fallback"}}),
      obs::counter("strata_hub_broker_publishes_total", "Hub publications by where their position came from",
                   {{"result", "error"}}),
      obs::counter("strata_hub_broker_gaps_total", "Gaps in a channel's stream seen by the owner, by outcome",
                   {{"result", "recovered"}}),
      obs::counter("strata_hub_broker_gaps_total", "Gaps in a channel's stream seen by the owner, by outcome",
                   {{"result", "not_recovered"}}),
      obs::counter("strata_hub_broker_duplicates_total", "Publications from Redis dropped as already delivered"),
      obs::counter("strata_hub_broker_bad_messages_total", "Malformed Redis replies or pub/sub payloads (hub)"),
      obs::histogram("strata_hub_fanout_seconds",
                     "Hub fan-out on a worker (h1 WebSocket): first connection given pushes -> last of that batch written"),
  };
  return m;
}

obs::Gauge& connections_gauge(std::string_view transport) {
  return obs::gauge("strata_hub_connections", "Open hub client connections by transport",
                    {{"transport", std::string(transport)}});
}

}  // namespace strata::hub
