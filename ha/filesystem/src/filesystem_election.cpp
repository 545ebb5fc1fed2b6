#include "regent/ha/filesystem/filesystem_election.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "regent/ha/errc.hpp"
#include "regent/ha/leader_info_json.hpp"
#include "regent/ha/storage/file_io.hpp"
#include "regent/ha/storage/payload.hpp"
#include "regent/runtime/logging.hpp"
#include "regent/runtime/random.hpp"

namespace regent::ha::filesystem {

namespace fs = std::filesystem;

election_paths::election_paths(const fs::path& cluster_dir)
    : leader_dir(cluster_dir / "leader"), lock(leader_dir / "lock"), epoch(leader_dir / "epoch") {}

fs::path election_paths::connection_info(const std::string& component) const {
  return leader_dir / component / "connection_info";
}

namespace {

struct flock whole_file_lock(short type) {
  struct flock fl;
  std::memset(&fl, 0, sizeof fl);
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = 0;
  fl.l_len = 0;
  return fl;
}

result<epoch_t> read_epoch(const election_paths& paths, storage::file_io& io) {
  auto raw = io.read(paths.epoch);
  if (!raw) {
    if (raw.err().code == errc::not_found) return epoch_t{0};
    return std::move(raw).err();
  }
  auto text = storage::decode_payload(*raw, paths.epoch.string());
  if (!text) return std::move(text).err();
  try {
    std::size_t used = 0;
    epoch_t e = std::stoull(*text, &used);
    if (used != text->size()) throw std::invalid_argument("trailing characters");
    return e;
  } catch (const std::exception&) {
    return error{errc::corrupt, "corrupt HA payload " + paths.epoch.string() + ": not an epoch number"};
  }
}

}  // namespace

filesystem_election::filesystem_election(fs::path cluster_dir, clock& clk, storage::file_io& io,
                                         std::chrono::milliseconds poll_interval)
    : paths_(cluster_dir), clock_(clk), io_(io), poll_(poll_interval) {}

filesystem_election::~filesystem_election() { stop(); }

result<void> filesystem_election::start(leader_election_listener& listener) {
  std::lock_guard<std::mutex> lock(run_mu_);
  if (thread_.joinable()) return error{errc::invalid_argument, "leader election already started"};
  if (auto r = storage::make_private_dirs(paths_.leader_dir); !r) return r;
  stopping_ = false;
  thread_ = std::thread([this, &listener] { run(&listener); });
  return ok();
}

void filesystem_election::stop() {
  {
    std::lock_guard<std::mutex> lock(run_mu_);
    stopping_ = true;
  }
  run_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::unique_lock<std::shared_mutex> state(state_mu_);
  release_locked();
}

void filesystem_election::release_locked() {
  if (lock_fd_ < 0) return;
  // Unpublish first so retrievers never see our info under a lock somebody else holds.
  for (const auto& component : published_) (void)io_.remove(paths_.connection_info(component));
  published_.clear();
  token_ = {};
  ::close(lock_fd_);  // releases the OFD lock
  lock_fd_ = -1;
}

result<bool> filesystem_election::try_lock() {
  int fd = ::open(paths_.lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return error{errc::io, "cannot open lock file " + paths_.lock.string() + ": " + std::strerror(errno)};
  auto fl = whole_file_lock(F_WRLCK);
  if (::fcntl(fd, F_OFD_SETLK, &fl) != 0) {
    int err = errno;
    ::close(fd);
    if (err == EAGAIN || err == EACCES) return false;
    return error{errc::io, "cannot lock " + paths_.lock.string() + ": " + std::strerror(err)};
  }
  std::unique_lock<std::shared_mutex> state(state_mu_);
  lock_fd_ = fd;
  // The file may have been replaced between open and lock; only the file at the path counts.
  if (!lock_file_is_ours()) {
    release_locked();
    return false;
  }
  return true;
}

bool filesystem_election::lock_file_is_ours() const {
  if (lock_fd_ < 0) return false;
  struct stat held, on_disk;
  if (::fstat(lock_fd_, &held) != 0 || ::stat(paths_.lock.c_str(), &on_disk) != 0) return false;
  return held.st_ino == on_disk.st_ino && held.st_dev == on_disk.st_dev;
}

result<epoch_t> filesystem_election::bump_epoch() {
  auto current = read_epoch(paths_, io_);
  if (!current) return current;
  // Never the epoch of an earlier grant, even if the epoch file was put back by hand.
  const auto next = seen_.next(*current);
  if (next.lost_above)
    logging::get("ha")->error(
        "{} reads epoch {} but epoch {} was granted before (seen by this jobmanager); "
        "refusing to reuse a fencing token, this grant takes epoch {}",
        paths_.epoch.string(), *current, seen_.highest(), next.epoch);
  auto w = io_.write_atomic(paths_.epoch, storage::encode_payload(std::to_string(next.epoch)));
  if (!w) return std::move(w).err();
  seen_.observe(next.epoch);
  return next.epoch;
}

void filesystem_election::observe_epoch(epoch_t epoch) { seen_.observe(epoch); }

void filesystem_election::refuse(const fencing_token& token, epoch_t seen, const std::string& why) {
  seen_.observe(seen);
  {
    std::shared_lock<std::shared_mutex> state(state_mu_);
    if (lock_fd_ < 0 || token_ != token) return;
  }
  {
    std::lock_guard<std::mutex> lock(run_mu_);
    refusal_ = std::make_pair(token, why);
  }
  run_cv_.notify_all();
}

void filesystem_election::run(leader_election_listener* listener) {
  auto log = logging::get("ha");
  auto wait = [this] {
    std::unique_lock<std::mutex> lock(run_mu_);
    run_cv_.wait_for(lock, poll_, [this] { return stopping_ || refusal_; });
    return stopping_;
  };
  // The reason of a refuse() of `token`, taken once.
  auto take_refusal = [this](const fencing_token& token) -> std::optional<std::string> {
    std::lock_guard<std::mutex> lock(run_mu_);
    auto r = std::move(refusal_);
    refusal_.reset();
    if (!r || r->first != token) return std::nullopt;
    return std::move(r->second);
  };
  for (;;) {
    auto got = try_lock();
    if (!got) {
      log->error("leader election stopped: {}", got.err().message);
      listener->on_error(got.err());
      return;
    }
    if (!*got) {
      if (wait()) return;
      continue;
    }
    // Bumps the epoch while holding the lock and grants it; false (after on_error) when the
    // epoch cannot be advanced.
    fencing_token token;
    auto grant = [&] {
      {
        std::unique_lock<std::shared_mutex> state(state_mu_);
        auto epoch = bump_epoch();
        if (!epoch) {
          release_locked();
          state.unlock();
          log->error("leader election stopped: cannot advance the epoch: {}", epoch.err().message);
          listener->on_error(epoch.err());
          return false;
        }
        token = fencing_token{*epoch, random_source::instance().uuid()};
        token_ = token;
      }
      listener->on_grant(token, clock_.wall_millis());
      return true;
    };
    if (!grant()) return;
    // Leadership lasts until stop() or until the lock file is no longer the one we hold
    // (removed or replaced by hand): then revoke and contend again.
    for (;;) {
      if (wait()) return;
      if (auto why = take_refusal(token)) {
        // Keep the lock, revoke, and grant again with an epoch above the one refused.
        log->warn("revoked leadership {}: {}", token.to_string(), *why);
        {
          std::unique_lock<std::shared_mutex> state(state_mu_);
          token_ = {};
        }
        listener->on_revoke(token);
        if (!grant()) return;
        continue;
      }
      std::unique_lock<std::shared_mutex> state(state_mu_);
      if (!lock_file_is_ours()) {
        log->warn("lock file {} was removed or replaced; giving up leadership {}", paths_.lock.string(),
                  token.to_string());
        release_locked();
        state.unlock();
        listener->on_revoke(token);
        break;
      }
    }
  }
}

bool filesystem_election::has_leadership(const fencing_token& token) const {
  std::shared_lock<std::shared_mutex> state(state_mu_);
  return lock_fd_ >= 0 && token_.valid() && token_ == token;
}

result<void> filesystem_election::fenced(const fencing_token& token, const std::function<result<void>()>& commit) {
  std::shared_lock<std::shared_mutex> state(state_mu_);
  if (lock_fd_ < 0 || !token_.valid() || token_ != token || !lock_file_is_ours()) {
    return error{errc::not_leader,
                 "write fenced off: " + token.to_string() + " is not the current leadership of this process"};
  }
  return commit();
}

result<void> filesystem_election::publish(const std::string& component, const leader_info& info) {
  auto r = fenced(info.token, [&]() -> result<void> {
    return io_.write_atomic(paths_.connection_info(component), storage::encode_payload(to_json(info)));
  });
  if (r) {
    std::unique_lock<std::shared_mutex> state(state_mu_);
    if (token_ == info.token) published_.insert(component);
  }
  return r;
}

result<void> filesystem_election::unpublish(const std::string& component, const fencing_token& token) {
  auto r = fenced(token, [&]() -> result<void> { return io_.remove(paths_.connection_info(component)); });
  if (r) {
    std::unique_lock<std::shared_mutex> state(state_mu_);
    published_.erase(component);
  }
  return r;
}

result<std::optional<leader_info>> observe_leader(const fs::path& cluster_dir, const std::string& component,
                                                  storage::file_io& io) {
  using none = std::optional<leader_info>;
  election_paths paths(cluster_dir);
  int fd = ::open(paths.lock.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return none();
  auto fl = whole_file_lock(F_WRLCK);
  int rc = ::fcntl(fd, F_OFD_GETLK, &fl);
  ::close(fd);
  if (rc != 0) return error{errc::io, "cannot test lock " + paths.lock.string() + ": " + std::strerror(errno)};
  if (fl.l_type == F_UNLCK) return none();  // nobody holds the lock
  auto epoch = read_epoch(paths, io);
  if (!epoch) return std::move(epoch).err();
  auto path = paths.connection_info(component);
  auto raw = io.read(path);
  if (!raw) {
    if (raw.err().code == errc::not_found) return none();  // not published yet
    return std::move(raw).err();
  }
  auto text = storage::decode_payload(*raw, path.string());
  if (!text) return std::move(text).err();
  auto info = leader_info_from_json(*text, path.string());
  if (!info) return std::move(info).err();
  if (info->token.epoch != *epoch) return none();  // left behind by an earlier leader
  return none(std::move(info).value());
}

}  // namespace regent::ha::filesystem
