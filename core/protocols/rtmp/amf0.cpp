#include "protocols/rtmp/amf0.hpp"

#include <bit>
#include <utility>

namespace bvlive::rtmp {

Amf0Value Amf0Value::make_number(double v) {
  Amf0Value out;
  out.type = Amf0Type::number;
  out.number = v;
  return out;
}
Amf0Value Amf0Value::make_boolean(bool v) {
  Amf0Value out;
  out.type = Amf0Type::boolean;
  out.boolean = v;
  return out;
}
Amf0Value Amf0Value::make_string(std::string v) {
  Amf0Value out;
  out.type = v.size() > 0xFFFF ? Amf0Type::long_string : Amf0Type::string;
  out.string = std::move(v);
  return out;
}
Amf0Value Amf0Value::make_object(std::vector<Amf0Property> props) {
  Amf0Value out;
  out.type = Amf0Type::object;
  out.properties = std::move(props);
  return out;
}
Amf0Value Amf0Value::make_null() { return Amf0Value{}; }
Amf0Value Amf0Value::make_undefined() {
  Amf0Value out;
  out.type = Amf0Type::undefined;
  return out;
}
Amf0Value Amf0Value::make_ecma_array(std::vector<Amf0Property> props) {
  Amf0Value out;
  out.type = Amf0Type::ecma_array;
  out.properties = std::move(props);
  return out;
}
Amf0Value Amf0Value::make_strict_array(std::vector<Amf0Value> items) {
  Amf0Value out;
  out.type = Amf0Type::strict_array;
  out.elements = std::move(items);
  return out;
}
Amf0Value Amf0Value::make_date(double ms, std::int16_t timezone) {
  Amf0Value out;
  out.type = Amf0Type::date;
  out.number = ms;
  out.timezone = timezone;
  return out;
}

const Amf0Value* Amf0Value::find(std::string_view key) const {
  if (!is_object_like()) return nullptr;
  for (const auto& p : properties)
    if (p.key == key) return &p.value;
  return nullptr;
}

bool operator==(const Amf0Value& a, const Amf0Value& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case Amf0Type::number: return std::bit_cast<std::uint64_t>(a.number) ==
                                  std::bit_cast<std::uint64_t>(b.number);  // NaN == NaN here
    case Amf0Type::boolean: return a.boolean == b.boolean;
    case Amf0Type::string:
    case Amf0Type::long_string: return a.string == b.string;
    case Amf0Type::object:
    case Amf0Type::ecma_array: return a.properties == b.properties;
    case Amf0Type::strict_array: return a.elements == b.elements;
    case Amf0Type::date: return std::bit_cast<std::uint64_t>(a.number) ==
                                std::bit_cast<std::uint64_t>(b.number) &&
                                a.timezone == b.timezone;
    case Amf0Type::null:
    case Amf0Type::undefined: return true;
  }
  return false;
}

bool operator==(const Amf0Property& a, const Amf0Property& b) {
  return a.key == b.key && a.value == b.value;
}

namespace {

// A bounds-checked big-endian cursor; every read says whether the bytes were there.
class Cursor {
 public:
  explicit Cursor(ByteSpan bytes) : bytes_(bytes) {}
  std::size_t pos() const { return pos_; }
  std::size_t left() const { return bytes_.size() - pos_; }

  bool u8(std::uint8_t& v) {
    if (left() < 1) return false;
    v = bytes_[pos_++];
    return true;
  }
  bool u16(std::uint16_t& v) {
    if (left() < 2) return false;
    v = static_cast<std::uint16_t>((bytes_[pos_] << 8) | bytes_[pos_ + 1]);
    pos_ += 2;
    return true;
  }
  bool u32(std::uint32_t& v) {
    if (left() < 4) return false;
    v = (std::uint32_t{bytes_[pos_]} << 24) | (std::uint32_t{bytes_[pos_ + 1]} << 16) |
        (std::uint32_t{bytes_[pos_ + 2]} << 8) | std::uint32_t{bytes_[pos_ + 3]};
    pos_ += 4;
    return true;
  }
  bool f64(double& v) {
    if (left() < 8) return false;
    std::uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) bits = (bits << 8) | bytes_[pos_ + i];
    pos_ += 8;
    v = std::bit_cast<double>(bits);
    return true;
  }
  bool str(std::size_t n, std::string& v) {
    if (left() < n) return false;
    v.assign(reinterpret_cast<const char*>(bytes_.data() + pos_), n);
    pos_ += n;
    return true;
  }

 private:
  ByteSpan bytes_;
  std::size_t pos_ = 0;
};

struct Decoder {
  Cursor cur;
  std::string error;

  bool fail(std::string message) {
    if (error.empty()) error = std::move(message) + " at byte " + std::to_string(cur.pos());
    return false;
  }

  bool short_string(std::string& out) {
    std::uint16_t n = 0;
    if (!cur.u16(n) || !cur.str(n, out)) return fail("truncated string");
    return true;
  }

  // Key/value pairs up to the empty key + object-end marker (objects and ECMA arrays).
  bool properties(std::vector<Amf0Property>& out, int depth) {
    for (;;) {
      Amf0Property prop;
      if (!short_string(prop.key)) return false;
      if (prop.key.empty()) {
        std::uint8_t marker = 0;
        if (!cur.u8(marker)) return fail("truncated object end");
        if (marker != amf0_marker::object_end) return fail("empty property name without object end");
        return true;
      }
      if (!value(prop.value, depth + 1)) return false;
      out.push_back(std::move(prop));
    }
  }

  bool value(Amf0Value& out, int depth) {
    if (depth > kAmf0MaxDepth) return fail("nesting deeper than " + std::to_string(kAmf0MaxDepth));
    std::uint8_t marker = 0;
    if (!cur.u8(marker)) return fail("truncated value marker");
    switch (marker) {
      case amf0_marker::number:
        out.type = Amf0Type::number;
        return cur.f64(out.number) || fail("truncated number");
      case amf0_marker::boolean: {
        std::uint8_t b = 0;
        if (!cur.u8(b)) return fail("truncated boolean");
        out.type = Amf0Type::boolean;
        out.boolean = b != 0;
        return true;
      }
      case amf0_marker::string:
        out.type = Amf0Type::string;
        return short_string(out.string);
      case amf0_marker::long_string: {
        std::uint32_t n = 0;
        out.type = Amf0Type::long_string;
        if (!cur.u32(n) || !cur.str(n, out.string)) return fail("truncated long string");
        return true;
      }
      case amf0_marker::object:
        out.type = Amf0Type::object;
        return properties(out.properties, depth);
      case amf0_marker::ecma_array: {
        std::uint32_t count_hint = 0;  // advisory only; the object-end marker terminates
        if (!cur.u32(count_hint)) return fail("truncated ECMA array count");
        out.type = Amf0Type::ecma_array;
        return properties(out.properties, depth);
      }
      case amf0_marker::strict_array: {
        std::uint32_t count = 0;
        if (!cur.u32(count)) return fail("truncated strict array count");
        // Every element takes at least one byte: refuse a count the input cannot hold
        // before looping, so a huge count cannot spin.
        if (count > cur.left()) return fail("strict array count exceeds input");
        out.type = Amf0Type::strict_array;
        for (std::uint32_t i = 0; i < count; ++i) {
          Amf0Value item;
          if (!value(item, depth + 1)) return false;
          out.elements.push_back(std::move(item));
        }
        return true;
      }
      case amf0_marker::date: {
        std::uint16_t tz = 0;
        out.type = Amf0Type::date;
        if (!cur.f64(out.number) || !cur.u16(tz)) return fail("truncated date");
        out.timezone = static_cast<std::int16_t>(tz);
        return true;
      }
      case amf0_marker::null: out.type = Amf0Type::null; return true;
      case amf0_marker::undefined: out.type = Amf0Type::undefined; return true;
      case amf0_marker::object_end: return fail("object end marker outside an object");
      default: return fail("unsupported AMF0 marker " + std::to_string(marker));
    }
  }
};

void put_u16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}
void put_u32(Bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}
void put_f64(Bytes& out, double v) {
  const auto bits = std::bit_cast<std::uint64_t>(v);
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(bits >> shift));
}
void put_key(Bytes& out, std::string_view key) {
  // Keys are short strings on the wire; a longer key is cut rather than corrupting framing.
  const auto n = static_cast<std::uint16_t>(key.size() > 0xFFFF ? 0xFFFF : key.size());
  put_u16(out, n);
  out.insert(out.end(), key.begin(), key.begin() + n);
}
void put_properties(Bytes& out, const std::vector<Amf0Property>& props) {
  for (const auto& p : props) {
    put_key(out, p.key);
    amf0_encode(p.value, out);
  }
  put_u16(out, 0);
  out.push_back(amf0_marker::object_end);
}

}  // namespace

std::variant<Amf0Decoded, Amf0Error> amf0_decode_one(ByteSpan bytes) {
  Decoder d{Cursor(bytes), {}};
  Amf0Decoded out;
  if (!d.value(out.value, 0)) return Amf0Error{d.error};
  out.consumed = d.cur.pos();
  return out;
}

std::variant<std::vector<Amf0Value>, Amf0Error> amf0_decode_all(ByteSpan bytes) {
  std::vector<Amf0Value> values;
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    auto one = amf0_decode_one(bytes.subspan(pos));
    if (auto* err = std::get_if<Amf0Error>(&one)) {
      err->message += " (value " + std::to_string(values.size()) + ", offset " + std::to_string(pos) + ")";
      return *err;
    }
    auto& decoded = std::get<Amf0Decoded>(one);
    pos += decoded.consumed;
    values.push_back(std::move(decoded.value));
  }
  return values;
}

void amf0_encode(const Amf0Value& value, Bytes& out) {
  switch (value.type) {
    case Amf0Type::number:
      out.push_back(amf0_marker::number);
      put_f64(out, value.number);
      return;
    case Amf0Type::boolean:
      out.push_back(amf0_marker::boolean);
      out.push_back(value.boolean ? 1 : 0);
      return;
    case Amf0Type::string:
    case Amf0Type::long_string:
      // The marker follows the length, so a string the caller built by hand still frames.
      if (value.type == Amf0Type::string && value.string.size() <= 0xFFFF) {
        out.push_back(amf0_marker::string);
        put_u16(out, static_cast<std::uint16_t>(value.string.size()));
      } else {
        out.push_back(amf0_marker::long_string);
        put_u32(out, static_cast<std::uint32_t>(value.string.size()));
      }
      out.insert(out.end(), value.string.begin(), value.string.end());
      return;
    case Amf0Type::object:
      out.push_back(amf0_marker::object);
      put_properties(out, value.properties);
      return;
    case Amf0Type::ecma_array:
      out.push_back(amf0_marker::ecma_array);
      put_u32(out, static_cast<std::uint32_t>(value.properties.size()));
      put_properties(out, value.properties);
      return;
    case Amf0Type::strict_array:
      out.push_back(amf0_marker::strict_array);
      put_u32(out, static_cast<std::uint32_t>(value.elements.size()));
      for (const auto& item : value.elements) amf0_encode(item, out);
      return;
    case Amf0Type::date:
      out.push_back(amf0_marker::date);
      put_f64(out, value.number);
      put_u16(out, static_cast<std::uint16_t>(value.timezone));
      return;
    case Amf0Type::null: out.push_back(amf0_marker::null); return;
    case Amf0Type::undefined: out.push_back(amf0_marker::undefined); return;
  }
}

Bytes amf0_encode_all(std::span<const Amf0Value> values) {
  Bytes out;
  for (const auto& v : values) amf0_encode(v, out);
  return out;
}

}  // namespace bvlive::rtmp
