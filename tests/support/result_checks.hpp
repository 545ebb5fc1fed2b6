#pragma once
/// GoogleTest helpers for `regent::result`: unwrap a value or an error and record a test
/// failure (instead of tripping result's assertion and aborting the whole test binary) when
/// the result is the other kind.

#include <utility>

#include <gtest/gtest.h>

#include "regent/runtime/result.hpp"

namespace regent::test {

/// The value of `r`; a failure naming the error and a default value when `r` is an error.
template <class T>
T must(result<T> r) {
  if (!r.ok()) {
    ADD_FAILURE() << "unexpected error: " << r.err().message;
    return T{};
  }
  return std::move(r).value();
}

/// The error of `r`; a failure and an empty error (no code) when `r` succeeded.
template <class T>
error failure_of(const result<T>& r) {
  if (r.ok()) {
    ADD_FAILURE() << "expected an error, the call succeeded";
    return error{};
  }
  return r.err();
}

}  // namespace regent::test
