// The HTTP API's OpenAPI 3.1 document (share/openapi/bvlive-api.json), compiled in so the
// daemon serves the description of exactly the routes it has (openapi_document.cpp.in).
#pragma once

#include <string_view>

namespace bvlive {

extern const std::string_view kOpenApiDocument;

}  // namespace bvlive
