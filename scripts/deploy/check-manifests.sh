#!/usr/bin/env bash
# Checks the Kubernetes manifests under deploy/kubernetes against the API's schema, offline: every document's
# types, required fields, enums and formats with kubernetes-models' validators (generated from Kubernetes'
# OpenAPI schema), and unknown or misspelt fields with TypeScript's excess-property check against the same
# package's types (the OpenAPI schema itself allows any field). Fetches the pinned npm packages on first use.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS="$ROOT/target/manifest-check"
if [ ! -x "$TOOLS/node_modules/.bin/tsc" ]; then
  mkdir -p "$TOOLS"
  (cd "$TOOLS" && { [ -f package.json ] || echo '{"private": true}' >package.json; } \
    && npm install -E --no-audit --no-fund --loglevel=error kubernetes-models@5.1.0 js-yaml@4.1.0 typescript@5.9.3 >/dev/null)
fi
files=()
for f in "$@"; do files+=("$(readlink -f "$f")"); done
# Written beside the packages, which node and tsc resolve from the script's folder.
cat >"$TOOLS/check.mjs" <<'JS'
import { readFileSync, writeFileSync } from "node:fs";
import yaml from "js-yaml";
const [out, ...files] = process.argv.slice(2);
// kind -> the package's module and interface; a kind not listed here is refused rather than passed unchecked.
const kinds = { Job: ["batch/v1/Job", "IJob"], PersistentVolumeClaim: ["v1/PersistentVolumeClaim", "IPersistentVolumeClaim"] };
let ts = "", n = 0, failed = false;
for (const file of files) {
  for (const doc of yaml.loadAll(readFileSync(file, "utf8"))) {
    if (!doc) continue;
    const kind = kinds[doc.kind];
    if (!kind) { console.error(`${file}: kind ${doc.kind} has no checker here`); failed = true; continue; }
    const mod = await import(`kubernetes-models/${kind[0]}`);
    try {
      new mod[doc.kind](doc).validate();
      console.log(`${file}: ${doc.kind} ${doc.metadata.name}: types, required fields and enums ok`);
    } catch (e) { console.error(`${file}: ${doc.kind} ${doc.metadata?.name}: ${e.message}`); failed = true; }
    // The one rule the schema cannot hold: an Indexed Job's pods are shard tasks I of SLUICE_SHARD_COUNT.
    if (doc.kind === "Job" && doc.spec?.completionMode === "Indexed") {
      for (const c of doc.spec.template.spec.containers) {
        const count = (c.env ?? []).find((e) => e.name === "SLUICE_SHARD_COUNT")?.value;
        if (String(count) !== String(doc.spec.completions)) {
          console.error(`${file}: Job ${doc.metadata.name}: SLUICE_SHARD_COUNT ${count} is not completions ${doc.spec.completions}`);
          failed = true;
        }
      }
    }
    ts += `import type { ${kind[1]} as T${n} } from "kubernetes-models/${kind[0]}";\n`
        + `export const d${n}: T${n} = ${JSON.stringify(doc)};\n`;
    n++;
  }
}
writeFileSync(out, ts);
process.exit(failed ? 1 : 0);
JS
ok=0
(cd "$TOOLS" && node check.mjs docs.ts "${files[@]}") 2>&1 || ok=1
(cd "$TOOLS" && node_modules/.bin/tsc --noEmit --strict --module nodenext --moduleResolution nodenext --skipLibCheck \
  docs.ts) || { echo "check-manifests: unknown or misspelt fields (above)"; ok=1; }
[ "$ok" -eq 0 ] || { echo "check-manifests: failed" >&2; exit 1; }
echo "check-manifests: $# file(s): no unknown fields"
