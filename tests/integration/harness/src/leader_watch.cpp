#include "regent/harness/leader_watch.hpp"

#include "regent/programs/ha_wiring.hpp"
#include "regent/programs/program_args.hpp"
#include "regent/rpc/errc.hpp"

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

rpc::http_response leader_watch::rest(const rpc::http_request& request, std::chrono::milliseconds timeout,
                                      bool* uncertain) {
  auto until = std::chrono::steady_clock::now() + timeout;
  rpc::http_response last{0, "", "no leader"};
  while (std::chrono::steady_clock::now() < until) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    auto l = wait_leader(left);
    if (!l) break;
    auto r = http_to(l->rest_url, request, std::chrono::seconds(10));
    if (r && r->status != 503) return *r;
    if (uncertain && (r || r.err().code != rpc::errc::connect_failed)) *uncertain = true;
    if (r) last = *r;
    wait_for_change(std::chrono::milliseconds(100));  // a new leader, or try again
  }
  return last;
}

result<rpc::http_response> http_to(const std::string& url, const rpc::http_request& request,
                                   std::chrono::milliseconds timeout) {
  auto hostport = url.substr(url.find("://") + 3);
  auto colon = hostport.rfind(':');
  return rpc::http_call(hostport.substr(0, colon), static_cast<std::uint16_t>(std::stoi(hostport.substr(colon + 1))),
                        request, timeout);
}

std::string rest_url_of(child_process& jobmanager, std::chrono::milliseconds timeout) {
  static const std::string tag = "REST endpoint listening on ";
  auto line = jobmanager.wait_for_line([](const std::string& l) { return l.find(tag) != std::string::npos; }, timeout);
  return line ? line->substr(line->find(tag) + tag.size()) : "";
}

std::string common_cluster_config(const std::filesystem::path& dir, const std::string& cluster_id) {
  return "high-availability.storageDir: " + (dir / "ha").string() + "\n" +
         "high-availability.cluster-id: " + cluster_id + "\n" +
         "state.checkpoints.dir: " + (dir / "checkpoints").string() + "\n" +
         "execution.checkpointing.interval: 100 ms\n"
         "rest.port: 0\n"
         "taskmanager.numberOfTaskSlots: 4\n"
         "heartbeat.interval: 200 ms\n"
         "heartbeat.timeout: 2 s\n"
         "restart-strategy.type: fixed-delay\n"
         "restart-strategy.fixed-delay.attempts: 20\n"
         "restart-strategy.fixed-delay.delay: 100 ms\n"
         "job-result-store.delete-on-commit: false\n"
         "cleanup-strategy: fixed-delay\n"
         "cleanup-strategy.fixed-delay.attempts: 3\n"
         "cleanup-strategy.fixed-delay.delay: 100 ms\n";
}

}  // namespace regent::harness
