// Sizes in bytes as people write them in a config file: 268435456, "256MiB", "2 GB", "512M".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bvlive {

// An integer and an optional unit: B; KB, MB, GB, TB (powers of 1000); KiB, MiB, GiB, TiB
// and K, M, G, T (powers of 1024). Case-insensitive, spaces allowed before the unit.
// nullopt when it is not such a size or does not fit in 64 bits.
std::optional<std::uint64_t> parse_byte_size(std::string_view text);

// "512 B", "1.5 KiB", "268 MiB", "41.2 GiB": three significant figures at most.
std::string format_byte_size(std::uint64_t bytes);

}  // namespace bvlive
