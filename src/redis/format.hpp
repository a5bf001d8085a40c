// A command in RESP (an array of bulk strings), made by hiredis's
// redisFormatCommandArgv. Binary-safe arguments.
// Thread: any (pure function).
#pragma once
#include <string>
#include <vector>

namespace strata::redis {

// Appends the RESP encoding of `args` to `out`.
void format_command(const std::vector<std::string>& args, std::string& out);
std::string format_command(const std::vector<std::string>& args);

}  // namespace strata::redis
