#include "live/json_reader.hpp"

#include "rpc/error.hpp"

namespace bvlive {
namespace {

std::string type_name(const nlohmann::json& v) {
  if (v.is_string()) return "a string";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number()) return "a number";
  if (v.is_array()) return "an array";
  if (v.is_object()) return "an object";
  return "null";
}

}  // namespace

std::string indexed_path(std::string path, std::size_t i) {
  path += '[';
  path += std::to_string(i);
  path += ']';
  return path;
}

JsonReader::JsonReader(const nlohmann::json& value, std::string path) : obj_(value), path_(std::move(path)) {
  if (!obj_.is_object()) throw_invalid(path_, "must be an object, not " + type_name(obj_));
}

std::string JsonReader::child_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

void JsonReader::fail(std::string_view key, std::string message) const {
  throw_invalid(child_path(key), std::move(message));
}

bool JsonReader::has(std::string_view key) const {
  auto it = obj_.find(key);
  return it != obj_.end() && !it->is_null();
}

const nlohmann::json* JsonReader::get(std::string_view key) {
  read_.emplace(key);
  auto it = obj_.find(key);
  if (it == obj_.end() || it->is_null()) return nullptr;
  return &*it;
}

const nlohmann::json* JsonReader::raw(std::string_view key) { return get(key); }

std::optional<std::string> JsonReader::string(std::string_view key) {
  const auto* v = get(key);
  if (!v) return std::nullopt;
  if (!v->is_string()) fail(key, "must be a string, not " + type_name(*v));
  return v->get<std::string>();
}

std::optional<bool> JsonReader::boolean(std::string_view key) {
  const auto* v = get(key);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) fail(key, "must be true or false, not " + type_name(*v));
  return v->get<bool>();
}

std::optional<std::int64_t> JsonReader::integer(std::string_view key) {
  const auto* v = get(key);
  if (!v) return std::nullopt;
  if (!v->is_number_integer()) fail(key, "must be a whole number, not " + type_name(*v));
  return v->get<std::int64_t>();
}

std::optional<TimeMs> JsonReader::time(std::string_view key) {
  auto s = string(key);
  if (!s) return std::nullopt;
  if (auto t = parse_rfc3339(*s)) return t;
  fail(key, "'" + *s + "' is not an RFC 3339 time; write e.g. 2026-05-01T10:00:00Z");
}

std::optional<DurationMs> JsonReader::duration(std::string_view key) {
  const auto* v = get(key);
  if (!v) return std::nullopt;
  if (v->is_number_integer() && v->get<std::int64_t>() >= 0) return v->get<std::int64_t>() * 1000;
  if (v->is_string()) {
    if (auto d = parse_duration(v->get<std::string>())) return d;
    fail(key, "'" + v->get<std::string>() + "' is not a duration; write e.g. \"90s\", \"15m\", \"1h30m\"");
  }
  fail(key, "must be a duration such as \"15m\", not " + type_name(*v));
}

std::optional<JsonReader> JsonReader::object(std::string_view key) {
  const auto* v = get(key);
  if (!v) return std::nullopt;
  return JsonReader(*v, child_path(key));
}

std::optional<std::vector<std::string>> JsonReader::string_list(std::string_view key) {
  const auto* v = get(key);
  if (!v) return std::nullopt;
  if (!v->is_array()) fail(key, "must be an array of strings, not " + type_name(*v));
  std::vector<std::string> out;
  for (std::size_t i = 0; i < v->size(); ++i) {
    const auto& e = (*v)[i];
    if (!e.is_string())
      throw_invalid(indexed_path(child_path(key), i), "must be a string, not " + type_name(e));
    out.push_back(e.get<std::string>());
  }
  return out;
}

void JsonReader::finish() const {
  for (auto it = obj_.begin(); it != obj_.end(); ++it) {
    if (read_.count(it.key())) continue;
    std::string known;
    for (const auto& k : read_) known += (known.empty() ? "" : ", ") + k;
    throw_invalid(child_path(it.key()), "unknown field; fields allowed here: " + known);
  }
}

}  // namespace bvlive
