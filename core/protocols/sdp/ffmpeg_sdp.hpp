// The SDP file that tells an ffmpeg child what plain RTP the daemon forwards to it on loopback
// after SRTP decryption: `ffmpeg -protocol_whitelist file,udp,rtp -i session.sdp`.
// One RTP/AVP m-line per chosen codec, with the offer's payload type, rtpmap and fmtp, so ffmpeg
// depacketizes H.264 / VP8 / Opus exactly as the client sent it.
// ffmpeg 5.1 knows no a=rtcp-mux, so none is written; its RTP demuxer still parses RTCP packets
// (sender reports, which line audio up with video) that arrive on the RTP port itself. Note that
// ffmpeg also binds PORT+1 for RTCP: give it ports whose next port is free too.
#pragma once

#include <string>

#include "protocols/sdp/codec_selection.hpp"

namespace bvlive::sdp {

// Ports are the loopback UDP ports ffmpeg listens on; a port is ignored when its codec is not chosen.
std::string ffmpeg_sdp(const Selection& selection, int video_port, int audio_port);

}  // namespace bvlive::sdp
