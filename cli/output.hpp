// Plain-text output: tables aligned by column width, key/value blocks, and the
// rendering of JSON values for people ("-" for null). No color.
#pragma once

#include <nlohmann/json.hpp>

#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bvlive::cli {

// Columns separated by two spaces; the last column is not padded.
class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  void add_row(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }
  void print(std::ostream& out) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// "key:  value" lines with the values aligned; a value with several lines is
// continued under the first one.
class KeyValues {
 public:
  void add(std::string key, std::string value);
  void print(std::ostream& out) const;

 private:
  std::vector<std::pair<std::string, std::string>> rows_;
};

// A JSON value as text: null -> "-", strings as is, booleans yes/no, arrays joined with
// ", ", known long enum names in their short form when `short_enums`.
std::string text_of(const nlohmann::json& value, bool short_enums = false);
// text_of(obj[key]), "-" when obj is not an object or has no such key.
std::string field_text(const nlohmann::json& obj, std::string_view key, bool short_enums = false);
// A time: RFC 3339 text as is, a number of ms since the epoch formatted as RFC 3339.
std::string time_text(const nlohmann::json& value);
std::string time_field(const nlohmann::json& obj, std::string_view key);

// The name a live (or summary, or deleted record) goes by: custom_id if set, else id.
std::string display_name(const nlohmann::json& live);

// The result JSON as is, pretty, on stdout.
void print_json(const nlohmann::json& value);

// Printable width of UTF-8 text (code points; control characters replaced).
std::size_t display_width(std::string_view text);

}  // namespace bvlive::cli
