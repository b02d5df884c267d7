// report.html: the run of `oomkit diagnose` or `oomkit soak` on one page a
// person opens after a failure. One self-contained file: inline CSS and SVG,
// no script, nothing fetched. Every text that came from the heap (class
// names, strings, edge names) or from the user passes through EscapeMarkup,
// so a snapshot string like <img onerror=...> shows as text.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace oomkit::diagnose {

// The page, from the report.json object.
std::string RenderReportHtml(const nlohmann::ordered_json& report);

}  // namespace oomkit::diagnose
