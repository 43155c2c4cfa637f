#!/usr/bin/env bash
# crash.sh -- crash consistency: agents submit through their spools while relaisd is kill -9'd and restarted.
# usage: crash.sh RELAIS RELAISD AGENTS REFERRALS_PER_AGENT KILLS [SEED]
#
# Several `relais submit --spool` agents send REFERRALS_PER_AGENT referrals each, in small
# runs, while the broker is killed with SIGKILL KILLS times at random moments and restarted;
# a coordinator's `relais feed --json --state` follows along and is itself restarted now and
# then. At the end: every acknowledged message is in the log exactly once with the acked
# sequence number, every message the agents were asked to send is there, `relais audit
# verify` passes (and its case index check when it has one), and the subscriber saw every
# sequence number once, in order, never stalled (15 s without progress while behind) and never
# gave up on a refusal. The counts are printed, and appended as key=value lines
# to $RELAIS_TORTURE_SUMMARY when that is set (make torture).
# Needs bash, coreutils, grep and sed. Binds 127.0.0.1 only; removes everything it made.
set -euo pipefail

relais=$1
relaisd=$2
agents=$3
per_agent=$4
kills=$5
seed=${6:-$$}
RANDOM=$seed
run_size=10       # referrals per `relais submit` run
submit_timeout=$((120 + per_agent / 5)) # seconds a run waits across restarts

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init crash
broker_args=(--checkpoint-every 200 --verifiers 2)
feed_pid=
agent_pids=()
stop_agents() {
  for p in "${agent_pids[@]}" $feed_pid; do kill -KILL "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
on_cleanup=stop_agents

kill_broker() {
  kill -KILL "$broker_pid" 2>/dev/null || true
  wait "$broker_pid" 2>/dev/null || true
  broker_pid=
}

# The coordinator's feed, resuming from its state file; appends to feed.out.
start_feed() {
  env RELAIS_KEY="$tmp/keys/coordination.cert_secret" "$relais" feed --json --state "$tmp/feed.state" \
    >>"$tmp/feed.out" 2>>"$tmp/feed.err" &
  feed_pid=$!
  feed_starts=$((feed_starts + 1))
}
stop_feed() {
  kill -TERM "$feed_pid" 2>/dev/null || true
  wait "$feed_pid" 2>/dev/null || true
  feed_pid=
}

# One agent: runs of `relais submit --spool` over fresh referral files until all are sent.
# A run that times out leaves its messages in the spool; the next run (or the final
# flush) sends them.
agent() {
  local i=$1 name=partner-$1 n=0 run=0 files
  mkdir -p "$tmp/in-$i"
  while [ "$n" -lt "$per_agent" ]; do
    files=()
    for _ in $(seq "$run_size"); do
      [ "$n" -lt "$per_agent" ] || break
      n=$((n + 1))
      # 61 children shared by every agent: referrals of one child by several agencies share a case.
      local child=$(((n * 7 + i) % 61))
      printf '{"referral": {"external_ref": "crash-%s-%d", "referrer": {"organisation": "Agence %s", "role": "OTHER"},
 "child": {"family_name": "Enfant%d", "given_names": ["Test"], "birth_date": "2015-01-%02d"},
 "domains": ["EDUCATIONAL"], "description": "crash test %s #%d", "urgency": "ROUTINE",
 "consent": {"recorded_by": "test", "recorded_ms": '"$consent_ms"', "given_by": "parent"}}}\n' \
        "$name" "$n" "$name" "$child" $((child % 28 + 1)) "$name" "$n" >"$tmp/in-$i/$n.json"
      files+=("$tmp/in-$i/$n.json")
    done
    run=$((run + 1))
    local rc=0
    env RELAIS_KEY="$tmp/keys/$name.cert_secret" "$relais" submit --spool "$tmp/spool-$i" \
      --timeout "$submit_timeout" "${files[@]}" >>"$tmp/acks-$i.jsonl" 2>>"$tmp/agent-$i.err" || rc=$?
    [ "$rc" -eq 0 ] || echo "run $run exit $rc" >>"$tmp/agent-$i.runs"
  done
  echo "$n" >"$tmp/agent-$i.done"
}

# ---------------------------------------------------------------------------------------------
step "PKI: broker, $agents partners, a coordinator"
: >"$tmp/broker.log"
pki=(relaisd:broker coordination:coordinator)
for i in $(seq "$agents"); do pki+=("partner-$i:partner"); done
make_pki "${pki[@]}"

start_broker_on_free_port
export RELAIS_SERVER_CERT="$tmp/keys/relaisd.cert" RELAIS_SPOOL=
export HOME="$tmp/home"
mkdir -p "$HOME"

feed_starts=0
start_feed

step "$agents agents x $per_agent referrals; $kills kill -9s of the broker (seed $seed)"
for i in $(seq "$agents"); do
  agent "$i" &
  agent_pids+=($!)
done

agents_running() {
  local i
  for i in $(seq "$agents"); do [ -e "$tmp/agent-$i.done" ] || return 0; done
  return 1
}

survived=0
late_kills=0
for k in $(seq "$kills"); do
  # A random moment: 0.2 to 1.7 s of traffic.
  ms=$((200 + RANDOM % 1500))
  sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
  agents_running || late_kills=$((late_kills + 1))
  kill_broker
  # Sometimes restart the subscriber too (cleanly: it resumes from its state file).
  if [ $((RANDOM % 3)) -eq 0 ] || ! kill -0 "$feed_pid" 2>/dev/null; then
    stop_feed
    start_feed
  fi
  sleep "0.$((RANDOM % 5))"
  start_broker || { sleep 1; start_broker; } || fail "relaisd did not restart after kill $k"
  survived=$k
  printf 'kill %d/%d survived (log head %s)\n' "$k" "$kills" \
    "$(grep -o 'event=commit records=[0-9]* head=[0-9]*' "$tmp/broker.log" | tail -1 | sed 's/.*head=//')"
done

step "waiting for the agents"
for p in "${agent_pids[@]}"; do wait "$p" || fail "an agent failed"; done
agent_pids=()
# Whatever a timed-out run left in a spool goes now.
for i in $(seq "$agents"); do
  env RELAIS_KEY="$tmp/keys/partner-$i.cert_secret" "$relais" submit --flush --spool "$tmp/spool-$i" \
    --timeout 120 >>"$tmp/acks-$i.jsonl" 2>>"$tmp/agent-$i.err" || fail "final flush of agent $i failed"
done

step "waiting for the subscriber to reach the head"
# The head is the writer's last commit (the subscriber's own access records included). The
# subscriber is not restarted here: librelais subscribes again after every reconnection and,
# after 5 s without a delivery, grants its credit again (which also finds out a feed the
# broker no longer has), so a feed that makes no progress for 15 s while behind has stalled.
# That is counted (crash_feed_stalls) and fails the run.
log_head() { grep -o 'event=commit records=[0-9]* head=[0-9]*' "$tmp/broker.log" | tail -1 | sed 's/.*head=//'; }
kill -0 "$feed_pid" 2>/dev/null || start_feed
caught_up=0
stalls=0
prev=-1
still=0
for _ in $(seq 1200); do
  last=$(cat "$tmp/feed.state" 2>/dev/null || echo 0)
  if [ "$last" -ge "$(log_head)" ]; then
    caught_up=1
    break
  fi
  if [ "$last" = "$prev" ]; then still=$((still + 1)); else still=0; prev=$last; fi
  if [ "$still" -ge 150 ]; then
    stalls=1
    break
  fi
  sleep 0.1
done
if [ "$stalls" -ne 0 ]; then
  [ -z "${RELAIS_TORTURE_SUMMARY:-}" ] || printf 'crash_feed_stalls=%d\n' "$stalls" >>"$RELAIS_TORTURE_SUMMARY"
  echo "--- subscriber (tail)" >&2
  tail -5 "$tmp/feed.err" >&2 || true
  fail "the subscriber stalled at #$(cat "$tmp/feed.state" 2>/dev/null) (head $(log_head)): no progress for 15 s"
fi
[ "$caught_up" -eq 1 ] || fail "the subscriber stopped at $(cat "$tmp/feed.state" 2>/dev/null), head $(log_head)"
stop_feed
# A subscriber that exited on its own (a refusal it took as final) is a failure too, even
# though it was started again: every refusal of a feed after a broker restart is retried.
feed_failures=$(grep -c '^relais: ' "$tmp/feed.err" || true)

step "clean stop"
stop_broker_clean

# ---------------------------------------------------------------------------------------------
step "checks"
"$relais" audit export --store "$tmp/store" --data-key "$tmp/keys/data.key" >"$tmp/export.jsonl"
head=$(wc -l <"$tmp/export.jsonl")
# seq msg_id sender, one line per record
sed -n 's/^{"seq":\([0-9]*\),.*"sender":"\([^"]*\)".*"msg_id":"\([0-9a-f]*\)".*/\1 \3 \2/p' "$tmp/export.jsonl" \
  >"$tmp/log.txt"
[ "$(wc -l <"$tmp/log.txt")" -eq "$head" ] || fail "export lines do not parse: $(head -2 "$tmp/export.jsonl")"
[ "$(cut -d' ' -f1 "$tmp/log.txt" | tr '\n' ' ')" = "$(seq "$head" | tr '\n' ' ')" ] || fail "the log is not 1..$head"

cat "$tmp"/acks-*.jsonl >"$tmp/acks.jsonl"
refused=$(grep -c '"error"' "$tmp/acks.jsonl" || true)
[ "$refused" -eq 0 ] || fail "$refused refusals: $(grep '"error"' "$tmp/acks.jsonl" | head -3)"
# file msg_id seq, once per file (a message told twice, the second time as a duplicate, counts once)
sed -n 's/.*"file":"\([^"]*\)".*"msg_id":"\([0-9a-f]*\)".*"seq":\([0-9]*\).*/\1 \2 \3/p' "$tmp/acks.jsonl" |
  sort -u >"$tmp/acked.txt"
ack_lines=$(wc -l <"$tmp/acks.jsonl")
acked=$(cut -d' ' -f1 "$tmp/acked.txt" | sort -u | wc -l)
[ "$(cut -d' ' -f1 "$tmp/acked.txt" | sort | uniq -d | wc -l)" -eq 0 ] ||
  fail "a file was acknowledged with two ids or sequence numbers: $(cut -d' ' -f1 "$tmp/acked.txt" | sort | uniq -d | head -3)"
asked=$((agents * per_agent))
find "$tmp"/in-* -name '*.json' | sort >"$tmp/asked.txt"
[ "$(wc -l <"$tmp/asked.txt")" -eq "$asked" ] || fail "expected $asked files"
lost_files=$(cut -d' ' -f1 "$tmp/acked.txt" | sort -u | comm -23 "$tmp/asked.txt" - | wc -l)

# every acked (msg_id, seq) is a log line
awk '{print $3, $2}' "$tmp/acked.txt" | sort -u >"$tmp/acked-pairs.txt"
awk '{print $1, $2}' "$tmp/log.txt" | sort -u >"$tmp/log-pairs.txt"
missing_acked=$(comm -23 "$tmp/acked-pairs.txt" "$tmp/log-pairs.txt" | wc -l)
# exactly once: no message id twice, and each agent has exactly as many records as it was asked to send
dup_ids=$(cut -d' ' -f2 "$tmp/log.txt" | sort | uniq -d | wc -l)
extra=0
for i in $(seq "$agents"); do
  n=$(grep -c " partner-$i\$" "$tmp/log.txt" || true)
  [ "$n" -le "$per_agent" ] || extra=$((extra + n - per_agent))
  [ "$n" -ge "$per_agent" ] || lost_files=$((lost_files > per_agent - n ? lost_files : per_agent - n))
done
duplicates=$((dup_ids + extra))
lost=$((lost_files + missing_acked))

"$relais" audit verify --store "$tmp/store" --certs "$tmp/registry" --data-key "$tmp/keys/data.key" >"$tmp/verify.txt" 2>&1 ||
  { cat "$tmp/verify.txt"; fail "audit verify failed"; }
grep -qx 'result: ok' "$tmp/verify.txt" || { cat "$tmp/verify.txt"; fail "audit verify did not say ok"; }
cases_line=$(grep '^cases:' "$tmp/verify.txt" || true)
if [ -n "$cases_line" ]; then
  grep -q 'rebuilt, equal to the index' <<<"$cases_line" || fail "case index differs from a rebuild: $cases_line"
else
  cases_line="(this audit verify has no case index check yet)"
fi

sed -n 's/^{"seq":\([0-9]*\),.*/\1/p' "$tmp/feed.out" >"$tmp/feed.seqs"
feed_seen=$(wc -l <"$tmp/feed.seqs")
feed_dups=$(sort -n "$tmp/feed.seqs" | uniq -d | wc -l)
[ "$(tr '\n' ' ' <"$tmp/feed.seqs")" = "$(seq "$head" | tr '\n' ' ')" ] ||
  fail "the subscriber did not see 1..$head once in order ($feed_seen lines, $feed_dups duplicates, first \
$(head -1 "$tmp/feed.seqs"), last $(tail -1 "$tmp/feed.seqs"))"

printf 'kills survived: %d (of which after the traffic: %d)\n' "$survived" "$late_kills"
printf 'messages asked: %d\n' "$asked"
printf 'messages acknowledged: %d (ack lines %d; runs that timed out: %d)\n' "$acked" "$ack_lines" \
  "$(cat "$tmp"/agent-*.runs 2>/dev/null | wc -l)"
printf 'messages told twice (the second time as the original, duplicate ack): %d\n' \
  "$(grep -c '"duplicate":true' "$tmp/acks.jsonl" || true)"
printf 'messages lost: %d\n' "$lost"
printf 'duplicates: %d\n' "$duplicates"
printf 'log records: %d; subscriber saw %d in order over %d runs (stalls: %d, failures: %d)\n' "$head" \
  "$feed_seen" "$feed_starts" "$stalls" "$feed_failures"
printf 'audit verify: ok; %s\n' "$cases_line"
if [ -n "${RELAIS_TORTURE_SUMMARY:-}" ]; then
  printf 'crash_kills=%d\ncrash_acked=%d\ncrash_lost=%d\ncrash_duplicates=%d\ncrash_feed_stalls=%d\n' "$survived" \
    "$acked" "$lost" "$duplicates" "$stalls" >>"$RELAIS_TORTURE_SUMMARY"
fi
[ "$stalls" -eq 0 ] || fail "the subscriber stalled"
[ "$feed_failures" -eq 0 ] || fail "the subscriber failed $feed_failures times: $(grep '^relais: ' "$tmp/feed.err" | head -3)"
[ "$lost" -eq 0 ] || fail "$lost messages lost"
[ "$duplicates" -eq 0 ] || fail "$duplicates duplicates"
[ "$acked" -eq "$asked" ] || fail "$acked of $asked acknowledged"
echo "crash: all passed"
