// stage-pxe's two error kinds: a failure (exit 1) and a usage error (exit 2). The message says
// which file and what went wrong; main() adds the "stage-pxe: " prefix.
#pragma once

#include <stdexcept>

namespace aoe::pxe {

class Failure : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class UsageError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

} // namespace aoe::pxe
