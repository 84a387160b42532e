// The SRT streamid an encoder sends in its handshake, read as a publish request.
//
// Two forms are accepted (SRT's access-control convention, docs/features/access-control.md):
//   "#!::r=STREAM_KEY,m=publish"  keys in any order; u=, s=, t=, h= and unknown keys are ignored;
//                                 no m= is read as publish (this listener only takes pushes)
//   "STREAM_KEY"                  anything not starting with "#!" is the key itself (OBS, vMix)
// Refused, with a reason that never quotes the key: empty, "#!" without "::", a pair without '=',
// a repeated key, no r=, an empty r=, and any mode other than publish (request, bidirectional).
#pragma once

#include <string>
#include <string_view>

namespace bvlive::srt {

enum class StreamIdError {
  None,
  Empty,      // no streamid at all
  Malformed,  // not parseable as "#!::k=v,..."
  NoKey,      // "#!::" without r= (or with an empty r=)
  BadMode,    // m= other than publish
};

struct StreamIdResult {
  std::string key;           // the stream key when error == None
  StreamIdError error = StreamIdError::None;
  std::string reason;        // for logs and the encoder when refused; never contains the key
  bool ok() const { return error == StreamIdError::None; }
};

// Longest streamid libsrt carries (SRTO_STREAMID's limit).
inline constexpr std::size_t kMaxStreamIdLength = 512;

StreamIdResult parse_stream_id(std::string_view stream_id);

}  // namespace bvlive::srt
