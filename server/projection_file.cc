#include "server/projection_file.h"

#include <cstdio>
#include <filesystem>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "hdf5.h"
#include "server/hdf5_handle.h"

namespace spikeserve::server {
namespace {

std::vector<std::string> Columns(const std::vector<std::string>& names) {
  std::vector<std::string> columns = {"i", "j"};
  columns.insert(columns.end(), names.begin(), names.end());
  return columns;
}

// Row-major [connection][column] values of the list layout.
std::vector<double> ListRows(const engine::ConnectionTable& table,
                             const std::vector<std::string>& names) {
  const size_t width = 2 + names.size();
  std::vector<double> rows(table.pre.size() * width);
  for (size_t c = 0; c < table.pre.size(); ++c) {
    rows[c * width] = table.pre[c];
    rows[c * width + 1] = table.post[c];
    for (size_t k = 0; k < names.size(); ++k) rows[c * width + 2 + k] = table.values.at(names[k])[c];
  }
  return rows;
}

absl::Status CannotWrite(const std::string& path, const std::string& why) {
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
  return absl::FailedPreconditionError(absl::StrCat("cannot write '", path, "': ", why));
}

}  // namespace

absl::Status WriteProjectionText(const engine::ConnectionTable& table,
                                 const std::vector<std::string>& names, const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "w"), &std::fclose);
  if (file == nullptr) return CannotWrite(path, "cannot open the file");
  // Python's repr of a list of str, as PyNN's header shows it.
  std::string header = "# columns = [";
  const std::vector<std::string> columns = Columns(names);
  for (size_t k = 0; k < columns.size(); ++k) {
    absl::StrAppend(&header, k ? ", " : "", "'", columns[k], "'");
  }
  header += "]\n";
  bool ok = std::fputs(header.c_str(), file.get()) >= 0;
  const std::vector<double> rows = ListRows(table, names);
  std::string line;
  for (size_t c = 0; ok && c < table.pre.size(); ++c) {
    line.clear();
    for (size_t k = 0; k < columns.size(); ++k) {
      absl::StrAppendFormat(&line, "%s%.18e", k ? " " : "", rows[c * columns.size() + k]);
    }
    line += '\n';
    ok = std::fputs(line.c_str(), file.get()) >= 0;
  }
  if (!ok || std::fclose(file.release()) != 0) return CannotWrite(path, "a write failed");
  return absl::OkStatus();
}

absl::Status WriteProjectionHdf5(const engine::ConnectionTable& table,
                                 const std::vector<std::string>& names, const std::string& label,
                                 const std::string& path) {
  QuietHdf5Errors quiet;
  const std::vector<std::string> columns = Columns(names);
  const std::vector<double> rows = ListRows(table, names);
  hid_t file_id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (file_id < 0) return CannotWrite(path, TakeHdf5Complaint());
  bool ok = true;
  {
    Handle file(file_id, H5Fclose);
    const hsize_t dims[2] = {table.pre.size(), columns.size()};
    Handle space(H5Screate_simple(2, dims, nullptr), H5Sclose);
    Handle data(H5Dcreate2(file.get(), "data", H5T_IEEE_F64LE, space.get(), H5P_DEFAULT,
                           H5P_DEFAULT, H5P_DEFAULT),
                H5Dclose);
    ok = space.get() >= 0 && data.get() >= 0 &&
         (rows.empty() || H5Dwrite(data.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                   rows.data()) >= 0);
    Handle string_type(H5Tcopy(H5T_C_S1), H5Tclose);
    ok = ok && H5Tset_size(string_type.get(), H5T_VARIABLE) >= 0 &&
         H5Tset_cset(string_type.get(), H5T_CSET_UTF8) >= 0;
    std::vector<const char*> column_names;
    for (const std::string& column : columns) column_names.push_back(column.c_str());
    const hsize_t column_count = column_names.size();
    Handle column_space(H5Screate_simple(1, &column_count, nullptr), H5Sclose);
    Handle column_attribute(H5Acreate2(data.get(), "columns", string_type.get(),
                                       column_space.get(), H5P_DEFAULT, H5P_DEFAULT),
                            H5Aclose);
    ok = ok && column_attribute.get() >= 0 &&
         H5Awrite(column_attribute.get(), string_type.get(), column_names.data()) >= 0;
    Handle scalar(H5Screate(H5S_SCALAR), H5Sclose);
    Handle label_attribute(H5Acreate2(data.get(), "label", string_type.get(), scalar.get(),
                                      H5P_DEFAULT, H5P_DEFAULT),
                           H5Aclose);
    const char* label_text = label.c_str();
    ok = ok && label_attribute.get() >= 0 &&
         H5Awrite(label_attribute.get(), string_type.get(), &label_text) >= 0;
    // The file closes with the handles; a failed close shows in the flush.
    ok = ok && H5Fflush(file.get(), H5F_SCOPE_GLOBAL) >= 0;
  }
  if (!ok) return CannotWrite(path, TakeHdf5Complaint());
  return absl::OkStatus();
}

}  // namespace spikeserve::server
