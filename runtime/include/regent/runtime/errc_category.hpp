#pragma once
/// The one shape of every module's `std::error_category` (ha, rpc, runtime, task, config):
/// a name and a function that describes each code of the module's `errc` enum.
///
///   const char* describe(errc e) { switch (e) { case errc::io: return "I/O error"; ... } return nullptr; }
///   const std::error_category& category() { static const errc_category<errc> c{"ha", describe}; return c; }

#include <string>
#include <system_error>

namespace regent {

template <class Errc>
class errc_category final : public std::error_category {
 public:
  using describe_fn = const char* (*)(Errc);
  constexpr errc_category(const char* name, describe_fn describe) : name_(name), describe_(describe) {}
  const char* name() const noexcept override { return name_; }
  std::string message(int code) const override {
    const char* m = describe_(static_cast<Errc>(code));
    return m ? m : std::string("unknown ") + name_ + " error " + std::to_string(code);
  }

 private:
  const char* name_;
  describe_fn describe_;
};

}  // namespace regent
