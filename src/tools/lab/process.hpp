// `strata lab`: processes inside the lab's namespaces. Owner's thread.
#pragma once
#include <string>
#include <vector>

#include "tools/lab/netns.hpp"

namespace strata::tools::lab {

struct Child {
  int pid = -1;
  std::string log;
};

// Starts `args` inside namespace `ns` with stdout and stderr in `log`, and
// waits until `ready` appears in the log (bounded by `timeout_s`; an empty
// `ready`: no wait); throws with the log when the process exits or the time
// runs out.
Child start_in(const LabNet& net, const std::string& ns, const std::vector<std::string>& args,
               const std::string& log, const std::string& ready = " ready (", double timeout_s = 60);

// Waits for the process to exit (SIGKILL after `timeout_s`); its exit
// status, 128 + signal, or -1 when it had to be killed.
int wait_child(Child& c, double timeout_s);

// SIGTERM, then SIGKILL after 30 s; reaps the process.
void stop(Child& c);

// Runs `args` inside namespace `ns` to completion; its stdout.
std::string output_in(const LabNet& net, const std::string& ns, const std::vector<std::string>& args);

}  // namespace strata::tools::lab
