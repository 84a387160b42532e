#include "protocols/rtmp/commands.hpp"

#include <utility>

namespace bvlive::rtmp {

std::optional<std::string> Command::string_arg(std::size_t index) const {
  if (index >= args.size() || !args[index].is_string()) return std::nullopt;
  return args[index].string;
}

std::variant<Command, CommandError> parse_command(ByteSpan payload) {
  auto decoded = amf0_decode_all(payload);
  if (auto* err = std::get_if<Amf0Error>(&decoded)) return CommandError{"bad AMF0: " + err->message};
  auto& values = std::get<std::vector<Amf0Value>>(decoded);
  if (values.empty() || !values[0].is_string()) return CommandError{"command name missing"};
  Command out;
  out.name = std::move(values[0].string);
  // Some clients omit the transaction id on notifications; treat a missing one as 0.
  if (values.size() >= 2) {
    if (values[1].type != Amf0Type::number) return CommandError{"transaction id is not a number"};
    out.transaction_id = values[1].number;
  }
  if (values.size() >= 3) out.command_object = std::move(values[2]);
  for (std::size_t i = 3; i < values.size(); ++i) out.args.push_back(std::move(values[i]));
  return out;
}

Bytes encode_command(const Command& command) {
  Bytes out;
  amf0_encode(Amf0Value::make_string(command.name), out);
  amf0_encode(Amf0Value::make_number(command.transaction_id), out);
  amf0_encode(command.command_object, out);
  for (const auto& arg : command.args) amf0_encode(arg, out);
  return out;
}

Message command_message(const Command& command, std::uint32_t stream_id, std::uint32_t csid) {
  return Message{csid, message_type::command_amf0, stream_id, 0, encode_command(command)};
}

namespace {

std::string string_property(const Amf0Value& object, std::string_view key) {
  const Amf0Value* v = object.find(key);
  return v && v->is_string() ? v->string : std::string{};
}

}  // namespace

std::optional<ConnectRequest> parse_connect(const Command& command) {
  if (command.name != "connect" || !command.command_object.is_object_like()) return std::nullopt;
  ConnectRequest out;
  out.app = string_property(command.command_object, "app");
  out.tc_url = string_property(command.command_object, "tcUrl");
  out.flash_ver = string_property(command.command_object, "flashVer");
  if (const Amf0Value* enc = command.command_object.find("objectEncoding"); enc && enc->type == Amf0Type::number)
    out.object_encoding = enc->number;
  return out;
}

std::optional<PublishRequest> parse_publish(const Command& command) {
  if (command.name != "publish") return std::nullopt;
  auto name = command.string_arg(0);
  if (!name) return std::nullopt;
  return PublishRequest{std::move(*name), command.string_arg(1).value_or("live")};
}

Command make_connect_result(double transaction_id) {
  // fmsVer/capabilities are what encoders expect to see from a Flash Media Server.
  // fourCcList and videoFourCcInfoMap (Enhanced RTMP v1/v2, "Enhancing NetConnection connect
  // Command") tell an enhanced encoder which FourCC video codecs we take; 4 = canForward:
  // bvlived repackages them without decoding.
  const auto fourccs = {"avc1", "hvc1", "av01"};
  std::vector<Amf0Value> list;
  std::vector<Amf0Property> info;
  for (const char* code : fourccs) {
    list.push_back(Amf0Value::make_string(code));
    info.push_back({code, Amf0Value::make_number(4)});
  }
  return Command{
      "_result", transaction_id,
      Amf0Value::make_object({{"fmsVer", Amf0Value::make_string("FMS/3,0,1,123")},
                              {"capabilities", Amf0Value::make_number(31)},
                              {"fourCcList", Amf0Value::make_strict_array(std::move(list))},
                              {"videoFourCcInfoMap", Amf0Value::make_object(std::move(info))}}),
      {Amf0Value::make_object({{"level", Amf0Value::make_string("status")},
                               {"code", Amf0Value::make_string("NetConnection.Connect.Success")},
                               {"description", Amf0Value::make_string("Connection succeeded.")},
                               {"objectEncoding", Amf0Value::make_number(0)}})}};
}

Command make_result(double transaction_id, std::vector<Amf0Value> args) {
  return Command{"_result", transaction_id, Amf0Value::make_null(), std::move(args)};
}

Command make_create_stream_result(double transaction_id, std::uint32_t stream_id) {
  return make_result(transaction_id, {Amf0Value::make_number(stream_id)});
}

Command make_on_status(std::string level, std::string code, std::string description) {
  return Command{"onStatus", 0, Amf0Value::make_null(),
                 {Amf0Value::make_object({{"level", Amf0Value::make_string(std::move(level))},
                                          {"code", Amf0Value::make_string(std::move(code))},
                                          {"description", Amf0Value::make_string(std::move(description))}})}};
}

// The descriptions leave the stream name out: it is the stream key, a secret that should
// not surface in client-side logs.
Command make_publish_start() {
  return make_on_status("status", "NetStream.Publish.Start", "Publishing started.");
}

Command make_publish_bad_name(std::string_view description) {
  return make_on_status("error", "NetStream.Publish.BadName", std::string(description));
}

}  // namespace bvlive::rtmp
