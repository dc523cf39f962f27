#!/usr/bin/env bash
# Portable release: dist/alphatensor-<version>-linux-x86_64.tar.gz, built in a Debian 11 root so
# that the binary needs only glibc 2.17 (it starts on every x86-64 Linux since CentOS 7).
#
#   tools/release.sh [--quick]
#
# The root (debootstrap bullseye: gcc 10, CMake 3.18, Eigen 3.3.9, Boost with its .a files, and a
# static oneTBB built there from Debian 12's onetbb source, as bullseye only has TBB 2020) is made
# once and cached in $ALPHATENSOR_DEPS (default /opt/alphatensor-deps)/bullseye-root. This
# machine's CUDA toolkit (from `which nvcc`) is bind-mounted into it for the build. The kernels
# are compiled as SASS for every architecture the toolkit lists from sm_75 up (bar the ARM SoCs)
# plus PTX for the newest; --quick (CI): SASS and PTX for sm_75 only, named ...-x86_64-quick.tar.gz.
# ALPHATENSOR_DEBIAN_MIRROR replaces http://deb.debian.org/debian for debootstrap.
# The tarball gets its release name only when every check below holds; otherwise the script prints
# one line naming the failed check (details in dist/release.log) and exits 1.
set -euo pipefail
{  # read whole before it runs: editing the script during a release does not derail it
cd "$(dirname "$0")/.."
src=$PWD

quick=0
case "${1:-}" in
  "") ;;
  --quick) quick=1 ;;
  -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "release: unknown option $1 (usage: tools/release.sh [--quick])" >&2; exit 2 ;;
esac

deps=${ALPHATENSOR_DEPS:-/opt/alphatensor-deps}
root=$deps/bullseye-root
mirror=${ALPHATENSOR_DEBIAN_MIRROR:-http://deb.debian.org/debian}
glibc_max=2.17
# debootstrap's resolver does not follow virtual packages (libopenmpi-dev needs libltdl-dev, which
# needs automake-1.16, provided by automake: left unconfigured, the root fails), so it installs
# boot_pkgs and apt-get in the root adds the rest of root_pkgs (below).
boot_pkgs=build-essential,cmake,libeigen3-dev,nlohmann-json3-dev,libboost-program-options-dev,libboost-test-dev,libboost-context-dev,ca-certificates
root_pkgs=$boot_pkgs,libmpich-dev,libopenmpi-dev

mkdir -p dist "$deps"
exec 9>"$deps/.release.lock"
flock 9  # one release at a time per root
log=$src/dist/release.log
: >"$log"
t0=$(date +%s)
say() { echo "release: $* ($(( $(date +%s) - t0 )) s)"; }
fail() { echo "release: FAILED: $* (details: dist/release.log)" >&2; exit 1; }
# run CHECK CMD...: CMD's output goes to the log; if it fails, so does the release, naming CHECK.
run() { local what=$1; shift; echo "== $what: $*" >>"$log"; "$@" >>"$log" 2>&1 || fail "$what"; }

[ "$(id -u)" = 0 ] || fail "must run as root (debootstrap, chroot, bind mounts)"
# in_chroot ROOT SCRIPT: runs SCRIPT with sh -e in ROOT, with a clean environment.
in_chroot() { env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 chroot "$1" /bin/sh -ec "$2"; }

# Bind mounts into a root; all undone on exit, also on failure or Ctrl-C.
mounts=()
unmount_all() {
  local i
  for (( i=${#mounts[@]}-1; i>=0; i-- )); do umount "${mounts[i]}" 2>/dev/null || umount -l "${mounts[i]}" || true; done
  mounts=()
}
trap unmount_all EXIT
trap 'exit 130' INT TERM
mount_into() {  # mount_into TARGET MOUNT-ARGS...
  mkdir -p "$1"
  local target=$1; shift
  mount "$@" "$target" >>"$log" 2>&1 || fail "mount $target"
  mounts+=("$target")
}
mount_basics() {  # /proc, /dev and the source tree at /src
  mount_into "$1/proc" -t proc proc
  mount_into "$1/dev" --bind /dev
  mount_into "$1/src" --bind "$src"
}
# Mounts under DIR left by a run killed with SIGKILL (we hold the lock: nobody else uses them).
unmount_stale() {
  local m
  for m in $(awk -v p="$1/" 'index($2, p) == 1 {print $2}' /proc/mounts | sort -r); do umount -l "$m"; done
}
# Never delete through a mount.
remove_root_dir() { unmount_stale "$1"; rm -rf --one-file-system "$1"; }
unmount_stale "$root"
unmount_stale "$root.partial"

# --- The Debian 11 root, made once ------------------------------------------------------------
make_root() {
  local part=$root.partial
  if [ ! -f "$part/.debootstrap-done" ]; then
    command -v debootstrap >/dev/null || fail "cannot make the Debian 11 root: debootstrap is not installed (tools/install_deps.sh); no release built"
    remove_root_dir "$part"
    say "making the Debian 11 root in $root (debootstrap from $mirror, cached)"
    echo "== debootstrap" >>"$log"
    debootstrap --variant=minbase --include="$boot_pkgs" bullseye "$part" "$mirror" >>"$log" 2>&1 ||
      fail "cannot make the Debian 11 root (debootstrap bullseye from $mirror); no release built"
    touch "$part/.debootstrap-done"
  fi
  # bullseye's TBB is 2020.3: build Debian 12's oneTBB 2021 (on the host: apt-get source) with gcc 10.
  say "building a static oneTBB in the root (cached)"
  rm -rf "$part/usr/src/onetbb" "$part/tmp/onetbb-build"
  mkdir -p "$part/usr/src/onetbb"
  local work
  work=$(mktemp -d)
  (cd "$work" && apt-get source -qq onetbb) >>"$log" 2>&1 || { rm -rf "$work"; fail "apt-get source onetbb (needs a deb-src entry: tools/install_deps.sh)"; }
  cp -a "$work"/onetbb-*/. "$part/usr/src/onetbb/"
  rm -rf "$work"
  mount_basics "$part"
  # Debian's warning-flags.patch adds -Wno-error=use-after-free, which gcc 10 does not know.
  sed -i 's/ -Wno-error=use-after-free//' "$part/usr/src/onetbb/cmake/compilers/GNU.cmake"
  run "oneTBB build in the Debian 11 root" in_chroot "$part" '
    cmake -S /usr/src/onetbb -B /tmp/onetbb-build -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
          -DTBB_TEST=OFF -DTBB_STRICT=OFF -DTBB_EXAMPLES=OFF -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
          -DCMAKE_INSTALL_PREFIX=/opt/onetbb-static
    cmake --build /tmp/onetbb-build -j "$(nproc)"
    cmake --install /tmp/onetbb-build
    rm -rf /tmp/onetbb-build /usr/src/onetbb'
  unmount_all
  remove_root_dir "$root"
  mv "$part" "$root"
  touch "$root/.complete"
}
if [ -f "$root/.complete" ]; then say "Debian 11 root cached in $root"; else make_root; fi
# Packages of root_pkgs the root lacks: the ones past boot_pkgs, or any that joined after a cached
# root was made.
missing=$(for p in ${root_pkgs//,/ }; do in_chroot "$root" "dpkg -s $p >/dev/null 2>&1" || echo "$p"; done | tr '\n' ' ')
if [ -n "${missing// /}" ]; then
  say "adding to the Debian 11 root: $missing"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  mount_basics "$root"
  run "apt-get install in the Debian 11 root" in_chroot "$root" \
    "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing"
  unmount_all
fi

# --- CUDA architectures -----------------------------------------------------------------------
nvcc=$(command -v nvcc || true)
[ -n "$nvcc" ] || [ ! -x /usr/local/cuda/bin/nvcc ] || nvcc=/usr/local/cuda/bin/nvcc
[ -n "$nvcc" ] || fail "no nvcc on PATH or in /usr/local/cuda: the release needs this machine's CUDA toolkit"
nvcc=$(readlink -f "$nvcc")
cuda=$(dirname "$(dirname "$nvcc")")
# sm_87 (Jetson Orin) and sm_110 (Jetson Thor) are ARM SoCs: an x86-64 binary never meets them.
mapfile -t sms < <("$nvcc" --list-gpu-code | sed -n 's/^sm_\([0-9]*\)$/\1/p' | awk '$1 >= 75 && $1 != 87 && $1 != 110' | sort -n)
[ ${#sms[@]} -gt 0 ] || fail "nvcc --list-gpu-code lists no architecture from sm_75 up"
[ $quick = 1 ] && sms=("${sms[0]}")
newest=${sms[${#sms[@]}-1]}
cmake_archs=$(printf '%s-real;' "${sms[@]}")
cmake_archs="${cmake_archs%"$newest-real;"}$newest"  # the newest: SASS and PTX
promised="$(printf 'sm_%s ' "${sms[@]}")compute_$newest"

# --- Build in the root ------------------------------------------------------------------------
bdir=build-release  # one folder for both: switching --quick rebuilds only the CUDA objects
git_id=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -z "$(git status --porcelain 2>/dev/null)" ] || git_id+=-dirty
say "building in the Debian 11 root ($bdir/, CUDA $(basename "$cuda"): $promised)"
mount_basics "$root"
mount_into "$root$cuda" --bind "$cuda"
run "build in the Debian 11 root" in_chroot "$root" "
  cmake -S /src -B /src/$bdir -DCMAKE_BUILD_TYPE=Release -DALPHATENSOR_TESTS=OFF -DALPHATENSOR_GLIBC_COMPAT=ON \
        -DALPHATENSOR_TBB_PREFIX=/opt/onetbb-static -DALPHATENSOR_GIT=$git_id \
        -DCMAKE_CUDA_COMPILER=$nvcc '-DCMAKE_CUDA_ARCHITECTURES=$cmake_archs'
  cmake --build /src/$bdir -j $(nproc) --target alphatensor"
unmount_all  # the checks run without the toolkit
# The MPI backends are compiled against the root's MPICH and Open MPI headers; none may be left out.
! grep -q "MPI backend .*: left out" "$log" || fail "an MPI backend was left out: $(grep -o 'MPI backend .*: left out' "$log" | head -n 1)"
bin=$src/$bdir/alphatensor

# --- Package ----------------------------------------------------------------------------------
version=$(sed -n 's/^project(alphatensor VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
name=alphatensor-$version-linux-x86_64$([ $quick = 1 ] && echo -quick || true)  # never mistaken for the full one
tarball=dist/$name.tar.gz
rm -rf "dist/$name" "$tarball" "$tarball.partial"  # a failed release leaves nothing under the name
stage=dist/.stage
rm -rf "$stage" && mkdir -p "$stage/$name/slurm"
cp "$bin" README.md LICENSE "$stage/$name/"
cp tools/release/train.conf "$stage/$name/train.example.conf"
cp tools/slurm/*.sbatch "$stage/$name/slurm/"
(cd "$stage/$name" && find . -type f ! -name SHA256SUMS | sed 's|^\./||' | sort | xargs sha256sum >SHA256SUMS)
tar -C "$stage" --owner=0 --group=0 --numeric-owner -czf "$tarball.partial" "$name"

# --- Checks (on the packaged binary) ----------------------------------------------------------
say "checking $name"
pkg=$stage/$name/alphatensor
floor=$(objdump -T "$pkg" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)
[ -n "$floor" ] || fail "glibc floor: objdump -T shows no GLIBC_ version"
[ "$(printf '%s\n%s\n' "$floor" "$glibc_max" | sort -V | tail -n 1)" = "$glibc_max" ] ||
  fail "glibc floor: the binary needs GLIBC_$floor > $glibc_max (objdump -T)"
needed=$(readelf -d "$pkg" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
for lib in $needed; do
  case $lib in
    libc.so.6|libm.so.6|libpthread.so.0|libdl.so.2|librt.so.1|ld-linux-x86-64.so.2) ;;
    *) fail "NEEDED lists $lib, not a glibc library (readelf -d)" ;;
  esac
done

# In the Debian 11 root (glibc 2.31, no CUDA), from the unpacked tarball, as a user would run it.
checkdir=/tmp/alphatensor-release-check
rm -rf "$root$checkdir" && mkdir -p "$root$checkdir/data"
tar -C "$root$checkdir" -xzf "$tarball.partial"
cp data/schemes/* "$root$checkdir/data/"
mount_into "$root/proc" -t proc proc
mount_into "$root/dev" --bind /dev
in_root() { in_chroot "$root" "cd $checkdir/$name && $1"; }
run "SHA256SUMS in the tarball" in_root "sha256sum -c --quiet SHA256SUMS"
run "alphatensor info in the Debian 11 root" in_root "./alphatensor info >../info.txt && cat ../info.txt"
info=$root$checkdir/info.txt
grep -q "^alphatensor $version " "$info" || fail "info: version is not $version"
grep -q "^glibc floor:  GLIBC_$floor " "$info" || fail "info: its glibc floor is not objdump's GLIBC_$floor"
code=$(sed -n 's/^CUDA code: *\(.*\) (read from.*/\1/p' "$info")
[ "$code" = "$promised" ] || fail "fatbin holds '$code', promised '$promised'"
run "verify every scheme in data/ in the Debian 11 root" in_root "./alphatensor verify ../data/*"
run "20-second improve in the Debian 11 root" in_root \
  "./alphatensor improve --format 3,3,3 --field Z2 --from naive --time-limit 20 --threads 2 --out ../improve"
run "schemes written by improve verify" in_root 'ls ../improve/schemes/*.json >/dev/null && ./alphatensor verify ../improve/schemes/*.json'
run "20-second train (example config) in the Debian 11 root" in_root \
  "./alphatensor train --config train.example.conf --time-limit 20 --threads 2 --out ../train"
run "schemes written by train verify" in_root 'ls ../train/schemes/*.json >/dev/null && ./alphatensor verify ../train/schemes/*.json'
unmount_all
rm -rf "$root$checkdir"

mv "$tarball.partial" "$tarball"
rm -rf "$stage"
say "$tarball: $(du -h "$tarball" | cut -f1), GLIBC_$floor, NEEDED: $needed, CUDA: $promised"
exit 0
}
