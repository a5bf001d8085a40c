#include "tools/load/hub_payload.hpp"

#include <chrono>
#include <cstdio>

namespace strata::tools::load {

std::string make_payload(std::uint64_t ts_us, std::size_t size) {
  std::string p = "{\"t_us\":" + std::to_string(ts_us) + ",\"pad\":\"";
  const std::size_t tail = 2;  // "}
  if (p.size() + tail < size) p.append(size - p.size() - tail, 'x');
  p += "\"}";
  return p;
}

std::optional<std::uint64_t> find_stamp(std::string_view msg) {
  std::size_t pos = 0;
  while ((pos = msg.find(kStampKey, pos)) != std::string_view::npos) {
    std::size_t i = pos + kStampKey.size();
    pos = i;
    // Skip the closing quote (maybe escaped), blanks and the colon.
    bool colon = false;
    while (i < msg.size() && i - pos < 6) {
      const char c = msg[i];
      if (c == ':') {
        colon = true;
        ++i;
        break;
      }
      if (c != '"' && c != '\\' && c != ' ') break;
      ++i;
    }
    if (!colon) continue;
    while (i < msg.size() && msg[i] == ' ') ++i;
    std::uint64_t v = 0;
    std::size_t digits = 0;
    while (i < msg.size() && msg[i] >= '0' && msg[i] <= '9' && digits < 20) {
      v = v * 10 + std::uint64_t(msg[i] - '0');
      ++i;
      ++digits;
    }
    if (digits) return v;
  }
  return std::nullopt;
}

std::string json_quote(std::string_view s) {
  std::string o;
  o.reserve(s.size() + 8);
  o.push_back('"');
  for (const char c : s) {
    switch (c) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\r': o += "\\r"; break;
      case '\t': o += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char b[8];
          std::snprintf(b, sizeof b, "\\u%04x", unsigned(static_cast<unsigned char>(c)));
          o += b;
        } else {
          o.push_back(c);
        }
    }
  }
  o.push_back('"');
  return o;
}

std::string expand_template(std::string_view tpl, std::string_view channel,
                            std::string_view payload, std::uint64_t ts_us) {
  std::string o;
  o.reserve(tpl.size() + payload.size() + channel.size() + 8);
  std::size_t i = 0;
  while (i < tpl.size()) {
    const auto open = tpl.find('{', i);
    if (open == std::string_view::npos) {
      o.append(tpl.substr(i));
      break;
    }
    o.append(tpl.substr(i, open - i));
    const auto rest = tpl.substr(open);
    if (rest.starts_with("{channel}")) {
      o.append(channel);
      i = open + 9;
    } else if (rest.starts_with("{payload_str}")) {
      o += json_quote(payload);
      i = open + 13;
    } else if (rest.starts_with("{payload}")) {
      o.append(payload);
      i = open + 9;
    } else if (rest.starts_with("{ts}")) {
      o += std::to_string(ts_us);
      i = open + 4;
    } else {
      o.push_back('{');
      i = open + 1;
    }
  }
  return o;
}

std::vector<std::string> channel_names(const std::string& base, unsigned count) {
  std::vector<std::string> v;
  if (count <= 1) {
    v.push_back(base);
    return v;
  }
  v.reserve(count);
  for (unsigned i = 0; i < count; ++i) v.push_back(base + "-" + std::to_string(i));
  return v;
}

std::uint64_t unix_us_now() {
  return std::uint64_t(std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count());
}

}  // namespace strata::tools::load
