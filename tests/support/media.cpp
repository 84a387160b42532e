#include "support/media.hpp"

#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace bvtest {

std::vector<std::string> encoder_argv(const std::string& url, const std::string& format, const std::string& size,
                                      int seconds) {
  std::vector<std::string> a = {"ffmpeg", "-hide_banner", "-loglevel", "warning", "-nostdin", "-re",
                                "-f", "lavfi", "-i", "testsrc2=size=" + size + ":rate=25",
                                "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000"};
  if (seconds > 0) a.insert(a.end(), {"-t", std::to_string(seconds)});
  a.insert(a.end(), {"-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25",
                     "-keyint_min", "25", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k", "-f", format, url});
  return a;
}

std::string HttpReply::describe() const {
  std::ostringstream o;
  o << "\n  HTTP " << status;
  for (const auto& [k, v] : headers) o << "\n  " << k << ": " << v;
  o << "\n  body: " << (body.size() > 2000 ? body.substr(0, 2000) + "..." : body);
  return o.str();
}

HttpReply http_request(const std::string& url, const std::string& method,
                       const std::map<std::string, std::string>& headers, const std::string& body, Ms timeout) {
  const std::string prefix = "http://";
  if (url.rfind(prefix, 0) != 0) throw std::runtime_error("not an http:// URL: " + url);
  const std::size_t slash = url.find('/', prefix.size());
  const std::string hostport = url.substr(prefix.size(), slash - prefix.size());
  const std::string target = slash == std::string::npos ? "/" : url.substr(slash);
  const std::size_t colon = hostport.rfind(':');
  const std::string host = hostport.substr(0, colon);
  const int port = std::stoi(hostport.substr(colon + 1));

  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host.c_str(), &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error("connect " + hostport + ": " + std::strerror(errno));
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: " + hostport + "\r\nConnection: close\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH")
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size()))
    throw std::runtime_error("send to " + hostport + " failed");
  std::string raw;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[65536];
  for (;;) {
    const auto left = std::chrono::duration_cast<Ms>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) throw std::runtime_error("HTTP " + method + " " + url + ": timed out");
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    raw.append(buf, static_cast<std::size_t>(n));
  }
  HttpReply r;
  const std::size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos) throw std::runtime_error("HTTP " + url + ": no complete head in: " + raw);
  std::istringstream head(raw.substr(0, head_end));
  std::string line;
  std::getline(head, line);
  if (line.size() < 12) throw std::runtime_error("HTTP " + url + ": bad status line: " + line);
  r.status = std::stoi(line.substr(9, 3));
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::size_t c = line.find(':');
    if (c == std::string::npos) continue;
    std::string name = line.substr(0, c);
    for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    std::string value = line.substr(c + 1);
    while (!value.empty() && value.front() == ' ') value.erase(value.begin());
    r.headers[name] = value;
  }
  r.body = raw.substr(head_end + 4);
  return r;
}

nlohmann::json ffprobe_streams(const std::string& url, Ms timeout) {
  auto r = run({"ffprobe", "-v", "error", "-show_streams", "-of", "json", url}, with_timeout(timeout));
  if (r.code != 0) throw std::runtime_error("ffprobe failed:" + r.describe());
  return nlohmann::json::parse(r.out);
}

std::unique_ptr<DaemonProcess> start_daemon(const TempDir& dir, const std::string& config_text) {
  DaemonOptions o;
  if (!config_text.empty()) {
    write_file(dir / "bvlived.toml", config_text);
    o.config = dir / "bvlived.toml";
  }
  auto daemon = std::make_unique<DaemonProcess>(dir.path(), o);
  try {
    daemon->start();
  } catch (const std::exception& e) {
    BOOST_FAIL("bvlived did not start: " << e.what());
  }
  return daemon;
}

Ports ports_of(const Cli& cli) {
  const auto s = cli.json({"status"});
  auto port = [&](const char* name) {
    const auto& v = s["listeners"][name];
    return v.is_number() ? v.get<int>() : 0;
  };
  return {port("rtmp"), port("srt"), port("http"), port("webrtc"), port("api"), port("https"), port("rtmps")};
}

std::vector<std::string> children_of(pid_t parent) {
  std::vector<std::string> out;
  DIR* d = ::opendir("/proc");
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    const std::string pid = e->d_name;
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat("/proc/" + pid + "/stat");
    std::string content((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    // pid (comm) state ppid ...
    const std::size_t open = content.find('('), close = content.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close + 2 >= content.size()) continue;
    std::istringstream rest(content.substr(close + 2));
    std::string state;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == parent) out.push_back(pid + " " + content.substr(open + 1, close - open - 1));
  }
  ::closedir(d);
  return out;
}

std::vector<pid_t> children_named(pid_t parent, const std::string& name) {
  std::vector<pid_t> out;
  for (const std::string& child : children_of(parent)) {
    const std::size_t space = child.find(' ');
    if (child.substr(space + 1) == name) out.push_back(static_cast<pid_t>(std::stoi(child.substr(0, space))));
  }
  return out;
}

std::vector<std::string> playlist_lines(const std::string& playlist, const std::string& tag) {
  std::vector<std::string> out;
  std::istringstream in(playlist);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(tag, 0) == 0) out.push_back(line);
  return out;
}

std::size_t count_lines(const std::string& playlist, const std::string& wanted) {
  std::size_t n = 0;
  std::istringstream in(playlist);
  std::string line;
  while (std::getline(in, line)) n += line == wanted;
  return n;
}

std::vector<std::string> playlist_uris(const std::string& playlist) {
  std::vector<std::string> out;
  std::istringstream in(playlist);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty() && line[0] != '#') out.push_back(line);
  return out;
}

}  // namespace bvtest
