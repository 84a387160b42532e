// Files that readers (the HTTP origin, ffmpeg) may open at any moment are written through
// a temporary file and a rename, so a reader sees the whole file or none of it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "http/unique_fd.hpp"
#include "core/media/fmp4/box_builder.hpp"

namespace bvlive {

// A file written in pieces to PATH.tmp and renamed to PATH by commit(), so that a segment
// can go to disk fragment by fragment instead of waiting whole in memory. Destroyed
// uncommitted, it removes its temporary file. Errors throw std::runtime_error naming the file.
class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(std::string path);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void append(std::span<const std::uint8_t> bytes);
  void commit();
  std::int64_t size() const { return size_; }

 private:
  std::string path_, tmp_;
  http::UniqueFd fd_;
  std::int64_t size_ = 0;
  bool committed_ = false;
};

// Writes the concatenation of `parts` to `path`. Throws std::runtime_error naming the file.
void write_file_atomic(const std::string& path, std::span<const fmp4::Bytes> parts);
void write_file_atomic(const std::string& path, std::string_view text);

}  // namespace bvlive
