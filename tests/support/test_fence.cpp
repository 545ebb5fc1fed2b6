#include "test_fence.hpp"

#include <cstdio>

#include "regent/ha/errc.hpp"

namespace regent::test {

void test_fence::set(fencing_token token) {
  std::lock_guard<std::mutex> lock(mu_);
  token_ = std::move(token);
}

void test_fence::clear() {
  std::lock_guard<std::mutex> lock(mu_);
  token_ = {};
}

fencing_token test_fence::current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return token_;
}

int test_fence::commits() const {
  std::lock_guard<std::mutex> lock(mu_);
  return commits_;
}

result<void> test_fence::fenced(const fencing_token& token, const std::function<result<void>()>& commit) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!token_.valid() || token_ != token)
    return error{ha::errc::not_leader, "write fenced off: " + token.to_string() + " is not the current leadership"};
  ++commits_;
  return commit();
}

fencing_token test_token(epoch_t epoch) {
  char session[37];
  std::snprintf(session, sizeof session, "00000000-0000-4000-8000-%012llx", static_cast<unsigned long long>(epoch));
  return fencing_token{epoch, session};
}

}  // namespace regent::test
