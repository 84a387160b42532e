#include "media/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace bvlive {

void write_file_atomic(const std::string& path, std::span<const fmp4::Bytes> parts) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(errno));
  for (const auto& part : parts) {
    std::size_t off = 0;
    while (off < part.size()) {
      const ssize_t n = ::write(fd, part.data() + off, part.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const int err = errno;
        ::close(fd);
        ::unlink(tmp.c_str());
        throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(err));
      }
      off += static_cast<std::size_t>(n);
    }
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot rename " + tmp + ": " + std::strerror(err));
  }
}

void write_file_atomic(const std::string& path, std::string_view text) {
  const fmp4::Bytes bytes(text.begin(), text.end());
  write_file_atomic(path, std::span<const fmp4::Bytes>(&bytes, 1));
}

}  // namespace bvlive
