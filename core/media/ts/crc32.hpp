// The CRC_32 that ends every long-form PSI section (ISO/IEC 13818-1 Annex A):
// polynomial 0x04C11DB7, initial value 0xFFFFFFFF, no bit reflection, no final XOR.
// Run over a whole section including its CRC field, it yields 0.
#pragma once

#include <cstdint>

#include "core/media/ts/common.hpp"

namespace bvlive::ts {

std::uint32_t crc32_mpeg2(ByteSpan bytes);

}  // namespace bvlive::ts
