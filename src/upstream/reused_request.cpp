#include "upstream/reused_request.hpp"

#include <vector>

namespace strata::upstream {

namespace {
constexpr std::size_t kKeep = 256;  // one per upstream request in flight (256 h2 streams: h2load -c16 -m16)
thread_local std::vector<std::unique_ptr<pool::UpstreamRequest>> t_free;
}  // namespace

ReusedRequest::ReusedRequest() {
  if (t_free.empty()) {
    r_ = std::make_unique<pool::UpstreamRequest>();
  } else {
    r_ = std::move(t_free.back());
    t_free.pop_back();
  }
}

ReusedRequest::~ReusedRequest() {
  if (r_ && t_free.size() < kKeep) {
    if (t_free.capacity() == 0) t_free.reserve(kKeep);
    t_free.push_back(std::move(r_));
  }
}

}  // namespace strata::upstream
