// Publication payloads of `strata load --hub`: the publisher stamps its send
// time (unix microseconds) into every payload and the subscriber reads it
// back from whatever envelope the server wraps around it (strata's JSON push,
// an SSE data line, pushpin's or node ws's raw relay, even inside a JSON
// string), so one tool measures every server by the same method. Pure
// functions, no I/O; thread-free.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata::tools::load {

// The key that carries the send time.
inline constexpr std::string_view kStampKey = "t_us";

// A JSON object `{"t_us":<ts_us>,"pad":"xxx..."}` of exactly `size` bytes
// (or the unpadded object when `size` is smaller than that).
std::string make_payload(std::uint64_t ts_us, std::size_t size);

// Finds the first `t_us` key in `msg` (also escaped: `t_us\":`) and returns
// its number; nullopt when absent or not a number.
std::optional<std::uint64_t> find_stamp(std::string_view msg);

// `s` as a JSON string literal, quotes included.
std::string json_quote(std::string_view s);

// Expands a template: `{channel}` -> channel, `{payload}` -> payload,
// `{payload_str}` -> json_quote(payload), `{ts}` -> ts_us. Other text
// (including other braces) is kept as is.
std::string expand_template(std::string_view tpl, std::string_view channel,
                            std::string_view payload, std::uint64_t ts_us);

// The channel names of a run: `base` alone when count <= 1, otherwise
// base-0 .. base-(count-1).
std::vector<std::string> channel_names(const std::string& base, unsigned count);

// Unix time now in microseconds (system clock).
std::uint64_t unix_us_now();

}  // namespace strata::tools::load
