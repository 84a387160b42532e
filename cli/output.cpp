#include "output.hpp"

#include "enums.hpp"
#include "util/time.hpp"

#include <algorithm>
#include <iostream>

namespace bvlive::cli {
namespace {

// One table cell per line: tabs, newlines and other control characters become spaces.
std::string one_line(std::string text) {
  for (auto& c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return text;
}

void pad(std::ostream& out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out << ' ';
}

}  // namespace

std::size_t display_width(std::string_view text) {
  std::size_t n = 0;
  for (unsigned char c : text)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::add_row(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  for (auto& c : cells) c = c.empty() ? std::string("-") : one_line(std::move(c));
  rows_.push_back(std::move(cells));
}

void Table::print(std::ostream& out) const {
  std::vector<std::size_t> widths(headers_.size());
  for (std::size_t i = 0; i < headers_.size(); ++i) widths[i] = display_width(headers_[i]);
  for (const auto& row : rows_)
    for (std::size_t i = 0; i < row.size(); ++i)
      widths[i] = std::max(widths[i], display_width(row[i]));

  auto print_row = [&](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      out << row[i];
      if (i + 1 < row.size()) pad(out, widths[i] - display_width(row[i]) + 2);
    }
    out << '\n';
  };
  print_row(headers_);
  for (const auto& row : rows_) print_row(row);
}

void KeyValues::add(std::string key, std::string value) {
  rows_.emplace_back(std::move(key), std::move(value));
}

void KeyValues::print(std::ostream& out) const {
  std::size_t width = 0;
  for (const auto& [k, v] : rows_) width = std::max(width, display_width(k) + 1);
  for (const auto& [k, v] : rows_) {
    out << k << ':';
    pad(out, width - display_width(k) - 1 + 2);
    for (char c : v) {
      if (c == '\n') {
        out << '\n';
        pad(out, width + 2);
      } else {
        out << (static_cast<unsigned char>(c) < 0x20 && c != '\t' ? ' ' : c);
      }
    }
    out << '\n';
  }
}

std::string text_of(const nlohmann::json& value, bool short_enums) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
    case nlohmann::json::value_t::discarded: return "-";
    case nlohmann::json::value_t::string: {
      const auto& s = value.get_ref<const std::string&>();
      return short_enums ? to_short_name(s) : s;
    }
    case nlohmann::json::value_t::boolean: return value.get<bool>() ? "yes" : "no";
    case nlohmann::json::value_t::array: {
      if (value.empty()) return "-";
      std::string out;
      for (const auto& item : value) {
        if (!out.empty()) out += ", ";
        out += text_of(item, short_enums);
      }
      return out;
    }
    default: return value.dump();
  }
}

std::string field_text(const nlohmann::json& obj, std::string_view key, bool short_enums) {
  if (!obj.is_object()) return "-";
  auto it = obj.find(key);
  return it == obj.end() ? "-" : text_of(*it, short_enums);
}

std::string time_text(const nlohmann::json& value) {
  if (value.is_number_integer()) return format_rfc3339(value.get<TimeMs>());
  return text_of(value);
}

std::string time_field(const nlohmann::json& obj, std::string_view key) {
  if (!obj.is_object()) return "-";
  auto it = obj.find(key);
  return it == obj.end() ? "-" : time_text(*it);
}

std::string display_name(const nlohmann::json& live) {
  if (live.is_object()) {
    if (auto c = live.find("custom_id"); c != live.end() && c->is_string() && !c->empty())
      return c->get<std::string>();
    if (auto i = live.find("id"); i != live.end() && !i->is_null()) return text_of(*i);
  }
  return "-";
}

void print_json(const nlohmann::json& value) {
  std::cout << value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

}  // namespace bvlive::cli
