// An upload's body on its way to disk (POST /bv/cms/v1/library): written as it arrives into
// a hidden file in the library folder, never held in memory. The file is removed when the
// UploadFile goes, so an upload that fails or is refused leaves nothing behind; the
// library keeps its own hard link to a file it imports.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "http/unique_fd.hpp"
#include "protocols/http/request.hpp"

namespace bvlive {

class UploadFile : public http::BodyWriter {
 public:
  // Creates DIR/.upload-RANDOM.EXT (0644, as the library's files). Throws std::runtime_error when it cannot.
  UploadFile(const std::string& dir, const std::string& extension, std::uint64_t limit);
  ~UploadFile() override;
  UploadFile(const UploadFile&) = delete;
  UploadFile& operator=(const UploadFile&) = delete;

  std::uint64_t limit() const override { return limit_; }
  bool write(std::string_view bytes) override;
  std::string error() const override { return error_; }

  // Flushes the bytes to disk (fsync) and closes the file; false with error() on a failure.
  bool finish();
  const std::string& path() const { return path_; }
  std::uint64_t size() const { return size_; }

  std::string sender;  // the name of the API key that sends it

 private:
  std::string path_;
  http::UniqueFd fd_;
  std::uint64_t limit_;
  std::uint64_t size_ = 0;
  std::string error_;
};

}  // namespace bvlive
