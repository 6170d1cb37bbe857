// Errors a user can cause (bad flag, missing file, corrupt model, wrong shape).
// Each carries a hint that says how to fix it; the CLI prints one line and exits 2.
// Programmer bugs are assertions, not these.
#pragma once

#include <stdexcept>
#include <string>

namespace ttq {

class UserError : public std::runtime_error {
 public:
  explicit UserError(const std::string& what, std::string hint = {})
      : std::runtime_error(what), hint_(std::move(hint)) {}
  const std::string& hint() const noexcept { return hint_; }
  // "what (hint)" on one line, as the CLI prints it.
  std::string one_line() const {
    return hint_.empty() ? std::string(what()) : std::string(what()) + " (" + hint_ + ")";
  }

 private:
  std::string hint_;
};

// A path that cannot be opened, read or written.
class FileError : public UserError { using UserError::UserError; };
// A file whose contents are not what its format says (truncated, corrupt, wrong magic).
class FormatError : public UserError { using UserError::UserError; };
// A flag or option value that makes no sense.
class ArgumentError : public UserError { using UserError::UserError; };
// Tensors, checkpoints or inputs whose shapes do not fit together.
class ShapeError : public UserError { using UserError::UserError; };

}  // namespace ttq
