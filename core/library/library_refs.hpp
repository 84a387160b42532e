// Which library items a live's settings use, and what each must be: the simulive's source
// and the replacing VOD are videos; an enabled watermark and custom covers are images.
// (showroom.libraries is kept as given: bvlive does not use it.) Pure.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/library/probe_result.hpp"
#include "live/live_spec.hpp"

namespace bvlive::library {

struct LibraryRef {
  std::string path;                         // "live.source.library.id"
  std::string id;                           // the library id given
  std::optional<MediaProbe::Kind> kind;     // what it must be
};

std::vector<LibraryRef> library_refs(const LiveSpec& spec);

}  // namespace bvlive::library
