#include "protocols/sdp/codec_selection.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace bvlive::sdp {
namespace {

constexpr const char* kWhatWeTake =
    "bvlive takes H.264 (packetization-mode=1) or VP8 video and Opus audio";

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// Lower is better; nullopt: not receivable.
std::optional<int> h264_rank(const Codec& c) {
  if (!iequals(c.name, "H264") || c.clock_rate != 90000) return std::nullopt;
  if (fmtp_parameter(c.fmtp, "packetization-mode") != "1") return std::nullopt;
  std::string profile = fmtp_parameter(c.fmtp, "profile-level-id");
  for (char& ch : profile) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (profile.empty()) profile = "42000a";  // RFC 6184's default: baseline, level 1
  if (profile.size() != 6) return 5;
  const std::string idc = profile.substr(0, 2);
  int iop = 0;
  const auto [end, ec] = std::from_chars(profile.data() + 2, profile.data() + 4, iop, 16);
  if (ec != std::errc{} || end != profile.data() + 4) return 5;
  if (idc == "42" && (iop & 0x40)) return 0;  // constraint_set1: constrained baseline
  if (idc == "42") return 1;
  if (idc == "4d") return 2;
  if (idc == "64") return 3;
  return 4;
}

bool is_vp8(const Codec& c) { return iequals(c.name, "VP8") && c.clock_rate == 90000; }
bool is_opus(const Codec& c) { return iequals(c.name, "opus") && c.clock_rate == 48000 && c.channels == 2; }

// Payload types that only carry another one (retransmission, redundancy, FEC, comfort noise, DTMF).
bool is_auxiliary(const Codec& c) {
  for (const char* name : {"rtx", "red", "ulpfec", "flexfec-03", "CN", "telephone-event"})
    if (iequals(c.name, name)) return true;
  return false;
}

std::optional<Codec> best_video(const MediaSection& m) {
  std::optional<Codec> best;
  int best_rank = 1000;
  for (const Codec& c : m.codecs) {
    if (const auto rank = h264_rank(c); rank && *rank < best_rank) {
      best = c;
      best_rank = *rank;
    }
  }
  if (best) return best;
  for (const Codec& c : m.codecs)
    if (is_vp8(c)) return c;
  return std::nullopt;
}

std::optional<Codec> best_audio(const MediaSection& m) {
  for (const Codec& c : m.codecs)
    if (is_opus(c)) return c;
  return std::nullopt;
}

// "VP9, AV1" for the message when nothing fits; H.264 in a mode we refuse is shown as such.
std::string offered_names(const MediaSection& m) {
  std::vector<std::string> names;
  for (const Codec& c : m.codecs) {
    if (is_auxiliary(c)) continue;
    std::string name = c.name.empty() ? "payload type " + std::to_string(c.payload_type) : c.name;
    if (iequals(c.name, "H264"))
      name = "H.264 (packetization-mode=" +
             (fmtp_parameter(c.fmtp, "packetization-mode").empty() ? std::string("0")
                                                                    : fmtp_parameter(c.fmtp, "packetization-mode")) +
             ")";
    else if (iequals(c.name, "opus"))
      name = "Opus/" + std::to_string(c.clock_rate) + "/" + std::to_string(c.channels);
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  if (names.empty()) return "no codec";
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string describe(const MediaSection& m) { return m.kind + (m.mid.empty() ? "" : " (mid " + m.mid + ")"); }

bool in_bundle(const Offer& offer, const MediaSection& m) {
  return !m.mid.empty() && std::find(offer.bundle_mids.begin(), offer.bundle_mids.end(), m.mid) != offer.bundle_mids.end();
}

}  // namespace

std::string fmtp_parameter(const std::string& fmtp, const std::string& key) {
  std::string_view rest = fmtp;
  while (!rest.empty()) {
    const auto semicolon = rest.find(';');
    const std::string_view pair = rest.substr(0, semicolon);
    rest = semicolon == std::string_view::npos ? std::string_view{} : rest.substr(semicolon + 1);
    const auto equals = pair.find('=');
    if (equals == std::string_view::npos) continue;
    if (iequals(trim(pair.substr(0, equals)), key)) return trim(pair.substr(equals + 1));
  }
  return "";
}

std::variant<Selection, OfferError> select_codecs(const Offer& offer) {
  Selection s;
  std::string unsupported;  // "video offers VP9, AV1; audio offers PCMU"
  bool anything_sent = false;
  for (std::size_t i = 0; i < offer.media.size(); ++i) {
    const MediaSection& m = offer.media[i];
    if (!m.active() || !m.is_rtp_media()) continue;
    if (m.direction != "sendonly" && m.direction != "sendrecv") {
      s.warnings.push_back(describe(m) + ": a=" + m.direction + ", nothing to receive");
      continue;
    }
    anything_sent = true;
    const bool video = m.kind == "video";
    if ((video && s.video_section) || (!video && s.audio_section)) {
      s.warnings.push_back(describe(m) + ": only one " + m.kind + " section is received");
      continue;
    }
    std::optional<Codec> codec = video ? best_video(m) : best_audio(m);
    if (!codec) {
      const std::string what = m.kind + " offers " + offered_names(m);
      unsupported += (unsupported.empty() ? "" : "; ") + what;
      s.warnings.push_back(describe(m) + ": " + what + "; " + kWhatWeTake);
      continue;
    }
    if (!m.rtcp_mux)
      return OfferError{"m=" + describe(m) + " has no a=rtcp-mux: bvlive receives RTP and RTCP on one port"};
    (video ? s.video : s.audio) = std::move(codec);
    (video ? s.video_section : s.audio_section) = i;
  }
  if (!anything_sent)
    return OfferError{"the offer sends no media (no audio or video m-section with a=sendonly or a=sendrecv); "
                      "a WHIP client publishes"};
  if (!s.video && !s.audio) return OfferError{"no supported codec: " + unsupported + "; " + kWhatWeTake};
  if (s.video_section && s.audio_section &&
      !(in_bundle(offer, offer.media[*s.video_section]) && in_bundle(offer, offer.media[*s.audio_section])))
    return OfferError{"audio and video are not in one a=group:BUNDLE: bvlive receives both on one transport"};
  return s;
}

}  // namespace bvlive::sdp
