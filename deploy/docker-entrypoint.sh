#!/bin/sh
# The container's entry point: web (gunicorn), jobs (the huey consumer), migrate, publish-index, or any
# khizana command (`docker run khizana index status`).
set -eu

case "${1:-web}" in
web)
    # Static files into the data volume (STATIC_ROOT), for whitenoise and a proxy that serves them.
    khizana collectstatic --noinput --verbosity 0
    # Workers: WEB_CONCURRENCY (gunicorn reads it), 2 by default. X-Forwarded-Proto is believed only with
    # KHIZANA_TRUST_X_FORWARDED_PROTO=1 (compose.yaml: the port is published on 127.0.0.1 for the proxy).
    export WEB_CONCURRENCY="${WEB_CONCURRENCY:-2}"
    exec gunicorn khizana.wsgi --bind 0.0.0.0:8000 --threads 16 --timeout 120 --no-control-socket \
        --max-requests 2000 --max-requests-jitter 200 --access-logfile - --log-level warning
    ;;
jobs)
    exec khizana run_huey --workers "${KHIZANA_HUEY_WORKERS:-2}"
    ;;
migrate)
    exec khizana migrate --noinput
    ;;
publish-index)
    khizana index sync
    exec khizana index_publish
    ;;
*)
    exec khizana "$@"
    ;;
esac
