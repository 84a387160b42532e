#include "protocols/sdp/answer.hpp"

#include <algorithm>
#include <cctype>

namespace bvlive::sdp {
namespace {

constexpr const char* kCrlf = "\r\n";

// Feedback we act on: key frame requests. Plain nack, transport-cc and goog-remb are dropped
// (no retransmission or congestion control in a receive-only ingest).
bool kept_feedback(const std::string& fb) { return fb == "nack pli" || fb == "ccm fir"; }

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string rtpmap(const Codec& c) {
  std::string line = "a=rtpmap:" + std::to_string(c.payload_type) + " " + c.name + "/" + std::to_string(c.clock_rate);
  if (c.channels > 1) line += "/" + std::to_string(c.channels);
  return line;
}

// Priority per RFC 8445 5.1.2.1: type preference 126 (host), local preference falling with index.
std::uint32_t host_priority(std::size_t index) {
  const std::uint32_t local = 65535 - static_cast<std::uint32_t>(std::min<std::size_t>(index, 65535));
  return (126u << 24) | (local << 8) | 255u;
}

void rejected_section(std::string& out, const MediaSection& m) {
  out += "m=" + m.kind + " 0 " + m.protocol + " " + (m.formats.empty() ? std::string("0") : m.formats.front()) + kCrlf;
  out += std::string("c=IN IP4 0.0.0.0") + kCrlf;
  if (!m.mid.empty()) out += "a=mid:" + m.mid + kCrlf;
  out += std::string("a=inactive") + kCrlf;
}

void accepted_section(std::string& out, const MediaSection& m, const Codec& c, const AnswerParams& p) {
  const std::string pt = std::to_string(c.payload_type);
  out += "m=" + m.kind + " 9 " + m.protocol + " " + pt + kCrlf;
  out += std::string("c=IN IP4 0.0.0.0") + kCrlf;
  out += "a=ice-ufrag:" + p.ice_ufrag + kCrlf;
  out += "a=ice-pwd:" + p.ice_pwd + kCrlf;
  out += "a=fingerprint:sha-256 " + upper(p.fingerprint_sha256) + kCrlf;
  out += std::string("a=setup:passive") + kCrlf;
  if (!m.mid.empty()) out += "a=mid:" + m.mid + kCrlf;
  for (const auto& [id, uri] : m.extmaps)
    if (uri == kMidExtensionUri) out += "a=extmap:" + std::to_string(id) + " " + uri + kCrlf;
  out += std::string("a=recvonly") + kCrlf;
  out += std::string("a=rtcp-mux") + kCrlf;
  if (m.rtcp_rsize) out += std::string("a=rtcp-rsize") + kCrlf;
  out += rtpmap(c) + kCrlf;
  for (const std::string& fb : c.rtcp_fb)
    if (kept_feedback(fb)) out += "a=rtcp-fb:" + pt + " " + fb + kCrlf;
  if (!c.fmtp.empty()) out += "a=fmtp:" + pt + " " + c.fmtp + kCrlf;
  for (std::size_t i = 0; i < p.candidates.size(); ++i)
    out += "a=candidate:" + std::to_string(i + 1) + " 1 udp " + std::to_string(host_priority(i)) + " " +
           p.candidates[i].ip + " " + std::to_string(p.candidates[i].port) + " typ host" + kCrlf;
  out += std::string("a=end-of-candidates") + kCrlf;
}

}  // namespace

std::string build_answer(const Offer& offer, const Selection& selection, const AnswerParams& params) {
  const auto chosen = [&](std::size_t i) -> const Codec* {
    if (selection.video_section == i && selection.video) return &*selection.video;
    if (selection.audio_section == i && selection.audio) return &*selection.audio;
    return nullptr;
  };
  std::string bundle;
  for (std::size_t i = 0; i < offer.media.size(); ++i)
    if (chosen(i) && !offer.media[i].mid.empty()) bundle += " " + offer.media[i].mid;

  std::string out;
  out += "v=0" + std::string(kCrlf);
  out += "o=- " + std::to_string(params.session_id) + " 2 IN IP4 127.0.0.1" + kCrlf;
  out += std::string("s=-") + kCrlf;
  out += std::string("t=0 0") + kCrlf;
  // Only a group the offer asked for; a lone unbundled section needs none.
  if (!offer.bundle_mids.empty() && !bundle.empty()) out += "a=group:BUNDLE" + bundle + kCrlf;
  out += std::string("a=ice-lite") + kCrlf;
  for (std::size_t i = 0; i < offer.media.size(); ++i) {
    if (const Codec* c = chosen(i))
      accepted_section(out, offer.media[i], *c, params);
    else
      rejected_section(out, offer.media[i]);
  }
  return out;
}

}  // namespace bvlive::sdp
