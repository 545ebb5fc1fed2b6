#include "regent/ha/none/none_ha_services.hpp"

#include <map>
#include <mutex>
#include <thread>

#include "regent/ha/errc.hpp"
#include "regent/ha/none/memory_stores.hpp"
#include "regent/ha/polling_retrieval.hpp"
#include "regent/ha/write_fence.hpp"
#include "regent/runtime/random.hpp"

namespace regent::ha::none {

namespace {

/// Always-leader election: grants on start from a short-lived thread of its own (so the
/// listener is never called from inside start), holds leadership until stop.
class none_election final : public leader_election_driver, public write_fence {
 public:
  explicit none_election(clock& clk) : clock_(clk) {}
  ~none_election() override { stop(); }

  result<void> start(leader_election_listener& listener) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (grant_thread_.joinable()) return error{errc::invalid_argument, "leader election already started"};
    token_ = fencing_token{++last_epoch_, random_source::instance().uuid()};
    auto token = token_;
    auto since = clock_.wall_millis();
    grant_thread_ = std::thread([&listener, token, since] { listener.on_grant(token, since); });
    return ok();
  }

  void stop() override {
    std::thread t;
    {
      std::lock_guard<std::mutex> lock(mu_);
      t = std::move(grant_thread_);
    }
    if (t.joinable()) t.join();
    std::lock_guard<std::mutex> lock(mu_);
    token_ = {};
    published_.clear();
  }

  bool has_leadership(const fencing_token& token) const override {
    std::lock_guard<std::mutex> lock(mu_);
    return token_.valid() && token_ == token;
  }

  result<void> fenced(const fencing_token& token, const std::function<result<void>()>& commit) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!token_.valid() || token_ != token)
      return error{errc::not_leader, "write fenced off: " + token.to_string() + " is not the current leadership"};
    return commit();
  }

  result<void> publish(const std::string& component, const leader_info& info) override {
    return fenced(info.token, [&]() -> result<void> {
      published_[component] = info;
      return ok();
    });
  }

  result<void> unpublish(const std::string& component, const fencing_token& token) override {
    return fenced(token, [&]() -> result<void> {
      published_.erase(component);
      return ok();
    });
  }

  std::optional<leader_info> published(const std::string& component) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = published_.find(component);
    if (it == published_.end()) return std::nullopt;
    return it->second;
  }

 private:
  clock& clock_;
  mutable std::mutex mu_;
  epoch_t last_epoch_ = 0;
  fencing_token token_;
  std::map<std::string, leader_info> published_;
  std::thread grant_thread_;
};

class none_ha_services final : public store_owning_ha_services {
 public:
  explicit none_ha_services(const options& o)
      : retrieval_poll_(o.retrieval_poll), election_(o.clk ? *o.clk : system_clock::instance()) {
    set_stores(make_job_graph_store(election_), make_checkpoint_store(o.checkpoints_retained, election_),
               make_checkpoint_id_counter(election_), make_blob_store(election_),
               make_job_result_store(o.delete_on_commit, election_));
  }
  ~none_ha_services() override { election_.stop(); }

  leader_election_driver& election() override { return election_; }
  std::unique_ptr<leader_retrieval> make_retrieval(const std::string& component) override {
    auto* e = &election_;
    return std::make_unique<polling_retrieval>(
        [e, component]() -> result<std::optional<leader_info>> { return e->published(component); }, retrieval_poll_);
  }
  std::string backend_name() const override { return "none"; }
  connection_state connection() const override { return connection_state::connected; }

 private:
  std::chrono::milliseconds retrieval_poll_;
  none_election election_;
};

}  // namespace

std::unique_ptr<ha_services> make_ha_services(const options& opts) { return std::make_unique<none_ha_services>(opts); }

}  // namespace regent::ha::none
