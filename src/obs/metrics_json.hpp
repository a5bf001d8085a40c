// The metrics registry as JSON, for the admin dashboard (/stats): the
// Prometheus text of Registry::render() (and render_process_metrics())
// regrouped by family. Shape: {"name": {"type": "counter"|"gauge"|
// "histogram"|"untyped", "help": ..., "samples": [{"labels": {...},
// "value": N}]}}; a histogram sample has "count", "sum" and "buckets"
// (cumulative counts as in Prometheus, one per "bounds" entry, the last
// bound "+Inf"). Pure function, any thread.
#pragma once
#include <string>
#include <string_view>

namespace strata::obs {

std::string metrics_json(std::string_view prometheus_text);

}  // namespace strata::obs
