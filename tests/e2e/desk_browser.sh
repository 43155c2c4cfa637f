#!/usr/bin/env bash
# desk_browser.sh -- `relais desk` in a real browser: headless Chromium driven by Selenium
# (tests/browser/desk_browser.py), against a real hub on 127.0.0.1, a desk on 127.0.0.1 opened by
# its one-time address, another whose work list has one case a page, and a desk on a unix socket behind nginx with TLS and a password, set up
# as desk/README.md tells a town to. This script starts them; the browser's steps are the
# Python's. Screenshots of each page are kept in SHOTS.
# usage: desk_browser.sh RELAIS RELAISD SOURCE_DIR SHOTS
set -euo pipefail

relais=$1
relaisd=$2
src=$3
shots=$4
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init desk-browser
pki_broker

# shellcheck source-path=SCRIPTDIR source=desk_lib.sh
. "$(dirname "$0")/desk_lib.sh"
browser_needs
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx" ] || fail "nginx is missing (Debian: nginx-light; scripts/install-deps)"

desk_pids=()
mkdir -p "$tmp/store" "$tmp/spool" "$tmp/run" "$tmp/nginx" "$shots"
rm -f "$shots"/*.png
RELAIS=$relais "$src/certs/make-pki" "$tmp/pki" >/dev/null
start_broker_on_free_port
export RELAIS_SERVER_CERT=$tmp/pki/relais-hub/relais-hub.cert
coordinator=$tmp/pki/coordination/coordination.cert_secret

desk_key=$coordinator

step "a desk on 127.0.0.1, for the coordinator's own machine"
mkfifo "$tmp/local.in"
exec 7<>"$tmp/local.in" # Enter on the desk's stdin prints another one-time address
desk_in=$tmp/local.in start_desk local
desk_pids+=("$desk_pid")
local_login=$(grep -o 'http://127\.0\.0\.1:[0-9]*/login?token=[A-Za-z0-9_-]*' "$tmp/local.out" | head -1)
[ -n "$local_login" ] || fail "no one-time address: $(cat "$tmp/local.out")"

step "a desk on 127.0.0.1 whose work list has one case a page"
start_desk paged --page-rows 1
desk_pids+=("$desk_pid")
paged_login=$(grep -o 'http://127\.0\.0\.1:[0-9]*/login?token=[A-Za-z0-9_-]*' "$tmp/paged.out" | head -1)
[ -n "$paged_login" ] || fail "no one-time address: $(cat "$tmp/paged.out")"

step "a desk on a unix socket behind nginx: TLS, a password, the proxy's secret"
# nginx's workers run as nobody when nginx is started as root: the socket is then its group's, and
# the folders on the way let it through (as RuntimeDirectoryMode=0711 does in desk/README.md).
socket_group=()
nginx_user=
if [ "$(id -u)" -eq 0 ]; then
  group=$(id -gn nobody)
  socket_group=(--socket-group "$group")
  nginx_user="user nobody $group;"
  chmod 711 "$tmp" "$tmp/run"
fi
head -c 32 /dev/urandom | base64 >"$tmp/proxy.secret"
chmod 600 "$tmp/proxy.secret"
start_desk proxied --socket "$tmp/run/coordination.sock" "${socket_group[@]}" --proxy-secret "$tmp/proxy.secret"
desk_pids+=("$desk_pid")
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1" -keyout "$tmp/nginx/tls.key" -out "$tmp/nginx/tls.pem" 2>/dev/null
coordination_password=$(head -c 12 /dev/urandom | base64 | tr -d '/+=')
secretariat_password=$(head -c 12 /dev/urandom | base64 | tr -d '/+=')
{
  printf 'coordination:%s\n' "$(openssl passwd -apr1 "$coordination_password")"
  printf 'secretariat:%s\n' "$(openssl passwd -apr1 "$secretariat_password")"
} >"$tmp/nginx/htpasswd"
chmod 644 "$tmp/nginx/htpasswd" "$tmp/nginx/tls.pem"
secret=$(cat "$tmp/proxy.secret")
start_nginx() {
  local nginx_port=$1
  # desk/README.md's configuration, on a test port. One change: "secretariat" is sent to the
  # coordinator's desk too, as a mistaken map would, so that the desk's own refusal is tested.
  cat >"$tmp/nginx/nginx.conf" <<EOF
$nginx_user
worker_processes 1;
pid $tmp/nginx/nginx.pid;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    upstream desk_coordination { server unix:$tmp/run/coordination.sock; }
    map \$remote_user \$relais_desk {
        coordination  desk_coordination;
        secretariat   desk_coordination;
        default       "";
    }
    map \$remote_user \$relais_desk_secret {
        coordination  "$secret";
        secretariat   "$secret";
        default       "";
    }
    map \$relais_calendar_person \$relais_calendar_desk {
        coordination  desk_coordination;
        default       "";
    }
    map \$relais_calendar_person \$relais_calendar_secret {
        coordination  "$secret";
        default       "";
    }
    server {
        listen 127.0.0.1:$nginx_port ssl;
        server_name 127.0.0.1;
        ssl_certificate     $tmp/nginx/tls.pem;
        ssl_certificate_key $tmp/nginx/tls.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        auth_basic "relais";
        auth_basic_user_file $tmp/nginx/htpasswd;
        location / {
            # Rewrites come before the password is checked: someone who has not given one yet, or
            # who gave a name without a desk, is asked for it again (a 403 would never ask).
            if (\$relais_desk = "") {
                add_header WWW-Authenticate 'Basic realm="relais"' always;
                return 401;
            }
            proxy_pass http://\$relais_desk;
            proxy_http_version 1.1;
            proxy_set_header Host \$host;
            proxy_set_header Connection "";
            proxy_set_header Authorization "";
            proxy_set_header X-Remote-User \$remote_user;
            proxy_set_header X-Relais-Proxy-Secret \$relais_desk_secret;
            proxy_buffering off;
            proxy_read_timeout 1h;
        }
        location ^~ /calendar/ {
            auth_basic off;
            access_log off;
            location ~ "^/calendar/(?<relais_calendar_person>[A-Za-z0-9._-]+)/(?<relais_calendar_token>[A-Za-z0-9_-]{43})\\.ics\$" {
                if (\$relais_calendar_desk = "") {
                    return 404;
                }
                limit_except GET {
                    deny all;
                }
                proxy_pass http://\$relais_calendar_desk/calendar/\$relais_calendar_token.ics;
                proxy_http_version 1.1;
                proxy_set_header Host \$host;
                proxy_set_header Connection "";
                proxy_set_header Authorization "";
                proxy_set_header Cookie "";
                proxy_set_header X-Remote-User "";
                proxy_set_header X-Relais-Proxy-Secret \$relais_calendar_secret;
            }
            return 404;
        }
    }
}
EOF
  "$nginx" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/error.log" -g 'daemon off;' &
  nginx_pid=$!
  bg_pids+=("$nginx_pid")
  for _ in $(seq 50); do
    curl -sk -o /dev/null "https://127.0.0.1:$nginx_port/" 2>/dev/null && return 0
    kill -0 "$nginx_pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
started=
for _ in 1 2 3 4 5; do
  nginx_port=$(pick_port) || fail "no free port"
  if start_nginx "$nginx_port"; then started=1; break; fi
done
[ -n "$started" ] || { cat "$tmp/nginx/error.log" >&2; fail "nginx did not start"; }
# Before the browser: the proxy lets nobody through without the password.
code=$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$nginx_port/")
[ "$code" = 401 ] || fail "nginx without a password: $code"
code=$(curl -sk -o /dev/null -w '%{http_code}' -u "coordination:$coordination_password" "https://127.0.0.1:$nginx_port/")
[ "$code" = 200 ] || { cat "$tmp/nginx/error.log" "$tmp/proxied.err" >&2; fail "nginx with the password: $code"; }

step "the browser's steps (tests/browser/desk_browser.py)"
RELAIS_ENDPOINT=tcp://127.0.0.1:$port "$python" "$src/tests/browser/desk_browser.py" \
  --relais "$relais" --pki "$tmp/pki" --examples "$src/examples" --work "$tmp" --shots "$shots" \
  --local "$local_login" --paged "$paged_login" --proxied "https://127.0.0.1:$nginx_port" \
  --user "coordination:$coordination_password" --other-user "secretariat:$secretariat_password" ||
  { echo "--- the local desk's stderr" >&2; cat "$tmp/local.err" >&2; echo "--- the proxied desk's" >&2;
    cat "$tmp/proxied.err" >&2; echo "--- the paged desk's" >&2; cat "$tmp/paged.err" >&2; fail "the browser's steps"; }

# SIGTERM: the desks and nginx stop, and the desks exit 0.
for p in "${bg_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
for p in "${desk_pids[@]}"; do
  rc=0
  wait "$p" || rc=$?
  [ "$rc" -eq 0 ] || fail "a desk exited $rc on SIGTERM"
done
stop_broker_clean
echo "desk_browser: all checks passed; screenshots in $shots"
