#include "cli/commands.h"

int main(int argc, char** argv) { return vpccni::cli::RunVpcctl(argc, argv); }
