#include "protocols/rtmp/publish_session.hpp"

#include <utility>

#include "protocols/rtmp/chunk_writer.hpp"
#include "protocols/rtmp/control_messages.hpp"

namespace bvlive::rtmp {
namespace {

// "live?secret=1" -> "live"; encoders sometimes append a query to the app or the key.
std::string before_query(const std::string& s) { return s.substr(0, s.find('?')); }

Command make_error(double transaction_id, std::string code, std::string description) {
  Command c = make_on_status("error", std::move(code), std::move(description));
  c.name = "_error";
  c.transaction_id = transaction_id;
  return c;
}

}  // namespace

PublishSession::PublishSession(const std::array<std::uint8_t, kHandshakeRandomSize>& random)
    : handshake_(std::span<const std::uint8_t, kHandshakeRandomSize>(random)) {}

void PublishSession::send(const Message& m, SessionOutput& out) { write_chunks(m, kServerChunkSize, out.to_send); }

void PublishSession::close(std::string reason, SessionOutput& out) {
  phase_ = Phase::closed;
  out.close_reason = std::move(reason);
}

SessionOutput PublishSession::feed(std::span<const std::uint8_t> bytes) {
  SessionOutput out;
  if (phase_ == Phase::closed) return out;
  std::vector<std::uint8_t> leftover;
  if (phase_ == Phase::handshake) {
    auto hs = handshake_.feed(bytes);
    out.to_send = std::move(hs.to_send);
    if (hs.error) {
      close("handshake failed: " + *hs.error, out);
      return out;
    }
    if (!handshake_.done()) return out;
    phase_ = Phase::connected;
    // Our chunk size applies to everything we send from here on.
    send(make_set_chunk_size(kServerChunkSize), out);
    leftover = std::move(hs.leftover);
    bytes = leftover;
  }
  auto result = reader_.feed(bytes);
  for (auto& m : result.messages) {
    // While the publish waits for its answer, what follows (metadata, the AVC sequence
    // header) is held, whatever the TCP segmentation, and replayed on accept.
    if (phase_ == Phase::awaiting_decision) {
      held_.push_back(std::move(m));
      continue;
    }
    on_message(m, out);
    if (phase_ == Phase::closed) return out;
  }
  if (result.error) {
    // Held messages come first: the error is reported after them, once the publish is answered.
    if (phase_ == Phase::awaiting_decision) held_error_ = "bad chunk stream: " + *result.error;
    else close("bad chunk stream: " + *result.error, out);
    return out;
  }
  maybe_acknowledge(out);
  return out;
}

void PublishSession::maybe_acknowledge(SessionOutput& out) {
  if (peer_window_ == 0) return;
  const std::uint64_t received = reader_.bytes_received();
  if (received - acked_at_ < peer_window_) return;
  acked_at_ = received;
  send(make_acknowledgement(static_cast<std::uint32_t>(received)), out);  // wraps at 2^32, as the spec says
}

void PublishSession::on_message(const Message& m, SessionOutput& out) {
  switch (m.type_id) {
    case message_type::window_ack_size:
      if (auto v = parse_control_u32(m)) peer_window_ = *v;
      return;
    case message_type::user_control:
      if (auto ev = parse_user_control(m); ev && ev->event_type == user_control_event::ping_request) {
        Message pong{kControlChunkStreamId, message_type::user_control, 0, 0,
                     {0, 7, static_cast<std::uint8_t>(ev->value >> 24), static_cast<std::uint8_t>(ev->value >> 16),
                      static_cast<std::uint8_t>(ev->value >> 8), static_cast<std::uint8_t>(ev->value)}};
        send(pong, out);
      }
      return;
    case message_type::command_amf0:
    case message_type::command_amf3: {
      std::span<const std::uint8_t> payload = m.payload;
      if (m.type_id == message_type::command_amf3 && !payload.empty()) payload = payload.subspan(1);
      auto parsed = parse_command(payload);
      if (auto* err = std::get_if<CommandError>(&parsed)) {
        close("bad command message: " + err->message, out);
        return;
      }
      command_stream_id_ = m.stream_id;
      on_command(std::get<Command>(parsed), out);
      return;
    }
    case message_type::audio:
    case message_type::video:
    case message_type::data_amf0:
      // Media before an accepted publish (or on another stream) has nowhere to go.
      if (phase_ == Phase::publishing && m.stream_id == publish_stream_id_ && !m.payload.empty())
        out.media.push_back({m.type_id, m.timestamp, m.payload});
      return;
    case message_type::aggregate:
      if (phase_ == Phase::publishing) close("aggregate messages are not supported; disable them in the encoder", out);
      return;
    default:
      return;  // acknowledgements, set peer bandwidth, AMF3 data: nothing to do
  }
}

void PublishSession::on_command(const Command& c, SessionOutput& out) {
  if (c.name == "connect") {
    if (phase_ != Phase::connected || !app_.empty()) return close("connect sent twice", out);
    auto req = parse_connect(c);
    app_ = req ? before_query(req->app) : std::string();
    while (!app_.empty() && app_.back() == '/') app_.pop_back();
    if (app_ != kPublishApp) {
      send(command_message(make_error(c.transaction_id, "NetConnection.Connect.Rejected",
                                      "Unknown application; publish to rtmp://HOST/live/STREAM_KEY."),
                           0),
           out);
      return close("unknown application '" + app_ + "' (the URL must be rtmp://HOST/live/STREAM_KEY)", out);
    }
    send(make_window_ack_size(kServerWindowAckSize), out);
    send(make_set_peer_bandwidth(kServerWindowAckSize, PeerBandwidthLimit::dynamic), out);
    send(command_message(make_connect_result(c.transaction_id), 0), out);
    return;
  }
  if (app_.empty()) return close("command '" + c.name + "' before connect", out);
  if (c.name == "releaseStream" || c.name == "FCPublish") {
    if (c.transaction_id != 0) send(command_message(make_result(c.transaction_id), 0), out);
    return;
  }
  if (c.name == "createStream") {
    stream_id_ = next_stream_id_++;
    send(command_message(make_create_stream_result(c.transaction_id, stream_id_), 0), out);
    return;
  }
  if (c.name == "publish") {
    if (phase_ != Phase::connected) return close("publish sent twice", out);
    auto req = parse_publish(c);
    if (!req || before_query(req->stream_name).empty()) {
      send(command_message(make_publish_bad_name(), stream_id_, kStreamChunkStreamId), out);
      return close("publish without a stream key", out);
    }
    publish_transaction_ = c.transaction_id;
    publish_stream_id_ = command_stream_id_ ? command_stream_id_ : (stream_id_ ? stream_id_ : 1);
    phase_ = Phase::awaiting_decision;
    out.publish_key = before_query(req->stream_name);
    return;
  }
  if (c.name == "FCUnpublish" || c.name == "deleteStream" || c.name == "closeStream") {
    if (c.name == "FCUnpublish" && c.transaction_id != 0) send(command_message(make_result(c.transaction_id), 0), out);
    if (phase_ == Phase::publishing || phase_ == Phase::awaiting_decision) out.unpublished = true;
    if (c.name != "FCUnpublish") phase_ = Phase::connected;
    return;
  }
  // getStreamLength, _checkbw and the like: answer calls that expect an answer.
  if (c.transaction_id != 0 && c.name != "_result" && c.name != "_error")
    send(command_message(make_result(c.transaction_id), 0), out);
}

SessionOutput PublishSession::accept_publish() {
  SessionOutput out;
  if (phase_ != Phase::awaiting_decision) return out;
  phase_ = Phase::publishing;
  send(make_stream_begin(publish_stream_id_), out);
  send(command_message(make_publish_start(), publish_stream_id_, kStreamChunkStreamId), out);
  auto held = std::move(held_);
  held_.clear();
  for (const auto& m : held) {
    on_message(m, out);
    if (phase_ == Phase::closed) return out;
  }
  if (held_error_) close(*std::exchange(held_error_, std::nullopt), out);
  return out;
}

SessionOutput PublishSession::refuse_publish(std::string_view why) {
  SessionOutput out;
  if (phase_ != Phase::awaiting_decision) return out;
  held_.clear();
  send(command_message(make_publish_bad_name(why), publish_stream_id_, kStreamChunkStreamId), out);
  close("publish refused", out);
  return out;
}

}  // namespace bvlive::rtmp
