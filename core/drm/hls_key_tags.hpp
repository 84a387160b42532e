// The playlist side of DRM protection (RFC 8216bis §4.4.4.4, §4.4.6.5): one
// EXT-X-KEY:METHOD=SAMPLE-AES per DRM system, with its KEYFORMAT, in every media
// playlist, and the same as EXT-X-SESSION-KEY in the master playlist so players can
// start their licence requests early. One key per live: the tags come once, before the
// first EXT-X-MAP, and stay in effect for every init segment and segment after it.
#pragma once

#include <string>
#include <string_view>

#include "core/drm/content_keys.hpp"

namespace bvlive::drm {

// The tags for media playlists. `clearkey_uri`: where the daemon answers ClearKey licence
// requests, as the playlist refers to it (relative, with the viewer's token query). A key
// server's own lines are used as they came; otherwise:
//   ClearKey   URI=clearkey_uri, KEYID=0x<KID> (what hls.js and Shaka map to the CDM's key)
//   Widevine,
//   PlayReady  URI=data:text/plain;base64,<pssh box>, KEYID
//   FairPlay   URI="skd://<KID hex>"
std::string media_key_tags(const ContentKeys& keys, std::string_view clearkey_uri);
// The same attributes as EXT-X-SESSION-KEY lines, for master playlists.
std::string session_key_tags(const ContentKeys& keys, std::string_view clearkey_uri);

// `playlist` with `tags` right before its first EXT-X-MAP (unchanged when it has none: a
// playlist with no segment needs no key).
std::string with_media_key_tags(std::string_view playlist, std::string_view tags);
// `master` with `tags` after its header (before the first EXT-X-MEDIA or EXT-X-STREAM-INF).
std::string with_session_key_tags(std::string_view master, std::string_view tags);

}  // namespace bvlive::drm
