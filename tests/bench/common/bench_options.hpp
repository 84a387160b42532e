// A bench's command line, read against a table of its options instead of an if-chain per
// bench: --help/-h prints the help and exits 0; an unknown argument, a missing value or a
// number out of range is a usage error ("NAME: why (see --help)", exit 2).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bench_run.hpp"

namespace bvbench {

class OptionTable {
 public:
  OptionTable(const char* bench, std::function<void()> print_help) : bench_(bench), help_(std::move(print_help)) {}

  // --NAME, no value: sets `dst` to `value`.
  OptionTable& flag(std::string name, bool& dst, bool value = true) {
    return add(std::move(name), false, [&dst, value](const char*) { dst = value; });
  }
  // --NAME TEXT (with `non_empty`, "" is refused).
  OptionTable& text(std::string name, std::string& dst, bool non_empty = false) {
    const std::string flag = name;
    return add(std::move(name), true, [this, &dst, non_empty, flag](const char* v) {
      if (non_empty && !*v) usage_error(bench_, flag + " needs a non-empty value");
      dst = v;
    });
  }
  // --NAME N, a whole number from 1 to `max`.
  OptionTable& number(std::string name, int& dst, long max) {
    const std::string flag = name;
    return add(std::move(name), true, [this, &dst, max, flag](const char* v) { dst = parse_positive(bench_, flag, v, max); });
  }
  OptionTable& number(std::string name, std::optional<int>& dst, long max) {
    const std::string flag = name;
    return add(std::move(name), true, [this, &dst, max, flag](const char* v) { dst = parse_positive(bench_, flag, v, max); });
  }
  // --NAME VALUE read by `set`, for values of their own shape (lists).
  OptionTable& value(std::string name, std::function<void(const char*)> set) {
    return add(std::move(name), true, std::move(set));
  }

  void parse(int argc, char** argv) const {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--help" || a == "-h") {
        help_();
        std::exit(0);
      }
      const Option* o = find(a);
      if (!o) usage_error(bench_, "unknown argument '" + a + "'");
      if (!o->takes_value) {
        o->set(nullptr);
        continue;
      }
      if (i + 1 >= argc) usage_error(bench_, a + " needs a value");
      o->set(argv[++i]);
    }
  }

 private:
  struct Option {
    std::string name;
    bool takes_value;
    std::function<void(const char*)> set;
  };

  OptionTable& add(std::string name, bool takes_value, std::function<void(const char*)> set) {
    options_.push_back({std::move(name), takes_value, std::move(set)});
    return *this;
  }
  const Option* find(const std::string& name) const {
    for (const auto& o : options_)
      if (o.name == name) return &o;
    return nullptr;
  }

  const char* bench_;
  std::function<void()> help_;
  std::vector<Option> options_;
};

}  // namespace bvbench
