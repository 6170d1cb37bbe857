#include "cli/step_profile.h"

#include <cstdio>

namespace ttq::cli {
namespace {

// The group a step's time is totalled under.
std::string group_of(const StepProfile& s) {
  if (s.macs > 0) return s.int8 ? "gemm_u8s8" : "gemm_f32";
  if (s.step.rfind("maxpool", 0) == 0 || s.step.rfind("avgpool", 0) == 0 || s.step.rfind("global_avgpool", 0) == 0) {
    return "pool";
  }
  return "other";
}

}  // namespace

nlohmann::json profile_json(const ProfileContext& ctx, const std::vector<StepProfile>& steps) {
  double total_ms = 0;
  for (const auto& s : steps) total_ms += s.ms;
  const auto peak_gmacs = [&](const StepProfile& s) {
    return (s.int8 ? ctx.peak_u8_mpc : ctx.peak_f32_mpc) * ctx.core_ghz;  // MAC/cycle x GHz = GMAC/s
  };
  nlohmann::json rows = nlohmann::json::array();
  nlohmann::json groups = nlohmann::json::object();
  for (const auto& s : steps) {
    nlohmann::json r = {{"step", s.step}, {"output", s.output}, {"ms", s.ms},
                        {"share", total_ms > 0 ? s.ms / total_ms : 0.0}};
    const std::string g = group_of(s);
    auto& acc = groups[g];
    if (acc.is_null()) acc = {{"ms", 0.0}, {"macs", 0.0}};
    acc["ms"] = acc["ms"].get<double>() + s.ms;
    if (s.macs > 0) {
      const double gmacs = s.ms > 0 ? s.macs / (s.ms * 1e6) : 0;
      r["kernel"] = s.kernel;
      r["macs"] = s.macs;
      r["gmac_per_s"] = gmacs;
      if (peak_gmacs(s) > 0) r["frac_peak"] = gmacs / peak_gmacs(s);
      acc["macs"] = acc["macs"].get<double>() + s.macs;
    }
    rows.push_back(r);
  }
  for (auto& [name, acc] : groups.items()) {
    const double ms = acc["ms"].get<double>(), macs = acc["macs"].get<double>();
    acc["share"] = total_ms > 0 ? ms / total_ms : 0.0;
    if (macs == 0) acc.erase("macs");
    if (macs > 0 && ms > 0) {
      acc["gmac_per_s"] = macs / (ms * 1e6);
      const double peak = (name == "gemm_u8s8" ? ctx.peak_u8_mpc : ctx.peak_f32_mpc) * ctx.core_ghz;
      if (peak > 0) acc["frac_peak"] = macs / (ms * 1e6) / peak;
    }
  }
  return {{"model", ctx.model},         {"batch", ctx.batch},
          {"threads", ctx.threads},     {"runs", ctx.runs},
          {"core_ghz", ctx.core_ghz},   {"peak_u8_mac_per_cycle", ctx.peak_u8_mpc},
          {"peak_f32_mac_per_cycle", ctx.peak_f32_mpc},
          {"total_ms", total_ms},       {"groups", groups},
          {"steps", rows}};
}

std::string profile_table(const nlohmann::json& p) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line,
                "%s batch %d, threads %d, %d runs; core %.2f GHz (measured), peak u8 %.0f / f32 %.0f MAC/cycle per thread\n",
                p["model"].get<std::string>().c_str(), p["batch"].get<int>(), p["threads"].get<int>(), p["runs"].get<int>(),
                p["core_ghz"].get<double>(), p["peak_u8_mac_per_cycle"].get<double>(), p["peak_f32_mac_per_cycle"].get<double>());
  out += line;
  out += "  step                                              ms   share     MMAC   GMAC/s  of peak  output\n";
  const auto fmt_row = [&](const std::string& name, const nlohmann::json& r, const std::string& output) {
    const std::string n = name.size() > 46 ? name.substr(0, 43) + "..." : name;
    char mm[32] = "", gm[32] = "", fp[32] = "";
    if (r.contains("macs")) std::snprintf(mm, sizeof mm, "%.1f", r["macs"].get<double>() * 1e-6);
    if (r.contains("gmac_per_s")) std::snprintf(gm, sizeof gm, "%.1f", r["gmac_per_s"].get<double>());
    if (r.contains("frac_peak")) std::snprintf(fp, sizeof fp, "%.1f %%", 100 * r["frac_peak"].get<double>());
    std::snprintf(line, sizeof line, "  %-46s %8.3f %6.1f %% %8s %8s %8s  %s\n", n.c_str(), r["ms"].get<double>(),
                  100 * r["share"].get<double>(), mm, gm, fp, output.c_str());
    out += line;
  };
  for (const auto& r : p["steps"]) fmt_row(r["step"].get<std::string>(), r, r["output"].get<std::string>());
  out += "  totals\n";
  for (const auto& [name, acc] : p["groups"].items()) fmt_row(name, acc, "");
  std::snprintf(line, sizeof line, "  %-46s %8.3f\n", "all steps", p["total_ms"].get<double>());
  out += line;
  return out;
}

}  // namespace ttq::cli
