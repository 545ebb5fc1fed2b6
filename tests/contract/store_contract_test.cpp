// The store and single-contender contract every HA backend must pass, through the services
// bundle with the backend's real election as the write fence.

#include <gtest/gtest.h>

#include "backends.hpp"
#include "regent/ha/errc.hpp"
#include "regent/harness/child_process.hpp"

namespace regent::contract {
namespace {

template <class Backend>
class store_contract : public ::testing::Test {
 protected:
  harness::temp_dir dir_{std::string("store-contract-") + Backend::name};
  Backend backend_{dir_.path()};

  /// Starts the election of `ha` and returns the token of its grant.
  fencing_token lead(ha::ha_services& ha, recording_listener& l) {
    EXPECT_TRUE(ha.election().start(l).ok());
    auto token = l.next_grant();
    EXPECT_TRUE(token.has_value()) << Backend::name << ": no grant before the deadline";
    return token.value_or(fencing_token{});
  }
};

using all_backends = ::testing::Types<none_backend, filesystem_backend, zookeeper_backend, kubernetes_backend>;
TYPED_TEST_SUITE(store_contract, all_backends, backend_names);

TYPED_TEST(store_contract, a_single_contender_is_granted_and_publishes) {
  recording_listener l;  // outlives the services, whose threads call it
  auto ha = this->backend_.make_services();
  auto token = this->lead(*ha, l);
  EXPECT_TRUE(token.valid());
  EXPECT_TRUE(ha->election().has_leadership(token));
  recording_retrieval_listener seen;
  auto retrieval = ha->make_retrieval(ha::component::dispatcher);
  ASSERT_TRUE(retrieval->start(seen).ok());
  ha::leader_info info{"127.0.0.1:6123", "http://127.0.0.1:8081", token, 42};
  ASSERT_TRUE(ha->election().publish(ha::component::dispatcher, info).ok());
  EXPECT_TRUE(seen.wait_until([&](auto& l) { return l && *l == info; }));
  retrieval->stop();
}

TYPED_TEST(store_contract, job_graphs_round_trip) {
  recording_listener l;  // outlives the services, whose threads call it
  auto ha = this->backend_.make_services();
  auto token = this->lead(*ha, l);
  auto& store = ha->job_graphs();
  ASSERT_TRUE(store.put(token, test_job(1), "graph one").ok());
  ASSERT_TRUE(store.put(token, test_job(2), std::string("bin\0ary", 7)).ok());
  ASSERT_TRUE(store.put(token, test_job(1), "graph one v2").ok());
  EXPECT_EQ(*store.get(test_job(1)), "graph one v2");
  EXPECT_EQ(*store.get(test_job(2)), std::string("bin\0ary", 7));
  auto ids = store.list();
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, (std::vector<job_id>{test_job(1), test_job(2)}));
  ASSERT_TRUE(store.remove(token, test_job(1)).ok());
  EXPECT_EQ(store.get(test_job(1)).err().code, ha::errc::not_found);
  EXPECT_TRUE(store.remove(token, test_job(1)).ok()) << "removal is idempotent";
}

// What a new leader's recovery reads in batches: one answer per job, in the order asked, each
// as the single read would give it.
TYPED_TEST(store_contract, batch_reads_answer_each_job_in_order) {
  recording_listener l;  // outlives the services, whose threads call it
  auto ha = this->backend_.make_services(/*retained=*/2);
  auto token = this->lead(*ha, l);
  std::vector<job_id> jobs;
  for (int k = 0; k < 40; ++k) {
    jobs.push_back(test_job(100 + k));
    if (k % 4 == 3) continue;  // every fourth job has no graph
    ASSERT_TRUE(ha->job_graphs().put(token, jobs.back(), "graph " + std::to_string(k)).ok());
    for (int c = 1; c <= k % 3; ++c)  // 0, 1 or 2 checkpoints
      ASSERT_TRUE(ha->checkpoints()
                      .add(token, jobs.back(), static_cast<std::uint64_t>(c * 10 + k), "c" + std::to_string(k))
                      .ok());
  }
  auto graphs = ha->job_graphs().get_many(jobs);
  auto latest = ha->checkpoints().latest_many(jobs);
  ASSERT_EQ(graphs.size(), jobs.size());
  ASSERT_EQ(latest.size(), jobs.size());
  for (int k = 0; k < 40; ++k) {
    SCOPED_TRACE("job " + std::to_string(k));
    if (k % 4 == 3) {
      ASSERT_FALSE(graphs[k].ok());
      EXPECT_EQ(graphs[k].err().code, ha::errc::not_found);
    } else {
      ASSERT_TRUE(graphs[k].ok()) << graphs[k].err().message;
      EXPECT_EQ(*graphs[k], "graph " + std::to_string(k));
    }
    ASSERT_TRUE(latest[k].ok()) << latest[k].err().message;
    int checkpoints = k % 4 == 3 ? 0 : k % 3;
    if (checkpoints == 0) {
      EXPECT_FALSE(latest[k]->has_value());
    } else {
      ASSERT_TRUE(latest[k]->has_value());
      EXPECT_EQ((*latest[k])->id, static_cast<std::uint64_t>(checkpoints * 10 + k));
      EXPECT_EQ((*latest[k])->bytes, "c" + std::to_string(k));
    }
  }
  EXPECT_TRUE(ha->job_graphs().get_many({}).empty());
  EXPECT_TRUE(ha->checkpoints().latest_many({}).empty());
}

// A new leader publishes every component's leader info at once; each is found, and only the
// leader may do it.
TYPED_TEST(store_contract, leader_info_of_several_components_is_published_at_once) {
  recording_listener l;  // outlives the services, whose threads call it
  auto ha = this->backend_.make_services();
  auto token = this->lead(*ha, l);
  const std::vector<std::string> all{ha::component::resource_manager, ha::component::dispatcher,
                                     ha::component::rest_server};
  std::vector<recording_retrieval_listener> seen(all.size());
  std::vector<std::unique_ptr<ha::leader_retrieval>> retrievals;
  for (std::size_t i = 0; i < all.size(); ++i) {
    retrievals.push_back(ha->make_retrieval(all[i]));
    ASSERT_TRUE(retrievals.back()->start(seen[i]).ok());
  }
  ha::leader_info info{"127.0.0.1:6123", "http://127.0.0.1:8081", token, 42};
  ASSERT_TRUE(ha->election().publish_all(all, info).ok());
  for (std::size_t i = 0; i < all.size(); ++i)
    EXPECT_TRUE(seen[i].wait_until([&](auto& l) { return l && *l == info; })) << all[i];
  auto stale = token;
  stale.epoch += 1;
  EXPECT_EQ(ha->election().publish_all(all, {"127.0.0.1:1", "http://127.0.0.1:1", stale, 43}).err().code,
            ha::errc::not_leader);
  for (auto& r : retrievals) r->stop();
}

TYPED_TEST(store_contract, checkpoints_keep_the_newest_retained) {
  recording_listener l;  // outlives the services, whose threads call it
  auto ha = this->backend_.make_services(/*retained=*/2);
  auto token = this->lead(*ha, l);
  auto& store = ha->checkpoints();
  EXPECT_EQ(store.retained(), 2);
  auto none = store.latest(test_job(7));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  EXPECT_TRUE(store.add(token, test_job(7), 1, "c1")->empty());
  EXPECT_TRUE(store.add(token, test_job(7), 2, "c2")->empty());
  auto dropped = store.add(token, test_job(7), 5, "c5");
  ASSERT_TRUE(dropped.ok());
  EXPECT_EQ(*dropped, std::vector<std::uint64_t>{1});
  EXPECT_EQ(*store.list(test_job(7)), (std::vector<std::uint64_t>{2, 5}));
  auto latest = store.latest(test_job(7));
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->id, 5u);
  EXPECT_EQ((*latest)->bytes, "c5");
  EXPECT_FALSE(store.add(token, test_job(7), 4, "older").ok()) << "ids only grow";
  ASSERT_TRUE(store.remove_all(token, test_job(7)).ok());
  EXPECT_TRUE(store.list(test_job(7))->empty());
}

// A new leader reads every job's latest checkpoint in its recovery, then adds: its first add
// keeps the retained count, refuses an id that is not newer, and the deposed leader's token adds
// nothing (the `zookeeper` store takes what the recovery read as known, so its first add makes
// no reads: this is what must hold when it does).
TYPED_TEST(store_contract, a_new_leaders_first_adds_after_its_recovery_read_keep_the_retained) {
  recording_listener l;  // outlives the services, whose threads call it
  auto ha = this->backend_.make_services(/*retained=*/1);
  auto first = this->lead(*ha, l);
  auto& store = ha->checkpoints();
  const auto a = test_job(0xa1), b = test_job(0xb2);
  for (std::uint64_t id : {1, 2}) ASSERT_TRUE(store.add(first, a, id, "a" + std::to_string(id)).ok());
  for (std::uint64_t id : {1, 2, 3}) ASSERT_TRUE(store.add(first, b, id, "b" + std::to_string(id)).ok());
  ha->election().stop();
  auto second = this->lead(*ha, l);
  auto latest = store.latest_many({a, b});
  ASSERT_TRUE(latest[0].ok() && latest[0]->has_value() && latest[1].ok() && latest[1]->has_value());
  EXPECT_EQ((*latest[0])->id, 2u);
  EXPECT_EQ((*latest[1])->id, 3u);
  EXPECT_FALSE(store.add(first, a, 7, "stale").ok()) << "the deposed leader's token adds nothing";
  EXPECT_FALSE(store.add(second, b, 3, "again").ok()) << "ids only grow";
  auto dropped = store.add(second, a, 5, "a5");
  ASSERT_TRUE(dropped.ok()) << dropped.err().message;
  EXPECT_EQ(*dropped, std::vector<std::uint64_t>{2});
  ASSERT_TRUE(store.add(second, b, 4, "b4").ok());
  ASSERT_TRUE(store.add(second, a, 6, "a6").ok());
  EXPECT_EQ(*store.list(a), std::vector<std::uint64_t>{6});
  EXPECT_EQ(*store.list(b), std::vector<std::uint64_t>{4});
  auto now = store.latest(a);
  ASSERT_TRUE(now.ok() && now->has_value());
  EXPECT_EQ((*now)->id, 6u);
  EXPECT_EQ((*now)->bytes, "a6");
}

// A leader reserves a block of ids in one write; the next leader continues after the block,
// whatever part of it was used (ids are skipped, never reused).
TYPED_TEST(store_contract, counter_reserves_blocks_that_the_next_leader_continues_after) {
  recording_listener l;
  auto ha = this->backend_.make_services();
  auto first = this->lead(*ha, l);
  auto& ids = ha->checkpoint_ids();
  EXPECT_EQ(*ids.reserve(first, test_job(5), 10), 1u);
  EXPECT_EQ(*ids.peek(test_job(5)), 11u);
  EXPECT_EQ(*ids.next(first, test_job(5)), 11u);
  EXPECT_EQ(ids.reserve(first, test_job(5), 0).err().code, ha::errc::invalid_argument);
  ha->election().stop();
  EXPECT_EQ(ids.reserve(first, test_job(5), 10).err().code, ha::errc::not_leader)
      << "a deposed leader reserves nothing";
  auto second = this->lead(*ha, l);
  EXPECT_EQ(*ids.reserve(second, test_job(5), 50), 12u);
  EXPECT_EQ(*ids.peek(test_job(5)), 62u);
}

TYPED_TEST(store_contract, counter_is_monotonic_across_leaderships) {
  recording_listener l;  // outlives the services, whose threads call it
  auto ha = this->backend_.make_services();
  auto first = this->lead(*ha, l);
  auto& ids = ha->checkpoint_ids();
  EXPECT_EQ(*ids.next(first, test_job(3)), 1u);
  EXPECT_EQ(*ids.next(first, test_job(3)), 2u);
  EXPECT_EQ(*ids.next(first, test_job(4)), 1u);
  ha->election().stop();
  auto second = this->lead(*ha, l);
  EXPECT_GT(second.epoch, first.epoch) << "epochs strictly increase across grants";
  EXPECT_EQ(*ids.peek(test_job(3)), 3u);
  EXPECT_EQ(*ids.next(second, test_job(3)), 3u);
  ASSERT_TRUE(ids.remove(second, test_job(3)).ok());
  EXPECT_EQ(*ids.peek(test_job(3)), 1u);
}

TYPED_TEST(store_contract, blobs_round_trip_and_stay_in_their_folder) {
  recording_listener l;  // outlives the services, whose threads call it
  auto ha = this->backend_.make_services();
  auto token = this->lead(*ha, l);
  auto& blobs = ha->blobs();
  ASSERT_TRUE(blobs.put(token, test_job(5), "libudf.so", "ELF...").ok());
  EXPECT_EQ(*blobs.get(test_job(5), "libudf.so"), "ELF...");
  EXPECT_EQ(*blobs.list(test_job(5)), std::vector<std::string>{"libudf.so"});
  EXPECT_EQ(blobs.put(token, test_job(5), "../escape", "x").err().code, ha::errc::invalid_argument);
  ASSERT_TRUE(blobs.remove_job(token, test_job(5)).ok());
  EXPECT_TRUE(blobs.list(test_job(5))->empty());
}

TYPED_TEST(store_contract, job_results_go_from_dirty_to_clean) {
  recording_listener l;  // outlives the services, whose threads call it
  auto ha = this->backend_.make_services();
  auto token = this->lead(*ha, l);
  auto& jrs = ha->job_results();
  ha::job_result r{test_job(9), "SUCCEEDED", 1234, std::nullopt, "count", 1000, 2234};
  EXPECT_FALSE(*jrs.has_entry(test_job(9)));
  ASSERT_TRUE(jrs.create_dirty(token, r).ok());
  EXPECT_TRUE(*jrs.has_entry(test_job(9)));
  EXPECT_EQ(*jrs.dirty_ids(), std::vector<job_id>{test_job(9)});
  EXPECT_EQ(jrs.create_dirty(token, r).err().code, ha::errc::already_exists);
  auto entry = jrs.get(test_job(9));
  ASSERT_TRUE(entry.ok() && entry->has_value());
  EXPECT_TRUE((*entry)->dirty);
  EXPECT_EQ((*entry)->result, r);
  ASSERT_TRUE(jrs.mark_clean(token, test_job(9)).ok());
  EXPECT_TRUE(jrs.dirty_ids()->empty());
}

TYPED_TEST(store_contract, writes_with_a_lost_leadership_are_rejected) {
  recording_listener l;  // outlives the services, whose threads call it
  auto ha = this->backend_.make_services();
  auto token = this->lead(*ha, l);
  ASSERT_TRUE(ha->job_graphs().put(token, test_job(1), "kept").ok());
  ha->election().stop();
  EXPECT_FALSE(ha->election().has_leadership(token));
  EXPECT_EQ(ha->job_graphs().put(token, test_job(1), "late").err().code, ha::errc::not_leader);
  EXPECT_EQ(ha->job_graphs().remove(token, test_job(1)).err().code, ha::errc::not_leader);
  EXPECT_EQ(ha->checkpoints().add(token, test_job(1), 1, "c").err().code, ha::errc::not_leader);
  EXPECT_EQ(ha->checkpoint_ids().next(token, test_job(1)).err().code, ha::errc::not_leader);
  EXPECT_EQ(ha->blobs().put(token, test_job(1), "k", "v").err().code, ha::errc::not_leader);
  ha::job_result r{test_job(1), "FAILED", 1, std::string("boom"), "n", 1, 2};
  EXPECT_EQ(ha->job_results().create_dirty(token, r).err().code, ha::errc::not_leader);
  EXPECT_EQ(ha->election().publish(ha::component::dispatcher, {"", "", token, 0}).err().code, ha::errc::not_leader);
  EXPECT_EQ(*ha->job_graphs().get(test_job(1)), "kept") << "a rejected write changes nothing";
}

}  // namespace
}  // namespace regent::contract
