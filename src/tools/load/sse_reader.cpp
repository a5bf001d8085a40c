#include "tools/load/sse_reader.hpp"

namespace strata::tools::load {

bool SseReader::feed(std::string_view in, std::vector<SseEvent>& out) {
  std::size_t i = 0;
  if (skip_lf_ && !in.empty()) {
    if (in[0] == '\n') i = 1;
    skip_lf_ = false;
  }
  while (i < in.size()) {
    const auto eol = in.find_first_of("\r\n", i);
    if (eol == std::string_view::npos) {
      partial_.append(in.substr(i));
      if (partial_.size() > max_line_) return false;
      return true;
    }
    std::string_view l = in.substr(i, eol - i);
    if (!partial_.empty()) {
      partial_.append(l);
      if (partial_.size() > max_line_) return false;
      std::string whole;
      whole.swap(partial_);
      line(whole, out);
    } else {
      if (l.size() > max_line_) return false;
      line(l, out);
    }
    i = eol + 1;
    if (in[eol] == '\r') {
      if (i < in.size()) {
        if (in[i] == '\n') ++i;
      } else {
        skip_lf_ = true;
      }
    }
  }
  return true;
}

void SseReader::line(std::string_view l, std::vector<SseEvent>& out) {
  if (l.empty()) {
    if (has_data_) out.push_back(std::move(cur_));
    cur_ = SseEvent{};
    has_data_ = false;
    return;
  }
  if (l[0] == ':') {
    ++comments_;
    return;
  }
  const auto colon = l.find(':');
  std::string_view name = l.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = l.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
  }
  if (name == "data") {
    if (has_data_) cur_.data.push_back('\n');
    cur_.data.append(value);
    has_data_ = true;
  } else if (name == "event") {
    cur_.event.assign(value);
  } else if (name == "id") {
    cur_.id.assign(value);
  }
}

}  // namespace strata::tools::load
