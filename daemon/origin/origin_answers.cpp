#include "origin/origin_answers.hpp"

namespace bvlive {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t i = 0;
  while (i < path.size()) {
    const std::size_t j = path.find('/', i);
    const std::string part = path.substr(i, j == std::string::npos ? std::string::npos : j - i);
    if (!part.empty()) parts.push_back(part);
    if (j == std::string::npos) break;
    i = j + 1;
  }
  return parts;
}

http::Response error(int status, std::string reason) {
  http::Response r = http::Response::text(status, std::move(reason));
  r.set("Cache-Control", "no-store");
  return r;
}

}  // namespace bvlive
