#pragma once
/// Leader retrieval of the `kubernetes` backend: a watch on `<cluster-id>-leader-info` (by
/// `fieldSelector=metadata.name=…`, with bookmarks), reporting the component's leader info on
/// every change. The watch resumes from the last resourceVersion seen (an event's or a
/// bookmark's) when the stream ends or is cut; a `410 Gone` (the version was compacted away)
/// makes it list again and watch from the list's version. While the API server cannot be
/// reached it reports "no leader" and retries every `retry`.
///
/// Owned by whoever made it (a jobmanager, a taskmanager, a client); watches on its own thread,
/// which calls the listener, in order. Thread-safe.

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "ha_maps.hpp"
#include "regent/ha/leader_retrieval.hpp"

namespace regent::ha::kubernetes {

class watch_retrieval final : public leader_retrieval {
 public:
  /// `observed` is told the epoch of every leader info seen (the election's watermark).
  watch_retrieval(api_client& api, ha_maps& maps, std::string component, std::chrono::milliseconds retry,
                  std::function<void(epoch_t)> observed);
  ~watch_retrieval() override;

  result<void> start(leader_retrieval_listener& listener) override;
  void stop() override;
  std::optional<leader_info> current() const override;

 private:
  void run(leader_retrieval_listener* listener);
  /// Lists the map; reports; returns the version to watch from ("" on failure).
  std::string list(leader_retrieval_listener& listener);
  /// Watches from `rv` until the stream ends; updates `rv`; true when a re-list is needed.
  bool watch(leader_retrieval_listener& listener, std::string& rv);
  void report(leader_retrieval_listener& listener, const json* object);
  bool stopping() const;

  api_client& api_;
  ha_maps& maps_;
  std::string component_;
  std::string key_;
  std::chrono::milliseconds retry_;
  std::function<void(epoch_t)> observed_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool reported_ = false;
  std::optional<leader_info> current_;
  std::string last_error_;  // only the watching thread
  std::thread thread_;
};

}  // namespace regent::ha::kubernetes
