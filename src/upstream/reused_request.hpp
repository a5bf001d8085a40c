// A pool::UpstreamRequest lent from this thread's free list, given back when
// the handle dies. A request built into a reused object (see
// build_upstream_request's filling form) keeps the storage of its strings
// and header blocks, so the proxy path allocates no upstream request head
// per request in the steady state. The free list is per thread (a worker's
// requests only ever meet that worker's list) and keeps at most 256 objects;
// objects come back as they were left: fill every field before use.
#pragma once
#include <memory>

#include "upstream/pool/upstream_request.hpp"

namespace strata::upstream {

class ReusedRequest {
 public:
  ReusedRequest();   // from the free list, or a new one
  ~ReusedRequest();  // back to the free list (or freed when it is full)
  ReusedRequest(const ReusedRequest&) = delete;
  ReusedRequest& operator=(const ReusedRequest&) = delete;

  pool::UpstreamRequest& operator*() const { return *r_; }
  pool::UpstreamRequest* operator->() const { return r_.get(); }

 private:
  std::unique_ptr<pool::UpstreamRequest> r_;
};

}  // namespace strata::upstream
