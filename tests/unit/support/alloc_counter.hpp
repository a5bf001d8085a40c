// Test helper: counts heap allocations made by the threads that opt in, so a
// test can bound the allocations of a code path (tests/unit/server/
// proxy_allocations_test.cpp). Only in the unit-test binary; strata itself
// carries no hook.
//
// How (alloc_counter.cpp): under AddressSanitizer, its malloc hook (called
// for malloc, new, aligned_alloc, ... alike); otherwise the test binary
// interposes malloc, calloc, realloc, aligned_alloc, memalign and
// posix_memalign and forwards them to glibc's allocator. Either way every
// allocation is seen, operator new and Asio's recycled frames included.
// Frees are not counted. Thread: the switch is per thread; the count is
// process-wide (relaxed atomic).
#pragma once
#include <cstdint>

namespace strata::test {

// Count (or stop counting) the allocations this thread makes.
void count_allocations_on_this_thread(bool on);
// Allocations counted so far, by every opted-in thread.
std::uint64_t allocations_counted();

}  // namespace strata::test
