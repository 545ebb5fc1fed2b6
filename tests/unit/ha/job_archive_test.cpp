// The archive of finished jobs' REST views (jobmanager.archive.fs.dir): one file per job,
// replaced atomically, retained by age (jobstore.expiration-time) and count (jobstore.max-capacity).

#include "regent/ha/storage/job_archive.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <utime.h>

#include <fstream>

#include "test_dir.hpp"

namespace regent::ha {
namespace {

using namespace std::chrono_literals;

job_id id(char c) { return *job_id::parse(std::string(32, c)); }

/// Sets the file's modification time `age_ms` before now.
void age(const std::filesystem::path& file, std::int64_t age_ms) {
  const auto then = system_clock::instance().wall_millis() - age_ms;
  struct utimbuf t {
    static_cast<time_t>(then / 1000), static_cast<time_t>(then / 1000)
  };
  ::utime(file.c_str(), &t);
}

TEST(job_archive, a_job_written_is_read_back_and_replaced_by_a_newer_write) {
  test::test_dir dir;
  job_archive a(dir.path() / "archive", 1h, 0);
  EXPECT_FALSE(a.get(id('a')));
  ASSERT_TRUE(a.put(id('a'), "first").ok());
  ASSERT_TRUE(a.put(id('a'), "second").ok());
  EXPECT_EQ(a.get(id('a')), std::optional<std::string>("second"));
  ASSERT_EQ(a.list().size(), 1u);
  EXPECT_EQ(a.list()[0].first, id('a'));
  // Only job files: no temp file is left behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path() / "archive"), {}), 1);
}

TEST(job_archive, expired_archives_are_not_served_and_go_at_the_next_write) {
  test::test_dir dir;
  job_archive a(dir.path(), 10min, 0);
  ASSERT_TRUE(a.put(id('a'), "old").ok());
  age(dir.path() / id('a').str(), 11 * 60 * 1000);
  EXPECT_FALSE(a.get(id('a')));
  EXPECT_TRUE(a.list().empty());
  ASSERT_TRUE(a.put(id('b'), "new").ok());
  EXPECT_FALSE(std::filesystem::exists(dir.path() / id('a').str()));
  EXPECT_EQ(a.get(id('b')), std::optional<std::string>("new"));
}

TEST(job_archive, past_the_capacity_only_the_newest_are_kept) {
  test::test_dir dir;
  job_archive a(dir.path(), 1h, 2);
  ASSERT_TRUE(a.put(id('a'), "a").ok());
  age(dir.path() / id('a').str(), 3000);
  ASSERT_TRUE(a.put(id('b'), "b").ok());
  age(dir.path() / id('b').str(), 2000);
  ASSERT_TRUE(a.put(id('c'), "c").ok());
  auto kept = a.list();
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].first, id('c'));
  EXPECT_EQ(kept[1].first, id('b'));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / id('a').str()));
}

TEST(job_archive, a_folder_that_cannot_be_created_is_an_error_naming_it) {
  test::test_dir dir;
  std::ofstream(dir.path() / "file") << "x";
  job_archive a(dir.path() / "file" / "archive", 1h, 0);
  auto r = a.put(id('a'), "x");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.err().message.find((dir.path() / "file" / "archive").string()), std::string::npos) << r.err().message;
  EXPECT_TRUE(a.list().empty());
}

}  // namespace
}  // namespace regent::ha
