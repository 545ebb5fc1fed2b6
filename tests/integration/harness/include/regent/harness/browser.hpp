#pragma once
/// A real browser owned by a test: Debian's `chromium` in headless mode, driven over the Chrome
/// DevTools protocol (a websocket per page). The test loads pages, runs JavaScript in them,
/// waits on conditions evaluated inside the page, and takes screenshots for the artefacts of a
/// failed test. The browser and every process it started (its process group) are killed when
/// the object goes away, and die with the test process.
///
/// Not thread-safe: drive it from one thread. Boost.Beast stays inside browser.cpp.

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "regent/harness/child_process.hpp"

namespace regent::harness {

class browser {
 public:
  /// Starts chromium with its profile under `dir`; `ok()` says whether its DevTools endpoint came up.
  explicit browser(const std::filesystem::path& dir, std::chrono::milliseconds timeout = std::chrono::seconds(60));
  ~browser();
  browser(const browser&) = delete;
  browser& operator=(const browser&) = delete;

  bool ok() const { return page_ != nullptr; }
  /// Why it is not ok, or what the last failed call said.
  const std::string& last_error() const { return error_; }
  /// The browser's own output (for a failing test).
  std::string log_text() const;

  /// Loads `url` in the page and waits for its load event.
  bool navigate(const std::string& url, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  /// Evaluates `expression` in the page (a promise is awaited); its value as JSON text, or
  /// nullopt (see last_error) when it threw or the browser did not answer within `timeout`.
  std::optional<std::string> evaluate(const std::string& expression,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(30));
  /// Waits, inside the page, until the JavaScript expression `condition` is truthy (checked every
  /// 50 ms by the page itself); false at the deadline.
  bool wait_until(const std::string& condition, std::chrono::milliseconds timeout);
  /// Writes a PNG of the page to `file`.
  bool screenshot(const std::filesystem::path& file);

  struct page;

 private:
  std::unique_ptr<child_process> process_;
  std::unique_ptr<page> page_;
  std::string error_;
};

}  // namespace regent::harness
