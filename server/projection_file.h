// PyNN's Projection.save on the server: a projection's connections written
// to a file in the server's data directory (SaveProjection).
//
// Both formats hold PyNN's "list" layout, one row per connection in the
// projection's canonical order: i (index in the pre cell set), j (index in
// the post cell set), then the requested attributes (PyNN's units).
// - "list": the text PyNN's StandardTextFile writes (numpy.savetxt, "%.18e",
//   a "# columns = [...]" header line), readable with numpy.loadtxt.
// - "hdf5": the layout of PyNN's HDF5ArrayFile (PyTables): a 2-D float64
//   dataset "/data" whose attribute "columns" names the columns; readable with
//   h5py or PyTables.
#ifndef SPIKESERVE_SERVER_PROJECTION_FILE_H_
#define SPIKESERVE_SERVER_PROJECTION_FILE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "engine/simulation.h"

namespace spikeserve::server {

// `names` are the attributes of `table.values` to write, in order; `label`
// goes into the HDF5 file's "label" attribute.
absl::Status WriteProjectionText(const engine::ConnectionTable& table,
                                 const std::vector<std::string>& names, const std::string& path);
absl::Status WriteProjectionHdf5(const engine::ConnectionTable& table,
                                 const std::vector<std::string>& names, const std::string& label,
                                 const std::string& path);

}  // namespace spikeserve::server

#endif  // SPIKESERVE_SERVER_PROJECTION_FILE_H_
