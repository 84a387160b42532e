// Content-Type from a file name's extension, for the files the origin serves.
#pragma once

#include <string_view>

namespace bvlive::http {

// Case-insensitive on the extension; "application/octet-stream" when unknown.
std::string_view content_type_for(std::string_view path);

}  // namespace bvlive::http
