// CPIX documents as SPEKE v2.0 exchanges them (DASH-IF CPIX 2.3 with the SPEKE profile): the
// request bvlived sends to the operator's key server, naming the KIDs it chose and the DRM
// systems it wants signalling for, and the parsing of the answer, which is the same document
// with the content keys, 'pssh' boxes and HLS tags filled in. Pure: no sockets (the HTTP side
// is daemon/drm/speke_client).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/drm/drm_system.hpp"
#include "core/media/cenc/cenc_types.hpp"

namespace bvlive::drm {

inline constexpr std::string_view kCpixVersion = "2.3";   // CPIX@version of SPEKE v2.0
inline constexpr std::string_view kSpekeVersion = "2.0";  // X-Speke-Version
inline constexpr std::string_view kCpixNamespace = "urn:dashif:org:cpix";
inline constexpr std::string_view kPskcNamespace = "urn:ietf:params:xml:ns:keyprov:pskc";

struct CpixRequest {
  std::string content_id;           // CPIX@contentId, e.g. the live id
  std::vector<cenc::Block16> kids;  // the KIDs we chose, one per key period, in period order
  std::vector<DrmSystem> systems;   // which DRM systems to get signalling for
  // ContentKeyPeriod@index of kids[0] when there are several (key rotation); the next
  // KIDs take the next indexes.
  std::uint64_t first_period_index = 0;
};

struct CpixKey {
  cenc::Block16 kid{};
  cenc::Block16 key{};
  std::optional<cenc::Block16> explicit_iv;  // ContentKey@explicitIV, when the server set one
};

struct CpixSystemData {
  DrmSystem system = DrmSystem::ClearKey;
  cenc::Block16 kid{};
  std::vector<std::uint8_t> pssh;  // the whole 'pssh' box as the server gave it (may be empty)
  std::string hls_media_tag;       // HLSSignalingData playlist="media", decoded: "#EXT-X-KEY:..." (may be empty)
  std::string hls_master_tag;      // playlist="master": "#EXT-X-SESSION-KEY:..." (may be empty)
};

struct CpixResponse {
  std::vector<CpixKey> keys;             // one per KID asked, in the order asked
  std::vector<CpixSystemData> systems;   // per KID asked × known system the server answered for
};

// Whether the request asks HLSSignalingData / PSSH for `system`: FairPlay has no 'pssh'
// (it is HLS only); ClearKey has no HLS key format players agree on, so only its 'pssh'.
bool requests_pssh(DrmSystem system);
bool requests_hls(DrmSystem system);

// "98ee5596-cd3e-a20d-163a-e382420c6eff": how CPIX writes a KID (lower case).
std::string kid_to_uuid(const cenc::Block16& kid);
// Either case, with the four hyphens; nullopt otherwise.
std::optional<cenc::Block16> uuid_to_kid(std::string_view uuid);

// The request document: CPIX (contentId, version 2.3) with ContentKeyList (one ContentKey per
// KID, commonEncryptionScheme="cbcs", no key), DRMSystemList (one DRMSystem per KID × system,
// with empty PSSH / HLSSignalingData media and master to be filled), ContentKeyPeriodList when
// there are several KIDs, and ContentKeyUsageRuleList: each key is for every track
// (intendedTrackType="ALL" with an empty AudioFilter and VideoFilter, as the SPEKE v2
// encryption contract requires for one key for all tracks), and for its period.
std::string render_cpix_request(const CpixRequest& request);

// The server's answer. Every KID asked must come back with a 16-byte key in
// Data/Secret/PlainValue; otherwise an error string saying what is wrong and naming the KID
// or element (never a key's bytes). Keys for KIDs not asked are ignored; so are DRMSystem
// elements for KIDs not asked or for a systemId bvlive does not know (a key server may sign
// for more systems than asked). A malformed PSSH, HLSSignalingData or explicitIV of a known
// system or asked key is an error. Encrypted keys (EncryptedValue) are an error: bvlived
// asks for keys in the clear over HTTPS and sends no DeliveryDataList.
std::variant<CpixResponse, std::string> parse_cpix_response(std::string_view xml, const CpixRequest& asked);

}  // namespace bvlive::drm
