// [tls]: the certificate every TLS listener (HTTPS, RTMPS, the HTTP API) serves, its reload,
// and the plain port's redirect to HTTPS.
#include "daemon.hpp"

#include "config/config_loader.hpp"
#include "log/log.hpp"
#include "util/time.hpp"

namespace bvlive {

// A certificate that does not load stops the start like a bad config file does.
void Daemon::start_tls() {
  if (!settings_.tls.enabled()) return;
  try {
    tls_ = std::make_unique<tls::TlsContext>(settings_.tls.certificate, settings_.tls.key);
  } catch (const tls::TlsError& e) {
    throw ConfigError(std::string("[tls] ") + e.what());
  }
  const auto& info = tls_->info();
  log::info("tls", "certificate " + info.subject + " (issuer " + info.issuer + ", valid until " +
                       format_rfc3339(info.not_after * 1000) + ")");
  // What segments over HTTPS cost depends on this: say it once.
  log::info("tls", tls::TlsContext::kernel_tls_available()
                       ? "kernel TLS is available: HTTPS files are sent with SSL_sendfile"
                       : "kernel TLS is not loaded (modprobe tls): HTTPS files are encrypted in user space");
}

std::optional<http::Response> Daemon::https_redirect(const http::Request& r, const http::ClientInfo& c) const {
  if (c.secure || !ports_.https || !settings_.tls.redirect_http) return std::nullopt;
  // Monitoring keeps working on the plain port.
  if (r.path == "/healthz" || r.path == "/metrics") return std::nullopt;
  std::string host = r.header("host") ? std::string(*r.header("host")) : url_host();
  // Drop the plain port: "example.com:8080", "[::1]:8080".
  if (const auto colon = host.rfind(':'); colon != std::string::npos && host.find(']', colon) == std::string::npos)
    host.erase(colon);
  http::Response answer;
  answer.status = 308;  // like 301, but the method and body stay (WHIP's POST)
  answer.set("Location", "https://" + host + (ports_.https == 443 ? "" : ":" + std::to_string(ports_.https)) + r.target);
  answer.set("Content-Type", "text/plain; charset=utf-8");
  answer.body = "this server is served over HTTPS\n";
  return answer;
}

nlohmann::json Daemon::tls_status() const {
  if (!tls_) return nullptr;
  const auto& info = tls_->info();
  nlohmann::json out = {{"certificate", info.certificate_file},
                        {"subject", info.subject},
                        {"issuer", info.issuer},
                        {"not_after", format_rfc3339(info.not_after * 1000)},
                        {"kernel_tls", tls::TlsContext::kernel_tls_available()}};
  if (http_) {
    const auto& st = http_->stats();
    out["handshakes"] = st.tls_handshakes;
    out["handshake_failures"] = st.tls_handshake_failures;
    out["kernel_tls_connections"] = st.tls_kernel_offload;
  }
  return out;
}

// The files are read again (their paths may have changed); listeners keep their ports.
// A certificate that does not load keeps the running one, and the answer says why.
nlohmann::json Daemon::reload_tls(const Settings& fresh) {
  if (!tls_ || !fresh.tls.enabled()) return nullptr;
  try {
    tls_->reload(fresh.tls.certificate, fresh.tls.key);
    settings_.tls.certificate = fresh.tls.certificate;
    settings_.tls.key = fresh.tls.key;
    const auto& info = tls_->info();
    log::info("tls", "certificate reloaded: " + info.subject + ", valid until " + format_rfc3339(info.not_after * 1000));
    return {{"reloaded", true}, {"subject", info.subject}, {"not_after", format_rfc3339(info.not_after * 1000)}};
  } catch (const tls::TlsError& e) {
    log::error("tls", std::string("certificate not reloaded, the running one is kept: ") + e.what());
    return {{"reloaded", false}, {"error", e.what()}};
  }
}

}  // namespace bvlive
