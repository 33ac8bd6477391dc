#!/usr/bin/python3
"""make_teacher.py - write a tiny, deterministic causal LM as an ONNX file.

What: a stand-in "teacher" for `sluice logits` tests. No real model weights can be
downloaded, so this script builds one from a seeded numpy RNG. Its interface is
the one Hugging Face Optimum exports for causal LMs:

    inputs   input_ids       int64   [batch_size, sequence_length]
             attention_mask  int64   [batch_size, sequence_length]
    output   logits          float32 [batch_size, sequence_length, vocab]

Architecture ("sluice-teacher-v1"; reference_topk.py re-implements exactly this):

    x  = tok_emb[input_ids] + pos_scale * [sin(p*f), cos(p*f)]     p = 0..seq-1 per row
    per layer i (pre-LayerNorm, single head, no bias on Q/K/V/O):
        a  = LN_i1(x)
        s  = (a Wq)(a Wk)^T / sqrt(D); s[t, j] = -1e9 unless j <= t and mask[j] == 1
        x  = x + softmax(s)(a Wv) Wo
        x  = x + tanh(LN_i2(x) W1 + b1) W2
    logits = LN_f(x) Wh

The sinusoidal positions are computed in the graph from the dynamic sequence
length, so there is no maximum length. With --layers 0 the model is
`logits = LN_f(tok_emb[input_ids] * mask) Wh`: no positions, no attention, so the
logits at a position are a function of that position's token alone (padded
positions give uniform logits). It is the "teacher that costs almost nothing"
for throughput tests; it still outputs the full [batch, seq, vocab] tensor.

Why: logits at position t depend on the tokens at positions <= t of the same row
only - never on later tokens, padded tokens or other rows - which is what a
teacher-logit cache must preserve (and what check_teacher.py verifies).

Usage:
    /usr/bin/python3 scripts/teacher/make_teacher.py OUT.onnx --vocab 100277 --dim 32 \\
        [--layers 1] [--seed 0]

Opset 17, ir_version 8 (ONNX Runtime >= 1.14 loads it; 1.20 is what sluice uses).
"""
import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ARCH = "sluice-teacher-v1"
OPSET = 17
IR_VERSION = 8
LN_EPS = 1e-5
MASK_VALUE = -1e9     # finite, so a row with no visible key gives a uniform softmax, not NaN
POS_SCALE = 0.5
MLP_MULT = 2
# LN_f(x) has unit variance per component, so with lm_head ~ N(0, (std/sqrt(dim))^2)
# each logit is roughly N(0, std^2) over the vocabulary. std = 0.8 * sqrt(2 ln vocab)
# (3.0 at vocab 1000, 3.84 at 100277) gives top-1 probabilities of about 0.05-0.6,
# median ~0.15-0.2, at any vocabulary size.
LOGIT_STD_FACTOR = 0.8


def build(vocab, dim, layers, seed):
    """Return an onnx.ModelProto. Weights come from np.random.default_rng(seed)."""
    if dim % 2:
        raise ValueError("--dim must be even (sin/cos position halves)")
    rng = np.random.default_rng(seed)
    f32 = np.float32
    inits, nodes = [], []

    def init(name, arr):
        inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def node(op, ins, outs, **attrs):
        nodes.append(helper.make_node(op, ins, outs, name=f"{op}_{len(nodes)}", **attrs))
        return outs[0]

    def normal(shape, std):
        return (rng.standard_normal(shape) * std).astype(f32)

    def layer_norm(x, prefix):
        g = init(prefix + ".gamma", (1.0 + normal([dim], 0.1)))
        b = init(prefix + ".beta", normal([dim], 0.1))
        return node("LayerNormalization", [x, g, b], [prefix + ".out"], axis=-1, epsilon=LN_EPS)

    init("tok_emb", normal([vocab, dim], 1.0))
    x = node("Gather", ["tok_emb", "input_ids"], ["emb"], axis=0)           # [B,S,D]

    if layers == 0:
        mf = node("Cast", ["attention_mask"], ["mask_f"], to=TensorProto.FLOAT)
        init("axes_last", np.array([2], np.int64))
        mf3 = node("Unsqueeze", [mf, "axes_last"], ["mask_f3"])            # [B,S,1]
        x = node("Mul", [x, mf3], ["emb_masked"])
    else:
        # positions 0..S-1 from the dynamic sequence length
        init("axes0", np.array([0], np.int64))
        init("axes1", np.array([1], np.int64))
        init("one_i", np.array(1, np.int64))
        init("zero_i", np.array(0, np.int64))
        shp = node("Shape", ["input_ids"], ["ids_shape"])
        seq = node("Gather", [shp, "one_i"], ["seq_len"], axis=0)          # scalar
        pos = node("Range", ["zero_i", seq, "one_i"], ["pos"])             # [S]
        posf = node("Cast", [pos], ["pos_f"], to=TensorProto.FLOAT)
        posc = node("Unsqueeze", [posf, "axes1"], ["pos_col"])             # [S,1]
        inv_freq = (10000.0 ** (-np.arange(0, dim, 2) / dim)).astype(f32)
        init("inv_freq", inv_freq[None, :])                                # [1,D/2]
        ang = node("Mul", [posc, "inv_freq"], ["angle"])                   # [S,D/2]
        sin = node("Sin", [ang], ["pos_sin"])
        cos = node("Cos", [ang], ["pos_cos"])
        pe = node("Concat", [sin, cos], ["pos_enc"], axis=1)               # [S,D]
        init("pos_scale", np.array(POS_SCALE, f32))
        pe = node("Mul", [pe, "pos_scale"], ["pos_emb"])
        x = node("Add", [x, pe], ["h0"])

        # allowed[b,t,j] = (j <= t) and mask[b,j]
        posr = node("Unsqueeze", [pos, "axes0"], ["pos_row"])              # [1,S]  (key j)
        posq = node("Unsqueeze", [pos, "axes1"], ["pos_q"])                # [S,1]  (query t)
        causal = node("LessOrEqual", [posr, posq], ["causal"])             # [S,S]
        mb = node("Cast", ["attention_mask"], ["mask_b"], to=TensorProto.BOOL)
        mb = node("Unsqueeze", [mb, "axes1"], ["mask_b3"])                 # [B,1,S]
        allowed = node("And", [causal, mb], ["allowed"])                   # [B,S,S]
        init("mask_value", np.array(MASK_VALUE, f32))
        init("attn_scale", np.array(1.0 / np.sqrt(dim), f32))

    for i in range(layers):
        p = f"layer{i}"
        a = layer_norm(x, p + ".ln1")
        q = node("MatMul", [a, init(p + ".wq", normal([dim, dim], 1.5 / np.sqrt(dim)))], [p + ".q"])
        k = node("MatMul", [a, init(p + ".wk", normal([dim, dim], 1.5 / np.sqrt(dim)))], [p + ".k"])
        v = node("MatMul", [a, init(p + ".wv", normal([dim, dim], 1.0 / np.sqrt(dim)))], [p + ".v"])
        kt = node("Transpose", [k], [p + ".kt"], perm=[0, 2, 1])
        s = node("MatMul", [q, kt], [p + ".scores_raw"])                   # [B,S,S]
        s = node("Mul", [s, "attn_scale"], [p + ".scores"])
        s = node("Where", [allowed, s, "mask_value"], [p + ".scores_masked"])
        w = node("Softmax", [s], [p + ".probs"], axis=-1)
        ctx = node("MatMul", [w, v], [p + ".ctx"])
        o = node("MatMul", [ctx, init(p + ".wo", normal([dim, dim], 1.0 / np.sqrt(dim)))], [p + ".attn_out"])
        x = node("Add", [x, o], [p + ".h_attn"])
        m = layer_norm(x, p + ".ln2")
        hid = MLP_MULT * dim
        m = node("MatMul", [m, init(p + ".w1", normal([dim, hid], 1.0 / np.sqrt(dim)))], [p + ".mlp_in"])
        m = node("Add", [m, init(p + ".b1", normal([hid], 0.1))], [p + ".mlp_pre"])
        m = node("Tanh", [m], [p + ".mlp_act"])
        m = node("MatMul", [m, init(p + ".w2", normal([hid, dim], 1.0 / np.sqrt(hid)))], [p + ".mlp_out"])
        x = node("Add", [x, m], [p + ".h_out"])

    x = layer_norm(x, "ln_f")
    logit_std = LOGIT_STD_FACTOR * np.sqrt(2 * np.log(vocab))
    init("lm_head", normal([dim, vocab], logit_std / np.sqrt(dim)))
    node("MatMul", [x, "lm_head"], ["logits"])

    graph = helper.make_graph(
        nodes, "sluice_teacher",
        inputs=[helper.make_tensor_value_info(n, TensorProto.INT64, ["batch_size", "sequence_length"])
                for n in ("input_ids", "attention_mask")],
        outputs=[helper.make_tensor_value_info("logits", TensorProto.FLOAT,
                                               ["batch_size", "sequence_length", vocab])],
        initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="sluice make_teacher.py", ir_version=IR_VERSION)
    meta = {"sluice.teacher.arch": ARCH, "vocab": vocab, "dim": dim, "layers": layers, "seed": seed,
            "ln_eps": LN_EPS, "mask_value": MASK_VALUE, "pos_scale": POS_SCALE, "mlp_mult": MLP_MULT}
    helper.set_model_props(model, {k: str(v) for k, v in meta.items()})
    onnx.checker.check_model(model, full_check=True)
    return model


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--vocab", type=int, required=True)
    ap.add_argument("--dim", type=int, required=True)
    ap.add_argument("--layers", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    model = build(a.vocab, a.dim, a.layers, a.seed)
    onnx.save(model, a.out)
    params = sum(int(np.prod(t.dims)) for t in model.graph.initializer)
    print(f"wrote {a.out}: {os.path.getsize(a.out)} bytes, {params} parameters, "
          f"vocab={a.vocab} dim={a.dim} layers={a.layers} seed={a.seed} "
          f"opset={OPSET} ir_version={model.ir_version}")


if __name__ == "__main__":
    sys.exit(main())
