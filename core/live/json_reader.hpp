// Strict, path-aware reading of a JSON object: every key must be read, every
// value must have the right type, and an error names the full path of the field
// ("live.security.privacy.token.device_limit: must be >= 0").
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "util/time.hpp"

namespace bvlive {

// "path[i]": the path of an array element.
std::string indexed_path(std::string path, std::size_t i);

class JsonReader {
 public:
  // `value` must outlive the reader. A non-object throws with `path`.
  JsonReader(const nlohmann::json& value, std::string path);

  const std::string& path() const { return path_; }
  std::string child_path(std::string_view key) const;

  bool has(std::string_view key) const;  // present and not null
  // Each getter marks the key as read. Absent or null -> nullopt.
  std::optional<std::string> string(std::string_view key);
  std::optional<bool> boolean(std::string_view key);
  std::optional<std::int64_t> integer(std::string_view key);
  std::optional<TimeMs> time(std::string_view key);          // RFC 3339 string
  std::optional<DurationMs> duration(std::string_view key);  // "15m" string or seconds number
  std::optional<JsonReader> object(std::string_view key);
  const nlohmann::json* raw(std::string_view key);  // any JSON; marks read
  std::optional<std::vector<std::string>> string_list(std::string_view key);

  template <typename E>
  std::optional<E> enumeration(std::string_view key);

  // Throws for the first key that no getter read.
  void finish() const;

  [[noreturn]] void fail(std::string_view key, std::string message) const;

 private:
  const nlohmann::json* get(std::string_view key);
  const nlohmann::json& obj_;
  std::string path_;
  std::set<std::string, std::less<>> read_;
};

}  // namespace bvlive

#include "live/enums.hpp"
#include "rpc/error.hpp"

namespace bvlive {

template <typename E>
std::optional<E> JsonReader::enumeration(std::string_view key) {
  auto s = string(key);
  if (!s) return std::nullopt;
  if (auto v = parse_enum<E>(*s)) return v;
  fail(key, "'" + *s + "' is not one of " + enum_choices<E>());
}

}  // namespace bvlive
