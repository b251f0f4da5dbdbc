#!/usr/bin/env bash
# The container's entrypoint: one image, several roles.
#
#   web              wait for the database, migrate, then serve with gunicorn (platform/gunicorn.conf.py)
#   worker           Celery worker for the `default` queue (adaptation, statistics)
#   training-worker  Celery worker for the `training` queue, one task at a time (meta-training)
#   beat             Celery beat with the database scheduler (django_celery_beat)
#   migrate          wait for the database, migrate, exit (for scaled-out web: run once per release)
#   anything else    run as given, e.g. `python manage.py createsuperuser` or `bash`
#
# Extra arguments after a role are passed on to the process, e.g. `worker --concurrency 4`.
set -euo pipefail

# Run from the project root whatever the caller's directory (/app in the image).
cd "$(dirname "$0")/.."

log() { printf '[entrypoint] %s\n' "$*" >&2; }

# Wait until Django can open a connection to the default database (compose's healthcheck covers the
# usual start-up order; this covers a database that restarts, or one managed elsewhere).
wait_for_database() {
    local timeout="${DB_WAIT_TIMEOUT:-60}"
    log "waiting up to ${timeout}s for the database"
    DB_WAIT_TIMEOUT="$timeout" python - <<'PY'
import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import connection
from django.db.utils import OperationalError

deadline = time.monotonic() + int(os.environ["DB_WAIT_TIMEOUT"])
while True:
    try:
        connection.ensure_connection()
    except OperationalError as exc:
        if time.monotonic() >= deadline:
            sys.exit(f"[entrypoint] database not reachable: {exc}")
        time.sleep(1)
    else:
        connection.close()
        break
PY
}

migrate() {
    wait_for_database
    log "applying migrations"
    python manage.py migrate --noinput
}

role="${1:-web}"
if [ "$#" -gt 0 ]; then
    shift
fi

case "$role" in
    web)
        if [ "${RUN_MIGRATIONS:-1}" = "1" ]; then
            migrate
        else
            wait_for_database
        fi
        log "starting gunicorn"
        exec gunicorn --config platform/gunicorn.conf.py config.wsgi:application "$@"
        ;;
    worker)
        exec celery -A config worker -Q default -n "default@%h" \
            --loglevel "${LOG_LEVEL:-INFO}" \
            ${CELERY_WORKER_CONCURRENCY:+--concurrency "$CELERY_WORKER_CONCURRENCY"} "$@"
        ;;
    training-worker)
        exec celery -A config worker -Q training -n "training@%h" --concurrency 1 \
            --loglevel "${LOG_LEVEL:-INFO}" "$@"
        ;;
    beat)
        # The schedule lives in the database (django_celery_beat), so beat keeps no state file here.
        wait_for_database
        exec celery -A config beat \
            --scheduler django_celery_beat.schedulers:DatabaseScheduler \
            --loglevel "${LOG_LEVEL:-INFO}" "$@"
        ;;
    migrate)
        migrate
        ;;
    *)
        exec "$role" "$@"
        ;;
esac
