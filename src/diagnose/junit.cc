#include "diagnose/junit.h"

#include <fmt/format.h>
#include <unistd.h>

#include <ctime>

#include "common/markup_escape.h"

namespace oomkit::diagnose {

std::string JunitXml(const nlohmann::ordered_json& report) {
  const auto& v = report["verdict"];
  const auto& run = report["run"];
  std::string kind = v.value("kind", "");
  int status = report.value("status", 2);
  double seconds = run.value("seconds", 0.0);
  std::string command;
  for (const auto& a : report["command"]) {
    if (!command.empty()) command += ' ';
    command += a.get<std::string>();
  }
  char host[256] = "localhost";
  gethostname(host, sizeof host - 1);
  char stamp[32];
  std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", std::gmtime(&now));
  std::string mode = report.value("mode", "soak");

  std::string details = v.value("headline", "") + "\n";
  if (!v["culprit"]["class"].is_null()) details += "culprit: " + v["culprit"]["class"].get<std::string>() + "\n";
  if (!v["culprit"]["path"].is_null()) details += "path: " + v["culprit"]["path"].get<std::string>() + "\n";
  if (!v["culprit"]["allocation_site"].is_null()) details += "allocated at: " + v["culprit"]["allocation_site"].get<std::string>() + "\n";
  for (const auto& e : v["evidence"]) details += "evidence: " + e.get<std::string>() + "\n";
  details += "fix: " + v.value("fix", "") + "\n";
  details += "report: " + report.value("out_dir", "") + "/report.html\n";

  std::string body;
  if (status == 1)
    body = fmt::format("      <failure message=\"{}\" type=\"{}\">{}</failure>\n", EscapeMarkup(kind + ": " + v.value("headline", "")),
                       EscapeMarkup(kind), EscapeMarkup(details));
  else if (status == 2)
    body = fmt::format("      <error message=\"{}\" type=\"run-failed\">{}</error>\n",
                       EscapeMarkup(run["stopped_at"].is_string() ? run["stopped_at"].get<std::string>() : "the run failed"),
                       EscapeMarkup(details));
  std::string name = EscapeMarkup(fmt::format("oomkit {}: {}", mode, command));
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<testsuites name=\"{0}\" tests=\"1\" failures=\"{1}\" errors=\"{2}\" time=\"{3:.3f}\">\n"
      "  <testsuite name=\"{0}\" id=\"0\" package=\"oomkit\" hostname=\"{4}\" timestamp=\"{5}\" tests=\"1\" failures=\"{1}\" "
      "errors=\"{2}\" skipped=\"0\" time=\"{3:.3f}\">\n"
      "    <properties>\n"
      "      <property name=\"verdict\" value=\"{6}\"/>\n"
      "      <property name=\"tolerance\" value=\"{7}\"/>\n"
      "      <property name=\"report\" value=\"{8}\"/>\n"
      "    </properties>\n"
      "    <testcase name=\"memory stabilizes under load\" classname=\"oomkit.{9}\" time=\"{3:.3f}\">\n"
      "{10}"
      "    </testcase>\n"
      "    <system-out>{11}</system-out>\n"
      "    <system-err></system-err>\n"
      "  </testsuite>\n"
      "</testsuites>\n",
      name, status == 1 ? 1 : 0, status == 2 ? 1 : 0, seconds, EscapeMarkup(host), stamp, EscapeMarkup(kind),
      EscapeMarkup(fmt::format("{}", run.value("tolerance", 0.05))), EscapeMarkup(report.value("out_dir", "") + "/report.html"),
      EscapeMarkup(mode), body, EscapeMarkup(details));
}

}  // namespace oomkit::diagnose
