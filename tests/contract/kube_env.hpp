#pragma once
/// The Kubernetes API-server test double of this test process (harness::kube_double), started
/// on first use (so runs of the other backends never start it) in a folder of its own, and
/// reaped with the process. Tests share it and isolate themselves by cluster id.

#include <string>

#include "regent/harness/kube_double.hpp"

namespace regent::contract {

harness::kube_double& shared_kube_double();

/// A cluster id no other fixture of this process uses, valid as a Kubernetes name.
std::string fresh_kube_cluster_id();

}  // namespace regent::contract
