#pragma once
/// The two store families the typed store tests run over: the in-memory stores of the `none`
/// backend and the file-backed stores of the `filesystem` backend, both behind a test_fence.
/// A family builds fresh store objects on demand; for `filesystem` they share one folder, so a
/// new object sees what an earlier one wrote.

#include <cstdio>
#include <filesystem>
#include <memory>

#include "regent/ha/filesystem/filesystem_stores.hpp"
#include "regent/ha/none/memory_stores.hpp"

namespace regent::test {

/// The `none` backend's in-memory stores (the folder is unused).
struct memory_family {
  static constexpr const char* name = "memory";
  explicit memory_family(const std::filesystem::path&) {}

  std::unique_ptr<ha::job_graph_store> job_graphs(ha::write_fence& f) const {
    return ha::none::make_job_graph_store(f);
  }
  std::unique_ptr<ha::completed_checkpoint_store> checkpoints(int retained, ha::write_fence& f) const {
    return ha::none::make_checkpoint_store(retained, f);
  }
  std::unique_ptr<ha::checkpoint_id_counter> counter(ha::write_fence& f) const {
    return ha::none::make_checkpoint_id_counter(f);
  }
  std::unique_ptr<ha::blob_store> blobs(ha::write_fence& f) const { return ha::none::make_blob_store(f); }
  std::unique_ptr<ha::job_result_store> job_results(bool delete_on_commit, ha::write_fence& f) const {
    return ha::none::make_job_result_store(delete_on_commit, f);
  }
};

/// The `filesystem` backend's stores over posix_file_io under one test folder.
struct filesystem_family {
  static constexpr const char* name = "filesystem";
  explicit filesystem_family(const std::filesystem::path& root)
      : cluster_dir(root / "ha" / "cluster"), job_result_dir(root / "ha" / "job-result-store" / "cluster") {}

  std::unique_ptr<ha::job_graph_store> job_graphs(ha::write_fence& f) const {
    return ha::filesystem::make_job_graph_store(cluster_dir, f, io());
  }
  std::unique_ptr<ha::completed_checkpoint_store> checkpoints(int retained, ha::write_fence& f) const {
    return ha::filesystem::make_checkpoint_store(cluster_dir, retained, f, io());
  }
  std::unique_ptr<ha::checkpoint_id_counter> counter(ha::write_fence& f) const {
    return ha::filesystem::make_checkpoint_id_counter(cluster_dir, f, io());
  }
  std::unique_ptr<ha::blob_store> blobs(ha::write_fence& f) const {
    return ha::filesystem::make_blob_store(cluster_dir, f, io());
  }
  std::unique_ptr<ha::job_result_store> job_results(bool delete_on_commit, ha::write_fence& f) const {
    return ha::filesystem::make_job_result_store(job_result_dir, delete_on_commit, f, io());
  }

  static ha::storage::file_io& io() { return ha::storage::posix_file_io(); }

  std::filesystem::path cluster_dir;
  std::filesystem::path job_result_dir;
};

/// Job id number `n` (its hex form, zero-padded to 32 characters).
inline job_id job(int n) {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%032x", n);
  return *job_id::parse(buf);
}

}  // namespace regent::test
