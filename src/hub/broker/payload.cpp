#include "hub/broker/payload.hpp"

#include <charconv>

namespace strata::hub::broker {
namespace {

void append_num(std::string& out, std::uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// Reads an unsigned decimal up to ':' (consumed).
template <class T>
bool take_num(std::string_view& s, T& v) {
  auto colon = s.find(':');
  if (colon == 0 || colon == std::string_view::npos || colon > 20) return false;
  auto r = std::from_chars(s.data(), s.data() + colon, v);
  if (r.ec != std::errc{} || r.ptr != s.data() + colon) return false;
  s.remove_prefix(colon + 1);
  return true;
}

bool take_user(std::string_view& s, std::string& user) {
  std::size_t n = 0;
  if (!take_num(s, n) || n > s.size()) return false;
  user.assign(s.substr(0, n));
  s.remove_prefix(n);
  return true;
}

}  // namespace

std::string encode_publication(const Pub& p) {
  std::string s;
  s.reserve(p.data.size() + p.epoch.size() + 44);
  s += 'p';
  append_num(s, p.offset);
  s += ':';
  s += p.epoch;
  s += ':';
  append_num(s, std::uint64_t(p.published_us));
  s += ':';
  s += p.data;
  return s;
}

std::string encode_member(std::string_view user, std::string_view info) {
  std::string s;
  s.reserve(user.size() + info.size() + 8);
  append_num(s, user.size());
  s += ':';
  s += user;
  s += info;
  return s;
}

bool decode_member(std::string_view v, std::string& user, std::string& info) {
  if (!take_user(v, user)) return false;
  info.assign(v);
  return true;
}

std::string encode_join(ClientId client, std::string_view user, std::string_view info) {
  std::string s = "j";
  append_num(s, client);
  s += ':';
  s += encode_member(user, info);
  return s;
}

std::string encode_leave(ClientId client, std::string_view user) {
  std::string s = "l";
  append_num(s, client);
  s += ':';
  s += encode_member(user, {});
  return s;
}

bool decode(std::string_view s, Message& out) {
  if (s.empty()) return false;
  char kind = s[0];
  s.remove_prefix(1);
  switch (kind) {
    case 'p': {
      out.kind = Message::Kind::publication;
      if (!take_num(s, out.pub.offset) || out.pub.offset == 0) return false;
      auto colon = s.find(':');
      if (colon == 0 || colon == std::string_view::npos) return false;
      out.pub.epoch.assign(s.substr(0, colon));
      s.remove_prefix(colon + 1);
      std::uint64_t ts = 0;
      if (!take_num(s, ts)) return false;
      out.pub.published_us = std::int64_t(ts);
      out.pub.data.assign(s);
      return true;
    }
    case 'j':
    case 'l': {
      out.kind = kind == 'j' ? Message::Kind::join : Message::Kind::leave;
      if (!take_num(s, out.client)) return false;
      if (!take_user(s, out.user)) return false;
      out.info.assign(s);
      return kind == 'j' || out.info.empty();
    }
    default:
      return false;
  }
}

}  // namespace strata::hub::broker
