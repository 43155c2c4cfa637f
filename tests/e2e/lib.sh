# shellcheck shell=bash
# lib.sh -- shared set-up of the end-to-end shell tests (sourced, not run): a scratch folder and
# its cleanup, a throw-away PKI made with `relais keygen`, a free loopback port, relaisd started
# and stopped. Each script keeps its own steps and checks.
#
# The caller sets relais and relaisd (the binaries) before calling e2e_init. Layout in $tmp:
#   keys/NAME.cert{,_secret}  keys/data.key  registry/*.cert  store/  broker.log (relaisd's stderr, appended)
# Settings a script may change before start_broker (defaults in brackets):
#   broker_store [$tmp/store]  broker_certs [$tmp/registry]  broker_key [$tmp/keys/relaisd.cert_secret]
#   broker_data_key  relaisd's --data-key [$tmp/keys/data.key]; "none": --no-encryption
#   broker_args  relaisd flags given at every start, after --checkpoint-interval 1 [none]
#   broker_wrap  a command relaisd runs under, e.g. valgrind [none]
#   broker_wait  how long start_broker waits for event=listening, in tenths of a second [150]
#   bg_pids      background processes killed at exit [none]
#   on_cleanup   the name of a function the exit trap calls after the broker is stopped [none]
# RELAIS_KEEP_TMP=1 keeps $tmp for a look after the run.

step() { printf '== %s\n' "$*"; }
fail() {
  printf 'FAIL: %s\n' "$*" >&2
  [ -f "$tmp/broker.log" ] && { echo "--- broker log (tail)" >&2; tail -20 "$tmp/broker.log" >&2; }
  exit 1
}
# The value of a string or number field of one compact JSON line.
field() { sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p" <<<"$2" | head -1; }
# Runs a command (bounded by `timeout`) that must exit with status $1; stdout to $tmp/out, stderr to $tmp/err.
expect_exit() {
  local want=$1 got=0
  shift
  timeout 90 "$@" >"$tmp/out" 2>"$tmp/err" || got=$?
  [ "$got" -eq "$want" ] || { cat "$tmp/out" "$tmp/err" >&2; fail "'$*' exited $got, expected $want"; }
}

# e2e_init NAME: makes $tmp (relais-NAME.XXXXXX) and sets the exit trap; ctest's timeout
# (INT, TERM) goes through it too, so the broker is always stopped.
e2e_init() {
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/relais-$1.XXXXXX")
  # A consent recorded the day before: inside the hub's consent window whatever the day.
  consent_ms=$((($(date +%s) - 86400) * 1000))
  broker_pid=
  bg_pids=()
  broker_args=()
  broker_wrap=()
  broker_wait=150
  on_cleanup=
  trap e2e_cleanup EXIT
  trap 'exit 1' INT TERM
}
e2e_cleanup() {
  local p
  stop_broker
  for p in "${bg_pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  [ -z "$on_cleanup" ] || "$on_cleanup"
  if [ -n "${RELAIS_KEEP_TMP:-}" ]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi
}

# openssl_verify_line LINE CERT: checks the signature of an `audit export` LINE with openssl
# alone, against the sign-key of the sender's CERT. Leaves $tmp/pub.pem, $tmp/signed.bin
# ("relais/v1/msg" 0x00 body) and $tmp/sig.bin for more checks, openssl's words in $tmp/out,
# and returns openssl's status.
openssl_verify_line() {
  local line=$1 cert=$2 sign_key
  sign_key=$(sed -n 's/^[[:space:]]*sign-key[[:space:]]*=[[:space:]]*"\{0,1\}\([^"]*\)"\{0,1\}[[:space:]]*$/\1/p' "$cert")
  [ -n "$sign_key" ] || fail "no sign-key in $cert"
  # SubjectPublicKeyInfo for Ed25519 is a fixed 12-byte header followed by the raw key.
  { printf '\x30\x2a\x30\x05\x06\x03\x2b\x65\x70\x03\x21\x00'; base64 -d <<<"$sign_key"; } >"$tmp/pub.der"
  openssl pkey -pubin -inform DER -in "$tmp/pub.der" -out "$tmp/pub.pem"
  { printf 'relais/v1/msg\0'; field body "$line" | base64 -d; } >"$tmp/signed.bin"
  field signature "$line" | base64 -d >"$tmp/sig.bin"
  openssl pkeyutl -verify -rawin -pubin -inkey "$tmp/pub.pem" -in "$tmp/signed.bin" -sigfile "$tmp/sig.bin" \
    >"$tmp/out"
}

# openssl_cosig NOTE LINE CERT [ANY_TIME]: checks a cosignature line over NOTE with openssl alone, as
# tlog-cosignature writes it: key id = SHA-256(name "\n" 0x04 key)[:4], then the 8-byte time, then
# Ed25519 over "cosignature/v1\ntime T\n" and the note's text. Its time must be within the last 10
# minutes, unless ANY_TIME is given (a written example).
openssl_cosig() {
  local note=$1 line=$2 cert=$3 name b64 key t
  name=$(cut -d' ' -f2 <<<"$line")
  b64=$(cut -d' ' -f3 <<<"$line")
  key=$(sed -n 's/^[[:space:]]*sign-key[[:space:]]*=[[:space:]]*"\{0,1\}\([^"]*\)"\{0,1\}[[:space:]]*$/\1/p' "$cert")
  base64 -d <<<"$b64" >"$tmp/cosig.bin"
  [ "$(stat -c %s "$tmp/cosig.bin")" = 76 ] || fail "a cosignature of $(stat -c %s "$tmp/cosig.bin") bytes, not 76"
  { printf '%s\n\x04' "$name"; base64 -d <<<"$key"; } | openssl dgst -sha256 -binary | head -c 4 >"$tmp/id.want"
  head -c 4 "$tmp/cosig.bin" | cmp -s - "$tmp/id.want" || fail "the key id is not SHA-256(name, 0x04, key)[:4]"
  t=$(tail -c +5 "$tmp/cosig.bin" | head -c 8 | od -An -tu8 --endian=big | tr -d ' ')
  { printf 'cosignature/v1\ntime %s\n' "$t"; head -3 "$note"; } >"$tmp/cosigned.bin"
  tail -c 64 "$tmp/cosig.bin" >"$tmp/sig.bin"
  { printf '\x30\x2a\x30\x05\x06\x03\x2b\x65\x70\x03\x21\x00'; base64 -d <<<"$key"; } >"$tmp/pub.der"
  openssl pkey -pubin -inform DER -in "$tmp/pub.der" -out "$tmp/pub.pem"
  openssl pkeyutl -verify -rawin -pubin -inkey "$tmp/pub.pem" -in "$tmp/cosigned.bin" -sigfile "$tmp/sig.bin" \
    >/dev/null || fail "openssl: the cosignature does not verify"
  [ -z "${4:-}" ] || return 0
  local now
  now=$(date +%s)
  [ "$t" -le "$now" ] && [ "$t" -gt $((now - 600)) ] || fail "the cosignature's time $t is not now ($now)"
}

# make_pki NAME:ROLE[:ORG]...: keys in $tmp/keys (relais keygen), every .cert copied to $tmp/registry,
# and the hub's data key, $tmp/keys/data.key.
make_pki() {
  local spec name role org
  mkdir -p "$tmp/keys" "$tmp/registry"
  for spec in "$@"; do
    IFS=: read -r name role org <<<"$spec"
    "$relais" keygen "$name" --role "$role" ${org:+--org "$org"} --out "$tmp/keys" >/dev/null
  done
  cp "$tmp/keys/"*.cert "$tmp/registry/"
  [ -f "$tmp/keys/data.key" ] || "$relais" datakey new --out "$tmp/keys/data.key" >/dev/null
}

# A port nobody listens on (the broker's start is checked, and retried on another port).
pick_port() {
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}

# relaisd's data key flag (one word each: the paths of the tests hold no spaces).
data_key_flag() {
  if [ "${broker_data_key:-}" = none ]; then echo --no-encryption; else echo "--data-key ${broker_data_key:-$tmp/keys/data.key}"; fi
}
# start_broker [FLAG...]: relaisd on $port, waiting for its event=listening; 1 when it exits at
# once (the port is taken), fails after $broker_wait tenths of a second of silence.
start_broker() {
  local lines
  lines=$(wc -l 2>/dev/null <"$tmp/broker.log" || echo 0)
  ${broker_wrap[@]+"${broker_wrap[@]}"} "$relaisd" --endpoint "tcp://127.0.0.1:$port" --store "${broker_store:-$tmp/store}" \
    --certs "${broker_certs:-$tmp/registry}" --key "${broker_key:-$tmp/keys/relaisd.cert_secret}" \
    --checkpoint-interval 1 $(data_key_flag) ${broker_args[@]+"${broker_args[@]}"} "$@" 2>>"$tmp/broker.log" &
  broker_pid=$!
  for _ in $(seq "$broker_wait"); do
    tail -n +"$((lines + 1))" "$tmp/broker.log" | grep -q 'event=listening' && return 0
    kill -0 "$broker_pid" 2>/dev/null || { wait "$broker_pid" || true; broker_pid=; return 1; }
    sleep 0.1
  done
  fail "relaisd did not start"
}
# start_broker_on_free_port [FLAG...]: start_broker on a port pick_port finds (5 tries); exports RELAIS_ENDPOINT.
start_broker_on_free_port() {
  for _ in $(seq 5); do
    port=$(pick_port) || fail "no free port"
    if start_broker "$@"; then
      export RELAIS_ENDPOINT="tcp://127.0.0.1:$port"
      return 0
    fi
  done
  fail "relaisd could not bind a port"
}
# SIGTERM, then SIGKILL after 10 s.
stop_broker() {
  [ -n "$broker_pid" ] || return 0
  kill -TERM "$broker_pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$broker_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$broker_pid" 2>/dev/null || true
  wait "$broker_pid" 2>/dev/null || true
  broker_pid=
}
# The clean stop every script ends with: SIGTERM, and relaisd must exit 0.
stop_broker_clean() {
  local rc=0
  kill -TERM "$broker_pid"
  wait "$broker_pid" || rc=$?
  broker_pid=
  [ "$rc" -eq 0 ] || fail "relaisd exited $rc on SIGTERM"
}

# ---- Tests on certs/make-pki's scratch PKI ($tmp/pki): a person's identity is a folder there.
# pki_broker: relaisd runs as the hub of that PKI (its registry, key and data key).
pki_broker() {
  broker_certs=$tmp/pki/registry
  broker_key=$tmp/pki/relais-hub/relais-hub.cert_secret
  broker_data_key=$tmp/pki/relais-hub/data.key
}
# as WHO CMD...: CMD with WHO's keys, against the broker on $port.
as() {
  local who=$1
  shift
  RELAIS_ENDPOINT=tcp://127.0.0.1:$port RELAIS_KEY=$tmp/pki/$who/$who.cert_secret \
    RELAIS_SERVER_CERT=$tmp/pki/relais-hub/relais-hub.cert RELAIS_SPOOL=$tmp/spool/$who timeout 60 "$@"
}
# expect STATUS WHO ARGS...: `$relais ARGS` as WHO exits STATUS; output in $tmp/out, $tmp/err.
expect() {
  local want=$1 who=$2 got=0
  shift 2
  as "$who" "$relais" "$@" >"$tmp/out" 2>"$tmp/err" || got=$?
  [ "$got" -eq "$want" ] || { cat "$tmp/out" "$tmp/err" >&2; fail "$who: relais $* exited $got, expected $want"; }
}
# refused CODE WHO ARGS...: exit 1 with that error code.
refused() {
  local code=$1
  shift
  expect 1 "$@"
  grep -q "$code" "$tmp/err" || { cat "$tmp/err" >&2; fail "expected $code from: $*"; }
}

# ---- A partner's agent (`relais agent`), started by the script as $agent_pid, its log in $tmp/agent.log
agent_pid=
# stop_agent: SIGTERM, and it must exit 0 (under the sanitizers, a leak or an error at exit fails it).
stop_agent() {
  [ -n "$agent_pid" ] || return 0
  local rc=0 pid=$agent_pid
  agent_pid=
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || rc=$?
  [ "$rc" -eq 0 ] || fail "the agent exited $rc on SIGTERM: $(tail -5 "$tmp/agent.log")"
}
# the exit trap's: a test that already failed is not failed again by the agent's stop
stop_agent_quietly() {
  [ -n "$agent_pid" ] || return 0
  kill -TERM "$agent_pid" 2>/dev/null || true
  wait "$agent_pid" 2>/dev/null || true
  agent_pid=
}

# ---- Children and cases for the tests of the coordinator's decisions (duplicates, meetings) ----
# child FILE FAMILY GIVEN-NAMES-JSON ORGANISATION ROLE: the college's example ($examples) for
# another child or partner, without its reference (each referral made so is a new one).
child() {
  sed -e "s/\"family_name\": \"Benali\"/\"family_name\": \"$2\"/" -e "s/\"given_names\": \[\"Lina\"\]/\"given_names\": $3/" \
    -e "s/\"Collège Marie Curie\",$/\"$4\",/" -e "s/\"SCHOOL_HEAD\"/\"$5\"/" -e '/"external_ref"/d' \
    "$examples/referral-college-marie-curie.json" >"$1"
}
# submit_referrals N: N referrals of as many new children, by the college; $head is the last
# one's sequence number.
n_children=0
submit_referrals() {
  local i
  for i in $(seq "$1"); do
    n_children=$((n_children + 1))
    child "$tmp/child.json" "Essai$n_children" '["Lina"]' "Collège Marie Curie" SCHOOL_HEAD
    expect 0 college-curie submit "$tmp/child.json"
    head=$(field seq "$(cat "$tmp/out")")
  done
}
# wait_checkpoint SIZE: the hub signed a checkpoint of that size (within its 1 s interval), in the
# lines of its log from $log_from on (1 unless a script restarted the hub on another store).
log_from=1
wait_checkpoint() {
  for _ in $(seq 100); do
    tail -n +"$log_from" "$tmp/broker.log" | grep -q "event=checkpoint size=$1 " && return 0
    sleep 0.1
  done
  fail "no checkpoint of size $1: $(grep 'event=checkpoint' "$tmp/broker.log" | tail -3)"
}
# case_of HANDLE: the case a referral was filed in, as the coordinator sees it.
case_of() {
  expect 0 coordination case show "$1" --json
  sed -n 's/.*"summary": *{"case_id": *"\([^"]*\)".*/\1/p' "$tmp/out"
}
# verify_offline: the audit of a snapshot of the store, with the data key: every case replayed
# and compared with the index.
verify_offline() {
  rm -rf "$tmp/snap"
  "$relais" audit snapshot --store "$tmp/store" --out "$tmp/snap" >/dev/null
  expect_exit 0 "$relais" audit verify --store "$tmp/snap" --certs "$broker_certs" --data-key "$broker_data_key"
  grep -q "rebuilt, equal to the index" "$tmp/out" || fail "the audit compared no case: $(cat "$tmp/out")"
}
# The retention sweep on a fake clock: set_clock MS sets the time the sweep reads from $clock
# (relaisd --sweep-clock "$clock"); wait_sweep returns once the broker has logged two more sweeps
# (the one running may have read the clock before it moved).
set_clock() { echo "$1" >"$clock.new" && mv "$clock.new" "$clock"; }
sweeps() { grep -c 'event=sweep moved' "$tmp/broker.log" || true; }
wait_sweep() {
  local want=$(($(sweeps) + 2))
  for _ in $(seq 300); do [ "$(sweeps)" -ge "$want" ] && return 0; sleep 0.1; done
  fail "no sweep after the clock moved: $(tail -5 "$tmp/broker.log")"
}
