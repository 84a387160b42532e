// A WHIP client's SDP offer as the WHIP endpoint takes it (whip_server.cpp): the POST body
// through parse_offer, then select_codecs, and for a usable offer the answer sent back
// (build_answer) and the SDP file given to ffmpeg (ffmpeg_sdp). Never crashes; an accepted
// offer keeps the parser's promises (at most 16 m-sections, credentials and a fingerprint
// on every receivable section, no a=setup:passive); the selection points at sections of
// the offer that can carry what it chose; and nothing the offerer wrote can add a line to
// the answer or the ffmpeg SDP (every line ends where the writer ended it).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "protocols/sdp/answer.hpp"
#include "protocols/sdp/codec_selection.hpp"
#include "protocols/sdp/ffmpeg_sdp.hpp"
#include "protocols/sdp/offer.hpp"

using namespace bvlive::sdp;

namespace {

void check_at(bool ok, const char* what, int line) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_sdp_offer.cpp:%d: property failed: %s\n", line, what);
  std::abort();
}
#define check(cond) check_at((cond), #cond, __LINE__)

std::size_t count(std::string_view text, std::string_view what) {
  std::size_t n = 0;
  for (std::size_t pos = text.find(what); pos != std::string_view::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

// Lines that start with `prefix` (at the start of the text or after a '\n').
std::size_t lines_starting(std::string_view text, std::string_view prefix) {
  std::size_t n = text.starts_with(prefix) ? 1 : 0;
  return n + count(text, "\n" + std::string(prefix));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto parsed = parse_offer(body);
  if (auto* e = std::get_if<OfferError>(&parsed)) {
    check(!e->message.empty());
    return 0;
  }
  const Offer& offer = std::get<Offer>(parsed);
  check(size <= kMaxOfferBytes);
  check(!offer.media.empty() && offer.media.size() <= kMaxMediaSections);
  for (const MediaSection& m : offer.media) {
    for (const Codec& c : m.codecs) {
      check(c.payload_type >= 0 && c.payload_type <= 127);
      (void)m.codec(c.payload_type);
    }
    if (!m.active() || !m.is_rtp_media()) continue;
    check(m.protocol == kWebrtcProtocol);
    check(!m.fingerprint.empty() && !m.ice_ufrag.empty() && !m.ice_pwd.empty());
    check(m.setup != "passive" && m.setup != "holdconn");
    check(m.codecs.size() == m.formats.size());
  }

  auto selected = select_codecs(offer);
  if (auto* e = std::get_if<OfferError>(&selected)) {
    check(!e->message.empty());
    return 0;
  }
  const Selection& s = std::get<Selection>(selected);
  check(s.video.has_value() || s.audio.has_value());
  check(s.video.has_value() == s.video_section.has_value());
  check(s.audio.has_value() == s.audio_section.has_value());
  if (s.video) {
    check(*s.video_section < offer.media.size());
    check(offer.media[*s.video_section].kind == "video");
    check(offer.media[*s.video_section].codec(s.video->payload_type) != nullptr);
    (void)fmtp_parameter(s.video->fmtp, "profile-level-id");
  }
  if (s.audio) {
    check(*s.audio_section < offer.media.size());
    check(offer.media[*s.audio_section].kind == "audio");
    check(offer.media[*s.audio_section].codec(s.audio->payload_type) != nullptr);
  }

  AnswerParams params;
  params.ice_ufrag = "fuzzUfrg";
  params.ice_pwd = "fuzzPasswordFuzzPassword";
  params.fingerprint_sha256 =
      "5d:83:5c:3c:2f:6e:8d:5a:b2:1f:4e:9a:0c:6b:7d:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11";
  params.candidates = {{"192.0.2.1", 8443}, {"2001:db8::1", 8443}};
  params.session_id = 42;
  const std::string answer = build_answer(offer, s, params);
  check(answer.starts_with("v=0\r\n"));
  check(answer.ends_with("\r\n"));
  check(count(answer, "\n") == count(answer, "\r\n"));  // no line the offer smuggled in
  check(lines_starting(answer, "m=") == offer.media.size());
  check(lines_starting(answer, "a=setup:") ==
        static_cast<std::size_t>(s.video.has_value()) + static_cast<std::size_t>(s.audio.has_value()));

  const std::string for_ffmpeg = ffmpeg_sdp(s, 40000, 40002);
  check(lines_starting(for_ffmpeg, "m=") ==
        static_cast<std::size_t>(s.video.has_value()) + static_cast<std::size_t>(s.audio.has_value()));
  check(lines_starting(for_ffmpeg, "a=rtpmap:") ==
        static_cast<std::size_t>(s.video.has_value()) + static_cast<std::size_t>(s.audio.has_value()));
  check(lines_starting(for_ffmpeg, "c=") == 1);
  return 0;
}
