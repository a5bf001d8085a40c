// nghttp2's memory allocator (nghttp2_mem) served from per-thread free
// lists, so the frames, stream structs and header copies nghttp2 allocates
// for every stream are reused instead of going to malloc each time.
// Blocks up to 4 KiB come in size classes (powers of two from 64 to 4096
// bytes, and 3072; a 16-byte header in front says which); a class keeps at
// most 256 free blocks and frees the rest. Bigger blocks come from
// core::page_mem: from 16 KiB on (each session's frame buffer) a mapping of
// their own, whose untouched pages are never resident. The lists are
// thread_local (a session lives on one thread; a block freed on another
// thread joins that thread's list) and freed at thread exit.
#pragma once
#include <nghttp2/nghttp2.h>  // nghttp2_mem is an anonymous struct: no forward declaration

#include <cstddef>

namespace strata::codec::http2 {

// The allocator for nghttp2_session_{server,client}_new3 (a static object).
nghttp2_mem* recycling_mem();

// Its functions, for nghttp3_mem (the same shape): the HTTP/3 session's
// nghttp3 allocates about eight blocks per request as well.
namespace recycling {
void* malloc(std::size_t n, void* user);
void free(void* p, void* user);
void* calloc(std::size_t k, std::size_t n, void* user);
void* realloc(void* p, std::size_t n, void* user);
}  // namespace recycling

}  // namespace strata::codec::http2
