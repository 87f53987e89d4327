#!/bin/sh
# libfa_kernels.so must call the process's libstdc++, not carry functions of its own: built by a
# compiler whose libstdc++ is not the one torch loads (the GPU image's /opt/gcc g++), it defined
# 628, and a C++ error with an integer in its message crashed Python (docs/python-layer.md).
# Usage: no_private_libstdcxx.sh LIBRARY NM COMPILER_DESCRIPTION
library=$1 nm=$2 compiler=$3
symbols=$("$nm" -C --defined-only "$library") || { echo "cannot read $library with $nm"; exit 1; }
# A stripped library would pass without being checked.
[ -n "$symbols" ] || { echo "$library has no symbol table to check (stripped?)"; exit 1; }
count=$(printf '%s\n' "$symbols" | grep -c ' T std::')
if [ "$count" -ne 0 ]; then
  echo "$library defines $count libstdc++ functions (nm -C --defined-only | grep -c ' T std::'), e.g.:"
  printf '%s\n' "$symbols" | grep ' T std::' | head -n 3
  echo "built with $compiler, whose libstdc++ is not the process's: configure from scratch with" \
       "CC=/usr/bin/gcc CXX=/usr/bin/g++ CUDAHOSTCXX=/usr/bin/g++ (scripts/lib/setup.sh does)"
  exit 1
fi
echo "$library defines no libstdc++ functions (built with $compiler)"
