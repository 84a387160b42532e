#include "core/media/ts/pes_assembler.hpp"

namespace bvlive::ts {

void PesAssembler::push(ByteSpan payload, bool unit_start, bool random_access,
                        std::vector<PesOutput>& out) {
  if (unit_start) {
    if (active_) {
      if (length_known_ && !total_) {
        out.push_back(PesComplete{std::move(buffer_), random_access_});
      } else {
        out.push_back(PesDropped{"PES ended before its PES_packet_length was reached"});
      }
      clear();
    }
    active_ = true;
    random_access_ = random_access;
  } else if (!active_) {
    return;  // the rest of a PES we did not see start, or dropped
  }
  if (buffer_.size() + payload.size() > max_bytes_) {
    clear();
    out.push_back(PesDropped{"PES larger than " + std::to_string(max_bytes_ >> 20) + " MiB"});
    return;
  }
  buffer_.insert(buffer_.end(), payload.begin(), payload.end());
  check(out);
}

bool PesAssembler::abandon() {
  const bool had = active_;
  clear();
  return had;
}

void PesAssembler::finish(std::vector<PesOutput>& out) {
  if (!active_) return;
  if (length_known_ && !total_)
    out.push_back(PesComplete{std::move(buffer_), random_access_});
  else
    out.push_back(PesDropped{"stream ended inside a PES"});
  clear();
}

void PesAssembler::check(std::vector<PesOutput>& out) {
  if (!length_known_) {
    if (buffer_.size() < 6) return;
    if (buffer_[0] != 0 || buffer_[1] != 0 || buffer_[2] != 1) {
      clear();
      out.push_back(PesDropped{"payload unit does not start with a PES start code"});
      return;
    }
    const std::size_t length = static_cast<std::size_t>(buffer_[4]) << 8 | buffer_[5];
    length_known_ = true;
    if (length != 0) total_ = 6 + length;
  }
  if (total_ && buffer_.size() >= *total_) {
    buffer_.resize(*total_);  // anything after the declared end is not part of this PES
    out.push_back(PesComplete{std::move(buffer_), random_access_});
    clear();
  }
}

void PesAssembler::clear() {
  buffer_ = Bytes{};
  active_ = false;
  random_access_ = false;
  total_.reset();
  length_known_ = false;
}

}  // namespace bvlive::ts
