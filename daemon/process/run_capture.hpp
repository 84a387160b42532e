// Runs a short-lived program to completion and captures what it prints: for ffprobe,
// which reads a file's header in well under a second. Blocking, bounded by a timeout
// (the child is killed and reaped when it is exceeded).
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace bvlive {

struct CaptureResult {
  int exit_code = -1;     // -1: killed by a signal or not started
  bool timed_out = false;
  std::string out;
  std::string err;
};

// argv[0] is looked up in PATH. Throws std::runtime_error when it cannot be started
// ("cannot run 'ffprobe': No such file or directory").
CaptureResult run_capture(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                          std::size_t max_output = 16u << 20);

}  // namespace bvlive
