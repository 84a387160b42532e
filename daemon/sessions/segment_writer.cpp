#include "sessions/segment_writer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "daemon/media/atomic_file.hpp"
#include "core/media/hls/low_latency_playlist.hpp"

namespace bvlive {

SegmentWriter::SegmentWriter(SegmentIndex& index, SessionRow& row, SegmentWriterSetup setup, Callbacks callbacks)
    : index_(index),
      row_(row),
      setup_(std::move(setup)),
      callbacks_(std::move(callbacks)),
      streaming_(setup_.renditions.size() == 1),
      // Streaming needs to know where each fragment goes, as LL-HLS parts do.
      aligner_(setup_.renditions.size(), setup_.segment_seconds,
               fmp4::AlignerOptions{.keyframe_fragments = !setup_.ull, .report_placed = setup_.ull || streaming_}),
      init_generation_(setup_.renditions.size(), setup_.init_generations_before),
      next_file_number_(setup_.first_file_number) {}

int SegmentWriter::init_generations() const {
  int most = setup_.init_generations_before;
  for (int g : init_generation_) most = std::max(most, g);
  return most;
}

void SegmentWriter::fail(const std::string& reason) {
  if (failed_) return;
  failed_ = true;
  if (callbacks_.failed) callbacks_.failed(reason);
}

void SegmentWriter::take(std::size_t rendition, fmp4::SplitEvent event, std::uint64_t since_ns) {
  if (failed_ || finished_ || rendition >= setup_.renditions.size()) return;
  since_ns_ = since_ns;
  if (auto* init = std::get_if<fmp4::InitSegment>(&event)) write_init(rendition, *init);
  else if (auto* fragment = std::get_if<fmp4::Fragment>(&event)) add(rendition, std::move(*fragment));
  else fail("packager output unreadable: " + std::get<fmp4::SplitError>(event).message);
}

void SegmentWriter::finish() {
  if (failed_ || finished_) return;
  finished_ = true;
  if (!wall_base_) return;
  for (const auto& aligned : aligner_.flush()) write_segment(aligned);
  aligner_.take_placed();  // their segments are complete: no part to announce
}

std::string SegmentWriter::folder(std::size_t rendition) const {
  const std::string& name = setup_.renditions.at(rendition);
  return row_.id + (name.empty() ? "" : "/" + name);
}

std::string SegmentWriter::segment_file(std::size_t rendition, std::uint64_t sequence_number) const {
  char name[32];
  std::snprintf(name, sizeof name, "seg_%08llu.m4s",
                static_cast<unsigned long long>(setup_.first_file_number + sequence_number));
  return folder(rendition) + "/" + name;
}

TimeMs SegmentWriter::wall_time(double media_seconds) const {
  return *wall_base_ + static_cast<TimeMs>(std::llround((media_seconds - media_base_) * 1000));
}

void SegmentWriter::write_init(std::size_t rendition, const fmp4::InitSegment& init) {
  int& generation = init_generation_.at(rendition);
  if (generation > setup_.init_generations_before && wall_base_) {
    // A new configuration mid-push: the segments open so far close on the old init segment.
    for (const auto& aligned : aligner_.flush()) write_segment(aligned);
    aligner_.take_placed();
    if (failed_) return;
  }
  ++generation;
  const std::string name = init_file_name(generation);
  try {
    write_file_atomic(index_.path_of(row_.live_id, folder(rendition) + "/" + name),
                      std::span<const fmp4::Bytes>(&init.bytes, 1));
  } catch (const std::exception& e) {
    return fail(std::string("cannot write an init segment: ") + e.what());
  }
  if (generation > setup_.init_generations_before + 1 && callbacks_.event)
    callbacks_.event("session " + row_.id + ": the encoder's configuration changed; new init segment " + name);
}

void SegmentWriter::add(std::size_t rendition, fmp4::Fragment fragment) {
  auto timed = fmp4::timed_fragment(fragment.info, std::move(fragment.bytes));
  if (!timed) return;
  if (rendition == 0 && !wall_base_) {
    media_base_ = timed->start_seconds;
    wall_base_ = setup_.clock() - static_cast<TimeMs>(std::llround(timed->duration_seconds * 1000));
  }
  fmp4::Bytes bytes;
  if (streaming_) bytes = std::move(timed->bytes);  // to disk below, not held by the aligner
  const auto closed = aligner_.push(rendition, std::move(*timed));
  auto placed = aligner_.take_placed();
  // First into its segment's file, which may be the one this fragment closes.
  if (streaming_)
    for (const auto& p : placed) {
      stream(p.sequence_number, bytes);
      if (failed_) return;
    }
  for (const auto& aligned : closed) {
    write_segment(aligned);
    if (failed_) return;
  }
  // After the segments they closed, so that a part's seq follows the last one listed.
  if (!setup_.ull) return;
  for (const auto& p : placed) {
    write_part(p, streaming_ ? std::span<const std::uint8_t>(bytes) : std::span<const std::uint8_t>(p.bytes));
    if (failed_) return;
  }
}

void SegmentWriter::stream(std::uint64_t sequence_number, std::span<const std::uint8_t> bytes) {
  next_file_number_ = std::max(next_file_number_, setup_.first_file_number + sequence_number + 1);
  try {
    auto& file = open_files_[sequence_number];
    if (!file)
      file = std::make_unique<AtomicFileWriter>(index_.path_of(row_.live_id, segment_file(0, sequence_number)));
    file->append(bytes);
  } catch (const std::exception& e) {
    fail(std::string("cannot write a segment: ") + e.what());
  }
}

void SegmentWriter::write_part(const fmp4::PlacedFragment& placed, std::span<const std::uint8_t> bytes) {
  if (!wall_base_) return;  // a follower's, ahead of the leader's first fragment
  next_file_number_ = std::max(next_file_number_, setup_.first_file_number + placed.sequence_number + 1);
  hls::PartRecord p;
  p.live_id = row_.live_id;
  p.session_id = row_.id;
  p.rendition = setup_.renditions.at(placed.rendition);
  // Its segment's seq once listed; until then the seq the live lists next (a follower's
  // segment is never ahead of the leader's).
  if (const auto it = seqs_.find(placed.sequence_number); it != seqs_.end()) {
    p.seq = it->second.seq;
    p.program_date_time = it->second.program_date_time;
  } else {
    p.seq = index_.next_seq(row_.live_id);
    p.program_date_time = wall_time(placed.segment_start_seconds);
  }
  p.index = static_cast<int>(placed.index);
  p.duration = placed.duration_seconds;
  p.independent = placed.independent;
  p.file = hls::part_file(segment_file(placed.rendition, placed.sequence_number), p.index);
  p.bytes = static_cast<std::int64_t>(bytes.size());
  try {
    AtomicFileWriter file(index_.path_of(row_.live_id, p.file));
    file.append(bytes);
    file.commit();
  } catch (const std::exception& e) {
    return fail(std::string("cannot write a part: ") + e.what());
  }
  index_.append_part(p);
}

void SegmentWriter::write_segment(const fmp4::AlignedSegment& aligned) {
  const fmp4::Segment& segment = aligned.segment;
  const bool leader = aligned.rendition == 0;
  SegmentRecord r;
  if (leader) {
    r.seq = index_.next_seq(row_.live_id);
    r.program_date_time = wall_time(segment.start_seconds);
    seqs_[segment.sequence_number] = {r.seq, r.program_date_time};
    // Followers trail by a few segments at most.
    while (seqs_.size() > 64) seqs_.erase(seqs_.begin());
  } else {
    const auto it = seqs_.find(segment.sequence_number);
    if (it == seqs_.end()) return;  // nothing of the leader's to line up with
    r.seq = it->second.seq;
    r.program_date_time = it->second.program_date_time;
  }
  r.live_id = row_.live_id;
  r.session_id = row_.id;
  r.rendition = setup_.renditions.at(aligned.rendition);
  r.duration = segment.duration_seconds;
  r.file = segment_file(aligned.rendition, segment.sequence_number);
  r.init_file = folder(aligned.rendition) + "/" +
                init_file_name(std::max(setup_.init_generations_before + 1, init_generation_.at(aligned.rendition)));
  next_file_number_ = std::max(next_file_number_, setup_.first_file_number + segment.sequence_number + 1);
  try {
    if (streaming_) {
      const auto file = open_files_.find(segment.sequence_number);
      if (file == open_files_.end()) throw std::runtime_error("segment " + r.file + " has no file");
      r.bytes = file->second->size();
      file->second->commit();
      open_files_.erase(file);
    } else {
      for (const auto& f : segment.fragments) r.bytes += static_cast<std::int64_t>(f.size());
      write_file_atomic(index_.path_of(row_.live_id, r.file), segment.fragments);
    }
    if (leader) ++row_.segments;
    index_.append(r, row_, leader && since_ns_ ? std::optional<std::uint64_t>(since_ns_) : std::nullopt);
  } catch (const std::exception& e) {
    return fail(std::string("cannot record a segment: ") + e.what());
  }
  if (!leader) return;
  if (const std::size_t keep = setup_.keep_segments ? setup_.keep_segments() : 0) index_.trim(row_.live_id, keep);
  if (segments_++ == 0 && callbacks_.first_segment) callbacks_.first_segment();
}

}  // namespace bvlive
