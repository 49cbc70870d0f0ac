#include "laser/cli/commands.h"

namespace laser::cli {

void add_bandit_commands(CLI::App& app) { (void)app; }

}  // namespace laser::cli
