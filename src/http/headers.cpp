#include "http/headers.hpp"

#include <algorithm>
#include <cstring>

#include "core/swar.hpp"

namespace strata::http {

std::string to_lower(std::string_view s) {
  std::string out(s.size(), '\0');
  core::swar::copy_lower(out.data(), s.data(), s.size());
  return out;
}

namespace {
constexpr std::size_t kFirstBlock = 512;
// clear() keeps at most this much (a long-lived request object that once
// carried a huge header section does not hold on to it).
constexpr std::size_t kKeepOnClear = 4096;
constexpr char kEmpty[1] = {};  // non-null data() for empty fields
// Room a copy leaves after the copied bytes (see operator=).
constexpr std::size_t kCopySlack = 256;
}  // namespace

Headers::Headers(const Headers& o) { *this = o; }

Headers& Headers::operator=(const Headers& o) {
  if (this == &o) return *this;
  items_.clear();
  const std::size_t bytes = o.byte_size();
  // A list assigned again and again (a reused upstream request) keeps its
  // block when the copy fits; a new block leaves room for the fields a
  // proxy adds (forwarding headers) so they do not need another one.
  if (blocks_.size() == 1 && blocks_.front().size >= bytes && blocks_.front().size <= kKeepOnClear) {
    blocks_.front().used = 0;
  } else {
    blocks_.clear();
    if (bytes) {
      const std::size_t size = bytes + kCopySlack;
      blocks_.push_back(Block{std::unique_ptr<char[]>(new char[size]), size, 0});
    }
  }
  items_.reserve(o.items_.size());
  for (const auto& h : o.items_) items_.push_back(Header{store(h.name, false), store(h.value, false)});
  return *this;
}

void Headers::clear() {
  items_.clear();
  std::size_t total = 0;
  for (const auto& b : blocks_) total += b.size;
  if (total > kKeepOnClear) {
    blocks_.clear();
  } else if (blocks_.size() > 1) {  // one block holding what all of them held
    blocks_.clear();
    blocks_.push_back(Block{std::unique_ptr<char[]>(new char[total]), total, 0});
  } else if (!blocks_.empty()) {
    blocks_.front().used = 0;
  }
}

std::string_view Headers::store(std::string_view s, bool to_lower_case) {
  if (s.empty()) return {kEmpty, 0};
  if (blocks_.empty() || blocks_.back().size - blocks_.back().used < s.size()) {
    const std::size_t size =
        std::max(s.size(), blocks_.empty() ? kFirstBlock : 2 * blocks_.back().size);
    blocks_.push_back(Block{std::unique_ptr<char[]>(new char[size]), size, 0});
  }
  Block& b = blocks_.back();
  char* out = b.data.get() + b.used;
  if (to_lower_case) {
    core::swar::copy_lower(out, s.data(), s.size());
  } else {
    std::memcpy(out, s.data(), s.size());
  }
  b.used += s.size();
  return {out, s.size()};
}

void Headers::add(std::string_view name, std::string_view value) {
  // Name and value side by side in one block: one room check, not two.
  const std::size_t total = name.size() + value.size();
  if (total == 0) {
    items_.push_back(Header{{kEmpty, 0}, {kEmpty, 0}});
    return;
  }
  if (blocks_.empty() || blocks_.back().size - blocks_.back().used < total) {
    const std::size_t size =
        std::max(total, blocks_.empty() ? kFirstBlock : 2 * blocks_.back().size);
    blocks_.push_back(Block{std::unique_ptr<char[]>(new char[size]), size, 0});
  }
  Block& b = blocks_.back();
  char* out = b.data.get() + b.used;
  core::swar::copy_lower(out, name.data(), name.size());
  std::memcpy(out + name.size(), value.data(), value.size());
  b.used += total;
  items_.push_back(Header{{name.empty() ? kEmpty : out, name.size()},
                          {value.empty() ? kEmpty : out + name.size(), value.size()}});
}

void Headers::append(const Header& f) {
  const auto n = store(f.name, false);
  items_.push_back(Header{n, store(f.value, false)});
}

void Headers::reserve_bytes(std::size_t bytes) {
  if (!blocks_.empty() && blocks_.back().size - blocks_.back().used >= bytes) return;
  if (!blocks_.empty() && blocks_.back().used == 0) blocks_.pop_back();  // an empty block too small
  const std::size_t size = std::max(bytes, kFirstBlock);
  blocks_.push_back(Block{std::unique_ptr<char[]>(new char[size]), size, 0});
}

void Headers::set(std::string_view name, std::string_view value) {
  remove(name);
  add(name, value);
}

std::size_t Headers::remove(std::string_view name) {
  auto it = std::remove_if(items_.begin(), items_.end(),
                           [&](const Header& h) { return iequals(h.name, name); });
  std::size_t n = std::size_t(items_.end() - it);
  items_.erase(it, items_.end());
  return n;
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const auto& h : items_)
    if (iequals(h.name, name)) return h.value;
  return std::nullopt;
}

std::string Headers::joined(std::string_view name) const {
  std::string out;
  for (const auto& h : items_) {
    if (!iequals(h.name, name)) continue;
    if (!out.empty()) out += ", ";
    out += h.value;
  }
  return out;
}

std::size_t Headers::byte_size() const {
  std::size_t n = 0;
  for (const auto& h : items_) n += h.name.size() + h.value.size();
  return n;
}

}  // namespace strata::http
