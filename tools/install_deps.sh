#!/usr/bin/env bash
# Installs everything alphatensor needs on Debian 12 (as root) and builds a static oneTBB once per
# machine. Debian ships oneTBB only as a shared library, and the binary must link it statically.
# A second static oneTBB, built with ThreadSanitizer, serves the TSan tests (tools/test.sh): TSan
# must see oneTBB's own synchronisation to check the code that runs in its tasks.
# Re-running is cheap: apt skips installed packages and both oneTBB builds are cached.
set -euo pipefail

TBB_PREFIX=${ALPHATENSOR_TBB_PREFIX:-/opt/alphatensor-deps/onetbb-static}
export DEBIAN_FRONTEND=noninteractive

pkgs=(build-essential cmake git dpkg-dev ca-certificates
      libeigen3-dev nlohmann-json3-dev
      libboost-program-options-dev libboost-test-dev libboost-context-dev
      chromium python3  # test_report renders the report headless and checks the PNG with python3
      python3-pip       # fetches the mpich wheel below (an MPI-5 standard ABI library for tests/mpi)
      gfortran          # the library's Fortran example (tests/api/install_examples.sh; python3: its ctypes one)
      slurm-wlm munge   # a single-node SLURM for tools/slurm/selftest.sh (tools/test.sh)
      openmpi-bin libopenmpi-dev mpich libmpich-dev  # MPI backends' headers (build) and both launchers (tests/mpi)
      debootstrap       # tools/release.sh builds in a Debian 11 root (CI runs it)
      qemu-user)        # the CPU paths run on emulated older CPUs (tests/isa/qemu_paths.sh)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# A test fixture, not a dependency: PyPI's mpich wheel is an MPICH 5 with the MPI-5 standard ABI
# (lib/libmpi_abi.so.1, include/mpi_abi.h), its MPICH-ABI libmpi.so.12 and its Hydra (bin/mpiexec),
# which Debian 12 does not have. Unpacked to $MPICH_WHEEL/{bin,lib,include}; pinned and hashed.
MPICH_WHEEL=${ALPHATENSOR_MPICH_WHEEL:-/opt/alphatensor-deps/mpich-wheel}
if [ ! -f "$MPICH_WHEEL/.complete" ]; then
  whl=mpich-5.0.2-py3-none-manylinux_2_28_x86_64.whl
  sha=8fed465ebff269ea2ebac179a25de02671ddf8df476e0f115be089015015cfd4
  rm -rf "$MPICH_WHEEL" && mkdir -p "$MPICH_WHEEL/dl"
  python3 -m pip download -q --no-deps --only-binary=:all: --platform manylinux_2_28_x86_64 \
    --python-version 3 -d "$MPICH_WHEEL/dl" mpich==5.0.2
  echo "$sha  $MPICH_WHEEL/dl/$whl" | sha256sum -c --quiet -
  python3 -m zipfile -e "$MPICH_WHEEL/dl/$whl" "$MPICH_WHEEL/dl/x"
  mv "$MPICH_WHEEL"/dl/x/mpich-5.0.2.data/data/* "$MPICH_WHEEL"/ && rm -rf "$MPICH_WHEEL/dl"
  chmod +x "$MPICH_WHEEL"/bin/*  # zipfile drops the modes
  touch "$MPICH_WHEEL/.complete"
  echo "install_deps: mpich 5.0.2 wheel unpacked into $MPICH_WHEEL"
fi

if [ -f "$TBB_PREFIX/.complete" ] && [ -f "$TBB_PREFIX-tsan/.complete" ]; then
  echo "install_deps: static oneTBB cached in $TBB_PREFIX (and -tsan)"
  exit 0
fi

# apt-get source needs a deb-src entry; add one for bookworm if none is configured.
if ! grep -rqsE '^(deb-src|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  cat > /etc/apt/sources.list.d/alphatensor-deb-src.sources <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  apt-get update -qq
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get source -qq onetbb >/dev/null)
src=$(find "$work" -maxdepth 1 -type d -name 'onetbb-*' | head -n 1)
[ -n "$src" ] || { echo "install_deps: apt-get source onetbb gave no source tree" >&2; exit 1; }

# build_tbb PREFIX BUILD_TYPE [CMAKE_ARGS...]
build_tbb() {
  local prefix=$1 type=$2
  shift 2
  [ -f "$prefix/.complete" ] && return 0
  rm -rf "$work/build"
  # TBB_STRICT=OFF: its -Werror breaks the Release build on g++ 12 (stringop-overflow).
  cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE="$type" -DBUILD_SHARED_LIBS=OFF \
        -DTBB_TEST=OFF -DTBB_STRICT=OFF -DTBB_EXAMPLES=OFF -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
        -DCMAKE_INSTALL_PREFIX="$prefix" "$@" >"$work/log" 2>&1 || { cat "$work/log"; exit 1; }
  cmake --build "$work/build" -j "$(nproc)" >"$work/log" 2>&1 || { tail -50 "$work/log"; exit 1; }
  cmake --install "$work/build" >"$work/log" 2>&1 || { cat "$work/log"; exit 1; }
  touch "$prefix/.complete"
  echo "install_deps: built static oneTBB into $prefix"
}
build_tbb "$TBB_PREFIX" Release
build_tbb "$TBB_PREFIX-tsan" RelWithDebInfo -DTBB_SANITIZE=thread
