// `bvlive library add`: checks the file, probes it with ffprobe, and stores it in the
// media folder (STATE_DIR/media/library/ID.ext), by hard link when the file is on the same
// filesystem, else by copy. A file that cannot be used is refused with the reason and
// nothing is stored.
#pragma once

#include <string>

#include "core/library/library_item.hpp"

namespace bvlive {

struct LibraryImport {
  std::string path;  // absolute (the CLI resolves it)
  std::string name;  // "" = the file's name
  std::string original;  // where it came from, as shown; "" = path
};

// Throws RpcError(InvalidParams, path "path") for a file the user must fix, RpcError(Internal)
// when the media folder cannot take it.
library::LibraryItem import_library_file(const LibraryImport& request, const std::string& ffprobe,
                                         const std::string& media_root);

}  // namespace bvlive
