// A failure that ends the command: printed as "bvlive: MESSAGE" on stderr, then
// the process exits with `exit_code` (see exit_codes.hpp).
#pragma once

#include <stdexcept>
#include <string>

namespace bvlive::cli {

class CliError : public std::runtime_error {
 public:
  CliError(int exit_code, std::string message)
      : std::runtime_error(std::move(message)), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

}  // namespace bvlive::cli
