#include "core/ingest/ingest_policy.hpp"

#include <algorithm>

namespace bvlive {

std::string ingest_refusal(const LiveRecord* live, IngestType protocol) {
  if (!live) return "no live has this stream key (bvlive show ID prints the key)";
  const std::string label = live->label();
  if (live->spec.type == LiveType::Simulive)
    return "live " + label + " is a simulive: it plays its library video and takes no push";
  if (!accepts_ingest(live->state))
    return "live " + label + " is " + std::string(to_string(live->state)) +
           "; pushes are accepted in PREVIEW and LIVE (run: bvlive preview " + label + ")";
  const auto& types = live->spec.ingestion_types;
  if (std::find(types.begin(), types.end(), protocol) == types.end())
    return "live " + label + " does not take " + std::string(short_name(protocol)) +
           " pushes; add it to ingestion_types (bvlive update " + label + ")";
  return "";
}

}  // namespace bvlive
