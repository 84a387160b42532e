// bvlived: the bvlive daemon. See bvlived(8).
#include <CLI/CLI.hpp>

#include <iostream>

#include "bvlive/version.hpp"
#include "config/config_loader.hpp"
#include "config/live_decl_spec.hpp"
#include "daemon.hpp"
#include "log/log.hpp"
#include "net/tls/tls_context.hpp"
#include "store/sqlite.hpp"

namespace {
// Exit codes (bvlived(8)).
constexpr int kExitOk = 0;
constexpr int kExitFatal = 1;
constexpr int kExitUsage = 2;
constexpr int kExitTempFail = 75;  // EX_TEMPFAIL: the database is locked by another process
constexpr int kExitConfig = 78;  // EX_CONFIG
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bvlived: the bvlive live streaming daemon (see bvlived(8))", "bvlived"};
  bvlive::DaemonOptions opts;
  std::string log_level;
  bool check_config = false;
  bool config_keys = false;
  app.add_option("-c,--config", opts.config_file, "config file (default: $BVLIVE_CONFIG, else /etc/bvlive/bvlived.toml if present)");
  app.add_option("--socket", opts.socket_path, "control socket path (overrides daemon.socket)");
  app.add_option("--state-dir", opts.state_dir, "state directory: database and media (overrides daemon.state_dir)");
  app.add_option("--log-level", log_level, "debug, info, warn or error (overrides daemon.log_level)");
  app.add_option("--listen", opts.listen, "address every listener binds, e.g. 127.0.0.1 (overrides rtmp/srt/http/webrtc.listen)");
  app.add_option("--rtmp-port", opts.rtmp_port, "RTMP port, 0 = any free one (overrides rtmp.port)")->check(CLI::Range(0, 65535));
  app.add_option("--srt-port", opts.srt_port, "SRT port, 0 = any free one (overrides srt.port)")->check(CLI::Range(0, 65535));
  app.add_option("--webrtc-port", opts.webrtc_port, "WHIP ICE-lite UDP port, 0 = any free one (overrides webrtc.port)")->check(CLI::Range(0, 65535));
  app.add_option("--http-port", opts.http_port, "HTTP port, 0 = any free one (overrides http.port)")->check(CLI::Range(0, 65535));
  app.add_option("--api-port", opts.api_port, "HTTP API port, 0 = any free one (overrides api.port)")->check(CLI::Range(0, 65535));
  app.add_flag("--check-config", check_config, "parse the config file, report the first problem, and exit");
  app.add_flag("--config-keys", config_keys, "print every config key (table.key), one per line, and exit");
  app.set_version_flag("--version", std::string("bvlived ") + bvlive::kVersion);
  app.footer("Exit status: 0 clean shutdown, 1 fatal error, 2 usage error, 75 database locked by another process, "
             "78 bad config file.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }
  if (!log_level.empty()) {
    opts.log_level = bvlive::parse_log_level(log_level);
    if (!opts.log_level) {
      std::cerr << "bvlived: --log-level: '" << log_level << "' is not one of debug, info, warn, error\n";
      return kExitUsage;
    }
  }
  if (config_keys) {
    for (const auto& key : bvlive::config_keys()) std::cout << key << "\n";
    return kExitOk;
  }
  try {
    if (check_config) {
      // The same file the daemon would read, checked as deeply as a start would
      // check it: TOML, every key, and each [[live]] table as a create body.
      const std::string file = bvlive::resolve_config_file(opts.config_file);
      if (file.empty()) {
        std::cout << "no config file (--config, $BVLIVE_CONFIG, /etc/bvlive/bvlived.toml): embedded defaults\n";
        return kExitOk;
      }
      const auto s = bvlive::load_config_file(file);
      bvlive::live_decl_specs(s.lives);
      // The certificate and key load as a start would load them.
      if (s.tls.enabled()) {
        try {
          bvlive::tls::TlsContext check(s.tls.certificate, s.tls.key);
        } catch (const bvlive::tls::TlsError& e) {
          throw bvlive::ConfigError(file + ": [tls] " + e.what());
        }
      }
      std::cout << file << ": ok (" << s.lives.size() << " [[live]] table(s))\n";
      return kExitOk;
    }
    bvlive::Daemon daemon(opts);
    return daemon.run();
  } catch (const bvlive::ConfigError& e) {
    bvlive::log::error("config", e.what());
    return kExitConfig;
  } catch (const bvlive::sql::Busy& e) {
    bvlive::log::error("store", e.what());
    return kExitTempFail;
  } catch (const std::exception& e) {
    bvlive::log::error("daemon", e.what());
    return kExitFatal;
  }
}
