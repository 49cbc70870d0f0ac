#include "laser/cli/commands.h"

namespace laser::cli {

void add_loop_commands(CLI::App& app) { (void)app; }

}  // namespace laser::cli
