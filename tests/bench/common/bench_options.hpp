// A bench's command line, read against a table of its options instead of an if-chain per
// bench: --help/-h prints the help and exits 0; an unknown argument, a missing value or a
// number out of range is a usage error ("NAME: why (see --help)", exit 2). The options of every
// bench that runs bvlived (--dir, --bvlived, --bvlive, --keep) are declared once, here.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bench_files.hpp"
#include "bench_run.hpp"

namespace bvbench {

// What a bench that runs bvlived is told where to work and with which binaries (CMake builds
// every bench with BVLIVED_BIN and BVLIVE_BIN, the binaries of its own tree). A bench's
// Options derive from it.
struct RunOptions {
  std::string base_dir = default_base_dir();  // --dir: where mkdtemp makes the work directory
  std::string bvlived = BVLIVED_BIN;
  std::string bvlive = BVLIVE_BIN;
  bool keep = false;  // --keep: the work directory stays afterwards
};

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
  // --NAME, no value, applied before every other option wherever it stands (--quick's sizes),
  // so that an option given beside it wins whatever the order.
  OptionTable& preset(std::string name, std::function<void()> apply) {
    presets_.push_back(name);
    return add(std::move(name), false, [apply = std::move(apply)](const char*) { apply(); });
  }
  // --dir DIR, --bvlived PATH, --bvlive PATH, --keep.
  OptionTable& run_options(RunOptions& r) {
    return text("--dir", r.base_dir, true)
        .text("--bvlived", r.bvlived, true)
        .text("--bvlive", r.bvlive, true)
        .flag("--keep", r.keep);
  }

  void parse(int argc, char** argv) const {
    for (int i = 1; i < argc; ++i) {  // the presets first (an option's value is not one)
      const Option* o = find(argv[i]);
      if (o && o->takes_value) ++i;
      else if (o && is_preset(o->name)) o->set(nullptr);
    }
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--help" || a == "-h") {
        help_();
        std::exit(0);
      }
      const Option* o = find(a);
      if (!o) usage_error(bench_, "unknown argument '" + a + "'");
      if (!o->takes_value) {
        if (!is_preset(a)) o->set(nullptr);
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
  bool is_preset(const std::string& name) const {
    for (const auto& p : presets_)
      if (p == name) return true;
    return false;
  }

  const char* bench_;
  std::function<void()> help_;
  std::vector<Option> options_;
  std::vector<std::string> presets_;
};

}  // namespace bvbench
