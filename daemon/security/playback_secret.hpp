// The key that signs playback tokens (HS256): 32 random bytes, made on the first start and
// kept in STATE_DIR/playback-secret (hex, mode 0600) so tokens outlive restarts. Rotating
// it makes every token issued before invalid at once. The AES-128 segment keys derive from
// a second one, STATE_DIR/segment-key-secret, which is never rotated (players cache keys).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace bvlive {

class PlaybackSecret {
 public:
  // Loads the file, or makes it when there is none. Throws std::runtime_error naming the
  // file when it cannot be read, is not 64 hex digits, or cannot be written.
  // `what` names it in errors; `lost_by_removal` says what removing the file costs.
  explicit PlaybackSecret(std::string path, std::string what = "playback secret",
                          std::string lost_by_removal = "tokens issued with the old one stop working");

  // A new secret, written (through a temporary file and a rename) before it is used.
  void rotate();

  std::span<const std::uint8_t> bytes() const { return bytes_; }
  const std::string& path() const { return path_; }

 private:
  void write(const std::vector<std::uint8_t>& bytes) const;

  std::string path_;
  std::string what_;
  std::string lost_by_removal_;
  std::vector<std::uint8_t> bytes_;
};

}  // namespace bvlive
