// Small pieces every HDF5 writer of the server needs: identifiers that
// close themselves, errors reported through absl::Status instead of stderr.
#ifndef SPIKESERVE_SERVER_HDF5_HANDLE_H_
#define SPIKESERVE_SERVER_HDF5_HANDLE_H_

#include <string>
#include <utility>

#include "hdf5.h"

namespace spikeserve::server {

// Owns an HDF5 identifier and closes it with the matching H5*close.
class Handle {
 public:
  Handle() = default;
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  Handle(Handle&& other) noexcept
      : id_(std::exchange(other.id_, H5I_INVALID_HID)), close_(other.close_) {}
  Handle& operator=(Handle&& other) noexcept {
    std::swap(id_, other.id_);
    std::swap(close_, other.close_);
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }

  hid_t get() const { return id_; }
  // Hands the identifier over, so that the caller can check the close.
  hid_t release() { return std::exchange(id_, H5I_INVALID_HID); }

 private:
  hid_t id_ = H5I_INVALID_HID;
  herr_t (*close_)(hid_t) = nullptr;
};

// HDF5 prints its error stack to stderr by default; the writer reports
// through absl::Status instead. The setting is per thread in thread-safe
// builds, and is restored for the caller's other HDF5 uses.
class QuietHdf5Errors {
 public:
  QuietHdf5Errors() {
    H5Eget_auto2(H5E_DEFAULT, &function_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  QuietHdf5Errors(const QuietHdf5Errors&) = delete;
  QuietHdf5Errors& operator=(const QuietHdf5Errors&) = delete;
  ~QuietHdf5Errors() { H5Eset_auto2(H5E_DEFAULT, function_, data_); }

 private:
  H5E_auto2_t function_ = nullptr;
  void* data_ = nullptr;
};

// The innermost entry of HDF5's error stack is the specific one, e.g.
// "unable to open file: name = '...', errno = 13, error message = 'Permission
// denied'"; the outer ones only say which API call gave up. Clears the stack.
std::string TakeHdf5Complaint();

// HDF5 1.10 frees a file whose close fails but keeps its id, and crashes when
// it meets the id again, at the latest when the library shuts down at exit.
// Before closing a file whose writes may have failed (or whose contents are
// discarded anyway), its descriptor is swapped for an in-memory file, where
// the writes of the close succeed. A disk that fills up during the close of a
// file that is kept stays fatal at exit: HDF5 1.10 offers no way back from a
// failed flush.
void RedirectFileToMemory(hid_t file);

}  // namespace spikeserve::server

#endif  // SPIKESERVE_SERVER_HDF5_HANDLE_H_
