#!/usr/bin/env bash
# PostgreSQL and Redis for the scale-out tests and bench, on 127.0.0.1 only, in a
# private folder (not the system's clusters), from Debian's packages
# (`postgresql`, `redis-server`; scripts/setup.sh installs them).
#
#   bash scripts/services.sh start|stop|restart|status|url postgres|redis
#
# Ports: $MLJUDGE_PG_PORT (55432) and $MLJUDGE_REDIS_PORT (56379); data under
# $MLJUDGE_SERVICES_DIR (/tmp/mljudge-services). `url` prints the URL to give
# `judge serve --db/--broker`. Redis keeps nothing on disk: a restart is a flush.
set -euo pipefail
action=${1:?usage: services.sh start|stop|restart|status|url postgres|redis}
svc=${2:?usage: services.sh start|stop|restart|status|url postgres|redis}
dir=${MLJUDGE_SERVICES_DIR:-/tmp/mljudge-services}
pg_port=${MLJUDGE_PG_PORT:-55432}
redis_port=${MLJUDGE_REDIS_PORT:-56379}
say() { echo "services: $*" >&2; }

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

pg() {
    local bin data=$dir/pg log=$dir/pg.log
    bin=$(pg_bin)
    [ -n "$bin" ] || { say "PostgreSQL is not installed (apt-get install postgresql)"; exit 3; }
    case $1 in
    start)
        mkdir -p "$dir"; chmod 755 "$dir"
        if [ ! -f "$data/PG_VERSION" ]; then
            mkdir -p "$data"; [ "$(id -u)" = 0 ] && chown postgres: "$data"
            as_pg "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1 \
                || { say "initdb failed: $(tail -3 "$dir/initdb.log")"; exit 1; }
        fi
        touch "$log"; [ "$(id -u)" = 0 ] && chown postgres: "$log"
        if ! as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
            as_pg "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 \
                -o "-h 127.0.0.1 -p $pg_port -k $data -c fsync=off -c max_connections=200" start >/dev/null \
                || { say "postgres did not start: $(tail -3 "$log")"; exit 1; }
        fi
        say "postgres on 127.0.0.1:$pg_port" ;;
    stop) [ -f "$data/PG_VERSION" ] && as_pg "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true ;;
    status) as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1 ;;
    url) echo "postgresql://postgres@127.0.0.1:$pg_port/postgres" ;;
    esac
}

redis() {
    local pidf=$dir/redis.pid
    command -v redis-server >/dev/null || { say "Redis is not installed (apt-get install redis-server)"; exit 3; }
    case $1 in
    start)
        mkdir -p "$dir"
        if ! redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1; then
            redis-server --bind 127.0.0.1 --port "$redis_port" --daemonize yes --pidfile "$pidf" --dir "$dir" \
                --save '' --appendonly no --logfile "$dir/redis.log" --protected-mode yes
            for _ in $(seq 50); do redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
            redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null || { say "redis did not start"; exit 1; }
        fi
        say "redis on 127.0.0.1:$redis_port" ;;
    stop)
        redis-cli -h 127.0.0.1 -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
        for _ in $(seq 50); do redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1 || break; sleep 0.1; done ;;
    status) redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1 ;;
    url) echo "redis://127.0.0.1:$redis_port/0" ;;
    esac
}

case $svc in
postgres|postgresql) f=pg ;;
redis) f=redis ;;
*) say "unknown service $svc (postgres or redis)"; exit 2 ;;
esac
case $action in
start|stop|status|url) $f "$action" ;;
restart) $f stop; $f start ;;
*) say "unknown action $action"; exit 2 ;;
esac
