#include "test_support.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>

#include <gtest/gtest.h>

#include "regent/runtime/random.hpp"
#include "regent/task/file_sink.hpp"

namespace regent::task::test {

namespace fs = std::filesystem;

temp_dir::temp_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info != nullptr ? std::string(info->test_suite_name()) + "-" + info->name() : std::string("task");
  std::replace(name.begin(), name.end(), '/', '_');
  path_ =
      fs::path(::testing::TempDir()) / ("regent-task-" + name + "-" + random_source::instance().hex32().substr(0, 8));
  fs::create_directories(path_);
}

temp_dir::~temp_dir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

job_id test_job() { return *job_id::parse("0123456789abcdef0123456789abcdef"); }

std::vector<std::int64_t> committed_records(const fs::path& dir) {
  std::vector<std::int64_t> out;
  auto parts = committed_parts(dir);
  if (!parts) {
    ADD_FAILURE() << parts.err().message;
    return out;
  }
  for (const auto& name : *parts) {
    std::ifstream in(dir / name);
    std::string line;
    while (std::getline(in, line)) {
      std::int64_t v = 0;
      auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), v);
      if (ec != std::errc() || end != line.data() + line.size()) {
        ADD_FAILURE() << "bad line '" << line << "' in " << name;
        continue;
      }
      out.push_back(v);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::int64_t> expected_records(std::int64_t from, std::int64_t to, std::int64_t (*fn)(std::int64_t)) {
  std::vector<std::int64_t> out;
  for (std::int64_t n = from; n <= to; ++n) out.push_back(fn != nullptr ? fn(n) : n);
  std::sort(out.begin(), out.end());
  return out;
}

subtask_callbacks subtask_events::callbacks(std::function<void(const checkpoint_ack&)> on_ack) {
  subtask_callbacks cb;
  cb.on_ack = [this, on_ack](const checkpoint_ack& ack) {
    record([&] { acks.push_back(ack); });
    if (on_ack) on_ack(ack);
  };
  cb.on_end_of_input = [this] { record([&] { ++end_of_input; }); };
  cb.on_finished = [this] { record([&] { ++finished; }); };
  cb.on_failed = [this](const error& e) { record([&] { failures.push_back(e); }); };
  cb.on_cancelled = [this] { record([&] { ++cancelled; }); };
  return cb;
}

checkpoint_ack subtask_events::ack_of(checkpoint_id id) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& a : acks) {
    if (a.id == id) return a;
  }
  ADD_FAILURE() << "no ack of checkpoint " << id;
  return {};
}

}  // namespace regent::task::test
