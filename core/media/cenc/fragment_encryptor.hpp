// Encrypts one movie fragment (moof + mdat, as fragment_writer.hpp, the remuxer or
// ffmpeg with default_base_moof write it; a segment or an LL-HLS part) with 'cbcs'
// (ISO/IEC 23001-7 §7, §9, §10.4; CMAF ISO/IEC 23000-19 §8.2).
//
// Each sample of an encrypted track is encrypted in place in the mdat (sizes do not
// change: CBC without padding). Each traf of such a track gets, after its own boxes,
// 'saiz', 'saio' and 'senc': senc carries the subsample entries (video) or empty entries
// (audio: constant IV, no subsamples), saio points at senc's first entry relative to the
// moof (CMAF §7.4.3). The moof grows by those boxes, and everything after it moves: every
// trun's data_offset (relative to the moof, default-base-is-moof) grows by as much.
#pragma once

#include <vector>

#include "core/media/cenc/track_encryption.hpp"
#include "core/media/fmp4/parse_error.hpp"
#include "core/media/fmp4/stream_splitter.hpp"

namespace bvlive::cenc {

// `fragment`: boxes before the moof (styp, ...) and after it (mdat, ...) are copied. Tracks
// not in `tracks` stay clear. Errors (values, like the fmp4 parsers): no moof or more than
// one, a traf already carrying encryption boxes, a traf that does not locate its data
// from the moof (tfhd base_data_offset, or no default-base-is-moof) or a trun without
// data_offset, samples outside the bytes after the moof, an unreadable video sample, or
// one with more subsamples than 'saiz' can size.
fmp4::Parsed<Bytes> encrypt_fragment(ByteSpan fragment, const std::vector<TrackEncryption>& tracks);
// The same for a fragment as the remuxer and the splitter hand it over; its FragmentInfo
// still holds (samples keep their sizes, durations and flags).
fmp4::Parsed<fmp4::Fragment> encrypt_fragment(const fmp4::Fragment& fragment, const std::vector<TrackEncryption>& tracks);

}  // namespace bvlive::cenc
