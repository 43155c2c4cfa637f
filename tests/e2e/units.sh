#!/usr/bin/env bash
# units.sh -- the systemd units of systemd/, checked statically (systemd need not be running): `cmake --install`
# into a scratch prefix puts them in lib/systemd/system with the prefix's programs in their ExecStart lines;
# `systemd-analyze verify` reads each of them (the templates as an instance) without a word, and is shown to speak
# on a copy with an unknown setting and on one whose program is missing; `systemd-analyze security --offline=true`
# scores each service's exposure, relaisd.service and relaisd@.service (a town's hub on a machine of several) at most
# 2.0 and the others at most 3.0; each town's instance names only its own town's paths. Then the snapshot timer's
# script: it names each snapshot after its data key generation and deletes those whose generation is neither the
# store's nor still in the backup-key store (a stand-in for `relais audit snapshot`, the real `relais datakey
# retired`).
# usage: units.sh RELAIS BUILD_DIR SOURCE_DIR
# Needs bash, cmake, systemd-analyze (Debian's systemd package), grep and sed.
set -euo pipefail

real_relais=$1
build_dir=$2
source_dir=$3
relais=/nonexistent relaisd=/nonexistent # lib.sh's helpers for the build's binaries are not used
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$source_dir/tests/e2e/lib.sh"
e2e_init units
prefix=$tmp/prefix
units=$prefix/lib/systemd/system
command -v systemd-analyze >/dev/null || fail "no systemd-analyze (scripts/install-deps installs systemd)"
systemd-analyze --version | head -1

step "cmake --install puts the units in lib/systemd/system, naming the prefix's programs"
cmake --install "$build_dir" --prefix "$prefix" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log" >&2; fail "cmake --install failed"; }
services=(relaisd.service relaisd@.service relais-agent@.service relais-desk@.service relais-snapshot.service
  relais-snapshot@.service)
for f in "${services[@]}" relais-snapshot.timer relais-snapshot@.timer; do
  [ -f "$units/$f" ] || fail "not installed: lib/systemd/system/$f"
done
[ -x "$prefix/libexec/relais/relais-snapshot" ] || fail "not installed: libexec/relais/relais-snapshot"
! grep -n '@[A-Z]*@' "$units"/* "$prefix/libexec/relais/relais-snapshot" || fail "a placeholder left unfilled"
grep -q "^ExecStart=$prefix/sbin/relaisd " "$units/relaisd.service" || fail "relaisd.service does not start $prefix/sbin/relaisd"
grep -q "^ExecStart=$prefix/sbin/relaisd " "$units/relaisd@.service" || fail "relaisd@.service does not start $prefix/sbin/relaisd"

# verify DIR UNIT...: systemd-analyze verify of the UNITs of DIR (a template as an instance), its words in $tmp/out;
# fails when it says anything at all, a warning included, or exits with an error.
verify() {
  local dir=$1 rc=0
  shift
  (cd "$dir" && systemd-analyze verify --man=no "$@") >"$tmp/out" 2>&1 || rc=$?
  [ "$rc" -eq 0 ] && [ ! -s "$tmp/out" ]
}
instances=(relaisd.service relaisd@sceaux.service relais-agent@college-curie.service relais-desk@coordination.service
  relais-snapshot.service relais-snapshot.timer relais-snapshot@sceaux.service relais-snapshot@sceaux.timer)

step "systemd-analyze verify reads every unit without a warning"
for u in "${instances[@]}"; do
  verify "$units" "$u" || { cat "$tmp/out" >&2; fail "systemd-analyze verify $u"; }
done

step "... and speaks on a unit with an unknown setting, or whose program is missing"
mkdir "$tmp/bad-key" "$tmp/bad-exec"
cp "$units"/* "$tmp/bad-key/" && cp "$units"/* "$tmp/bad-exec/"
sed -i 's/^UMask=0077$/UMask=0077\nProtectEverything=yes/' "$tmp/bad-key/relais-agent@.service"
! verify "$tmp/bad-key" relais-agent@college-curie.service || fail "verify saw no unknown setting"
grep -q ProtectEverything "$tmp/out" || { cat "$tmp/out" >&2; fail "verify did not name the unknown setting"; }
sed -i "s|^ExecStart=$prefix/sbin/relaisd |ExecStart=$tmp/nowhere/relaisd |" "$tmp/bad-exec/relaisd.service"
! verify "$tmp/bad-exec" relaisd.service || fail "verify accepted a program that is not there"

step "a town's hub and its snapshots name that town's paths only, the single hub's none"
# Every path of a template that is under /etc/relais or /var/lib/relais(-snapshots) goes through the instance's name.
for t in relaisd@.service relais-snapshot@.service; do
  grep -v '^#' "$units/$t" | grep -o '/\(etc/relais\|var/lib/relais\(-snapshots\)\{0,1\}\)\(/[^ ]*\)\{0,1\}' >"$tmp/paths" || true
  [ -s "$tmp/paths" ] || fail "$t names no path of the hub"
  ! grep -v '^/\(etc/relais\|var/lib/relais\(-snapshots\)\{0,1\}\)/%i\(/\|$\)' "$tmp/paths" || fail "$t names a path outside the instance's folders"
done
grep -q '^StateDirectory=relais/%i$' "$units/relaisd@.service" || fail "relaisd@.service: the store's folder is not relais/%i"
grep -q '^ReadWritePaths=/var/lib/relais/%i /etc/relais/%i/relais-hub$' "$units/relaisd@.service" ||
  fail "relaisd@.service: it may write outside its town's folders"

step "systemd-analyze security --offline=true: the exposure of each service"
for u in relaisd.service relaisd@sceaux.service relais-agent@college-curie.service relais-desk@coordination.service \
  relais-snapshot.service relais-snapshot@sceaux.service; do
  (cd "$units" && systemd-analyze security --offline=true --no-pager "$u") >"$tmp/out" 2>&1 ||
    { cat "$tmp/out" >&2; fail "systemd-analyze security $u"; }
  score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9][0-9]*\.[0-9]\).*/\1/p' "$tmp/out")
  [ -n "$score" ] || { cat "$tmp/out" >&2; fail "$u: no exposure level found"; }
  limit=3.0
  case $u in relaisd.service | relaisd@*) limit=2.0 ;; esac
  echo "$u: exposure $score (at most $limit)"
  awk -v s="$score" -v l="$limit" 'BEGIN { exit !(s <= l) }' ||
    { grep '✗' "$tmp/out" >&2 || true; fail "$u: exposure $score above $limit"; }
done

step "relais-snapshot names each snapshot after its generation and deletes those past their backup period"
# A stand-in for relais: `audit snapshot` makes the folder and prints what the real one prints (agents/audit/audit.c's
# report) for the generation in $tmp/generation; everything else is the real relais.
cat >"$tmp/relais" <<STUB
#!/bin/sh
if [ "\$1 \$2" = "audit snapshot" ]; then
  mkdir "\$6" && echo snapshot >"\$6/data.mdb"
  echo "snapshot: 10 records, 1 checkpoints, 0.1 MiB, in \$6"
  echo "sealed under data key generation \$(cat "$tmp/generation"): the copy is read with that generation's file, and checked without it"
  exit 0
fi
exec "$real_relais" "\$@"
STUB
chmod +x "$tmp/relais"
grep -q '"sealed under data key generation %" PRIu32 ": the copy is read' "$source_dir/agents/audit/audit.c" ||
  fail "relais audit snapshot no longer reports its generation as this stand-in does"
snap=$tmp/snapshots retired=$tmp/retired
mkdir "$snap" "$retired"
take() { RELAIS=$tmp/relais "$prefix/libexec/relais/relais-snapshot" "$tmp/store" "$snap" "$retired" >"$tmp/out" 2>&1 ||
  { cat "$tmp/out" >&2; fail "relais-snapshot failed"; }; }
count() { find "$snap" -mindepth 1 -maxdepth 1 -name "*.gen-$1" | wc -l; }
echo 1 >"$tmp/generation"
take
[ "$(count 1)" -eq 1 ] || fail "no snapshot named .gen-1"
sleep 1
echo 2 >"$tmp/generation" # relaisd rotated: generation 1 retired, kept in the backup-key store
touch "$retired/data-key.gen-1.retired-$(($(date +%s) * 1000))"
take
if [ "$(count 1)" -ne 1 ] || [ "$(count 2)" -ne 1 ]; then fail "a snapshot of a generation still kept was deleted"; fi
sleep 1
echo 3 >"$tmp/generation" # and again; then relaisd destroyed generation 1 at the end of its backup period
touch "$retired/data-key.gen-2.retired-$(($(date +%s) * 1000))"
rm "$retired"/data-key.gen-1.*
take
[ "$(count 1)" -eq 0 ] || fail "the snapshot of destroyed generation 1 is still there"
grep -q "generation 1 is destroyed" "$tmp/out" || fail "relais-snapshot did not say what it deleted"
if [ "$(count 2)" -ne 1 ] || [ "$(count 3)" -ne 1 ]; then fail "snapshots of generations 2 and 3 should stay"; fi
[ -z "$(find "$snap" -name '.taking-*')" ] || fail "a snapshot in the making was left behind"

echo "units: ok"
