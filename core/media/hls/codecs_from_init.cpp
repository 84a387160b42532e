#include "core/media/hls/codecs_from_init.hpp"

#include "core/media/fmp4/codec_string.hpp"

namespace bvlive::hls {

fmp4::Parsed<std::string> codecs_from_init(fmp4::ByteSpan init_segment) {
  const auto moov = fmp4::find_child(init_segment, fmp4::fourcc("moov"));
  if (!moov) return fmp4::ParseError{"init segment has no moov box"};
  return fmp4::rfc6381_codecs(moov->payload);
}

}  // namespace bvlive::hls
