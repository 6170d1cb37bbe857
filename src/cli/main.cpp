// The `ttq` command. Bad input of any kind: one line on stderr, exit status 2.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

#include "cli/commands.h"
#include "common/error.h"

int main(int argc, char** argv) {
  ttq::cli::reexec_for_bench_if_needed(argc, argv);
  CLI::App app{"ttq: Trained Ternary Quantization — train, quantize, export and run 2-bit networks"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "ttq 0.1.0");
  ttq::cli::add_train_commands(app);
  ttq::cli::add_info_command(app);
  ttq::cli::add_export_command(app);
  ttq::cli::add_import_command(app);
  ttq::cli::add_table_command(app);
  ttq::cli::add_ptq_commands(app);
  ttq::cli::add_report_command(app);
  ttq::cli::add_runtime_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "ttq: error: %s (see ttq --help)\n", e.what());
    return 2;
  } catch (const ttq::UserError& e) {
    std::fprintf(stderr, "ttq: error: %s\n", e.one_line().c_str());
    return 2;
  } catch (const std::exception& e) {
    // Errors from libraries (e.g. LibTorch) that we did not anticipate: keep it to one line.
    std::string what = e.what();
    std::fprintf(stderr, "ttq: error: %s\n", what.substr(0, what.find('\n')).c_str());
    return 2;
  }
  return 0;
}
