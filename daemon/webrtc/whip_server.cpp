#include "webrtc/whip_server.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/rand.h>

#include <cstring>
#include <utility>

#include "log/log.hpp"
#include "net/address.hpp"
#include "protocols/sdp/answer.hpp"
#include "protocols/sdp/ffmpeg_sdp.hpp"
#include "protocols/sdp/offer.hpp"
#include "protocols/stun/binding.hpp"
#include "protocols/stun/ice_username.hpp"
#include "protocols/stun/integrity.hpp"
#include "protocols/stun/message.hpp"
#include "protocols/stun/packet_kind.hpp"
#include "util/ascii.hpp"
#include "util/random_id.hpp"

namespace bvlive {
namespace {

using http::Response;

// ICE ufrag and password characters (RFC 8839 ice-char).
constexpr std::string_view kIceChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

Response error(int status, std::string reason) {
  Response r = Response::text(status, std::move(reason));
  r.set("Cache-Control", "no-store");
  return r;
}

std::string address_key(const sockaddr* a) { return net::format_address(a); }

stun::Address stun_address(const sockaddr* a) {
  if (a->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(a);
    std::array<std::uint8_t, 16> ip{};
    std::memcpy(ip.data(), &in6->sin6_addr, 16);
    return stun::Address::ipv6(ip, ntohs(in6->sin6_port));
  }
  const auto* in = reinterpret_cast<const sockaddr_in*>(a);
  std::array<std::uint8_t, 4> ip{};
  std::memcpy(ip.data(), &in->sin_addr, 4);
  return stun::Address::ipv4(ip, ntohs(in->sin_port));
}

// An even port P on 127.0.0.1 with P+1 free too (ffmpeg's RTP demuxer takes P for RTP and
// P+1 for RTCP). ffmpeg binds them a moment later; on loopback the race is harmless.
int pick_rtp_port() {
  for (int attempt = 0; attempt < 64; ++attempt) {
    std::uint16_t r = 0;
    RAND_bytes(reinterpret_cast<unsigned char*>(&r), sizeof r);
    const int port = 20000 + (r % 20000) * 2;
    int fds[2] = {-1, -1};
    bool ok = true;
    for (int i = 0; i < 2 && ok; ++i) {
      fds[i] = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(static_cast<std::uint16_t>(port + i));
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      ok = fds[i] >= 0 && ::bind(fds[i], reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    }
    for (int fd : fds)
      if (fd >= 0) ::close(fd);
    if (ok) return port;
  }
  throw std::runtime_error("no free UDP port pair on 127.0.0.1 for the packager");
}

}  // namespace

WhipServer::WhipServer(uv_loop_t* loop, const WebrtcSettings& settings, const MediaSettings& media,
                       const std::string& state_dir, LiveService& lives, ingest::IngestHandler& handler)
    : loop_(loop),
      settings_(settings),
      media_(media),
      lives_(lives),
      handler_(handler),
      certificate_(webrtc::DtlsCertificate::load_or_create(state_dir)),
      buffer_(65536),
      reaper_(loop),
      kick_timer_(loop) {}

WhipServer::~WhipServer() {
  auto peers = std::move(peers_);
  for (auto& [id, peer] : peers) peer->close("daemon shutting down");
  graveyard_.clear();
}

int WhipServer::listen() {
  sockaddr_storage addr{};
  net::parse_address(settings_.listen, settings_.port, addr);
  if (uv_udp_init(loop_, socket_.get()) != 0) throw std::runtime_error("uv_udp_init failed");
  socket_.mark_initialized();
  socket_->data = this;
  int rc = uv_udp_bind(socket_.get(), reinterpret_cast<sockaddr*>(&addr), 0);
  if (rc == 0)
    rc = uv_udp_recv_start(
        socket_.get(),
        [](uv_handle_t* h, size_t, uv_buf_t* buf) {
          auto* self = static_cast<WhipServer*>(h->data);
          *buf = uv_buf_init(reinterpret_cast<char*>(self->buffer_.data()), static_cast<unsigned>(self->buffer_.size()));
        },
        [](uv_udp_t* h, ssize_t nread, const uv_buf_t* buf, const sockaddr* from, unsigned) {
          auto* self = static_cast<WhipServer*>(h->data);
          if (!self || nread <= 0 || !from) return;
          self->on_datagram(from, {reinterpret_cast<const std::uint8_t*>(buf->base), static_cast<std::size_t>(nread)});
        });
  if (rc != 0)
    throw std::runtime_error("cannot listen for WebRTC (WHIP) on UDP " + settings_.listen + ":" +
                             std::to_string(settings_.port) + ": " + uv_strerror(rc) +
                             "; set [webrtc] port in bvlived.toml to a free port, or enabled = false");
  sockaddr_storage bound{};
  int len = sizeof bound;
  uv_udp_getsockname(socket_.get(), reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                      : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  log::info("webrtc", "WHIP ICE-lite on UDP " + settings_.listen + ":" + std::to_string(port_) +
                          ", DTLS fingerprint " + certificate_.fingerprint_sha256());
  return port_;
}

std::vector<std::string> WhipServer::candidate_addresses() const {
  if (!settings_.candidates.empty()) return settings_.candidates;
  if (settings_.listen != "0.0.0.0" && settings_.listen != "::") return {settings_.listen};
  std::vector<std::string> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) == 0) {
    for (ifaddrs* i = list; i; i = i->ifa_next) {
      if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
      char ip[INET_ADDRSTRLEN] = {};
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, ip, sizeof ip);
      if (std::string_view(ip).rfind("127.", 0) != 0) out.emplace_back(ip);
    }
    ::freeifaddrs(list);
  }
  if (out.empty()) out.emplace_back("127.0.0.1");
  return out;
}

Response WhipServer::handle(const http::Request& req, const http::ClientInfo& client) {
  // /whip/ID or /whip/ID/RESOURCE
  std::vector<std::string> parts;
  for (std::size_t i = 0; i < req.path.size();) {
    const std::size_t j = req.path.find('/', i);
    const std::string part = req.path.substr(i, j == std::string::npos ? std::string::npos : j - i);
    if (!part.empty()) parts.push_back(part);
    if (j == std::string::npos) break;
    i = j + 1;
  }
  if (parts.size() == 2) {
    if (req.method == "POST") return post(parts[1], req, client);
    if (req.method == "OPTIONS") {
      Response r;
      r.status = 204;
      r.set("Accept-Post", "application/sdp");
      r.set("Allow", "POST, OPTIONS");
      return r;
    }
    Response r = error(405, "WHIP: POST an SDP offer to /whip/ID; " + req.method + " is not allowed here");
    r.set("Allow", "POST, OPTIONS");
    return r;
  }
  if (parts.size() == 3) {
    if (req.method == "DELETE") return remove(parts[1], parts[2]);
    if (req.method == "PATCH") {
      Response r = error(405, "trickle ICE and ICE restarts are not supported: send every candidate in the offer");
      r.set("Allow", "DELETE, OPTIONS");
      return r;
    }
    if (req.method == "OPTIONS") {
      Response r;
      r.status = 204;
      r.set("Allow", "DELETE, OPTIONS");
      return r;
    }
    Response r = error(405, "WHIP session resources take DELETE only");
    r.set("Allow", "DELETE, OPTIONS");
    return r;
  }
  return error(404, "nothing at " + req.path + "; WHIP endpoints are /whip/ID");
}

Response WhipServer::post(const std::string& live_ref, const http::Request& req, const http::ClientInfo& client) {
  const LiveRecord* live = lives_.by_id_or_custom_id(live_ref);
  if (!live) return error(404, "no live '" + live_ref + "'");
  const auto auth = req.header("authorization");
  const std::string_view bearer = "Bearer ";
  if (!auth || auth->size() <= bearer.size() || !iequals(auth->substr(0, bearer.size()), bearer)) {
    Response r = error(401, "WHIP needs the live's stream key as a bearer token (Authorization: Bearer STREAM_KEY)");
    r.set("WWW-Authenticate", "Bearer");
    return r;
  }
  const std::string key(auth->substr(bearer.size()));
  if (key != live->stream_key) {
    log::warn("webrtc", client.address + ":" + std::to_string(client.port) + ": WHIP publish to " + live->label() +
                            " refused: wrong stream key");
    Response r = error(401, "wrong stream key for live " + live->label() + " (bvlive show " + live->label() +
                                " prints it)");
    r.set("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    return r;
  }
  const auto type = req.header("content-type");
  if (!type || !iequals(type->substr(0, std::min<std::size_t>(type->size(), 15)), "application/sdp"))
    return error(415, "WHIP offers are sent as Content-Type: application/sdp");
  auto parsed = sdp::parse_offer(req.body);
  if (auto* e = std::get_if<sdp::OfferError>(&parsed)) return error(400, "bad SDP offer: " + e->message);
  const auto& offer = std::get<sdp::Offer>(parsed);
  auto selected = sdp::select_codecs(offer);
  if (auto* e = std::get_if<sdp::OfferError>(&selected)) return error(400, "bad SDP offer: " + e->message);
  const auto& selection = std::get<sdp::Selection>(selected);
  std::optional<webrtc::DtlsTransport> dtls;
  try {
    dtls.emplace(certificate_, offer.fingerprint);
  } catch (const std::exception& e) {
    return error(400, std::string("bad SDP offer: a=fingerprint: ") + e.what());
  }

  WhipPeer::Setup setup;
  setup.resource_id = random_string(16, "abcdefghijklmnopqrstuvwxyz0123456789");
  setup.live_id = live->id;
  setup.local_ufrag = random_string(8, kIceChars);
  setup.local_pwd = random_string(24, kIceChars);
  setup.etag = "\"" + random_string(12, kIceChars) + "\"";
  setup.selection = selection;
  try {
    if (selection.video) setup.video_port = pick_rtp_port();
    if (selection.audio) setup.audio_port = pick_rtp_port();
  } catch (const std::exception& e) {
    return error(503, e.what());
  }

  ingest::PublishRequest request;
  request.stream_key = key;
  request.protocol = ingest::Protocol::Whip;
  request.container = ingest::Container::RtpSdp;
  request.remote = client.address + ":" + std::to_string(client.port);
  request.ffmpeg_sdp = sdp::ffmpeg_sdp(selection, setup.video_port, setup.audio_port);
  request.transcode_video = selection.video && selection.video->name != "H264";
  request.transcode_audio = selection.audio.has_value();  // Opus: HLS carries AAC
  const std::string resource = setup.resource_id;
  request.kick = [this, resource](const std::string& reason) {
    // Deferred like RTMP's: the session side may call this from inside our own calls.
    kicks_.emplace_back(resource, reason);
    kick_timer_.start(0, 0, [this] {
      for (const auto& [id, why] : std::exchange(kicks_, {}))
        if (auto it = peers_.find(id); it != peers_.end()) {
          log::info("webrtc", "WHIP session " + id + " ended: " + why);
          it->second->close("");
        }
    });
  };
  auto result = handler_.publish(std::move(request));
  if (!result.publication) {
    log::warn("webrtc", client.address + ":" + std::to_string(client.port) + ": WHIP publish refused: " +
                            result.refusal);
    return error(403, result.refusal);
  }

  sdp::AnswerParams params;
  params.ice_ufrag = setup.local_ufrag;
  params.ice_pwd = setup.local_pwd;
  params.fingerprint_sha256 = certificate_.fingerprint_sha256();
  for (const auto& ip : candidate_addresses()) params.candidates.push_back({ip, port_});
  RAND_bytes(reinterpret_cast<unsigned char*>(&params.session_id), sizeof params.session_id);
  params.session_id &= 0x7fffffffffffffffULL;
  const std::string answer = sdp::build_answer(offer, selection, params);

  auto peer = std::make_unique<WhipPeer>(*this, loop_, std::move(setup), std::move(*dtls));
  peer->set_publication(std::move(result.publication));
  by_ufrag_[peer->setup().local_ufrag] = peer.get();
  const std::string location = "/whip/" + live_ref + "/" + resource;
  Response r;
  r.status = 201;
  r.body = answer;
  r.set("Content-Type", "application/sdp");
  r.set("Location", location);
  r.set("ETag", peer->setup().etag);
  r.set("Cache-Control", "no-store");
  for (const auto& w : selection.warnings) log::info("webrtc", "WHIP offer for " + live->label() + ": " + w);
  log::info("webrtc", "WHIP session " + resource + " for live " + live->label() + " from " + client.address + ": " +
                          (selection.video ? selection.video->name : std::string("no video")) + " + " +
                          (selection.audio ? selection.audio->name : std::string("no audio")));
  peers_.emplace(resource, std::move(peer));
  return r;
}

Response WhipServer::remove(const std::string& live_ref, const std::string& resource) {
  auto it = peers_.find(resource);
  const LiveRecord* live = lives_.by_id_or_custom_id(live_ref);
  if (it == peers_.end() || !live || it->second->setup().live_id != live->id)
    return error(404, "no WHIP session " + resource + " for live " + live_ref + " (it may have ended)");
  it->second->close("the client ended the WHIP session (DELETE)");
  Response r;
  r.status = 200;
  return r;
}

void WhipServer::on_datagram(const sockaddr* from, std::span<const std::uint8_t> bytes) {
  switch (stun::classify(bytes)) {
    case stun::PacketKind::Stun:
      on_stun(from, bytes);
      return;
    case stun::PacketKind::Dtls:
    case stun::PacketKind::Rtp:
    case stun::PacketKind::Rtcp: {
      auto it = by_address_.find(address_key(from));
      if (it == by_address_.end()) return;  // not from a path that passed ICE: dropped
      WhipPeer* peer = it->second;
      if (stun::classify(bytes) == stun::PacketKind::Dtls) peer->on_dtls(bytes);
      else peer->on_srtp({bytes.begin(), bytes.end()}, stun::classify(bytes) == stun::PacketKind::Rtcp);
      return;
    }
    case stun::PacketKind::Unknown:
      return;
  }
}

void WhipServer::on_stun(const sockaddr* from, std::span<const std::uint8_t> bytes) {
  auto parsed = stun::parse(bytes);
  auto* message = std::get_if<stun::Message>(&parsed);
  if (!message || !message->is_binding_request()) return;  // ICE-lite only answers requests
  const auto username = message->username();
  const auto parts = username ? stun::split_username(*username) : std::nullopt;
  if (!parts) return;
  auto it = by_ufrag_.find(parts->first);
  if (it == by_ufrag_.end()) return;
  WhipPeer* peer = it->second;
  if (!stun::verify_integrity(bytes, *message, peer->setup().local_pwd)) {
    send_to_raw(from, stun::binding_error(*message, 401, "Unauthorized", ""));
    return;
  }
  send_to_raw(from, stun::binding_success(*message, stun_address(from), peer->setup().local_pwd));
  sockaddr_storage addr{};
  std::memcpy(&addr, from, from->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in));
  bind_address(*peer, addr);
  peer->consent(addr, message->use_candidate());
}

void WhipServer::bind_address(WhipPeer& peer, const sockaddr_storage& from) {
  by_address_[address_key(reinterpret_cast<const sockaddr*>(&from))] = &peer;
}

void WhipServer::send_to_raw(const sockaddr* to, std::span<const std::uint8_t> bytes) {
  uv_buf_t b = uv_buf_init(const_cast<char*>(reinterpret_cast<const char*>(bytes.data())),
                           static_cast<unsigned>(bytes.size()));
  // Datagrams: a full socket buffer drops them, as the network would.
  (void)uv_udp_try_send(socket_.get(), &b, 1, to);
}

void WhipServer::send_to(const sockaddr_storage& to, std::span<const std::uint8_t> bytes) {
  send_to_raw(reinterpret_cast<const sockaddr*>(&to), bytes);
}

void WhipServer::forward_rtp(int port, std::span<const std::uint8_t> bytes) {
  if (port <= 0) return;
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  send_to_raw(reinterpret_cast<const sockaddr*>(&to), bytes);
}

void WhipServer::forget(WhipPeer& peer) {
  by_ufrag_.erase(peer.setup().local_ufrag);
  for (auto it = by_address_.begin(); it != by_address_.end();)
    it = it->second == &peer ? by_address_.erase(it) : std::next(it);
  auto it = peers_.find(peer.setup().resource_id);
  if (it == peers_.end()) return;
  graveyard_.push_back(std::move(it->second));
  peers_.erase(it);
  reaper_.start(0, 0, [this] { graveyard_.clear(); });
}

}  // namespace bvlive
