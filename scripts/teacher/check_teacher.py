#!/usr/bin/python3
"""check_teacher.py - self-check of make_teacher.py and reference_topk.py.

What: builds small teachers (vocab 1000, dim 16; layers 0, 1 and 2) in a temporary
directory and checks that
  * the file is opset 17, ir_version <= 10, passes onnx.checker (full check), and has
    the Optimum interface (input_ids / attention_mask int64 [batch_size,
    sequence_length] -> logits float32 [batch_size, sequence_length, vocab]);
  * the ONNX graph, evaluated node by node, gives the same logits as
    reference_topk.py's numpy math (within 1e-4) on a right-padded batch, each row
    compared with its piece run alone from position 0;
  * logits at position t do not change when tokens after t, padded tokens (right
    or left padding), or other rows change, and do change when a token before t
    changes, and depend on the position;
  * with --layers 0, position t depends on its own token only;
  * reference_topk.run / the CLI agree with a full sort of the graph's logits, and
    ties are ordered by the smaller id (also across the k-th boundary), on both
    of its selection paths;
  * the logits have a realistic spread (median top-1 probability 0.05..0.6).

The graph is evaluated with onnx.reference.ReferenceEvaluator when the installed
onnx has it (>= 1.13). Debian's python3-onnx 1.12 does not, so this script also
carries a tiny float32 evaluator for the ~20 operators make_teacher.py uses,
written from the ONNX operator specs and driven by the graph's own nodes - still
independent of reference_topk.py, which never looks at the nodes.

Usage:  /usr/bin/python3 scripts/teacher/check_teacher.py      (prints PASS/FAIL, exit 1 on failure)
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_teacher  # noqa: E402
import reference_topk  # noqa: E402

FAILS = []


def check(name, ok, detail=""):
    print(f"{'PASS' if ok else 'FAIL'}  {name}{'  (' + detail + ')' if detail else ''}", flush=True)
    if not ok:
        FAILS.append(name)


# ---------------------------------------------------------------- graph evaluator
def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _layer_norm(x, g, b, axis=-1, epsilon=1e-5):
    assert axis == -1
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return ((x - mu) / np.sqrt(var + np.float32(epsilon))) * g + b


_NP_TYPE = {TensorProto.FLOAT: np.float32, TensorProto.INT64: np.int64, TensorProto.BOOL: np.bool_}
OPS = {
    "Gather": lambda d, i, axis=0: np.take(d, i, axis=axis),
    "Cast": lambda x, to: x.astype(_NP_TYPE[to]),
    "Unsqueeze": lambda x, axes: np.expand_dims(x, tuple(int(a) for a in axes)),
    "Shape": lambda x: np.array(x.shape, np.int64),
    "Range": lambda s, l, d: np.arange(s, l, d, dtype=np.result_type(s, l, d)),
    "Mul": np.multiply, "Add": np.add, "Sin": np.sin, "Cos": np.cos, "Tanh": np.tanh,
    "LessOrEqual": np.less_equal, "And": np.logical_and, "Where": np.where,
    "Concat": lambda *xs, axis: np.concatenate(xs, axis=axis),
    "Transpose": lambda x, perm: np.transpose(x, perm),
    "MatMul": np.matmul,
    "Softmax": lambda x, axis=-1: _softmax(x, axis),
    "LayerNormalization": _layer_norm,
}


class MiniEvaluator:
    """Runs an ONNX graph node by node in float32 numpy (only the operators above)."""

    def __init__(self, model):
        self.graph = model.graph
        self.consts = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}

    def run(self, _outputs, feeds):
        env = dict(self.consts, **feeds)
        for n in self.graph.node:
            attrs = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
            out = OPS[n.op_type](*[env[i] for i in n.input], **attrs)
            if isinstance(out, np.ndarray) and out.dtype == np.float64:
                raise AssertionError(f"{n.name} produced float64")
            env[n.output[0]] = np.asarray(out)
        return [env[o.name] for o in self.graph.output]


def evaluators(model):
    evs = [("mini", MiniEvaluator(model))]
    try:
        from onnx.reference import ReferenceEvaluator
        evs.append(("onnx.reference", ReferenceEvaluator(model)))
    except ImportError:
        pass
    return evs


# ---------------------------------------------------------------- checks
def check_file(path, vocab, layers):
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    opset = {o.domain: o.version for o in m.opset_import}
    check(f"L{layers} opset 17, ir_version <= 10", opset == {"": 17} and m.ir_version <= 10,
          f"opset={opset} ir_version={m.ir_version}")

    def sig(vi):
        t = vi.type.tensor_type
        return vi.name, t.elem_type, [d.dim_param or d.dim_value for d in t.shape.dim]
    ins = [sig(v) for v in m.graph.input]
    outs = [sig(v) for v in onnx.shape_inference.infer_shapes(m, strict_mode=True).graph.output]
    want_in = [(n, TensorProto.INT64, ["batch_size", "sequence_length"]) for n in ("input_ids", "attention_mask")]
    want_out = [("logits", TensorProto.FLOAT, ["batch_size", "sequence_length", vocab])]
    check(f"L{layers} interface", ins == want_in and outs == want_out, f"{ins} -> {outs}")
    return m


def padded_batch(rng, vocab, lengths, seq):
    ids = rng.integers(0, vocab, (len(lengths), seq))
    mask = (np.arange(seq)[None, :] < np.array(lengths)[:, None]).astype(np.int64)
    return ids.astype(np.int64), mask


def check_model(tmp, layers, rng, vocab=1000, dim=16):
    path = os.path.join(tmp, f"t{layers}.onnx")
    make_teacher.main([path, "--vocab", str(vocab), "--dim", str(dim), "--layers", str(layers), "--seed", "7"])
    m = check_file(path, vocab, layers)
    ref = reference_topk.Teacher(path)
    lengths, seq = [11, 6, 3, 1], 11
    ids, mask = padded_batch(rng, vocab, lengths, seq)
    worst = {}
    for name, ev in evaluators(m):
        run = lambda i, mk=mask, ev=ev: ev.run(None, {"input_ids": i, "attention_mask": mk})[0]
        out = run(ids)
        check(f"L{layers} [{name}] output float32 [4, {seq}, {vocab}]",
              out.dtype == np.float32 and out.shape == (4, seq, vocab))
        diff = max(np.abs(out[b, :n] - ref.logits(ids[b, :n])).max() for b, n in enumerate(lengths))
        worst[name] = diff
        check(f"L{layers} [{name}] graph == numpy reference, per piece from position 0", diff <= 1e-4,
              f"max |diff| = {diff:.2e}")

        t = 4
        later = ids.copy()
        later[0, t + 1:] = (later[0, t + 1:] + 1 + rng.integers(0, vocab - 1, seq - t - 1)) % vocab
        d_later = np.abs(run(later)[0, :t + 1] - out[0, :t + 1]).max()
        check(f"L{layers} [{name}] positions <= {t} ignore later tokens", d_later <= 1e-6, f"{d_later:.1e}")

        pads = ids.copy()
        pads[mask == 0] = rng.integers(0, vocab, int((mask == 0).sum()))
        o2 = run(pads)
        d_pad = max(np.abs(o2[b, :n] - out[b, :n]).max() for b, n in enumerate(lengths))
        check(f"L{layers} [{name}] real positions ignore padded tokens", d_pad <= 1e-6, f"{d_pad:.1e}")

        other = ids.copy()
        other[1:] = rng.integers(0, vocab, other[1:].shape)
        d_rows = np.abs(run(other)[0] - out[0]).max()
        check(f"L{layers} [{name}] rows are independent", d_rows <= 1e-6, f"{d_rows:.1e}")

        if layers > 0:
            earlier = ids.copy()
            earlier[0, 2] = (earlier[0, 2] + 1) % vocab
            o3 = run(earlier)
            d_before = np.abs(o3[0, :2] - out[0, :2]).max()
            d_after = np.abs(o3[0, 3:] - out[0, 3:]).max(axis=-1).min()
            check(f"L{layers} [{name}] a token at 2 changes every position >= 3, none < 2",
                  d_after > 1e-3 and d_before <= 1e-6, f"min change {d_after:.2e}, before {d_before:.1e}")
            # right padding never puts a padded key before a real query, so also check
            # the mask on left padding: masked keys must get no weight at all
            left = np.zeros_like(mask)
            left[:, 3:] = 1
            o5 = run(ids, left)
            moved = ids.copy()
            moved[:, :3] = (moved[:, :3] + 1 + rng.integers(0, vocab - 1, (len(ids), 3))) % vocab
            d_left = np.abs(run(moved, left)[:, 3:] - o5[:, 3:]).max()
            check(f"L{layers} [{name}] masked keys get no weight (left padding)", d_left <= 1e-6, f"{d_left:.1e}")
            shifted = np.abs(run(ids[:1, 1:], mask[:1, 1:])[0, :4] - out[0, 1:5]).max()
            check(f"L{layers} [{name}] logits depend on the position", shifted > 1e-3, f"{shifted:.2e}")
        else:
            alone = ids.copy()
            keep = alone[0, t]
            alone[0] = rng.integers(0, vocab, seq)
            alone[0, t] = keep
            d_own = np.abs(run(alone)[0, t] - out[0, t]).max()
            same = np.full((1, seq), keep, np.int64)
            o4 = run(same, np.ones_like(same))
            d_pos = np.abs(o4[0] - o4[0, :1]).max()
            check(f"L{layers} [{name}] position t depends on its own token only",
                  d_own <= 1e-6 and d_pos <= 1e-6, f"{d_own:.1e}, {d_pos:.1e}")
    return path, m, ref, worst


def check_topk(tmp, path, model, ref, rng, k):
    lengths = [9, 0, 1, 5, 12]
    vocab = ref.vocab
    tokens = rng.integers(0, vocab, sum(lengths)).astype(np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    ev = MiniEvaluator(model)
    want_ids, want_lp = [], []
    for i in range(len(lengths)):
        piece = tokens[offsets[i]:offsets[i + 1]]
        if len(piece) == 0:
            continue
        lg = ev.run(None, {"input_ids": piece[None], "attention_mask": np.ones((1, len(piece)), np.int64)})[0][0]
        lg = lg.astype(np.float64)
        lse = np.log(np.exp(lg - lg.max(1, keepdims=True)).sum(1)) + lg.max(1)
        order = np.argsort(-lg, axis=1, kind="stable")[:, :k]
        want_ids.append(order)
        want_lp.append(np.take_along_axis(lg, order, 1) - lse[:, None])
    want_ids, want_lp = np.concatenate(want_ids), np.concatenate(want_lp)

    ids, lps = reference_topk.run(ref, tokens, offsets, k, chunk=4)
    ok = ids.dtype == np.int32 and lps.dtype == np.float32 and ids.shape == (len(tokens), k)
    check(f"k={k} reference_topk.run shapes/dtypes", ok, f"{ids.dtype} {lps.dtype} {ids.shape}")
    same = (ids == want_ids).mean()
    d = np.abs(lps - want_lp).max()
    check(f"k={k} reference_topk.run == full sort of graph logits", same == 1.0 and d <= 1e-4,
          f"ids equal {same:.4f}, max |dlogprob| {d:.1e}")
    check(f"k={k} logprobs descending, <= 0", bool((np.diff(lps, axis=1) <= 0).all() and (lps <= 0).all()))

    seqs, out = os.path.join(tmp, "seqs.npz"), os.path.join(tmp, "out.npz")
    np.savez(seqs, tokens=tokens, offsets=offsets)
    subprocess.run([sys.executable, os.path.join(HERE, "reference_topk.py"), path, seqs, out,
                    "--top-k", str(k), "--chunk", "3", "--quiet"], check=True)
    z = np.load(out)
    check(f"k={k} reference_topk.py CLI == run()", np.array_equal(z["ids"], ids) and np.array_equal(z["logprobs"], lps))



def check_ties(rng):
    """Equal logits are ordered by the smaller id, also when the tie straddles the k-th place."""
    lg = np.array([[0., 5., 3., 5., 3., 3., 1.], [2., 2., 2., 2., 2., 2., 2.], [1., 0., 9., 0., 0., -1., 0.]])
    t_ids, t_lp = reference_topk.topk_logprobs(lg, 3)
    want = [[1, 3, 2], [0, 1, 2], [2, 0, 1]]
    check("ties broken by the smaller id (small vocabulary)", t_ids.tolist() == want, f"{t_ids.tolist()} want {want}")
    check("tie logprobs", np.allclose(t_lp[1], -np.log(7)))
    # many ties, large vocabulary (exercises the grouped selection) vs. a stable full sort
    lg = rng.integers(0, 40, (64, 5003)).astype(np.float64)
    lg[:8] = rng.standard_normal((8, 5003))
    ok = True
    for k in (1, 7, 64):
        t_ids, t_lp = reference_topk.topk_logprobs(lg, k)
        w_ids = np.argsort(-lg, axis=1, kind="stable")[:, :k]
        lse = np.log(np.exp(lg - lg.max(1, keepdims=True)).sum(1)) + lg.max(1)
        w_lp = np.take_along_axis(lg, w_ids, 1) - lse[:, None]
        ok &= np.array_equal(t_ids, w_ids) and np.abs(t_lp - w_lp).max() < 1e-5
    check("top-k == stable full sort on a 5003-id vocabulary full of ties (k = 1, 7, 64)", ok)


def check_spread(ref, rng):
    lg = ref.logits(rng.integers(0, ref.vocab, 400))
    p = np.exp(lg - lg.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    q = np.quantile(p.max(1), [0.05, 0.5, 0.95])
    check("realistic spread (median top-1 probability in 0.05..0.6)", 0.05 <= q[1] <= 0.6,
          f"top-1 prob 5/50/95%: {q[0]:.3f} {q[1]:.3f} {q[2]:.3f}")


def main():
    print(f"onnx {onnx.__version__}, numpy {np.__version__}")
    try:
        from onnx.reference import ReferenceEvaluator  # noqa: F401
        print("graph evaluators: mini (float32) and onnx.reference.ReferenceEvaluator")
    except ImportError:
        print("NOTE: onnx.reference.ReferenceEvaluator is missing (onnx < 1.13); "
              "the graph is checked with this script's float32 mini evaluator only")
    rng = np.random.default_rng(1234)
    with tempfile.TemporaryDirectory() as tmp:
        for layers in (0, 1, 2):
            path, m, ref, worst = check_model(tmp, layers, rng)
            if layers == 1:
                check_topk(tmp, path, m, ref, rng, k=8)     # grouped selection
                check_topk(tmp, path, m, ref, rng, k=40)    # small-vocabulary full sort
                check_ties(rng)
                check_spread(ref, rng)
    print("FAIL:" if FAILS else "PASS: all checks", ", ".join(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
