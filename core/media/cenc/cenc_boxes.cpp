#include "core/media/cenc/cenc_boxes.hpp"

#include <algorithm>

namespace bvlive::cenc {

using fmp4::ByteBuilder;
using fmp4::fourcc;
using fmp4::make_box;
using fmp4::make_full_box;

Bytes make_sinf(fmp4::FourCC original_format, const CencKey& key, Pattern pattern) {
  const Bytes frma = make_box(fourcc("frma"), ByteBuilder().fourcc(original_format).take());
  const Bytes schm = make_full_box(fourcc("schm"), 0, 0, ByteBuilder().fourcc(fourcc("cbcs")).u32(0x00010000).take());
  ByteBuilder tenc;
  tenc.u8(0);  // reserved
  tenc.u8(static_cast<std::uint8_t>((pattern.crypt << 4) | (pattern.skip & 0x0F)));
  tenc.u8(1).u8(0);  // default_isProtected, default_Per_Sample_IV_Size: the constant IV follows
  tenc.bytes(key.kid).u8(16).bytes(key.iv);
  const Bytes schi = make_box(fourcc("schi"), make_full_box(fourcc("tenc"), 1, 0, tenc.data()));
  return make_box(fourcc("sinf"), fmp4::concat({frma, schm, schi}));
}

Bytes make_pssh(const PsshBox& pssh) {
  if (!pssh.box.empty()) return pssh.box;
  ByteBuilder b;
  b.bytes(pssh.system_id).u32(static_cast<std::uint32_t>(pssh.kids.size()));
  for (const auto& kid : pssh.kids) b.bytes(kid);
  b.u32(static_cast<std::uint32_t>(pssh.data.size())).bytes(pssh.data);
  return make_full_box(fourcc("pssh"), 1, 0, b.data());
}

std::uint32_t senc_entry_size(const std::vector<Subsample>& subsamples, bool use_subsamples) {
  return use_subsamples ? static_cast<std::uint32_t>(2 + 6 * subsamples.size()) : 0;
}

Bytes make_senc(const std::vector<std::vector<Subsample>>& samples, bool subsamples) {
  ByteBuilder b;
  b.u32(static_cast<std::uint32_t>(samples.size()));
  if (subsamples) {
    for (const auto& entries : samples) {
      b.u16(static_cast<std::uint16_t>(entries.size()));
      for (const Subsample& s : entries) b.u16(s.clear).u32(s.protected_bytes);
    }
  }
  return make_full_box(fourcc("senc"), 0, subsamples ? 0x2 : 0, b.data());
}

Bytes make_saiz(const std::vector<std::uint32_t>& sizes) {
  ByteBuilder b;
  const bool same = !sizes.empty() && std::all_of(sizes.begin(), sizes.end(), [&](auto s) { return s == sizes[0]; });
  // default_sample_info_size 0 means "sizes follow", so all-zero sizes are listed too.
  if (same && sizes[0] != 0) {
    b.u8(static_cast<std::uint8_t>(sizes[0])).u32(static_cast<std::uint32_t>(sizes.size()));
  } else {
    b.u8(0).u32(static_cast<std::uint32_t>(sizes.size()));
    for (const auto s : sizes) b.u8(static_cast<std::uint8_t>(s));
  }
  return make_full_box(fourcc("saiz"), 0, 0, b.data());
}

Bytes make_saio(std::uint64_t offset) {
  if (offset <= 0xFFFFFFFFu)
    return make_full_box(fourcc("saio"), 0, 0, ByteBuilder().u32(1).u32(static_cast<std::uint32_t>(offset)).take());
  return make_full_box(fourcc("saio"), 1, 0, ByteBuilder().u32(1).u64(offset).take());
}

}  // namespace bvlive::cenc
