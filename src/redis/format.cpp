// RESP command encoding through hiredis (redis/format.hpp).
#include "redis/format.hpp"

#include <hiredis/hiredis.h>

#include <new>
#include <stdexcept>

namespace strata::redis {

void format_command(const std::vector<std::string>& args, std::string& out) {
  constexpr std::size_t kStack = 16;
  const char* argv_s[kStack];
  std::size_t len_s[kStack];
  std::vector<const char*> argv_h;
  std::vector<std::size_t> len_h;
  const char** argv = argv_s;
  std::size_t* lens = len_s;
  if (args.size() > kStack) {
    argv_h.resize(args.size());
    len_h.resize(args.size());
    argv = argv_h.data();
    lens = len_h.data();
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    argv[i] = args[i].data();
    lens[i] = args[i].size();
  }
  char* cmd = nullptr;
  int n = redisFormatCommandArgv(&cmd, static_cast<int>(args.size()), argv, lens);
  if (n < 0 || cmd == nullptr) throw std::bad_alloc();
  out.append(cmd, static_cast<std::size_t>(n));
  redisFreeCommand(cmd);
}

std::string format_command(const std::vector<std::string>& args) {
  std::string s;
  format_command(args, s);
  return s;
}

}  // namespace strata::redis
