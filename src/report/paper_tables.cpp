// Published tables next to our runs: the TensorFlow MNIST replication's (ResNet-18/34 on
// MNIST, with our Fashion-MNIST rows beside it) and the CIFAR-10 ResNets of Zhu et al.
// 2017 (TTQ). Full citations: docs/DESIGN.md §14.
#include <cmath>

#include "report/sections.h"
#include "report/text_format.h"

namespace ttq::report {
namespace {

const char* const kNotRun = "not run";

struct ReplicationRow {
  const char* model;
  const char* dataset;
  const char* params_m, *fp32_mb, *quant_mb, *fp32_acc, *quant_acc;
};

// The TensorFlow MNIST replication, "Results": parameters in millions, memory in MB
// (params × 4 / 2^20), its quantized memory theoretical (2 bits a weight, first and last
// layer fp32).
const ReplicationRow kReplication[] = {
    {"resnet18", "mnist", "5.60", "21.33", "1.39", "98.45 %", "96.02 %"},
    {"resnet34", "mnist", "11.22", "42.81", "2.86", "97.71 %", "TODO in the replication"},
    {"resnet18", "fashion-mnist", nullptr, nullptr, nullptr, nullptr, nullptr},
    {"resnet34", "fashion-mnist", nullptr, nullptr, nullptr, nullptr, nullptr},
};

std::string quoted(const char* v) { return v ? v : "not in the replication"; }

std::string mib(double bytes) { return std::isnan(bytes) ? kMissing : fixed(bytes / (1024.0 * 1024.0), 2); }

struct PaperRow {
  const char* model;
  double fp32_error, ttq_error, improvement;  // %
};
// Zhu et al. 2017 (TTQ), CIFAR-10 test error with ResNets.
const PaperRow kPaperCifar10[] = {
    {"resnet20", 8.23, 8.87, -0.64},
    {"resnet32", 7.67, 7.63, 0.04},
    {"resnet44", 7.18, 7.02, 0.16},
    {"resnet56", 6.80, 6.44, 0.36},
};

std::string error_of(const Run* r) {
  return r && !std::isnan(r->top1()) ? fixed(100 * (1 - r->top1()), 2) + " (" + r->name + ")"
                                     : "not run (CIFAR-10 cannot be downloaded here)";
}

}  // namespace

Section mnist_replication_section(const Results& results) {
  Section s{"mnist-replication",
            "The TensorFlow MNIST replication's table: ResNet-18 and ResNet-34 on MNIST and Fashion-MNIST", {}};
  s.paragraph("The TensorFlow MNIST replication of TTQ reports parameters in millions and memory in MB "
              "(parameters × 4 bytes / 2^20); its quantized memory is a theoretical figure (2 bits a weight, "
              "first and last layer and BatchNorm in fp32). Ours are the counted bytes of our models: fp32 = 4 "
              "bytes a parameter, TTQ = the packed bytes the run records (2-bit codes, Wp/Wn, and every fp32 "
              "number). Our ResNet-18/34 are torchvision's widths with a small-input stem, so they have more "
              "parameters than the replication's.");
  Table t;
  t.header = {"Model", "Dataset", "Params (M) ours", "Params (M) replication", "fp32 MB ours",
              "fp32 MB replication", "TTQ packed MB ours", "quantized MB replication", "fp32 top-1 ours",
              "fp32 acc. replication", "TTQ top-1 ours", "TTQ acc. replication"};
  for (const auto& row : kReplication) {
    const auto runs = runs_of(results, {row.model, row.dataset});
    const Run* fp32 = best_run(runs, "fp32");
    const Run* ttq = best_run(runs, "ttq");
    double params = fp32 ? fp32->params() : (ttq ? ttq->params() : std::nan(""));
    double fp32_bytes = fp32 ? fp32->fp32_bytes() : (ttq ? ttq->fp32_bytes() : std::nan(""));
    t.rows.push_back({row.model, row.dataset, std::isnan(params) ? kNotRun : fixed(params / 1e6, 2),
                      quoted(row.params_m), std::isnan(fp32_bytes) ? kNotRun : mib(fp32_bytes), quoted(row.fp32_mb),
                      ttq ? mib(ttq->packed_bytes()) : kNotRun, quoted(row.quant_mb),
                      fp32 ? percent(fp32->top1()) : kNotRun, quoted(row.fp32_acc),
                      ttq ? percent(ttq->top1()) : kNotRun, quoted(row.quant_acc)});
  }
  s.table(std::move(t));
  return s;
}

Section ttq_paper_section(const Results& results) {
  Section s{"ttq-paper-cifar10", "The TTQ paper's CIFAR-10 ResNets (Zhu et al. 2017)", {}};
  s.paragraph("Test error in % on CIFAR-10 as the paper reports it, and ours where a run exists. CIFAR-10 cannot be "
              "downloaded on the machines that made these results; the commands are ready (`ttq train --model "
              "resnet20 --dataset cifar10 --data-path DIR ...`, then `ttq quantize --from ...`) and tested on "
              "CIFAR-format files, so the rows say \"not run\" rather than inventing numbers.");
  Table t;
  t.header = {"Model", "fp32 error paper", "TTQ error paper", "Improvement paper", "fp32 error ours", "TTQ error ours"};
  for (const auto& row : kPaperCifar10) {
    const Run* fp32 = nullptr;
    const Run* ttq = nullptr;
    for (const char* dataset : {"cifar10", "cifar-10"}) {
      const auto runs = runs_of(results, {row.model, dataset});
      if (!fp32) fp32 = best_run(runs, "fp32");
      if (!ttq) ttq = best_run(runs, "ttq");
    }
    t.rows.push_back({row.model, fixed(row.fp32_error, 2), fixed(row.ttq_error, 2),
                      (row.improvement > 0 ? "+" : "") + fixed(row.improvement, 2), error_of(fp32), error_of(ttq)});
  }
  s.table(std::move(t));
  return s;
}

}  // namespace ttq::report
