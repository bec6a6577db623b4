// One error type for everything in iso/: an exception carrying a kind, so callers can
// react to the kind (exit code, hint) and print what() as-is (it names the file).
#pragma once

#include <stdexcept>
#include <string>

namespace aoe::iso {

enum class ErrorKind {
    Missing,      // path does not exist
    NotAFile,     // directory, device, fifo...
    Empty,        // zero bytes
    TooSmall,     // shorter than the 16 system-area blocks + the PVD (17 * 2048 bytes)
    NotIso,       // no "CD001" Primary Volume Descriptor at block 16
    Truncated,    // file shorter than the volume size recorded in the PVD
    NotFound,     // a path inside the ISO does not exist
    WrongType,    // a path inside the ISO is not what was asked for (dir vs file)
    BadSymlink,   // dangling or too deep Rock Ridge symlink
    ReadFailed,   // libisofs could not read data (damaged image, I/O error)
    SizeMismatch, // a streamed file did not have the size the directory record says
    Library,      // any other libisofs failure
    Thread,       // libisofs used from a second thread
};

class Error : public std::runtime_error {
  public:
    Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
    ErrorKind kind() const noexcept { return kind_; }

  private:
    ErrorKind kind_;
};

// Text for a negative libisofs return code, e.g. "Read error (0xE830FF79)".
std::string libisofs_message(int rc);

} // namespace aoe::iso
