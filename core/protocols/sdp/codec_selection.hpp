// Which of an offer's codecs bvlive receives: at most one video and one audio m-section, one
// payload type each.
//
// Video: H.264 with packetization-mode=1, constrained baseline first (profile-level-id 42e0xx /
// 42c0xx), then baseline (42 00, also when profile-level-id is absent), main (4d), high (64), then
// any other H.264 profile; else VP8 (transcoded later by ffmpeg). Audio: Opus 48000/2. Within a
// rank the offerer's order wins. Only sections the client sends on (sendonly/sendrecv) count.
// At least one of video/audio must be chosen, both must share one transport (a=group:BUNDLE),
// and chosen sections must offer a=rtcp-mux: the daemon receives everything on one UDP port.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "protocols/sdp/offer.hpp"

namespace bvlive::sdp {

struct Selection {
  std::optional<Codec> video, audio;
  std::optional<std::size_t> video_section, audio_section;  // indices into Offer::media
  // Sections offered but not taken, for the log: "video (mid 2): offers VP9 only; ...".
  std::vector<std::string> warnings;
};

std::variant<Selection, OfferError> select_codecs(const Offer& offer);

// The value of KEY in an fmtp parameter list "a=1;b=2" (case-insensitive key), "" if absent.
std::string fmtp_parameter(const std::string& fmtp, const std::string& key);

}  // namespace bvlive::sdp
