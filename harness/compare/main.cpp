// fa-compare: see cli.h and docs/fa-compare.md.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "cli.h"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  return fa::compare::compare_main(argc, argv, std::cout, std::cerr,
                                   ::isatty(::fileno(stdout)) == 1);
}
