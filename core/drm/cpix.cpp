#include "core/drm/cpix.hpp"

#include <pugixml.hpp>

#include <algorithm>
#include <cstring>
#include <sstream>

#include "core/util/base64.hpp"
#include "core/util/hex.hpp"

namespace bvlive::drm {
namespace {

// CPIX elements are matched by local name: a key server may bind the namespace to any prefix
// (or none), and pugixml does not resolve prefixes.
std::string_view local_name(const char* name) {
  std::string_view n(name);
  const auto colon = n.find(':');
  return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

pugi::xml_node child(pugi::xml_node parent, std::string_view name) {
  for (auto c : parent.children())
    if (c.type() == pugi::node_element && local_name(c.name()) == name) return c;
  return {};
}

template <class F>
void each_child(pugi::xml_node parent, std::string_view name, F&& f) {
  for (auto c : parent.children())
    if (c.type() == pugi::node_element && local_name(c.name()) == name) f(c);
}

// xs:base64Binary allows whitespace between characters (servers wrap long PSSH boxes); our
// codec is strict, so whitespace goes first.
std::optional<std::vector<std::uint8_t>> decode_base64_text(std::string_view text) {
  std::string compact;
  compact.reserve(text.size());
  for (char c : text)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') compact += c;
  return base64_decode(compact);
}

std::string period_id(std::uint64_t index) { return "keyPeriod_" + std::to_string(index); }

// A 'pssh' box as 23001-7 §8.1.1 writes it: size, type, full-box header, SystemID.
bool looks_like_pssh(const std::vector<std::uint8_t>& box) {
  if (box.size() < 32) return false;
  const std::uint32_t size = (std::uint32_t{box[0]} << 24) | (std::uint32_t{box[1]} << 16) |
                             (std::uint32_t{box[2]} << 8) | box[3];
  return size == box.size() && std::memcmp(box.data() + 4, "pssh", 4) == 0;
}

}  // namespace

bool requests_pssh(DrmSystem system) { return system != DrmSystem::FairPlay; }
bool requests_hls(DrmSystem system) { return system != DrmSystem::ClearKey; }

std::string kid_to_uuid(const cenc::Block16& kid) {
  const std::string hex = hex_encode(kid);
  return hex.substr(0, 8) + '-' + hex.substr(8, 4) + '-' + hex.substr(12, 4) + '-' + hex.substr(16, 4) + '-' +
         hex.substr(20);
}

std::optional<cenc::Block16> uuid_to_kid(std::string_view uuid) {
  if (uuid.size() != 36) return std::nullopt;
  std::string hex;
  for (std::size_t i = 0; i < uuid.size(); ++i) {
    const bool hyphen_place = i == 8 || i == 13 || i == 18 || i == 23;
    if (hyphen_place != (uuid[i] == '-')) return std::nullopt;
    if (!hyphen_place) hex += uuid[i];
  }
  const auto bytes = hex_decode(hex);
  if (!bytes || bytes->size() != 16) return std::nullopt;
  cenc::Block16 kid{};
  std::copy(bytes->begin(), bytes->end(), kid.begin());
  return kid;
}

std::string render_cpix_request(const CpixRequest& request) {
  pugi::xml_document doc;
  auto decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";

  auto cpix = doc.append_child("cpix:CPIX");
  cpix.append_attribute("contentId") = request.content_id.c_str();
  cpix.append_attribute("version") = std::string(kCpixVersion).c_str();
  cpix.append_attribute("xmlns:cpix") = std::string(kCpixNamespace).c_str();
  cpix.append_attribute("xmlns:pskc") = std::string(kPskcNamespace).c_str();

  auto keys = cpix.append_child("cpix:ContentKeyList");
  for (const auto& kid : request.kids) {
    auto key = keys.append_child("cpix:ContentKey");
    key.append_attribute("kid") = kid_to_uuid(kid).c_str();
    key.append_attribute("commonEncryptionScheme") = "cbcs";
  }

  auto systems = cpix.append_child("cpix:DRMSystemList");
  for (const auto& kid : request.kids) {
    for (DrmSystem s : request.systems) {
      auto system = systems.append_child("cpix:DRMSystem");
      system.append_attribute("kid") = kid_to_uuid(kid).c_str();
      system.append_attribute("systemId") = std::string(info(s).uuid).c_str();
      if (requests_pssh(s)) system.append_child("cpix:PSSH");
      if (requests_hls(s)) {
        system.append_child("cpix:HLSSignalingData").append_attribute("playlist") = "media";
        system.append_child("cpix:HLSSignalingData").append_attribute("playlist") = "master";
      }
    }
  }

  // Several KIDs are successive key periods (rotation): each gets a period, which its usage
  // rule names (SPEKE requires KeyPeriodFilter for rotating keys).
  const bool rotating = request.kids.size() > 1;
  if (rotating) {
    auto periods = cpix.append_child("cpix:ContentKeyPeriodList");
    for (std::size_t i = 0; i < request.kids.size(); ++i) {
      auto period = periods.append_child("cpix:ContentKeyPeriod");
      const auto index = request.first_period_index + i;
      period.append_attribute("id") = period_id(index).c_str();
      period.append_attribute("index") = static_cast<unsigned long long>(index);
    }
  }

  auto rules = cpix.append_child("cpix:ContentKeyUsageRuleList");
  for (std::size_t i = 0; i < request.kids.size(); ++i) {
    auto rule = rules.append_child("cpix:ContentKeyUsageRule");
    rule.append_attribute("kid") = kid_to_uuid(request.kids[i]).c_str();
    rule.append_attribute("intendedTrackType") = "ALL";
    if (rotating)
      rule.append_child("cpix:KeyPeriodFilter").append_attribute("periodId") =
          period_id(request.first_period_index + i).c_str();
    rule.append_child("cpix:VideoFilter");
    rule.append_child("cpix:AudioFilter");
  }

  std::ostringstream out;
  doc.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
  return out.str();
}

std::variant<CpixResponse, std::string> parse_cpix_response(std::string_view xml, const CpixRequest& asked) {
  pugi::xml_document doc;
  const auto parsed = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!parsed)
    return std::string("not a CPIX document: XML error at offset ") + std::to_string(parsed.offset) + ": " +
           parsed.description();
  const auto root = doc.document_element();
  const std::string_view root_name(root.name());
  if (local_name(root.name()) != "CPIX")
    return "not a CPIX document: the root element is <" + std::string(root_name) + ">";
  const auto colon = root_name.find(':');
  const std::string xmlns =
      colon == std::string_view::npos ? "xmlns" : "xmlns:" + std::string(root_name.substr(0, colon));
  if (std::string_view(root.attribute(xmlns.c_str()).value()) != kCpixNamespace)
    return "not a CPIX document: <" + std::string(root_name) + "> is not in namespace " + std::string(kCpixNamespace);

  const auto asked_kid = [&](const cenc::Block16& kid) {
    return std::find(asked.kids.begin(), asked.kids.end(), kid) != asked.kids.end();
  };

  // Content keys, by KID.
  std::vector<CpixKey> found;
  std::string error;
  each_child(child(root, "ContentKeyList"), "ContentKey", [&](pugi::xml_node node) {
    if (!error.empty()) return;
    const char* kid_text = node.attribute("kid").value();
    const auto kid = uuid_to_kid(kid_text);
    if (!kid) {
      error = std::string("ContentKey kid=\"") + kid_text + "\" is not a UUID";
      return;
    }
    if (!asked_kid(*kid)) return;  // not ours to use
    const std::string where = "ContentKey " + kid_to_uuid(*kid);
    if (std::any_of(found.begin(), found.end(), [&](const CpixKey& k) { return k.kid == *kid; })) {
      error = where + " appears twice";
      return;
    }
    const auto secret = child(child(node, "Data"), "Secret");
    if (child(secret, "EncryptedValue")) {
      error = where + " has an encrypted key (Secret/EncryptedValue): bvlived asks for keys in the clear "
                      "(over HTTPS) and sent no DeliveryDataList";
      return;
    }
    const auto plain = child(secret, "PlainValue");
    if (!plain) {
      error = where + " has no key (Data/Secret/PlainValue)";
      return;
    }
    const auto key = decode_base64_text(plain.text().get());
    if (!key) {
      error = where + ": Data/Secret/PlainValue is not base64";
      return;
    }
    if (key->size() != 16) {
      error = where + ": the key is " + std::to_string(key->size()) + " bytes; a 'cbcs' key is 16";
      return;
    }
    CpixKey k;
    k.kid = *kid;
    std::copy(key->begin(), key->end(), k.key.begin());
    if (const auto iv_attr = node.attribute("explicitIV")) {
      const auto iv = decode_base64_text(iv_attr.value());
      if (!iv || iv->size() != 16) {
        error = where + ": explicitIV is not 16 bytes in base64";
        return;
      }
      cenc::Block16 b{};
      std::copy(iv->begin(), iv->end(), b.begin());
      k.explicit_iv = b;
    }
    found.push_back(k);
  });
  if (!error.empty()) return error;

  CpixResponse response;
  for (const auto& kid : asked.kids) {
    const auto it = std::find_if(found.begin(), found.end(), [&](const CpixKey& k) { return k.kid == kid; });
    if (it == found.end()) return "the key server gave no key for KID " + kid_to_uuid(kid) + " (ContentKeyList)";
    response.keys.push_back(*it);
  }

  each_child(child(root, "DRMSystemList"), "DRMSystem", [&](pugi::xml_node node) {
    if (!error.empty()) return;
    const auto kid = uuid_to_kid(node.attribute("kid").value());
    const auto system = system_of_uuid(node.attribute("systemId").value());
    if (!kid || !system || !asked_kid(*kid)) return;  // another system's or another key's signalling
    const std::string where =
        "DRMSystem " + std::string(info(*system).name) + " for KID " + kid_to_uuid(*kid);
    CpixSystemData data;
    data.system = *system;
    data.kid = *kid;
    if (const auto pssh = child(node, "PSSH")) {
      const auto box = decode_base64_text(pssh.text().get());
      if (!box) {
        error = where + ": PSSH is not base64";
        return;
      }
      if (!box->empty() && !looks_like_pssh(*box)) {
        error = where + ": PSSH is not a 'pssh' box";
        return;
      }
      data.pssh = *box;
    }
    each_child(node, "HLSSignalingData", [&](pugi::xml_node hls) {
      if (!error.empty()) return;
      const std::string_view playlist = hls.attribute("playlist").as_string("media");
      const auto text = decode_base64_text(hls.text().get());
      if (!text) {
        error = where + ": HLSSignalingData playlist=\"" + std::string(playlist) + "\" is not base64";
        return;
      }
      std::string tag(text->begin(), text->end());
      if (playlist == "master")
        data.hls_master_tag = std::move(tag);
      else if (playlist == "media")
        data.hls_media_tag = std::move(tag);
    });
    if (error.empty()) response.systems.push_back(std::move(data));
  });
  if (!error.empty()) return error;
  return response;
}

}  // namespace bvlive::drm
