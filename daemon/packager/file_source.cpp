#include "packager/file_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/media/remux/track_configs.hpp"

namespace bvlive {
namespace {

// A moov larger than this is not read into memory (hours of samples take a few MB).
constexpr std::uint64_t kMaxMoovBytes = 256u << 20;

bool read_at(int fd, std::uint64_t offset, std::uint8_t* out, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, out + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::uint64_t be(const std::uint8_t* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
  return v;
}

// The payload of the file's top-level moov, or why there is none.
std::variant<fmp4::Bytes, std::string> read_moov(int fd, std::uint64_t file_size) {
  std::uint64_t at = 0;
  bool first = true;
  while (at + 8 <= file_size) {
    std::uint8_t head[16];
    if (!read_at(fd, at, head, 8)) return std::string("cannot read the file");
    std::uint64_t size = be(head, 4);
    const std::string type(reinterpret_cast<const char*>(head + 4), 4);
    std::uint64_t header = 8;
    if (size == 1) {
      if (!read_at(fd, at + 8, head + 8, 8)) return std::string("cannot read the file");
      size = be(head + 8, 8);
      header = 16;
    } else if (size == 0) {
      size = file_size - at;
    }
    // An MP4 starts with ftyp (or, in old QuickTime files, one of these).
    if (first && type != "ftyp" && type != "moov" && type != "mdat" && type != "free" && type != "wide")
      return std::string("not an MP4 file");
    first = false;
    if (size < header || at + size > file_size) return std::string("a box runs past the end of the file");
    if (type == "moov") {
      if (size - header > kMaxMoovBytes) return std::string("its moov is too large");
      fmp4::Bytes moov(size - header);
      if (!read_at(fd, at + header, moov.data(), moov.size())) return std::string("cannot read its moov");
      return moov;
    }
    at += size;
  }
  return std::string("no moov box (a fragmented or unfinished MP4)");
}

// The remuxer's configuration of a movie track, or why it has none.
std::variant<remux::TrackConfig, std::string> config_of(const fmp4::MovieTrack& t) {
  fmp4::Parsed<remux::TrackConfig> parsed = fmp4::ParseError{""};
  const std::string entry = fmp4::fourcc_text(t.entry_type);
  if (t.entry_type == fmp4::fourcc("avc1")) parsed = remux::avc_track(t.config);
  else if (t.entry_type == fmp4::fourcc("hvc1")) parsed = remux::hevc_track(t.config);
  else if (t.entry_type == fmp4::fourcc("av01")) parsed = remux::av1_track(t.config);
  else if (t.entry_type == fmp4::fourcc("mp4a") && t.object_type == 0x40) parsed = remux::aac_track(t.config);
  else return "its " + entry + " track is not copied by bvlived";
  if (const auto* e = std::get_if<fmp4::ParseError>(&parsed)) return e->message;
  return std::get<remux::TrackConfig>(parsed);
}

}  // namespace

FileSource::~FileSource() {
  if (fd_ >= 0) ::close(fd_);
}

std::variant<std::unique_ptr<FileSource>, std::string> FileSource::open(const std::string& path, double start_seconds) {
  std::unique_ptr<FileSource> s(new FileSource());  // private constructor: make_unique cannot reach it
  s->path_ = path;
  s->fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (s->fd_ < 0) return "cannot open " + path + ": " + std::strerror(errno);
  struct stat st {};
  if (::fstat(s->fd_, &st) != 0) return "cannot read " + path + ": " + std::strerror(errno);
  auto moov = read_moov(s->fd_, static_cast<std::uint64_t>(st.st_size));
  if (auto* why = std::get_if<std::string>(&moov)) return *why;
  auto movie = fmp4::read_movie(std::get<fmp4::Bytes>(moov), static_cast<std::uint64_t>(st.st_size));
  if (auto* e = std::get_if<fmp4::ParseError>(&movie)) return e->message;
  for (auto& t : std::get<fmp4::Movie>(movie).tracks) {
    Track& slot = t.kind == fmp4::TrackKind::video ? s->video_ : s->audio_;
    if (slot.present || t.samples.empty()) continue;  // the first of each kind, like -map 0:v:0 0:a:0
    auto config = config_of(t);
    if (auto* why = std::get_if<std::string>(&config)) return *why;
    slot.config = std::get<remux::TrackConfig>(config);
    slot.movie = std::move(t);
    slot.present = true;
  }
  if (!s->video_.present && !s->audio_.present) return std::string("no audio or video track");
  if (start_seconds > 0) {
    // Video from the keyframe at or before the start, audio from that time on.
    double from = start_seconds;
    if (s->video_.present) {
      const auto& samples = s->video_.movie.samples;
      std::size_t key = 0;
      for (std::size_t i = 0; i < samples.size() && seconds(s->video_, i) <= start_seconds; ++i)
        if (samples[i].sync) key = i;
      s->video_.next = key;
      from = seconds(s->video_, key);
    }
    if (s->audio_.present)
      while (s->audio_.next < s->audio_.movie.samples.size() && seconds(s->audio_, s->audio_.next) < from)
        ++s->audio_.next;
  }
  return s;
}

FileSource::Read FileSource::next(std::vector<remux::SourceEvent>& out, std::int64_t& dts) {
  if (!announced_) {
    announced_ = true;
    out.emplace_back(remux::TracksExpected{video_.present, audio_.present});
    if (video_.present) out.emplace_back(remux::TrackSeen{video_.config});
    if (audio_.present) out.emplace_back(remux::TrackSeen{audio_.config});
  }
  const bool video_left = video_.present && video_.next < video_.movie.samples.size();
  const bool audio_left = audio_.present && audio_.next < audio_.movie.samples.size();
  if (!video_left && !audio_left) return Read::end;
  // Decode order across the tracks: the one whose next sample comes first.
  const bool take_video = video_left && (!audio_left || seconds(video_, video_.next) <= seconds(audio_, audio_.next));
  Track& t = take_video ? video_ : audio_;
  const fmp4::MovieSample& m = t.movie.samples[t.next++];
  remux::Sample s;
  s.type = take_video ? remux::TrackType::video : remux::TrackType::audio;
  const auto to_90k = [&](std::int64_t v) {
    const std::int64_t scale = t.movie.timescale;
    return v / scale * remux::kTicksPerSecond + v % scale * remux::kTicksPerSecond / scale;
  };
  s.dts = timeline_.map_90k(s.type, to_90k(m.dts));
  s.composition_offset = static_cast<std::int32_t>(to_90k(m.composition_offset));
  s.keyframe = !take_video || m.sync;
  s.data.resize(m.size);
  if (!read_at(fd_, m.offset, s.data.data(), s.data.size())) {
    error_ = "cannot read " + path_ + ": " + (errno ? std::strerror(errno) : "the file is shorter than its index");
    return Read::failed;
  }
  dts = s.dts;
  out.emplace_back(remux::SampleSeen{std::move(s)});
  return Read::sample;
}

}  // namespace bvlive
