#define BOOST_TEST_MODULE rtmp_commands
#include <boost/test/unit_test.hpp>

#include <variant>

#include "protocols/rtmp/chunk_reader.hpp"
#include "protocols/rtmp/chunk_writer.hpp"
#include "protocols/rtmp/commands.hpp"
#include "protocols/rtmp/control_messages.hpp"

using namespace bvlive::rtmp;

namespace {

Amf0Value str(std::string s) { return Amf0Value::make_string(std::move(s)); }
Amf0Value num(double d) { return Amf0Value::make_number(d); }

Command parse_ok(ByteSpan payload) {
  auto r = parse_command(payload);
  if (auto* e = std::get_if<CommandError>(&r)) BOOST_FAIL("parse failed: " << e->message);
  return std::get<Command>(r);
}

// The command sequence an OBS/ffmpeg publish sends after the handshake.
std::vector<Message> publish_sequence() {
  const Command connect{"connect", 1,
                        Amf0Value::make_object({{"app", str("live")},
                                                {"type", str("nonprivate")},
                                                {"flashVer", str("FMLE/3.0 (compatible; FMSc/1.0)")},
                                                {"tcUrl", str("rtmp://localhost:1935/live")},
                                                {"fpad", Amf0Value::make_boolean(false)},
                                                {"capabilities", num(15)},
                                                {"audioCodecs", num(4071)},
                                                {"videoCodecs", num(252)},
                                                {"videoFunction", num(1)}}),
                        {}};
  return {
      make_set_chunk_size(4096),
      command_message(connect, 0),
      command_message(Command{"releaseStream", 2, Amf0Value::make_null(), {str("secret-key")}}, 0),
      command_message(Command{"FCPublish", 3, Amf0Value::make_null(), {str("secret-key")}}, 0),
      command_message(Command{"createStream", 4, Amf0Value::make_null(), {}}, 0),
      command_message(Command{"publish", 5, Amf0Value::make_null(), {str("secret-key"), str("live")}}, 1, 4),
      command_message(Command{"FCUnpublish", 6, Amf0Value::make_null(), {str("secret-key")}}, 0),
      command_message(Command{"deleteStream", 7, Amf0Value::make_null(), {num(1)}}, 0),
  };
}

}  // namespace

BOOST_AUTO_TEST_CASE(control_message_bytes) {
  BOOST_TEST((make_set_chunk_size(4096).payload == Bytes{0, 0, 0x10, 0}));
  BOOST_TEST(make_set_chunk_size(4096).type_id == 1);
  BOOST_TEST((make_window_ack_size(2500000).payload == Bytes{0x00, 0x26, 0x25, 0xA0}));
  BOOST_TEST(make_window_ack_size(1).type_id == 5);
  BOOST_TEST((make_set_peer_bandwidth(2500000, PeerBandwidthLimit::dynamic).payload ==
              Bytes{0x00, 0x26, 0x25, 0xA0, 2}));
  BOOST_TEST((make_stream_begin(1).payload == Bytes{0, 0, 0, 0, 0, 1}));
  BOOST_TEST(make_stream_begin(1).type_id == 4);
  for (const Message& m : {make_set_chunk_size(1), make_abort(3), make_acknowledgement(9)}) {
    BOOST_TEST(m.csid == 2u);
    BOOST_TEST(m.stream_id == 0u);
  }
}

BOOST_AUTO_TEST_CASE(control_message_parsers) {
  BOOST_TEST(*parse_control_u32(make_set_chunk_size(60000)) == 60000u);
  BOOST_TEST(*parse_control_u32(make_abort(7)) == 7u);
  BOOST_TEST(*parse_control_u32(make_acknowledgement(123456)) == 123456u);
  BOOST_TEST(*parse_control_u32(make_window_ack_size(5000000)) == 5000000u);
  BOOST_TEST(!parse_control_u32(make_stream_begin(1)));
  BOOST_TEST(!parse_control_u32(Message{2, 5, 0, 0, {0, 0, 1}}));
  const auto pb = parse_set_peer_bandwidth(make_set_peer_bandwidth(42, PeerBandwidthLimit::soft));
  BOOST_REQUIRE(pb);
  BOOST_TEST(pb->window_size == 42u);
  BOOST_TEST((pb->limit == PeerBandwidthLimit::soft));
  BOOST_TEST(!parse_set_peer_bandwidth(Message{2, 6, 0, 0, {0, 0, 0, 1, 9}}));
  const auto ev = parse_user_control(make_stream_begin(77));
  BOOST_REQUIRE(ev);
  BOOST_TEST(ev->event_type == user_control_event::stream_begin);
  BOOST_TEST(ev->value == 77u);
  BOOST_TEST(!parse_user_control(Message{2, 4, 0, 0, {0, 0, 0}}));
}

BOOST_AUTO_TEST_CASE(publish_flow_through_chunks) {
  const auto sent = publish_sequence();
  Bytes wire = write_chunks(sent[0], kDefaultChunkSize);
  for (std::size_t i = 1; i < sent.size(); ++i) write_chunks(sent[i], 4096, wire);
  ChunkReader reader;
  std::vector<Message> got;
  for (std::size_t at = 0; at < wire.size(); at += 13) {
    auto r = reader.feed(std::span(wire).subspan(at, std::min<std::size_t>(13, wire.size() - at)));
    BOOST_REQUIRE(!r.error);
    got.insert(got.end(), r.messages.begin(), r.messages.end());
  }
  BOOST_REQUIRE(got.size() == sent.size());
  BOOST_TEST((got == sent));

  const Command connect = parse_ok(got[1].payload);
  BOOST_TEST(connect.name == "connect");
  BOOST_TEST(connect.transaction_id == 1);
  const auto req = parse_connect(connect);
  BOOST_REQUIRE(req);
  BOOST_TEST(req->app == "live");
  BOOST_TEST(req->tc_url == "rtmp://localhost:1935/live");
  BOOST_TEST(req->object_encoding == 0);

  const char* names[] = {"releaseStream", "FCPublish", "createStream", "publish", "FCUnpublish", "deleteStream"};
  for (std::size_t i = 0; i < 6; ++i) {
    const Command c = parse_ok(got[i + 2].payload);
    BOOST_TEST(c.name == names[i]);
    BOOST_TEST(c.transaction_id == double(i + 2));
    BOOST_TEST((c.command_object.type == Amf0Type::null));
  }
  const auto publish = parse_publish(parse_ok(got[5].payload));
  BOOST_REQUIRE(publish);
  BOOST_TEST(publish->stream_name == "secret-key");
  BOOST_TEST(publish->publish_type == "live");
  BOOST_TEST(got[5].stream_id == 1u);
  BOOST_TEST(!parse_publish(parse_ok(got[4].payload)));
  BOOST_TEST(!parse_connect(parse_ok(got[2].payload)));
}

BOOST_AUTO_TEST_CASE(replies) {
  const Command result = parse_ok(encode_command(make_connect_result(1)));
  BOOST_TEST(result.name == "_result");
  BOOST_TEST(result.transaction_id == 1);
  BOOST_TEST(result.command_object.find("fmsVer")->string == "FMS/3,0,1,123");
  // Enhanced RTMP: the FourCC video codecs an enhanced encoder may send.
  const auto* fourccs = result.command_object.find("fourCcList");
  BOOST_REQUIRE(fourccs);
  std::vector<std::string> codes;
  for (const auto& v : fourccs->elements) codes.push_back(v.string);
  BOOST_TEST((codes == std::vector<std::string>{"avc1", "hvc1", "av01"}));
  BOOST_TEST(result.command_object.find("videoFourCcInfoMap")->find("hvc1")->number == 4);
  BOOST_REQUIRE(result.args.size() == 1u);
  BOOST_TEST(result.args[0].find("code")->string == "NetConnection.Connect.Success");

  const Command created = parse_ok(encode_command(make_create_stream_result(4, 1)));
  BOOST_TEST(created.transaction_id == 4);
  BOOST_REQUIRE(created.args.size() == 1u);
  BOOST_TEST(created.args[0].number == 1);

  // Exact bytes of onStatus NetStream.Publish.Start.
  const Bytes start = encode_command(make_publish_start());
  auto expect = [](std::initializer_list<Amf0Value> vs) { return amf0_encode_all(std::vector<Amf0Value>(vs)); };
  BOOST_TEST((start == expect({str("onStatus"), num(0), Amf0Value::make_null(),
                               Amf0Value::make_object({{"level", str("status")},
                                                       {"code", str("NetStream.Publish.Start")},
                                                       {"description", str("Publishing started.")}})})));
  const Command bad = parse_ok(encode_command(make_publish_bad_name()));
  BOOST_TEST(bad.args[0].find("level")->string == "error");
  BOOST_TEST(bad.args[0].find("code")->string == "NetStream.Publish.BadName");
  const Message m = command_message(make_publish_start(), 1, kStreamChunkStreamId);
  BOOST_TEST(m.type_id == message_type::command_amf0);
  BOOST_TEST(m.stream_id == 1u);
  BOOST_TEST(m.csid == 5u);
}

BOOST_AUTO_TEST_CASE(malformed_commands_are_errors) {
  BOOST_TEST(std::holds_alternative<CommandError>(parse_command(Bytes{})));
  BOOST_TEST(std::holds_alternative<CommandError>(parse_command(amf0_encode_all(std::vector{num(1)}))));
  BOOST_TEST(std::holds_alternative<CommandError>(parse_command(amf0_encode_all(std::vector{str("x"), str("y")}))));
  Bytes truncated = encode_command(make_connect_result(1));
  truncated.pop_back();
  BOOST_TEST(std::holds_alternative<CommandError>(parse_command(truncated)));
  // A name-only notification is accepted with transaction id 0.
  const Command only = parse_ok(amf0_encode_all(std::vector{str("@setDataFrame")}));
  BOOST_TEST(only.transaction_id == 0);
}
