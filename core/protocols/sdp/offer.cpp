#include "protocols/sdp/offer.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <optional>

namespace bvlive::sdp {
namespace {

// What a section (or the session) declares itself; resolved against the session afterwards.
struct Transport {
  std::string ice_ufrag, ice_pwd;
  std::string fingerprint_algorithm, fingerprint;
  std::string setup;
};

// Per m-section lines that refer to payload types, gathered before the codecs are built.
struct PendingSection {
  MediaSection section;
  Transport own;
  bool has_direction = false;
  std::map<int, Codec> rtpmaps;
  std::map<int, std::string> fmtps;
  std::map<int, std::vector<std::string>> rtcp_fbs;
  std::vector<std::string> rtcp_fb_all;  // a=rtcp-fb:* ...
};

struct LineError {
  std::string message;
};

// Quoted in messages: short and printable.
std::string excerpt(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 40)) out += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
  if (s.size() > 40) out += "...";
  return out;
}

template <typename Int>
std::optional<Int> to_int(std::string_view s) {
  Int value{};
  if (s.empty()) return std::nullopt;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return value;
}

std::vector<std::string_view> split_spaces(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    const std::size_t start = i;
    while (i < s.size() && s[i] != ' ') ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool is_direction(std::string_view a) {
  return a == "sendrecv" || a == "sendonly" || a == "recvonly" || a == "inactive";
}

// RFC 8839 ice-char: ALPHA / DIGIT / "+" / "/". A ':' would break STUN's USERNAME.
bool valid_ice_string(std::string_view s) {
  if (s.empty() || s.size() > 256) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/';
  });
}

// Digest size in bytes of the hashes RFC 8122 names; 0 for anything else.
std::size_t digest_bytes(std::string_view algorithm) {
  if (algorithm == "sha-1") return 20;
  if (algorithm == "sha-224") return 28;
  if (algorithm == "sha-256") return 32;
  if (algorithm == "sha-384") return 48;
  if (algorithm == "sha-512") return 64;
  return 0;
}

// "AB:CD:..." with exactly `bytes` pairs of hex digits.
bool valid_fingerprint(std::string_view value, std::size_t bytes) {
  if (value.size() != bytes * 3 - 1) return false;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (i % 3 == 2) {
      if (value[i] != ':') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(value[i]))) {
      return false;
    }
  }
  return true;
}

// Payload types with a static meaning (RFC 3551) that may come without a=rtpmap.
std::optional<Codec> static_payload_type(int pt) {
  switch (pt) {
    case 0: return Codec{0, "PCMU", 8000, 1, "", {}};
    case 8: return Codec{8, "PCMA", 8000, 1, "", {}};
    case 9: return Codec{9, "G722", 8000, 1, "", {}};
    default: return std::nullopt;
  }
}

bool is_rtp_protocol(std::string_view proto) { return proto.find("RTP/") != std::string_view::npos; }

std::optional<LineError> parse_media_line(std::string_view value, PendingSection& p) {
  const auto tokens = split_spaces(value);
  if (tokens.size() < 4) return LineError{"m= needs MEDIA PORT PROTO FORMAT..., got \"" + excerpt(value) + "\""};
  MediaSection& m = p.section;
  m.kind = std::string(tokens[0]);
  std::string_view port = tokens[1];
  if (const auto slash = port.find('/'); slash != std::string_view::npos) port = port.substr(0, slash);
  const auto port_number = to_int<int>(port);
  if (!port_number || *port_number < 0 || *port_number > 65535)
    return LineError{"m= port \"" + excerpt(tokens[1]) + "\" is not a number from 0 to 65535"};
  m.port = *port_number;
  m.protocol = std::string(tokens[2]);
  for (std::size_t i = 3; i < tokens.size(); ++i) {
    if (is_rtp_protocol(m.protocol)) {
      const auto pt = to_int<int>(tokens[i]);
      if (!pt || *pt < 0 || *pt > 127)
        return LineError{"m=" + m.kind + " payload type \"" + excerpt(tokens[i]) + "\" is not a number from 0 to 127"};
    }
    m.formats.emplace_back(tokens[i]);
  }
  return std::nullopt;
}

// a=rtpmap:PT NAME/CLOCK[/CHANNELS]
std::optional<LineError> parse_rtpmap(std::string_view value, PendingSection& p) {
  const auto space = value.find(' ');
  const auto pt = to_int<int>(value.substr(0, space));
  const std::string_view encoding = space == std::string_view::npos ? std::string_view{} : value.substr(space + 1);
  const auto slash = encoding.find('/');
  if (!pt || *pt < 0 || *pt > 127 || slash == std::string_view::npos || slash == 0)
    return LineError{"a=rtpmap needs PT NAME/CLOCK[/CHANNELS], got \"" + excerpt(value) + "\""};
  Codec c;
  c.payload_type = *pt;
  c.name = std::string(encoding.substr(0, slash));
  std::string_view rest = encoding.substr(slash + 1);
  const auto slash2 = rest.find('/');
  const auto clock = to_int<int>(rest.substr(0, slash2));
  std::optional<int> channels = p.section.kind == "audio" ? 1 : 0;
  if (slash2 != std::string_view::npos) channels = to_int<int>(rest.substr(slash2 + 1));
  if (!clock || *clock <= 0 || !channels || *channels < 0)
    return LineError{"a=rtpmap clock rate or channels of \"" + excerpt(value) + "\" is not a number"};
  c.clock_rate = *clock;
  c.channels = *channels;
  p.rtpmaps[*pt] = std::move(c);
  return std::nullopt;
}

// a=fmtp:PT PARAMS and a=rtcp-fb:PT|* FEEDBACK
std::optional<LineError> parse_pt_attribute(std::string_view name, std::string_view value, PendingSection& p) {
  const auto space = value.find(' ');
  const std::string_view pt_text = value.substr(0, space);
  const std::string rest = space == std::string_view::npos ? "" : std::string(value.substr(space + 1));
  if (name == "rtcp-fb" && pt_text == "*") {
    p.rtcp_fb_all.push_back(rest);
    return std::nullopt;
  }
  const auto pt = to_int<int>(pt_text);
  if (!pt || *pt < 0 || *pt > 127)
    return LineError{"a=" + std::string(name) + " needs a payload type first, got \"" + excerpt(value) + "\""};
  if (name == "fmtp")
    p.fmtps[*pt] = rest;
  else
    p.rtcp_fbs[*pt].push_back(rest);
  return std::nullopt;
}

std::optional<LineError> parse_fingerprint(std::string_view value, Transport& t) {
  const auto tokens = split_spaces(value);
  if (tokens.size() != 2) return LineError{"a=fingerprint needs HASH XX:XX:..., got \"" + excerpt(value) + "\""};
  const std::string algorithm = lower(tokens[0]);
  const std::size_t bytes = digest_bytes(algorithm);
  if (bytes == 0)
    return LineError{"a=fingerprint hash \"" + excerpt(tokens[0]) + "\" is not supported; use sha-256"};
  if (!valid_fingerprint(tokens[1], bytes))
    return LineError{"a=fingerprint " + algorithm + " value is not " + std::to_string(bytes) +
                     " colon-separated hex bytes"};
  // Several fingerprints may be offered (RFC 8122); keep sha-256 when it is one of them.
  if (t.fingerprint.empty() || (t.fingerprint_algorithm != "sha-256" && algorithm == "sha-256")) {
    t.fingerprint_algorithm = algorithm;
    t.fingerprint = upper(tokens[1]);
  }
  return std::nullopt;
}

std::optional<LineError> parse_transport_attribute(std::string_view name, std::string_view value, Transport& t) {
  if (name == "ice-ufrag" || name == "ice-pwd") {
    if (!valid_ice_string(value))
      return LineError{"a=" + std::string(name) + " must be 1 to 256 characters of A-Z a-z 0-9 + /"};
    (name == "ice-ufrag" ? t.ice_ufrag : t.ice_pwd) = std::string(value);
    return std::nullopt;
  }
  if (name == "fingerprint") return parse_fingerprint(value, t);
  // setup
  if (value != "actpass" && value != "active" && value != "passive" && value != "holdconn")
    return LineError{"a=setup:" + excerpt(value) + " is not actpass, active, passive or holdconn"};
  t.setup = std::string(value);
  return std::nullopt;
}

std::optional<LineError> parse_media_attribute(std::string_view name, std::string_view value, PendingSection& p) {
  MediaSection& m = p.section;
  if (name == "mid") {
    if (value.empty()) return LineError{"a=mid is empty"};
    m.mid = std::string(value);
  } else if (is_direction(name)) {
    m.direction = std::string(name);
    p.has_direction = true;
  } else if (name == "rtcp-mux") {
    m.rtcp_mux = true;
  } else if (name == "rtcp-rsize") {
    m.rtcp_rsize = true;
  } else if (name == "bundle-only") {
    m.bundle_only = true;
  } else if (name == "rtpmap") {
    return parse_rtpmap(value, p);
  } else if (name == "fmtp" || name == "rtcp-fb") {
    return parse_pt_attribute(name, value, p);
  } else if (name == "ssrc") {
    const auto ssrc = to_int<std::uint32_t>(value.substr(0, value.find(' ')));
    if (!ssrc) return LineError{"a=ssrc needs a 32-bit number first, got \"" + excerpt(value) + "\""};
    if (std::find(m.ssrcs.begin(), m.ssrcs.end(), *ssrc) == m.ssrcs.end()) m.ssrcs.push_back(*ssrc);
  } else if (name == "extmap") {
    const auto space = value.find(' ');
    std::string_view id_text = value.substr(0, space);
    id_text = id_text.substr(0, id_text.find('/'));  // ID/direction
    const auto id = to_int<int>(id_text);
    if (!id || *id < 1 || *id > 255 || space == std::string_view::npos)
      return LineError{"a=extmap needs ID URI with ID from 1 to 255, got \"" + excerpt(value) + "\""};
    const auto uri = split_spaces(value.substr(space + 1));
    if (uri.empty()) return LineError{"a=extmap " + std::to_string(*id) + " has no URI"};
    m.extmaps.emplace_back(*id, std::string(uri[0]));
  } else if (name == "ice-ufrag" || name == "ice-pwd" || name == "fingerprint" || name == "setup") {
    return parse_transport_attribute(name, value, p.own);
  }
  return std::nullopt;
}

// Builds the codec list once all of a section's lines are known.
void finish_section(PendingSection& p) {
  MediaSection& m = p.section;
  if (!is_rtp_protocol(m.protocol)) return;
  for (const std::string& format : m.formats) {
    const int pt = *to_int<int>(format);  // checked by parse_media_line
    Codec c;
    if (const auto it = p.rtpmaps.find(pt); it != p.rtpmaps.end())
      c = it->second;
    else if (const auto known = static_payload_type(pt))
      c = *known;
    else
      c.payload_type = pt;  // dynamic type without rtpmap: unusable, kept so indices match the m-line
    if (const auto it = p.fmtps.find(pt); it != p.fmtps.end()) c.fmtp = it->second;
    if (const auto it = p.rtcp_fbs.find(pt); it != p.rtcp_fbs.end()) c.rtcp_fb = it->second;
    c.rtcp_fb.insert(c.rtcp_fb.end(), p.rtcp_fb_all.begin(), p.rtcp_fb_all.end());
    m.codecs.push_back(std::move(c));
  }
}

void inherit(std::string& field, const std::string& from) {
  if (field.empty()) field = from;
}

void inherit_transport(MediaSection& m, const Transport& t) {
  inherit(m.ice_ufrag, t.ice_ufrag);
  inherit(m.ice_pwd, t.ice_pwd);
  if (m.fingerprint.empty()) {
    m.fingerprint_algorithm = t.fingerprint_algorithm;
    m.fingerprint = t.fingerprint;
  }
  inherit(m.setup, t.setup);
}

void apply_own_transport(MediaSection& m, const Transport& own) {
  m.ice_ufrag = own.ice_ufrag;
  m.ice_pwd = own.ice_pwd;
  m.fingerprint_algorithm = own.fingerprint_algorithm;
  m.fingerprint = own.fingerprint;
  m.setup = own.setup;
}

std::string describe(const MediaSection& m) {
  return "m=" + m.kind + (m.mid.empty() ? "" : " (mid " + m.mid + ")");
}

// Transport rules for the sections we may receive on; the first problem wins.
std::optional<OfferError> check_transport(const Offer& offer) {
  for (const MediaSection& m : offer.media) {
    if (!m.active() || !m.is_rtp_media()) continue;
    if (m.protocol != kWebrtcProtocol)
      return OfferError{describe(m) + " uses " + m.protocol + ", not UDP/TLS/RTP/SAVPF: WHIP media must be " +
                        "ICE + DTLS-SRTP"};
  }
  for (const MediaSection& m : offer.media) {
    if (!m.active() || !m.is_rtp_media()) continue;
    if (m.fingerprint.empty()) return OfferError{"no a=fingerprint: the offer must use DTLS-SRTP"};
    if (m.ice_ufrag.empty() || m.ice_pwd.empty()) return OfferError{"no ICE credentials (a=ice-ufrag/a=ice-pwd)"};
    if (m.setup == "passive") return OfferError{"a=setup:passive offered; the offer must be actpass or active"};
    if (m.setup == "holdconn") return OfferError{"a=setup:holdconn offered; the offer must be actpass or active"};
  }
  return std::nullopt;
}

}  // namespace

const Codec* MediaSection::codec(int payload_type) const {
  for (const Codec& c : codecs)
    if (c.payload_type == payload_type) return &c;
  return nullptr;
}

std::variant<Offer, OfferError> parse_offer(std::string_view sdp) {
  if (sdp.size() > kMaxOfferBytes)
    return OfferError{"offer too large: " + std::to_string(sdp.size()) + " bytes (at most " +
                      std::to_string(kMaxOfferBytes) + ")"};
  Offer offer;
  Transport session;
  std::string session_direction;
  std::vector<PendingSection> sections;
  bool seen_version = false;
  std::size_t line_number = 0;
  std::size_t pos = 0;
  while (pos < sdp.size()) {
    std::size_t end = sdp.find('\n', pos);
    if (end == std::string_view::npos) end = sdp.size();
    std::string_view line = sdp.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;  // tolerated: trailing blank lines, stray empty lines
    if (!seen_version) {
      if (line != "v=0") return OfferError{"not SDP (no v=0 line)"};
      seen_version = true;
      continue;
    }
    const auto fail = [&](const std::string& message) {
      return OfferError{"line " + std::to_string(line_number) + ": " + message};
    };
    if (line.size() < 2 || line[1] != '=' || !std::islower(static_cast<unsigned char>(line[0])))
      return fail("expected TYPE=VALUE, got \"" + excerpt(line) + "\"");
    const char type = line[0];
    const std::string_view value = line.substr(2);
    std::optional<LineError> error;
    if (type == 'm') {
      if (sections.size() == kMaxMediaSections)
        return fail("more than " + std::to_string(kMaxMediaSections) + " m= sections");
      sections.emplace_back();
      error = parse_media_line(value, sections.back());
    } else if (type == 'a') {
      const auto colon = value.find(':');
      const std::string_view name = value.substr(0, colon);
      const std::string_view attr = colon == std::string_view::npos ? std::string_view{} : value.substr(colon + 1);
      if (!sections.empty()) {
        error = parse_media_attribute(name, attr, sections.back());
      } else if (name == "ice-ufrag" || name == "ice-pwd" || name == "fingerprint" || name == "setup") {
        error = parse_transport_attribute(name, attr, session);
      } else if (name == "group" && attr.substr(0, 7) == "BUNDLE " && offer.bundle_mids.empty()) {
        for (const auto mid : split_spaces(attr.substr(7))) offer.bundle_mids.emplace_back(mid);
      } else if (is_direction(name)) {
        session_direction = std::string(name);
      }
    }
    if (error) return fail(error->message);
  }
  if (!seen_version) return OfferError{"not SDP (no v=0 line)"};
  if (sections.empty()) return OfferError{"no m= section: the offer has no media to send"};

  for (PendingSection& p : sections) {
    finish_section(p);
    apply_own_transport(p.section, p.own);
    inherit_transport(p.section, session);
    if (!p.has_direction && !session_direction.empty()) p.section.direction = session_direction;
  }
  // A bundled section may leave its transport to the group's first (offerer-tagged) section.
  if (!offer.bundle_mids.empty()) {
    const auto tagged = std::find_if(sections.begin(), sections.end(),
                                     [&](const PendingSection& p) { return p.section.mid == offer.bundle_mids[0]; });
    if (tagged != sections.end()) {
      for (PendingSection& p : sections) {
        const bool bundled = std::find(offer.bundle_mids.begin(), offer.bundle_mids.end(), p.section.mid) !=
                             offer.bundle_mids.end();
        if (bundled && !p.section.mid.empty()) {
          Transport t{tagged->section.ice_ufrag, tagged->section.ice_pwd, tagged->section.fingerprint_algorithm,
                      tagged->section.fingerprint, tagged->section.setup};
          inherit_transport(p.section, t);
        }
      }
    }
  }
  for (PendingSection& p : sections) offer.media.push_back(std::move(p.section));

  if (auto error = check_transport(offer)) return *error;

  // The offer's transport is the first receivable section's (the one BUNDLE makes everyone use).
  const auto first = std::find_if(offer.media.begin(), offer.media.end(),
                                  [](const MediaSection& m) { return m.active() && m.is_rtp_media(); });
  if (first != offer.media.end()) {
    offer.ice_ufrag = first->ice_ufrag;
    offer.ice_pwd = first->ice_pwd;
    offer.fingerprint_algorithm = first->fingerprint_algorithm;
    offer.fingerprint = first->fingerprint;
    offer.setup = first->setup;
  } else {
    offer.ice_ufrag = session.ice_ufrag;
    offer.ice_pwd = session.ice_pwd;
    offer.fingerprint_algorithm = session.fingerprint_algorithm;
    offer.fingerprint = session.fingerprint;
    offer.setup = session.setup;
  }
  return offer;
}

}  // namespace bvlive::sdp
