// `ttq bench --profile`: where a model's time goes, step by step, against the peak
// of the kernel level that ran it.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ttq/runtime.h"

namespace ttq::cli {

struct ProfileContext {
  std::string model;
  int batch = 1, threads = 1, runs = 1;
  double core_ghz = 0;       // measured (0: unknown; no fraction of peak then)
  double peak_u8_mpc = 0;    // MAC/cycle of the u8 x s8 kernel's level
  double peak_f32_mpc = 0;   // MAC/cycle of the fp32 kernel's level
};

// One object: the context, each step (ms, share, MACs, GMAC/s, fraction of peak) and
// totals by kind (u8 GEMM, fp32 GEMM, pooling, the rest).
nlohmann::json profile_json(const ProfileContext& ctx, const std::vector<StepProfile>& steps);
// The same as a table for a terminal.
std::string profile_table(const nlohmann::json& profile);

}  // namespace ttq::cli
