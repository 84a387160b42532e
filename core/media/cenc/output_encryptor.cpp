#include "core/media/cenc/output_encryptor.hpp"

#include "core/media/cenc/fragment_encryptor.hpp"
#include "core/media/cenc/init_encryptor.hpp"

namespace bvlive::cenc {

std::optional<std::string> OutputEncryptor::encrypt(std::size_t rendition, fmp4::SplitEvent& event) {
  const std::string where = "rendition " + std::to_string(rendition) + ": ";
  if (auto* init = std::get_if<fmp4::InitSegment>(&event)) {
    auto done = encrypt_init(init->bytes, key_, pssh_);
    if (const auto* e = std::get_if<fmp4::ParseError>(&done)) return where + "init segment: " + e->message;
    auto& encrypted = std::get<EncryptedInit>(done);
    init->bytes = std::move(encrypted.bytes);
    tracks_[rendition] = std::move(encrypted.tracks);
    return std::nullopt;
  }
  if (auto* fragment = std::get_if<fmp4::Fragment>(&event)) {
    const auto tracks = tracks_.find(rendition);
    if (tracks == tracks_.end()) return where + "a fragment came before any init segment";
    auto done = encrypt_fragment(*fragment, tracks->second);
    if (const auto* e = std::get_if<fmp4::ParseError>(&done)) return where + "fragment: " + e->message;
    *fragment = std::move(std::get<fmp4::Fragment>(done));
  }
  return std::nullopt;
}

}  // namespace bvlive::cenc
