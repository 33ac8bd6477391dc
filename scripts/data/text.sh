#!/usr/bin/env bash
# Regenerates data-samples/text/debian-texts.jsonl: real English text shipped by Debian packages, one JSON
# object per line {"id", "source", "text"}:
#   - every license in /usr/share/common-licenses (the GPL, LGPL, GFDL links repeat their targets: exact duplicates),
#   - the copyright files of /usr/share/doc/*/ up to 6 KB (packages built from one source ship the same one),
#   - every fortune of the fortunes package (apt-get install fortunes), one document each.
# Files that are not valid UTF-8 are left out. Documents are in a fixed order, so the file is reproducible
# on the same set of installed packages.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${1:-$ROOT/data-samples/text/debian-texts.jsonl}"
FORTUNES=/usr/share/games/fortunes
command -v jq >/dev/null || { echo "text.sh: needs jq (apt-get install jq)" >&2; exit 1; }
[ -d "$FORTUNES" ] || { echo "text.sh: needs the fortunes package (apt-get install fortunes)" >&2; exit 1; }
mkdir -p "$(dirname "$OUT")"
export LC_ALL=C

emit_file() { # source-name file
  iconv -f utf-8 -t utf-8 "$2" >/dev/null 2>&1 || return 0
  jq -cRs --arg src "$1" '{source: $src, text: .}' "$2"
}

{
  for f in /usr/share/common-licenses/*; do emit_file "common-licenses/$(basename "$f")" "$f"; done
  for f in /usr/share/doc/*/copyright; do
    [ "$(stat -L -c %s "$f")" -le 6144 ] && emit_file "doc/$(basename "$(dirname "$f")")/copyright" "$f"
  done
  for f in $(ls "$FORTUNES" | grep -v -e '\.dat$' -e '\.u8$' | sort); do
    [ -f "$FORTUNES/$f" ] || continue
    iconv -f utf-8 -t utf-8 "$FORTUNES/$f" >/dev/null 2>&1 || continue
    jq -cRs --arg src "fortunes/$f" 'split("\n%\n")[] | select(test("\\S")) | {source: $src, text: .}' "$FORTUNES/$f"
  done
} | jq -c '{id: input_line_number, source, text}' > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "$OUT: $(wc -l < "$OUT") documents, $(du -h "$OUT" | cut -f1), $(jq -r .text "$OUT" | wc -c) bytes of text" >&2
