#include "regent/runtime/job/slot_pool.hpp"

#include <gtest/gtest.h>

#include "regent/runtime/errc.hpp"

namespace regent::job {
namespace {

const job_id job1 = *job_id::parse("11111111111111111111111111111111");
const job_id job2 = *job_id::parse("22222222222222222222222222222222");
const job_id job3 = *job_id::parse("33333333333333333333333333333333");

slot_pool three_taskmanagers() {
  slot_pool p;
  EXPECT_TRUE(p.add_taskmanager("tm-b", "host:6002", 2).ok());
  EXPECT_TRUE(p.add_taskmanager("tm-a", "host:6001", 2).ok());
  EXPECT_TRUE(p.add_taskmanager("tm-c", "host:6003", 1).ok());
  return p;
}

TEST(slot_pool, counts_slots) {
  slot_pool p = three_taskmanagers();
  EXPECT_EQ(p.taskmanager_count(), 3u);
  EXPECT_EQ(p.total_slots(), 5);
  EXPECT_EQ(p.free_slots(), 5);
  auto tms = p.taskmanagers();
  ASSERT_EQ(tms.size(), 3u);
  EXPECT_EQ(tms[0].id, "tm-a");
  EXPECT_EQ(tms[0].address, "host:6001");
  EXPECT_EQ(tms[0].slots, 2);
  EXPECT_EQ(tms[0].free_slots, 2);
}

TEST(slot_pool, allocates_round_robin_most_free_first) {
  slot_pool p = three_taskmanagers();
  auto r = p.allocate(job1, 4);
  ASSERT_TRUE(r.ok()) << r.err().message;
  std::vector<slot_assignment> expected = {{0, "tm-a", "host:6001", 0},
                                           {1, "tm-b", "host:6002", 0},
                                           {2, "tm-c", "host:6003", 0},
                                           {3, "tm-a", "host:6001", 1}};
  EXPECT_EQ(*r, expected);
  EXPECT_EQ(p.slots_of(job1), expected);
  EXPECT_EQ(p.free_slots(), 1);
  EXPECT_EQ(p.taskmanagers()[0].free_slots, 0);

  auto second = p.allocate(job2, 1);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, (std::vector<slot_assignment>{{0, "tm-b", "host:6002", 1}}));
  EXPECT_EQ(p.free_slots(), 0);
}

TEST(slot_pool, spreads_a_job_over_the_emptiest_taskmanagers) {
  slot_pool p = three_taskmanagers();
  ASSERT_TRUE(p.allocate(job1, 1).ok());  // tm-a slot 0
  auto r = p.allocate(job2, 2);
  ASSERT_TRUE(r.ok());
  // tm-b has 2 free, then tm-a and tm-c have 1 each (ties by id).
  EXPECT_EQ(*r, (std::vector<slot_assignment>{{0, "tm-b", "host:6002", 0}, {1, "tm-a", "host:6001", 1}}));
}

TEST(slot_pool, is_deterministic) {
  slot_pool a = three_taskmanagers();
  slot_pool b = three_taskmanagers();
  for (auto* p : {&a, &b}) {
    ASSERT_TRUE(p->allocate(job1, 2).ok());
    ASSERT_TRUE(p->allocate(job2, 2).ok());
    p->release(job1);
    ASSERT_TRUE(p->allocate(job3, 3).ok());
  }
  EXPECT_EQ(a.slots_of(job2), b.slots_of(job2));
  EXPECT_EQ(a.slots_of(job3), b.slots_of(job3));
}

TEST(slot_pool, allocation_is_all_or_nothing) {
  slot_pool p = three_taskmanagers();
  ASSERT_TRUE(p.allocate(job1, 3).ok());
  auto r = p.allocate(job2, 3);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, make_error_code(runtime_errc::insufficient_slots));
  EXPECT_EQ(r.err().message, "job " + job2.str() + " needs 3 slots, 2 of 5 are free");
  EXPECT_EQ(p.free_slots(), 2);
  EXPECT_TRUE(p.slots_of(job2).empty());

  auto dup = p.allocate(job1, 1);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.err().code, make_error_code(runtime_errc::already_exists));
  auto zero = p.allocate(job2, 0);
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.err().code, make_error_code(runtime_errc::invalid_argument));
  slot_pool empty;
  EXPECT_EQ(empty.allocate(job1, 1).err().message, "job " + job1.str() + " needs 1 slots, 0 of 0 are free");
}

TEST(slot_pool, release_frees_a_jobs_slots) {
  slot_pool p = three_taskmanagers();
  ASSERT_TRUE(p.allocate(job1, 5).ok());
  EXPECT_EQ(p.release(job1), 5);
  EXPECT_EQ(p.free_slots(), 5);
  EXPECT_EQ(p.release(job1), 0);
  EXPECT_TRUE(p.allocate(job1, 2).ok());  // may allocate again after release
}

TEST(slot_pool, losing_a_taskmanager_reports_the_jobs_that_lost_slots) {
  slot_pool p = three_taskmanagers();
  ASSERT_TRUE(p.allocate(job2, 3).ok());  // tm-a/0, tm-b/0, tm-c/0
  ASSERT_TRUE(p.allocate(job1, 2).ok());  // tm-a/1, tm-b/1
  EXPECT_EQ(p.remove_taskmanager("tm-b"), (std::vector<job_id>{job1, job2}));
  EXPECT_FALSE(p.has_taskmanager("tm-b"));
  EXPECT_EQ(p.total_slots(), 3);
  EXPECT_EQ(p.free_slots(), 0);
  // Their slots elsewhere stay theirs until released.
  EXPECT_EQ(p.slots_of(job2), (std::vector<slot_assignment>{{0, "tm-a", "host:6001", 0}, {2, "tm-c", "host:6003", 0}}));
  EXPECT_EQ(p.release(job2), 2);
  EXPECT_EQ(p.release(job1), 1);
  EXPECT_EQ(p.free_slots(), 3);

  EXPECT_TRUE(p.remove_taskmanager("tm-c").empty());  // no job on it
  EXPECT_TRUE(p.remove_taskmanager("unknown").empty());
  EXPECT_EQ(p.total_slots(), 2);
}

TEST(slot_pool, registration_errors) {
  slot_pool p = three_taskmanagers();
  auto dup = p.add_taskmanager("tm-a", "elsewhere:1", 4);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.err().code, make_error_code(runtime_errc::already_exists));
  EXPECT_EQ(dup.err().message, "taskmanager tm-a is registered already");
  EXPECT_EQ(p.add_taskmanager("tm-d", "h:1", 0).err().code, make_error_code(runtime_errc::invalid_argument));
  EXPECT_EQ(p.add_taskmanager("", "h:1", 1).err().code, make_error_code(runtime_errc::invalid_argument));
  EXPECT_EQ(p.total_slots(), 5);
}

TEST(slot_pool, a_new_leader_claims_the_slots_of_subtasks_that_already_run) {
  slot_pool p = three_taskmanagers();
  auto a = p.claim(job1, 1, "tm-c");
  ASSERT_TRUE(a.ok()) << a.err().message;
  EXPECT_EQ(a->taskmanager_id, "tm-c");
  EXPECT_EQ(a->address, "host:6003");
  ASSERT_TRUE(p.claim(job1, 0, "tm-a").ok());
  auto held = p.slots_of(job1);
  ASSERT_EQ(held.size(), 2u);
  EXPECT_EQ(held[0].subtask, 0);  // by subtask
  EXPECT_EQ(held[1].taskmanager_id, "tm-c");
  EXPECT_EQ(p.free_slots(), 3);

  EXPECT_EQ(p.claim(job1, 0, "tm-b").err().code, runtime_errc::already_exists);
  EXPECT_EQ(p.claim(job2, 0, "tm-c").err().code, runtime_errc::insufficient_slots);
  EXPECT_EQ(p.claim(job2, 0, "tm-x").err().code, runtime_errc::not_found);
  EXPECT_TRUE(p.slots_of(job2).empty()) << "a failed claim leaves nothing";
  EXPECT_EQ(p.allocate(job1, 2).err().code, runtime_errc::already_exists) << "claimed slots count as held";
  EXPECT_EQ(p.release(job1), 2);
  EXPECT_EQ(p.free_slots(), 5);
}

}  // namespace
}  // namespace regent::job
