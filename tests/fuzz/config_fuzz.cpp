// libFuzzer target: arbitrary bytes through the config loader. Any input
// must either load or throw ConfigError; anything else (crash, other
// exception, sanitizer report) is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    auto cfg = strata::config::load_string(text, "fuzz.yaml");
    (void)strata::config::to_json(*cfg);
  } catch (const strata::config::ConfigError&) {
  }
  return 0;
}
