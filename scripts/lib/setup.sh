# Shared by scripts/test and scripts/sweep: install what a fresh Debian/Ubuntu machine lacks,
# then configure and build. Sourced, not run.

FA_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

log() { printf '\033[1m[fa-versus]\033[0m %s\n' "$*" >&2; }

# A LibTorch with CUDA inside Python's torch (the GPU image) beats Debian's CPU-only libtorch-dev.
python_torch_prefix() {
  command -v python3 >/dev/null 2>&1 || return 1
  python3 - <<'PY' 2>/dev/null
import torch
if torch.version.cuda is None:
    raise SystemExit(1)
print(torch.utils.cmake_prefix_path)
PY
}

ensure_packages() {
  local wanted=(cmake ninja-build g++ libbenchmark-dev libgtest-dev libfmt-dev nlohmann-json3-dev
                libcli11-dev)
  [ -n "$(python_torch_prefix)" ] || wanted+=(libtorch-dev)
  [ "${FA_WITH_CHROMIUM:-1}" = 1 ] && wanted+=(chromium)
  [ "${FA_WITH_FUZZER:-0}" = 1 ] && wanted+=(clang libclang-rt-14-dev)
  local missing=()
  for package in "${wanted[@]}"; do
    # A tool on PATH counts whatever installed it: the GPU image has CMake and Ninja from pip and
    # no network for apt-get.
    case $package in
      cmake | g++ | clang | chromium) command -v "$package" >/dev/null 2>&1 && continue ;;
      ninja-build) command -v ninja >/dev/null 2>&1 && continue ;;
    esac
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

# The compilers configure hands CMake, as env assignments in compiler_env. A GNU C++ compiler other
# than the system's /usr/bin/g++ of the same major version (the GPU image's default,
# /opt/gcc/bin/g++ 13.3, beside Ubuntu's g++ 13.3) gives way to the system's: its libstdc++
# headers make libfa_kernels.so define libstdc++ symbols of its own, which clash with the
# libstdc++ torch loads (a C++ error crashed Python; docs/python-layer.md). tests/CMakeLists.txt
# checks the library. An explicit -DCMAKE_CXX_COMPILER in the arguments is kept.
choose_compilers() {
  compiler_env=()
  local arg
  for arg in "$@"; do
    [[ $arg == -DCMAKE_CXX_COMPILER=* || $arg == -DCMAKE_CXX_COMPILER:*=* ]] && return 0
  done
  local default system=/usr/bin/g++
  default=$(command -v "${CXX:-c++}" 2>/dev/null) || return 0
  [ -x "$system" ] && [ -x /usr/bin/gcc ] || return 0
  [ "$(realpath "$default")" != "$(realpath "$system")" ] || return 0
  # Read whole, not piped into grep -q: under pipefail (the callers') an early grep exit would fail
  # the pipeline through the compiler's SIGPIPE.
  local macros
  macros=$("$default" -dM -E -x c++ /dev/null 2>/dev/null) || return 0
  [[ $macros == *__GNUC__* && $macros != *__clang__* ]] || return 0
  local default_major system_major
  default_major=$("$default" -dumpversion 2>/dev/null) system_major=$("$system" -dumpversion)
  [ "${default_major%%.*}" = "${system_major%%.*}" ] || return 0
  log "compiler: $system (GNU ${system_major%%.*}) instead of the default $default:" \
    "its libstdc++ is the one torch loads (docs/python-layer.md)"
  compiler_env=(CC=/usr/bin/gcc CXX="$system" CUDAHOSTCXX="$system")
}

# configure BUILD_DIR [extra cmake args...]: the project's CMake configure, quiet unless it fails.
configure() {
  local build_dir=$1
  shift
  local compiler_env
  choose_compilers "$@"
  local args=(-S "$FA_ROOT" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release)
  local torch_prefix
  torch_prefix=$(python_torch_prefix) && args+=("-DCMAKE_PREFIX_PATH=$torch_prefix")
  if [ -x /usr/local/cuda/bin/nvcc ] && ! command -v nvcc >/dev/null 2>&1; then
    args+=(-DCMAKE_CUDA_COMPILER=/usr/local/cuda/bin/nvcc)
  fi
  log "configuring $build_dir"
  env "${compiler_env[@]}" cmake "${args[@]}" "$@" >"$build_dir.configure.log" 2>&1 || {
    cat "$build_dir.configure.log"
    return 1
  }
  grep 'fa-versus:' "$build_dir.configure.log" >&2 || true
}

# configure_and_build BUILD_DIR [extra cmake args...]
configure_and_build() {
  configure "$@" || return 1
  log "building $1"
  cmake --build "$1" -j "${FA_JOBS:-$(nproc)}"
}
