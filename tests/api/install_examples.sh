#!/usr/bin/env bash
# Installs the build into a temporary prefix and builds and runs every example against the
# installed package only (not the build tree): C++, C (also under AddressSanitizer), Fortran
# (when gfortran is there), Python ctypes. Also checks that no path of the build machine is in
# the installed files, that only the public headers are installed, and that the versions agree.
# Usage: install_examples.sh BUILD_DIR SOURCE_DIR TBB_PREFIX
set -euo pipefail
build=$(cd "$1" && pwd) src=$(cd "$2" && pwd) tbb=$3
work=$(mktemp -d /tmp/alphatensor_install_XXXXXX)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
scheme=$src/data/schemes/3x3x3_r23_Z.json
fail() { echo "install_examples: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >"$work/install.log" || { cat "$work/install.log"; exit 1; }

# Nothing installed may name the build machine's folders (sources, build, oneTBB). The binary is
# left out: its CUDA kernels carry line info (-lineinfo, for Nsight) naming their source files.
if leaks=$(grep -rl --exclude-dir=bin -e "$build" -e "$src" -e "$tbb" "$prefix"); then fail "build-machine paths in: $leaks"; fi
headers=$(cd "$prefix/include" && find . -type f | sort | tr '\n' ' ')
[ "$headers" = "./alphatensor/alphatensor.h ./alphatensor/alphatensor.hpp ./alphatensor/version.h " ] ||
  fail "installed headers are not just the public ones: $headers"

# One version: the CMake package, the binary and (in the examples) the library and its headers.
package_version=$(sed -n 's/^set(PACKAGE_VERSION "\(.*\)")$/\1/p' "$prefix/lib/cmake/alphatensor/alphatensorConfigVersion.cmake")
"$prefix/bin/alphatensor" info --json | grep -q "\"version\": \"$package_version\"" ||
  fail "alphatensor info does not say version $package_version"

# example NAME DIR [CMAKE_ARGS...]: configure against the prefix only, build, run with the scheme.
example() {
  local name=$1 dir=$2
  shift 2
  echo "== $name"
  cmake -S "$src/examples/$dir" -B "$work/$name" -DCMAKE_PREFIX_PATH="$prefix" -DALPHATENSOR_TBB_PREFIX="$tbb" "$@" \
        >"$work/$name.log" 2>&1 || { cat "$work/$name.log"; fail "$name: configure failed"; }
  cmake --build "$work/$name" >>"$work/$name.log" 2>&1 || { cat "$work/$name.log"; fail "$name: build failed"; }
  local exe
  exe=$(find "$work/$name" -maxdepth 1 -type f -name 'example_*' -perm -u+x | head -n 1)
  timeout 60 "$exe" "$scheme" || fail "$name: exit $?"
}
example cpp cpp
example c c
example c-asan c -DCMAKE_C_FLAGS="-fsanitize=address -fno-omit-frame-pointer" -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address
if command -v gfortran >/dev/null; then example fortran fortran; else echo "== fortran: skipped (no gfortran)"; fi
echo "== python"
timeout 60 python3 "$src/examples/python/example.py" "$prefix/lib/libalphatensor_c.so" "$scheme" || fail "python: exit $?"
echo "install_examples: all examples ran against $package_version installed in a temporary prefix"
