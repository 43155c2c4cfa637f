#!/usr/bin/env bash
# torture.sh -- the long forms of the reliability tests (make torture), and their figures.
# usage: torture.sh BUILD_DIR
# Environment: TORTURE_AGENTS (4), TORTURE_PER_AGENT (2000), TORTURE_KILLS (25): the crash run;
# the hostile test runs with RELAIS_TORTURE=1 (100k messages and at least 3 minutes with a
# frozen subscriber, 5000 connections dropped), and the flood test too (1024 referrals of 60 KB
# in one case, 2000 timed referrals under each flood).
set -euo pipefail

build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
relais="$build/agents/relais"
relaisd="$build/broker/relaisd"
hostile="$build/tests/test_hostile"
flood="$build/tests/test_flood"
for b in "$relais" "$relaisd" "$hostile" "$flood"; do [ -x "$b" ] || { echo "torture: $b is not built" >&2; exit 2; }; done

summary=$(mktemp "${TMPDIR:-/tmp}/relais-torture.XXXXXX")
trap 'rm -f "$summary"' EXIT
export RELAIS_TORTURE_SUMMARY="$summary"
status=0

echo "==== crash consistency (long form)"
bash "$here/crash.sh" "$relais" "$relaisd" "${TORTURE_AGENTS:-4}" "${TORTURE_PER_AGENT:-2000}" \
  "${TORTURE_KILLS:-25}" || status=1
echo "==== hostile input and faults over CURVE (long form)"
RELAIS_TORTURE=1 "$hostile" || status=1
echo "==== memory and fair shares under attack (long form)"
RELAIS_TORTURE=1 "$flood" || status=1
echo "==== start-up files, hostile JSON, disk errors"
bash "$here/faults.sh" "$relais" "$relaisd" || status=1

get() { sed -n "s/^$1=//p" "$summary" | tail -1; }
echo
echo "==== relais torture: figures"
printf 'kills survived:                   %s\n' "$(get crash_kills)"
printf 'messages acknowledged:            %s\n' "$(get crash_acked)"
printf 'messages lost (must be 0):        %s\n' "$(get crash_lost)"
printf 'duplicates (must be 0):           %s\n' "$(get crash_duplicates)"
printf 'feed subscriber stalls (must be 0): %s\n' "$(get crash_feed_stalls)"
printf 'hostile inputs tried / refused:   %s / %s over CURVE, plus %s hostile JSON files refused locally\n' \
  "$(get hostile_tried)" "$(get hostile_refused)" "$(get json_tried)"
printf 'peak broker RSS, frozen feed:     %s KiB (of which anonymous %s KiB)\n' "$(get frozen_peak_rss_kib)" \
  "$(get frozen_peak_anon_kib)"
printf 'peak broker anonymous memory under the memory attack: %s KiB (bound 65536)\n' "$(get attack_peak_anon_kib)"
printf "another partner's ack p99 under a bad-signature flood: %s ms with fair shares alone, %s ms with the brake (bound 50)\n" \
  "$(get flood_fair-shares_p99_ms)" "$(get flood_brake_p99_ms)"
printf "a partner's ack while idle connections hold every descriptor: %s s (bound 7)\n" "$(get idle_ack_s)"
echo "(fuzz executions and crashes: see make fuzz)"
if [ "$status" -ne 0 ] || [ "$(get crash_lost)" != 0 ] || [ "$(get crash_duplicates)" != 0 ] ||
  [ "$(get crash_feed_stalls)" != 0 ]; then
  echo "torture: FAILED" >&2
  exit 1
fi
echo "torture: all passed"
