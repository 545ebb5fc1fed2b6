#pragma once
/// The web dashboard's files (programs/web/), compiled into the jobmanager by
/// cmake/embed_files.cmake so that it serves them with no file on disk and no network.

#include <string_view>
#include <vector>

namespace regent::programs {

struct web_asset {
  std::string_view name;          ///< path under programs/web/, e.g. "app.js"
  std::string_view content_type;  ///< from the file's extension
  std::string_view bytes;
};

/// Every embedded file, in a fixed order.
const std::vector<web_asset>& web_assets();

/// The file served at `name` ("" and "index.html" are the dashboard), or nullptr.
const web_asset* find_web_asset(std::string_view name);

}  // namespace regent::programs
