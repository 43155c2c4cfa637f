#!/usr/bin/env bash
# agent.sh -- `relais agent` against a real hub: the HTTP intake (accepted then acknowledged with its
# handle, refused naming the field, unauthorised, oversized), a token file others may read refused at
# start, a listen address off the loopback refused; the hub stopped and started with referrals posted
# meanwhile (all acknowledged, nothing lost, nothing twice, and the log says the hub went and came
# back); a coordinator's move delivered as a status into the outbox folder and POSTed to the
# partner's system, which is down at first (delivered once); the drop folder; the OpenAPI description
# checked against the running agent.
# usage: agent.sh RELAIS RELAISD SOURCE_DIR
set -euo pipefail

relais=$1
relaisd=$2
src=$3
examples=$src/examples
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init agent
pki_broker
python=$("$src/scripts/python-with" jsonschema)

mkdir -p "$tmp/store" "$tmp/spool" "$tmp/drop"
RELAIS=$relais "$src/certs/make-pki" "$tmp/pki" >/dev/null
start_broker_on_free_port

head -c 32 /dev/urandom | base64 >"$tmp/token"
chmod 600 "$tmp/token"
token=$(cat "$tmp/token")
on_cleanup=stop_agent_quietly
# start_agent [FLAG...]: the college's agent, its address in $agent.
start_agent() {
  : >"$tmp/agent.out"
  RELAIS_ENDPOINT=tcp://127.0.0.1:$port RELAIS_KEY=$tmp/pki/college-curie/college-curie.cert_secret \
    RELAIS_SERVER_CERT=$tmp/pki/relais-hub/relais-hub.cert "$relais" agent --state "$tmp/state" --token-file "$tmp/token" --watch "$tmp/drop" \
    --unreachable-log-seconds 2 "$@" >"$tmp/agent.out" 2>>"$tmp/agent.log" &
  agent_pid=$!
  for _ in $(seq 100); do
    agent=$(sed -n 's/^relais agent: .* listening at \(http:[^ ]*\)$/\1/p' "$tmp/agent.out")
    [ -n "$agent" ] && return 0
    kill -0 "$agent_pid" 2>/dev/null || fail "the agent did not start: $(tail -5 "$tmp/agent.log")"
    sleep 0.1
  done
  fail "the agent did not say its address"
}
# http METHOD PATH [CURL ARGS...]: the status on stdout, the body in $tmp/body.
http() {
  local method=$1 path=$2
  shift 2
  curl -s -o "$tmp/body" -w '%{http_code}' -X "$method" -H "Authorization: Bearer $token" "$@" "$agent$path"
}
# wait_message ID STATUS: GET /messages/ID says STATUS within 30 s.
wait_message() {
  for _ in $(seq 300); do
    [ "$(http GET "/messages/$1")" = 200 ] && [ "$(field status "$(cat "$tmp/body")")" = "$2" ] && return 0
    sleep 0.1
  done
  fail "message $1 is not $2: $(cat "$tmp/body")"
}
referral() { # referral REF: the college's example under its own reference REF
  sed -e "s/\"external_ref\": \"[^\"]*\"/\"external_ref\": \"$1\"/" "$examples/referral-college-marie-curie.json"
}

step "a token file others may read is refused at start, and so is a listen address off the loopback"
chmod 644 "$tmp/token"
expect 2 college-curie agent --state "$tmp/state" --token-file "$tmp/token"
grep -q "readable by its owner only (chmod 600 it)" "$tmp/err" || fail "no sentence: $(cat "$tmp/err")"
chmod 600 "$tmp/token"
expect 2 college-curie agent --state "$tmp/state" --token-file "$tmp/token" --listen 0.0.0.0:0
grep -q "listens on 127.0.0.1 only" "$tmp/err" || fail "no sentence: $(cat "$tmp/err")"
expect 2 college-curie agent --state "$tmp/state" --token-file "$tmp/token" --post-to http://example.org/x
grep -q "post-to: expected http://127.0.0.1" "$tmp/err" || fail "no sentence: $(cat "$tmp/err")"

step "the receiver of the partner's system is down; the agent starts"
receiver_port=$(pick_port)
start_agent --post-to "http://127.0.0.1:$receiver_port/statuses" --post-backoff-max 1

step "POST /referrals: 202 with Location, then acknowledged with the referral's handle"
code=$(referral AGENT-1 | http POST /referrals -H 'Content-Type: application/json' --data-binary @- -D "$tmp/headers")
[ "$code" = 202 ] || fail "POST /referrals: $code $(cat "$tmp/body")"
id=$(field msg_id "$(cat "$tmp/body")")
[ ${#id} -eq 32 ] && [ "$(field status "$(cat "$tmp/body")")" = queued ] || fail "the 202's body: $(cat "$tmp/body")"
grep -qi "^Location: /messages/$id" "$tmp/headers" || fail "no Location: $(cat "$tmp/headers")"
wait_message "$id" acknowledged
handle=$(field handle "$(cat "$tmp/body")")
[[ "$handle" == R-* ]] && [ -n "$(field seq "$(cat "$tmp/body")")" ] || fail "no handle: $(cat "$tmp/body")"

step "refused naming the field (400), unauthorised (401), oversized (413), unknown (404)"
sed 's/"birth_date": "[^"]*"/"birth_date": "2013-02-30"/' "$examples/referral-college-marie-curie.json" >"$tmp/bad.json"
code=$(http POST /referrals --data-binary @"$tmp/bad.json")
[ "$code" = 400 ] || fail "a bad date: $code $(cat "$tmp/body")"
[ "$(field error "$(cat "$tmp/body")")" = MALFORMED ] && [ "$(field field "$(cat "$tmp/body")")" = referral.child.birth_date ] ||
  fail "the 400 does not name the field: $(cat "$tmp/body")"
code=$(http POST /referrals --data-binary '{"referral": {"urgency_level": 1}}')
[ "$code" = 400 ] && grep -q '"field"' "$tmp/body" || fail "an unknown field: $code $(cat "$tmp/body")"
code=$(curl -s -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' -X POST --data-binary @"$tmp/bad.json" "$agent/referrals")
[ "$code" = 401 ] && grep -qi "^WWW-Authenticate: Bearer" "$tmp/headers" || fail "no token: $code $(cat "$tmp/headers")"
code=$(curl -s -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer ${token}x" "$agent/status")
[ "$code" = 401 ] || fail "a wrong token: $code"
head -c $((16 * 65536 + 10)) /dev/zero | tr '\0' ' ' >"$tmp/big.json"
code=$(http POST /referrals --data-binary @"$tmp/big.json")
[ "$code" = 413 ] && grep -q "at most 1048576 bytes" "$tmp/body" || fail "oversized: $code $(cat "$tmp/body")"
[ "$(http GET /messages/00000000000000000000000000000000)" = 404 ] || fail "an unknown id: $(cat "$tmp/body")"
[ "$(http GET /nowhere)" = 404 ] || fail "an unknown path"

step "a referral without consent: 202, then refused with the hub's code"
code=$(http POST /referrals --data-binary @"$examples/invalid-no-consent.json")
[ "$code" = 202 ] || fail "no consent: $code $(cat "$tmp/body")"
wait_message "$(field msg_id "$(cat "$tmp/body")")" refused
[ "$(field error "$(cat "$tmp/body")")" = NO_CONSENT ] || fail "refused: $(cat "$tmp/body")"

step "the OpenAPI description against the running agent"
"$python" "$src/tests/e2e/agent_openapi.py" "$src/agent/openapi.json" "$agent" "$token" "$id" ||
  fail "the agent does not answer as agent/openapi.json says"

step "the hub stops; referrals posted meanwhile are queued, the status says so, the log too"
stop_broker_clean
ids=()
for i in 2 3 4 5; do
  code=$(referral "AGENT-$i" | http POST /referrals --data-binary @-)
  [ "$code" = 202 ] || fail "POST while the hub is down: $code $(cat "$tmp/body")"
  ids+=("$(field msg_id "$(cat "$tmp/body")")")
done
referral AGENT-DROP >"$tmp/drop/one.json.tmp" && mv "$tmp/drop/one.json.tmp" "$tmp/drop/one.json"
for _ in $(seq 100); do
  [ "$(http GET /status)" = 200 ] && [ "$(field hub "$(cat "$tmp/body")")" = unreachable ] &&
    [ "$(field waiting "$(cat "$tmp/body")")" = 5 ] && break
  sleep 0.1
done
[ "$(field hub "$(cat "$tmp/body")")" = unreachable ] && [ "$(field waiting "$(cat "$tmp/body")")" = 5 ] ||
  fail "the status with the hub down: $(cat "$tmp/body")"
[ "$(field oldest_age_s "$(cat "$tmp/body")")" -ge 0 ] || fail "no age: $(cat "$tmp/body")"
wait_message "${ids[0]}" queued
for _ in $(seq 100); do grep -q "event=hub-unreachable waiting=" "$tmp/agent.log" && break; sleep 0.1; done
grep -q "event=hub-unreachable waiting=[0-9]* oldest_age_s=[0-9]*" "$tmp/agent.log" ||
  fail "the log does not say the hub is away: $(tail -5 "$tmp/agent.log")"

step "the hub is back: all acknowledged, nothing lost, nothing twice"
start_broker || fail "the hub did not restart on its port"
for i in "${ids[@]}"; do wait_message "$i" acknowledged; done
for _ in $(seq 300); do [ -n "$(ls "$tmp/drop/done" 2>/dev/null)" ] && break; sleep 0.1; done
[ -f "$tmp/drop/done/one.json" ] || fail "the drop folder's file was not acknowledged: $(ls -R "$tmp/drop")"
grep -q "event=hub-reachable" "$tmp/agent.log" || fail "the log does not say the hub is back"
expect 0 college-curie case list --json
count=$(grep -o '"case_id": *"R-[0-9]*"' "$tmp/out" | sort -u | wc -l)
[ "$count" -eq 7 ] || fail "the hub holds $count of the college's referrals, not 7 (AGENT-1 to 5, the drop folder's, the OpenAPI check's): $(cat "$tmp/out")"

step "the coordinator moves the case: the status comes to the outbox, and to the partner's system once it is up"
lina=$(case_of "$handle")
expect 0 coordination case update "$lina" triage --from submitted
for _ in $(seq 300); do ls "$tmp/state/outbox/" | grep -q -- '-status.json$' && grep -l '"triage"' "$tmp/state/outbox/"*-status.json >/dev/null 2>&1 && break; sleep 0.1; done
triage=$(grep -l '"state":"triage"' "$tmp/state/outbox/"*-status.json | head -1) || fail "no triage status in the outbox: $(ls "$tmp/state/outbox")"
grep -q "\"case_id\":\"$handle\"" "$triage" || fail "the status is not under the handle: $(cat "$triage")"
[ "$(stat -c %a "$triage")" = 600 ] || fail "the outbox file is not 0600"
grep -q "event=post-failed" "$tmp/agent.log" || { sleep 2; grep -q "event=post-failed" "$tmp/agent.log"; } ||
  fail "no POST was tried while the partner's system was down"
mkdir -p "$tmp/received"
"$python" - "$receiver_port" "$tmp/received" >"$tmp/receiver.log" 2>&1 <<'PY' &
import http.server, os, sys
port, out = int(sys.argv[1]), sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if b'"state":"accepted"' in body:  # this system knows no such state: it refuses this status as such
            self.send_response(422)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b'etat "accepted" inconnu\nde ce logiciel')
            return
        n = len(os.listdir(out))
        with open(os.path.join(out, "%04d-%s" % (n, self.headers.get("X-Relais-Seq", "?"))), "wb") as f:
            f.write(body)
        self.send_response(204)
        self.end_headers()
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
PY
bg_pids+=($!)
want=$(ls "$tmp/state/outbox/" | grep -c -- '-status.json$')
for _ in $(seq 300); do [ "$(ls "$tmp/received" | wc -l)" -ge "$want" ] && [ -z "$(ls "$tmp/state/posting")" ] && break; sleep 0.1; done
[ -z "$(ls "$tmp/state/posting")" ] || fail "statuses still waiting to be posted: $(ls "$tmp/state/posting")"
grep -l '"state":"triage"' "$tmp/received/"* >/dev/null || fail "the triage status was not POSTed"
dups=$(ls "$tmp/received" | cut -d- -f2 | sort | uniq -d)
[ -z "$dups" ] || fail "posted twice: $dups"

step "a status the partner's system refuses as such (422) is set aside, and the next one goes"
expect 0 coordination case update "$lina" accepted --from triage
expect 0 coordination case update "$lina" diagnosis --from accepted --diagnosis "Difficultés de lecture"
for _ in $(seq 300); do grep -l '"state":"diagnosis"' "$tmp/received/"* >/dev/null 2>&1 && break; sleep 0.1; done
grep -l '"state":"diagnosis"' "$tmp/received/"* >/dev/null 2>&1 ||
  fail "the status after the refused one was not posted: $(ls "$tmp/state/posting" "$tmp/state/post-refused")"
refused=$(ls "$tmp/state/post-refused")
[ "$(echo "$refused" | wc -w)" -eq 1 ] && grep -q '"state":"accepted"' "$tmp/state/post-refused/$refused" ||
  fail "post-refused/ does not hold the accepted status alone: $refused"
[ -z "$(ls "$tmp/state/posting")" ] || fail "statuses still wait: $(ls "$tmp/state/posting")"
grep -l '"state":"accepted"' "$tmp/received/"* >/dev/null 2>&1 && fail "the refused status counts as received"
grep "event=post-refused" "$tmp/agent.log" | grep "file=$refused" | grep "status=422" |
  grep -q 'why="the partner.s system refused this status: 422, etat  accepted  inconnu de ce logiciel"' ||
  fail "the log does not say which status was refused, with the system's words: $(grep post-refused "$tmp/agent.log")"
[ "$(http GET /status)" = 200 ] && [ "$(field posts_refused "$(cat "$tmp/body")")" = 1 ] &&
  [ "$(field posts_waiting "$(cat "$tmp/body")")" = 0 ] || fail "GET /status does not count the refused status: $(cat "$tmp/body")"
echo "   $(grep -o 'event=post-refused.*' "$tmp/agent.log" | head -1)"

step "the Tranquillité urbaine transfers a call to the college: the transfer as a file in the outbox, and POSTed"
expect 0 accueil-tu reception record --channel call --category other --subject "Élève seul le soir" \
  --summary "Un élève attend seul devant le collège après 19 h." --json
entry=$(field handle "$(cat "$tmp/out")")
expect 0 accueil-tu reception transfer "$entry" --to hub --name college-curie --note "Un de vos élèves ?" --json
to_college=$(field handle "$(cat "$tmp/out")")
for _ in $(seq 300); do ls "$tmp/state/outbox/" | grep -q -- '-transfer.json$' && break; sleep 0.1; done
transfer_file=$(ls "$tmp/state/outbox/"*-transfer.json 2>/dev/null | head -1)
[ -n "$transfer_file" ] || fail "no transfer in the outbox: $(ls "$tmp/state/outbox")"
"$python" - "$transfer_file" "$entry" <<'PY' || fail "the transfer's file lacks its note or its entry: $(cat "$transfer_file")"
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
t = d["record"]["message"]["transfer"]
c = d["transferred_entry"]["message"]["contact"]
assert d["kind"] == "transfer" and t["entry_id"] == sys.argv[2] and t["recipient_name"] == "college-curie", d
assert t["note"] == "Un de vos élèves ?" and c["subject"] == "Élève seul le soir", d
PY
[ "$(stat -c %a "$transfer_file")" = 600 ] || fail "the transfer's file is not 0600"
for _ in $(seq 300); do grep -l '"kind":"transfer"' "$tmp/received/"* >/dev/null 2>&1 && break; sleep 0.1; done
grep -l '"kind":"transfer"' "$tmp/received/"* >/dev/null 2>&1 || fail "the transfer was not POSTed"
expect 0 college-curie reception answer "$to_college" accepted --note "Nous le prenons en charge."

step "a restart of the agent posts nothing again and writes nothing again"
before=$(ls "$tmp/received" | wc -l)
stop_agent
start_agent --post-to "http://127.0.0.1:$receiver_port/statuses" --post-backoff-max 1
sleep 2
[ "$(ls "$tmp/received" | wc -l)" -eq "$before" ] || fail "the restart posted again"
[ "$(ls "$tmp/state/post-refused")" = "$refused" ] || fail "the restart changed post-refused/: $(ls "$tmp/state/post-refused")"
[ "$(http GET /status)" = 200 ] && [ "$(field hub "$(cat "$tmp/body")")" = reachable ] &&
  [ "$(field waiting "$(cat "$tmp/body")")" = 0 ] || fail "the status: $(cat "$tmp/body")"
stop_agent
stop_broker_clean
echo "agent: all checks passed"
