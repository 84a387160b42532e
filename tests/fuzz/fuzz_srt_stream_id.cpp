// The SRT streamid parser as the listener's callback calls it on what an encoder sends in its
// handshake (srt_listener.cpp: parse_stream_id on the raw streamid). Any input is a key or a
// refusal with a reason; a key is never empty or longer than libsrt's limit; the bare form
// is the key itself; and the reason never depends on the secret: the same streamid with
// every r= value replaced by other bytes of the same length is refused the same way, with
// the same reason, or gives the replaced key.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "protocols/srt/stream_id.hpp"

using namespace bvlive::srt;

namespace {

void check_at(bool ok, const char* what, int line) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_srt_stream_id.cpp:%d: property failed: %s\n", line, what);
  std::abort();
}
#define check(cond) check_at((cond), #cond, __LINE__)

// "#!::" items named exactly "r" get their values overwritten with 'Z' (the value runs from
// the first '=' of the item to the next ','; neither character is written, so the items
// stay the same).
std::string hide_keys(std::string_view id) {
  std::string out(id);
  if (!id.starts_with("#!::")) return out;
  std::size_t pos = 4;
  while (pos <= out.size()) {
    std::size_t comma = out.find(',', pos);
    if (comma == std::string::npos) comma = out.size();
    const std::size_t eq = out.find('=', pos);
    if (eq != std::string::npos && eq < comma && out.compare(pos, eq - pos, "r") == 0)
      for (std::size_t i = eq + 1; i < comma; ++i) out[i] = 'Z';
    pos = comma + 1;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view id(reinterpret_cast<const char*>(data), size);
  const StreamIdResult r = parse_stream_id(id);

  check(r.ok() == r.reason.empty());
  check(r.ok() || r.key.empty());
  if (id.empty()) check(r.error == StreamIdError::Empty);
  if (r.ok()) {
    check(!r.key.empty());
    check(r.key.size() <= kMaxStreamIdLength);
    if (!id.starts_with("#!")) check(r.key == id);
    else check(id.find("r=" + r.key) != std::string_view::npos);
  }
  if (id.size() > kMaxStreamIdLength) check(!r.ok());

  const std::string hidden = hide_keys(id);
  const StreamIdResult h = parse_stream_id(hidden);
  check(h.error == r.error);
  check(h.reason == r.reason);
  if (r.ok()) check(h.key.size() == r.key.size() && (id.starts_with("#!") ? h.key == std::string(h.key.size(), 'Z') : h.key == r.key));
  return 0;
}
