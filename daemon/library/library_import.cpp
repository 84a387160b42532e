#include "daemon/library/library_import.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "daemon/media/link_or_copy.hpp"
#include "process/run_capture.hpp"
#include "rpc/error.hpp"

namespace bvlive {
namespace {

namespace fs = std::filesystem;
constexpr auto kProbeTimeout = std::chrono::seconds(30);

// ".mp4" from the original name, lower case, when it is a plain short extension; else "".
std::string extension_of(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  if (ext.size() < 2 || ext.size() > 8) return "";
  for (auto& c : ext) {
    if (c != '.' && !std::isalnum(static_cast<unsigned char>(c))) return "";
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return ext;
}

}  // namespace

library::LibraryItem import_library_file(const LibraryImport& req, const std::string& ffprobe,
                                         const std::string& media_root) {
  const std::string& path = req.path;
  if (path.empty() || path.front() != '/')
    throw_invalid("path", "'" + path + "' is not an absolute path; give the file's full path");
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw_invalid("path", path + ": " + (errno == ENOENT ? std::string("no such file") : std::strerror(errno)));
  if (S_ISDIR(st.st_mode)) throw_invalid("path", path + " is a directory; give a video, image or audio file");
  if (!S_ISREG(st.st_mode)) throw_invalid("path", path + " is not a regular file; give a video, image or audio file");
  if (::access(path.c_str(), R_OK) != 0)
    throw_invalid("path", path + ": bvlived cannot read it (" + std::strerror(errno) +
                              "); make it readable by the daemon's user");
  if (st.st_size == 0) throw_invalid("path", path + " is empty; give a video, image or audio file");

  CaptureResult probe;
  try {
    probe = run_capture(library::ffprobe_command(ffprobe, path), kProbeTimeout);
  } catch (const std::exception& e) {
    throw RpcError(ErrorKind::Unavailable, std::string(e.what()) + "; install ffmpeg or set media.ffprobe in bvlived.toml");
  }
  if (probe.timed_out) throw_invalid("path", path + ": ffprobe did not finish in 30 s; is it a media file?");
  if (probe.exit_code != 0) throw_invalid("path", path + ": " + library::probe_refusal(probe.exit_code, probe.err));
  auto parsed = library::parse_ffprobe_json(probe.out);
  if (auto* refusal = std::get_if<library::ProbeError>(&parsed)) throw_invalid("path", path + ": " + refusal->message);

  library::LibraryItem item;
  item.id = library::new_library_id();
  item.name = req.name.empty() ? fs::path(path).filename().string() : req.name;
  item.file = "library/" + item.id + extension_of(path);
  item.original = req.original.empty() ? path : req.original;
  item.probe_json = probe.out;
  item.probe = std::get<library::MediaProbe>(parsed);
  item.created_at = now_ms();

  // A hard link costs nothing and keeps the bytes even if the original is deleted; across
  // filesystems (or where links are not allowed) the file is copied.
  try {
    item.stored = link_or_copy(path, media_root + "/" + item.file) == Stored::HardLink ? "hardlink" : "copy";
  } catch (const std::exception& e) {
    throw RpcError(ErrorKind::Internal, std::string("cannot store the file in the library: ") + e.what());
  }
  return item;
}

}  // namespace bvlive
