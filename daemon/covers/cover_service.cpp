#include "daemon/covers/cover_service.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/covers/cover_status.hpp"
#include "log/log.hpp"
#include "daemon/media/atomic_file.hpp"
#include "core/media/ffmpeg/cover_commands.hpp"

namespace bvlive {
namespace {

namespace fs = std::filesystem;
constexpr std::uint64_t kFrameRefreshMs = 5'000;

fmp4::Bytes read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return fmp4::Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

http::Response unavailable(int status, const std::string& reason, const char* retry_after) {
  http::Response r = http::Response::text(status, reason);
  r.set("Cache-Control", "no-store");
  if (retry_after) r.set("Retry-After", retry_after);
  return r;
}

}  // namespace

struct CoverService::Job {
  std::unique_ptr<FfmpegProcess> ffmpeg;
  std::string stamp;  // what the new file shows
};

CoverService::CoverService(uv_loop_t* loop, library::LibraryCatalog& library, MediaIndex& index,
                           const MediaSettings& media)
    : loop_(loop), library_(library), index_(index), media_(media), reaper_(loop) {}

CoverService::~CoverService() = default;

void CoverService::forget(const std::string& live_id) {
  const std::string prefix = live_id + "/";
  std::erase_if(made_, [&](const auto& kv) { return kv.first.rfind(prefix, 0) == 0; });
  std::erase_if(made_at_, [&](const auto& kv) { return kv.first.rfind(prefix, 0) == 0; });
  std::erase_if(jobs_, [&](const auto& kv) { return kv.first.rfind(prefix, 0) == 0; });
}

bool CoverService::make(const LiveRecord& live, const std::string& status) {
  const std::string key = live.id + "/" + status;
  if (jobs_.count(key)) return true;  // one at a time; the next request sees its result
  const std::string dir = dir_of(live.id);
  const std::string out = dir + "/" + status + ".jpg";
  std::vector<std::string> argv;
  std::string stamp;
  fmp4::Bytes input;  // a frame's fMP4, fed on stdin

  const auto custom = covers::custom_image(live.spec, status);
  const library::LibraryItem* image = custom ? library_.find(*custom) : nullptr;
  const auto& segments = index_.segments(live.id);
  if (image) {
    stamp = "image " + image->id;
    if (made_[key] == stamp) return false;
    argv = ffmpeg::image_command(media_.ffmpeg, library_.path_of(*image), out + ".tmp");
  } else if (covers::is_frame_status(status) && !segments.empty()) {
    // The newest segment of the stream; refreshed every few seconds while someone looks.
    const SegmentRecord& last = segments.back();
    stamp = "frame " + last.file;
    if (made_[key] == stamp) return false;
    if (made_at_.count(key) && uv_now(loop_) - made_at_[key] < kFrameRefreshMs) return false;
    input = read_bytes(index_.path_of(live.id, last.init_file));
    const fmp4::Bytes seg = read_bytes(index_.path_of(live.id, last.file));
    input.insert(input.end(), seg.begin(), seg.end());
    argv = ffmpeg::frame_command(media_.ffmpeg, out + ".tmp");
  } else {
    const covers::CardText text = covers::card_text(live, status);
    stamp = "card " + text.title + "\n" + text.detail;
    if (made_[key] == stamp) return false;
    std::error_code ec;
    fs::create_directories(dir, ec);
    try {
      write_file_atomic(dir + "/" + status + ".title.txt", text.title);
      write_file_atomic(dir + "/" + status + ".detail.txt", text.detail);
    } catch (const std::exception& e) {
      log::error("covers", e.what());
      return false;
    }
    argv = ffmpeg::card_command(media_.ffmpeg, dir + "/" + status + ".title.txt", dir + "/" + status + ".detail.txt",
                                out + ".tmp");
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  auto job = std::make_unique<Job>();
  job->stamp = stamp;
  FfmpegProcess::Callbacks cb;
  cb.on_exit = [this, key, out](const FfmpegProcess::ExitStatus& st) {
    auto it = jobs_.find(key);
    if (it == jobs_.end()) return;
    std::error_code err;
    if (st.exit_code == 0 && st.term_signal == 0) {
      fs::rename(out + ".tmp", out, err);
      if (!err) made_[key] = it->second->stamp, made_at_[key] = uv_now(loop_);
    } else {
      log::warn("covers", "cannot make " + out + ": " + st.message);
      fs::remove(out + ".tmp", err);
    }
    done_.push_back(std::move(it->second));  // we are inside its callback
    jobs_.erase(it);
    reaper_.start(0, 0, [this] { done_.clear(); });
  };
  job->ffmpeg = std::make_unique<FfmpegProcess>(loop_, std::move(argv), std::move(cb));
  try {
    job->ffmpeg->start();
  } catch (const std::exception& e) {
    log::error("covers", std::string("cannot make covers: ") + e.what());
    return false;
  }
  if (!input.empty()) job->ffmpeg->write(input);
  job->ffmpeg->close_input();
  jobs_[key] = std::move(job);
  return true;
}

http::Response CoverService::serve(const LiveRecord& live, std::string_view wanted) {
  const std::string status(wanted.empty() ? covers::current_status(live) : wanted);
  if (!covers::is_status(status)) {
    std::string all;
    for (auto s : kCoverStatuses) all += (all.empty() ? "" : ", ") + std::string(s);
    return unavailable(404, "no cover '" + status + "'; covers are " + all, nullptr);
  }
  make(live, status);
  const std::string file = dir_of(live.id) + "/" + status + ".jpg";
  std::error_code ec;
  if (!fs::exists(file, ec)) return unavailable(503, "the " + status + " cover of live " + live.label() + " is being made", "1");
  http::Response r = http::Response::file_at(file);
  r.set("Cache-Control", "no-cache");  // it changes with the live's status and stream
  r.set("X-Bvlive-Cover", status);
  return r;
}

}  // namespace bvlive
