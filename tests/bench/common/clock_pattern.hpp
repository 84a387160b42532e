// A real-time ffmpeg test pattern that carries the wall-clock time of each frame in its
// pixels, for glass-to-glass latency in a real player (tests/data/player/player.html reads it
// back from the frame on screen).
//
// The clock strip: the top 48 rows (for 720p; scaled with the height) hold 32 blocks across,
// the bits of (capture time in Unix ms) mod 2^32, most significant on the left, white = 1, in
// the upper half, and the same bits inverted in the lower half. Blocks are 40x24 pixels at
// 720p, so H.264 keeps them black and white at any usual bitrate. The time is the wall clock
// (setpts's RTCTIME) when the frame leaves the -re paced source, before encoding: encoder,
// ingest, packaging, delivery and the player's buffer all count in the latency.
#pragma once

#include <string>
#include <vector>

namespace bvbench {

struct ClockPattern {
  int width = 1280, height = 720, fps = 25;  // width a multiple of 32
  int gop = 25;                              // keyframe interval in frames (1 s at 25 fps)
  std::string preset = "veryfast";           // x264, with -tune zerolatency
  std::string video_bitrate = "2500k";
  int seconds = 0;                           // 0: until stopped
  std::string format = "flv";                // "flv" for rtmp:// URLs
};

// Rows of the strip for a picture `height` tall (the page computes the same).
inline int clock_strip_rows(int height) { return (48 * height / 720 + 1) / 2 * 2; }

// The geq luma expression of the strip (X, Y: pixel; T: frame time, here Unix seconds).
inline std::string clock_strip_luma(int width, int height) {
  const std::string block = std::to_string(width / 32), half = std::to_string(clock_strip_rows(height) / 2);
  const std::string bit = "mod(floor(mod(floor(T*1000),4294967296)/pow(2,31-floor(X/" + block + "))),2)";
  return "16+219*if(lt(Y," + half + ")," + bit + ",1-" + bit + ")";
}

// Full argv (ffmpeg first) pushing the pattern and a 440 Hz tone (AAC) to `url` in real time.
inline std::vector<std::string> clock_pusher_argv(const std::string& ffmpeg, const std::string& url,
                                                  const ClockPattern& p = {}) {
  const std::string size = std::to_string(p.width) + "x" + std::to_string(p.height);
  const std::string rows = std::to_string(clock_strip_rows(p.height));
  // Frames get the wall clock as their time (in ms) for geq to paint, then back to N/fps.
  const std::string graph = "[0:v]settb=1/1000,setpts=RTCTIME/1000,split[m][c];[c]crop=" + std::to_string(p.width) +
                            ":" + rows + ":0:0,geq=lum='" + clock_strip_luma(p.width, p.height) +
                            "':cb=128:cr=128[s];[m][s]overlay=0:0,setpts=N/(" + std::to_string(p.fps) + "*TB)[v]";
  std::vector<std::string> a = {ffmpeg, "-hide_banner", "-loglevel", "warning", "-nostdin",
                                "-re", "-f", "lavfi", "-i", "testsrc2=size=" + size + ":rate=" + std::to_string(p.fps),
                                "-re", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"};
  if (p.seconds > 0) a.insert(a.end(), {"-t", std::to_string(p.seconds)});
  a.insert(a.end(), {"-filter_complex", graph, "-map", "[v]", "-map", "1:a", "-c:v", "libx264", "-preset", p.preset,
                     "-tune", "zerolatency", "-g", std::to_string(p.gop), "-keyint_min", std::to_string(p.gop),
                     "-sc_threshold", "0", "-b:v", p.video_bitrate, "-maxrate", p.video_bitrate, "-bufsize",
                     p.video_bitrate, "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-f", p.format, url});
  return a;
}

}  // namespace bvbench
