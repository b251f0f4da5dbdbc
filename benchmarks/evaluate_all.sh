#!/usr/bin/env bash
# Every figure of docs/benchmarks.md: each model on fold 0 of each shared data set (split protocol), then
# each data set replayed as an unseen course with the other two as --pretrain. Reports and predictions go
# to benchmarks/out/. Usage: benchmarks/evaluate_all.sh [MODEL ...]   (default: every model)
# Where a data set has exercise texts (<set>_exercises.tsv), the meta model and its ablation read them.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=../shared/datasets
OUT=benchmarks/out
mkdir -p "$OUT"
PY=${PYTHON:-python}
MODELS=("${@:-meta ablation elo best-lr bkt}")
read -r -a MODELS <<< "${MODELS[*]}"
SETS=(assist2009 statics2011 assist2015)
texts() {  # texts MODEL SET: the --exercise-text option for models that read texts, where the set has them
  if [[ ("$1" == meta || "$1" == ablation) && -f "$DATA/$2_exercises.tsv" ]]; then
    echo "--exercise-text $DATA/$2_exercises.tsv"
  fi
}
for model in "${MODELS[@]}"; do
  for set in "${SETS[@]}"; do
    # shellcheck disable=SC2046
    "$PY" manage.py evaluate --data "$DATA/$set.csv" --fold 0 --model "$model" $(texts "$model" "$set") \
      --predictions "$OUT/$set-$model.csv" --report "$OUT/$set-$model.json"
  done
done
for model in "${MODELS[@]}"; do
  [[ "$model" == meta || "$model" == elo ]] || continue
  for set in "${SETS[@]}"; do
    others=()
    for other in "${SETS[@]}"; do [[ "$other" == "$set" ]] || others+=("$DATA/$other.csv"); done
    # shellcheck disable=SC2046
    "$PY" manage.py evaluate --data "$DATA/$set.csv" --protocol replay --pretrain "${others[@]}" \
      --model "$model" $(texts "$model" "$set") --predictions "$OUT/$set-$model-replay.csv" --report "$OUT/$set-$model-replay.json"
  done
done
