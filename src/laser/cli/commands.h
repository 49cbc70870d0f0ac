// Registration of the `laser` subcommands, one function per module, each defined in cli/cmd_<module>.cpp.
// A subcommand parses its flags with CLI11 and calls the library; it holds no logic of its own.
#pragma once
#include <CLI/CLI.hpp>

namespace laser::cli {

void add_model_commands(CLI::App& app);   // generate, inspect, init-model
void add_text_commands(CLI::App& app);    // tokenize
void add_bandit_commands(CLI::App& app);  // bandit-sim
void add_reward_commands(CLI::App& app);  // score, serve-rm
void add_train_commands(CLI::App& app);   // sft, dpo
void add_loop_commands(CLI::App& app);    // train, compare, eval, rerank
void add_world_commands(CLI::App& app);   // world (the built-in synthetic world)
void add_check_commands(CLI::App& app);   // forward, dpo-grad (parity and speed checks)

}  // namespace laser::cli
