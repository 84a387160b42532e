// The server side of one RTMP publishing connection as a pure state machine: bytes from
// the encoder in; bytes to send back, the publish request and the media out. The daemon
// wires it to a TCP socket and decides whether a publish is accepted (accept_publish /
// refuse_publish), since that needs the lives.
//
// It follows what OBS and ffmpeg send: handshake, connect, releaseStream, FCPublish,
// createStream, publish, media, FCUnpublish, deleteStream. Anything else on the command
// stream is answered when an answer is expected and otherwise ignored, as FMS does.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocols/rtmp/chunk_reader.hpp"
#include "protocols/rtmp/commands.hpp"
#include "protocols/rtmp/handshake.hpp"
#include "protocols/rtmp/message.hpp"

namespace bvlive::rtmp {

// The application every push must use: rtmp://HOST/live/STREAM_KEY.
inline constexpr std::string_view kPublishApp = "live";
// What the server asks the client to acknowledge, and the chunk size it sends with.
inline constexpr std::uint32_t kServerWindowAckSize = 2'500'000;
inline constexpr std::uint32_t kServerChunkSize = 4096;

struct MediaMessage {
  std::uint8_t type_id = 0;  // message_type::audio, video or data_amf0
  std::uint32_t timestamp = 0;
  std::vector<std::uint8_t> payload;
};

struct SessionOutput {
  std::vector<std::uint8_t> to_send;
  // Set once, when the client sends `publish`: the stream key (without any "?query").
  // The caller must answer with accept_publish() or refuse_publish().
  std::optional<std::string> publish_key;
  std::vector<MediaMessage> media;  // only after the publish was accepted
  bool unpublished = false;         // FCUnpublish / deleteStream / closeStream of the published stream
  // The connection must be closed once to_send is written: a protocol error, a refused
  // connect or publish. The text says why (never containing the stream key).
  std::optional<std::string> close_reason;
};

class PublishSession {
 public:
  enum class Phase { handshake, connected, awaiting_decision, publishing, closed };

  explicit PublishSession(const std::array<std::uint8_t, kHandshakeRandomSize>& random);

  SessionOutput feed(std::span<const std::uint8_t> bytes);
  SessionOutput accept_publish();
  // `why` reaches the encoder as the onStatus description (ffmpeg prints it).
  SessionOutput refuse_publish(std::string_view why = "Stream key not accepted.");

  Phase phase() const { return phase_; }
  std::uint64_t bytes_received() const { return reader_.bytes_received(); }
  const std::string& app() const { return app_; }

 private:
  void on_message(const Message& m, SessionOutput& out);
  void on_command(const Command& c, SessionOutput& out);
  void send(const Message& m, SessionOutput& out);
  void close(std::string reason, SessionOutput& out);
  void maybe_acknowledge(SessionOutput& out);

  ServerHandshake handshake_;
  ChunkReader reader_;
  Phase phase_ = Phase::handshake;
  std::string app_;
  std::uint32_t stream_id_ = 0;          // the id createStream handed out
  std::uint32_t publish_stream_id_ = 0;  // the stream `publish` came on
  std::uint32_t command_stream_id_ = 0;  // message stream of the command being handled
  double publish_transaction_ = 0;
  std::uint32_t next_stream_id_ = 1;
  std::uint32_t peer_window_ = 0;        // the client's Window Acknowledgement Size; 0 = none asked
  std::uint64_t acked_at_ = 0;
  std::vector<Message> held_;  // received while the publish awaited its answer
  std::optional<std::string> held_error_;  // a stream error that came after them
};

}  // namespace bvlive::rtmp
