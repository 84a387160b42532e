#include "core/library/library_refs.hpp"

namespace bvlive::library {

std::vector<LibraryRef> library_refs(const LiveSpec& s) {
  using K = MediaProbe::Kind;
  std::vector<LibraryRef> out;
  auto add = [&](std::string path, const std::optional<std::string>& id, std::optional<K> kind) {
    if (id && !id->empty()) out.push_back({std::move(path), *id, kind});
  };
  // Only what is used is checked: an id left in a disabled watermark or an unused source
  // refers to nothing.
  if (s.type == LiveType::Simulive) add("live.source.library.id", s.source.library_id, K::Video);
  if (s.live_vod.source == LiveVodSource::Replace) add("live.live_vod.replace.id", s.live_vod.replace_id, K::Video);
  if (s.security.watermark.enabled)
    add("live.security.watermark.image.library_id", s.security.watermark.image_library_id, K::Image);
  for (std::size_t i = 0; i < s.cover_images.size(); ++i)
    if (s.cover_images[i].type == CoverImageType::Customize)
      add("live.cover_images." + std::string(kCoverStatuses[i]) + ".customize.library_id",
          s.cover_images[i].customize_library_id, K::Image);
  return out;
}

}  // namespace bvlive::library
