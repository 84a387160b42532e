// The viewer page served at /watch/ID: share/web/watch.html, compiled in (watch_page.cpp.in).
#pragma once

#include <string_view>

namespace bvlive {

extern const std::string_view kWatchPage;

}  // namespace bvlive
