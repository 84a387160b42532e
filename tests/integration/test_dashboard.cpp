// The Grafana dashboard (share/grafana/bvlive-dashboard.json, issue 20) against a real
// daemon's /metrics: the file is an importable dashboard whose every panel says what it
// shows and queries something, and every PromQL expression (panels and variables) names
// only families the daemon exports, with labels those families carry. A renamed or removed
// metric fails here instead of leaving an empty panel in production.
#define BOOST_TEST_MODULE dashboard
#include <boost/test/unit_test.hpp>

#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/checks.hpp"
#include "support/lives.hpp"
#include "support/media.hpp"
#include "support/process.hpp"

using namespace bvtest;
using nlohmann::json;

namespace {

const std::string kDashboard = BVLIVE_TEST_DATA "/../../share/grafana/bvlive-dashboard.json";

// Labels Prometheus gives every series it scrapes (the target's), not the daemon's.
const std::set<std::string> kTargetLabels = {"instance", "job"};

// ---------------------------------------------------------------------------------------
// The exposition: families from "# TYPE name type", label names and values from samples.

struct Family {
  std::string type;
  std::size_t samples = 0;
  std::map<std::string, std::set<std::string>> labels;  // label name -> values seen
};
using Families = std::map<std::string, Family>;

// The family a sample belongs to: its own name, or a histogram's/summary's base name.
std::string family_of(const Families& families, const std::string& name) {
  if (families.count(name)) return name;
  for (const std::string suffix : {"_bucket", "_sum", "_count"})
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      const std::string base = name.substr(0, name.size() - suffix.size());
      const auto it = families.find(base);
      if (it != families.end() && (it->second.type == "histogram" || it->second.type == "summary")) return base;
    }
  return "";
}

// Parses text format 0.0.4; a line it cannot read is a test failure.
Families parse_exposition(const std::string& text) {
  Families families;
  std::istringstream in(text);
  std::string line;
  std::vector<std::string> samples;
  while (std::getline(in, line)) {
    if (line.empty() || line.rfind("# HELP ", 0) == 0) continue;
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream words(line.substr(7));
      std::string name, type;
      words >> name >> type;
      BOOST_TEST(!type.empty(), "TYPE line without a type: " << line);
      families[name].type = type;
    } else if (line[0] != '#') {
      samples.push_back(line);  // after every TYPE line: a histogram's samples need its type
    }
  }
  for (const std::string& s : samples) {
    std::size_t i = s.find_first_of("{ ");
    BOOST_TEST_REQUIRE(i != std::string::npos, "sample without a value: " << s);
    const std::string name = family_of(families, s.substr(0, i));
    BOOST_TEST_REQUIRE(!name.empty(), "sample of no # TYPE family: " << s);
    Family& f = families[name];
    ++f.samples;
    if (s[i] != '{') continue;
    ++i;
    while (i < s.size() && s[i] != '}') {
      const std::size_t eq = s.find("=\"", i);
      BOOST_TEST_REQUIRE(eq != std::string::npos, "bad labels: " << s);
      const std::string label = s.substr(i, eq - i);
      std::string value;
      for (i = eq + 2; i < s.size() && s[i] != '"'; ++i) {
        if (s[i] != '\\' || i + 1 == s.size()) {
          value += s[i];
        } else {
          ++i;  // \\, \" or \n
          value += s[i] == 'n' ? '\n' : s[i];
        }
      }
      BOOST_TEST_REQUIRE(i < s.size(), "unterminated label value: " << s);
      f.labels[label].insert(value);
      ++i;                                  // the closing quote
      if (i < s.size() && s[i] == ',') ++i;
    }
  }
  return families;
}

// ---------------------------------------------------------------------------------------
// PromQL, as far as the dashboard needs: metric names, their matchers, grouping labels,
// legend labels. Returns what is wrong, one line each.

std::string str(const json& v) { return v.is_string() ? v.get<std::string>() : ""; }

std::vector<std::string> split_labels(const std::string& list) {
  std::vector<std::string> out;
  std::istringstream in(list);
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto b = item.find_first_not_of(" \t\n"), e = item.find_last_not_of(" \t\n");
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
  }
  return out;
}

struct Checker {
  const Families& families;
  std::set<std::string> used;  // families some expression names

  // `label` on `metric`'s samples; the target's labels are always there.
  void check_label(const std::string& where, const std::string& metric, const std::string& label,
                   std::vector<std::string>& problems) const {
    if (kTargetLabels.count(label)) return;
    const Family& f = families.at(metric);
    if (f.samples == 0)
      problems.push_back(where + ": label " + label + " of " + metric +
                         " cannot be checked: the daemon printed no sample of it (the test should make one)");
    else if (!f.labels.count(label))
      problems.push_back(where + ": " + metric + " has no label " + label);
  }

  // `expr` (PromQL or a variable query such as label_values(m, l)); `legend` a legendFormat.
  std::vector<std::string> check(const std::string& where, const std::string& expr, const std::string& legend = "") {
    std::vector<std::string> problems;
    std::vector<std::string> metrics;
    static const std::regex name_re(R"((^|[^A-Za-z0-9_:])(bvlive_[A-Za-z0-9_:]*))");
    static const std::regex matcher_re(R"re(\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*,?)re");
    for (std::sregex_iterator it(expr.begin(), expr.end(), name_re), end; it != end; ++it) {
      const std::string written = (*it)[2];
      const std::string metric = family_of(families, written);
      if (metric.empty()) {
        problems.push_back(where + ": " + written + " is not a metric bvlived exports (in: " + expr + ")");
        continue;
      }
      used.insert(metric);
      metrics.push_back(metric);
      // Its selector's matchers: {label op "value", ...}
      std::size_t at = static_cast<std::size_t>(it->position(2) + it->length(2));
      if (at >= expr.size() || expr[at] != '{') continue;
      const std::size_t close = expr.find('}', at);
      if (close == std::string::npos) {
        problems.push_back(where + ": unterminated selector in " + expr);
        continue;
      }
      const std::string inside = expr.substr(at + 1, close - at - 1);
      std::size_t read = 0;
      for (std::sregex_iterator m(inside.begin(), inside.end(), matcher_re); m != std::sregex_iterator(); ++m) {
        if (static_cast<std::size_t>(m->position(0)) != read) break;
        read += static_cast<std::size_t>(m->length(0));
        const std::string label = (*m)[1], op = (*m)[2], value = (*m)[3];
        check_label(where, metric, label, problems);
        // An exact value must be one the daemon uses (LIVE, not Live).
        const Family& f = families.at(metric);
        if (op == "=" && f.labels.count(label) && !f.labels.at(label).count(value))
          problems.push_back(where + ": " + metric + "{" + label + "} is never \"" + value + "\"");
      }
      if (inside.find_first_not_of(" \t\n", read) != std::string::npos)
        problems.push_back(where + ": cannot read the matchers {" + inside + "}");
    }
    // Counters go through rate()/increase(); a gauge there is a mistake.
    static const std::regex range_re(R"(\b(rate|irate|increase)\s*\(\s*(bvlive_[A-Za-z0-9_:]*))");
    for (std::sregex_iterator it(expr.begin(), expr.end(), range_re), end; it != end; ++it) {
      const std::string metric = family_of(families, (*it)[2]);
      if (!metric.empty() && families.at(metric).type != "counter")
        problems.push_back(where + ": " + std::string((*it)[1]) + "() of " + metric + ", a " +
                           families.at(metric).type);
    }
    // Labels grouped or matched on, label_values()' label and the legend's {{label}}: on
    // every metric of the expression.
    std::vector<std::string> labels;
    static const std::regex group_re(R"(\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\))");
    for (std::sregex_iterator it(expr.begin(), expr.end(), group_re), end; it != end; ++it)
      for (const auto& l : split_labels((*it)[2])) labels.push_back(l);
    static const std::regex label_values_re(R"(label_values\s*\(\s*[^,()]*,\s*([A-Za-z_][A-Za-z0-9_]*)\s*\))");
    for (std::sregex_iterator it(expr.begin(), expr.end(), label_values_re), end; it != end; ++it)
      labels.push_back((*it)[1]);
    static const std::regex legend_re(R"(\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\})");
    for (std::sregex_iterator it(legend.begin(), legend.end(), legend_re), end; it != end; ++it)
      labels.push_back((*it)[1]);
    for (const auto& label : labels)
      for (const auto& metric : metrics) check_label(where, metric, label, problems);
    if (metrics.empty() && problems.empty()) problems.push_back(where + ": names no bvlive metric: " + expr);
    return problems;
  }
};

// Every panel, those inside rows included.
void collect_panels(const json& list, std::vector<json>& out) {
  if (!list.is_array()) return;
  for (const auto& p : list) {
    out.push_back(p);
    if (p.contains("panels")) collect_panels(p["panels"], out);
  }
}

json load_dashboard() {
  BOOST_TEST_REQUIRE(path_exists(kDashboard), kDashboard << " is missing");
  try {
    return json::parse(read_file(kDashboard));
  } catch (const json::exception& e) {
    BOOST_FAIL(kDashboard << " is not JSON: " << e.what());
  }
  return {};
}

std::string joined_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += "\n  " + l;
  return out;
}

}  // namespace

// The file as Grafana's Import takes it: a data source input, panels that each explain
// themselves and query something.
BOOST_AUTO_TEST_CASE(the_dashboard_is_importable_and_every_panel_explains_itself) {
  const json d = load_dashboard();
  BOOST_TEST_REQUIRE(d.is_object());
  BOOST_TEST(!str(d.value("title", json())).empty());
  BOOST_TEST(!str(d.value("uid", json())).empty());
  BOOST_TEST(d.value("schemaVersion", 0) >= 36, "schemaVersion " << d.value("schemaVersion", 0));
  bool input = false;
  for (const auto& i : d.value("__inputs", json::array()))
    input = input || (i.value("name", "") == "DS_PROMETHEUS" && i.value("pluginId", "") == "prometheus");
  BOOST_TEST(input, "no DS_PROMETHEUS data source in __inputs");

  std::vector<json> panels;
  collect_panels(d.value("panels", json::array()), panels);
  BOOST_TEST_REQUIRE(!panels.empty(), "no panels");
  std::set<int> ids;
  std::size_t queried = 0;
  for (const auto& p : panels) {
    const std::string title = str(p.value("title", json()));
    BOOST_TEST(!title.empty(), "a panel without a title: " << p.dump().substr(0, 300));
    BOOST_TEST(p.contains("id"), title << ": no id");
    if (p.contains("id")) BOOST_TEST(ids.insert(p["id"].get<int>()).second, title << ": id used twice");
    BOOST_TEST(p.contains("gridPos"), title << ": no gridPos");
    if (p.value("type", "") == "row") continue;  // a row only groups panels
    BOOST_TEST(str(p.value("description", json())).size() >= 40u, title << ": no description (what it shows, what to do)");
    BOOST_TEST(p.value("datasource", json::object()).value("type", "") == "prometheus", title << ": not on Prometheus");
    const json targets = p.value("targets", json::array());
    BOOST_TEST(!targets.empty(), title << ": no targets");
    std::set<std::string> refs;
    for (const auto& t : targets) {
      BOOST_TEST(!str(t.value("expr", json())).empty(), title << ": a target without expr");
      BOOST_TEST(refs.insert(t.value("refId", "")).second, title << ": refId used twice");
      ++queried;
    }
  }
  BOOST_TEST_MESSAGE(panels.size() << " panels, " << queried << " queries");
}

// Every expression against what a daemon with a push exports.
BOOST_AUTO_TEST_CASE(every_expression_names_metrics_and_labels_the_daemon_exports) {
  const json d = load_dashboard();
  TempDir dir{"bvlive-dashboard"};
  auto daemon = start_daemon(dir);
  Cli cli{daemon->socket()};
  const Ports ports = ports_of(cli);
  const std::string metrics_url = "http://127.0.0.1:" + std::to_string(ports.http) + "/metrics";

  // Every family is printed (HELP and TYPE) even without samples; the per-session ones
  // (bvlive_packager_speed{live,session}, bvlive_session_renditions{...}) only have labels
  // to check while a session runs, so a push runs; the HTTP and API ones only once
  // something has been answered.
  const RunResult created = cli.run({"-q", "create", "--name", "dashboard"});
  REQUIRE_EXIT(created, 0);
  const std::string id = created.out.substr(0, created.out.find('\n'));
  REQUIRE_EXIT(cli.run({"preview", id}), 0);
  BackgroundProcess encoder(encoder_argv(live_of(cli, id)["urls"]["rtmp"].get<std::string>(), "flv"),
                            dir / "encoder.log");
  const HttpReply api = http_get("http://127.0.0.1:" + std::to_string(ports.api) + "/bv/cms/v1/lives");
  BOOST_TEST(api.status == 401, api.describe());  // no key: an API response with a code
  std::string text;
  const bool session = poll_until(
      [&] {
        text = http_get(metrics_url).body;
        return contains(text, "\nbvlive_packager_speed{") && contains(text, "\nbvlive_session_renditions{") &&
               contains(text, "\nbvlive_http_responses_total{");
      },
      40s, 250ms);
  BOOST_TEST_REQUIRE(session, "no running session in /metrics:\n" << text << "\nencoder:\n" << encoder.log()
                                                                    << "\nlog:\n" << daemon->log());
  const Families families = parse_exposition(text);
  BOOST_TEST_REQUIRE(families.size() >= 20u, text);

  Checker checker{families, {}};
  // The checker itself: a misspelt metric, a label the family lacks and a legend naming
  // one are found (so an empty problem list below means something).
  BOOST_TEST(!checker.check("self-test", "sum(rate(bvlive_http_response_total[5m]))").empty());
  BOOST_TEST(!checker.check("self-test", "sum by (status) (rate(bvlive_http_responses_total[5m]))").empty());
  BOOST_TEST(!checker.check("self-test", "bvlive_lives{state=\"Live\"}").empty());
  BOOST_TEST(!checker.check("self-test", "bvlive_packager_speed", "{{live}} {{rendition}}").empty());
  BOOST_TEST(!checker.check("self-test", "rate(bvlive_http_connections[5m])").empty());
  BOOST_TEST(checker.check("self-test", "sum by (code) (rate(bvlive_http_responses_total{instance=~\"$i\"}[5m]))",
                           "{{code}}")
                 .empty());
  checker.used.clear();

  std::vector<std::string> problems;
  auto add = [&](std::vector<std::string> more) { problems.insert(problems.end(), more.begin(), more.end()); };
  std::vector<json> panels;
  collect_panels(d.value("panels", json::array()), panels);
  std::size_t exprs = 0;
  for (const auto& p : panels)
    for (const auto& t : p.value("targets", json::array())) {
      const std::string where = "panel \"" + str(p.value("title", json())) + "\" " + t.value("refId", "?");
      add(checker.check(where, str(t.value("expr", json())), str(t.value("legendFormat", json()))));
      ++exprs;
    }
  // Template variables query Prometheus too (label_values(bvlive_..., instance)).
  for (const auto& v : d.value("templating", json::object()).value("list", json::array())) {
    if (v.value("type", "") != "query") continue;
    const json q = v.value("query", json());
    const std::string query = q.is_object() ? str(q.value("query", json())) : str(q);
    add(checker.check("variable $" + v.value("name", "?"), query));
    ++exprs;
  }
  BOOST_TEST(problems.empty(), problems.size() << " problems in " << kDashboard << ":" << joined_lines(problems));
  BOOST_TEST_MESSAGE(exprs << " expressions over " << checker.used.size() << " of " << families.size()
                           << " exported families");

  // The other way, as information: what no panel shows.
  std::vector<std::string> unused;
  for (const auto& [name, f] : families)
    if (!checker.used.count(name)) unused.push_back(name + " (" + f.type + ")");
  if (!unused.empty()) BOOST_TEST_MESSAGE("exported but on no panel:" << joined_lines(unused));
}
