// A live (the LIVE object of the control protocol) as a key/value block for people:
// `bvlive show`, and after create, update.
#pragma once

#include <nlohmann/json.hpp>

#include <iosfwd>

namespace bvlive::cli {

void print_live(std::ostream& out, const nlohmann::json& live);
// "NAME: FROM -> TO" for each transition of a result (op, update); false when there were none.
bool print_transitions(std::ostream& out, const nlohmann::json& result, const std::string& fallback_name);

// "PROTOCOL from REMOTE, STATE since STARTED" (or "none").
std::string session_summary(const nlohmann::json& session);
// "h264 640x360 25 fps + aac 48000 Hz 2 ch, 2100 kb/s" from a session's media info ("" when none yet).
std::string media_summary(const nlohmann::json& media);

}  // namespace bvlive::cli
