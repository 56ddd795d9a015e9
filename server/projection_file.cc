#include "server/projection_file.h"

#include <cstdio>
#include <filesystem>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/errors.h"
#include "hdf5.h"
#include "server/hdf5_handle.h"

namespace spikeserve::server {
namespace {

absl::Status CannotWrite(const std::string& path, const std::string& why) {
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
  return absl::FailedPreconditionError(absl::StrCat("cannot write '", path, "': ", why));
}

}  // namespace

ProjectionRows ListLayout(const engine::ConnectionTable& table,
                          const std::vector<std::string>& names) {
  ProjectionRows rows;
  rows.columns = {"i", "j"};
  rows.columns.insert(rows.columns.end(), names.begin(), names.end());
  rows.width = rows.columns.size();
  rows.values.resize(table.pre.size() * rows.width);
  for (size_t c = 0; c < table.pre.size(); ++c) {
    double* row = rows.values.data() + c * rows.width;
    row[0] = table.pre[c];
    row[1] = table.post[c];
    for (size_t k = 0; k < names.size(); ++k) row[2 + k] = table.values.at(names[k])[c];
  }
  return rows;
}

absl::StatusOr<ProjectionRows> ArrayLayout(const engine::ConnectionTable& table,
                                           const std::string& name, uint32_t n_pre,
                                           uint32_t n_post) {
  const uint64_t entries = uint64_t{n_pre} * n_post;
  if (entries > kMaxArrayEntries)
    return engine::ResourceExhausted(
        "format", engine::reason::kLimitExceeded,
        absl::StrCat("the array layout of this projection would hold ", n_pre, " x ", n_post,
                     " numbers, more than the ", kMaxArrayEntries,
                     " the server writes; use \"list\" or \"hdf5\""));
  ProjectionRows rows;
  rows.columns = {name};
  rows.width = n_post;
  rows.values.assign(entries, 0.0);
  const std::vector<double>& values = table.values.at(name);
  for (size_t c = 0; c < table.pre.size(); ++c)
    rows.values[uint64_t{table.pre[c]} * n_post + table.post[c]] += values[c];
  return rows;
}

absl::Status WriteProjectionText(const ProjectionRows& rows, const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "w"), &std::fclose);
  if (file == nullptr) return CannotWrite(path, "cannot open the file");
  // Python's repr of a list of str, as PyNN's header shows it.
  std::string header = "# columns = [";
  for (size_t k = 0; k < rows.columns.size(); ++k) {
    absl::StrAppend(&header, k ? ", " : "", "'", rows.columns[k], "'");
  }
  header += "]\n";
  bool ok = std::fputs(header.c_str(), file.get()) >= 0;
  std::string line;
  for (uint64_t start = 0; ok && start < rows.values.size(); start += rows.width) {
    line.clear();
    for (uint64_t k = 0; k < rows.width; ++k) {
      absl::StrAppendFormat(&line, "%s%.18e", k ? " " : "", rows.values[start + k]);
    }
    line += '\n';
    ok = std::fputs(line.c_str(), file.get()) >= 0;
  }
  if (!ok || std::fclose(file.release()) != 0) return CannotWrite(path, "a write failed");
  return absl::OkStatus();
}

absl::Status WriteProjectionHdf5(const ProjectionRows& rows, const std::string& label,
                                 const std::string& path) {
  QuietHdf5Errors quiet;
  const std::vector<std::string>& columns = rows.columns;
  hid_t file_id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (file_id < 0) return CannotWrite(path, TakeHdf5Complaint());
  bool ok = true;
  {
    Handle file(file_id, H5Fclose);
    const hsize_t dims[2] = {rows.width == 0 ? 0 : rows.values.size() / rows.width, rows.width};
    Handle space(H5Screate_simple(2, dims, nullptr), H5Sclose);
    Handle data(H5Dcreate2(file.get(), "data", H5T_IEEE_F64LE, space.get(), H5P_DEFAULT,
                           H5P_DEFAULT, H5P_DEFAULT),
                H5Dclose);
    ok = space.get() >= 0 && data.get() >= 0 &&
         (rows.values.empty() || H5Dwrite(data.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
                                          H5P_DEFAULT, rows.values.data()) >= 0);
    Handle string_type(H5Tcopy(H5T_C_S1), H5Tclose);
    ok = ok && H5Tset_size(string_type.get(), H5T_VARIABLE) >= 0 &&
         H5Tset_cset(string_type.get(), H5T_CSET_UTF8) >= 0;
    std::vector<const char*> column_names;
    for (const std::string& column : columns) column_names.push_back(column.c_str());
    const hsize_t column_count = column_names.size();
    Handle column_space(H5Screate_simple(1, &column_count, nullptr), H5Sclose);
    Handle column_attribute(H5Acreate2(data.get(), "columns", string_type.get(), column_space.get(),
                                       H5P_DEFAULT, H5P_DEFAULT),
                            H5Aclose);
    ok = ok && column_attribute.get() >= 0 &&
         H5Awrite(column_attribute.get(), string_type.get(), column_names.data()) >= 0;
    Handle scalar(H5Screate(H5S_SCALAR), H5Sclose);
    Handle label_attribute(
        H5Acreate2(data.get(), "label", string_type.get(), scalar.get(), H5P_DEFAULT, H5P_DEFAULT),
        H5Aclose);
    const char* label_text = label.c_str();
    ok = ok && label_attribute.get() >= 0 &&
         H5Awrite(label_attribute.get(), string_type.get(), &label_text) >= 0;
    // The file closes with the handles; a failed close shows in the flush.
    ok = ok && H5Fflush(file.get(), H5F_SCOPE_GLOBAL) >= 0;
    if (!ok) RedirectFileToMemory(file.get());
  }
  if (!ok) return CannotWrite(path, TakeHdf5Complaint());
  return absl::OkStatus();
}

}  // namespace spikeserve::server
