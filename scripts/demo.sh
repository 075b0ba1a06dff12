#!/usr/bin/env bash
# The main job on the embedded default: validate the project's gold, train the default model (once, when the
# shared gold is beside the checkout; else use the rule-only pipeline), score it, and tag the reports in corpus/.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
DATA=${DATA:-../shared}
MODEL=models/default/model-best
mkdir -p out

$BIN/pipeline corpus validate annotations/*.jsonl
# a finished training writes train_time.json last: a model dir left by an interrupted run is trained again
if [ ! -f models/default/train_time.json ]; then
  if [ -d "$DATA/gold" ]; then
    $BIN/pipeline train --config configs/ner.cfg --output models/default --data-dir "$DATA"
  else
    echo "no shared gold at $DATA: using the rule-only pipeline" >&2
    MODEL=rules
  fi
fi
if [ -d "$DATA/gold" ]; then
  $BIN/pipeline evaluate --model "$MODEL" --gold "$DATA/gold/reports.jsonl" --ids "$DATA/gold/splits.json" \
    --split dev --output out/metrics-dev.json --errors out/errors-dev.jsonl
fi
$BIN/pipeline tag corpus/ --model "$MODEL" --output out/corpus-entities.csv
$BIN/pipeline tag corpus/ --model "$MODEL" --output out/corpus-tagged.jsonl
echo "entities of corpus/: out/corpus-entities.csv (one row per entity), out/corpus-tagged.jsonl (gold format)"
