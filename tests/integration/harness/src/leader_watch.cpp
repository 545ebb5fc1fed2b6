#include "regent/harness/leader_watch.hpp"

#include "regent/programs/ha_wiring.hpp"
#include "regent/programs/program_args.hpp"

namespace regent::harness {

result<std::unique_ptr<leader_watch>> leader_watch::start(const std::filesystem::path& config_dir) {
  programs::program_args args;
  args.config_dir = config_dir.string();
  auto loaded = programs::load_config(args);
  if (!loaded) return loaded.err();
  auto services = programs::make_ha_services(loaded->settings);
  if (!services) return services.err();
  std::unique_ptr<leader_watch> w(new leader_watch());
  w->services_ = std::move(services).value();
  w->retrieval_ = w->services_->make_retrieval(ha::component::dispatcher);
  if (auto started = w->retrieval_->start(*w); !started) {
    w->retrieval_.reset();
    return started.err();
  }
  return w;
}

leader_watch::~leader_watch() {
  if (retrieval_) retrieval_->stop();
}

void leader_watch::on_leader_change(const std::optional<ha::leader_info>& l) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    last_ = l;
    ++seen_;
  }
  cv_.notify_all();
}

std::optional<ha::leader_info> leader_watch::wait_leader(std::chrono::milliseconds timeout,
                                                         const fencing_token& not_this, epoch_t above) {
  std::unique_lock<std::mutex> lock(mu_);
  auto good = [&] {
    return last_ && last_->token != not_this && last_->token.epoch > above && !last_->rpc_address.empty();
  };
  if (!cv_.wait_for(lock, timeout, good)) return std::nullopt;
  return last_;
}

void leader_watch::wait_for_change(std::chrono::milliseconds at_most) {
  std::unique_lock<std::mutex> lock(mu_);
  auto before = seen_;
  cv_.wait_for(lock, at_most, [&] { return seen_ != before; });
}

}  // namespace regent::harness
