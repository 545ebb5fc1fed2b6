// Blob keys: a key can never leave its job's folder.

#include <gtest/gtest.h>

#include "regent/ha/stores.hpp"

namespace regent::ha {
namespace {

TEST(blob_key, accepts_plain_file_names) {
  for (const char* key : {"libudf.so", "a", "A-Z_0.9", "...", ".hidden", "x..y", "-"})
    EXPECT_TRUE(valid_blob_key(key)) << key;
  EXPECT_TRUE(valid_blob_key(std::string(200, 'k')));
}

TEST(blob_key, rejects_keys_that_could_escape_or_hide) {
  for (const char* key : {"", ".", "..", "../x", "a/b", "/abs", "..\\x", "a b", "é", "a\nb", ".tmp-x"})
    EXPECT_FALSE(valid_blob_key(key)) << key;
  EXPECT_FALSE(valid_blob_key(std::string("a\0b", 3)));
  EXPECT_FALSE(valid_blob_key(std::string(201, 'k')));
}

}  // namespace
}  // namespace regent::ha
