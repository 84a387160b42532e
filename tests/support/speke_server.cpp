#include "support/speke_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <pugixml.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "core/drm/cpix.hpp"
#include "core/util/base64.hpp"
#include "core/util/hex.hpp"

namespace bvtest {
namespace {

using bvlive::cenc::Block16;
using bvlive::drm::DrmSystem;
using Clock = std::chrono::steady_clock;

constexpr auto kReadTimeout = std::chrono::seconds(5);  // for a whole request
constexpr std::size_t kMaxRequest = 1 << 20;
constexpr int kPollMs = 50;  // how often a waiting thread looks at stop_
constexpr const char* kUserAgent = "bvlive-test-speke/1.0";

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return s;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return std::string(s);
}

void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}
void put16le(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
}
void put32le(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

// A 'pssh' box (ISO/IEC 23001-7 §8.1.1): version 1 lists the KIDs in the box itself.
std::vector<std::uint8_t> pssh_box(const Block16& system_id, const std::vector<Block16>& kids,
                                   const std::vector<std::uint8_t>& data) {
  std::vector<std::uint8_t> box;
  put32(box, 0);  // size, below
  box.insert(box.end(), {'p', 's', 's', 'h'});
  put32(box, kids.empty() ? 0 : 0x01000000);  // version, flags
  box.insert(box.end(), system_id.begin(), system_id.end());
  if (!kids.empty()) {
    put32(box, static_cast<std::uint32_t>(kids.size()));
    for (const auto& kid : kids) box.insert(box.end(), kid.begin(), kid.end());
  }
  put32(box, static_cast<std::uint32_t>(data.size()));
  box.insert(box.end(), data.begin(), data.end());
  const auto size = static_cast<std::uint32_t>(box.size());
  for (int i = 0; i < 4; ++i) box[i] = static_cast<std::uint8_t>(size >> (24 - 8 * i));
  return box;
}

// WidevinePsshData with its key_id field (2, length-delimited) only.
std::vector<std::uint8_t> widevine_data(const Block16& kid) {
  std::vector<std::uint8_t> data{0x12, 16};
  data.insert(data.end(), kid.begin(), kid.end());
  return data;
}

// A PlayReady Object holding one PlayReady Header record (type 1): a WRMHEADER 4.3 with the
// KID, in UTF-16LE. PlayReady writes a KID as a GUID, whose first three fields are
// little-endian.
std::vector<std::uint8_t> playready_object(const Block16& kid) {
  Block16 guid = kid;
  std::reverse(guid.begin(), guid.begin() + 4);
  std::reverse(guid.begin() + 4, guid.begin() + 6);
  std::reverse(guid.begin() + 6, guid.begin() + 8);
  const std::string header =
      "<WRMHEADER xmlns=\"http://schemas.microsoft.com/DRM/2007/03/PlayReadyHeader\" version=\"4.3.0.0\">"
      "<DATA><PROTECTINFO><KIDS><KID ALGID=\"AESCBC\" VALUE=\"" +
      bvlive::base64_encode(guid) + "\"></KID></KIDS></PROTECTINFO></DATA></WRMHEADER>";
  std::vector<std::uint8_t> utf16;
  for (char c : header) put16le(utf16, static_cast<std::uint16_t>(static_cast<unsigned char>(c)));
  std::vector<std::uint8_t> pro;
  put32le(pro, static_cast<std::uint32_t>(4 + 2 + 2 + 2 + utf16.size()));
  put16le(pro, 1);  // record count
  put16le(pro, 1);  // record type: rights management header
  put16le(pro, static_cast<std::uint16_t>(utf16.size()));
  pro.insert(pro.end(), utf16.begin(), utf16.end());
  return pro;
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const auto n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 422: return "Unprocessable Entity";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

void respond(int fd, int status, std::string_view content_type, std::string_view body, bool speke_headers,
             std::string_view extra = {}) {
  std::ostringstream out;
  out << "HTTP/1.1 " << status << ' ' << reason(status) << "\r\n"
      << "Content-Type: " << content_type << "\r\n"
      << "Content-Length: " << body.size() << "\r\n"
      << "Connection: close\r\n";
  if (speke_headers)
    out << "X-Speke-Version: " << bvlive::drm::kSpekeVersion << "\r\n"
        << "X-Speke-User-Agent: " << kUserAgent << "\r\n";
  out << extra << "\r\n" << body;
  send_all(fd, out.str());
}

// The prefix `root` binds `ns` to ("" for the default namespace); declares "pskc" when it
// binds none.
std::string prefix_for(pugi::xml_node root, std::string_view ns, const char* fallback) {
  for (auto a : root.attributes()) {
    const std::string_view name = a.name();
    if (ns != a.value()) continue;
    if (name == "xmlns") return "";
    if (name.starts_with("xmlns:")) return std::string(name.substr(6)) + ":";
  }
  root.append_attribute((std::string("xmlns:") + fallback).c_str()) = std::string(ns).c_str();
  return std::string(fallback) + ":";
}

std::string_view local_name(const char* name) {
  std::string_view n(name);
  const auto colon = n.find(':');
  return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

template <class F>
void each_element(pugi::xml_node parent, std::string_view name, F&& f) {
  for (auto c : parent.children())
    if (c.type() == pugi::node_element && local_name(c.name()) == name) f(c);
}

pugi::xml_node first_element(pugi::xml_node parent, std::string_view name) {
  for (auto c : parent.children())
    if (c.type() == pugi::node_element && local_name(c.name()) == name) return c;
  return {};
}

}  // namespace

std::string SpekeSeen::header(const std::string& name) const {
  const auto n = lower(name);
  for (const auto& [k, v] : headers)
    if (k == n) return v;
  return "";
}

SpekeServer::SpekeServer(Options options) : options_(std::move(options)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error("SpekeServer: socket: " + std::string(std::strerror(errno)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 16) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const std::string error = std::strerror(errno);
    ::close(listen_fd_);
    throw std::runtime_error("SpekeServer: listen on 127.0.0.1: " + error);
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { run(); });
}

SpekeServer::~SpekeServer() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  ::close(listen_fd_);
}

std::string SpekeServer::url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/speke/v2.0/copyProtection";
}

void SpekeServer::set_mode(Mode mode, int error_status) {
  std::lock_guard lock(mutex_);
  options_.mode = mode;
  options_.error_status = error_status;
}

std::vector<SpekeSeen> SpekeServer::requests() const {
  std::lock_guard lock(mutex_);
  return seen_;
}

Block16 SpekeServer::key_for(const Block16& kid) const {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (!HMAC(EVP_sha256(), options_.secret.data(), static_cast<int>(options_.secret.size()), kid.data(), kid.size(),
            mac, &mac_len))
    throw std::runtime_error("SpekeServer: HMAC-SHA256 failed");
  Block16 key{};
  std::copy(mac, mac + 16, key.begin());
  return key;
}

std::vector<std::uint8_t> SpekeServer::pssh_for(DrmSystem system, const Block16& kid) {
  switch (system) {
    case DrmSystem::Widevine: return pssh_box(bvlive::cenc::kWidevineSystemId, {}, widevine_data(kid));
    case DrmSystem::PlayReady: return pssh_box(bvlive::cenc::kPlayReadySystemId, {}, playready_object(kid));
    case DrmSystem::ClearKey: return pssh_box(bvlive::cenc::kClearKeySystemId, {kid}, {});  // W3C Common PSSH
    case DrmSystem::FairPlay: return {};
  }
  return {};
}

std::string SpekeServer::hls_tag_for(DrmSystem system, const Block16& kid, bool master) {
  const std::string uri = system == DrmSystem::FairPlay
                              ? "skd://" + bvlive::hex_encode(kid)
                              : "data:text/plain;base64," + bvlive::base64_encode(pssh_for(system, kid));
  return std::string(master ? "#EXT-X-SESSION-KEY:" : "#EXT-X-KEY:") + "METHOD=SAMPLE-AES,URI=\"" + uri +
         "\",KEYFORMAT=\"" + std::string(bvlive::drm::info(system).keyformat) + "\",KEYFORMATVERSIONS=\"1\"";
}

void SpekeServer::run() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, kPollMs);
    if (ready <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    serve(fd);
    ::close(fd);
  }
}

void SpekeServer::serve(int fd) {
  // Read the head, then Content-Length bytes of body, within kReadTimeout.
  const auto deadline = Clock::now() + kReadTimeout;
  std::string data;
  std::size_t head_end = std::string::npos, body_size = 0;
  char buf[8192];
  while (!stop_ && Clock::now() < deadline) {
    if (head_end != std::string::npos && data.size() >= head_end + 4 + body_size) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, kPollMs) <= 0) continue;
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return;
    data.append(buf, static_cast<std::size_t>(n));
    if (data.size() > kMaxRequest) return;
    if (head_end == std::string::npos && (head_end = data.find("\r\n\r\n")) != std::string::npos) {
      const auto head = lower(data.substr(0, head_end));
      const auto cl = head.find("\r\ncontent-length:");
      if (cl != std::string::npos) body_size = std::strtoul(head.c_str() + cl + 17, nullptr, 10);
    }
  }
  if (head_end == std::string::npos || data.size() < head_end + 4 + body_size) return;

  SpekeSeen seen;
  std::istringstream head(data.substr(0, head_end));
  std::string line;
  std::getline(head, line);
  std::istringstream request_line(line);
  request_line >> seen.method >> seen.path;
  while (std::getline(head, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    seen.headers.emplace_back(lower(trim(line.substr(0, colon))), trim(line.substr(colon + 1)));
  }
  seen.body = data.substr(head_end + 4, body_size);
  pugi::xml_document doc;
  if (doc.load_buffer(seen.body.data(), seen.body.size())) {
    const auto root = doc.document_element();
    each_element(first_element(root, "ContentKeyList"), "ContentKey", [&](pugi::xml_node k) {
      if (auto kid = bvlive::drm::uuid_to_kid(k.attribute("kid").value())) seen.kids.push_back(*kid);
    });
    each_element(first_element(root, "DRMSystemList"), "DRMSystem", [&](pugi::xml_node s) {
      const auto system = bvlive::drm::system_of_uuid(s.attribute("systemId").value());
      if (system && std::find(seen.systems.begin(), seen.systems.end(), *system) == seen.systems.end())
        seen.systems.push_back(*system);
    });
  }
  Options options;
  {
    std::lock_guard lock(mutex_);
    seen_.push_back(seen);
    options = options_;
  }

  switch (options.mode) {
    case Mode::HttpError:
      respond(fd, options.error_status, "text/plain", "the test key server fails as asked\n", true);
      return;
    case Mode::Garbage:
      respond(fd, 200, "application/xml", "\x01garbage <<< not & XML", true);
      return;
    case Mode::Stall:
      // Until the client hangs up (recv gives 0) or the server stops.
      while (!stop_) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, kPollMs) > 0 && ::recv(fd, buf, sizeof buf, 0) <= 0) return;
      }
      return;
    case Mode::Answer: break;
  }
  if (!options.username.empty() &&
      seen.header("authorization") !=
          "Basic " + bvlive::base64_encode(std::string_view(options.username + ":" + options.password))) {
    respond(fd, 401, "text/plain", "Unauthorized\n", true, "WWW-Authenticate: Basic realm=\"speke\"\r\n");
    return;
  }
  if (seen.method != "POST") {
    respond(fd, 405, "text/plain", "POST a CPIX document\n", true, "Allow: POST\r\n");
    return;
  }
  if (seen.header("x-speke-version") != bvlive::drm::kSpekeVersion) {
    respond(fd, 422, "text/plain", "Unsupported SPEKE version\n", true);
    return;
  }
  int status = 200;
  const auto body = answer_cpix(seen, status);
  respond(fd, status, status == 200 ? "application/xml" : "text/plain", body, true);
}

// The request document with its blanks filled, or an error text with `status` 422 (the
// errors MediaPackage's SPEKE v2 guide lists).
std::string SpekeServer::answer_cpix(const SpekeSeen& seen, int& status) const {
  status = 422;
  pugi::xml_document doc;
  if (!doc.load_buffer(seen.body.data(), seen.body.size())) return "Invalid CPIX document\n";
  auto root = doc.document_element();
  if (local_name(root.name()) != "CPIX") return "Invalid CPIX document\n";
  if (!root.attribute("contentId")) return "Missing CPIX@contentId\n";
  if (!root.attribute("version")) return "Missing CPIX@version\n";
  if (std::string_view(root.attribute("version").value()) != bvlive::drm::kCpixVersion)
    return "Unsupported CPIX@version\n";
  const std::string root_name = root.name();
  const auto colon = root_name.find(':');
  const std::string cpix = colon == std::string::npos ? "" : root_name.substr(0, colon + 1);
  const std::string pskc = prefix_for(root, bvlive::drm::kPskcNamespace, "pskc");

  std::string error;
  each_element(first_element(root, "ContentKeyList"), "ContentKey", [&](pugi::xml_node k) {
    const auto kid = bvlive::drm::uuid_to_kid(k.attribute("kid").value());
    if (!kid) {
      error = "Invalid ContentKey@kid\n";
      return;
    }
    if (!k.attribute("commonEncryptionScheme")) {
      error = "Missing ContentKey@commonEncryptionScheme for KID " + std::string(k.attribute("kid").value()) + "\n";
      return;
    }
    k.remove_child(first_element(k, "Data"));
    k.append_child((cpix + "Data").c_str())
        .append_child((pskc + "Secret").c_str())
        .append_child((pskc + "PlainValue").c_str())
        .text()
        .set(bvlive::base64_encode(key_for(*kid)).c_str());
  });
  if (!error.empty()) return error;

  each_element(first_element(root, "DRMSystemList"), "DRMSystem", [&](pugi::xml_node s) {
    const auto kid = bvlive::drm::uuid_to_kid(s.attribute("kid").value());
    const auto system = bvlive::drm::system_of_uuid(s.attribute("systemId").value());
    if (!kid || !system) return;  // not a system of ours: left as asked
    if (auto pssh = first_element(s, "PSSH")) pssh.text().set(bvlive::base64_encode(pssh_for(*system, *kid)).c_str());
    each_element(s, "HLSSignalingData", [&](pugi::xml_node h) {
      const bool master = std::string_view(h.attribute("playlist").value()) == "master";
      h.text().set(bvlive::base64_encode(std::string_view(hls_tag_for(*system, *kid, master))).c_str());
    });
  });

  status = 200;
  std::ostringstream out;
  doc.save(out, "  ");
  return out.str();
}

}  // namespace bvtest
