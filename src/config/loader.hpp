// YAML -> validated Config. Every error names file:line:column.
#pragma once
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace strata::config {

class ConfigError : public std::runtime_error {
 public:
  ConfigError(Location loc, const std::string& msg);
  const Location& where() const { return loc_; }
 private:
  Location loc_;
};

// Throws ConfigError. `name` is used as the file name in messages.
std::shared_ptr<const Config> load_string(std::string_view yaml, std::string_view name);
std::shared_ptr<const Config> load_file(const std::string& path);

// The embedded default served by `strata serve` with no -c.
std::string_view embedded_default_yaml();

// The effective config as JSON (for the admin /config endpoint).
std::string to_json(const Config& c);

}  // namespace strata::config
