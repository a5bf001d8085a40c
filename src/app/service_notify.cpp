#include "app/service_notify.hpp"

#include <ctime>

#include <fmt/format.h>
#include <systemd/sd-daemon.h>

namespace strata::app {

namespace {
void send(const std::string& state) {
  // unset_environment = 0: a reload's READY=1 needs the socket again.
  sd_notify(0, state.c_str());
}
}  // namespace

void notify_ready(const std::string& status) { send(fmt::format("READY=1\nSTATUS={}", status)); }

void notify_reloading() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  const unsigned long long usec = (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000ULL;
  send(fmt::format("RELOADING=1\nMONOTONIC_USEC={}\nSTATUS=reloading configuration", usec));
}

void notify_stopping() { send("STOPPING=1\nSTATUS=draining"); }

}  // namespace strata::app
