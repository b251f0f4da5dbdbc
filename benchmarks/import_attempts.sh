#!/usr/bin/env bash
# Times `import_attempts` of a shared data set into a fresh PostgreSQL database and prints the figures.
# Usage: benchmarks/import_attempts.sh [assist2009|statics2011|assist2015]   (needs ../shared/datasets)
set -euo pipefail
cd "$(dirname "$0")/.."
SET=${1:-assist2009}
DB=adaptive_import_benchmark
PY=${PYTHON:-.venv/bin/python}
psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB
"$PY" manage.py migrate -v0
/usr/bin/time -f "wall %e s, peak memory %M KB" "$PY" manage.py import_attempts "../shared/datasets/$SET.csv" \
  --course "$SET" 2>&1
echo "again (nothing new to store):"
/usr/bin/time -f "wall %e s, peak memory %M KB" "$PY" manage.py import_attempts "../shared/datasets/$SET.csv" \
  --course "$SET" 2>&1
psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE $DB"
