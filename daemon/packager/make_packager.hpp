// Which packager a session gets: bvlived's own remuxer wherever the media is copied as the
// encoder made it (one passthrough rendition, nothing re-encoded) from RTMP, SRT or a
// library MP4 it reads itself; an ffmpeg process wherever pixels or samples change (the ABR
// ladder, a watermark, WHIP's VP8/Opus, the slate), for files only ffmpeg reads, and for
// every push with media.remux = "ffmpeg".
#pragma once

#include <uv.h>

#include <memory>
#include <string>

#include "config/settings.hpp"
#include "core/media/ffmpeg/packager_command.hpp"
#include "packager/packager.hpp"

namespace bvlive {

// `args`: the session's packaging, as the ffmpeg command line would do it (its input, its
// renditions, LL-HLS part length). `note` says why a library video goes to ffmpeg after all.
std::unique_ptr<Packager> make_packager(uv_loop_t* loop, const ffmpeg::PackagerArgs& args, RemuxMode mode,
                                        Packager::Callbacks callbacks, std::string& note);

}  // namespace bvlive
