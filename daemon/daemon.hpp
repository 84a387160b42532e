// bvlived: owns the loop and everything on it. One Daemon per process.
#pragma once

#include <uv.h>

#include <memory>
#include <optional>
#include <string>

#include "config/settings.hpp"
#include "control/control_server.hpp"
#include "scheduler/scheduler.hpp"
#include "service/live_service.hpp"
#include "store/store.hpp"
#include "uv/loop.hpp"
#include "uv/signal.hpp"

namespace bvlive {

// What the command line said; it wins over the config file.
struct DaemonOptions {
  std::string config_file;  // empty: $BVLIVE_CONFIG, else /etc/bvlive/bvlived.toml if present, else defaults
  std::string socket_path;
  std::string state_dir;
  std::optional<LogLevel> log_level;
};

// The config file bvlived reads: --config, else $BVLIVE_CONFIG, else
// /etc/bvlive/bvlived.toml when it exists; empty means the embedded defaults.
std::string resolve_config_file(const std::string& from_flag);

class Daemon {
 public:
  explicit Daemon(DaemonOptions options);
  ~Daemon();
  // Runs until SIGTERM/SIGINT. Returns the process exit code.
  int run();

  // The JSON-RPC methods (daemon/rpc_methods.cpp).
  nlohmann::json dispatch(const std::string& method, const nlohmann::json& params, const Peer& peer);
  nlohmann::json status() const;
  nlohmann::json reload();
  void shutdown();

 private:
  Settings load_settings() const;
  void apply_settings(const Settings& s);

  struct StateLock;

  DaemonOptions options_;
  std::string config_file_;
  Settings settings_;
  // Order matters: members are destroyed in reverse, so the lock is released
  // last and the loop outlives every handle owner declared after it.
  std::unique_ptr<StateLock> lock_;
  uv::Loop loop_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<LiveService> service_;
  std::unique_ptr<ControlServer> control_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<uv::Signal> sigterm_, sigint_, sighup_;
  TimeMs started_at_ = 0;
  bool stopping_ = false;
};

}  // namespace bvlive
