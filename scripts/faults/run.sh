#!/usr/bin/env bash
# The fault suite: what a hostile or careless user does to a run, each fault a test that runs the real command line
# (in-process or as a child process) on real data and checks the exit code, the message and the files left:
# kill -9 at random points of each job and resume (10 trials per test, byte-identical outputs), two writers on one
# output, full disks and exhausted inodes, tiny budgets, escapes from `sql`, changed inputs and options, damaged
# committed shards, bad inputs; then a rebuild and a copy of the installed tree. Prints one line per fault class and
# the totals. Needs root for the tmpfs and cgroup faults (skipped with the reason otherwise).
#   scripts/faults/run.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
for home in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk-arm64 \
            /usr/lib/jvm/java-25-openjdk-amd64 /usr/lib/jvm/java-25-openjdk-arm64; do
  [ -n "$home" ] && [ -x "$home/bin/java" ] && "$home/bin/java" -version 2>&1 | grep -q '"25' && { export JAVA_HOME="$home"; break; }
done
declare -A CLASSES=(
  [kill and resume]="ProbeRowsResumeTest,CompressResumeTest,PackResumeTest"
  [two writers]="OutputLockTest"
  [full disk, no inodes]="ProbeRowsDiskFullTest,CompressDiskFullTest,PackDiskFullTest"
  [tiny budgets]="MinimumBudgetTest,MemoryBudgetTest,CompressHeapTest,ProbeRowsMemoryTest,CgroupBudgetTest"
  [sql escapes]="SqlConfinementTest"
  [changed inputs, options, damaged shards]="ResumeTrustTest"
  [bad input]="ProbeRowsBadInputTest,CompressEarlyChecksTest,CodesBaseCheckTest"
)
ORDER=("kill and resume" "two writers" "full disk, no inodes" "tiny budgets" "sql escapes"
       "changed inputs, options, damaged shards" "bad input")
all=$(IFS=,; echo "${CLASSES[*]}")
cd "$ROOT"
rm -rf "$ROOT/target/surefire-reports"
mvn -B -q test -Dtest="$all" -Dsurefire.failIfNoSpecifiedTests=false >"$ROOT/target/faults.log" 2>&1 || status=$?
/usr/bin/python3 - "$ROOT/target/surefire-reports" "${ORDER[@]}" <<PY
import sys, glob, re, xml.etree.ElementTree as ET
reports, order = sys.argv[1], sys.argv[2:]
classes = {$(for k in "${ORDER[@]}"; do printf '"%s": "%s", ' "$k" "${CLASSES[$k]}"; done)}
print("| faults | tests | passed | failed | skipped | kill trials |")
print("|---|---|---|---|---|---|")
totals = [0, 0, 0, 0, 0]
for name in order:
    t = p = f = s = k = 0
    for cls in classes[name].split(","):
        for path in glob.glob(f"{reports}/TEST-*.{cls}.xml"):
            root = ET.parse(path).getroot()
            for case in root.iter("testcase"):
                t += 1
                if case.find("failure") is not None or case.find("error") is not None:
                    f += 1
                elif case.find("skipped") is not None:
                    s += 1
                else:
                    p += 1
                out = case.find("system-out")
                k += len(re.findall(r"kill trial:", out.text or "")) if out is not None else 0
            sysout = root.find("system-out")
            if sysout is not None and sysout.text:
                k += len(re.findall(r"kill trial:", sysout.text))
    for i, v in enumerate((t, p, f, s, k)):
        totals[i] += v
    print(f"| {name} | {t} | {p} | {f} | {s} | {k or ''} |")
print(f"| all | {totals[0]} | {totals[1]} | {totals[2]} | {totals[3]} | {totals[4]} |")
PY
if "$ROOT/scripts/install-test.sh" >"$ROOT/target/install-test.log" 2>&1; then
  echo "| copied and rebuilt install (scripts/install-test.sh) | 2 | 2 | 0 | 0 | |"
else
  echo "| copied and rebuilt install (scripts/install-test.sh) | 2 | 0 | 2 | 0 | |"; cat "$ROOT/target/install-test.log" >&2
  status=1
fi
exit "${status:-0}"
