// fa-compare: see cli.h and docs/fa-compare.md.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "cli.h"
#include "report/output_file.h"

int main(int argc, char** argv) {
  // A closed stdout (`fa-compare ... | head -1`) must not kill it before its exit status.
  fa::report::ignore_broken_pipes();
  std::ios::sync_with_stdio(false);
  return fa::compare::compare_main(argc, argv, std::cout, std::cerr,
                                   ::isatty(::fileno(stdout)) == 1);
}
