// A [[live]] table read as a create body: the same validation as `bvlive create`,
// with errors placed at the table's FILE:LINE:COLUMN.
#pragma once

#include <vector>

#include "config/settings.hpp"
#include "live/live_spec.hpp"

namespace bvlive {

// One LiveSpec per declaration, in order; the first bad one throws ConfigError.
std::vector<LiveSpec> live_decl_specs(const std::vector<LiveDecl>& decls);

}  // namespace bvlive
