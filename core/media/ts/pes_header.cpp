#include "core/media/ts/pes_header.hpp"

namespace bvlive::ts {

namespace {

// Table 2-22: these stream_ids have no optional PES header, just data after the length.
bool has_optional_header(std::uint8_t stream_id) {
  switch (stream_id) {
    case 0xBC:  // program_stream_map
    case 0xBE:  // padding_stream
    case 0xBF:  // private_stream_2
    case 0xF0:  // ECM
    case 0xF1:  // EMM
    case 0xF2:  // DSMCC_stream
    case 0xF8:  // ITU-T H.222.1 type E
    case 0xFF:  // program_stream_directory
      return false;
    default:
      return true;
  }
}

// A 33-bit time stamp spread over 5 bytes: 4 prefix bits, then 3+15+15 bits each followed
// by a marker bit. Marker bits are not checked: some muxers get them wrong.
std::uint64_t read_timestamp(ByteSpan b) {
  return (static_cast<std::uint64_t>((b[0] >> 1) & 0x07) << 30) |
         (static_cast<std::uint64_t>(b[1]) << 22) | (static_cast<std::uint64_t>(b[2] >> 1) << 15) |
         (static_cast<std::uint64_t>(b[3]) << 7) | static_cast<std::uint64_t>(b[4] >> 1);
}

}  // namespace

Parsed<PesHeader> parse_pes_header(ByteSpan pes) {
  if (pes.size() < 6 || pes[0] != 0 || pes[1] != 0 || pes[2] != 1)
    return ParseError{"no PES start code"};
  PesHeader h;
  h.stream_id = pes[3];
  h.packet_length = static_cast<std::uint16_t>(pes[4] << 8 | pes[5]);
  if (!has_optional_header(h.stream_id)) {
    h.payload_offset = 6;
    return h;
  }
  if (pes.size() < 9) return ParseError{"PES header truncated"};
  if ((pes[6] & 0xC0) != 0x80) return ParseError{"PES optional header without its '10' marker"};
  const unsigned pts_dts_flags = pes[7] >> 6;
  const std::size_t header_data_length = pes[8];
  if (9 + header_data_length > pes.size()) return ParseError{"PES header runs past the data"};
  const ByteSpan fields = pes.subspan(9, header_data_length);
  // '10': PTS only; '11': PTS then DTS; '01' is forbidden and read as neither.
  if (pts_dts_flags & 0x2) {
    if (fields.size() < 5) return ParseError{"PES header too short for its PTS"};
    h.pts = read_timestamp(fields.subspan(0, 5));
    if (pts_dts_flags == 0x3) {
      if (fields.size() < 10) return ParseError{"PES header too short for its DTS"};
      h.dts = read_timestamp(fields.subspan(5, 5));
    }
  }
  h.payload_offset = 9 + header_data_length;
  return h;
}

}  // namespace bvlive::ts
