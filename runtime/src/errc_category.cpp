#include "regent/runtime/errc_category.hpp"

#include <map>
#include <memory>
#include <mutex>

namespace regent {

namespace {

/// The category of a name this process has no category for: keeps the name, describes codes.
class named_category final : public std::error_category {
 public:
  explicit named_category(std::string name) : name_(std::move(name)) {}
  const char* name() const noexcept override { return name_.c_str(); }
  std::string message(int code) const override { return name_ + " error " + std::to_string(code); }

 private:
  std::string name_;
};

struct registry {
  std::mutex mu;
  std::map<std::string, const std::error_category*, std::less<>> by_name;
  std::map<std::string, std::unique_ptr<named_category>, std::less<>> made;
};

registry& the_registry() {
  static registry r;  // never destroyed before the categories that register in it
  return r;
}

}  // namespace

void register_category(const std::error_category& c) {
  auto& r = the_registry();
  std::lock_guard<std::mutex> lock(r.mu);
  r.by_name[c.name()] = &c;
}

const std::error_category& category_named(std::string_view name) {
  if (name == std::generic_category().name()) return std::generic_category();
  if (name == std::system_category().name()) return std::system_category();
  auto& r = the_registry();
  std::lock_guard<std::mutex> lock(r.mu);
  if (auto it = r.by_name.find(name); it != r.by_name.end()) return *it->second;
  auto& made = r.made[std::string(name)];
  if (!made) made = std::make_unique<named_category>(std::string(name));
  return *made;
}

bool same_code(const std::error_code& a, const std::error_code& b) {
  return a.value() == b.value() && std::string_view(a.category().name()) == b.category().name();
}

}  // namespace regent
