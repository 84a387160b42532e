// Collects one PID's PES packet from the payloads of its TS packets (ISO/IEC 13818-1
// §2.4.3.6). A PES starts in a packet with payload_unit_start_indicator set. It ends when
// PES_packet_length bytes have arrived, or, when that length is 0 (allowed for video,
// §2.4.3.7), at the next unit start on the PID or at the end of the stream. A PES is held
// in memory until complete, so it is capped (16 MiB by default): a bigger one is
// dropped, as is one whose packets were lost, and the PID waits for the next unit start.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/media/ts/common.hpp"

namespace bvlive::ts {

inline constexpr std::size_t kMaxPesBytes = 16u << 20;

struct PesComplete {
  Bytes bytes;                 // from the start code, exactly 6 + PES_packet_length when bounded
  bool random_access = false;  // random_access_indicator on the PES's first TS packet
};

struct PesDropped {
  std::string reason;
};

using PesOutput = std::variant<PesComplete, PesDropped>;

class PesAssembler {
 public:
  explicit PesAssembler(std::size_t max_bytes = kMaxPesBytes) : max_bytes_(max_bytes) {}

  void push(ByteSpan payload, bool unit_start, bool random_access, std::vector<PesOutput>& out);
  // Packets were lost: drops the PES in progress. True if there was one.
  bool abandon();
  // End of stream: an unbounded PES is complete now; a bounded one that is short is dropped.
  void finish(std::vector<PesOutput>& out);

 private:
  void check(std::vector<PesOutput>& out);
  void clear();

  std::size_t max_bytes_;
  Bytes buffer_;
  bool active_ = false;              // false: waiting for a unit start
  bool random_access_ = false;
  std::optional<std::size_t> total_; // known once 6 bytes are in; nullopt for length 0
  bool length_known_ = false;
};

}  // namespace bvlive::ts
