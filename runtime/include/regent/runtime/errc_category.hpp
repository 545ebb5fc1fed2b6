#pragma once
/// The one shape of every module's `std::error_category` (ha, rpc, runtime, task, config):
/// a name and a function that describes each code of the module's `errc` enum.
///
///   const char* describe(errc e) { switch (e) { case errc::io: return "I/O error"; ... } return nullptr; }
///   const std::error_category& category() { static const errc_category<errc> c{"ha", describe}; return c; }

#include <string>
#include <string_view>
#include <system_error>

namespace regent {

/// Error categories by name, so that an error that crossed a process boundary as
/// (category name, code) is the same std::error_code on the other side. Every errc_category
/// registers itself when it is made; for a name nobody registered (a newer peer, or a module
/// not linked here) a category of that name is made once, which describes codes generically.
/// Thread-safe.
const std::error_category& category_named(std::string_view name);
void register_category(const std::error_category& c);

/// True when `a` and `b` are the same code — compared by the category's name and the value, so
/// it holds as well for a code that came over the wire before this process made its category.
bool same_code(const std::error_code& a, const std::error_code& b);

template <class Errc>
class errc_category final : public std::error_category {
 public:
  using describe_fn = const char* (*)(Errc);
  errc_category(const char* name, describe_fn describe) : name_(name), describe_(describe) { register_category(*this); }
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
