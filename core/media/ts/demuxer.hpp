// An incremental MPEG-TS demuxer (ISO/IEC 13818-1 §2.4) for one program: bytes in,
// events out, no I/O and no exceptions. It finds packets (resynchronising on garbage),
// reads the PAT and the first program's PMT, reassembles the PES packets of H.264, HEVC
// and AAC streams and returns them as samples with unwrapped 90 kHz times. Damage is
// reported as a Warning and costs only what it touched: a continuity-counter gap drops
// the PES in progress on that PID, not the stream. Memory is bounded whatever the input:
// a PES is capped at 16 MiB, a PSI section at 4 KiB, the input buffer at two packets.
//
// Samples come out in the order their PES packets complete, per PID in stream order. A
// video PES with PES_packet_length 0 completes only at the next one on its PID (or at
// flush()), so audio may come out ahead of video with an earlier DTS.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/media/ts/common.hpp"
#include "core/media/ts/continuity.hpp"
#include "core/media/ts/packet.hpp"
#include "core/media/ts/packet_sync.hpp"
#include "core/media/ts/pes_assembler.hpp"
#include "core/media/ts/section_assembler.hpp"
#include "core/media/ts/stream_kind.hpp"
#include "core/media/ts/timestamp_unwrapper.hpp"

namespace bvlive::ts {

// The program's streams (from the PMT), whenever it is first seen or its version or
// stream list changes. Streams of kind `other` are listed but produce no samples.
struct ProgramChanged {
  std::vector<ElementaryStream> streams;
};

// One access unit: a video PES payload (Annex B, may hold several NAL units) or ONE AAC
// frame split out of an audio PES (still with its ADTS header). Times in 90 kHz,
// unwrapped from 33 bits into a continuous int64 timeline per stream, starting at the
// first value seen.
struct Sample {
  std::uint16_t pid = 0;
  StreamKind kind = StreamKind::other;
  std::int64_t pts = 0;
  std::int64_t dts = 0;    // == pts when the PES had no DTS
  bool keyframe = false;   // video: holds an IDR (H.264) / IRAP (HEVC) NAL unit; audio: always
  Bytes data;
  bool random_access = false;  // random_access_indicator on the PES's first TS packet
  // A discontinuity_indicator was set on this PID since its previous sample: the time
  // base may have jumped (§2.4.3.5), so the timeline need not be smooth here.
  bool discontinuity = false;
};

// Something dropped or unreadable (for logs and counters); the stream goes on.
struct Warning {
  std::string message;
};

using Event = std::variant<ProgramChanged, Sample, Warning>;

// Input that never locks onto packets: this much skipped with no PAT/PMT yet read makes
// the demuxer give up (unusable()).
inline constexpr std::size_t kMaxSkippedBeforeProgram = 64u << 10;
// After a PAT/PMT has been read: this much skipped since the last one read.
inline constexpr std::size_t kMaxSkippedAfterProgram = 1u << 20;
// Packets in sync but no PAT and PMT read among them.
inline constexpr std::uint64_t kMaxPacketsWithoutProgram = 20000;

class Demuxer {
 public:
  // Bytes in pieces of any size. Events are the same however the input is split.
  std::vector<Event> feed(ByteSpan bytes);
  // End of stream: the last, unbounded video PES (PES_packet_length 0) is complete now.
  // A later feed() starts looking for sync afresh.
  std::vector<Event> flush();

  std::uint64_t packets() const { return packets_; }
  std::uint64_t resyncs() const { return resyncs_; }
  std::uint64_t continuity_errors() const { return continuity_errors_; }

  // True once input is clearly not MPEG-TS; feed() then ignores everything. The reason
  // says what was missing ("no packet sync ... in the first N bytes"), without a prefix.
  bool unusable() const { return unusable_; }
  const std::string& unusable_reason() const { return unusable_reason_; }

 private:
  struct StreamState {
    ElementaryStream stream;
    PesAssembler pes;
    TimestampUnwrapper clock;
    bool discontinuity = false;
  };
  struct PidState {
    ContinuityCheck continuity;
    bool scrambling_reported = false;
  };

  void take_packet(ByteSpan bytes, std::vector<Event>& events);
  void take_pat(const Packet& packet, std::vector<Event>& events);
  void take_pmt(const Packet& packet, std::vector<Event>& events);
  void take_pes_outputs(StreamState& state, std::vector<PesOutput>& outputs, std::vector<Event>& events);
  void take_pes(StreamState& state, PesComplete pes, std::vector<Event>& events);
  // A section with a bad CRC is ignored, unless it repeats byte for byte: that is an
  // encoder computing the CRC wrong, not damage on the way.
  bool accept_crc(bool crc_ok, ByteSpan section, Bytes& last_bad, const char* table,
                  std::vector<Event>& events);
  void psi_read();
  void set_unusable(std::string reason);

  PacketSync sync_;
  std::array<PidState, 8192> pids_{};

  SectionAssembler pat_sections_;
  Bytes pat_bad_crc_;
  std::optional<std::uint16_t> pmt_pid_;
  std::uint16_t program_number_ = 0;
  SectionAssembler pmt_sections_;
  Bytes pmt_bad_crc_;
  std::optional<std::uint8_t> pmt_version_;
  std::vector<ElementaryStream> program_;
  std::map<std::uint16_t, StreamState> streams_;  // the PIDs we make samples of

  bool psi_seen_ = false;   // a PAT or PMT has been read
  bool pmt_seen_ = false;
  std::size_t skipped_since_psi_ = 0;
  std::uint64_t packets_ = 0;
  std::uint64_t resyncs_ = 0;
  std::uint64_t continuity_errors_ = 0;
  bool unusable_ = false;
  std::string unusable_reason_;
};

}  // namespace bvlive::ts
