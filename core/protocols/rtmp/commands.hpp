// AMF0 command messages (Adobe RTMP 1.0 §7.2): a name, a transaction id, a command object
// and arguments. Parses what a publishing encoder sends (connect, releaseStream, FCPublish,
// createStream, publish, FCUnpublish, deleteStream) and builds the server's replies.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "protocols/rtmp/amf0.hpp"
#include "protocols/rtmp/message.hpp"

namespace bvlive::rtmp {

struct Command {
  std::string name;
  double transaction_id = 0;
  Amf0Value command_object;    // null when the command has none
  std::vector<Amf0Value> args;  // everything after the command object

  // The string argument at `index`, if there is one.
  std::optional<std::string> string_arg(std::size_t index) const;
};

struct CommandError {
  std::string message;
};

// A type 20 message payload. Type 17 (AMF3 command) payloads begin with one format byte
// and then AMF0 in practice; the caller strips it.
std::variant<Command, CommandError> parse_command(ByteSpan payload);
Bytes encode_command(const Command& command);

// Conventional chunk streams: NetConnection commands on 3, NetStream status on 5.
inline constexpr std::uint32_t kCommandChunkStreamId = 3;
inline constexpr std::uint32_t kStreamChunkStreamId = 5;
Message command_message(const Command& command, std::uint32_t stream_id,
                        std::uint32_t csid = kCommandChunkStreamId);

// What a publish session needs from `connect`: the application ("live") and the URL.
struct ConnectRequest {
  std::string app;
  std::string tc_url;
  std::string flash_ver;
  double object_encoding = 0;  // 0 = AMF0; AMF3-only clients are not served
};
std::optional<ConnectRequest> parse_connect(const Command& command);

// `publish` names the stream (the stream key) and its type ("live", "record", "append").
struct PublishRequest {
  std::string stream_name;
  std::string publish_type;
};
std::optional<PublishRequest> parse_publish(const Command& command);

// Replies.
Command make_connect_result(double transaction_id);
// A _result with a null command object and the given arguments (createStream answers with
// the new stream id; releaseStream/FCPublish/deleteStream with nothing).
Command make_result(double transaction_id, std::vector<Amf0Value> args = {});
Command make_create_stream_result(double transaction_id, std::uint32_t stream_id);
// onStatus {level, code, description}; sent on the publishing stream, transaction id 0.
Command make_on_status(std::string level, std::string code, std::string description);
Command make_publish_start();
// The refusal of a publish; `description` is what encoders show ("Server error: ...").
Command make_publish_bad_name(std::string_view description = "Stream key not accepted.");

}  // namespace bvlive::rtmp
