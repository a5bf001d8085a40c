// JSON string literal writer shared by every hand-built JSON text (access
// log lines, hub pushes, hub API replies): appends `s` quoted, with '"',
// '\\' and control characters (and DEL) escaped. UTF-8 bytes pass through
// as they are (invalid ones too: callers that need valid JSON validate
// earlier).
#pragma once
#include <string>
#include <string_view>

namespace strata::core {

void append_json_string(std::string& out, std::string_view s);

}  // namespace strata::core
