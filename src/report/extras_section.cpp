// Other JSON under results/ (runtime parity, benchmarks, size and memory): shown
// as plain key/value or record tables; what the report cannot show is listed.
#include <set>

#include "report/sections.h"
#include "report/text_format.h"

namespace ttq::report {
namespace {

constexpr size_t kMaxRows = 40;
constexpr size_t kMaxColumns = 12;

std::string scalar_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer()) return with_commas(v.get<long long>());
  if (v.is_number()) return tick_label(v.get<double>());
  if (v.is_null()) return kMissing;
  return v.dump();
}

using RecordList = std::pair<std::string, std::vector<nlohmann::json>>;

bool all_objects(const nlohmann::json& array) {
  if (!array.is_array() || array.empty()) return false;
  for (const auto& e : array)
    if (!e.is_object()) return false;
  return true;
}

// Scalar leaves of an object as "a.b.c" -> value (arrays of scalars joined);
// arrays of objects go to `lists`, each shown as a table of its own.
void flatten(const nlohmann::json& v, const std::string& prefix, std::vector<std::vector<std::string>>& rows,
             std::vector<RecordList>& lists) {
  if (rows.size() >= kMaxRows) return;
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it)
      flatten(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), rows, lists);
    return;
  }
  if (all_objects(v)) {
    lists.push_back({prefix, std::vector<nlohmann::json>(v.begin(), v.end())});
    return;
  }
  if (v.is_array()) {
    bool scalars = true;
    for (const auto& e : v) scalars = scalars && !e.is_structured();
    if (scalars) {
      std::string joined;
      for (const auto& e : v) joined += (joined.empty() ? "" : "; ") + scalar_text(e);
      rows.push_back({prefix, joined});
    } else {
      for (size_t i = 0; i < v.size(); ++i) flatten(v[i], prefix + "[" + std::to_string(i) + "]", rows, lists);
    }
    return;
  }
  rows.push_back({prefix, scalar_text(v)});
}

// Records (JSON objects) as a table: one column per scalar key, in first-seen order.
Table record_table(const std::vector<nlohmann::json>& records) {
  Table t;
  std::set<std::string> seen;
  for (const auto& r : records)
    for (auto it = r.begin(); it != r.end(); ++it)
      if (!it.value().is_structured() && t.header.size() < kMaxColumns && seen.insert(it.key()).second)
        t.header.push_back(it.key());
  for (const auto& r : records) {
    if (t.rows.size() >= kMaxRows) break;
    std::vector<std::string> row;
    for (const auto& c : t.header) row.push_back(r.contains(c) ? scalar_text(r[c]) : kMissing);
    t.rows.push_back(std::move(row));
  }
  return t;
}

}  // namespace

Section extras_section(const Results& results) {
  Section s{"runtime", "Runtime, size and speed results", {}};
  s.paragraph("Other JSON files under results/ (runtime parity, benchmarks, file sizes and memory), shown as they are "
              "recorded. The ternary runtime's numbers and their commands are in these files.");
  int shown = 0;
  for (const auto& extra : results.extras) {
    // A run's metrics.jsonl repeats its summary's history: not shown twice.
    if (extra.name.size() >= 13 && extra.name.compare(extra.name.size() - 13, 13, "metrics.jsonl") == 0) continue;
    bool objects = !extra.records.empty();
    for (const auto& r : extra.records) objects = objects && r.is_object();
    if (!objects) continue;  // listed in the skipped section
    Table t;
    std::vector<RecordList> lists;
    if (extra.records.size() == 1) {
      t.header = {"Field", "Value"};
      flatten(extra.records.front(), "", t.rows, lists);
    } else {
      t = record_table(extra.records);
    }
    const auto clipped = [](const Table& table) {
      return table.rows.size() >= kMaxRows ? " (first " + std::to_string(kMaxRows) + " rows)" : std::string();
    };
    if (!t.rows.empty()) {
      s.paragraph("`" + extra.name + "`" + clipped(t));
      s.table(std::move(t));
    }
    for (const auto& [key, records] : lists) {
      Table lt = record_table(records);
      s.paragraph("`" + extra.name + "`: " + key + clipped(lt));
      s.table(std::move(lt));
    }
    ++shown;
  }
  if (shown == 0) s.paragraph("No runtime, size or speed files under results/ yet.");
  return s;
}

Section skipped_section(const Results& results) {
  Section s{"skipped", "Files the report skipped", {}};
  Table t;
  t.header = {"File", "Why"};
  for (const auto& k : results.skipped) t.rows.push_back({k.path, k.reason});
  for (const auto& extra : results.extras) {
    bool objects = !extra.records.empty();
    for (const auto& r : extra.records) objects = objects && r.is_object();
    if (!objects) t.rows.push_back({extra.name, "not a JSON object (or empty): the report does not know how to show it"});
  }
  if (t.rows.empty()) {
    s.paragraph("None: every JSON file under results/ was read.");
  } else {
    s.paragraph("These files could not be read or are not understood; the rest of the report does not use them.");
    s.table(std::move(t));
  }
  return s;
}

}  // namespace ttq::report
