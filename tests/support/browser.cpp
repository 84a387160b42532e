#include "support/browser.hpp"

#include <dirent.h>

#include <cctype>
#include <csignal>
#include <fstream>
#include <set>
#include <sstream>

namespace bvtest {

namespace {

// Parent pid of `pid` from /proc/PID/stat, or -1 when it is gone.
pid_t parent_of(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s;
  if (!std::getline(f, s)) return -1;
  const auto close = s.rfind(')');  // the command name may hold spaces and ')'
  if (close == std::string::npos) return -1;
  std::istringstream in(s.substr(close + 2));
  std::string state;
  long ppid = -1;
  in >> state >> ppid;
  return static_cast<pid_t>(ppid);
}

// Every live process below `root` (children, grandchildren, ...).
std::vector<pid_t> descendants_of(pid_t root) {
  std::map<pid_t, pid_t> parent;
  if (DIR* d = ::opendir("/proc")) {
    while (dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
      const pid_t pid = static_cast<pid_t>(std::stol(name));
      parent[pid] = parent_of(pid);
    }
    ::closedir(d);
  }
  std::vector<pid_t> out;
  std::set<pid_t> inside = {root};
  for (bool grew = true; grew;) {  // breadth by repetition: the table is small
    grew = false;
    for (const auto& [pid, ppid] : parent)
      if (inside.count(ppid) && !inside.count(pid)) {
        inside.insert(pid);
        out.push_back(pid);
        grew = true;
      }
  }
  return out;
}

std::string command_of(pid_t pid) { return read_file("/proc/" + std::to_string(pid) + "/comm"); }

}  // namespace

std::string hls_js_path() { return std::string(BVLIVE_WEB_DIR) + "/node_modules/hls.js/dist/hls.min.js"; }

std::string percent_encode(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/' || c == ':') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string file_url(const std::string& path, const std::map<std::string, std::string>& query) {
  std::string url = "file://" + percent_encode(path);
  char sep = '?';
  for (const auto& [k, v] : query) {
    url += sep + percent_encode(k) + "=" + percent_encode(v);
    sep = '&';
  }
  return url;
}

std::vector<std::string> console_messages(const std::string& log, const std::string& prefix) {
  std::vector<std::string> out;
  const std::string open = ":CONSOLE";
  const std::string quoted = "\"" + prefix;
  std::istringstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(open) == std::string::npos) continue;
    const auto start = line.find(quoted);
    if (start == std::string::npos) continue;
    // The message ends at the last `", source: `; chromium does not escape quotes inside it.
    const auto end = line.rfind("\", source: ");
    if (end == std::string::npos || end < start + quoted.size()) continue;
    out.push_back(line.substr(start + quoted.size(), end - start - quoted.size()));
  }
  return out;
}

std::vector<nlohmann::json> console_json(const std::string& log, const std::string& prefix) {
  std::vector<nlohmann::json> out;
  for (const auto& m : console_messages(log, prefix)) {
    if (m.empty() || m[0] != '{') continue;
    auto j = nlohmann::json::parse(m, nullptr, false);
    if (j.is_object()) out.push_back(std::move(j));
  }
  return out;
}

HeadlessBrowser::HeadlessBrowser(const std::string& url, const std::string& dir, const std::string& name,
                                 const BrowserOptions& options) {
  std::vector<std::string> argv = {
      options.binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
      "--autoplay-policy=no-user-gesture-required",
      // Keep timers and media running at full rate in a page nobody looks at.
      "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
      "--disable-backgrounding-occluded-windows", "--mute-audio", "--enable-logging=stderr", "--v=0",
      "--user-data-dir=" + dir + "/" + name + "-profile"};
  argv.insert(argv.end(), options.extra_args.begin(), options.extra_args.end());
  argv.push_back(url);
  process_ = std::make_unique<BackgroundProcess>(argv, dir + "/" + name + ".log");
}

HeadlessBrowser::~HeadlessBrowser() { stop(); }

bool HeadlessBrowser::wait_for(const std::function<bool()>& done, Ms timeout) {
  bool ok = false;
  poll_until(
      [&] {
        ok = done();
        return ok || !process_->running();
      },
      timeout, 250ms);
  return ok;
}

void HeadlessBrowser::stop() {
  if (!process_->running()) return;
  // Its renderer, GPU and zygote processes exit when the browser goes, normally; the ones
  // that do not are killed by pid (checked to still be chromium's).
  const std::vector<pid_t> helpers = descendants_of(process_->pid());
  std::map<pid_t, std::string> names;
  for (pid_t p : helpers) names[p] = command_of(p);
  process_->stop(SIGTERM, 5s);
  for (pid_t p : helpers)
    if (!names[p].empty() && command_of(p) == names[p]) ::kill(p, SIGKILL);
}

}  // namespace bvtest
