// What every benchmark prints around its figures: elapsed time, percentiles, fixed-point
// numbers, the machine (CPU model, load average, work directory) and the tail of a child's log
// when it fails.
#pragma once

#include <sched.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "bench_files.hpp"

namespace bvbench {

inline double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

inline double ms_between(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// A series of samples summed up; percentiles by nearest rank (p99 of 20 samples is the max).
struct Stats {
  std::size_t n = 0;
  double p50 = 0, p95 = 0, p99 = 0, max = 0, mean = 0;
};

inline Stats stats_of(std::vector<double> v) {
  Stats s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  auto rank = [&](double p) {
    const auto r = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
    return v[std::clamp<std::size_t>(r, 1, v.size()) - 1];
  };
  s.n = v.size();
  s.p50 = rank(50);
  s.p95 = rank(95);
  s.p99 = rank(99);
  s.max = v.back();
  double sum = 0;
  for (double x : v) sum += x;
  s.mean = sum / static_cast<double>(v.size());
  return s;
}

inline std::string fmt(double v, int prec) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", prec, v);
  return buf;
}

inline std::string loadavg() {
  std::ifstream f("/proc/loadavg");
  double a = 0, b = 0, c = 0;
  if (!(f >> a >> b >> c)) return "unknown";
  return fmt(a, 2) + " " + fmt(b, 2) + " " + fmt(c, 2);
}

inline std::string cpu_model() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("model name", 0) == 0) {
      auto c = line.find(':');
      if (c != std::string::npos) return line.substr(c + 2);
    }
  return "unknown";
}

// The CPUs this process may run on (taskset, a cgroup's cpuset), 0 when unknown.
inline int usable_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return 0;
  return CPU_COUNT(&set);
}

// The header lines that say where the figures come from, after the bench's title line:
//   machine: MODEL, N CPUs online[, M usable here], SYSTEM RELEASE
//   load average at start: A B C (...)
//   work dir: DIR (FILE SYSTEM)
// then one "LABEL: VALUE" line per `also` (the binaries measured), values aligned.
inline void print_machine(const std::string& work_dir,
                          const std::vector<std::pair<std::string, std::string>>& also = {}) {
  utsname u{};
  ::uname(&u);
  const long online = ::sysconf(_SC_NPROCESSORS_ONLN);
  const int usable = usable_cpus();
  const std::string restricted = usable > 0 && usable != online ? ", " + std::to_string(usable) + " usable here" : "";
  std::printf("  machine: %s, %ld CPUs online%s, %s %s\n", cpu_model().c_str(), online, restricted.c_str(), u.sysname,
              u.release);
  std::printf("  load average at start: %s (other work on the machine skews every figure)\n", loadavg().c_str());
  std::printf("  work dir: %s (%s)\n", work_dir.c_str(), fs_type(work_dir).c_str());
  std::size_t width = 0;
  for (const auto& [label, value] : also) width = std::max(width, label.size());
  for (const auto& [label, value] : also)
    std::printf("  %s:%*s%s\n", label.c_str(), static_cast<int>(width - label.size() + 1), "", value.c_str());
}

// The last `lines` lines of a file, indented with "    | ".
inline std::string tail_of_file(const std::string& path, std::size_t lines) {
  std::ifstream f(path);
  std::vector<std::string> all;
  std::string line;
  while (std::getline(f, line)) all.push_back(line);
  std::string out;
  for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) out += "    | " + all[i] + "\n";
  return out;
}

}  // namespace bvbench
