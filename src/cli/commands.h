// Each subcommand of `ttq` registers itself on the CLI11 app; its callback runs
// the command and throws ttq::UserError on bad input (main turns that into exit 2).
#pragma once

namespace CLI { class App; }

namespace ttq::cli {

void add_train_commands(CLI::App& app);    // train, quantize, eval
void add_info_command(CLI::App& app);      // info (a zoo model, or a model file)
void add_export_command(CLI::App& app);    // export
void add_import_command(CLI::App& app);    // import (a PyTorch state dict -> a run directory)
void add_runtime_commands(CLI::App& app);  // run, bench
void add_table_command(CLI::App& app);     // table
void add_ptq_commands(CLI::App& app);      // ptq (INT8 / FP16 post-training), compress (Deep Compression file)
void add_report_command(CLI::App& app);    // report (results/ -> REPORT.md, report.html)
// `ttq bench` re-executes itself once with OPENBLAS_CORETYPE set (see runtime_commands.cpp).
void reexec_for_bench_if_needed(int argc, char** argv);

}  // namespace ttq::cli
