#include "daemon/drm/speke_client.hpp"

#include <curl/curl.h>

#include <memory>
#include <mutex>

#include "uv/work.hpp"

namespace bvlive::drm {
namespace {

constexpr std::size_t kMaxAnswer = 16 << 20;  // a CPIX answer for thousands of keys is far smaller
constexpr std::size_t kMaxQuoted = 200;       // of an error body, in our message

struct Exchange {
  std::string body;
  std::string speke_version;
  bool speke_version_seen = false;
  bool too_long = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* x = static_cast<Exchange*>(user);
  const std::size_t n = size * count;
  if (x->body.size() + n > kMaxAnswer) {
    x->too_long = true;
    return 0;  // curl stops with CURLE_WRITE_ERROR
  }
  x->body.append(data, n);
  return n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* x = static_cast<Exchange*>(user);
  const std::size_t n = size * count;
  std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {  // a new answer (after a 100 Continue): forget the last one's
    x->speke_version.clear();
    x->speke_version_seen = false;
    return n;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string name(line.substr(0, colon));
  for (auto& c : name) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  if (name != "x-speke-version") return n;
  auto value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  x->speke_version = std::string(value);
  x->speke_version_seen = true;
  return n;
}

// The URL as messages show it: without credentials written into it (https://user:pw@host/).
std::string shown_url(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const auto host = scheme + 3;
  const auto path = url.find('/', host);
  const auto at = url.rfind('@', path == std::string::npos ? std::string::npos : path);
  if (at == std::string::npos || at < host) return url;
  return url.substr(0, host) + "…@" + url.substr(at + 1);
}

// A short, printable quote of an error answer's body.
std::string quoted(const std::string& body) {
  std::string out;
  for (char c : body.substr(0, kMaxQuoted)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u == '\n' || u == '\r' || u == '\t') ? ' ' : (u < 0x20 || u == 0x7f) ? '?' : c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (body.size() > kMaxQuoted) out += "…";
  return out.empty() ? "" : ": \"" + out + "\"";
}

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

using CurlHandle = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;
using CurlList = std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)>;

}  // namespace

std::variant<CpixResponse, std::string> fetch_keys(const SpekeSettings& settings, const CpixRequest& request) {
  const std::string url = shown_url(settings.url);
  if (!settings.url.starts_with("http://") && !settings.url.starts_with("https://"))
    return "key server URL \"" + url + "\" is not http:// or https://: check [drm] key_server";
  init_curl_once();
  CurlHandle curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) return std::string("could not start an HTTP client (curl_easy_init failed)");

  CurlList headers(nullptr, &curl_slist_free_all);
  const auto add_header = [&](const std::string& h) {
    if (auto* l = curl_slist_append(headers.get(), h.c_str())) {
      (void)headers.release();
      headers.reset(l);
    }
  };
  add_header("Content-Type: application/xml");
  add_header("X-Speke-Version: " + std::string(kSpekeVersion));
  add_header("Expect:");  // no 100-continue round trip: the body is small
  for (const auto& h : settings.headers) add_header(h);

  const std::string body = render_cpix_request(request);
  Exchange x;
  char error_text[CURL_ERROR_SIZE] = {};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, settings.url.c_str());
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // a pool thread: no SIGALRM for DNS timeouts
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  if (!settings.username.empty()) {
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(c, CURLOPT_USERNAME, settings.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, settings.password.c_str());
  }
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, settings.timeout_ms);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, settings.timeout_ms);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "bvlived");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_text);

  const CURLcode rc = curl_easy_perform(c);
  const std::string detail = error_text[0] ? error_text : curl_easy_strerror(rc);
  switch (rc) {
    case CURLE_OK: break;
    case CURLE_OPERATION_TIMEDOUT:
      return "key server " + url + " did not answer within " + std::to_string(settings.timeout_ms) +
             " ms: check that it is up and reachable, or raise [drm] timeout";
    case CURLE_COULDNT_RESOLVE_HOST:
      return "key server " + url + ": the host name does not resolve (" + detail + "): check [drm] key_server";
    case CURLE_COULDNT_CONNECT:
      return "could not connect to key server " + url + " (" + detail +
             "): check [drm] key_server and that the server is up";
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
      return "TLS with key server " + url + " failed (" + detail + "): check its certificate and [drm] key_server";
    case CURLE_WRITE_ERROR:
      if (x.too_long)
        return "key server " + url + " answered more than 16 MiB: not a CPIX answer; check [drm] key_server";
      [[fallthrough]];
    default:
      return "key server " + url + ": " + detail;
  }

  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  const std::string answered = "key server " + url + " answered " + std::to_string(status);
  if (status == 401 || status == 403)
    return answered + ": check [drm] username and password" +
           (settings.headers.empty() ? std::string() : " (and [drm] headers)");
  if (status == 404 || status == 405) return answered + ": check [drm] key_server (the SPEKE v2 endpoint)";
  if (status >= 400 && status < 500) return answered + quoted(x.body) + ": it refused our CPIX request";
  if (status >= 500) return answered + quoted(x.body) + ": the key server failed; check its logs or ask its operator";
  if (status != 200) return answered + ", not 200: check [drm] key_server";
  // A SPEKE v2 server echoes the version asked (v1 servers send none).
  if (!x.speke_version_seen)
    return answered + " without X-Speke-Version: not a SPEKE v2 endpoint (SPEKE v1?); check [drm] key_server";
  if (!x.speke_version.starts_with("2."))
    return answered + " with X-Speke-Version \"" + x.speke_version.substr(0, 20) +
           "\", not 2.x: bvlived speaks SPEKE v2.0; check [drm] key_server";

  auto parsed = parse_cpix_response(x.body, request);
  if (auto* error = std::get_if<std::string>(&parsed)) return "key server " + url + ": " + *error;
  return parsed;
}

void fetch_keys_async(uv_loop_t* loop, SpekeSettings settings, CpixRequest request,
                      std::function<void(std::variant<CpixResponse, std::string>)> done) {
  auto result = std::make_shared<std::variant<CpixResponse, std::string>>();
  uv::queue_work(
      loop,
      [result, settings = std::move(settings), request = std::move(request)] {
        *result = fetch_keys(settings, request);
      },
      [result, done = std::move(done)](std::exception_ptr error) {
        if (error) {
          try {
            std::rethrow_exception(error);
          } catch (const std::exception& e) {
            *result = std::string("asking the key server failed: ") + e.what();
          } catch (...) {
            *result = std::string("asking the key server failed");
          }
        }
        done(std::move(*result));
      });
}

}  // namespace bvlive::drm
