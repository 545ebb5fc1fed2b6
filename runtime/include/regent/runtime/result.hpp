#pragma once
/// Errors as values at module boundaries.
///
/// Every module declares its own `errc` enum with a `std::error_category`; a `regent::error`
/// carries the code plus a human sentence (which names the file, key or path involved).
/// `result<T>` holds either a value or an error. No exceptions cross module boundaries.

#include <cassert>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <variant>

namespace regent {

/// An error code plus a message a person can act on.
struct error {
  std::error_code code;
  std::string message;

  error() = default;
  error(std::error_code c, std::string m) : code(c), message(std::move(m)) {}

  /// "message" — the code's category is in the message where it matters.
  const std::string& what() const { return message; }
};

template <class T>
class [[nodiscard]] result {
 public:
  result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  result(error e) : v_(std::in_place_index<1>, std::move(e)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const error& err() const& {
    assert(!ok());
    return std::get<1>(v_);
  }
  error&& err() && {
    assert(!ok());
    return std::get<1>(std::move(v_));
  }

 private:
  std::variant<T, error> v_;
};

template <>
class [[nodiscard]] result<void> {
 public:
  result() = default;
  result(error e) : e_(std::move(e)) {}

  bool ok() const { return !e_.has_value(); }
  explicit operator bool() const { return ok(); }

  const error& err() const& {
    assert(!ok());
    return *e_;
  }
  error&& err() && {
    assert(!ok());
    return std::move(*e_);
  }

 private:
  std::optional<error> e_;
};

/// Shorthand for a successful `result<void>`.
inline result<void> ok() { return {}; }

}  // namespace regent
