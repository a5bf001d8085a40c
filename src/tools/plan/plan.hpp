// `strata plan`: capacity planning. Prints the source's model (topic 23)
// exactly, with its mismatch and flaws (source_model.hpp), then the
// corrected model (wire_model.hpp), as a table or as JSON. With
// --from-metrics the measured CPU per request and memory per connection of
// a running strata replace the built-in figures. Runs on the calling
// thread (blocking only for --from-metrics).
#pragma once
#include <string>
#include <vector>

#include "tools/plan/source_model.hpp"
#include "tools/plan/wire_model.hpp"

namespace strata::tools::plan {

struct PlanOptions {
  SourceInputs source;                  // --users ... (shared inputs copied into `corrected`)
  PlanInputs corrected;
  bool cpu_set = false, memory_set = false, conns_set = false;  // given explicitly on the command line
  std::vector<std::string> request_headers, response_headers;   // "name: value"; replace the defaults
  std::string from_metrics;             // http://host:port[/metrics]
  double sample_s = 2;                  // seconds between the two /metrics samples
  bool json = false;
};

// Fills `corrected` from the shared inputs and the protocol's defaults.
// Throws std::invalid_argument on a bad header line or protocol.
void finish_options(PlanOptions& o);

// The report as text (table) or JSON; `measured` notes go in both.
std::string render_text(const PlanOptions& o, const SourceResult& s, const PlanResult& r,
                        const std::string& measured_note);
std::string render_json(const PlanOptions& o, const SourceResult& s, const PlanResult& r,
                        const std::string& measured_note);

// The whole command: 0 on success, 1 with a message on stderr otherwise.
int run_plan(PlanOptions o);

}  // namespace strata::tools::plan
