// What a receiver tells a WebRTC sender (RFC 3550 §6.4.2 and A.1, RFC 4585 §6.3.1): loss
// statistics per RTP stream in receiver reports, and Picture Loss Indications that ask
// the encoder for a keyframe. Pure: sequence numbers in, RTCP bytes out.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace bvlive::rtp {

struct ReportBlock {
  std::uint32_t ssrc = 0;
  std::uint8_t fraction_lost = 0;     // since the previous report, in 1/256
  std::int32_t cumulative_lost = 0;   // 24-bit signed on the wire
  std::uint32_t extended_highest_seq = 0;
  std::uint32_t jitter = 0;
};

// Sequence-number bookkeeping of one stream (RFC 3550 A.1, without probation).
class ReceiveStats {
 public:
  explicit ReceiveStats(std::uint32_t ssrc) : ssrc_(ssrc) {}
  void on_packet(std::uint16_t seq);
  // The block for the next report; starts a new "since the previous report" interval.
  ReportBlock report();
  std::uint32_t ssrc() const { return ssrc_; }
  std::uint64_t received() const { return received_; }

 private:
  std::uint32_t ssrc_;
  bool started_ = false;
  std::uint16_t base_seq_ = 0, max_seq_ = 0;
  std::uint32_t cycles_ = 0;
  std::uint64_t received_ = 0;
  std::uint64_t expected_prior_ = 0, received_prior_ = 0;
};

// An RTCP Receiver Report (PT 201) with up to 31 blocks.
std::vector<std::uint8_t> receiver_report(std::uint32_t sender_ssrc, std::span<const ReportBlock> blocks);
// An RTCP Picture Loss Indication (PSFB PT 206, FMT 1).
std::vector<std::uint8_t> picture_loss_indication(std::uint32_t sender_ssrc, std::uint32_t media_ssrc);

// The SSRC and sequence number of an RTP packet (nullopt-free: callers check size >= 12).
inline std::uint32_t rtp_ssrc(std::span<const std::uint8_t> p) {
  return (std::uint32_t{p[8]} << 24) | (std::uint32_t{p[9]} << 16) | (std::uint32_t{p[10]} << 8) | p[11];
}
inline std::uint16_t rtp_seq(std::span<const std::uint8_t> p) {
  return static_cast<std::uint16_t>((p[2] << 8) | p[3]);
}

}  // namespace bvlive::rtp
