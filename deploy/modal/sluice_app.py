"""sluice on Modal: a job as N shard tasks (function call i runs --shard i/N), then a merge.

Not run here (no Modal account on this project's test machines): kept small and read against Modal's
documentation. The image is the one built from the repository's Containerfile and pushed to a registry Modal
can pull from; Modal adds its own Python. Input and output live on a Modal Volume mounted at /data.

    modal run deploy/modal/sluice_app.py --command probe-rows --tasks 8 \
        --args "--input /data/measurements/*.parquet --key sensor --time ts" --out /data/probe-rows

A volume has no file locks across containers, and a container sees another's writes only after that one commits
and it reloads; so the step that fixes the plan runs alone first (compress's --train-only, pack's --index-only,
probe-rows' task 0), every call reloads before and commits after, and the merge runs when all tasks have.
"""

import shlex
import subprocess

import modal

IMAGE = modal.Image.from_registry("registry.example.com/sluice:0.1.0", add_python="3.12").entrypoint([])
VOLUME = modal.Volume.from_name("sluice-data", create_if_missing=True)
# Each call's memory, requested and enforced (Modal OOM-kills above the limit). sluice is given its budget
# directly, a tenth below the limit, rather than trusting a sandbox's cgroup to show the limit.
MEMORY_MB = 8192
FIRST_STEP = {"compress": "--train-only", "pack": "--index-only"}

app = modal.App("sluice")


@app.function(image=IMAGE, volumes={"/data": VOLUME}, cpu=4.0, memory=(MEMORY_MB, MEMORY_MB),
              timeout=24 * 3600, retries=2)
def sluice(argv: list[str]) -> None:
    """One sluice command; a retry of a shard task resumes from the units the failed attempt committed."""
    VOLUME.reload()
    subprocess.run(["/opt/sluice/bin/sluice", *argv], check=True)
    VOLUME.commit()


@app.local_entrypoint()
def main(command: str, args: str, out: str, tasks: int = 8) -> None:
    argv = [command, *shlex.split(args), "--out", out, "--progress", "log",
            "--memory-limit", f"{MEMORY_MB * 9 // 10}MB"]
    rest = range(tasks)
    if command in FIRST_STEP:
        sluice.remote(argv + [FIRST_STEP[command]])
    else:
        sluice.remote(argv + ["--shard", f"0/{tasks}"])
        rest = range(1, tasks)
    # map returns when every call has; one that fails after its retries raises here, before the merge.
    list(sluice.map([argv + ["--shard", f"{i}/{tasks}"] for i in rest]))
    VOLUME.reload()
    sluice.remote(["merge", out])
