// A session's segment and part writer: takes what the packager makes (init segments and
// fMP4 fragments, per rendition), cuts segments that line up across renditions
// (fmp4::RenditionAligner), writes init segments, segments and LL-HLS parts atomically
// under SESSION_ID/[RENDITION/], and records them in the segment index, numbered per live,
// with their wall-clock time (EXT-X-PROGRAM-DATE-TIME).
//
// It knows no process, socket or loop: the index and the clock are given, so it is
// tested with a fake index and clock (tests/unit/test_segment_writer.cpp).
//
// Memory. With one rendition, a segment goes to disk fragment by fragment (SEG.m4s.tmp,
// renamed when it closes): nothing of it waits in memory. A ladder's renditions are cut
// together, so their fragments wait in the aligner until their segment closes.
//
// Wall clock. A fragment is complete when it reaches the writer, so its first frame was
// seen about its duration ago: that is the anchor of the session's media time.
// A new init segment mid-push (the encoder's configuration changed) closes the open
// segments on the old one; the next ones name init-2.mp4, init-3.mp4, ...
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/media/atomic_file.hpp"
#include "core/media/fmp4/rendition_aligner.hpp"
#include "core/media/fmp4/stream_splitter.hpp"
#include "daemon/media/segment_index.hpp"
#include "util/time.hpp"

namespace bvlive {

struct SegmentWriterSetup {
  std::vector<std::string> renditions{""};  // their folder names; "" for a single rendition
  bool ull = false;                         // LL-HLS: parts cut by duration, listed as they land
  double segment_seconds = 2.0;             // the segment target
  std::function<std::size_t()> keep_segments;  // after each segment: how many of the live to keep (0 = all)
  std::function<TimeMs()> clock = now_ms;
  // A packager restarted mid-session (session.hpp) gets a new writer that carries on where
  // the last one stopped: its segment files are numbered from first_file_number, its init
  // segments from init-(init_generations_before + 1).mp4, so nothing of the first run is
  // overwritten and the playlists mark the change with a discontinuity.
  std::uint64_t first_file_number = 0;
  int init_generations_before = 0;
};

class SegmentWriter {
 public:
  struct Callbacks {
    std::function<void()> first_segment;                     // the first segment is listed
    std::function<void(const std::string& reason)> failed;   // cannot go on (unreadable output, disk)
    std::function<void(const std::string& line)> event;      // for the live's events
  };

  // `row` is the session's: its segment count goes up with each segment, and it is
  // recorded with it.
  SegmentWriter(SegmentIndex& index, SessionRow& row, SegmentWriterSetup setup, Callbacks callbacks);

  // One output event of a rendition. `since_ns`: when it came out of the packager.
  void take(std::size_t rendition, fmp4::SplitEvent event, std::uint64_t since_ns = 0);
  // The packager is done: open segments close and are listed; parts are no longer announced.
  void finish();

  bool failed() const { return failed_; }
  std::uint64_t segments() const { return segments_; }
  // For a writer that follows this one in the same session (SegmentWriterSetup).
  std::uint64_t next_file_number() const { return next_file_number_; }
  int init_generations() const;

 private:
  void write_init(std::size_t rendition, const fmp4::InitSegment& init);
  void add(std::size_t rendition, fmp4::Fragment fragment);
  void write_segment(const fmp4::AlignedSegment& aligned);
  void write_part(const fmp4::PlacedFragment& placed, std::span<const std::uint8_t> bytes);
  // Streaming: a fragment's bytes go to its segment's file now.
  void stream(std::uint64_t sequence_number, std::span<const std::uint8_t> bytes);
  std::string folder(std::size_t rendition) const;  // "SESSION" or "SESSION/720p"
  std::string segment_file(std::size_t rendition, std::uint64_t sequence_number) const;
  TimeMs wall_time(double media_seconds) const;
  void fail(const std::string& reason);

  SegmentIndex& index_;
  SessionRow& row_;
  SegmentWriterSetup setup_;
  Callbacks callbacks_;
  bool streaming_ = false;  // one rendition: segments are written as their fragments come
  fmp4::RenditionAligner aligner_;
  std::map<std::uint64_t, std::unique_ptr<AtomicFileWriter>> open_files_;  // streaming: by segment number
  std::vector<int> init_generation_;  // per rendition: 0 before its first init segment
  struct SeqOf {
    std::int64_t seq;
    TimeMs program_date_time;
  };
  std::map<std::uint64_t, SeqOf> seqs_;  // the leader's segment number -> its seq and time
  std::optional<TimeMs> wall_base_;      // wall clock of media time media_base_
  double media_base_ = 0;
  std::uint64_t since_ns_ = 0;           // of the output being handled
  std::uint64_t segments_ = 0;           // leader segments listed
  std::uint64_t next_file_number_ = 0;  // above every segment file named so far
  bool finished_ = false;
  bool failed_ = false;
};

}  // namespace bvlive
