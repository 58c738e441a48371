#!/usr/bin/env bash
# Socialco's production stack on loopback, for trying it and for CI (`make prod-run`).
#
#   deploy/local/prod-stack.sh start     install what is missing, start everything, wait for /healthz
#   deploy/local/prod-stack.sh services  only PostgreSQL and Redis (CI's PostgreSQL/Redis jobs)
#   deploy/local/prod-stack.sh stop      stop everything this script started
#   deploy/local/prod-stack.sh status    what runs
#
# Every process runs as a local process with its state, logs and pid files under var/prod/:
# PostgreSQL (a private cluster, as the `postgres` OS user when run as root), Redis, gunicorn
# (WSGI, several workers), two daphne processes (ASGI, for /ws/) and nginx in front on
# 127.0.0.1:8080, with the same locations file as deploy/nginx/socialco.conf. Plain HTTP:
# TLS terminates at the real proxy in a deployment (docs/deploy.md). Running `start` again
# keeps the databases and reloads the app processes with the current code.
#
# Ports and sizes come from the environment: PROD_HTTP_PORT (8080), PROD_GUNICORN_PORT (8081),
# PROD_DAPHNE_PORTS ("8082 8083"), PROD_PG_PORT (55432), PROD_REDIS_PORT (56379),
# PROD_GUNICORN_WORKERS (3), PROD_STATE_DIR (var/prod), PROD_PG_OPTIONS (extra postgres -c
# options; CI passes fsync=off for speed), PROD_SEED_DEMO (1: load the demo company).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE="${PROD_STATE_DIR:-$ROOT/var/prod}"
HTTP_PORT="${PROD_HTTP_PORT:-8080}"
GUNICORN_PORT="${PROD_GUNICORN_PORT:-8081}"
read -r -a DAPHNE_PORTS <<<"${PROD_DAPHNE_PORTS:-8082 8083}"
PG_PORT="${PROD_PG_PORT:-55432}"
REDIS_PORT="${PROD_REDIS_PORT:-56379}"
GUNICORN_WORKERS="${PROD_GUNICORN_WORKERS:-3}"
PG_OPTIONS="${PROD_PG_OPTIONS:-}"
SEED_DEMO="${PROD_SEED_DEMO:-1}"
VENV="${VENV:-$ROOT/.venv}"
PYTHON="$VENV/bin/python"
RUN="$STATE/run"
LOG="$STATE/log"
APP_ENV="$STATE/socialco.env"
SERVICES_ENV="$STATE/services.env"

say() { printf '  %s\n' "$*"; }
fail() {
    printf 'prod-stack: %s\n' "$*" >&2
    exit 1
}

# --- Process helpers (only pid files this script wrote) ----------------------------------
pid_alive() { # pidfile
    [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

stop_pidfile() { # name pidfile [signal]
    local name="$1" pidfile="$2" signal="${3:-TERM}" pid
    if ! pid_alive "$pidfile"; then
        rm -f "$pidfile"
        return 0
    fi
    pid="$(cat "$pidfile")"
    kill "-$signal" "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        say "$name did not stop in 10 s; killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
    say "stopped $name"
}

wait_for() { # description timeout-seconds command...
    local what="$1" timeout="$2"
    shift 2
    local deadline=$((SECONDS + timeout))
    until "$@" >/dev/null 2>&1; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            fail "$what did not come up within ${timeout}s (logs: $LOG)"
        fi
        sleep 0.3
    done
}

http_ok() { # url
    curl --silent --fail --max-time 5 --output /dev/null "$1"
}

port_free() { # port
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

random_secret() {
    python3 -c 'import secrets; print(secrets.token_hex(24))'
}

# --- Packages ------------------------------------------------------------------------------
install_packages() {
    local wanted=(postgresql redis-server "$@")
    bash "$ROOT/deploy/local/ensure-packages.sh" "${wanted[@]}"
}

# --- PostgreSQL ----------------------------------------------------------------------------
pg_bin() {
    local dir
    dir="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)"
    [ -n "$dir" ] || fail "PostgreSQL's programs are not under /usr/lib/postgresql (apt-get install postgresql)"
    echo "$dir"
}

# PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres` OS user
# (created by Debian's package), otherwise to whoever runs this.
pg_user() {
    if [ "$(id -u)" -eq 0 ]; then
        id -u postgres >/dev/null 2>&1 || useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres
        echo postgres
    else
        id -un
    fi
}

as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# The cluster lives in var/prod/postgres when its owner can reach that folder, otherwise in a
# folder of its own under /var/tmp named after this checkout (e.g. a checkout under /root),
# claimed by the state folder (claim_pg_root).
pg_root() {
    local wanted="$STATE/postgres"
    mkdir -p "$STATE"
    if [ "$(id -u)" -ne 0 ] || runuser -u postgres -- test -x "$STATE" 2>/dev/null; then
        echo "$wanted"
    else
        echo "/var/tmp/socialco-prod-$(printf '%s' "$STATE" | sha1sum | cut -c1-12)/postgres"
    fi
}

# A cluster under /var/tmp outlives the state folder it serves. A new state folder at the same
# path (a fresh clone where an old one was) must not inherit its database: the uploaded files
# that database names went with the old folder. The state folder keeps a random id, the cluster
# a copy; a cluster with another id is stopped and discarded. One with no id yet (made before
# clusters were claimed) is kept if this state folder already holds its password, and discarded
# if the state folder is new.
claim_pg_root() {
    local bin="$1" root="$2" id_file="$STATE/postgres-cluster-id"
    [ "$root" = "$STATE/postgres" ] && return 0
    [ -s "$id_file" ] || (umask 077 && random_secret >"$id_file")
    if [ -e "$root" ] && ! cmp -s "$id_file" "$root/state-id" &&
        { [ -e "$root/state-id" ] || [ ! -s "$STATE/secrets/db-password" ]; }; then
        say "discarding the PostgreSQL cluster an earlier state folder at this path left in $root"
        if [ -s "$root/data/postmaster.pid" ]; then
            as_pg "$bin/pg_ctl" --pgdata="$root/data" --mode=immediate --wait --timeout=60 stop \
                >/dev/null 2>&1 || true
        fi
        rm -rf "$root"
    fi
    mkdir -p "$root"
    cp "$id_file" "$root/state-id"
}

start_postgres() {
    local bin root data sockets user
    bin="$(pg_bin)"
    root="$(pg_root)"
    data="$root/data"
    sockets="$root/run"
    user="$(pg_user)"
    claim_pg_root "$bin" "$root"
    mkdir -p "$root" "$sockets" "$STATE/secrets"
    chmod 700 "$STATE/secrets"
    if [ "$(id -u)" -eq 0 ]; then
        chown "$user:" "$root" "$sockets"
    fi
    chmod 700 "$sockets"
    if [ ! -s "$data/PG_VERSION" ]; then
        say "creating a private PostgreSQL cluster in $data"
        rm -rf "$data"
        as_pg "$bin/initdb" --pgdata="$data" --username=postgres --encoding=UTF8 --locale=C.UTF-8 \
            --auth-local=peer --auth-host=scram-sha-256 >"$root/initdb.log" 2>&1 ||
            fail "initdb failed: $(tail -n 5 "$root/initdb.log")"
    fi
    if as_pg "$bin/pg_ctl" --pgdata="$data" status >/dev/null 2>&1; then
        say "PostgreSQL already runs on 127.0.0.1:$PG_PORT"
    else
        port_free "$PG_PORT" || fail "port $PG_PORT is taken by another program (set PROD_PG_PORT)"
        # shellcheck disable=SC2086
        as_pg "$bin/pg_ctl" --pgdata="$data" --log="$root/postgres.log" --wait --timeout=60 \
            -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$sockets $PG_OPTIONS" \
            start >/dev/null || fail "PostgreSQL did not start: $(tail -n 5 "$root/postgres.log")"
        say "PostgreSQL started on 127.0.0.1:$PG_PORT"
    fi
    wait_for "PostgreSQL" 60 as_pg "$bin/pg_isready" --host="$sockets" --port="$PG_PORT"

    # The application's role (may create databases: the test suite makes its own) and database.
    local password_file="$STATE/secrets/db-password" password
    [ -s "$password_file" ] || (umask 077 && random_secret >"$password_file")
    password="$(cat "$password_file")"
    as_pg "$bin/psql" --host="$sockets" --port="$PG_PORT" --username=postgres --dbname=postgres \
        --quiet --no-psqlrc -v ON_ERROR_STOP=1 -v password="$password" >/dev/null <<'SQL'
SELECT format('CREATE ROLE socialco LOGIN CREATEDB PASSWORD %L', :'password')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'socialco') \gexec
SELECT format('ALTER ROLE socialco PASSWORD %L', :'password') \gexec
SELECT 'CREATE DATABASE socialco OWNER socialco'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'socialco') \gexec
SQL
    PG_BASE_URL="postgres://socialco:$password@127.0.0.1:$PG_PORT"
}

stop_postgres() {
    local bin root
    bin="$(pg_bin 2>/dev/null)" || return 0
    root="$(pg_root)"
    if [ -s "$root/data/postmaster.pid" ] && as_pg "$bin/pg_ctl" --pgdata="$root/data" status >/dev/null 2>&1; then
        as_pg "$bin/pg_ctl" --pgdata="$root/data" --mode=fast --wait --timeout=60 stop >/dev/null
        say "stopped PostgreSQL"
    fi
}

# --- Redis ---------------------------------------------------------------------------------
start_redis() {
    mkdir -p "$STATE/redis" "$RUN" "$LOG"
    if pid_alive "$RUN/redis.pid" && redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then
        say "Redis already runs on 127.0.0.1:$REDIS_PORT"
    else
        port_free "$REDIS_PORT" || fail "port $REDIS_PORT is taken by another program (set PROD_REDIS_PORT)"
        redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --protected-mode yes --daemonize yes \
            --pidfile "$RUN/redis.pid" --logfile "$LOG/redis.log" --dir "$STATE/redis" \
            --save "" --appendonly no >/dev/null
        wait_for "Redis" 30 bash -c "redis-cli -h 127.0.0.1 -p $REDIS_PORT ping | grep -q PONG"
        say "Redis started on 127.0.0.1:$REDIS_PORT"
    fi
    REDIS_BASE_URL="redis://127.0.0.1:$REDIS_PORT"
}

stop_redis() {
    stop_pidfile "Redis" "$RUN/redis.pid" # SIGTERM: Redis shuts down cleanly (nothing to save)
}

write_services_env() {
    (umask 077 && cat >"$SERVICES_ENV") <<EOF
# Written by deploy/local/prod-stack.sh: the loopback PostgreSQL and Redis (append /DBNAME).
PROD_DATABASE_BASE_URL=$PG_BASE_URL
PROD_REDIS_BASE_URL=$REDIS_BASE_URL
EOF
}

# --- The application -----------------------------------------------------------------------
write_app_env() {
    (umask 077 && cat >"$APP_ENV") <<EOF
# Written by deploy/local/prod-stack.sh on every start: the documented production
# environment (deploy/socialco.env.example), on loopback, plain HTTP.
SOCIALCO_VAR_DIR=$STATE/app
DEBUG=false
HTTPS=false
ALLOWED_HOSTS=127.0.0.1,localhost
CSRF_TRUSTED_ORIGINS=http://127.0.0.1:$HTTP_PORT,http://localhost:$HTTP_PORT
DATABASE_URL=$PG_BASE_URL/socialco
REDIS_URL=$REDIS_BASE_URL/0
MEDIA_ACCEL_REDIRECT_PREFIX=/protected-media/
EMAIL_FILE_PATH=$STATE/mail
LOG_LEVEL=INFO
EOF
}

load_app_env() {
    set -a
    # shellcheck disable=SC1090
    . "$APP_ENV"
    set +a
}

prepare_app() {
    mkdir -p "$STATE/app" "$STATE/mail" "$RUN" "$LOG"
    [ -x "$PYTHON" ] || fail "no virtual environment at $VENV: run \`make prod-run\` (it builds one)"
    load_app_env
    cd "$ROOT"
    say "migrating, collecting static files"
    "$PYTHON" manage.py migrate --no-input >"$LOG/migrate.log" 2>&1 || fail "migrate failed: $(tail -n 20 "$LOG/migrate.log")"
    "$PYTHON" manage.py collectstatic --no-input --verbosity 0 >"$LOG/collectstatic.log" 2>&1 ||
        fail "collectstatic failed: $(tail -n 20 "$LOG/collectstatic.log")"
    if [ "$SEED_DEMO" = "1" ]; then
        say "loading the demo company"
        "$PYTHON" manage.py seed_demo >"$LOG/seed_demo.log" 2>&1 || fail "seed_demo failed: $(tail -n 20 "$LOG/seed_demo.log")"
    fi
}

start_gunicorn() {
    if pid_alive "$RUN/gunicorn.pid"; then
        kill -HUP "$(cat "$RUN/gunicorn.pid")" # graceful: new workers with the current code
        say "gunicorn reloaded"
    else
        port_free "$GUNICORN_PORT" || fail "port $GUNICORN_PORT is taken (set PROD_GUNICORN_PORT)"
        GUNICORN_BIND="127.0.0.1:$GUNICORN_PORT" GUNICORN_WORKERS="$GUNICORN_WORKERS" \
            GUNICORN_ACCESS_LOG="$LOG/gunicorn-access.log" GUNICORN_ERROR_LOG="$LOG/gunicorn.log" \
            "$VENV/bin/gunicorn" --config "$ROOT/deploy/gunicorn.conf.py" --chdir "$ROOT" \
            --pid "$RUN/gunicorn.pid" --daemon
        say "gunicorn started on 127.0.0.1:$GUNICORN_PORT with $GUNICORN_WORKERS workers"
    fi
    wait_for "gunicorn" 60 http_ok "http://127.0.0.1:$GUNICORN_PORT/healthz"
}

start_daphnes() {
    local port pidfile
    for port in "${DAPHNE_PORTS[@]}"; do
        pidfile="$RUN/daphne-$port.pid"
        stop_pidfile "daphne on $port" "$pidfile" # no reload in daphne: restart with the current code
        port_free "$port" || fail "port $port is taken (set PROD_DAPHNE_PORTS)"
        (
            cd "$ROOT"
            exec setsid "$VENV/bin/daphne" --bind 127.0.0.1 --port "$port" --proxy-headers \
                --access-log "$LOG/daphne-$port-access.log" socialco.asgi:application \
                >>"$LOG/daphne-$port.log" 2>&1 </dev/null
        ) &
        echo $! >"$pidfile"
    done
    for port in "${DAPHNE_PORTS[@]}"; do
        wait_for "daphne on $port" 60 http_ok "http://127.0.0.1:$port/healthz"
    done
    say "daphne started on 127.0.0.1:${DAPHNE_PORTS[*]}"
}

write_nginx_conf() {
    local dir="$STATE/nginx" user="" servers="" port
    mkdir -p "$dir/tmp"
    # The workers read the uploaded files, which the app writes readable by its own user only.
    if [ "$(id -u)" -eq 0 ]; then
        user="user root root;"
    fi
    for port in "${DAPHNE_PORTS[@]}"; do
        servers+="        server 127.0.0.1:$port;"$'\n'
    done
    sed -e "s|/srv/socialco/var/|$STATE/app/|g" "$ROOT/deploy/nginx/socialco-locations.conf" >"$dir/socialco-locations.conf"
    cat >"$dir/nginx.conf" <<EOF
# Written by deploy/local/prod-stack.sh. The server's locations are deploy/nginx/socialco-locations.conf.
$user
worker_processes 2;
pid $RUN/nginx.pid;
error_log $LOG/nginx-error.log warn;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    access_log $LOG/nginx-access.log;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;

    upstream socialco_wsgi {
        server 127.0.0.1:$GUNICORN_PORT;
    }
    upstream socialco_asgi {
$servers    }
    map \$http_upgrade \$socialco_connection_upgrade {
        default upgrade;
        "" close;
    }
    server {
        listen 127.0.0.1:$HTTP_PORT;
        server_name _;
        include $dir/socialco-locations.conf;
    }
}
EOF
}

nginx_cmd() {
    local binary
    binary="$(command -v nginx || echo /usr/sbin/nginx)"
    "$binary" -p "$STATE/nginx/" -c "$STATE/nginx/nginx.conf" -e "$LOG/nginx-error.log" "$@"
}

start_nginx() {
    write_nginx_conf
    nginx_cmd -t -q 2>"$LOG/nginx-test.log" || fail "nginx refused its configuration: $(cat "$LOG/nginx-test.log")"
    if pid_alive "$RUN/nginx.pid"; then
        nginx_cmd -s reload
        say "nginx reloaded"
    else
        port_free "$HTTP_PORT" || fail "port $HTTP_PORT is taken (set PROD_HTTP_PORT)"
        nginx_cmd
        say "nginx started on 127.0.0.1:$HTTP_PORT"
    fi
}

check_through_nginx() {
    local base="http://127.0.0.1:$HTTP_PORT" status
    wait_for "/healthz through nginx" 60 http_ok "$base/healthz"
    # An anonymous WebSocket handshake must reach daphne, not gunicorn. Daphne answers 403, or 101
    # when the consumer's accept-then-close-4401 wins the race with the handshake (both are daphne).
    status="$(curl --silent --max-time 5 --output /dev/null --write-out '%{http_code}' --http1.1 \
        -H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' \
        -H 'Sec-WebSocket-Key: c29jaWFsY28tc21va2UtdA==' -H "Origin: $base" "$base/ws/" || true)"
    [ "$status" = "403" ] || [ "$status" = "101" ] || fail "/ws/ through nginx answered $status, expected daphne (101, or 403) for an anonymous WebSocket handshake"
}

# --- Commands ------------------------------------------------------------------------------
cmd_services() {
    install_packages
    mkdir -p "$RUN" "$LOG"
    start_postgres
    start_redis
    write_services_env
}

cmd_start() {
    local started=$SECONDS
    echo "Starting Socialco's production stack on loopback (state in $STATE)"
    install_packages nginx curl
    mkdir -p "$RUN" "$LOG"
    start_postgres
    start_redis
    write_services_env
    write_app_env
    prepare_app
    start_gunicorn
    start_daphnes
    start_nginx
    check_through_nginx
    echo ""
    echo "  Socialco (production profile) answers on http://127.0.0.1:$HTTP_PORT/  ($((SECONDS - started)) s)"
    echo "  nginx -> gunicorn ($GUNICORN_WORKERS workers) for pages, daphne x${#DAPHNE_PORTS[@]} for /ws/,"
    echo "  PostgreSQL 127.0.0.1:$PG_PORT, Redis 127.0.0.1:$REDIS_PORT. Logs: $LOG"
    echo "  E-mails (e.g. sign-up verification) are written to $STATE/mail"
    if [ "$SEED_DEMO" = "1" ]; then
        echo "  Demo logins: admin@example.com, hr@example.com, <first>.<last>@example.com / socialco-demo"
    fi
    echo "  Stop it with: make prod-stop"
    echo ""
}

cmd_stop() {
    echo "Stopping Socialco's production stack ($STATE)"
    stop_pidfile "nginx" "$RUN/nginx.pid" QUIT # graceful: finishes the requests in flight
    local pidfile
    for pidfile in "$RUN"/daphne-*.pid; do
        [ -e "$pidfile" ] || continue
        stop_pidfile "daphne $(basename "$pidfile" .pid | cut -d- -f2)" "$pidfile"
    done
    stop_pidfile "gunicorn" "$RUN/gunicorn.pid"
    stop_redis
    stop_postgres
}

cmd_status() {
    local name pidfile
    for pidfile in "$RUN"/*.pid; do
        [ -e "$pidfile" ] || continue
        name="$(basename "$pidfile" .pid)"
        if pid_alive "$pidfile"; then echo "$name: running (pid $(cat "$pidfile"))"; else echo "$name: stopped"; fi
    done
    local bin root
    if bin="$(pg_bin 2>/dev/null)"; then
        root="$(pg_root)"
        if [ -d "$root/data" ] && as_pg "$bin/pg_ctl" --pgdata="$root/data" status >/dev/null 2>&1; then
            echo "postgres: running"
        else
            echo "postgres: stopped"
        fi
    fi
}

# Sourced (by tests of its functions), it only defines them.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    case "${1:-}" in
    start) cmd_start ;;
    services) cmd_services ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    *)
        echo "usage: $0 start|services|stop|status" >&2
        exit 2
        ;;
    esac
fi
