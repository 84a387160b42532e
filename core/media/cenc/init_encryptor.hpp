// Turns a clear init segment (ftyp + moov, as init_writer.hpp or ffmpeg writes it) into a
// 'cbcs' one (ISO/IEC 23001-7 §8, ISO/IEC 23000-19 §8.2): each audio and video track's
// sample entry becomes 'enca'/'encv' with a 'sinf' naming the original format, the scheme
// and the key; the 'pssh' boxes given are added to the moov for players that read them
// there. What it found about each track comes back for encrypt_fragment.
#pragma once

#include <vector>

#include "core/media/cenc/track_encryption.hpp"
#include "core/media/fmp4/parse_error.hpp"

namespace bvlive::cenc {

struct EncryptedInit {
  Bytes bytes;
  std::vector<TrackEncryption> tracks;  // the encrypted tracks, in trak order
};

// Every audio and video track is encrypted with `key`: H.264 ('avc1', 'avc3') and H.265
// ('hvc1', 'hev1') video with the 1:9 pattern, AAC ('mp4a') whole-sample. Other tracks
// (metadata, text) stay clear. An error for any other codec (AV1 needs OBU-aware
// subsamples, not written yet), for an init already encrypted, or one that does not parse.
fmp4::Parsed<EncryptedInit> encrypt_init(ByteSpan init, const CencKey& key, const std::vector<PsshBox>& pssh);

}  // namespace bvlive::cenc
