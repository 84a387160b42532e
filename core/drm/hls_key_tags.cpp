#include "core/drm/hls_key_tags.hpp"

#include "util/base64.hpp"
#include "util/hex.hpp"

namespace bvlive::drm {

namespace {

// The attributes after METHOD=SAMPLE-AES for one system.
std::string attributes(const ContentKeys& keys, const SystemSignalling& s, std::string_view clearkey_uri) {
  const DrmSystemInfo& sys = info(s.system);
  const std::string kid_hex = hex_encode(keys.key.kid);
  std::string uri;
  switch (s.system) {
    case DrmSystem::ClearKey: uri = std::string(clearkey_uri); break;
    case DrmSystem::FairPlay: uri = "skd://" + kid_hex; break;
    case DrmSystem::Widevine:
    case DrmSystem::PlayReady: uri = "data:text/plain;base64," + base64_encode(s.pssh); break;
  }
  return "URI=\"" + uri + "\",KEYFORMAT=\"" + std::string(sys.keyformat) + "\",KEYFORMATVERSIONS=\"1\",KEYID=0x" + kid_hex;
}

std::string tags(const ContentKeys& keys, std::string_view clearkey_uri, bool master) {
  std::string out;
  for (const auto& s : keys.systems) {
    const std::string& given = master ? s.master_tag : s.media_tag;
    if (!given.empty()) {
      out += given;
      if (given.back() != '\n') out += '\n';
      continue;
    }
    out += master ? "#EXT-X-SESSION-KEY:" : "#EXT-X-KEY:";
    out += "METHOD=SAMPLE-AES," + attributes(keys, s, clearkey_uri) + "\n";
  }
  return out;
}

}  // namespace

std::string media_key_tags(const ContentKeys& keys, std::string_view clearkey_uri) {
  return tags(keys, clearkey_uri, false);
}

std::string session_key_tags(const ContentKeys& keys, std::string_view clearkey_uri) {
  return tags(keys, clearkey_uri, true);
}

std::string with_media_key_tags(std::string_view playlist, std::string_view tags) {
  std::size_t at = playlist.starts_with("#EXT-X-MAP:") ? 0 : playlist.find("\n#EXT-X-MAP:");
  if (at == std::string_view::npos || tags.empty()) return std::string(playlist);
  if (at > 0) ++at;  // after the newline
  std::string out(playlist.substr(0, at));
  out += tags;
  out += playlist.substr(at);
  return out;
}

std::string with_session_key_tags(std::string_view master, std::string_view tags) {
  std::size_t at = 0;
  for (std::size_t start = 0; start < master.size();) {
    std::size_t end = master.find('\n', start);
    if (end == std::string_view::npos) end = master.size();
    const std::string_view line = master.substr(start, end - start);
    if (line.starts_with("#EXT-X-MEDIA:") || line.starts_with("#EXT-X-STREAM-INF:") ||
        line.starts_with("#EXT-X-I-FRAME-STREAM-INF:") || (!line.empty() && line[0] != '#'))
      break;
    at = std::min(end + 1, master.size());
    start = end + 1;
  }
  std::string out(master.substr(0, at));
  if (!out.empty() && out.back() != '\n') out += '\n';
  out += tags;
  out += master.substr(at);
  return out;
}

}  // namespace bvlive::drm
