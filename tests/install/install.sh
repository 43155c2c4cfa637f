#!/usr/bin/env bash
# install.sh -- `cmake --install` of this build into a scratch prefix (its systemd units among the files checked),
# then what a partner does with it: the installed relais makes an identity, and hello_relais.c is built against the
# installed librelais twice, with `cc $(pkg-config --cflags --libs librelais)` and as a CMake project with
# find_package(relais), and run. The same builds against copies of the prefix without a header, or without the
# library, must fail: that is what shows the first ones used the install and nothing of the source folder.
# usage: install.sh BUILD_DIR SOURCE_DIR [CFLAGS]
#   CFLAGS: what a program linking this build's librelais must be compiled and linked with too (the sanitizers, for
#   an Asan build, whose objects call their runtime).
# Needs bash, cmake, a C compiler (cc), pkg-config and nm.
set -euo pipefail

build_dir=$1
source_dir=$2
read -r -a extra_flags <<<"${3:-}"
relais=/nonexistent relaisd=/nonexistent # lib.sh's helpers for the build's binaries are not used: the installed are
# shellcheck source-path=SCRIPTDIR source=../e2e/lib.sh
. "$source_dir/tests/e2e/lib.sh"
e2e_init install
prefix=$tmp/prefix
here=$source_dir/tests/install

step "cmake --install puts each part where GNUInstallDirs says"
cmake --install "$build_dir" --prefix "$prefix" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log" >&2; fail "cmake --install failed"; }
for f in bin/relais sbin/relaisd lib/librelais.a include/relais/relais_client.h include/relais/relais_proto.h \
  lib/pkgconfig/librelais.pc lib/cmake/relais/relaisConfig.cmake lib/cmake/relais/relaisConfigVersion.cmake \
  lib/cmake/relais/relaisTargets.cmake share/relais/schema/referral.schema.json share/man/man1/relais.1 \
  share/man/man1/relais-desk.1 share/man/man8/relaisd.8 share/man/man8/relais-agent.8 \
  lib/systemd/system/relaisd.service lib/systemd/system/relais-agent@.service \
  lib/systemd/system/relais-desk@.service lib/systemd/system/relais-snapshot.service \
  lib/systemd/system/relais-snapshot.timer libexec/relais/relais-snapshot; do
  [ -f "$prefix/$f" ] || fail "not installed: $f"
done
[ -x "$prefix/bin/relais" ] && [ -x "$prefix/sbin/relaisd" ] && [ -x "$prefix/libexec/relais/relais-snapshot" ] ||
  fail "the programs are not executable"
# The units start the programs of this prefix (tests/e2e/units.sh checks them with systemd-analyze).
grep -q "^ExecStart=$prefix/sbin/relaisd " "$prefix/lib/systemd/system/relaisd.service" ||
  fail "relaisd.service does not start the installed relaisd"
for s in "$source_dir"/schema/*.schema.json; do
  cmp -s "$s" "$prefix/share/relais/schema/${s##*/}" || fail "schema ${s##*/} not installed as it is"
done
# Every header the installed ones include with quotes is installed beside them.
for h in "$prefix"/include/relais/*.h; do
  for inc in $(sed -n 's/^#include "\(.*\)"/\1/p' "$h"); do
    [ -f "$prefix/include/relais/$inc" ] || fail "${h##*/} includes $inc, not installed"
  done
done
# librelais.a holds the codec and the identities with the client, so that -lrelais is all a partner names of ours.
nm -g --defined-only "$prefix/lib/librelais.a" >"$tmp/symbols" 2>/dev/null || fail "nm cannot read librelais.a"
for sym in relais_client_new relais_status_detail relais_identity_load; do
  grep -qw "$sym" "$tmp/symbols" || fail "librelais.a does not define $sym"
done

step "the installed relais makes the identities hello_relais uses"
expect_exit 0 "$prefix/bin/relais" --version
expect_exit 0 "$prefix/bin/relais" keygen hub --role broker --out "$tmp/keys"
expect_exit 0 "$prefix/bin/relais" keygen college-curie --role partner --org "Collège Marie Curie" --out "$tmp/keys"

# build_pc PREFIX OUT: hello_relais.c built as a partner would, with pkg-config looking in PREFIX first.
build_pc() {
  local flags
  flags=$(PKG_CONFIG_PATH=$1/lib/pkgconfig pkg-config --cflags --libs librelais) || return 1
  # shellcheck disable=SC2086 # pkg-config's flags are words
  cc -std=c11 -Wall -Wextra -Werror "${extra_flags[@]}" -o "$2" "$here/hello_relais.c" $flags
}
# build_cmake PREFIX DIR: the CMake project of tests/install/project, find_package(relais) finding PREFIX.
build_cmake() {
  cmake -S "$here/project" -B "$2" -DCMAKE_PREFIX_PATH="$1" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
    -DCMAKE_C_FLAGS="${extra_flags[*]}" -DCMAKE_EXE_LINKER_FLAGS="${extra_flags[*]}" &&
    cmake --build "$2"
}
# run_hello BINARY: the identity's name on stdout, and nothing else.
run_hello() {
  expect_exit 0 "$1" "$tmp/keys/college-curie.cert_secret" "$tmp/keys/hub.cert" "$tmp/spool-$2"
  [ "$(cat "$tmp/out")" = college-curie ] || fail "$2: printed '$(cat "$tmp/out")', not college-curie"
}

step "hello_relais built with pkg-config against the install, and run"
build_pc "$prefix" "$tmp/hello-pc" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log" >&2; fail "cc with pkg-config failed"; }
run_hello "$tmp/hello-pc" pc

step "hello_relais built by a CMake project with find_package(relais), and run"
build_cmake "$prefix" "$tmp/cmake" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log" >&2; fail "the CMake project failed"; }
run_hello "$tmp/cmake/hello_relais" cmake

step "without the header relais_client.h includes, or without librelais.a, neither builds"
cp -a "$prefix" "$tmp/no-header"
rm "$tmp/no-header/include/relais/relais_proto.h"
cp -a "$prefix" "$tmp/no-lib"
rm "$tmp/no-lib/lib/librelais.a"
for broken in no-header no-lib; do
  ! build_pc "$tmp/$broken" "$tmp/hello-$broken" >"$tmp/build.log" 2>&1 ||
    fail "pkg-config build succeeded against the install $broken"
  ! build_cmake "$tmp/$broken" "$tmp/cmake-$broken" >"$tmp/build.log" 2>&1 ||
    fail "CMake build succeeded against the install $broken"
done

echo "install: ok"
