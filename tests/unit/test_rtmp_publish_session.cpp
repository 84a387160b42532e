// The server side of an RTMP publish, driven from bytes as an encoder (OBS, ffmpeg) sends
// them. The client side is built from the core writers (handshake blocks, chunk writer,
// AMF0 commands) and the server's answers are read back with a client-side ChunkReader.
#define BOOST_TEST_MODULE rtmp_publish_session
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "protocols/rtmp/chunk_reader.hpp"
#include "protocols/rtmp/chunk_writer.hpp"
#include "protocols/rtmp/commands.hpp"
#include "protocols/rtmp/control_messages.hpp"
#include "protocols/rtmp/publish_session.hpp"

using namespace bvlive::rtmp;

namespace {

constexpr std::size_t kServerHandshakeBytes = 1 + 2 * kHandshakeBlockSize;  // S0 S1 S2

std::array<std::uint8_t, kHandshakeRandomSize> server_random() {
  std::array<std::uint8_t, kHandshakeRandomSize> r{};
  for (std::size_t i = 0; i < r.size(); ++i) r[i] = static_cast<std::uint8_t>(i * 7 + 1);
  return r;
}

Amf0Value str(std::string s) { return Amf0Value::make_string(std::move(s)); }
Amf0Value num(double d) { return Amf0Value::make_number(d); }

// C0 + C1 + C2 of the simple handshake.
Bytes client_handshake() {
  Bytes out{kRtmpVersion};
  for (std::size_t i = 0; i < 2 * kHandshakeBlockSize; ++i) out.push_back(static_cast<std::uint8_t>(i * 13));
  return out;
}

Bytes chunks(const Message& m, std::uint32_t chunk_size = kDefaultChunkSize) { return write_chunks(m, chunk_size); }

Bytes cmd(const Command& c, std::uint32_t stream_id = 0, std::uint32_t csid = kCommandChunkStreamId) {
  return chunks(command_message(c, stream_id, csid));
}

Command connect_command(const std::string& app) {
  return Command{"connect", 1,
                 Amf0Value::make_object({{"app", str(app)},
                                         {"type", str("nonprivate")},
                                         {"flashVer", str("FMLE/3.0 (compatible; FMSc/1.0)")},
                                         {"tcUrl", str("rtmp://127.0.0.1:1935/" + app)}}),
                 {}};
}

Bytes connect_bytes(const std::string& app = "live") { return cmd(connect_command(app)); }
Bytes release_stream_bytes() {
  return cmd(Command{"releaseStream", 2, Amf0Value::make_null(), {str("sk_key?x=1")}});
}
Bytes fc_publish_bytes() { return cmd(Command{"FCPublish", 3, Amf0Value::make_null(), {str("sk_key?x=1")}}); }
Bytes create_stream_bytes() { return cmd(Command{"createStream", 4, Amf0Value::make_null(), {}}); }
Bytes publish_bytes(const std::string& key = "sk_key?x=1") {
  return cmd(Command{"publish", 5, Amf0Value::make_null(), {str(key), str("live")}}, 1, 4);
}

Bytes media_bytes(std::uint8_t type, std::uint32_t timestamp, Bytes payload, std::uint32_t stream_id = 1) {
  return chunks(Message{type == message_type::audio ? 4u : 6u, type, stream_id, timestamp, std::move(payload)});
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

bool contains(const Bytes& haystack, std::string_view needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

std::optional<Command> as_command(const Message& m) {
  if (m.type_id != message_type::command_amf0) return std::nullopt;
  auto r = parse_command(m.payload);
  if (auto* c = std::get_if<Command>(&r)) return *c;
  return std::nullopt;
}

// The "code" of a command's first object argument (_result, _error, onStatus).
std::string status_code(const Command& c) {
  if (c.args.empty()) return "";
  const Amf0Value* code = c.args[0].find("code");
  return code && code->is_string() ? code->string : "";
}

// A PublishSession with the encoder's view of what it answers.
struct Harness {
  PublishSession session{server_random()};
  Bytes sent;                 // every to_send, concatenated
  std::size_t decoded = kServerHandshakeBytes;  // how much of `sent` the client reader has read
  ChunkReader client;         // reads the server's chunk stream
  std::vector<std::string> keys;
  std::vector<MediaMessage> media;
  int unpublished = 0;
  std::optional<std::string> close_reason;
  bool accept = true;         // answer a publish at once with accept_publish (else refuse)
  bool auto_decide = false;

  void absorb(SessionOutput out) {
    sent.insert(sent.end(), out.to_send.begin(), out.to_send.end());
    for (auto& m : out.media) media.push_back(std::move(m));
    if (out.unpublished) ++unpublished;
    if (out.close_reason) {
      BOOST_TEST(!close_reason.has_value());  // reported once
      close_reason = out.close_reason;
    }
    if (out.publish_key) {
      keys.push_back(*out.publish_key);
      if (auto_decide) absorb(accept ? session.accept_publish() : session.refuse_publish());
    }
  }
  void feed(const Bytes& b) { absorb(session.feed(b)); }
  void feed_bytewise(const Bytes& b) {
    for (std::uint8_t byte : b) absorb(session.feed(std::span<const std::uint8_t>(&byte, 1)));
  }

  // The messages the server sent since the last call.
  std::vector<Message> replies() {
    if (sent.size() <= decoded) return {};
    auto r = client.feed(std::span<const std::uint8_t>(sent).subspan(decoded));
    decoded = sent.size();
    BOOST_TEST(!r.error.has_value());
    return r.messages;
  }
  std::vector<Command> commands() {
    std::vector<Command> out;
    for (const auto& m : replies())
      if (auto c = as_command(m)) out.push_back(*c);
    return out;
  }

  // Handshake, connect, releaseStream, FCPublish, createStream, publish.
  void obs_sequence() {
    feed(client_handshake());
    feed(connect_bytes());
    feed(release_stream_bytes());
    feed(fc_publish_bytes());
    feed(create_stream_bytes());
    feed(publish_bytes());
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(handshake_answers_s0_s1_s2_then_set_chunk_size) {
  Harness h;
  h.feed(client_handshake());
  BOOST_REQUIRE(h.sent.size() > kServerHandshakeBytes);
  BOOST_TEST(h.sent[0] == kRtmpVersion);
  const Bytes c = client_handshake();
  // S2 echoes C1.
  BOOST_TEST(std::equal(c.begin() + 1, c.begin() + 1 + kHandshakeBlockSize, h.sent.begin() + 1 + kHandshakeBlockSize));
  auto msgs = h.replies();
  BOOST_REQUIRE(msgs.size() == 1u);
  BOOST_TEST(msgs[0].type_id == message_type::set_chunk_size);
  BOOST_TEST(parse_control_u32(msgs[0]).value() == kServerChunkSize);
  BOOST_TEST((h.session.phase() == PublishSession::Phase::connected));
}

BOOST_AUTO_TEST_CASE(obs_sequence_gets_the_replies_an_encoder_waits_for) {
  Harness h;
  h.feed(client_handshake());
  h.replies();
  h.feed(connect_bytes());
  auto msgs = h.replies();
  BOOST_REQUIRE(msgs.size() == 3u);
  BOOST_TEST(msgs[0].type_id == message_type::window_ack_size);
  BOOST_TEST(parse_control_u32(msgs[0]).value() == kServerWindowAckSize);
  BOOST_TEST(msgs[1].type_id == message_type::set_peer_bandwidth);
  BOOST_TEST(parse_set_peer_bandwidth(msgs[1]).value().window_size == kServerWindowAckSize);
  auto connect_result = as_command(msgs[2]);
  BOOST_REQUIRE(connect_result.has_value());
  BOOST_TEST(connect_result->name == "_result");
  BOOST_TEST(connect_result->transaction_id == 1);
  BOOST_TEST(status_code(*connect_result) == "NetConnection.Connect.Success");
  BOOST_TEST(h.session.app() == "live");

  h.feed(release_stream_bytes());
  h.feed(fc_publish_bytes());
  auto results = h.commands();
  BOOST_REQUIRE(results.size() == 2u);
  BOOST_TEST(results[0].name == "_result");
  BOOST_TEST(results[0].transaction_id == 2);
  BOOST_TEST(results[1].transaction_id == 3);

  h.feed(create_stream_bytes());
  auto created = h.commands();
  BOOST_REQUIRE(created.size() == 1u);
  BOOST_TEST(created[0].name == "_result");
  BOOST_TEST(created[0].transaction_id == 4);
  BOOST_REQUIRE(created[0].args.size() == 1u);
  BOOST_TEST((created[0].args[0].type == Amf0Type::number));
  BOOST_TEST(created[0].args[0].number == 1);

  h.feed(publish_bytes());
  BOOST_REQUIRE(h.keys.size() == 1u);
  BOOST_TEST(h.keys[0] == "sk_key");  // the "?x=1" query is not part of the key
  BOOST_TEST((h.session.phase() == PublishSession::Phase::awaiting_decision));
  BOOST_TEST(h.replies().empty());  // nothing is said until the daemon decides
  BOOST_TEST(!h.close_reason.has_value());

  h.absorb(h.session.accept_publish());
  BOOST_TEST((h.session.phase() == PublishSession::Phase::publishing));
  msgs = h.replies();
  BOOST_REQUIRE(msgs.size() == 2u);
  BOOST_TEST(msgs[0].type_id == message_type::user_control);
  auto begin = parse_user_control(msgs[0]);
  BOOST_REQUIRE(begin.has_value());
  BOOST_TEST(begin->event_type == user_control_event::stream_begin);
  BOOST_TEST(begin->value == 1u);
  auto status = as_command(msgs[1]);
  BOOST_REQUIRE(status.has_value());
  BOOST_TEST(status->name == "onStatus");
  BOOST_TEST(msgs[1].stream_id == 1u);
  BOOST_TEST(status_code(*status) == "NetStream.Publish.Start");
  // A second decision does nothing.
  BOOST_TEST(h.session.accept_publish().to_send.empty());
  BOOST_TEST(h.session.refuse_publish().to_send.empty());
}

BOOST_AUTO_TEST_CASE(media_is_forwarded_with_timestamps_only_after_accept) {
  Harness h;
  h.obs_sequence();
  h.feed(media_bytes(message_type::audio, 10, {0xAF, 0x00, 0x12, 0x10}));
  BOOST_TEST(h.media.empty());  // awaiting the decision: held

  h.absorb(h.session.accept_publish());
  BOOST_REQUIRE(h.media.size() == 1u);  // ... and delivered once accepted
  BOOST_TEST(h.media[0].timestamp == 10u);
  h.media.clear();
  // @setDataFrame("onMetaData", {...}) as ffmpeg sends it, then a video key frame and audio.
  Bytes meta;
  amf0_encode(str("@setDataFrame"), meta);
  amf0_encode(str("onMetaData"), meta);
  amf0_encode(Amf0Value::make_ecma_array({{"width", num(1280)}}), meta);
  Bytes video(300, 0x17);  // longer than the client's 128-byte chunks
  h.feed(concat({chunks(Message{4, message_type::data_amf0, 1, 0, meta}),
                 media_bytes(message_type::video, 0, video),
                 media_bytes(message_type::audio, 23, {0xAF, 0x01, 0x21}),
                 media_bytes(message_type::video, 0x01000005, {0x27, 0x01})}));  // extended timestamp
  BOOST_REQUIRE(h.media.size() == 4u);
  BOOST_TEST(h.media[0].type_id == message_type::data_amf0);
  BOOST_TEST((h.media[0].payload == meta));
  BOOST_TEST(h.media[1].type_id == message_type::video);
  BOOST_TEST(h.media[1].timestamp == 0u);
  BOOST_TEST((h.media[1].payload == video));
  BOOST_TEST(h.media[2].type_id == message_type::audio);
  BOOST_TEST(h.media[2].timestamp == 23u);
  BOOST_TEST((h.media[2].payload == Bytes{0xAF, 0x01, 0x21}));
  BOOST_TEST(h.media[3].timestamp == 0x01000005u);
  // Media on a stream that was not published is not forwarded.
  h.feed(media_bytes(message_type::audio, 40, {0xAF, 0x01}, 7));
  BOOST_TEST(h.media.size() == 4u);
  BOOST_TEST(!h.close_reason.has_value());
}

BOOST_AUTO_TEST_CASE(refused_publish_says_bad_name_and_closes_without_the_key) {
  Harness h;
  h.obs_sequence();
  h.replies();
  h.absorb(h.session.refuse_publish());
  BOOST_REQUIRE(h.close_reason.has_value());
  BOOST_TEST(h.close_reason->find("sk_key") == std::string::npos);
  BOOST_TEST((h.session.phase() == PublishSession::Phase::closed));
  auto cmds = h.commands();
  BOOST_REQUIRE(cmds.size() == 1u);
  BOOST_TEST(cmds[0].name == "onStatus");
  BOOST_TEST(status_code(cmds[0]) == "NetStream.Publish.BadName");
  // Nothing the server ever sent names the key.
  BOOST_TEST(!contains(Bytes(h.sent.begin() + kServerHandshakeBytes, h.sent.end()), "sk_key"));
  // A closed session ignores further input.
  auto after = h.session.feed(media_bytes(message_type::audio, 0, {1, 2}));
  BOOST_TEST(after.to_send.empty());
  BOOST_TEST(after.media.empty());
  BOOST_TEST(!after.close_reason.has_value());
}

BOOST_AUTO_TEST_CASE(an_app_other_than_live_is_rejected) {
  Harness h;
  h.feed(client_handshake());
  h.replies();
  h.feed(connect_bytes("vod"));
  BOOST_REQUIRE(h.close_reason.has_value());
  BOOST_TEST(h.close_reason->find("'vod'") != std::string::npos);
  BOOST_TEST((h.session.phase() == PublishSession::Phase::closed));
  auto cmds = h.commands();
  BOOST_REQUIRE(cmds.size() == 1u);
  BOOST_TEST(cmds[0].name == "_error");
  BOOST_TEST(cmds[0].transaction_id == 1);
  BOOST_TEST(status_code(cmds[0]) == "NetConnection.Connect.Rejected");
}

BOOST_AUTO_TEST_CASE(app_with_trailing_slash_or_query_is_live) {
  for (const char* app : {"live/", "live?token=1"}) {
    Harness h;
    h.feed(client_handshake());
    h.feed(connect_bytes(app));
    BOOST_TEST_INFO("app " << app);
    BOOST_TEST(!h.close_reason.has_value());
    BOOST_TEST(h.session.app() == "live");
  }
}

BOOST_AUTO_TEST_CASE(a_command_before_connect_closes) {
  Harness h;
  h.feed(client_handshake());
  h.feed(create_stream_bytes());
  BOOST_REQUIRE(h.close_reason.has_value());
  BOOST_TEST(h.close_reason->find("createStream") != std::string::npos);
  BOOST_TEST(h.close_reason->find("before connect") != std::string::npos);
  BOOST_TEST((h.session.phase() == PublishSession::Phase::closed));
}

BOOST_AUTO_TEST_CASE(publish_without_a_key_is_bad_name) {
  Harness h;
  h.feed(client_handshake());
  h.feed(connect_bytes());
  h.feed(create_stream_bytes());
  h.replies();
  h.feed(publish_bytes("?x=1"));
  BOOST_TEST(h.keys.empty());
  BOOST_REQUIRE(h.close_reason.has_value());
  auto cmds = h.commands();
  BOOST_REQUIRE(cmds.size() == 1u);
  BOOST_TEST(status_code(cmds[0]) == "NetStream.Publish.BadName");
}

BOOST_AUTO_TEST_CASE(fcunpublish_and_deletestream_end_the_publish) {
  Harness h;
  h.obs_sequence();
  h.absorb(h.session.accept_publish());
  h.replies();
  h.feed(cmd(Command{"FCUnpublish", 6, Amf0Value::make_null(), {str("sk_key")}}));
  BOOST_TEST(h.unpublished == 1);
  auto cmds = h.commands();
  BOOST_REQUIRE(cmds.size() == 1u);
  BOOST_TEST(cmds[0].name == "_result");
  BOOST_TEST(cmds[0].transaction_id == 6);
  h.feed(cmd(Command{"deleteStream", 7, Amf0Value::make_null(), {num(1)}}));
  BOOST_TEST(h.unpublished == 2);
  BOOST_TEST((h.session.phase() == PublishSession::Phase::connected));
  // Media after the unpublish goes nowhere.
  h.feed(media_bytes(message_type::audio, 99, {0xAF, 0x01}));
  BOOST_TEST(h.media.empty());
  BOOST_TEST(!h.close_reason.has_value());
}

BOOST_AUTO_TEST_CASE(deletestream_alone_ends_the_publish) {
  Harness h;
  h.obs_sequence();
  h.absorb(h.session.accept_publish());
  h.feed(cmd(Command{"deleteStream", 0, Amf0Value::make_null(), {num(1)}}));
  BOOST_TEST(h.unpublished == 1);
  BOOST_TEST((h.session.phase() == PublishSession::Phase::connected));
}

BOOST_AUTO_TEST_CASE(acknowledgement_after_the_clients_window) {
  Harness h;
  h.obs_sequence();
  h.absorb(h.session.accept_publish());
  h.feed(chunks(make_window_ack_size(5000)));
  h.replies();
  const std::uint64_t before = h.session.bytes_received();
  BOOST_REQUIRE(before < 5000u);
  // One video message of 6000 bytes (in 128-byte chunks): past the window once.
  h.feed(media_bytes(message_type::video, 40, Bytes(6000, 0x27)));
  auto msgs = h.replies();
  std::vector<std::uint32_t> acks;
  for (const auto& m : msgs)
    if (m.type_id == message_type::acknowledgement) acks.push_back(parse_control_u32(m).value());
  BOOST_REQUIRE(acks.size() == 1u);
  BOOST_TEST(acks[0] == h.session.bytes_received());
  BOOST_TEST(acks[0] >= 5000u);
  // Less than a window more: no new acknowledgement.
  h.feed(media_bytes(message_type::audio, 60, Bytes(1000, 0xAF)));
  for (const auto& m : h.replies()) BOOST_TEST(m.type_id != message_type::acknowledgement);
}

BOOST_AUTO_TEST_CASE(no_acknowledgement_without_a_window) {
  Harness h;
  h.obs_sequence();
  h.absorb(h.session.accept_publish());
  h.replies();
  h.feed(media_bytes(message_type::video, 40, Bytes(20000, 0x27)));
  for (const auto& m : h.replies()) BOOST_TEST(m.type_id != message_type::acknowledgement);
}

BOOST_AUTO_TEST_CASE(ping_request_gets_ping_response) {
  Harness h;
  h.feed(client_handshake());
  h.feed(connect_bytes());
  h.replies();
  h.feed(chunks(Message{kControlChunkStreamId, message_type::user_control, 0, 0, {0, 6, 0x12, 0x34, 0x56, 0x78}}));
  auto msgs = h.replies();
  BOOST_REQUIRE(msgs.size() == 1u);
  auto ev = parse_user_control(msgs[0]);
  BOOST_REQUIRE(ev.has_value());
  BOOST_TEST(ev->event_type == user_control_event::ping_response);
  BOOST_TEST(ev->value == 0x12345678u);
}

BOOST_AUTO_TEST_CASE(garbage_after_the_handshake_closes) {
  {
    // A continuation chunk (fmt 3) on a chunk stream that never had a header.
    Harness h;
    h.feed(concat({client_handshake(), Bytes{0xC3, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}}));
    BOOST_REQUIRE(h.close_reason.has_value());
    BOOST_TEST(h.close_reason->find("bad chunk stream") != std::string::npos);
    BOOST_TEST((h.session.phase() == PublishSession::Phase::closed));
  }
  {
    // Well-framed but not AMF0.
    Harness h;
    h.feed(client_handshake());
    h.feed(chunks(Message{3, message_type::command_amf0, 0, 0, {0xFF, 0xFE, 0xFD}}));
    BOOST_REQUIRE(h.close_reason.has_value());
    BOOST_TEST(h.close_reason->find("bad command message") != std::string::npos);
  }
  {
    // Not RTMP at all: an HTTP request on the RTMP port fails on its first byte.
    Harness h;
    const std::string get = "GET / HTTP/1.1\r\n\r\n";
    h.feed(Bytes(get.begin(), get.end()));
    BOOST_REQUIRE(h.close_reason.has_value());
    BOOST_TEST(h.close_reason->find("handshake failed") != std::string::npos);
  }
}

namespace {
Bytes set_data_frame_body() {
  Bytes meta;
  amf0_encode(str("@setDataFrame"), meta);
  amf0_encode(str("onMetaData"), meta);
  amf0_encode(Amf0Value::make_ecma_array({{"duration", num(0)}}), meta);
  return meta;
}

// What ffmpeg sends up to `publish`: it raises its chunk size first, then its messages use
// 4096-byte chunks.
Bytes up_to_publish() {
  return concat({client_handshake(), chunks(make_set_chunk_size(4096)),
                 write_chunks(command_message(connect_command("live"), 0), 4096), release_stream_bytes(),
                 fc_publish_bytes(), create_stream_bytes(), publish_bytes()});
}

// What follows once publishing: a ping, metadata, video, audio, FCUnpublish, then garbage.
Bytes after_publish() {
  return concat({chunks(Message{kControlChunkStreamId, message_type::user_control, 0, 0, {0, 6, 0, 0, 0, 9}}),
                 write_chunks(Message{4, message_type::data_amf0, 1, 0, set_data_frame_body()}, 4096),
                 write_chunks(Message{6, message_type::video, 1, 0, Bytes(5000, 0x17)}, 4096),
                 write_chunks(Message{4, message_type::audio, 1, 21, {0xAF, 0x01, 0x02}}, 4096),
                 cmd(Command{"FCUnpublish", 6, Amf0Value::make_null(), {str("sk_key")}}),
                 Bytes{0xC7, 0, 0}});
}
}  // namespace

BOOST_AUTO_TEST_CASE(byte_at_a_time_gives_the_same_outputs_as_whole) {
  // The daemon answers the publish as soon as feed() returns it; the encoder waits for
  // NetStream.Publish.Start before sending media, so the media comes in a later read.
  Harness whole;
  whole.auto_decide = true;
  whole.feed(up_to_publish());
  whole.feed(after_publish());
  Harness bytewise;
  bytewise.auto_decide = true;
  bytewise.feed_bytewise(up_to_publish());
  bytewise.feed_bytewise(after_publish());

  BOOST_TEST(whole.keys.size() == 1u);
  BOOST_TEST(whole.media.size() == 3u);
  BOOST_TEST(whole.unpublished == 1);
  BOOST_TEST(whole.close_reason.has_value());

  BOOST_TEST((bytewise.sent == whole.sent));
  BOOST_TEST((bytewise.keys == whole.keys));
  BOOST_REQUIRE(bytewise.media.size() == whole.media.size());
  for (std::size_t i = 0; i < whole.media.size(); ++i) {
    BOOST_TEST(bytewise.media[i].type_id == whole.media[i].type_id);
    BOOST_TEST(bytewise.media[i].timestamp == whole.media[i].timestamp);
    BOOST_TEST((bytewise.media[i].payload == whole.media[i].payload));
  }
  BOOST_TEST(bytewise.unpublished == whole.unpublished);
  BOOST_TEST((bytewise.close_reason == whole.close_reason));
}

// Media that arrives in the same read as `publish` (metadata, the AVC sequence header) is
// held until the publish is accepted, so nothing depends on how TCP splits the stream.
BOOST_AUTO_TEST_CASE(media_in_the_same_read_as_publish_is_kept) {
  const Bytes all = concat({up_to_publish(), after_publish()});
  Harness whole;
  whole.auto_decide = true;
  whole.feed(all);
  Harness bytewise;
  bytewise.auto_decide = true;
  bytewise.feed_bytewise(all);
  BOOST_TEST(whole.media.size() == 3u);
  BOOST_TEST(bytewise.media.size() == 3u);
  BOOST_TEST((bytewise.sent == whole.sent));
}
