#include "daemon/media/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace bvlive {

AtomicFileWriter::AtomicFileWriter(std::string path) : path_(std::move(path)), tmp_(path_ + ".tmp") {
  fd_.reset(::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd_) throw std::runtime_error("cannot write " + tmp_ + ": " + std::strerror(errno));
}

AtomicFileWriter::~AtomicFileWriter() {
  if (committed_) return;
  fd_.reset();
  ::unlink(tmp_.c_str());
}

void AtomicFileWriter::append(std::span<const std::uint8_t> bytes) {
  std::size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t n = ::write(fd_.get(), bytes.data() + off, bytes.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error("cannot write " + tmp_ + ": " + std::strerror(errno));
    off += static_cast<std::size_t>(n);
  }
  size_ += static_cast<std::int64_t>(bytes.size());
}

void AtomicFileWriter::commit() {
  fd_.reset();
  if (::rename(tmp_.c_str(), path_.c_str()) != 0)
    throw std::runtime_error("cannot rename " + tmp_ + ": " + std::strerror(errno));
  committed_ = true;
}

void write_file_atomic(const std::string& path, std::span<const fmp4::Bytes> parts) {
  AtomicFileWriter file(path);
  for (const auto& part : parts) file.append(part);
  file.commit();
}

void write_file_atomic(const std::string& path, std::string_view text) {
  const fmp4::Bytes bytes(text.begin(), text.end());
  write_file_atomic(path, std::span<const fmp4::Bytes>(&bytes, 1));
}

}  // namespace bvlive
