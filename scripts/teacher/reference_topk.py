#!/usr/bin/python3
"""reference_topk.py - independent numpy top-k log-probabilities for a make_teacher.py model.

What: reads the float32 initializers of a "sluice-teacher-v1" ONNX model (written by
make_teacher.py) with onnx.numpy_helper and re-implements the model's math in
float64 numpy - it never runs the ONNX graph, so it is an independent check of what
`sluice logits` computes with ONNX Runtime.

Input npz:  tokens  int64 [n_tokens]      all pieces, concatenated
            offsets int64 [n_pieces + 1]  piece i is tokens[offsets[i]:offsets[i+1]]
Each piece is run on its own as one sequence starting at position 0 (the context
rule): no token sees another piece.

Output npz: ids      int32   [n_tokens, K]  by descending probability; equal
                                            logits are ordered by the smaller id first
            logprobs float32 [n_tokens, K]  log-softmax over the whole vocabulary

Memory: the LM head is applied to --chunk rows at a time (default 128: ~100 MB of
float64 logits at vocab 100K), --jobs chunks at once in threads (default min(4,
CPUs)), so [n_tokens, vocab] is never held: peak ~1 GB at vocab 100K, 4 jobs.
Attention runs in blocks of 512 query rows, so long pieces stay cheap in memory too.

Usage:
    /usr/bin/python3 scripts/teacher/reference_topk.py MODEL.onnx SEQS.npz OUT.npz --top-k 64 [--chunk 128] [--jobs N]
"""
import argparse
import os
import sys
import tempfile
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import onnx
from numpy.lib.format import open_memmap
from onnx import numpy_helper

ARCH = "sluice-teacher-v1"


class Teacher:
    """The weights (float64 copies of the float32 initializers) and hyper-parameters."""

    QBLOCK = 512

    def __init__(self, path):
        m = onnx.load(path)
        meta = {p.key: p.value for p in m.metadata_props}
        if meta.get("sluice.teacher.arch") != ARCH:
            raise SystemExit(f"{path}: not a {ARCH} model (metadata {meta})")
        self.w32 = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
        self.w = {k: v.astype(np.float64) for k, v in self.w32.items()}
        self.layers = int(meta["layers"])
        self.eps = float(meta["ln_eps"])
        self.mask_value = float(meta["mask_value"])
        self.vocab, self.dim = self.w["tok_emb"].shape

    def ln(self, x, prefix):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + self.eps) * self.w[prefix + ".gamma"] + self.w[prefix + ".beta"]

    def hidden(self, ids):
        """Final hidden states LN_f(x), float64 [len(ids), dim], for one piece from position 0."""
        w = self.w
        x = w["tok_emb"][ids]
        n = len(ids)
        if self.layers > 0:
            # the graph computes the angle p * f as a float32 product; do the same, then sin/cos in float64
            ang = (np.arange(n, dtype=np.float32)[:, None] * self.w32["inv_freq"]).astype(np.float64)
            x = x + w["pos_scale"] * np.concatenate([np.sin(ang), np.cos(ang)], axis=1)
        for i in range(self.layers):
            p = f"layer{i}"
            a = self.ln(x, p + ".ln1")
            q, k, v = a @ w[p + ".wq"], a @ w[p + ".wk"], a @ w[p + ".wv"]
            ctx = np.empty_like(x)
            for t0 in range(0, n, self.QBLOCK):           # query blocks keep memory O(QBLOCK * n)
                t1 = min(n, t0 + self.QBLOCK)
                causal = np.arange(t1)[None, :] <= np.arange(t0, t1)[:, None]   # [t, j]: j <= t
                s = np.where(causal, (q[t0:t1] @ k[:t1].T) * w["attn_scale"], self.mask_value)
                s = np.exp(s - s.max(-1, keepdims=True))
                ctx[t0:t1] = (s / s.sum(-1, keepdims=True)) @ v[:t1]
            x = x + ctx @ w[p + ".wo"]
            m = np.tanh(self.ln(x, p + ".ln2") @ w[p + ".w1"] + w[p + ".b1"])
            x = x + m @ w[p + ".w2"]
        return self.ln(x, "ln_f")

    def logits(self, ids):
        """Full float64 logits [len(ids), vocab] of one piece (small pieces / tests only)."""
        return self.hidden(ids) @ self.w["lm_head"]


def topk_logprobs(logits, k, tmp=None):
    """Top-k of each row of float64 logits [R, V]: (ids int32 [R,k], logprobs float32 [R,k]).

    Descending logit; equal logits by the smaller id first, also at the k-th boundary.
    Exact, and faster than argpartition: the columns are split into groups (column
    j goes to group j mod G); the k-th largest group maximum is a lower bound for
    the k-th largest logit, so every top-k id - and every id tied with the k-th -
    lies among the few columns >= that bound, which are then sorted exactly.
    tmp: optional float64 scratch array of the same shape (saves an allocation).
    """
    r, v = logits.shape
    k = min(k, v)
    width = 16
    groups = v // width
    if groups < 4 * k:                                     # small vocabulary: sort everything
        sel = np.argsort(-logits, axis=1, kind="stable")[:, :k]
    else:
        gmax = logits[:, :groups * width].reshape(r, width, groups).max(axis=1)
        gmax = np.concatenate([gmax, logits[:, groups * width:]], axis=1)  # leftover columns alone
        bound = np.partition(gmax, gmax.shape[1] - k, axis=1)[:, gmax.shape[1] - k]
        rows, cols = np.nonzero(logits >= bound[:, None])  # >= k per row; rows ascending
        vals = logits[rows, cols]
        order = np.lexsort((cols, -vals, rows))            # by row, then -value, then id
        starts = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=r))[:-1]])
        sel = cols[order][starts[:, None] + np.arange(k)]
    vals = np.take_along_axis(logits, sel, axis=1)
    top = vals[:, :1]
    tmp = np.subtract(logits, top, out=tmp)
    np.exp(tmp, out=tmp)
    lse = top[:, 0] + np.log(tmp.sum(axis=1))
    return sel.astype(np.int32), (vals - lse[:, None]).astype(np.float32)


def _timed(f, *args):
    t = time.perf_counter()
    f(*args)
    return time.perf_counter() - t


def _pick_matmul(w):
    """np.matmul, or einsum where that is faster (numpy on reference BLAS, e.g. Debian's default)."""
    h = np.random.default_rng(0).standard_normal((64, w.shape[0]))
    ws = np.ascontiguousarray(w[:, :20000])
    cands = {"matmul": np.matmul, "einsum": lambda a, b, out: np.einsum("rd,dv->rv", a, b, out=out)}
    best, best_t = "matmul", None
    buf = np.empty((64, ws.shape[1]))
    for name, f in cands.items():
        t = min(_timed(f, h, ws, buf) for _ in range(3))
        if best_t is None or t < best_t:
            best, best_t = name, t
    return cands[best]


def run(model, tokens, offsets, k, chunk=128, jobs=None, log=None, out=None):
    """Top-k for every token of every piece; returns (ids [n,k] int32, logprobs [n,k] float32).

    The LM head runs on `chunk` rows at a time, `jobs` chunks in parallel threads
    (numpy releases the GIL); peak memory is about jobs * chunk * vocab * 18 bytes.
    out: optional (ids, logprobs) arrays to fill, e.g. np.memmap-ed .npy files.
    """
    tokens = np.asarray(tokens, dtype=np.int64)
    offsets = np.asarray(offsets, dtype=np.int64)
    n = len(tokens)
    if offsets[0] != 0 or offsets[-1] != n or np.any(np.diff(offsets) < 0):
        raise SystemExit("offsets must start at 0, end at len(tokens) and not decrease")
    if n and (tokens.min() < 0 or tokens.max() >= model.vocab):
        raise SystemExit(f"token ids must lie in [0, {model.vocab})")
    k = min(k, model.vocab)
    jobs = jobs or min(4, os.cpu_count() or 1)
    head = model.w["lm_head"]
    matmul = _pick_matmul(head)
    ids, lps = out if out else (np.empty((n, k), np.int32), np.empty((n, k), np.float32))
    pending, done, t0 = [], 0, time.time()

    local = threading.local()       # per-thread [chunk, vocab] buffers, reused (no page faults)

    def one(args):
        start, h = args
        if not hasattr(local, "bufs"):
            local.bufs = np.empty((2, chunk, model.vocab))
        lg, tmp = local.bufs[0, :len(h)], local.bufs[1, :len(h)]
        matmul(h, head, out=lg)
        ids[start:start + len(h)], lps[start:start + len(h)] = topk_logprobs(lg, k, tmp)

    def flush(rows):
        nonlocal pending, done
        h = np.concatenate(pending) if len(pending) > 1 else pending[0]
        list(pool.map(one, [(done + s, h[s:min(rows, s + chunk)]) for s in range(0, rows, chunk)]))
        pending = [h[rows:]] if rows < len(h) else []
        done += rows
        if log:
            log(f"{done}/{n} tokens, {time.time() - t0:.1f}s")

    buffered = 0
    with ThreadPoolExecutor(jobs) as pool:
        for i in range(len(offsets) - 1):
            piece = tokens[offsets[i]:offsets[i + 1]]
            if len(piece) == 0:
                continue
            pending.append(model.hidden(piece))
            buffered += len(piece)
            if buffered >= 8 * jobs * chunk:
                flush(buffered - buffered % chunk)
                buffered %= chunk
        if buffered:
            flush(buffered)
    assert done == n
    return ids, lps


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model")
    ap.add_argument("sequences")
    ap.add_argument("out")
    ap.add_argument("--top-k", type=int, required=True)
    ap.add_argument("--chunk", type=int, default=128, help="rows per LM-head chunk (default 128)")
    ap.add_argument("--jobs", type=int, default=0, help="parallel chunks (default min(4, CPUs))")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    model = Teacher(a.model)
    seqs = np.load(a.sequences)
    tokens, offsets = seqs["tokens"], seqs["offsets"]
    n, k = len(tokens), min(a.top_k, model.vocab)
    t0 = time.time()
    log = None if a.quiet else (lambda s: print(s, file=sys.stderr, flush=True))
    # results go to memory-mapped .npy files (1 GB for 2M tokens at K=64), then into the npz
    with tempfile.TemporaryDirectory(dir=os.path.dirname(os.path.abspath(a.out))) as tmp:
        files = {name: os.path.join(tmp, name + ".npy") for name in ("ids", "logprobs")}
        ids = open_memmap(files["ids"], "w+", np.int32, (n, k))
        lps = open_memmap(files["logprobs"], "w+", np.float32, (n, k))
        run(model, tokens, offsets, k, a.chunk, a.jobs, log, out=(ids, lps))
        ids.flush(), lps.flush()
        del ids, lps
        with zipfile.ZipFile(a.out, "w", zipfile.ZIP_STORED, allowZip64=True) as z:   # = np.savez
            for name, f in files.items():
                z.write(f, name + ".npy")
    dt = time.time() - t0
    print(f"wrote {a.out}: {n} tokens, top-{k}, {dt:.1f}s"
          + (f" ({dt / n * 1e5:.1f}s per 100K tokens)" if n else ""))


if __name__ == "__main__":
    sys.exit(main())
