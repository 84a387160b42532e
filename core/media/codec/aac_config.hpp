// AAC configuration: AudioSpecificConfig (ISO/IEC 14496-3 §1.6.2.1, GASpecificConfig §4.4.1),
// the ADTS frame header (§1.A.2.2, as pushed in MPEG-TS and raw .aac), and the RFC 6381
// codecs value ("mp4a.40.2"). The muxer turns the first ADTS header of a push into the
// AudioSpecificConfig of its esds and strips headers from the frames.
#pragma once

#include <cstddef>
#include <string>

#include "core/media/codec/bytes.hpp"

namespace bvlive::codec {

struct AacConfig {
  int object_type = 2;      // audio object type of the core coder: 2 = AAC LC
  int sampling_index = 3;   // samplingFrequencyIndex; 15 = explicit sample_rate
  int sample_rate = 48000;  // of the core coder
  int channel_configuration = 2;
  int channels = 2;  // from channel_configuration; 0 when 0 (a program_config_element decides)
  int samples_per_frame = 1024;  // 1024, or 960 with frameLengthFlag
  // SBR (5) or PS (29) when signalled, explicitly (AOT 5/29 first) or through the backward
  // compatible sync extension; 0 otherwise. extension_sample_rate is then the output rate.
  int extension_object_type = 0;
  int extension_sample_rate = 0;
};

// Parses an AudioSpecificConfig, reporting the core object type under SBR/PS signalling.
Parsed<AacConfig> parse_audio_specific_config(ByteSpan config);

struct AdtsFrame {
  std::size_t header_size = 7;  // 7, or 9 with a CRC (protection_absent = 0)
  std::size_t frame_size = 0;   // the whole frame, header included
  AacConfig config;
  int raw_data_blocks = 1;  // number_of_raw_data_blocks_in_frame + 1
};

// Parses the ADTS header at the start of `bytes` (which need not hold the whole frame).
Parsed<AdtsFrame> parse_adts_header(ByteSpan bytes);

// The AudioSpecificConfig for `config`: 2 bytes for AAC LC at a standard rate; SBR/PS as
// explicit hierarchical signalling (AOT 5/29 first), escapes for object types above 30 and
// an explicit 24-bit rate when the rate has no index. Empty for values that cannot be coded.
Bytes make_audio_specific_config(const AacConfig& config);

// "mp4a.40." and the signalled object type: 2 for AAC LC, 5 for HE-AAC, 29 for HE-AAC v2.
std::string aac_codecs(const AacConfig& config);

// The sample rate of a samplingFrequencyIndex (Table 1.18), or 0 for 13..15.
int aac_sample_rate(int sampling_index);

}  // namespace bvlive::codec
