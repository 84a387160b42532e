#include "packager/make_packager.hpp"

#include "packager/ffmpeg_packager.hpp"
#include "packager/remux_packager.hpp"

namespace bvlive {

std::unique_ptr<Packager> make_packager(uv_loop_t* loop, const ffmpeg::PackagerArgs& args, RemuxMode mode,
                                        Packager::Callbacks callbacks, std::string& note) {
  const bool copied = args.renditions.empty() && !args.transcode_video && !args.transcode_audio;
  if (mode == RemuxMode::bvlived && copied) {
    remux::RemuxOptions options;
    options.fragments.part_seconds = static_cast<double>(args.fragment_duration_ms) / 1000;
    switch (args.input) {
      case ffmpeg::InputFormat::Flv:
        return std::make_unique<RemuxPackager>(loop, remux::Container::flv, options, std::move(callbacks));
      case ffmpeg::InputFormat::MpegTs:
        return std::make_unique<RemuxPackager>(loop, remux::Container::mpegts, options, std::move(callbacks));
      case ffmpeg::InputFormat::File: {
        auto file = FileSource::open(args.input_path, args.start_seconds);
        if (auto* source = std::get_if<std::unique_ptr<FileSource>>(&file))
          return std::make_unique<RemuxPackager>(loop, std::move(*source), args.realtime, options, std::move(callbacks));
        note = args.input_path + " is played by ffmpeg: " + std::get<std::string>(file);
        break;
      }
      case ffmpeg::InputFormat::RtpSdp:
      case ffmpeg::InputFormat::Slate: break;
    }
  }
  return std::make_unique<FfmpegPackager>(loop, args, std::move(callbacks));
}

}  // namespace bvlive
