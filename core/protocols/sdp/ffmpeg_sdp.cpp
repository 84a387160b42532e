#include "protocols/sdp/ffmpeg_sdp.hpp"

namespace bvlive::sdp {
namespace {

void media(std::string& out, const char* kind, const Codec& c, int port) {
  const std::string pt = std::to_string(c.payload_type);
  out += std::string("m=") + kind + " " + std::to_string(port) + " RTP/AVP " + pt + "\n";
  out += "a=rtpmap:" + pt + " " + c.name + "/" + std::to_string(c.clock_rate);
  if (c.channels > 1) out += "/" + std::to_string(c.channels);
  out += "\n";
  if (!c.fmtp.empty()) out += "a=fmtp:" + pt + " " + c.fmtp + "\n";
}

}  // namespace

std::string ffmpeg_sdp(const Selection& selection, int video_port, int audio_port) {
  std::string out =
      "v=0\n"
      "o=- 0 0 IN IP4 127.0.0.1\n"
      "s=bvlive WHIP ingest\n"
      "c=IN IP4 127.0.0.1\n"
      "t=0 0\n";
  if (selection.video) media(out, "video", *selection.video, video_port);
  if (selection.audio) media(out, "audio", *selection.audio, audio_port);
  return out;
}

}  // namespace bvlive::sdp
