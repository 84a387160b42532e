// The SDP answer a receive-only ICE-lite DTLS-SRTP endpoint gives a WHIP offer (RFC 9725,
// RFC 8829 rules): every offered m-section is answered in order; the chosen ones carry only the
// chosen payload type, a=recvonly, a=rtcp-mux, our ICE credentials, our certificate's SHA-256
// fingerprint, a=setup:passive (we are the DTLS server) and our host candidates; all others get
// port 0 and a=inactive. Feedback kept: "nack pli" and "ccm fir" (key frame requests) when
// offered; header extensions kept: only the MID one (urn:ietf:params:rtp-hdrext:sdes:mid), which
// lets the daemon demultiplex bundled streams without signalled SSRCs. CRLF line ends.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "protocols/sdp/codec_selection.hpp"
#include "protocols/sdp/offer.hpp"

namespace bvlive::sdp {

// A host UDP candidate: the daemon's address and its one WHIP media port.
struct Candidate {
  std::string ip;  // IPv4 dotted or IPv6 text
  int port = 0;
};

struct AnswerParams {
  std::string ice_ufrag, ice_pwd;  // ours; ice-chars only (A-Z a-z 0-9 + /)
  std::string fingerprint_sha256;  // of our DTLS certificate, hex with colons (upper-cased here)
  std::vector<Candidate> candidates;
  std::uint64_t session_id = 0;    // o= line; keep below 2^63 (RFC 8866)
};

inline constexpr std::string_view kMidExtensionUri = "urn:ietf:params:rtp-hdrext:sdes:mid";

// `selection` must come from select_codecs(offer).
std::string build_answer(const Offer& offer, const Selection& selection, const AnswerParams& params);

}  // namespace bvlive::sdp
