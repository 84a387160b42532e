#include "config/live_decl_spec.hpp"

#include "config/config_loader.hpp"
#include "rpc/error.hpp"

namespace bvlive {

std::vector<LiveSpec> live_decl_specs(const std::vector<LiveDecl>& decls) {
  std::vector<LiveSpec> specs;
  for (const auto& d : decls) {
    auto dur = [](const std::optional<DurationMs>& v) {
      return v ? nlohmann::json(format_duration(*v)) : nlohmann::json(nullptr);
    };
    nlohmann::json body = d.body;
    body["custom_id"] = d.custom_id;
    body["schedule"] = {{"auto_preview", dur(d.schedule.auto_preview)},
                        {"auto_start", d.schedule.auto_start},
                        {"auto_end", dur(d.schedule.auto_end)},
                        {"close_after", dur(d.schedule.close_after)}};
    try {
      specs.push_back(live_spec_from_json(body));
    } catch (const RpcError& e) {
      const std::string path = e.data().value("path", "");
      throw ConfigError(d.locate(path).str() + ": [[live]] '" + d.custom_id + "': " + e.what());
    }
  }
  return specs;
}

}  // namespace bvlive
