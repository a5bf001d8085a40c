// send/recv/sendmsg/recvmsg without glibc's cancellation-point bracket
// (io/nocancel_syscalls.cpp, linked into the strata executable and the unit
// tests, not into strata_lib).
#pragma once

namespace strata::io {

// True when this binary's definitions replace libc's (not under a
// sanitizer, whose runtime intercepts these functions itself).
bool nocancel_syscalls();

}  // namespace strata::io
