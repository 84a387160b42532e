// The boxes of Common Encryption (ISO/IEC 23001-7) as bytes: in the init segment the
// protection scheme information of a sample entry ('sinf' > 'frma', 'schm', 'schi' >
// 'tenc') and the 'pssh' boxes; in each track fragment the sample encryption box ('senc')
// and its auxiliary information pointers ('saiz', 'saio', ISO/IEC 14496-12 §8.7.8-8.7.9).
#pragma once

#include <cstdint>
#include <vector>

#include "core/media/cenc/track_encryption.hpp"

namespace bvlive::cenc {

// 'sinf' for scheme 'cbcs' version 1.0: 'frma' with `original_format`, 'schm', and a
// version 1 'tenc' (§8.2) with the pattern, isProtected 1, Per_Sample_IV_Size 0, the KID
// and the 16-byte constant IV.
Bytes make_sinf(fmp4::FourCC original_format, const CencKey& key, Pattern pattern);

// A version 1 'pssh' (§8.1.1), listing its KIDs; or the box given whole.
Bytes make_pssh(const PsshBox& pssh);

// 'senc' (§7.2.1) for one traf: per sample no IV (constant IV), and with `subsamples`
// (flags 0x2) each sample's subsample entries.
Bytes make_senc(const std::vector<std::vector<Subsample>>& samples, bool subsamples);
// Where a sample's entry starts inside the 'senc' box: after its header, version/flags
// and sample_count. What 'saio' adds to the senc's offset.
inline constexpr std::size_t kSencEntriesOffset = 16;
inline constexpr std::size_t kMaxSubsamples = (255 - 2) / 6;
// The size of each sample's entry in 'senc': what 'saiz' lists. saiz sizes are 8 bits,
// so a sample can have at most kMaxSubsamples entries (42 slices and parameter-set runs).
std::uint32_t senc_entry_size(const std::vector<Subsample>& subsamples, bool use_subsamples);

// 'saiz' (14496-12 §8.7.8) with a default size when all are equal.
Bytes make_saiz(const std::vector<std::uint32_t>& sizes);
// 'saio' (§8.7.9) with one offset: CMAF (23000-19 §7.4.3) wants it relative to the
// moof's first byte (default-base-is-moof), pointing at the first entry in 'senc'.
Bytes make_saio(std::uint64_t offset);

}  // namespace bvlive::cenc
