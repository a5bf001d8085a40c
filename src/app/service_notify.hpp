// The service manager's readiness protocol (sd_notify(3), libsystemd):
// READY=1 once the listeners are open, RELOADING=1 (with MONOTONIC_USEC)
// when SIGHUP starts a reload and READY=1 when it ends (applied or
// refused), STOPPING=1 when the drain starts; STATUS= says what happened.
// Each call is a no-op when $NOTIFY_SOCKET is unset (not run by systemd
// with Type=notify). Called from the main thread only.
#pragma once
#include <string>

namespace strata::app {

void notify_ready(const std::string& status);
void notify_reloading();
void notify_stopping();

}  // namespace strata::app
