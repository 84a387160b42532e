#include "daemon/security/playback_secret.hpp"
#include "util/hex.hpp"

#include <fcntl.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace bvlive {
namespace {

constexpr std::size_t kSecretBytes = 32;

std::vector<std::uint8_t> random_secret() {
  std::vector<std::uint8_t> bytes(kSecretBytes);
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
    throw std::runtime_error("no random bytes for the playback secret (OpenSSL RAND_bytes failed)");
  return bytes;
}

}  // namespace

PlaybackSecret::PlaybackSecret(std::string path, std::string what, std::string lost_by_removal)
    : path_(std::move(path)), what_(std::move(what)), lost_by_removal_(std::move(lost_by_removal)) {
  std::ifstream in(path_);
  if (!in) {
    if (errno != ENOENT) throw std::runtime_error("cannot read " + path_ + ": " + std::strerror(errno));
    bytes_ = random_secret();
    write(bytes_);
    return;
  }
  std::stringstream text;
  text << in.rdbuf();
  std::string hex = text.str();
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r' || hex.back() == ' ')) hex.pop_back();
  const std::string not_a_secret = path_ + " is not a " + what_ + " (64 hex digits); remove it to make a new one (" +
                                   lost_by_removal_ + ")";
  auto bytes = hex_decode(hex);
  if (!bytes || bytes->size() != kSecretBytes) throw std::runtime_error(not_a_secret);
  bytes_ = std::move(*bytes);
}

void PlaybackSecret::rotate() {
  auto fresh = random_secret();
  write(fresh);
  bytes_ = std::move(fresh);
}

void PlaybackSecret::write(const std::vector<std::uint8_t>& bytes) const {
  const std::string tmp = path_ + ".tmp";
  ::unlink(tmp.c_str());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(errno));
  const std::string text = hex_encode(bytes) + "\n";
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path_.c_str()) != 0) {
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot write " + path_ + ": " + std::strerror(ok ? errno : err));
  }
}

}  // namespace bvlive
