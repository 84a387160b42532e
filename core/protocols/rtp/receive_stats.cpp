#include "protocols/rtp/receive_stats.hpp"

#include <algorithm>

namespace bvlive::rtp {
namespace {

void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

}  // namespace

void ReceiveStats::on_packet(std::uint16_t seq) {
  ++received_;
  if (!started_) {
    started_ = true;
    base_seq_ = max_seq_ = seq;
    return;
  }
  const std::uint16_t delta = static_cast<std::uint16_t>(seq - max_seq_);
  if (delta != 0 && delta < 0x8000) {  // ahead (in order, or after a gap)
    if (seq < max_seq_) cycles_ += 65536;  // wrapped
    max_seq_ = seq;
  }
  // Behind: a late or duplicate packet; it counts as received, as RFC 3550 does.
}

ReportBlock ReceiveStats::report() {
  ReportBlock b;
  b.ssrc = ssrc_;
  if (!started_) return b;
  b.extended_highest_seq = cycles_ + max_seq_;
  const std::uint64_t expected = std::uint64_t{cycles_} + max_seq_ - base_seq_ + 1;
  const std::int64_t lost = static_cast<std::int64_t>(expected) - static_cast<std::int64_t>(received_);
  b.cumulative_lost = static_cast<std::int32_t>(std::clamp<std::int64_t>(lost, -0x800000, 0x7FFFFF));
  const std::int64_t expected_interval = static_cast<std::int64_t>(expected - expected_prior_);
  const std::int64_t received_interval = static_cast<std::int64_t>(received_ - received_prior_);
  const std::int64_t lost_interval = expected_interval - received_interval;
  b.fraction_lost = expected_interval <= 0 || lost_interval <= 0
                        ? 0
                        : static_cast<std::uint8_t>(std::min<std::int64_t>((lost_interval << 8) / expected_interval, 255));
  expected_prior_ = expected;
  received_prior_ = received_;
  return b;
}

std::vector<std::uint8_t> receiver_report(std::uint32_t sender_ssrc, std::span<const ReportBlock> blocks) {
  const std::size_t n = std::min<std::size_t>(blocks.size(), 31);
  std::vector<std::uint8_t> out;
  out.push_back(static_cast<std::uint8_t>(0x80 | n));
  out.push_back(201);
  const auto words = static_cast<std::uint16_t>(1 + 6 * n);  // length in 32-bit words minus one
  out.push_back(static_cast<std::uint8_t>(words >> 8));
  out.push_back(static_cast<std::uint8_t>(words));
  put32(out, sender_ssrc);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& b = blocks[i];
    put32(out, b.ssrc);
    const auto lost = static_cast<std::uint32_t>(b.cumulative_lost) & 0xFFFFFF;
    put32(out, (std::uint32_t{b.fraction_lost} << 24) | lost);
    put32(out, b.extended_highest_seq);
    put32(out, b.jitter);
    put32(out, 0);  // LSR: we receive no sender reports' timing here
    put32(out, 0);  // DLSR
  }
  return out;
}

std::vector<std::uint8_t> picture_loss_indication(std::uint32_t sender_ssrc, std::uint32_t media_ssrc) {
  std::vector<std::uint8_t> out = {0x81, 206, 0x00, 0x02};
  put32(out, sender_ssrc);
  put32(out, media_ssrc);
  return out;
}

}  // namespace bvlive::rtp
