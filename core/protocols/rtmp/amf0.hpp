// AMF0 (Adobe "Action Message Format -- AMF 0"): the value encoding RTMP command messages
// use. Decoding never reads past its input, bounds nesting, and reports errors as values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace bvlive::rtmp {

using Bytes = std::vector<std::uint8_t>;
using ByteSpan = std::span<const std::uint8_t>;

namespace amf0_marker {
inline constexpr std::uint8_t number = 0x00;
inline constexpr std::uint8_t boolean = 0x01;
inline constexpr std::uint8_t string = 0x02;
inline constexpr std::uint8_t object = 0x03;
inline constexpr std::uint8_t null = 0x05;
inline constexpr std::uint8_t undefined = 0x06;
inline constexpr std::uint8_t ecma_array = 0x08;
inline constexpr std::uint8_t object_end = 0x09;
inline constexpr std::uint8_t strict_array = 0x0A;
inline constexpr std::uint8_t date = 0x0B;
inline constexpr std::uint8_t long_string = 0x0C;
}  // namespace amf0_marker

enum class Amf0Type { number, boolean, string, object, null, undefined, ecma_array, strict_array,
                      date, long_string };

struct Amf0Property;

// One AMF0 value. A plain struct rather than a variant so commands can be read with
// find()/as_*() without visitor boilerplate; only the fields of `type` are meaningful.
struct Amf0Value {
  Amf0Type type = Amf0Type::null;
  double number = 0;                      // number; date (ms since the epoch)
  bool boolean = false;                   // boolean
  std::int16_t timezone = 0;              // date (reserved by the spec, kept for round trips)
  std::string string;                     // string, long_string
  std::vector<Amf0Property> properties;   // object, ecma_array (in wire order)
  std::vector<Amf0Value> elements;        // strict_array

  static Amf0Value make_number(double v);
  static Amf0Value make_boolean(bool v);
  // A string longer than 65535 bytes becomes a long string on encode.
  static Amf0Value make_string(std::string v);
  static Amf0Value make_object(std::vector<Amf0Property> props);
  static Amf0Value make_null();
  static Amf0Value make_undefined();
  static Amf0Value make_ecma_array(std::vector<Amf0Property> props);
  static Amf0Value make_strict_array(std::vector<Amf0Value> items);
  static Amf0Value make_date(double ms, std::int16_t timezone = 0);

  bool is_string() const { return type == Amf0Type::string || type == Amf0Type::long_string; }
  bool is_object_like() const { return type == Amf0Type::object || type == Amf0Type::ecma_array; }
  // The property named `key` of an object or ECMA array, or nullptr.
  const Amf0Value* find(std::string_view key) const;

  friend bool operator==(const Amf0Value& a, const Amf0Value& b);
};

struct Amf0Property {
  std::string key;
  Amf0Value value;
  friend bool operator==(const Amf0Property& a, const Amf0Property& b);
};

struct Amf0Error {
  std::string message;
};

struct Amf0Decoded {
  Amf0Value value;
  std::size_t consumed = 0;
};

// Deeper nesting than this is refused: real commands nest two or three levels, and the
// bound keeps hostile input from exhausting the stack.
inline constexpr int kAmf0MaxDepth = 32;

// The first value at the start of `bytes`.
std::variant<Amf0Decoded, Amf0Error> amf0_decode_one(ByteSpan bytes);
// Every value in `bytes`, which must end exactly at a value boundary (a command payload).
std::variant<std::vector<Amf0Value>, Amf0Error> amf0_decode_all(ByteSpan bytes);

void amf0_encode(const Amf0Value& value, Bytes& out);
Bytes amf0_encode_all(std::span<const Amf0Value> values);

}  // namespace bvlive::rtmp
