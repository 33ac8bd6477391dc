"""sluice on Modal: a job as N shard tasks (one function call each, its call index as --shard I/N), then a merge.

Not run here (no Modal account in this project's test machines): kept small and read against Modal's
documentation. The image is the one built from the repository's Containerfile and pushed to a registry Modal
can pull from; Modal adds its own Python. Input and output live on a Modal Volume mounted at /data.

    modal run deploy/modal/sluice_app.py --command probe-rows --tasks 8 \
        --args "--input /data/measurements/*.parquet --key sensor --time ts" --out /data/probe-rows
"""

import shlex
import subprocess

import modal

IMAGE = modal.Image.from_registry("registry.example.com/sluice:0.1.0", add_python="3.12").entrypoint([])
VOLUME = modal.Volume.from_name("sluice-data", create_if_missing=True)
SLUICE = "/opt/sluice/bin/sluice"
# Each task's memory: requested and enforced (Modal OOM-kills above the limit). sluice is told its budget
# directly, a tenth below the limit, since a sandbox's cgroup may not show the limit.
MEMORY_MB = 8192

app = modal.App("sluice")


@app.function(image=IMAGE, volumes={"/data": VOLUME}, cpu=4.0, memory=(MEMORY_MB, MEMORY_MB),
              timeout=24 * 3600, retries=2)
def shard_task(index: int, count: int, command: str, args: list[str]) -> None:
    """Shard task index of count; a retry resumes from the units the killed attempt committed."""
    VOLUME.reload()
    subprocess.run([SLUICE, command, *args, "--shard", f"{index}/{count}",
                    "--memory-limit", f"{MEMORY_MB * 9 // 10}MB", "--progress", "log"], check=True)
    VOLUME.commit()


@app.function(image=IMAGE, volumes={"/data": VOLUME}, memory=(2048, 2048), timeout=3600)
def merge(out: str) -> None:
    """Checks that every unit is committed once with whole shards and writes the manifest."""
    VOLUME.reload()
    subprocess.run([SLUICE, "merge", out], check=True)
    VOLUME.commit()


@app.local_entrypoint()
def main(command: str, args: str, out: str, tasks: int = 8) -> None:
    argv = shlex.split(args) + ["--out", out]
    # starmap returns when every call has; a call that fails after its retries raises here, before the merge.
    list(shard_task.starmap([(i, tasks, command, argv) for i in range(tasks)]))
    merge.remote(out)
