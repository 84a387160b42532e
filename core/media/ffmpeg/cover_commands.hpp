// The ffmpeg command lines that make cover images (JPEG, 1280x720 at most). Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bvlive::ffmpeg {

// A value inside a filtergraph option: escaped for the option parser, then for the graph
// (so any text or path survives quotes, colons, commas and brackets).
std::string filter_value(std::string_view text);

// The drawtext filters of a card: `title_file`'s text large, `detail_file`'s below it.
std::string card_filter(const std::string& title_file, const std::string& detail_file);

// A 1280x720 card: `title_file`'s text large, `detail_file`'s below it, on a dark ground.
// The texts are read from files and drawn verbatim (no %{} expansion).
std::vector<std::string> card_command(const std::string& ffmpeg, const std::string& title_file,
                                      const std::string& detail_file, const std::string& out_jpg);

// One frame of fragmented MP4 on stdin (an init segment and a media segment).
std::vector<std::string> frame_command(const std::string& ffmpeg, const std::string& out_jpg);

// A library image as a JPEG that fits 1280x720.
std::vector<std::string> image_command(const std::string& ffmpeg, const std::string& image, const std::string& out_jpg);

}  // namespace bvlive::ffmpeg
