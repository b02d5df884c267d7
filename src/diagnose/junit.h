// JUnit XML for CI systems: one test suite, one test case ("memory
// stabilizes under load"), a <failure> when a leak was found, an <error>
// when the run itself failed. The layout is the common one (Ant's, which
// Jenkins, GitLab, GitHub actions and Azure read), with the parts the
// strictest schema requires: a testsuite's id, package, hostname and
// timestamp, and its properties, system-out and system-err elements.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace oomkit::diagnose {

std::string JunitXml(const nlohmann::ordered_json& report);

}  // namespace oomkit::diagnose
