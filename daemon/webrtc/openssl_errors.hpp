// OpenSSL's error queue as one line for messages, emptied so later calls start clean.
#pragma once

#include <openssl/err.h>

#include <string>

namespace bvlive::webrtc {

inline std::string openssl_errors() {
  std::string text;
  while (unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    if (!text.empty()) text += "; ";
    text += buffer;
  }
  return text.empty() ? "no detail from OpenSSL" : text;
}

}  // namespace bvlive::webrtc
