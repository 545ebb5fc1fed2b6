#include "regent/harness/browser.hpp"

#include <csignal>
#include <fstream>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

namespace regent::harness {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using json = nlohmann::json;

/// One page target's websocket. Every call runs the io_context for at most its timeout, so a
/// browser that stops answering fails the call instead of hanging the test.
struct browser::page {
  net::io_context io;
  beast::websocket::stream<tcp::socket> ws{io};
  int next_id = 1;

  /// Runs `start` (which starts one asynchronous operation and sets `done`) until done or timeout.
  template <class Start>
  bool run(std::chrono::milliseconds timeout, bool& done, Start start) {
    io.restart();
    start();
    io.run_for(timeout);
    if (done) return true;
    beast::error_code ignored;
    ws.next_layer().cancel(ignored);
    io.restart();
    io.run();
    return false;
  }

  /// Sends one command and returns its answer ({"result":...} or {"error":...}), skipping events.
  std::optional<json> call(const std::string& method, json params, std::chrono::milliseconds timeout,
                           std::string& error) {
    const int id = next_id++;
    const std::string out = json{{"id", id}, {"method", method}, {"params", std::move(params)}}.dump();
    auto deadline = std::chrono::steady_clock::now() + timeout;
    bool done = false;
    beast::error_code ec;
    if (!run(timeout, done,
             [&] {
               ws.async_write(net::buffer(out), [&](beast::error_code e, std::size_t) {
                 ec = e;
                 done = true;
               });
             }) ||
        ec) {
      error = method + ": cannot send (" + (ec ? ec.message() : "timeout") + ")";
      return std::nullopt;
    }
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      beast::flat_buffer buffer;
      done = false;
      if (left.count() <= 0 || !run(left, done, [&] {
            ws.async_read(buffer, [&](beast::error_code e, std::size_t) {
              ec = e;
              done = true;
            });
          })) {
        error = method + ": no answer within " + std::to_string(timeout.count()) + " ms";
        return std::nullopt;
      }
      if (ec) {
        error = method + ": " + ec.message();
        return std::nullopt;
      }
      auto answer = json::parse(beast::buffers_to_string(buffer.data()), nullptr, false);
      if (answer.is_object() && answer.value("id", -1) == id) return answer;
    }
  }
};

namespace {

/// GET (or PUT) of a DevTools HTTP endpoint, e.g. /json/list.
std::optional<json> devtools_http(const std::string& port, const std::string& target, beast::http::verb verb) {
  try {
    net::io_context io;
    tcp::socket socket(io);
    net::connect(socket, tcp::resolver(io).resolve("127.0.0.1", port));
    beast::http::request<beast::http::empty_body> req{verb, target, 11};
    req.set(beast::http::field::host, "127.0.0.1:" + port);
    beast::http::write(socket, req);
    beast::flat_buffer buffer;
    beast::http::response<beast::http::string_body> res;
    beast::http::read(socket, buffer, res);
    auto j = json::parse(res.body(), nullptr, false);
    if (j.is_discarded()) return std::nullopt;
    return j;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

browser::browser(const std::filesystem::path& dir, std::chrono::milliseconds timeout) {
  std::filesystem::create_directories(dir / "profile");
  process_ = std::make_unique<child_process>(
      std::vector<std::string>{"/usr/bin/chromium", "--headless=new", "--no-sandbox", "--disable-gpu",
                               "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
                               "--disable-extensions", "--disable-background-networking", "--window-size=1280,1400",
                               "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
                               "--user-data-dir=" + (dir / "profile").string(), "about:blank"},
      dir / "chromium.log", true);
  auto line = process_->wait_for_prefix("DevTools listening on ws://", timeout);
  if (!line) {
    error_ = "chromium did not open its DevTools endpoint";
    return;
  }
  // "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/..."
  auto at = line->find("127.0.0.1:");
  auto port = line->substr(at + 10, line->find('/', at) - at - 10);
  std::optional<json> targets;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string ws_url;
  while (std::chrono::steady_clock::now() < deadline && ws_url.empty()) {
    targets = devtools_http(port, "/json/list", beast::http::verb::get);
    if (targets && targets->is_array())
      for (auto& t : *targets)
        if (t.value("type", "") == "page") ws_url = t.value("webSocketDebuggerUrl", "");
    if (ws_url.empty()) targets = devtools_http(port, "/json/new?about:blank", beast::http::verb::put);
  }
  if (ws_url.empty()) {
    error_ = "chromium has no page target";
    return;
  }
  auto p = std::make_unique<page>();
  try {
    auto path = ws_url.substr(ws_url.find('/', 5));
    net::connect(p->ws.next_layer(), tcp::resolver(p->io).resolve("127.0.0.1", port));
    p->ws.read_message_max(64u * 1024u * 1024u);
    p->ws.handshake("127.0.0.1:" + port, path);
  } catch (const std::exception& e) {
    error_ = std::string("cannot open the page's websocket: ") + e.what();
    return;
  }
  page_ = std::move(p);
  if (!page_->call("Page.enable", json::object(), timeout, error_)) page_.reset();
}

browser::~browser() {
  if (process_) ::kill(-process_->pid(), SIGKILL);  // its renderers and helpers too
}

std::string browser::log_text() const { return process_ ? process_->log_text() : ""; }

bool browser::navigate(const std::string& url, std::chrono::milliseconds timeout) {
  if (!page_) return false;
  auto r = page_->call("Page.navigate", {{"url", url}}, timeout, error_);
  if (!r || r->contains("error") || (*r)["result"].contains("errorText")) {
    if (r) error_ = "Page.navigate " + url + ": " + r->dump();
    return false;
  }
  // Page.navigate answers once the navigation started: until the new document exists, an
  // evaluation may land in the old one (or fail as its context goes), so ask again.
  const auto until = std::chrono::steady_clock::now() + timeout;
  const std::string loaded = "location.href.startsWith(" + json(url).dump() + ") && document.readyState === 'complete'";
  while (std::chrono::steady_clock::now() < until)
    if (wait_until(loaded, std::chrono::seconds(2))) return true;
  return false;
}

std::optional<std::string> browser::evaluate(const std::string& expression, std::chrono::milliseconds timeout) {
  if (!page_) return std::nullopt;
  auto r =
      page_->call("Runtime.evaluate", {{"expression", expression}, {"returnByValue", true}, {"awaitPromise", true}},
                  timeout + std::chrono::seconds(5), error_);
  if (!r) return std::nullopt;
  if (r->contains("error") || (*r)["result"].contains("exceptionDetails")) {
    error_ = "evaluate(" + expression + "): " + r->dump();
    return std::nullopt;
  }
  return (*r)["result"]["result"].value("value", json()).dump();
}

bool browser::wait_until(const std::string& condition, std::chrono::milliseconds timeout) {
  const std::string js = "new Promise((resolve) => { const end = Date.now() + " + std::to_string(timeout.count()) +
                         "; const check = () => { let ok = false; try { ok = !!(" + condition +
                         "); } catch (e) {} if (ok) resolve(true); else if (Date.now() > end) resolve(false); "
                         "else setTimeout(check, 50); }; check(); })";
  auto v = evaluate(js, timeout);
  if (v && *v == "false") error_ = "timed out waiting in the page for: " + condition;
  return v && *v == "true";
}

bool browser::screenshot(const std::filesystem::path& file) {
  if (!page_) return false;
  auto r = page_->call("Page.captureScreenshot", {{"format", "png"}, {"captureBeyondViewport", true}},
                       std::chrono::seconds(30), error_);
  if (!r || !(*r)["result"].contains("data")) return false;
  const std::string b64 = (*r)["result"]["data"];
  std::string bytes(beast::detail::base64::decoded_size(b64.size()), '\0');
  auto n = beast::detail::base64::decode(bytes.data(), b64.data(), b64.size());
  bytes.resize(n.first);
  std::ofstream out(file, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out);
}

}  // namespace regent::harness
