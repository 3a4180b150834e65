#!/usr/bin/env bash
# Install and start Debian's PostgreSQL for the tests, create a role and a database, and print
# the URL to export as TRIAGE_TEST_POSTGRES_URL. Safe to run again: each step checks first.
#   export TRIAGE_TEST_POSTGRES_URL="$(bash scripts/ci_services.sh)"
# Needs root (apt-get, pg_ctlcluster). Everything but the URL goes to stderr.
set -euo pipefail

role="${TRIAGE_TEST_PG_ROLE:-triage_test}"
password="${TRIAGE_TEST_PG_PASSWORD:-triage_test_password}"
database="${TRIAGE_TEST_PG_DATABASE:-triage_test}"
port="${TRIAGE_TEST_PG_PORT:-5432}"

log() { echo "ci_services: $*" >&2; }

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    log "installing postgresql"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
fi

version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main"' | grep -q .; then
    log "creating cluster $version/main"
    pg_createcluster "$version" main --port "$port" >&2
fi
cluster_port="$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')"
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $4}' | grep -q online; then
    log "starting cluster $version/main on port $cluster_port"
    pg_ctlcluster "$version" main start >&2
fi

psql_admin() { runuser -u postgres -- psql --port "$cluster_port" -v ON_ERROR_STOP=1 -qtAX "$@"; }

for _ in $(seq 1 30); do
    if psql_admin -c "SELECT 1" >/dev/null 2>&1; then break; fi
    sleep 1
done

if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$role'")" != "1" ]; then
    log "creating role $role"
    psql_admin -c "CREATE ROLE $role LOGIN PASSWORD '$password'" >&2
fi
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$database'")" != "1" ]; then
    log "creating database $database"
    psql_admin -c "CREATE DATABASE $database OWNER $role" >&2
fi

echo "postgresql+psycopg://$role:$password@127.0.0.1:$cluster_port/$database"
