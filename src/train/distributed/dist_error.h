// A collective that failed because another rank died, hung past --dist-timeout, or could not
// be reached. Not a UserError: nothing the user typed is wrong, the job just cannot go on.
#pragma once

#include <stdexcept>
#include <string>

namespace ttq::train::dist {

class DistributedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace ttq::train::dist
