#!/usr/bin/env bash
# agents.sh -- end-to-end test of `relais` keygen, submit, feed and case against the real relaisd on loopback.
# usage: agents.sh RELAIS_BINARY RELAISD_BINARY EXAMPLES_DIR
# Needs only bash, coreutils, grep and sed: JSON lines are read with sed, which is safe here
# because every value read is a number, hex, a case id or a certificate name.
set -euo pipefail

relais=$1
relaisd=$2
examples=$3
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init agents

# ---------------------------------------------------------------------------------------------
step "command line: help, version, usage errors"
expect_exit 0 "$relais" --help
grep -q 'submit' "$tmp/out" || fail "--help does not list submit"
expect_exit 0 "$relais" --version
grep -q '^relais ' "$tmp/out" || fail "--version"
for sub in keygen submit feed case ping; do expect_exit 0 "$relais" "$sub" --help; done
expect_exit 2 "$relais" nosuch
expect_exit 2 "$relais" submit
expect_exit 2 "$relais" case show
expect_exit 2 "$relais" keygen x --role nobody --out "$tmp/k"
expect_exit 2 "$relais" ping --timeout 0

step "a throw-away PKI with relais keygen"
mkdir -p "$tmp/keys" "$tmp/outsider"
"$relais" keygen college-curie --role partner --org "Collège Marie Curie" --out "$tmp/keys" >"$tmp/out"
grep -q 'college-curie.cert_secret' "$tmp/out" || fail "keygen does not print the files it wrote"
make_pki relaisd:broker "pmi-blagis:partner:PMI Les Blagis" "cmp-sceaux:partner:CMP Sceaux" \
  coordination:coordinator:Ville audit-ville:auditor:Ville
"$relais" keygen intrus --role partner --out "$tmp/outsider" >/dev/null
[ "$(stat -c %a "$tmp/keys/coordination.cert_secret")" = 600 ] || fail "secret key is not 0600"
expect_exit 2 "$relais" keygen coordination --role coordinator --out "$tmp/keys" # never overwrites
# --out in folders that do not exist yet either (~/relais/NAME on a new machine): each one made, 0700
expect_exit 0 "$relais" keygen service-jeunesse --role partner --out "$tmp/new-home/relais/service-jeunesse"
for d in new-home new-home/relais new-home/relais/service-jeunesse; do
  [ "$(stat -c %a "$tmp/$d")" = 700 ] || fail "$d is not 0700"
done
[ -f "$tmp/new-home/relais/service-jeunesse/service-jeunesse.cert" ] || fail "keygen made no certificate there"

start_broker_on_free_port
export RELAIS_SERVER_CERT="$tmp/keys/relaisd.cert" RELAIS_SPOOL=
export HOME="$tmp/home"
mkdir -p "$HOME"

# ---------------------------------------------------------------------------------------------
step "ping: the hub answers a known identity"
expect_exit 0 env RELAIS_KEY="$tmp/keys/pmi-blagis.cert_secret" "$relais" ping --timeout 10
grep -q "answered pmi-blagis in" "$tmp/out" || fail "ping: $(cat "$tmp/out")"
expect_exit 1 env RELAIS_KEY="$tmp/keys/pmi-blagis.cert_secret" RELAIS_ENDPOINT="tcp://127.0.0.1:$(pick_port)" \
  "$relais" ping --timeout 1
grep -q "UNAVAILABLE: nothing accepts connections at" "$tmp/err" || fail "ping of no hub: $(cat "$tmp/err")"

# ---------------------------------------------------------------------------------------------
step "submit -> ack"
expect_exit 0 env RELAIS_KEY="$tmp/keys/college-curie.cert_secret" "$relais" submit --timeout 30 "$examples/referral-college-marie-curie.json"
ack=$(cat "$tmp/out")
seq1=$(field seq "$ack")
ref1=$(field case_id "$ack")
[[ "$seq1" =~ ^[0-9]+$ ]] || fail "no seq in the ack: $ack"
[[ "$(field msg_id "$ack")" =~ ^[0-9a-f]{32}$ ]] || fail "msg_id: $ack"
[[ "$(field leaf_hash "$ack")" =~ ^[0-9a-f]{64}$ ]] || fail "leaf_hash: $ack"
[ "$(field duplicate "$ack")" = false ] || fail "first submission flagged duplicate: $ack"
[[ "$ref1" =~ ^R-[0-9]+$ ]] || fail "the ack does not name the referral by its handle: $ack"
# case_of HANDLE: the case a referral was filed in, which only the coordinator learns.
case_of() {
  env RELAIS_KEY="$tmp/keys/coordination.cert_secret" "$relais" case show "$1" --json |
    sed -n 's/.*"summary": *{"case_id": *"\([^"]*\)".*/\1/p'
}
case1=$(case_of "$ref1")
[[ "$case1" =~ ^C-[0-9]+$ ]] || fail "the coordinator finds no case for $ref1: $case1"
[ -d "$HOME/.relais/spool-college-curie" ] || fail "default spool folder not used"

step "feed: the coordinator sees it"
expect_exit 0 env RELAIS_KEY="$tmp/keys/coordination.cert_secret" "$relais" feed --from "$seq1" --count 1
grep -q "college-curie" "$tmp/out" && grep -q "referral" "$tmp/out" && grep -q "Lina B." "$tmp/out" ||
  { cat "$tmp/out"; fail "human feed line"; }
expect_exit 0 env RELAIS_KEY="$tmp/keys/coordination.cert_secret" "$relais" feed --json --from "$seq1" --count 1
line=$(cat "$tmp/out")
[ "$(field seq "$line")" = "$seq1" ] || fail "feed --json seq: $line"
[ "$(field leaf_hash "$line")" = "$(field leaf_hash "$ack")" ] || fail "feed leaf hash differs from the ack's"
grep -q '"sender":"college-curie"' <<<"$line" || fail "feed --json message: $line"

step "case list and show"
expect_exit 0 env RELAIS_KEY="$tmp/keys/coordination.cert_secret" "$relais" case list
grep -q "^$case1 " "$tmp/out" && grep -q "submitted" "$tmp/out" || { cat "$tmp/out"; fail "case list"; }
expect_exit 0 env RELAIS_KEY="$tmp/keys/coordination.cert_secret" "$relais" case list --json --state submitted --urgency priority
grep -q "\"case_id\":\"$case1\"" "$tmp/out" || fail "case list --json"
expect_exit 0 env RELAIS_KEY="$tmp/keys/coordination.cert_secret" "$relais" case list --json --state closed-completed
grep -q "\"case_id\":\"$case1\"" "$tmp/out" && fail "the state filter is ignored"
expect_exit 0 env RELAIS_KEY="$tmp/keys/coordination.cert_secret" "$relais" case show "$case1"
grep -q "^Historique" "$tmp/out" && grep -q "Lina B." "$tmp/out" || { cat "$tmp/out"; fail "case show"; }
expect_exit 0 env RELAIS_KEY="$tmp/keys/coordination.cert_secret" "$relais" case show "$case1" --json
grep -q '"timeline":\[{"seq"' "$tmp/out" || fail "case show --json"

step "NO_CONSENT is refused and nothing is stored"
expect_exit 1 env RELAIS_KEY="$tmp/keys/college-curie.cert_secret" "$relais" submit --timeout 30 "$examples/invalid-no-consent.json"
[ "$(field error "$(cat "$tmp/out")")" = NO_CONSENT ] || fail "no NO_CONSENT line: $(cat "$tmp/out")"
grep -q '^relais: refused: NO_CONSENT: ' "$tmp/err" || fail "stderr: $(cat "$tmp/err")"

step "a payload that does not build: exit 2, the field named, nothing sent"
printf '{"referral": {"child": {"given_names": 5}}}' >"$tmp/bad.json"
expect_exit 2 env RELAIS_KEY="$tmp/keys/college-curie.cert_secret" "$relais" submit --timeout 30 "$tmp/bad.json"
grep -q 'given_names' "$tmp/err" || fail "the field path is not named: $(cat "$tmp/err")"

step "a partner cannot see another partner's case"
expect_exit 0 env RELAIS_KEY="$tmp/keys/cmp-sceaux.cert_secret" "$relais" submit --timeout 30 "$examples/referral-cmp-sceaux-parental-request.json"
case_cmp=$(field case_id "$(cat "$tmp/out")")
[ "$(case_of "$case_cmp")" != "$case1" ] || fail "two children in one case"
expect_exit 1 env RELAIS_KEY="$tmp/keys/cmp-sceaux.cert_secret" "$relais" case show "$case1"
grep -q '^relais: refused: FORBIDDEN: ' "$tmp/err" || fail "not FORBIDDEN: $(cat "$tmp/err")"
expect_exit 1 env RELAIS_KEY="$tmp/keys/cmp-sceaux.cert_secret" "$relais" case show "$ref1"
grep -q '^relais: refused: FORBIDDEN: ' "$tmp/err" || fail "another partner's referral is not FORBIDDEN: $(cat "$tmp/err")"
expect_exit 0 env RELAIS_KEY="$tmp/keys/cmp-sceaux.cert_secret" "$relais" case list --json
grep -Eq "\"case_id\":\"($case1|$ref1)\"" "$tmp/out" && fail "a partner lists another partner's case"
grep -q "\"case_id\":\"$case_cmp\"" "$tmp/out" || fail "a partner does not list its own referral"
expect_exit 1 env RELAIS_KEY="$tmp/keys/cmp-sceaux.cert_secret" "$relais" case update "$case_cmp" triage --from submitted
grep -q 'FORBIDDEN' "$tmp/err" || fail "a partner moved a case: $(cat "$tmp/err")"

step "case update: the coordinator moves the case, the referrer sees the status"
expect_exit 0 env RELAIS_KEY="$tmp/keys/coordination.cert_secret" "$relais" case update "$case1" triage --note "vu avec la principale"
grep -q "submitted -> triage" "$tmp/out" || fail "update output: $(cat "$tmp/out")"
expect_exit 1 env RELAIS_KEY="$tmp/keys/coordination.cert_secret" "$relais" case update "$case1" accepted --from submitted
grep -q '^relais: refused: BAD_TRANSITION: ' "$tmp/err" || fail "stale --from accepted: $(cat "$tmp/err")"
expect_exit 0 env RELAIS_KEY="$tmp/keys/coordination.cert_secret" "$relais" case update "$case1" paused --reason family-away
expect_exit 0 env RELAIS_KEY="$tmp/keys/coordination.cert_secret" "$relais" case update "$case1" resume --json
grep -q '"to":"triage"' "$tmp/out" || fail "resume did not go back to triage: $(cat "$tmp/out")"
expect_exit 0 env RELAIS_KEY="$tmp/keys/college-curie.cert_secret" "$relais" feed --json --idle-exit 2
grep -q "\"case_id\":\"$ref1\"" "$tmp/out" || fail "the referrer's feed has no status of its referral"
grep -q "\"case_id\":\"C-" "$tmp/out" && fail "the referrer's feed names a case"
grep -q "\"state\":\"triage\"" "$tmp/out" || fail "the referrer does not see triage"
grep -q '"message"' "$tmp/out" && fail "a partner's feed carries records"
grep -q "vu avec la principale" "$tmp/out" && fail "a partner's feed carries the coordinator's note"
grep -q "\"case_id\":\"$case_cmp\"" "$tmp/out" && fail "a partner sees another partner's case in its feed"

step "feed resume with --state: no gap, no duplicate"
expect_exit 0 env RELAIS_KEY="$tmp/keys/coordination.cert_secret" "$relais" feed --json --state "$tmp/feed.state" --count 3
sed -n 's/^{"seq":\([0-9]*\),.*/\1/p' "$tmp/out" >"$tmp/seqs"
[ "$(cat "$tmp/feed.state")" = "$(tail -1 "$tmp/seqs")" ] || fail "state file is not the last seq"
expect_exit 0 env RELAIS_KEY="$tmp/keys/coordination.cert_secret" "$relais" feed --json --state "$tmp/feed.state" --idle-exit 2
sed -n 's/^{"seq":\([0-9]*\),.*/\1/p' "$tmp/out" >>"$tmp/seqs"
[ "$(head -1 "$tmp/seqs")" = 1 ] || fail "the first run did not start at 1"
[ "$(sort -n "$tmp/seqs" | uniq -d | wc -l)" -eq 0 ] || fail "duplicates across the resume: $(tr '\n' ' ' <"$tmp/seqs")"
[ "$(tail -1 "$tmp/seqs")" -eq "$(wc -l <"$tmp/seqs")" ] || fail "gap across the resume: $(tr '\n' ' ' <"$tmp/seqs")"
[ "$(tail -1 "$tmp/seqs")" -gt 3 ] || fail "the resumed run got nothing"
head_before=$(tail -1 "$tmp/seqs")

# ---------------------------------------------------------------------------------------------
step "a feed that follows across the restart"
env RELAIS_KEY="$tmp/keys/coordination.cert_secret" "$relais" feed --json --from "$((head_before + 1))" --idle-exit 20 \
  >"$tmp/follow.out" 2>"$tmp/follow.err" &
follow_pid=$!
bg_pids+=("$follow_pid")
# its own subscription is logged (an access record): once that is printed, it is connected
for _ in $(seq 100); do [ -s "$tmp/follow.out" ] && break; sleep 0.1; done
[ -s "$tmp/follow.out" ] || fail "the following feed got nothing: $(cat "$tmp/follow.err")"

step "the broker goes down: a submission waits in the spool"
stop_broker
expect_exit 3 env RELAIS_KEY="$tmp/keys/pmi-blagis.cert_secret" "$relais" submit --spool "$tmp/spool-a" --timeout 2 "$examples/referral-pmi-les-blagis.json"
[ "$(field error "$(cat "$tmp/out")")" = UNAVAILABLE ] || fail "no UNAVAILABLE line: $(cat "$tmp/out")"
pending_id=$(field msg_id "$(cat "$tmp/out")")
cp -a "$tmp/spool-a" "$tmp/spool-b" # the same signed bytes, for the duplicate below

step "submit started while the broker is down completes once it is back"
env RELAIS_KEY="$tmp/keys/pmi-blagis.cert_secret" timeout 90 "$relais" submit --flush --spool "$tmp/spool-a" --timeout 60 >"$tmp/late.out" 2>"$tmp/late.err" &
late_pid=$!
bg_pids+=("$late_pid")
sleep 1.5
kill -0 "$late_pid" 2>/dev/null || fail "submit did not wait for the broker: $(cat "$tmp/late.out" "$tmp/late.err")"
start_broker || fail "relaisd did not restart"
late_rc=0
wait "$late_pid" || late_rc=$?
[ "$late_rc" -eq 0 ] || fail "the waiting submit exited $late_rc: $(cat "$tmp/late.out" "$tmp/late.err")"
late=$(cat "$tmp/late.out")
late_seq=$(field seq "$late")
[ "$(field msg_id "$late")" = "$pending_id" ] || fail "the spool sent another message: $late"
[ "$(field duplicate "$late")" = false ] || fail "flagged duplicate: $late"
[ "$(case_of "$(field case_id "$late")")" = "$case1" ] || fail "the PMI's referral of the same child opened another case: $late"

step "duplicate: the same signed bytes again give the same seq"
expect_exit 0 env RELAIS_KEY="$tmp/keys/pmi-blagis.cert_secret" "$relais" submit --flush --spool "$tmp/spool-b" --timeout 30
dup=$(cat "$tmp/out")
[ "$(field duplicate "$dup")" = true ] || fail "resubmission not flagged duplicate: $dup"
[ "$(field seq "$dup")" = "$late_seq" ] || fail "duplicate got seq $(field seq "$dup"), original $late_seq"
[ "$(field msg_id "$dup")" = "$pending_id" ] || fail "duplicate msg_id: $dup"

step "the restarted broker kept everything"
expect_exit 0 env RELAIS_KEY="$tmp/keys/coordination.cert_secret" "$relais" case show "$case1" --json
grep -q '"sender":"college-curie"' "$tmp/out" && grep -q '"sender":"pmi-blagis"' "$tmp/out" ||
  fail "case $case1 lost a referral across the restart"
expect_exit 0 env RELAIS_KEY="$tmp/keys/coordination.cert_secret" "$relais" feed --json --from 1 --count "$late_seq"
[ "$(sed -n 's/^{"seq":\([0-9]*\),.*/\1/p' "$tmp/out" | tail -1)" = "$late_seq" ] || fail "feed after restart"
grep -q 'Martin' "$tmp/out" && fail "the NO_CONSENT referral was stored"

step "the following feed resumed without gap or duplicate"
for _ in $(seq 150); do grep -q "\"seq\":$late_seq," "$tmp/follow.out" && break; sleep 0.1; done
grep -q "\"seq\":$late_seq," "$tmp/follow.out" || fail "the following feed did not see #$late_seq: $(cat "$tmp/follow.err")"
sed -n 's/^{"seq":\([0-9]*\),.*/\1/p' "$tmp/follow.out" >"$tmp/fseqs"
[ "$(head -1 "$tmp/fseqs")" = "$((head_before + 1))" ] || fail "follow started at $(head -1 "$tmp/fseqs")"
[ "$(sort -n "$tmp/fseqs" | uniq -d | wc -l)" -eq 0 ] || fail "follow duplicates: $(tr '\n' ' ' <"$tmp/fseqs")"
n=$(wc -l <"$tmp/fseqs")
[ "$(tail -1 "$tmp/fseqs")" -eq "$((head_before + n))" ] || fail "follow gap: $(tr '\n' ' ' <"$tmp/fseqs")"
kill "$follow_pid" 2>/dev/null || true
wait "$follow_pid" 2>/dev/null || true

# ---------------------------------------------------------------------------------------------
step "an unknown key is refused at the handshake, nothing stored"
expect_exit 1 env RELAIS_KEY="$tmp/outsider/intrus.cert_secret" "$relais" submit --spool "$tmp/spool-x" --timeout 3 \
  "$examples/referral-cmp-sceaux-parental-request.json"
[ "$(field error "$(cat "$tmp/out")")" = UNAVAILABLE ] || fail "outsider: $(cat "$tmp/out")"
grep -q 'handshake' "$tmp/err" || fail "the refusal does not say handshake: $(cat "$tmp/err")"
grep -q 'event=zap-denied' "$tmp/broker.log" || fail "the broker did not deny the key"
expect_exit 1 env RELAIS_KEY="$tmp/outsider/intrus.cert_secret" "$relais" feed --idle-exit 2
expect_exit 1 env RELAIS_KEY="$tmp/outsider/intrus.cert_secret" "$relais" ping --timeout 3
grep -q "does not accept intrus" "$tmp/err" || fail "ping of an unknown key: $(cat "$tmp/err")"
expect_exit 0 env RELAIS_KEY="$tmp/keys/audit-ville.cert_secret" "$relais" feed --json --from 1 --idle-exit 2
grep -q '"sender":"intrus"' "$tmp/out" && fail "an outsider's message was stored"

# ---------------------------------------------------------------------------------------------
step "drop folder: --watch --once"
drop="$tmp/drop"
mkdir -p "$drop"
cp "$examples/referral-cmp-sceaux-parental-request.json" "$drop/tom.json.tmp"
mv "$drop/tom.json.tmp" "$drop/tom.json"
cp "$examples/invalid-no-consent.json" "$drop/enzo.json"
cp "$examples/referral-college-marie-curie.json" "$drop/half-written.json.tmp"
expect_exit 1 env RELAIS_KEY="$tmp/keys/cmp-sceaux.cert_secret" "$relais" submit --watch "$drop" --once --timeout 30
[ -f "$drop/done/tom.json" ] || fail "acknowledged file not in done/: $(ls -R "$drop")"
[ -f "$drop/refused/enzo.json" ] || fail "refused file not in refused/: $(ls -R "$drop")"
grep -q 'NO_CONSENT' "$drop/refused/enzo.error.json" || fail "no NO_CONSENT in enzo.error.json"
[ -f "$drop/half-written.json.tmp" ] || fail "a .tmp file was taken"
[ "$(grep -c '"seq"' "$tmp/out")" -eq 1 ] || fail "watch output: $(cat "$tmp/out")"
printf '{"referral": {"urgency": "SOON"}}' >"$drop/typo.json"
expect_exit 2 env RELAIS_KEY="$tmp/keys/cmp-sceaux.cert_secret" "$relais" submit --watch "$drop" --once --timeout 30
[ -f "$drop/refused/typo.json" ] && grep -q 'urgency' "$drop/refused/typo.error.json" ||
  fail "invalid payload not refused with its field: $(ls -R "$drop")"
cp "$examples/referral-cmp-sceaux-parental-request.json" "$drop/tom.json"
expect_exit 0 env RELAIS_KEY="$tmp/keys/cmp-sceaux.cert_secret" "$relais" submit --watch "$drop" --once --timeout 30
[ -f "$drop/done/tom.1.json" ] || fail "a reused file name overwrote done/tom.json: $(ls "$drop/done")"
[ -z "$(ls "$drop/.relais-inflight")" ] || fail "files left in flight"

step "drop folder, running: the hub going away and coming back is said, the file kept then sent"
drop2="$tmp/drop-running"
mkdir -p "$drop2"
env RELAIS_KEY="$tmp/keys/cmp-sceaux.cert_secret" timeout 120 "$relais" submit --watch "$drop2" --poll-ms 200 \
  >"$tmp/watch.out" 2>"$tmp/watch.err" &
watch_pid=$!
bg_pids+=("$watch_pid")
stop_broker_clean
cp "$examples/referral-cmp-sceaux-parental-request.json" "$drop2/away.json"
for _ in $(seq 150); do grep -q "the hub does not answer" "$tmp/watch.err" && break; sleep 0.1; done
grep -q "the hub does not answer (.*); 1 file kept in the spool, the oldest for [0-9]* s" "$tmp/watch.err" ||
  fail "the watcher said nothing while the hub was away: $(cat "$tmp/watch.err")"
start_broker || fail "relaisd did not restart"
for _ in $(seq 150); do [ -f "$drop2/done/away.json" ] && break; sleep 0.1; done
[ -f "$drop2/done/away.json" ] || fail "the kept file was not sent: $(ls -R "$drop2"; cat "$tmp/watch.err")"
for _ in $(seq 50); do grep -q "the hub answers again" "$tmp/watch.err" && break; sleep 0.1; done
grep -q "the hub answers again; the files kept went to it" "$tmp/watch.err" ||
  fail "the return not said: $(cat "$tmp/watch.err")"
kill -TERM "$watch_pid"
wait "$watch_pid" || fail "the watcher did not stop cleanly"

step "clean stop"
stop_broker_clean
echo "agents: all passed"
