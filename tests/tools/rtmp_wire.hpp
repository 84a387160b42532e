// The client side of RTMP on the wire, shared by the test publisher (tests/tools/rtmp_publish.cpp,
// one blocking connection) and the ingest bench's load generator (tests/bench/common/rtmp_pusher.hpp,
// many non-blocking ones in one thread): byte order, AMF0, the simple handshake, the chunk
// stream both ways, the commands that take a connection to publishing, and the replies a client
// owes the server's control messages. Written from the RTMP 1.0 spec, header-only and with no
// dependency, so that rtmp_publish links FFmpeg's libraries and nothing of the daemon.
//
// Not core/protocols/rtmp: that is the daemon's side, and a test client that shares it would
// check the daemon against itself. Its chunk writer also always writes type 0 headers, where
// these clients write type 1 headers (timestamp deltas) as encoders do, to exercise the
// daemon's reader; and core links OpenSSL, which must never share a process with the GnuTLS
// libsrt that libavformat pulls in (tests/tools/CMakeLists.txt).
//
// Every failure is thrown as rtmp::Error, with a message for a person.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace bvtest::rtmp {

using Bytes = std::vector<std::uint8_t>;

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// ---------------------------------------------------------------- byte order
inline void put8(Bytes& b, std::uint32_t v) { b.push_back(std::uint8_t(v)); }
inline void put16(Bytes& b, std::uint32_t v) { put8(b, v >> 8); put8(b, v); }
inline void put24(Bytes& b, std::uint32_t v) { put8(b, v >> 16); put8(b, v >> 8); put8(b, v); }
inline void put32(Bytes& b, std::uint32_t v) { put8(b, v >> 24); put8(b, v >> 16); put8(b, v >> 8); put8(b, v); }
inline void put32le(Bytes& b, std::uint32_t v) { put8(b, v); put8(b, v >> 8); put8(b, v >> 16); put8(b, v >> 24); }
inline void putbytes(Bytes& b, const void* p, std::size_t n) {
  auto* c = static_cast<const std::uint8_t*>(p);
  b.insert(b.end(), c, c + n);
}
inline std::uint32_t rd16(const std::uint8_t* p) { return std::uint32_t(p[0]) << 8 | p[1]; }
inline std::uint32_t rd24(const std::uint8_t* p) { return std::uint32_t(p[0]) << 16 | std::uint32_t(p[1]) << 8 | p[2]; }
inline std::uint32_t rd32(const std::uint8_t* p) {
  return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3];
}
inline std::uint32_t rd32le(const std::uint8_t* p) {
  return std::uint32_t(p[3]) << 24 | std::uint32_t(p[2]) << 16 | std::uint32_t(p[1]) << 8 | p[0];
}

// ---------------------------------------------------------------- AMF0
namespace amf {
enum : std::uint8_t { Number = 0, Boolean = 1, String = 2, Object = 3, Null = 5, Undefined = 6,
                      EcmaArray = 8, ObjectEnd = 9, StrictArray = 10, Date = 11, LongString = 12 };

inline void number(Bytes& b, double d) {
  std::uint64_t u;
  std::memcpy(&u, &d, 8);
  put8(b, Number);
  put32(b, std::uint32_t(u >> 32));
  put32(b, std::uint32_t(u));
}
inline void boolean(Bytes& b, bool v) { put8(b, Boolean); put8(b, v ? 1 : 0); }
inline void key(Bytes& b, const std::string& s) { put16(b, std::uint32_t(s.size())); putbytes(b, s.data(), s.size()); }
inline void string(Bytes& b, const std::string& s) { put8(b, String); key(b, s); }
inline void null(Bytes& b) { put8(b, Null); }
inline void object_begin(Bytes& b) { put8(b, Object); }
inline void ecma_begin(Bytes& b, std::uint32_t count) { put8(b, EcmaArray); put32(b, count); }
inline void strict_array_begin(Bytes& b, std::uint32_t count) { put8(b, StrictArray); put32(b, count); }
inline void object_end(Bytes& b) { put16(b, 0); put8(b, ObjectEnd); }

struct Value {
  std::uint8_t type = Undefined;
  double num = 0;
  bool b = false;
  std::string str;
  std::vector<std::pair<std::string, Value>> props;  // Object / EcmaArray
  std::vector<Value> items;                           // StrictArray

  const Value* get(const std::string& k) const {
    for (auto& [n, v] : props)
      if (n == k) return &v;
    return nullptr;
  }
  std::string get_str(const std::string& k) const {
    auto* v = get(k);
    return v && (v->type == String || v->type == LongString) ? v->str : std::string();
  }
  std::string show() const {
    switch (type) {
      case Number: { char t[64]; std::snprintf(t, sizeof t, "%g", num); return t; }
      case Boolean: return b ? "true" : "false";
      case String: case LongString: return "\"" + str + "\"";
      case Null: return "null";
      case Undefined: return "undefined";
      case StrictArray: {
        std::string s = "[";
        for (auto& i : items) s += (s.size() > 1 ? ", " : "") + i.show();
        return s + "]";
      }
      case Object: case EcmaArray: {
        std::string s = "{";
        for (auto& [n, v] : props) s += (s.size() > 1 ? ", " : "") + n + ": " + v.show();
        return s + "}";
      }
      default: return "?";
    }
  }
};

struct Reader {
  const std::uint8_t* p;
  std::size_t n, pos = 0;
  void need(std::size_t k) const {
    if (n - pos < k) throw Error("malformed AMF0 from server (truncated)");
  }
  std::string key() {
    need(2);
    std::size_t len = rd16(p + pos);
    pos += 2;
    need(len);
    std::string s(reinterpret_cast<const char*>(p + pos), len);
    pos += len;
    return s;
  }
  void props(Value& v, int depth) {
    for (;;) {
      need(3);
      if (rd16(p + pos) == 0 && p[pos + 2] == ObjectEnd) {
        pos += 3;
        return;
      }
      std::string k = key();
      Value child = value(depth + 1);
      v.props.emplace_back(std::move(k), std::move(child));
    }
  }
  Value value(int depth = 0) {
    if (depth > 32) throw Error("malformed AMF0 from server (too deep)");
    need(1);
    Value v;
    v.type = p[pos++];
    switch (v.type) {
      case Number: {
        need(8);
        std::uint64_t u = std::uint64_t(rd32(p + pos)) << 32 | rd32(p + pos + 4);
        std::memcpy(&v.num, &u, 8);
        pos += 8;
        break;
      }
      case Boolean: need(1); v.b = p[pos++] != 0; break;
      case String: v.str = key(); break;
      case LongString: {
        need(4);
        std::size_t len = rd32(p + pos);
        pos += 4;
        need(len);
        v.str.assign(reinterpret_cast<const char*>(p + pos), len);
        pos += len;
        break;
      }
      case Object: props(v, depth); break;
      case EcmaArray: need(4); pos += 4; props(v, depth); break;
      case StrictArray: {
        need(4);
        std::uint32_t count = rd32(p + pos);
        pos += 4;
        for (std::uint32_t i = 0; i < count; ++i) v.items.push_back(value(depth + 1));
        break;
      }
      case Null: case Undefined: break;
      case Date: need(10); pos += 10; break;
      default: throw Error("unsupported AMF0 type " + std::to_string(v.type) + " from server");
    }
    return v;
  }
};
}  // namespace amf

// ---------------------------------------------------------------- handshake
// The simple handshake (RTMP 1.0 section 5.2): C0 C1 -> S0 S1 S2 -> C2 (S1 echoed).

inline constexpr std::size_t kServerHandshakeBytes = 1 + 1536 + 1536;  // S0 S1 S2

// C0 + C1: version 3, time 0, zero, 1528 bytes of std::mt19937(seed).
inline Bytes c0c1(unsigned seed) {
  Bytes b;
  put8(b, 3);
  put32(b, 0);  // time
  put32(b, 0);  // zero
  std::mt19937 rng(seed);
  for (int i = 0; i < 1528; ++i) put8(b, rng());
  return b;
}

// C2 for the kServerHandshakeBytes at `s`: S1 (time, time2, random) echoed. Throws unless S0
// is version 3.
inline Bytes c2(const std::uint8_t* s) {
  if (s[0] != 3) throw Error("handshake: server version " + std::to_string(s[0]) + ", expected 3");
  return Bytes(s + 1, s + 1 + 1536);
}

// ---------------------------------------------------------------- chunk stream, out
// Chunk streams the publishers use: control, commands, audio, data, video.
inline constexpr std::uint32_t kControlCsid = 2, kCommandCsid = 3, kAudioCsid = 4, kDataCsid = 5, kVideoCsid = 6;

// Messages to chunks. Type 0 header for the first message on a chunk stream, on a message
// stream change, on a timestamp going backwards (or always, with force_fmt0); otherwise type 1
// with the delta. Extended timestamp when the field is >= 0xFFFFFF, repeated on every type 3
// continuation chunk of the message. Chunk stream ids 2 to 63 (one-byte basic headers).
class ChunkWriter {
 public:
  bool force_fmt0 = false;

  // Appends the chunks of one message to `out`.
  void message(Bytes& out, std::uint32_t csid, std::uint8_t type, std::uint32_t msid, std::uint32_t ts,
               const Bytes& payload) {
    Last& st = last_.at(csid);
    const std::uint32_t delta = ts - st.ts;
    const int form = (!st.used || st.msid != msid || force_fmt0 || delta >= 0x80000000u) ? 0 : 1;
    const std::uint32_t field = form == 0 ? ts : delta;
    const bool ext = field >= 0xFFFFFF;
    out.reserve(out.size() + payload.size() + payload.size() / chunk_size_ * 5 + 24);
    put8(out, std::uint32_t(form << 6) | csid);
    put24(out, ext ? 0xFFFFFF : field);
    put24(out, std::uint32_t(payload.size()));
    put8(out, type);
    if (form == 0) put32le(out, msid);
    if (ext) put32(out, field);
    std::size_t off = 0;
    do {
      const std::size_t n = std::min<std::size_t>(chunk_size_, payload.size() - off);
      if (off > 0) {
        put8(out, 0xC0 | csid);
        if (ext) put32(out, field);
      }
      putbytes(out, payload.data() + off, n);
      off += n;
    } while (off < payload.size());
    st = {true, ts, msid};
  }

  // Set Chunk Size to `n`; the messages after it go in chunks of that size.
  void set_chunk_size(Bytes& out, std::uint32_t n) {
    Bytes b;
    put32(b, n);
    message(out, kControlCsid, 1, 0, 0, b);
    chunk_size_ = n;
  }

  // A command (AMF0, type 20) on the command chunk stream.
  void command(Bytes& out, std::uint32_t msid, const Bytes& payload) {
    message(out, kCommandCsid, 20, msid, 0, payload);
  }

 private:
  struct Last {
    bool used = false;
    std::uint32_t ts = 0, msid = 0;
  };
  std::array<Last, 64> last_{};
  std::uint32_t chunk_size_ = 128;
};

// ---------------------------------------------------------------- chunk stream, in

struct Message {
  std::uint8_t type = 0;
  std::uint32_t msid = 0;
  Bytes payload;
};

// Chunks to messages. Set Chunk Size and Abort from the server take effect here (and are
// still handed on, for a log).
class ChunkReader {
 public:
  // Takes one chunk off the front of [p, p + n) if all of it has come: the bytes it took, 0
  // when more are needed. When the chunk completes a message, `done` holds it.
  std::size_t take(const std::uint8_t* p, std::size_t n, std::optional<Message>& done) {
    done.reset();
    if (n < 1) return 0;
    const int form = p[0] >> 6;
    std::uint32_t csid = p[0] & 0x3F;
    std::size_t pos = 1;
    if (csid == 0) {
      if (n < 2) return 0;
      csid = 64 + p[1];
      pos = 2;
    } else if (csid == 1) {
      if (n < 3) return 0;
      csid = 64 + p[1] + 256u * p[2];
      pos = 3;
    }
    static const std::size_t hsize[4] = {11, 7, 3, 0};
    if (n < pos + hsize[form]) return 0;
    In& st = in_[csid];
    if (form == 3 && !st.used) throw Error("server sent a type 3 chunk on a new chunk stream");
    std::uint32_t field = 0, len = st.len, msid = st.msid;
    std::uint8_t type = st.type;
    if (form <= 2) field = rd24(p + pos);
    if (form <= 1) {
      len = rd24(p + pos + 3);
      type = p[pos + 6];
    }
    if (form == 0) msid = rd32le(p + pos + 7);
    pos += hsize[form];
    const bool ext = form <= 2 ? field == 0xFFFFFF : st.ext;
    if (ext) {
      if (n < pos + 4) return 0;
      field = rd32(p + pos);
      pos += 4;
    }
    const bool starting = st.buf.empty();
    const std::size_t want = std::min<std::size_t>(chunk_size_, len - (starting ? 0 : st.buf.size()));
    if (n < pos + want) return 0;
    // The whole chunk is here: commit its header.
    st.used = true;
    st.ext = ext;
    st.len = len;
    st.type = type;
    st.msid = msid;
    if (form == 0) {
      st.ts = field;
      st.delta = 0;
    } else if (form <= 2) {
      st.delta = field;
      st.ts += field;
    } else if (starting) {
      st.ts += st.delta;
    }
    st.buf.insert(st.buf.end(), p + pos, p + pos + want);
    if (st.buf.size() >= st.len) {
      done.emplace();
      done->type = st.type;
      done->msid = st.msid;
      done->payload.swap(st.buf);
      const Bytes& m = done->payload;
      if (m.size() >= 4 && done->type == 1) chunk_size_ = std::max<std::uint32_t>(1, rd32(m.data()) & 0x7FFFFFFF);
      if (m.size() >= 4 && done->type == 2) in_[rd32(m.data())].buf.clear();
    }
    return pos + want;
  }

  std::uint32_t chunk_size() const { return chunk_size_; }

 private:
  struct In {
    bool used = false, ext = false;
    std::uint32_t ts = 0, delta = 0, len = 0, msid = 0;
    std::uint8_t type = 0;
    Bytes buf;
  };
  std::map<std::uint32_t, In> in_;
  std::uint32_t chunk_size_ = 128;
};

// What a client owes the server's control messages: an Acknowledgement each time half the
// window the server announced (Window Acknowledgement Size) has come in since the last, and a
// PingResponse to each PingRequest. Both go as control messages (chunk stream 2, message stream 0).
class ControlReplies {
 public:
  // Bytes read from the connection, the handshake's included.
  void received(std::uint64_t n) { received_ += n; }

  // A message from the server: the PingResponse (User Control, type 4) it calls for, if any.
  std::optional<Bytes> on_message(std::uint8_t type, const Bytes& m) {
    if (type == 5 && m.size() >= 4) window_ = rd32(m.data());
    if (type != 4 || m.size() < 6 || rd16(m.data()) != 6) return std::nullopt;
    Bytes b;
    put16(b, 7);
    putbytes(b, m.data() + 2, 4);
    return b;
  }

  // The Acknowledgement (type 3) due now, if one is.
  std::optional<Bytes> acknowledgement() {
    if (!window_ || received_ - acked_ < window_ / 2) return std::nullopt;
    Bytes b;
    put32(b, std::uint32_t(received_));
    acked_ = received_;
    return b;
  }

  std::uint32_t window() const { return window_; }

 private:
  std::uint32_t window_ = 0;
  std::uint64_t received_ = 0, acked_ = 0;
};

// ---------------------------------------------------------------- commands
// A publisher's way to publishing: connect (transaction 1); on its _result releaseStream,
// FCPublish and createStream (2, 3, 4); on createStream's _result, publish (5) on the stream
// it gave; then onStatus NetStream.Publish.Start.
inline constexpr double kConnectTxn = 1, kCreateStreamTxn = 4;

// A command's payload: its name, transaction id, then what `args` appends.
template <typename Args>
Bytes command(const std::string& name, double txn, Args&& args) {
  Bytes b;
  amf::string(b, name);
  amf::number(b, txn);
  args(b);
  return b;
}

// connect(app, tcUrl) as an encoder sends it; `fourcc_list` announces Enhanced RTMP's
// hvc1, av01 and avc1.
inline Bytes connect_command(const std::string& app, const std::string& tc_url, const std::string& flash_ver,
                             bool fourcc_list) {
  return command("connect", kConnectTxn, [&](Bytes& b) {
    amf::object_begin(b);
    amf::key(b, "app"), amf::string(b, app);
    amf::key(b, "type"), amf::string(b, "nonprivate");
    amf::key(b, "flashVer"), amf::string(b, flash_ver);
    amf::key(b, "tcUrl"), amf::string(b, tc_url);
    if (fourcc_list) {
      amf::key(b, "fourCcList");
      amf::strict_array_begin(b, 3);
      for (const char* f : {"hvc1", "av01", "avc1"}) amf::string(b, f);
    }
    amf::object_end(b);
  });
}

// releaseStream(KEY), FCPublish(KEY), createStream(), in that order.
inline std::vector<Bytes> create_stream_commands(const std::string& key) {
  auto key_arg = [&](Bytes& b) { amf::null(b), amf::string(b, key); };
  return {command("releaseStream", 2, key_arg), command("FCPublish", 3, key_arg),
          command("createStream", kCreateStreamTxn, [](Bytes& b) { amf::null(b); })};
}

// publish(KEY, "live"), on the stream createStream gave.
inline Bytes publish_command(const std::string& key) {
  return command("publish", 5, [&](Bytes& b) { amf::null(b), amf::string(b, key), amf::string(b, "live"); });
}

// A command from the server: AMF0 (type 20), or AMF3 (type 17: a 0 byte, then AMF0).
struct Command {
  std::string name;
  double txn = 0;
  std::vector<amf::Value> args;  // after name and transaction id
  std::uint32_t msid = 0;

  // _result or _error for transaction `t`.
  bool answers(double t) const { return txn == t && (name == "_result" || name == "_error"); }
  // The stream id a createStream _result gives (its last number), else `fallback`.
  std::uint32_t stream_id(std::uint32_t fallback) const {
    for (const auto& a : args)
      if (a.type == amf::Number) fallback = static_cast<std::uint32_t>(a.num);
    return fallback;
  }
  // A string of the first object argument (an _error's or onStatus's info), "" without.
  std::string info(const std::string& k) const {
    for (const auto& a : args)
      if (a.type == amf::Object) return a.get_str(k);
    return std::string();
  }
  // "CODE DESCRIPTION" of that object, for a refusal ("" without).
  std::string describe() const {
    for (const auto& a : args)
      if (a.type == amf::Object) return a.get_str("code") + " " + a.get_str("description");
    return std::string();
  }
};

inline Command parse_command(std::uint8_t type, std::uint32_t msid, const Bytes& m) {
  const std::size_t skip = type == 17 && !m.empty() ? 1 : 0;
  amf::Reader r{m.data() + skip, m.size() - skip};
  Command c;
  c.name = r.value().str;
  c.msid = msid;
  if (r.pos < r.n) c.txn = r.value().num;
  while (r.pos < r.n) c.args.push_back(r.value());
  return c;
}

// An onStatus a publisher gives up on: level "error", or a code that says it was refused.
inline bool refused(const std::string& level, const std::string& code) {
  return level == "error" || code.find("BadName") != std::string::npos || code.find("Failed") != std::string::npos ||
         code.find("Rejected") != std::string::npos;
}

}  // namespace bvtest::rtmp
