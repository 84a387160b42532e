#include "protocols/srt/stream_id.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>

namespace bvlive::srt {
namespace {

constexpr std::string_view kAccessControlPrefix = "#!::";

StreamIdResult refuse(StreamIdError error, std::string reason) {
  StreamIdResult r;
  r.error = error;
  r.reason = std::move(reason);
  return r;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Keys are echoed in reasons, values never (r= is the secret).
std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 32)) out += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
  return out;
}

}  // namespace

StreamIdResult parse_stream_id(std::string_view id) {
  if (id.empty())
    return refuse(StreamIdError::Empty,
                  "no streamid; push with streamid=#!::r=STREAM_KEY,m=publish or streamid=STREAM_KEY");
  if (id.size() > kMaxStreamIdLength)
    return refuse(StreamIdError::Malformed, "streamid longer than " + std::to_string(kMaxStreamIdLength) + " bytes");
  if (!id.starts_with("#!")) {
    StreamIdResult r;
    r.key = std::string(id);
    return r;
  }
  if (!id.starts_with(kAccessControlPrefix))
    return refuse(StreamIdError::Malformed,
                  "streamid starts with \"#!\" but not \"#!::\"; use #!::r=STREAM_KEY,m=publish");

  std::string_view rest = id.substr(kAccessControlPrefix.size());
  std::set<std::string, std::less<>> seen;
  std::optional<std::string_view> resource;
  std::optional<std::string_view> mode;
  for (int item = 1;; ++item) {
    const auto comma = rest.find(',');
    const std::string_view pair = rest.substr(0, comma);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0)
      return refuse(StreamIdError::Malformed,
                    "streamid item " + std::to_string(item) + " is not key=value; use #!::r=STREAM_KEY,m=publish");
    const std::string_view name = pair.substr(0, eq);
    const std::string_view value = pair.substr(eq + 1);
    if (!seen.emplace(name).second)
      return refuse(StreamIdError::Malformed, "streamid repeats the key \"" + printable(name) + "\"");
    if (name == "r") resource = value;
    if (name == "m") mode = value;
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }

  if (mode && !iequals(*mode, "publish"))
    return refuse(StreamIdError::BadMode, "streamid mode m=" + printable(*mode) +
                                              " is not supported; this listener only takes pushes (m=publish)");
  if (!resource || resource->empty())
    return refuse(StreamIdError::NoKey, "streamid has no stream key; use #!::r=STREAM_KEY,m=publish");
  StreamIdResult r;
  r.key = std::string(*resource);
  return r;
}

}  // namespace bvlive::srt
