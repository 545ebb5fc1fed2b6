#include "multi_batcher.hpp"

#include "regent/ha/errc.hpp"

namespace regent::ha::zookeeper {

result<void> multi_batcher::write(const fencing_token& token, std::vector<zk_op> ops,
                                  const std::function<result<bool>()>& applied, bool* unknown) {
  pending me{&token, &ops, &applied};
  std::unique_lock<std::mutex> lock(mu_);
  queue_.push_back(&me);
  while (!me.done) {
    if (busy_) {
      cv_.wait(lock);
      continue;
    }
    busy_ = true;
    send_batch(lock);
    busy_ = false;
    cv_.notify_all();
  }
  if (unknown) *unknown = me.unknown;
  return me.outcome;
}

result<void> multi_batcher::write_or_alone(const fencing_token& token,
                                           const std::function<result<std::vector<zk_op>>()>& build,
                                           const std::function<result<bool>()>& applied, bool* unknown) {
  bool lost = false;
  auto ops = build();
  if (!ops) return std::move(ops).err();
  auto r = write(token, std::move(*ops), applied, &lost);
  if (worth_alone(r, lost)) {
    auto w = writer_.write(token, build, applied, &lost);
    r = w ? ok() : result<void>(w.err());
  }
  if (unknown) *unknown = lost;
  return r;
}

void multi_batcher::send_batch(std::unique_lock<std::mutex>& lock) {
  std::vector<pending*> batch;
  std::size_t n = 0;
  while (!queue_.empty()) {
    auto* p = queue_.front();
    if (!batch.empty() && (!(*p->token == *batch.front()->token) || n + p->ops->size() > max_ops_)) break;
    batch.push_back(p);
    n += p->ops->size();
    queue_.pop_front();
  }
  lock.unlock();
  std::vector<zk_op> all;
  all.reserve(n);
  for (auto* p : batch) all.insert(all.end(), p->ops->begin(), p->ops->end());
  // The ops are fixed: a race is not retried here (each writer re-reads on its own).
  bool first = true;
  auto build = [&]() -> result<std::vector<zk_op>> {
    if (!first) return error{errc::unavailable, "a batched checkpoint write raced with the tree"};
    first = false;
    return all;
  };
  bool unknown = false;
  // All or nothing: whether the first writer's ops committed says it for the batch.
  auto r = writer_.write(*batch.front()->token, build, *batch.front()->applied, &unknown);
  lock.lock();
  for (auto* p : batch) {
    p->done = true;
    p->unknown = unknown;
    p->outcome = r ? ok() : result<void>(r.err());
  }
}

}  // namespace regent::ha::zookeeper
