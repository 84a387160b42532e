#include "core/media/ts/demuxer.hpp"

#include <algorithm>
#include <utility>

#include "core/media/ts/adts.hpp"
#include "core/media/ts/keyframe_scan.hpp"
#include "core/media/ts/pat.hpp"
#include "core/media/ts/pes_header.hpp"
#include "core/media/ts/pmt.hpp"
#include "core/media/ts/psi_section.hpp"

namespace bvlive::ts {

namespace {

std::string pid_text(std::uint16_t pid) { return "PID " + std::to_string(pid) + ": "; }

void warn(std::vector<Event>& events, std::string message) {
  events.emplace_back(Warning{std::move(message)});
}

}  // namespace

std::vector<Event> Demuxer::feed(ByteSpan bytes) {
  std::vector<Event> events;
  if (unusable_) return events;
  sync_.append(bytes);
  while (auto packet = sync_.next()) {
    if (const std::size_t skipped = sync_.take_skipped()) {
      ++resyncs_;
      skipped_since_psi_ += skipped;
      warn(events, "lost sync: skipped " + std::to_string(skipped) + " bytes to the next packet");
    }
    take_packet(*packet, events);
    if (unusable_) return events;
  }
  // Limits on the search for sync: garbage that happens to hold 0x47 twice 188 bytes
  // apart locks briefly, so the test is bytes skipped since a table last parsed, not
  // the length of one search.
  const std::size_t skipped = skipped_since_psi_ + sync_.searching_skipped();
  if (!psi_seen_ && skipped > kMaxSkippedBeforeProgram)
    set_unusable("no packet sync (0x47 every 188 bytes) in the first " + std::to_string(skipped) + " bytes");
  else if (psi_seen_ && skipped > kMaxSkippedAfterProgram)
    set_unusable(std::to_string(skipped) + " bytes without packet sync since the last PAT/PMT");
  return events;
}

std::vector<Event> Demuxer::flush() {
  std::vector<Event> events;
  if (unusable_) return events;
  if (const std::size_t left = sync_.finish())
    warn(events, "stream ended with " + std::to_string(left) + " bytes that are not a whole packet");
  for (auto& [pid, state] : streams_) {
    std::vector<PesOutput> outputs;
    state.pes.finish(outputs);
    take_pes_outputs(state, outputs, events);
  }
  return events;
}

void Demuxer::take_packet(ByteSpan bytes, std::vector<Event>& events) {
  ++packets_;
  auto parsed = parse_packet(bytes);
  if (auto* error = std::get_if<ParseError>(&parsed)) {
    warn(events, "malformed packet dropped: " + error->message);
    return;
  }
  const Packet& packet = std::get<Packet>(parsed);

  if (!pmt_seen_ && packets_ > kMaxPacketsWithoutProgram) {
    set_unusable("no PAT/PMT in the first " + std::to_string(kMaxPacketsWithoutProgram) + " packets");
    return;
  }

  const bool is_pat = packet.pid == kPatPid;
  const bool is_pmt = pmt_pid_ && packet.pid == *pmt_pid_;
  const auto stream = streams_.find(packet.pid);
  if (!is_pat && !is_pmt && stream == streams_.end()) return;  // not ours (SDT, null, ...)

  // The header is unreliable too, but if the PID is right, the loss is caught by the
  // continuity counter of the next packet.
  if (packet.transport_error) {
    warn(events, pid_text(packet.pid) + "transport_error_indicator set; packet dropped");
    return;
  }

  PidState& pid_state = pids_[packet.pid];
  const int previous_counter = pid_state.continuity.last();
  switch (pid_state.continuity.check(packet.continuity_counter, packet.has_payload, packet.discontinuity)) {
    case Continuity::ok:
      break;
    case Continuity::duplicate:
      return;  // §2.4.3.3: a repeated packet; its payload was taken the first time
    case Continuity::gap: {
      ++continuity_errors_;
      std::string message = pid_text(packet.pid) + "continuity counter gap (" +
                            std::to_string(previous_counter) + " then " +
                            std::to_string(packet.continuity_counter) + ")";
      if (stream != streams_.end()) {
        if (stream->second.pes.abandon()) message += "; dropped the PES in progress";
      } else {
        (is_pat ? pat_sections_ : pmt_sections_).reset();
      }
      warn(events, std::move(message));
      break;
    }
  }

  if (packet.scrambling != 0) {
    if (!pid_state.scrambling_reported)
      warn(events, pid_text(packet.pid) + "scrambled packets cannot be read; dropped");
    pid_state.scrambling_reported = true;
    if (stream != streams_.end()) stream->second.pes.abandon();
    return;
  }
  if (!packet.has_payload) {
    if (packet.discontinuity && stream != streams_.end()) stream->second.discontinuity = true;
    return;
  }

  if (is_pat) {
    take_pat(packet, events);
  } else if (is_pmt) {
    take_pmt(packet, events);
  } else {
    StreamState& state = stream->second;
    if (packet.discontinuity) state.discontinuity = true;
    std::vector<PesOutput> outputs;
    state.pes.push(packet.payload, packet.payload_unit_start, packet.random_access, outputs);
    take_pes_outputs(state, outputs, events);
  }
}

void Demuxer::take_pat(const Packet& packet, std::vector<Event>& events) {
  std::vector<Bytes> sections;
  std::vector<std::string> warnings;
  pat_sections_.push(packet.payload, packet.payload_unit_start, sections, warnings);
  for (auto& w : warnings) warn(events, "PAT: " + w);
  for (const Bytes& bytes : sections) {
    auto parsed = parse_psi_section(bytes);
    if (auto* error = std::get_if<ParseError>(&parsed)) {
      warn(events, "PAT: " + error->message);
      continue;
    }
    const PsiSection& section = std::get<PsiSection>(parsed);
    if (section.table_id != kPatTableId) continue;
    if (!accept_crc(section.crc_ok, bytes, pat_bad_crc_, "PAT", events)) continue;
    if (!section.current_next) continue;  // a table for later (§2.4.4.5)
    auto pat = parse_pat(section);
    if (auto* error = std::get_if<ParseError>(&pat)) {
      warn(events, "PAT: " + error->message);
      continue;
    }
    psi_read();
    const auto& program = std::get<Pat>(pat).first_program;
    if (!program) continue;
    if (pmt_pid_ == program->pmt_pid && program_number_ == program->program_number) continue;
    // A different program: its PMT is read from scratch and announced as new.
    pmt_pid_ = program->pmt_pid;
    program_number_ = program->program_number;
    pmt_sections_.reset();
    pmt_bad_crc_.clear();
    pmt_version_.reset();
    program_.clear();
    streams_.clear();
    pids_[program->pmt_pid].continuity.reset();
  }
}

void Demuxer::take_pmt(const Packet& packet, std::vector<Event>& events) {
  std::vector<Bytes> sections;
  std::vector<std::string> warnings;
  pmt_sections_.push(packet.payload, packet.payload_unit_start, sections, warnings);
  for (auto& w : warnings) warn(events, "PMT: " + w);
  for (const Bytes& bytes : sections) {
    auto parsed = parse_psi_section(bytes);
    if (auto* error = std::get_if<ParseError>(&parsed)) {
      warn(events, "PMT: " + error->message);
      continue;
    }
    const PsiSection& section = std::get<PsiSection>(parsed);
    if (section.table_id != kPmtTableId) continue;  // other tables may share the PID
    if (section.table_id_extension != program_number_) continue;  // another program's PMT
    if (!accept_crc(section.crc_ok, bytes, pmt_bad_crc_, "PMT", events)) continue;
    if (!section.current_next) continue;
    auto pmt = parse_pmt(section);
    if (auto* error = std::get_if<ParseError>(&pmt)) {
      warn(events, "PMT: " + error->message);
      continue;
    }
    psi_read();
    pmt_seen_ = true;
    const Pmt& table = std::get<Pmt>(pmt);
    if (pmt_version_ == table.version && program_ == table.streams) continue;
    pmt_version_ = table.version;
    program_ = table.streams;

    // Streams that stay (same PID and type) keep their PES in progress and their clock.
    std::map<std::uint16_t, StreamState> next;
    for (const ElementaryStream& es : table.streams) {
      if (es.kind == StreamKind::other) continue;
      if (es.pid == kPatPid || es.pid == *pmt_pid_ || es.pid == kNullPid || next.count(es.pid)) {
        warn(events, "PMT: " + pid_text(es.pid) + "cannot carry an elementary stream; ignored");
        continue;
      }
      auto old = streams_.find(es.pid);
      if (old != streams_.end() && old->second.stream == es) {
        next.emplace(es.pid, std::move(old->second));
      } else {
        next.emplace(es.pid, StreamState{es, PesAssembler{}, TimestampUnwrapper{}, false});
        pids_[es.pid].continuity.reset();
      }
    }
    streams_ = std::move(next);
    events.emplace_back(ProgramChanged{program_});
  }
}

void Demuxer::take_pes_outputs(StreamState& state, std::vector<PesOutput>& outputs,
                               std::vector<Event>& events) {
  for (auto& output : outputs) {
    if (auto* dropped = std::get_if<PesDropped>(&output)) {
      warn(events, pid_text(state.stream.pid) + dropped->reason + "; dropped");
    } else {
      take_pes(state, std::move(std::get<PesComplete>(output)), events);
    }
  }
}

void Demuxer::take_pes(StreamState& state, PesComplete pes, std::vector<Event>& events) {
  const std::uint16_t pid = state.stream.pid;
  auto parsed = parse_pes_header(pes.bytes);
  if (auto* error = std::get_if<ParseError>(&parsed)) {
    warn(events, pid_text(pid) + error->message + "; PES dropped");
    return;
  }
  const PesHeader& header = std::get<PesHeader>(parsed);
  if (!header.pts) {
    warn(events, pid_text(pid) + "PES without PTS dropped");
    return;
  }
  if (header.payload_offset >= pes.bytes.size()) {
    warn(events, pid_text(pid) + "empty PES dropped");
    return;
  }
  // DTS is monotonic in decode order, so it drives the unwrapping; PTS is placed relative
  // to it (they are at most a few frames apart).
  const std::uint64_t raw_dts = header.dts.value_or(*header.pts);
  const std::int64_t dts = state.clock.unwrap(raw_dts);
  const std::int64_t pts = dts + timestamp_step(*header.pts, raw_dts);
  const bool discontinuity = std::exchange(state.discontinuity, false);

  if (state.stream.kind != StreamKind::aac) {
    Bytes data = std::move(pes.bytes);
    data.erase(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(header.payload_offset));
    const bool keyframe = is_keyframe(state.stream.kind, data);
    events.emplace_back(Sample{pid, state.stream.kind, pts, dts, keyframe, std::move(data),
                               pes.random_access, discontinuity});
    return;
  }

  const ByteSpan payload = ByteSpan(pes.bytes).subspan(header.payload_offset);
  auto frames = split_adts(payload);
  if (auto* error = std::get_if<ParseError>(&frames)) {
    warn(events, pid_text(pid) + error->message + "; PES dropped");
    return;
  }
  const auto& list = std::get<std::vector<AdtsFrame>>(frames);
  const std::uint32_t rate = list.front().sample_rate;
  std::int64_t samples_before = 0;
  bool first = true;
  for (const AdtsFrame& frame : list) {
    if (frame.sample_rate != rate) {
      // Not something an encoder does within one PES; the offsets would be meaningless.
      warn(events, pid_text(pid) + "ADTS sample rate changes inside a PES; rest dropped");
      break;
    }
    // The k-th frame starts k frames of audio after the PES's time stamp; computed from
    // the running sample count so rounding does not accumulate.
    const std::int64_t offset = samples_before * 90000 / rate;
    events.emplace_back(Sample{pid, StreamKind::aac, pts + offset, dts + offset, true,
                               Bytes(frame.bytes.begin(), frame.bytes.end()),
                               first && pes.random_access, first && discontinuity});
    samples_before += frame.samples;
    first = false;
  }
}

bool Demuxer::accept_crc(bool crc_ok, ByteSpan section, Bytes& last_bad, const char* table,
                         std::vector<Event>& events) {
  if (crc_ok) {
    last_bad.clear();
    return true;
  }
  if (!last_bad.empty() && std::equal(section.begin(), section.end(), last_bad.begin(), last_bad.end()))
    return true;
  last_bad.assign(section.begin(), section.end());
  warn(events, std::string(table) + ": CRC_32 mismatch; section ignored");
  return false;
}

void Demuxer::psi_read() {
  psi_seen_ = true;
  skipped_since_psi_ = 0;
}

void Demuxer::set_unusable(std::string reason) {
  unusable_ = true;
  unusable_reason_ = std::move(reason);
}

}  // namespace bvlive::ts
