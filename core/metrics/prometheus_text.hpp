// Prometheus text exposition format 0.0.4: what /metrics answers. A family is written
// once (HELP, TYPE) followed by its samples; label values are escaped as the format asks.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bvlive::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class PrometheusText {
 public:
  // type: "gauge" or "counter".
  PrometheusText& family(std::string_view name, std::string_view type, std::string_view help);
  PrometheusText& sample(double value, const Labels& labels = {});
  const std::string& str() const { return out_; }

 private:
  std::string out_;
  std::string current_;
};

std::string escape_label_value(std::string_view v);

}  // namespace bvlive::metrics
