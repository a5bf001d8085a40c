// The hub's metrics (strata_hub_*), looked up once. Counters are process
// wide; hot paths add per batch, not per delivery.
// Thread: any (relaxed atomics).
#pragma once
#include <string_view>

#include "obs/metrics.hpp"

namespace strata::hub {

struct HubMetrics {
  obs::Gauge& channels;             // strata_hub_channels: channels with state on their owner
  obs::Gauge& subscriptions;        // strata_hub_subscriptions: active client subscriptions
  obs::Counter& publications;       // strata_hub_publications_total
  obs::Counter& deliveries;         // strata_hub_deliveries_total: Client::push() calls
  obs::Counter& drops;              // strata_hub_drops_total: pushes dropped (skip_to_latest)
  obs::Counter& slow_consumers;     // strata_hub_slow_consumers_total: disconnected as slow
  obs::Counter& recovered;          // strata_hub_recoveries_total{outcome="recovered"}
  obs::Counter& not_recovered;      // strata_hub_recoveries_total{outcome="not_recovered"}
  obs::Histogram& latency;          // strata_hub_delivery_latency_seconds: publish -> Client::push
  // Multi-node broker (hub/broker/):
  obs::Gauge& broker_up;            // strata_hub_broker_up: workers whose Redis connection is up
  obs::Counter& broker_publish_redis;     // strata_hub_broker_publishes_total{result="redis"}
  obs::Counter& broker_publish_fallback;  // ...{result="local_fallback"}: Redis down, positions kept locally
  obs::Counter& broker_publish_error;     // ...{result="error"}: Redis refused (script error, bad reply); the publish then falls back locally
  obs::Counter& broker_gap_recovered;     // strata_hub_broker_gaps_total{result="recovered"}: filled from the stream
  obs::Counter& broker_gap_not_recovered; // ...{result="not_recovered"}: subscribers got a resync push
  obs::Counter& broker_duplicates;  // strata_hub_broker_duplicates_total: publications dropped as already delivered
  obs::Counter& broker_bad_replies; // strata_hub_broker_bad_messages_total: malformed replies / pub/sub payloads
  obs::Histogram& fanout;           // strata_hub_fanout_seconds: one fan-out on a worker's h1 WebSocket fast
                                    // path, first connection queued -> last of its generation written
                                    // (transport/flush_queue.hpp)
  static HubMetrics& get();
};

// strata_hub_connections{transport="<transport>"}: transports add(1) on
// connect and sub(1) on close. Look it up once per transport kind (e.g.
// "websocket_h1", "websocket_h2", "websocket_h3", "sse_h1", "sse_h2",
// "sse_h3") and keep the reference.
obs::Gauge& connections_gauge(std::string_view transport);

}  // namespace strata::hub
