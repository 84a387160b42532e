// library.*: the media library of the control socket and the HTTP API's uploads. Imports
// probe with ffprobe and link or copy the file (daemon/library/library_import.hpp).
#include "daemon.hpp"

#include <filesystem>

#include "daemon/api/upload_file.hpp"
#include "daemon/library/library_import.hpp"
#include "log/log.hpp"
#include "rpc/error.hpp"
#include "uv/work.hpp"

namespace bvlive {

namespace fs = std::filesystem;

// An import refusal names the temporary file; the client knows it as its request body.
[[noreturn]] void Daemon::rethrow_as_upload_refusal(std::exception_ptr error, const std::string& path) {
  try {
    std::rethrow_exception(error);
  } catch (const RpcError& e) {
    if (e.kind() != ErrorKind::InvalidParams) throw;
    std::string message = e.what();
    for (auto at = message.find(path); at != std::string::npos; at = message.find(path))
      message.replace(at, path.size(), "the uploaded file");
    if (message.starts_with("path: ")) message.replace(0, 4, "body");
    throw RpcError(ErrorKind::InvalidParams, message, {{"path", "body"}});
  }
}

// library.add: the probe and the link or copy (a multi-gigabyte file across file systems
// takes a while) run on the thread pool; the caller is answered when they are done.
void Daemon::library_add(const nlohmann::json& params, Answer answer) {
  LibraryImport request;
  if (!params.is_object() || !params.contains("path") || !params["path"].is_string())
    throw_invalid("path", "required: the absolute path of the file to import");
  request.path = params["path"].get<std::string>();
  if (params.contains("name") && !params["name"].is_null()) {
    if (!params["name"].is_string()) throw_invalid("name", "must be a string");
    request.name = params["name"].get<std::string>();
  }
  import_in_pool(std::move(request), nullptr, std::move(answer));
}

void Daemon::import_in_pool(LibraryImport request, std::shared_ptr<UploadFile> upload, Answer answer) {
  auto item = std::make_shared<library::LibraryItem>();
  uv::queue_work(
      loop_.get(),
      // `upload` keeps an uploaded file until it is linked into the library.
      [request, item, upload, ffprobe = settings_.media.ffprobe, root = library_->media_root()] {
        *item = import_library_file(request, ffprobe, root);
      },
      [this, alive = std::weak_ptr<bool>(alive_), request, item, upload, answer](std::exception_ptr error) {
        if (alive.expired()) return;  // the daemon has gone; so has whoever asked
        answer([&] {
          if (error && upload) rethrow_as_upload_refusal(error, request.path);
          if (error) std::rethrow_exception(error);
          if (stopping_) {
            std::error_code ec;
            fs::remove(library_->path_of(*item), ec);
            throw RpcError(ErrorKind::Unavailable, "bvlived is shutting down; retry once it is back");
          }
          return keep_in_library(std::move(*item), upload ? request.original : request.path);
        });
      });
}

nlohmann::json Daemon::keep_in_library(library::LibraryItem item, const std::string& from) {
  const std::string id = item.id;
  const std::string stored = library_->path_of(item);
  try {
    library_->add(std::move(item));
  } catch (...) {
    std::error_code ec;
    fs::remove(stored, ec);  // nothing is kept of a file the store did not take
    throw;
  }
  log::info("library", "added " + id + " from " + from);
  return library_->get_json(id, service_->lives());
}

nlohmann::json Daemon::library_list() const { return library_->list_json(service_->lives()); }

nlohmann::json Daemon::library_get(const nlohmann::json& params) const {
  if (!params.is_object() || !params.contains("id") || !params["id"].is_string())
    throw_invalid("id", "required: the library item's id (lib_...)");
  return library_->get_json(params["id"].get<std::string>(), service_->lives());
}

nlohmann::json Daemon::library_remove(const nlohmann::json& params) {
  if (!params.is_object() || !params.contains("id") || !params["id"].is_string())
    throw_invalid("id", "required: the library item's id (lib_...)");
  const std::string id = params["id"].get<std::string>();
  library_->remove(id, service_->lives());
  log::info("library", "removed " + id);
  return {{"removed", {{"id", id}}}};
}

}  // namespace bvlive
