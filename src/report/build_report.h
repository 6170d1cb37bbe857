// From loaded results to the report document (tables, notes, charts).
#pragma once

#include "report/document.h"
#include "report/results.h"

namespace ttq::report {

Document build_report(const Results& results);

}  // namespace ttq::report
