// The `laser` program: subcommands from cli/cmd_*.cpp. Only this file turns laser::Error into an
// exit code (1 for errors in input, 2 for usage errors, 3 for anything unexpected).
#include <cstdio>
#include <exception>

#include "laser/cli/commands.h"
#include "laser/core/allocator.h"
#include "laser/core/error.h"
#include "laser/core/log.h"

int main(int argc, char** argv) {
  laser::apply_allocator_policy();  // before any tensor: see core/allocator.h
  CLI::App app{"laser: iterative preference optimization with a bandit that picks the reward model (LASeR)"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "show help for every subcommand");
  std::string log_level = "info";
  app.add_option("--log", log_level, "log level: debug, info, warn, error, off")->capture_default_str();
  app.parse_complete_callback([&] { laser::log::set_level(laser::log::parse_level(log_level)); });
  laser::cli::add_model_commands(app);
  laser::cli::add_text_commands(app);
  laser::cli::add_bandit_commands(app);
  laser::cli::add_reward_commands(app);
  laser::cli::add_train_commands(app);
  laser::cli::add_loop_commands(app);
  laser::cli::add_world_commands(app);
  laser::cli::add_check_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  } catch (const laser::Error& e) {
    std::fprintf(stderr, "laser: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "laser: unexpected error: %s\n", e.what());
    return 3;
  }
  return 0;
}
