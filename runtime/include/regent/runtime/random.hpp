#pragma once
/// One injectable source of randomness (as FoundationDB): seeded, so a failing run replays.

#include <cstdint>
#include <mutex>
#include <random>
#include <string>

namespace regent {

/// Thread-safe seeded generator. The process-wide instance is seeded from the OS unless
/// REGENT_SEED is set in the environment; the seed is available for logging.
class random_source {
 public:
  explicit random_source(std::uint64_t seed) : seed_(seed), gen_(seed) {}
  std::uint64_t seed() const { return seed_; }
  std::uint64_t next();
  /// A random (version 4) UUID in canonical lower-case form.
  std::string uuid();
  /// 32 random lower-case hex characters (a job id's text).
  std::string hex32();
  static random_source& instance();

 private:
  std::uint64_t seed_;
  std::mutex mu_;
  std::mt19937_64 gen_;
};

}  // namespace regent
