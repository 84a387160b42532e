#include "core/media/fmp4/box_reader.hpp"

#include "core/media/fmp4/byte_cursor.hpp"

namespace bvlive::fmp4 {

std::string describe(BoxError error) {
  switch (error) {
    case BoxError::truncated_header: return "truncated box header";
    case BoxError::size_below_header: return "box size smaller than its header";
    case BoxError::truncated_payload: return "box runs past the end of its data";
  }
  return "box error";
}

std::variant<BoxHeader, BoxError> parse_box_header(ByteSpan bytes) {
  ByteCursor in(bytes);
  const std::uint32_t size32 = in.u32();
  BoxHeader header;
  header.type = in.u32();
  std::optional<std::uint64_t> total;
  if (size32 == 1) {
    total = in.u64();
  } else if (size32 != 0) {
    total = size32;
  }
  if (header.type == fourcc("uuid")) in.skip(16);
  if (in.failed()) return BoxError::truncated_header;
  header.header_size = in.position();
  if (total && *total < header.header_size) return BoxError::size_below_header;
  header.total_size = total;
  return header;
}

std::optional<Box> BoxReader::next() {
  if (at_end()) return std::nullopt;
  const auto parsed = parse_box_header(rest_);
  if (const auto* error = std::get_if<BoxError>(&parsed)) {
    error_ = *error;
    return std::nullopt;
  }
  const auto& header = std::get<BoxHeader>(parsed);
  const std::uint64_t total = header.total_size.value_or(rest_.size());
  if (total > rest_.size()) {
    error_ = BoxError::truncated_payload;
    return std::nullopt;
  }
  const auto length = static_cast<std::size_t>(total);
  Box box{header.type, header.header_size, rest_.first(length),
          rest_.subspan(header.header_size, length - header.header_size)};
  rest_ = rest_.subspan(length);
  consumed_ += length;
  return box;
}

std::optional<Box> find_child(ByteSpan container_payload, FourCC type) {
  BoxReader reader(container_payload);
  while (auto box = reader.next()) {
    if (box->type == type) return box;
  }
  return std::nullopt;
}

}  // namespace bvlive::fmp4
