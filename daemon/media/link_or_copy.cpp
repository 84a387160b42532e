#include "daemon/media/link_or_copy.hpp"

#include <unistd.h>

#include <filesystem>
#include <stdexcept>

namespace bvlive {

Stored link_or_copy(const std::string& from, const std::string& to) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(fs::path(to).parent_path(), ec);
  if (ec) throw std::runtime_error("cannot create the folder of " + to + ": " + ec.message());
  if (::link(from.c_str(), to.c_str()) == 0) return Stored::HardLink;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) {
    fs::remove(to, ec);
    throw std::runtime_error("cannot link or copy " + from + " to " + to + ": " + ec.message());
  }
  return Stored::Copy;
}

}  // namespace bvlive
