// Low-Latency HLS media playlists (RFC 8216bis §4.4.4.9, §4.4.5.2-4, §6.2.5; Apple,
// "Enabling Low-Latency HLS") over a live's segment index and its partial segments: the
// playlist media_playlist.hpp writes, plus EXT-X-SERVER-CONTROL, EXT-X-PART-INF, EXT-X-PART
// lines for the newest segments and the open one, EXT-X-PRELOAD-HINT, EXT-X-RENDITION-REPORT,
// and the delta update form (EXT-X-SKIP). Also the answer to a blocking playlist reload
// (_HLS_msn / _HLS_part, §6.2.5.2). Pure: the caller passes one rendition's records in seq order.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/media/hls/media_playlist.hpp"
#include "core/media/hls/partial_segment.hpp"
#include "core/media/segment_record.hpp"

namespace bvlive::hls {

struct LowLatencyOptions {
  // EXT-X-PART-INF:PART-TARGET, raised to the longest part given so that the playlist stays
  // valid should the segmenter overshoot (pass a value it respects: the tag should not change).
  double part_target = 0.333;
  // EXT-X-PART lines for the last N complete segments, and for more if needed to cover the
  // last three target durations (Apple), plus the open segment's parts.
  int parts_segments = 3;
  // EXT-X-SERVER-CONTROL:CAN-SKIP-UNTIL=6 * target duration, and delta updates on request.
  bool can_skip = true;
  // Other renditions' playlist URIs (as the player would resolve them from this playlist),
  // one EXT-X-RENDITION-REPORT each.
  std::vector<std::string> rendition_reports;
};

// Parts are cut by the packager (the remuxer, or ffmpeg's -frag_duration) at this fraction
// of the configured part target: a fragment closes at the first packet that far past its start.
inline constexpr double kPartCutRatio = 0.9;

// The PART-TARGET of a stream cut that way. A part holds at most k = ceil(cut / frame) video
// frames, and k - 1 when an audio packet closes it first; with the target at exactly k frames
// both are within 85%..100% of it (RFC 8216bis §4.4.4.9) from 24 fps up, where a fixed
// 0.333 would not hold 7 frames of 25 fps (0.28 s). Without a frame rate: `configured`.
double frame_aligned_part_target(double configured, double frame_rate);

// The playlist text. EXT-X-VERSION is 9 when can_skip (EXT-X-SKIP needs it, and a live's full
// and delta playlists keep one version), 7 otherwise. PART-HOLD-BACK is three part targets.
// Parts of a complete segment are listed only if all of them are there (indices 0..n-1),
// and only as a run of newest segments. The open segment's parts (seq = last segment + 1,
// indices from 0) follow the last segment, then EXT-X-PRELOAD-HINT names the part to come;
// open parts of another session than the last segment's (a new push whose first segment is
// not complete yet) are left out, with no hint, since their discontinuity, init segment
// and date are not known yet. `skip` (_HLS_skip=YES, honoured when can_skip): the segments
// that end at least CAN-SKIP-UNTIL seconds before the last one's end, up to the first
// discontinuity among them, become EXT-X-SKIP (none to skip: the full playlist); the first
// segment listed restates its EXT-X-MAP and date. `report_last(uri)` gives LAST-MSN and
// LAST-PART of each rendition report (see last_msn_part); without it, or with a negative
// msn, the report carries the URI only. options.ended: EXT-X-ENDLIST, no open parts, no hint.
// AES-128 (options.key_uri): parts are sealed like their segment, under its key with its seq
// as IV; before the open segment's parts an EXT-X-KEY names that key and IV (the key
// callback gets a record with the open segment's seq and program date-time).
std::string low_latency_playlist(
    std::span<const SegmentRecord> all, std::span<const PartRecord> parts, const MediaPlaylistOptions& options,
    const LowLatencyOptions& ll, bool skip = false,
    const std::function<std::pair<std::int64_t, int>(const std::string& uri)>& report_last = nullptr);

// What a rendition report states for these records: the open segment's seq and its last
// listed part when it has some, else the last segment's seq and its last part (-1: none).
// {-1, -1} with no segment at all.
std::pair<std::int64_t, int> last_msn_part(std::span<const SegmentRecord> all, std::span<const PartRecord> parts);

// _HLS_msn and _HLS_part of a blocking playlist reload.
struct BlockingRequest {
  std::int64_t msn = 0;
  std::optional<int> part;

  bool operator==(const BlockingRequest&) const = default;
};

enum class BlockingAnswer {
  Now,         // the playlist already has it: answer at once
  Wait,        // hold the request until it does (or a timeout: then 503, §6.2.5.2)
  TooFar,      // more than two segments beyond the last one: 400 at once
  BadRequest,  // negative values: 400
};

// Now when segment `msn` is complete (or an older one), or when req.part is given and the
// open segment `msn` already lists that part; TooFar when msn > last segment's seq + 2.
BlockingAnswer blocking_reload(std::span<const SegmentRecord> all, std::span<const PartRecord> parts,
                               const BlockingRequest& req);

// The query's _HLS_msn and _HLS_part values (nullptr: absent). Both absent: nullopt with
// `error` empty (not a blocking request). Malformed (not a non-negative decimal that fits,
// or _HLS_part without _HLS_msn): nullopt with `error` saying what is wrong, for a 400.
std::optional<BlockingRequest> parse_blocking_query(const std::string* msn, const std::string* part,
                                                    std::string& error);

}  // namespace bvlive::hls
