// PyNN's Projection.save on the server: a projection's connections written
// to a file in the server's data directory (SaveProjection).
//
// PyNN's two layouts:
// - list: one row per connection in the projection's canonical order: i
//   (index in the pre cell set), j (index in the post cell set), then the
//   requested attributes (PyNN's units);
// - array: one attribute as an n_pre x n_post matrix, 0 where there is no
//   connection and the sum over the connections of a pair where there are
//   several (PyNN's Projection.save(format="array")).
// Written as
// - text: what PyNN's StandardTextFile writes (numpy.savetxt, "%.18e", a
//   "# columns = [...]" header line), readable with numpy.loadtxt;
// - HDF5: the layout of PyNN's HDF5ArrayFile (PyTables): a 2-D float64
//   dataset "/data" whose attribute "columns" names the columns; readable
//   with h5py or PyTables.
#ifndef SPIKESERVE_SERVER_PROJECTION_FILE_H_
#define SPIKESERVE_SERVER_PROJECTION_FILE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/simulation.h"

namespace spikeserve::server {

// A layout's numbers, row-major, and the names of its columns (the header).
struct ProjectionRows {
  std::vector<std::string> columns;
  uint64_t width = 0;  // numbers per row
  std::vector<double> values;
};

// `names` are the attributes of `table.values` to write, in order.
ProjectionRows ListLayout(const engine::ConnectionTable& table,
                          const std::vector<std::string>& names);
// `name` is one attribute of `table.values`; a matrix of more than
// kMaxArrayEntries numbers is refused (RESOURCE_EXHAUSTED on "format").
inline constexpr uint64_t kMaxArrayEntries = uint64_t{1} << 27;  // 1 GiB of float64
absl::StatusOr<ProjectionRows> ArrayLayout(const engine::ConnectionTable& table,
                                           const std::string& name, uint32_t n_pre,
                                           uint32_t n_post);

absl::Status WriteProjectionText(const ProjectionRows& rows, const std::string& path);
// `label` goes into the file's "label" attribute.
absl::Status WriteProjectionHdf5(const ProjectionRows& rows, const std::string& label,
                                 const std::string& path);

}  // namespace spikeserve::server

#endif  // SPIKESERVE_SERVER_PROJECTION_FILE_H_
