// A tiny JSON-RPC 2.0 client of bvlived's control socket (core/rpc/README.md): connect,
// send one request line, read one response line. Any failure to talk to the daemon is a
// CliError with exit 69; a daemon error reply is a CliError with the exit code of its
// kind and the daemon's message verbatim.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace bvlive::cli {

class Client {
 public:
  explicit Client(std::string socket_path);

  // Calls `method` and returns the reply's `result`.
  nlohmann::json call(std::string_view method, const nlohmann::json& params);

  static constexpr std::chrono::milliseconds kConnectTimeout{5000};
  static constexpr std::chrono::milliseconds kReplyTimeout{30000};

 private:
  [[noreturn]] void unreachable(const std::string& reason) const;
  int connect_socket() const;
  std::string exchange(int fd, const std::string& request) const;

  std::string path_;
};

}  // namespace bvlive::cli
