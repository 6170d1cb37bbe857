// The sections of the report, each built from the loaded results (internal to
// ttq_report; build_report() puts them in order).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "report/document.h"
#include "report/results.h"

namespace ttq::report {

using ModelDataset = std::pair<std::string, std::string>;

// (model, dataset) pairs with runs, sorted; the two pairs every report compares
// (resnet20 / fashion-mnist, resnet18 / mnist) are always included.
std::vector<ModelDataset> model_dataset_pairs(const Results& results);
// Runs of one pair, in results order.
std::vector<const Run*> runs_of(const Results& results, const ModelDataset& pair);
// The run with the best top-1 among those whose method is in `category`; nullptr if none.
// Sweep runs count only when no other run of the category exists.
const Run* best_run(const std::vector<const Run*>& runs, const std::string& category);

std::string percent(double fraction, int decimals = 2);  // "93.35 %" or "—"

std::vector<Section> method_sections(const Results& results);
// Published tables beside ours (docs/DESIGN.md §14): the TensorFlow MNIST replication's
// ResNet-18/34 and the CIFAR-10 ResNets of Zhu et al. 2017 (TTQ).
Section mnist_replication_section(const Results& results);
Section ttq_paper_section(const Results& results);
std::vector<Section> training_sections(const Results& results);
Section sqnr_section(const Results& results);
Section extras_section(const Results& results);
Section skipped_section(const Results& results);

}  // namespace ttq::report
