#include "core/media/ts/section_assembler.hpp"

namespace bvlive::ts {

void SectionAssembler::push(ByteSpan payload, bool unit_start, std::vector<Bytes>& sections,
                            std::vector<std::string>& warnings) {
  if (!unit_start) {
    if (collecting_) take(payload, sections, warnings);
    return;
  }
  if (payload.empty()) {
    reset();
    warnings.push_back("PSI packet with payload_unit_start but no pointer_field");
    return;
  }
  const std::size_t pointer = payload[0];
  if (1 + pointer > payload.size()) {
    reset();
    warnings.push_back("PSI pointer_field points past the end of the packet");
    return;
  }
  // The bytes before the pointed-to position finish the section in progress.
  if (collecting_ && pointer > 0) take(payload.subspan(1, pointer), sections, warnings);
  if (collecting_ && !buffer_.empty())
    warnings.push_back("PSI section cut short by the next one; dropped");
  buffer_.clear();
  collecting_ = true;
  take(payload.subspan(1 + pointer), sections, warnings);
}

void SectionAssembler::reset() {
  buffer_.clear();
  collecting_ = false;
}

void SectionAssembler::take(ByteSpan bytes, std::vector<Bytes>& sections,
                            std::vector<std::string>& warnings) {
  if (!collecting_) return;
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
  while (collecting_ && !buffer_.empty()) {
    // table_id 0xFF is stuffing: nothing more in this packet.
    if (buffer_[0] == 0xFF) {
      reset();
      break;
    }
    if (buffer_.size() < 3) break;
    const std::size_t total = 3 + (static_cast<std::size_t>(buffer_[1] & 0x0F) << 8 | buffer_[2]);
    if (total > kMaxSectionBytes) {
      warnings.push_back("PSI section longer than 4 KiB; dropped");
      reset();
      break;
    }
    if (buffer_.size() < total) break;
    sections.emplace_back(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(total));
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(total));
  }
}

}  // namespace bvlive::ts
