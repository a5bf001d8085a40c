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

int month_of(std::string_view m) {
  for (int i = 0; i < 12; ++i)
    if (m == kMonths[i]) return i;
  return -1;
}

std::optional<std::time_t> make_time(int year, int mon, int day, int h, int m, int sec) {
  if (mon < 0 || day < 1 || day > 31 || h > 23 || m > 59 || sec > 60 || year < 1970)
    return std::nullopt;
  std::tm tm{};
  tm.tm_mday = day;
  tm.tm_mon = mon;
  tm.tm_year = year - 1900;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = sec;
  return timegm(&tm);
}

bool hms(std::string_view s, int& h, int& m, int& sec) {
  return s.size() == 8 && s[2] == ':' && s[5] == ':' && digits(s.substr(0, 2), h) &&
         digits(s.substr(3, 2), m) && digits(s.substr(6, 2), sec);
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
  int day, year, h, m, sec;
  if (!digits(s.substr(5, 2), day) || !digits(s.substr(12, 4), year) ||
      !hms(s.substr(17, 8), h, m, sec))
    return std::nullopt;
  return make_time(year, month_of(s.substr(8, 3)), day, h, m, sec);
}

std::optional<std::time_t> parse_http_date_any(std::string_view s) {
  if (auto t = parse_http_date(s)) return t;
  int day, year, h, m, sec;
  // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT" (two-digit years: 1970-2069).
  if (auto comma = s.find(", "); comma != std::string_view::npos && comma >= 6) {
    auto rest = s.substr(comma + 2);
    if (rest.size() == 22 && rest[2] == '-' && rest[6] == '-' && rest[9] == ' ' &&
        rest.substr(18) == " GMT" && digits(rest.substr(0, 2), day) &&
        digits(rest.substr(7, 2), year) && hms(rest.substr(10, 8), h, m, sec))
      return make_time(year < 70 ? 2000 + year : 1900 + year, month_of(rest.substr(3, 3)), day,
                       h, m, sec);
    return std::nullopt;
  }
  // asctime: "Sun Nov  6 08:49:37 1994".
  if (s.size() == 24 && s[3] == ' ' && s[7] == ' ' && s[10] == ' ' && s[19] == ' ') {
    auto d = s.substr(8, 2);
    if (d[0] == ' ') d.remove_prefix(1);
    if (digits(d, day) && hms(s.substr(11, 8), h, m, sec) && digits(s.substr(20, 4), year))
      return make_time(year, month_of(s.substr(4, 3)), day, h, m, sec);
  }
  return std::nullopt;
}

}  // namespace strata::http
