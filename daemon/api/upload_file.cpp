#include "daemon/api/upload_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "util/random_id.hpp"

namespace bvlive {

UploadFile::UploadFile(const std::string& dir, const std::string& extension, std::uint64_t limit) : limit_(limit) {
  path_ = dir + "/.upload-" + random_string(16, "abcdefghijklmnopqrstuvwxyz0123456789") + extension;
  fd_.reset(::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd_) throw std::runtime_error("cannot create " + path_ + ": " + std::strerror(errno));
}

UploadFile::~UploadFile() {
  fd_.reset();
  ::unlink(path_.c_str());
}

bool UploadFile::write(std::string_view bytes) {
  if (!fd_) return false;
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_.get(), bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      error_ = std::string(std::strerror(errno)) + (errno == ENOSPC ? " (the media disk is full)" : "");
      fd_.reset();
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
    size_ += static_cast<std::uint64_t>(n);
  }
  return true;
}

bool UploadFile::finish() {
  if (!fd_) return false;
  if (::fsync(fd_.get()) != 0) {
    error_ = std::string("fsync: ") + std::strerror(errno);
    fd_.reset();
    return false;
  }
  fd_.reset();
  return true;
}

}  // namespace bvlive
