// An allocator for C libraries that take one (nghttp2's `mem` struct, via
// codec/http2/recycling_mem): a block of kOwnPagesFrom bytes or more gets
// an anonymous mapping of its own, so the pages the library never writes
// are never resident; smaller blocks come from malloc. nghttp2 allocates
// one such block per session, its 16 KiB frame buffer, and writes only its
// first page (HEADERS and control frames; DATA goes out with NO_COPY);
// from malloc the block comes back from earlier uses with every page
// resident (an idle HTTP/2 connection: 50 -> 38 KB). Tried for nghttp3 and
// ngtcp2 too: no change in an idle HTTP/3 connection's 114 KB (their large
// blocks came from fresh heap pages already), so they keep their default.
// Each block carries a 16-byte header (its mapping's length, 0 for
// malloc), so the user pointer stays 16-byte aligned. Thread-safe.
#pragma once
#include <cstddef>

namespace strata::core::page_mem {

inline constexpr std::size_t kOwnPagesFrom = 16 * 1024;

// nullptr when out of memory (or the mapping limit is reached and malloc fails too).
void* allocate(std::size_t n);
// Zeroed; nullptr also when k * n overflows. A mapped block is zero
// already: no page is touched to zero it.
void* allocate_zeroed(std::size_t k, std::size_t n);
// realloc's contract: nullptr p allocates; n == 0 frees and returns nullptr;
// on failure p is left alone and nullptr returned.
void* reallocate(void* p, std::size_t n);
void release(void* p);

}  // namespace strata::core::page_mem
