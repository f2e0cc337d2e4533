#!/usr/bin/env python3
"""Rebuild Human's antispoof model (TFJS graph) as an ONNX graph.

Input:  the unpacked npm package @vladmandic/human (its `models/antispoof.json` and
        `models/antispoof.bin`; weights stored as float16).
Output: an ONNX file with input `image` [N,128,128,3] float32 RGB in 0..1 (NHWC, as Human
        feeds it) and output `real` [N,1], the sigmoid "real face" score.

The graph is small (three conv/max-pool/relu blocks, two dense layers) and is written out by
hand with numpy and the `onnx` package only; the TFJS topology in antispoof.json is checked
against the expected layer list so a different model version fails loudly.
--self-check compares onnxruntime with a plain numpy forward pass in TensorFlow's terms.
"""

import argparse
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

EXPECTED_OPS = [
    "_FusedConv2D", "MaxPool", "Relu",
    "_FusedConv2D", "MaxPool", "Relu",
    "_FusedConv2D", "MaxPool", "Relu",
    "Reshape", "_FusedMatMul", "_FusedMatMul", "Sigmoid", "Identity",
]


def load(package_dir):
    model_dir = os.path.join(package_dir, "models")
    with open(os.path.join(model_dir, "antispoof.json")) as f:
        spec = json.load(f)
    ops = [n["op"] for n in spec["modelTopology"]["node"] if n["op"] not in ("Const", "Placeholder")]
    if ops != EXPECTED_OPS:
        sys.exit(f"unexpected antispoof topology: {ops}")
    weights = {}
    for group in spec["weightsManifest"]:
        blob = b"".join(open(os.path.join(model_dir, p), "rb").read() for p in group["paths"])
        offset = 0
        for entry in group["weights"]:
            count = int(np.prod(entry["shape"]))
            quant = entry.get("quantization")
            if quant and quant["dtype"] == "float16":
                values = np.frombuffer(blob, dtype="<f2", count=count, offset=offset).astype(np.float32)
                offset += count * 2
            elif entry["dtype"] == "int32" and not quant:
                values = np.frombuffer(blob, dtype="<i4", count=count, offset=offset)
                offset += count * 4
            elif entry["dtype"] == "float32" and not quant:
                values = np.frombuffer(blob, dtype="<f4", count=count, offset=offset)
                offset += count * 4
            else:
                sys.exit(f"unsupported weight encoding for {entry['name']}: {entry}")
            weights[entry["name"]] = values.reshape(entry["shape"])
        if offset != len(blob):
            sys.exit(f"manifest covers {offset} bytes but the weight file has {len(blob)}")
    convs = [(weights[f], weights[b]) for f, b in (("unknown", "unknown_0"), ("unknown_1", "unknown_2"), ("unknown_3", "unknown_4"))]
    dense = [(weights["unknown_5"], weights["unknown_6"]), (weights["unknown_7"], weights["unknown_8"])]
    return convs, dense


def build(convs, dense):
    nodes, inits = [], []

    def const(name, value):
        inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    x = "image"
    nodes.append(helper.make_node("Transpose", [x], ["nchw"], perm=[0, 3, 1, 2]))
    x = "nchw"
    for i, (filters, bias) in enumerate(convs):
        w = const(f"conv{i}_w", np.transpose(filters, (3, 2, 0, 1)).astype(np.float32))
        b = const(f"conv{i}_b", bias.astype(np.float32))
        nodes.append(helper.make_node("Conv", [x, w, b], [f"conv{i}"], kernel_shape=[3, 3]))
        nodes.append(helper.make_node("MaxPool", [f"conv{i}"], [f"pool{i}"], kernel_shape=[2, 2], strides=[2, 2]))
        nodes.append(helper.make_node("Relu", [f"pool{i}"], [f"relu{i}"]))
        x = f"relu{i}"
    # TensorFlow flattens NHWC: go back to that order before the dense layers.
    nodes.append(helper.make_node("Transpose", [x], ["nhwc"], perm=[0, 2, 3, 1]))
    nodes.append(helper.make_node("Flatten", ["nhwc"], ["flat"], axis=1))
    (w1, b1), (w2, b2) = dense
    nodes.append(helper.make_node("Gemm", ["flat", const("fc1_w", w1.astype(np.float32)), const("fc1_b", b1.astype(np.float32))], ["fc1"]))
    nodes.append(helper.make_node("Relu", ["fc1"], ["fc1_relu"]))
    nodes.append(helper.make_node("Gemm", ["fc1_relu", const("fc2_w", w2.astype(np.float32)), const("fc2_b", b2.astype(np.float32))], ["fc2"]))
    nodes.append(helper.make_node("Sigmoid", ["fc2"], ["real"]))
    graph = helper.make_graph(
        nodes,
        "human_antispoof",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 128, 128, 3])],
        [helper.make_tensor_value_info("real", TensorProto.FLOAT, ["N", 1])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], producer_name="face-verify")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def reference(convs, dense, image):
    x = image
    for filters, bias in convs:
        kh, kw, cin, cout = filters.shape
        n, h, w, _ = x.shape
        oh, ow = h - kh + 1, w - kw + 1
        cols = np.empty((n, oh, ow, kh, kw, cin), dtype=np.float32)
        for i in range(kh):
            for j in range(kw):
                cols[:, :, :, i, j, :] = x[:, i : i + oh, j : j + ow, :]
        x = cols.reshape(n, oh, ow, -1) @ filters.reshape(-1, cout) + bias
        ph, pw = oh // 2, ow // 2
        x = x[:, : ph * 2, : pw * 2, :].reshape(n, ph, 2, pw, 2, cout).max(axis=(2, 4))
        x = np.maximum(x, 0)
    x = x.reshape(x.shape[0], -1)
    (w1, b1), (w2, b2) = dense
    x = np.maximum(x @ w1 + b1, 0) @ w2 + b2
    return 1 / (1 + np.exp(-x))


def self_check(convs, dense, path):
    import onnxruntime

    image = np.random.default_rng(5).uniform(0, 1, size=(2, 128, 128, 3)).astype(np.float32)
    expected = reference(convs, dense, image)
    got = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"]).run(["real"], {"image": image})[0]
    err = float(np.max(np.abs(got - expected)))
    print(f"self-check: max |onnx - numpy reference| = {err:.2e} (scores {got.ravel()})")
    if err > 1e-4:
        sys.exit("self-check failed: the ONNX graph disagrees with the reference forward pass")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package-dir", required=True, help="unpacked @vladmandic/human package")
    parser.add_argument("--out", required=True)
    parser.add_argument("--self-check", action="store_true")
    args = parser.parse_args()
    convs, dense = load(args.package_dir)
    model = build(convs, dense)
    tmp = args.out + ".tmp"
    onnx.save(model, tmp)
    if args.self_check:
        self_check(convs, dense, tmp)
    os.replace(tmp, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
