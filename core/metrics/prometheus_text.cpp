#include "metrics/prometheus_text.hpp"

#include <cmath>
#include <cstdio>

namespace bvlive::metrics {

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

PrometheusText& PrometheusText::family(std::string_view name, std::string_view type, std::string_view help) {
  current_ = std::string(name);
  // HELP escapes only backslash and newline (text format 0.0.4).
  std::string text;
  for (char c : help) text += c == '\\' ? std::string("\\\\") : c == '\n' ? std::string("\\n") : std::string(1, c);
  out_ += "# HELP " + current_ + " " + text + "\n";
  out_ += "# TYPE " + current_ + " " + std::string(type) + "\n";
  return *this;
}

PrometheusText& PrometheusText::sample(double value, const Labels& labels) {
  out_ += current_;
  if (!labels.empty()) {
    out_ += '{';
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (i) out_ += ',';
      out_ += labels[i].first + "=\"" + escape_label_value(labels[i].second) + "\"";
    }
    out_ += '}';
  }
  char buf[64];
  if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 1e15)
    std::snprintf(buf, sizeof buf, " %.0f\n", value);
  else
    std::snprintf(buf, sizeof buf, " %.6g\n", value);
  out_ += buf;
  return *this;
}

}  // namespace bvlive::metrics
