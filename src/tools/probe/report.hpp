// Rendering of probe results: text with a terminal waterfall, and JSON.
#pragma once
#include <string>
#include <vector>

#include "tools/probe/probe.hpp"

namespace strata::tools::probe {

// Median-per-phase timings over the successful attempts (the first attempt's
// when none succeeded); used for the diagnosis.
PhaseTimes summary_phases(const std::vector<Attempt>& as);

// A bar per phase, positioned on a shared time axis `width` columns wide.
std::string waterfall(const Attempt& a, int width = 50);

std::string report_text(const std::string& url, const std::vector<Attempt>& as,
                        const std::vector<Finding>& diag);
std::string report_json(const std::string& url, const std::vector<Attempt>& as,
                        const std::vector<Finding>& diag);

}  // namespace strata::tools::probe
