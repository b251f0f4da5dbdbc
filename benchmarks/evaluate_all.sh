#!/usr/bin/env bash
# Every figure of docs/benchmarks.md: each model on fold 0 of each shared data set (split protocol), then
# each data set replayed as an unseen course with the other two as --pretrain. Reports and predictions go
# to benchmarks/out/. Usage: benchmarks/evaluate_all.sh [MODEL ...]   (default: every model)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=../shared/datasets
OUT=benchmarks/out
mkdir -p "$OUT"
PY=${PYTHON:-python}
MODELS=("${@:-meta ablation elo best-lr bkt}")
read -r -a MODELS <<< "${MODELS[*]}"
SETS=(assist2009 statics2011 assist2015)
for model in "${MODELS[@]}"; do
  for set in "${SETS[@]}"; do
    "$PY" manage.py evaluate --data "$DATA/$set.csv" --fold 0 --model "$model" \
      --predictions "$OUT/$set-$model.csv" --report "$OUT/$set-$model.json"
  done
done
for model in "${MODELS[@]}"; do
  [[ "$model" == meta || "$model" == elo ]] || continue
  for set in "${SETS[@]}"; do
    others=()
    for other in "${SETS[@]}"; do [[ "$other" == "$set" ]] || others+=("$DATA/$other.csv"); done
    "$PY" manage.py evaluate --data "$DATA/$set.csv" --protocol replay --pretrain "${others[@]}" \
      --model "$model" --predictions "$OUT/$set-$model-replay.csv" --report "$OUT/$set-$model-replay.json"
  done
done
