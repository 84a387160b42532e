// Schema migrations, in order. Migration N takes the database from user_version
// N-1 to N. Never edit a released migration; append a new one.
#pragma once

#include <span>
#include <string_view>

namespace bvlive {

std::span<const std::string_view> store_migrations();

}  // namespace bvlive
