#include "server/hdf5_handle.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>

namespace spikeserve::server {

std::string TakeHdf5Complaint() {
  std::string complaint;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned depth, const H5E_error2_t* error, void* out) -> herr_t {
        if (depth == 0 && error->desc != nullptr) *static_cast<std::string*>(out) = error->desc;
        return 0;
      },
      &complaint);
  H5Eclear2(H5E_DEFAULT);
  // Some messages embed ctime()'s newline.
  complaint.erase(std::remove(complaint.begin(), complaint.end(), '\n'), complaint.end());
  return complaint.empty() ? "HDF5 gave no reason" : complaint;
}

void RedirectFileToMemory(hid_t file) {
  void* descriptor = nullptr;
  if (H5Fget_vfd_handle(file, H5P_DEFAULT, &descriptor) < 0) return;
  const int scratch = memfd_create("spikeserve-hdf5-discarded", MFD_CLOEXEC);
  if (scratch < 0) return;
  dup3(scratch, *static_cast<int*>(descriptor), O_CLOEXEC);
  close(scratch);
}

}  // namespace spikeserve::server
