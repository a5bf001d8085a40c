#include "obs/metrics_json.hpp"

#include <cstdlib>
#include <map>

#include <nlohmann/json.hpp>

namespace strata::obs {

namespace {

using nlohmann::json;

// Parses `{a="x",b="y"}` (escapes \\ \" \n) into an object; `le` is returned apart.
json parse_labels(std::string_view s, std::string* le) {
  json out = json::object();
  std::size_t i = 0;
  while (i < s.size()) {
    auto eq = s.find('=', i);
    if (eq == std::string_view::npos || eq + 1 >= s.size() || s[eq + 1] != '"') break;
    std::string key(s.substr(i, eq - i));
    std::string value;
    std::size_t j = eq + 2;
    for (; j < s.size() && s[j] != '"'; ++j) {
      if (s[j] == '\\' && j + 1 < s.size()) {
        ++j;
        value += s[j] == 'n' ? '\n' : s[j];
      } else {
        value += s[j];
      }
    }
    if (key == "le") *le = value;
    else out[key] = value;
    i = j + 1;
    if (i < s.size() && s[i] == ',') ++i;
  }
  return out;
}

double number(std::string_view v) {
  std::string t(v);
  return std::strtod(t.c_str(), nullptr);
}

}  // namespace

std::string metrics_json(std::string_view text) {
  json out = json::object();
  // histogram family -> label set (dumped) -> sample index
  std::map<std::string, std::map<std::string, std::size_t>> hist_index;
  auto family = [&](const std::string& name) -> json& {
    if (!out.contains(name)) out[name] = {{"type", "untyped"}, {"help", ""}, {"samples", json::array()}};
    return out[name];
  };
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (line.empty()) continue;
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
      auto rest = line.substr(7);
      auto sp = rest.find(' ');
      if (sp == std::string_view::npos) continue;
      auto& f = family(std::string(rest.substr(0, sp)));
      f[line[2] == 'H' ? "help" : "type"] = std::string(rest.substr(sp + 1));
      continue;
    }
    if (line[0] == '#') continue;
    auto name_end = line.find_first_of("{ ");
    if (name_end == std::string_view::npos) continue;
    std::string name(line.substr(0, name_end));
    std::string le;
    json labels = json::object();
    std::string_view value;
    if (line[name_end] == '{') {
      auto close = line.rfind("} ");
      if (close == std::string_view::npos) continue;
      labels = parse_labels(line.substr(name_end + 1, close - name_end - 1), &le);
      value = line.substr(close + 2);
    } else {
      value = line.substr(name_end + 1);
    }
    // A histogram's _bucket/_sum/_count lines go into one sample of the family.
    std::string base, part;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string_view sfx(suffix);
      if (name.size() > sfx.size() && name.compare(name.size() - sfx.size(), sfx.size(), sfx) == 0) {
        auto b = name.substr(0, name.size() - sfx.size());
        if (out.contains(b) && out[b]["type"] == "histogram") {
          base = b;
          part = std::string(sfx.substr(1));
        }
        break;
      }
    }
    if (base.empty()) {
      family(name)["samples"].push_back({{"labels", labels}, {"value", number(value)}});
      continue;
    }
    auto& f = out[base];
    auto key = labels.dump();
    auto& idx = hist_index[base];
    auto it = idx.find(key);
    if (it == idx.end()) {
      it = idx.emplace(key, f["samples"].size()).first;
      f["samples"].push_back({{"labels", labels}, {"count", 0}, {"sum", 0.0}, {"buckets", json::array()}});
      if (!f.contains("bounds")) f["bounds"] = json::array();
    }
    auto& s = f["samples"][it->second];
    if (part == "bucket") {
      s["buckets"].push_back(number(value));
      if (it->second == 0) f["bounds"].push_back(le);
    } else if (part == "sum") {
      s["sum"] = number(value);
    } else {
      s["count"] = number(value);
    }
  }
  return out.dump();
}

}  // namespace strata::obs
