#include "core/media/codec/aac_config.hpp"

#include "core/media/codec/bit_reader.hpp"

namespace bvlive::codec {
namespace {

ParseError error(const std::string& message) { return ParseError{"aac: " + message}; }

constexpr int kRates[13] = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                            22050, 16000, 12000, 11025, 8000,  7350};
constexpr int kExplicitRate = 15;
constexpr int kSbr = 5;
constexpr int kPs = 29;

// Channels of channelConfiguration (Table 1.19, with the 2013 additions 11..14).
int channels_of(int configuration) {
  static constexpr int kChannels[16] = {0, 1, 2, 3, 4, 5, 6, 8, 0, 0, 0, 7, 8, 24, 8, 0};
  return kChannels[configuration & 0x0F];
}

int object_type_of(BitReader& in) {  // GetAudioObjectType() (§1.6.2.1.1)
  const int type = static_cast<int>(in.bits(5));
  return type == 31 ? 32 + static_cast<int>(in.bits(6)) : type;
}

// samplingFrequencyIndex, and the 24-bit samplingFrequency after an index of 15.
bool read_rate(BitReader& in, int& index, int& rate) {
  index = static_cast<int>(in.bits(4));
  rate = index == kExplicitRate ? static_cast<int>(in.bits(24)) : aac_sample_rate(index);
  return !in.failed() && rate > 0;
}

// The object types whose specific config is GASpecificConfig (§1.6.2.1).
bool is_general_audio(int type) {
  switch (type) {
    case 1: case 2: case 3: case 4: case 6: case 7:
    case 17: case 19: case 20: case 21: case 22: case 23:
      return true;
    default:
      return false;
  }
}

void put_bits(Bytes& out, int& used, std::uint32_t value, int count) {
  for (int i = count - 1; i >= 0; --i) {
    if (used % 8 == 0) out.push_back(0);
    if ((value >> i) & 1u) out.back() |= static_cast<std::uint8_t>(0x80u >> (used % 8));
    ++used;
  }
}

void put_object_type(Bytes& out, int& used, int type) {
  if (type < 31) {
    put_bits(out, used, static_cast<std::uint32_t>(type), 5);
  } else {
    put_bits(out, used, 31, 5);
    put_bits(out, used, static_cast<std::uint32_t>(type - 32), 6);
  }
}

void put_rate(Bytes& out, int& used, int index, int rate) {
  if (index >= 0 && index < 13 && kRates[index] == rate) {
    put_bits(out, used, static_cast<std::uint32_t>(index), 4);
    return;
  }
  for (int i = 0; i < 13; ++i) {
    if (kRates[i] == rate) {
      put_bits(out, used, static_cast<std::uint32_t>(i), 4);
      return;
    }
  }
  put_bits(out, used, kExplicitRate, 4);
  put_bits(out, used, static_cast<std::uint32_t>(rate), 24);
}

}  // namespace

int aac_sample_rate(int sampling_index) {
  return sampling_index >= 0 && sampling_index < 13 ? kRates[sampling_index] : 0;
}

Parsed<AacConfig> parse_audio_specific_config(ByteSpan bytes) {
  BitReader in(bytes);
  AacConfig config;
  config.object_type = object_type_of(in);
  if (!read_rate(in, config.sampling_index, config.sample_rate))
    return error("AudioSpecificConfig is truncated or has a reserved sampling rate");
  config.channel_configuration = static_cast<int>(in.bits(4));
  if (config.object_type == kSbr || config.object_type == kPs) {
    // Explicit hierarchical signalling: the rate just read is the core's, then the SBR
    // output rate, then the core object type.
    config.extension_object_type = config.object_type;
    int extension_index = 0;
    if (!read_rate(in, extension_index, config.extension_sample_rate))
      return error("AudioSpecificConfig is truncated or has a reserved extension rate");
    config.object_type = object_type_of(in);
    if (config.object_type == 22) in.skip(4);  // extensionChannelConfiguration (ER BSAC)
  }
  if (in.failed()) return error("AudioSpecificConfig is truncated");
  if (config.object_type == 0 || config.object_type == 31)
    return error("AudioSpecificConfig object type is null or an escape");
  config.channels = channels_of(config.channel_configuration);

  if (!is_general_audio(config.object_type)) return config;
  // GASpecificConfig (§4.4.1): frameLengthFlag picks 960 (or 480 for AAC LD) samples.
  const bool short_frames = in.bit();
  if (config.object_type == 23)
    config.samples_per_frame = short_frames ? 480 : 512;
  else
    config.samples_per_frame = short_frames ? 960 : 1024;
  if (in.bit()) in.skip(14);  // dependsOnCoreCoder, coreCoderDelay
  const bool extension_flag = in.bit();
  if (in.failed()) return error("GASpecificConfig is truncated");

  // Backward-compatible SBR/PS signalling (§1.6.5.2) may follow an AAC LC config:
  // syncExtensionType 0x2b7 with SBR present, then 0x548 with PS present. Only read after
  // a config this parser walked completely; damage here leaves the core config as is.
  if (config.extension_object_type == 0 && config.object_type == 2 &&
      config.channel_configuration != 0 && !extension_flag && in.bits_left() >= 16) {
    BitReader sync = in;
    if (sync.bits(11) == 0x2B7 && object_type_of(sync) == kSbr && sync.bit()) {
      int extension_index = 0, extension_rate = 0;
      if (read_rate(sync, extension_index, extension_rate)) {
        config.extension_object_type = kSbr;
        config.extension_sample_rate = extension_rate;
        if (sync.bits_left() >= 12 && sync.bits(11) == 0x548 && sync.bit())
          config.extension_object_type = kPs;
      }
    }
  }
  return config;
}

Parsed<AdtsFrame> parse_adts_header(ByteSpan bytes) {
  if (bytes.size() < 7) return error("ADTS header is truncated");
  BitReader in(bytes);
  if (in.bits(12) != 0xFFF) return error("no ADTS syncword");
  in.skip(1);  // ID: MPEG-4 or MPEG-2, the same AAC either way
  if (in.bits(2) != 0) return error("ADTS layer is not 0");
  const bool protection_absent = in.bit();
  AdtsFrame frame;
  frame.config.object_type = static_cast<int>(in.bits(2)) + 1;  // profile_ObjectType
  frame.config.sampling_index = static_cast<int>(in.bits(4));
  frame.config.sample_rate = aac_sample_rate(frame.config.sampling_index);
  in.skip(1);  // private_bit
  frame.config.channel_configuration = static_cast<int>(in.bits(3));
  frame.config.channels = channels_of(frame.config.channel_configuration);
  in.skip(4);  // original_copy, home, copyright identification bit and start
  frame.frame_size = in.bits(13);
  in.skip(11);  // adts_buffer_fullness
  frame.raw_data_blocks = static_cast<int>(in.bits(2)) + 1;
  frame.header_size = protection_absent ? 7 : 9;
  if (frame.config.sample_rate == 0) return error("ADTS sampling index is reserved");
  if (!protection_absent && bytes.size() < 9) return error("ADTS header is truncated");
  if (frame.frame_size < frame.header_size) return error("ADTS frame is shorter than its header");
  return frame;
}

Bytes make_audio_specific_config(const AacConfig& config) {
  const auto valid_type = [](int type) { return type > 0 && type != 31 && type < 32 + 64; };
  if (!valid_type(config.object_type) || config.sample_rate <= 0 ||
      config.sample_rate >= (1 << 24) || config.channel_configuration < 0 ||
      config.channel_configuration > 15)
    return {};
  const bool explicit_extension =
      config.extension_object_type == kSbr || config.extension_object_type == kPs;
  if (explicit_extension &&
      (config.extension_sample_rate <= 0 || config.extension_sample_rate >= (1 << 24)))
    return {};

  Bytes out;
  int used = 0;
  put_object_type(out, used, explicit_extension ? config.extension_object_type : config.object_type);
  put_rate(out, used, config.sampling_index, config.sample_rate);
  put_bits(out, used, static_cast<std::uint32_t>(config.channel_configuration), 4);
  if (explicit_extension) {
    put_rate(out, used, -1, config.extension_sample_rate);
    put_object_type(out, used, config.object_type);
    if (config.object_type == 22) put_bits(out, used, 0, 4);
  }
  if (is_general_audio(config.object_type)) {
    const bool short_frames = config.samples_per_frame == 960 || config.samples_per_frame == 480;
    put_bits(out, used, short_frames ? 1 : 0, 1);  // frameLengthFlag
    put_bits(out, used, 0, 1);                     // dependsOnCoreCoder
    put_bits(out, used, 0, 1);                     // extensionFlag
  }
  return out;
}

std::string aac_codecs(const AacConfig& config) {
  const int signalled =
      config.extension_object_type != 0 ? config.extension_object_type : config.object_type;
  return "mp4a.40." + std::to_string(signalled);
}

}  // namespace bvlive::codec
