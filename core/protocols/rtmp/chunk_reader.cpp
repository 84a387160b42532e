#include "protocols/rtmp/chunk_reader.hpp"

#include <algorithm>
#include <utility>

namespace bvlive::rtmp {

namespace {

constexpr std::uint32_t kExtendedTimestampMarker = 0xFFFFFF;

std::uint32_t be(std::span<const std::uint8_t> b) {
  std::uint32_t v = 0;
  for (auto byte : b) v = (v << 8) | byte;
  return v;
}

std::uint32_t le32(std::span<const std::uint8_t> b) {
  return std::uint32_t{b[0]} | (std::uint32_t{b[1]} << 8) | (std::uint32_t{b[2]} << 16) |
         (std::uint32_t{b[3]} << 24);
}

}  // namespace

ChunkFeedResult ChunkReader::feed(std::span<const std::uint8_t> bytes) {
  ChunkFeedResult out;
  if (failed_) {
    out.error = "chunk stream already failed";
    return out;
  }
  bytes_received_ += bytes.size();
  pending_.insert(pending_.end(), bytes.begin(), bytes.end());
  for (;;) {
    const Step step = parse_chunk(out);
    if (step == Step::need_more) break;
    if (step == Step::error) {
      failed_ = true;
      pending_.clear();
      pos_ = 0;
      streams_.clear();
      return out;
    }
  }
  // Keep only the incomplete chunk; at most one chunk's worth stays buffered.
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(pos_));
  pos_ = 0;
  return out;
}

// Reads one whole chunk at pos_ or nothing: state changes only once every byte is there,
// so a chunk split across feeds parses exactly like one that arrives whole.
ChunkReader::Step ChunkReader::parse_chunk(ChunkFeedResult& out) {
  const std::span<const std::uint8_t> in(pending_.data() + pos_, pending_.size() - pos_);
  std::size_t at = 0;
  auto take = [&](std::size_t n) -> std::optional<std::span<const std::uint8_t>> {
    if (in.size() - at < n) return std::nullopt;
    auto s = in.subspan(at, n);
    at += n;
    return s;
  };
  auto fail = [&](std::string message) {
    out.error = std::move(message);
    return Step::error;
  };

  // Basic header: 1, 2 or 3 bytes (§5.3.1.1).
  const auto b0 = take(1);
  if (!b0) return Step::need_more;
  const unsigned fmt = (*b0)[0] >> 6;
  std::uint32_t csid = (*b0)[0] & 0x3F;
  if (csid == 0) {
    const auto b = take(1);
    if (!b) return Step::need_more;
    csid = 64 + (*b)[0];
  } else if (csid == 1) {
    const auto b = take(2);
    if (!b) return Step::need_more;
    csid = 64 + (*b)[0] + 256u * (*b)[1];
  }

  auto found = streams_.find(csid);
  const bool known = found != streams_.end() && found->second.has_header;
  if (fmt != 0 && !known)
    return fail("chunk type " + std::to_string(fmt) + " on chunk stream " + std::to_string(csid) +
                " with no previous header");
  // A full header (fmt 0-2) while a message is partial starts a new message and drops the
  // partial one, as if Abort had been sent; ffmpeg's reader does the same, so encoders that
  // rely on it keep working.
  const bool in_progress = known && found->second.in_progress && fmt == 3;

  // Message header (§5.3.1.2): 11, 7, 3 or 0 bytes.
  std::uint32_t ts_field = 0, length = 0, stream_id = 0;
  std::uint8_t type_id = 0;
  if (fmt <= 2) {
    const auto ts = take(3);
    if (!ts) return Step::need_more;
    ts_field = be(*ts);
  }
  if (fmt <= 1) {
    const auto h = take(4);
    if (!h) return Step::need_more;
    length = be(h->first(3));
    type_id = (*h)[3];
  }
  if (fmt == 0) {
    const auto sid = take(4);
    if (!sid) return Step::need_more;
    stream_id = le32(*sid);
  }
  // Extended timestamp (§5.3.1.3). A fmt 3 chunk repeats it when its stream's last header
  // had one; the repeated value carries no new information.
  const bool extended = fmt <= 2 ? ts_field == kExtendedTimestampMarker : known && found->second.extended;
  if (extended) {
    const auto ext = take(4);
    if (!ext) return Step::need_more;
    if (fmt <= 2) ts_field = be(*ext);
  }

  if (fmt >= 2) length = found->second.length;
  if (length > max_message_length_)
    return fail("message length " + std::to_string(length) + " exceeds the limit of " +
                std::to_string(max_message_length_));
  const std::uint32_t remaining = in_progress ? found->second.remaining : length;
  const std::uint32_t this_chunk = std::min(remaining, chunk_size_);
  const auto payload = take(this_chunk);
  if (!payload) return Step::need_more;

  // The whole chunk is here: commit.
  pos_ += at;
  StreamState& st = streams_[csid];
  switch (fmt) {
    case 0:
      st.timestamp = ts_field;
      st.delta = 0;
      st.length = length;
      st.type_id = type_id;
      st.stream_id = stream_id;
      break;
    case 1:
      st.delta = ts_field;
      st.timestamp += ts_field;
      st.length = length;
      st.type_id = type_id;
      break;
    case 2:
      st.delta = ts_field;
      st.timestamp += ts_field;
      break;
    default:
      if (!in_progress) st.timestamp += st.delta;
      break;
  }
  if (fmt <= 2) st.extended = extended;
  st.has_header = true;
  if (!in_progress) {
    st.in_progress = true;
    st.remaining = length;
    st.payload.clear();
    // Reserve what one chunk brings, not the declared length: a peer could declare 8 MB
    // on each of thousands of chunk streams without ever sending it.
    st.payload.reserve(std::min<std::uint32_t>(length, chunk_size_));
  }
  st.payload.insert(st.payload.end(), payload->begin(), payload->end());
  st.remaining -= this_chunk;
  if (st.remaining != 0) return Step::chunk_done;

  st.in_progress = false;
  Message message{csid, st.type_id, st.stream_id, st.timestamp, std::move(st.payload)};
  st.payload = {};
  apply_control(message, out);
  const bool bad = out.error.has_value();
  out.messages.push_back(std::move(message));
  return bad ? Step::error : Step::chunk_done;
}

void ChunkReader::apply_control(const Message& message, ChunkFeedResult& out) {
  if (message.stream_id != 0) return;  // control messages live on message stream 0 (§5.4)
  if (message.type_id == message_type::set_chunk_size) {
    if (message.payload.size() < 4) {
      out.error = "Set Chunk Size payload too short";
      return;
    }
    // The top bit is reserved and must be zero (§5.4.1).
    const std::uint32_t size = be(std::span(message.payload).first(4)) & 0x7FFFFFFF;
    if (size == 0 || size > kMaxChunkSize) {
      out.error = "invalid chunk size " + std::to_string(size);
      return;
    }
    chunk_size_ = size;
  } else if (message.type_id == message_type::abort) {
    if (message.payload.size() < 4) {
      out.error = "Abort payload too short";
      return;
    }
    const auto it = streams_.find(be(std::span(message.payload).first(4)));
    if (it != streams_.end()) {
      it->second.in_progress = false;
      it->second.remaining = 0;
      it->second.payload.clear();
    }
  }
}

}  // namespace bvlive::rtmp
