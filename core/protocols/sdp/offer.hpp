// A WHIP client's SDP offer (RFC 8866 syntax, JSEP/RFC 8829 content), read into the few things
// a receive-only ICE-lite DTLS-SRTP endpoint needs: ICE credentials, the DTLS fingerprint and
// role, and per m-section the codecs, SSRCs, header extensions and direction.
//
// Session-level a=ice-ufrag / a=ice-pwd / a=fingerprint / a=setup apply to every m-section that
// has none of its own; MediaSection holds the resolved values. Offer's own fields are those of
// the first active audio/video m-section (what the daemon's single transport uses under BUNDLE).
//
// Refused, with a message a person can act on: not SDP, a malformed line ("line N: ..."), more
// than 64 KiB or 16 m-sections, audio/video not on UDP/TLS/RTP/SAVPF, no fingerprint, no ICE
// credentials, a=setup:passive (we are the DTLS server). Codec choice is select_codecs()'s job.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace bvlive::sdp {

inline constexpr std::size_t kMaxOfferBytes = 64 * 1024;
inline constexpr std::size_t kMaxMediaSections = 16;

// The WebRTC media transport: ICE + DTLS-SRTP with RTCP feedback.
inline constexpr std::string_view kWebrtcProtocol = "UDP/TLS/RTP/SAVPF";

struct Codec {
  int payload_type = -1;
  std::string name;                     // as offered: "H264", "VP8", "opus", "rtx", ...
  int clock_rate = 0;
  int channels = 0;                     // audio: from rtpmap, 1 if absent; video: 0
  std::string fmtp;                     // the a=fmtp parameters, verbatim ("" if none)
  std::vector<std::string> rtcp_fb;     // "nack", "nack pli", "ccm fir", "transport-cc", ...
};

struct MediaSection {
  std::string kind;                     // "audio", "video", or anything else offered ("application")
  int port = 0;                         // 0 and not bundle_only: the offerer rejected it
  std::string protocol;                 // "UDP/TLS/RTP/SAVPF", "UDP/DTLS/SCTP", ...
  std::vector<std::string> formats;     // the m-line's format list, in order
  std::string mid;                      // "" if the section has no a=mid
  std::string direction = "sendrecv";   // sendrecv | sendonly | recvonly | inactive
  std::vector<Codec> codecs;            // one per RTP payload type of the m-line, in m-line order
  std::vector<std::uint32_t> ssrcs;     // distinct a=ssrc values, in order of appearance
  std::vector<std::pair<int, std::string>> extmaps;  // (id, URI)
  bool rtcp_mux = false;
  bool rtcp_rsize = false;
  bool bundle_only = false;
  // Transport, resolved (own lines, else the session's).
  std::string ice_ufrag, ice_pwd;
  std::string fingerprint_algorithm;    // lower case: "sha-256"
  std::string fingerprint;              // upper-case hex with colons
  std::string setup;                    // actpass | active | "" (none given)

  // Not rejected by the offerer: a usable port, or port 0 with a=bundle-only.
  bool active() const { return port != 0 || bundle_only; }
  bool is_rtp_media() const { return kind == "audio" || kind == "video"; }
  const Codec* codec(int payload_type) const;
};

struct Offer {
  std::string ice_ufrag, ice_pwd;
  std::string fingerprint_algorithm, fingerprint;
  std::string setup;
  std::vector<MediaSection> media;
  std::vector<std::string> bundle_mids;  // the first a=group:BUNDLE, in order
};

struct OfferError {
  std::string message;
};

std::variant<Offer, OfferError> parse_offer(std::string_view sdp);

}  // namespace bvlive::sdp
