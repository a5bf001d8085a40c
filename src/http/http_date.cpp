#include "http/http_date.hpp"

#include <array>
#include <cstdio>

namespace strata::http {

namespace {
constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool digits(std::string_view s, int& out) {
  out = 0;
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  return true;
}
}  // namespace

std::string format_http_date(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday % 7],
                tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

std::optional<std::time_t> parse_http_date(std::string_view s) {
  // "Sun, 06 Nov 1994 08:49:37 GMT" is exactly 29 characters.
  if (s.size() != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' ||
      s[16] != ' ' || s[19] != ':' || s[22] != ':' || s.substr(25) != " GMT")
    return std::nullopt;
  std::tm tm{};
  int mon = -1;
  for (int i = 0; i < 12; ++i)
    if (s.substr(8, 3) == kMonths[i]) mon = i;
  int day, year, h, m, sec;
  if (mon < 0 || !digits(s.substr(5, 2), day) || !digits(s.substr(12, 4), year) ||
      !digits(s.substr(17, 2), h) || !digits(s.substr(20, 2), m) || !digits(s.substr(23, 2), sec))
    return std::nullopt;
  if (day < 1 || day > 31 || h > 23 || m > 59 || sec > 60 || year < 1970) return std::nullopt;
  tm.tm_mday = day;
  tm.tm_mon = mon;
  tm.tm_year = year - 1900;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = sec;
  return timegm(&tm);
}

}  // namespace strata::http
