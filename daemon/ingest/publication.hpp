// The seam between ingest listeners (RTMP, SRT, later WHIP) and the sessions.
//
// A listener that has a complete publish request (key, protocol, remote address) asks
// the IngestHandler; it gets a Publication to write the encoder's container bytes into
// (FLV from RTMP, MPEG-TS from SRT), or the reason the push is refused (never naming
// the key). The listener owns the Publication; destroying it means the encoder is gone.
// When the session side ends a push (replaced by a newer one, max duration, live ended,
// packager failed) it calls the request's `kick`, and the listener closes the connection.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <optional>
#include <string>
#include <string_view>

namespace bvlive::ingest {

// File: not an encoder but a simulive's playout of a library video (no listener involved).
// Slate: bvlived's own stand-in while a LIVE live's encoder is gone (media.slate).
enum class Protocol { Rtmp, Srt, Whip, File, Slate };
// Flv and MpegTs are written to the Publication; RtpSdp (WHIP) is RTP the listener sends
// to the packager over loopback UDP itself, described by `ffmpeg_sdp`: its write() only
// counts the bytes.
enum class Container { Flv, MpegTs, RtpSdp, File, Slate };

inline std::string_view to_string(Protocol p) {
  switch (p) {
    case Protocol::Rtmp: return "rtmp";
    case Protocol::Srt: return "srt";
    case Protocol::Whip: return "whip";
    case Protocol::File: return "file";
    case Protocol::Slate: return "slate";
  }
  return "?";
}

class Publication {
 public:
  virtual ~Publication() = default;  // the encoder is gone (if finish() was not called: "disconnected")
  // Container bytes, in order, as they arrive.
  virtual void write(std::span<const std::uint8_t> bytes) = 0;
  // The encoder ended the push; `reason` says how ("encoder disconnected", "unpublished",
  // "protocol error: ..."). Nothing is written after this.
  virtual void finish(const std::string& reason) = 0;
};

struct PublishRequest {
  std::string stream_key;
  Protocol protocol = Protocol::Rtmp;
  Container container = Container::Flv;
  std::string remote;  // "203.0.113.7:50123" or "[2001:db8::1]:50123"
  // Called on the loop thread when the session side ends the push; the listener then
  // closes the connection (asynchronously is fine) and destroys the Publication.
  // Never called after the Publication is destroyed.
  std::function<void(const std::string& reason)> kick;
  // RtpSdp only: the SDP the packager reads, and what it must re-encode for HLS.
  std::string ffmpeg_sdp;
  bool transcode_video = false;
  bool transcode_audio = false;
  // File only: the video ffmpeg reads itself, in real time or not, from this offset.
  std::string input_file;
  bool realtime = true;
  double start_seconds = 0;
  // The source's picture height when known before the packager reads it (a library
  // video): the session then plans its renditions once, without a trial run.
  std::optional<int> source_height;
  // Slate only: the picture (a library image; "" for a card with these two lines of text).
  std::string slate_image;
  std::string slate_title;
  std::string slate_detail;
};

struct PublishResult {
  std::unique_ptr<Publication> publication;  // null: refused
  std::string refusal;  // why, for the log and the encoder ("no live has this stream key", ...)
};

class IngestHandler {
 public:
  virtual ~IngestHandler() = default;
  // Loop thread only.
  virtual PublishResult publish(PublishRequest request) = 0;
  // Thread-safe (SRT calls it from its listen callback, on libsrt's thread): whether a
  // push with this key would be accepted now. Empty string: accepted; else the refusal.
  virtual std::string check_key(std::string_view stream_key) const = 0;
};

}  // namespace bvlive::ingest
