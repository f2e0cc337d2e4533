#!/usr/bin/env python3
"""Rebuild face-api's ResNet-34 face descriptor as an ONNX graph.

Input:  the unpacked npm package @vladmandic/face-api (its `model/face_recognition_model.bin`
        and `model/face_recognition_model-weights_manifest.json`).
Output: an ONNX file with one input `image` [N,150,150,3] float32 RGB in 0..255 (NHWC, the
        layout face-api feeds) and one output `descriptor` [N,128].

Only numpy and the `onnx` package are used: the architecture is small enough to write out by
hand (it follows face-api's src/faceRecognitionNet/*.ts). The per-channel "scale" layer that
follows every convolution is folded into the convolution's weights and bias.

With --self-check the script also runs a plain numpy forward pass written in TensorFlow's
NHWC/'same'-padding terms, independent of the ONNX layout, and compares it with
onnxruntime on a fixed pseudo-random input; this catches layout and padding mistakes.
"""

import argparse
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

MEAN_RGB = np.array([122.782, 117.001, 104.298], dtype=np.float32)

# (prefix, kind) in forward order; kind: 'down' plain strided conv, 'res', 'resdown'.
LAYERS = (
    [("conv32_down", "conv_down"), ("maxpool", "maxpool")]
    + [(f"conv32_{i}", "res") for i in (1, 2, 3)]
    + [("conv64_down", "resdown")]
    + [(f"conv64_{i}", "res") for i in (1, 2, 3)]
    + [("conv128_down", "resdown")]
    + [(f"conv128_{i}", "res") for i in (1, 2)]
    + [("conv256_down", "resdown")]
    + [(f"conv256_{i}", "res") for i in (1, 2)]
    + [("conv256_down_out", "resdown")]
)


def load_weights(package_dir):
    model_dir = os.path.join(package_dir, "model")
    with open(os.path.join(model_dir, "face_recognition_model-weights_manifest.json")) as f:
        manifest = json.load(f)
    weights = {}
    for group in manifest:
        blob = b"".join(open(os.path.join(model_dir, p), "rb").read() for p in group["paths"])
        offset = 0
        for entry in group["weights"]:
            count = int(np.prod(entry["shape"]))
            quant = entry.get("quantization")
            if quant:
                if quant["dtype"] != "uint8":
                    sys.exit(f"unsupported quantisation {quant['dtype']} for {entry['name']}")
                q = np.frombuffer(blob, dtype=np.uint8, count=count, offset=offset)
                values = q.astype(np.float64) * quant["scale"] + quant["min"]
                offset += count
            else:
                if entry["dtype"] != "float32":
                    sys.exit(f"unsupported dtype {entry['dtype']} for {entry['name']}")
                values = np.frombuffer(blob, dtype="<f4", count=count, offset=offset)
                offset += count * 4
            weights[entry["name"]] = values.astype(np.float32).reshape(entry["shape"])
        if offset != len(blob):
            sys.exit(f"manifest covers {offset} bytes but the weight file has {len(blob)}")
    return weights


def folded_conv(weights, prefix):
    """TF filters [kh,kw,in,out] + bias + scale layer -> ONNX W [out,in,kh,kw], B [out]."""
    filters = weights[f"{prefix}/conv/filters"]
    bias = weights[f"{prefix}/conv/bias"]
    scale_w = weights[f"{prefix}/scale/weights"]
    scale_b = weights[f"{prefix}/scale/biases"]
    w = np.transpose(filters, (3, 2, 0, 1)) * scale_w[:, None, None, None]
    b = bias * scale_w + scale_b
    return w.astype(np.float32), b.astype(np.float32)


class GraphBuilder:
    def __init__(self):
        self.nodes = []
        self.inits = []
        self.n = 0

    def name(self, stem):
        self.n += 1
        return f"{stem}_{self.n}"

    def const(self, stem, array):
        name = self.name(stem)
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def op(self, op_type, inputs, stem, **attrs):
        out = self.name(stem)
        self.nodes.append(helper.make_node(op_type, inputs, [out], **attrs))
        return out

    def conv(self, x, weights, prefix, stride, relu):
        w, b = folded_conv(weights, prefix)
        k = w.shape[2]
        pads = [0, 0, 0, 0] if stride == 2 else [k // 2] * 4
        out = self.op(
            "Conv",
            [x, self.const(prefix + "_w", w), self.const(prefix + "_b", b)],
            prefix,
            kernel_shape=[k, k],
            strides=[stride, stride],
            pads=pads,
        )
        return self.op("Relu", [out], prefix + "_relu") if relu else out


def shape_after(size, kind):
    if kind == "conv_down":
        return (size - 7) // 2 + 1
    if kind == "maxpool":
        return (size - 3) // 2 + 1
    if kind == "resdown":
        return (size - 3) // 2 + 1, size // 2
    return size


def build_graph(weights):
    g = GraphBuilder()
    x = g.op("Transpose", ["image"], "nchw", perm=[0, 3, 1, 2])
    x = g.op("Sub", [x, g.const("mean", MEAN_RGB.reshape(1, 3, 1, 1))], "centred")
    x = g.op("Div", [x, g.const("range", np.array(255.0, dtype=np.float32))], "normalised")
    size, channels = 150, 3
    for prefix, kind in LAYERS:
        if kind == "conv_down":
            x = g.conv(x, weights, prefix, 2, True)
            size, channels = shape_after(size, kind), 32
        elif kind == "maxpool":
            x = g.op("MaxPool", [x], "maxpool", kernel_shape=[3, 3], strides=[2, 2])
            size = shape_after(size, kind)
        elif kind == "res":
            out = g.conv(x, weights, prefix + "/conv1", 1, True)
            out = g.conv(out, weights, prefix + "/conv2", 1, False)
            x = g.op("Relu", [g.op("Add", [out, x], prefix + "_add")], prefix + "_relu")
        else:
            out_channels = weights[prefix + "/conv1/conv/filters"].shape[3]
            out = g.conv(x, weights, prefix + "/conv1", 2, True)
            out = g.conv(out, weights, prefix + "/conv2", 1, False)
            conv_size, pooled_size = shape_after(size, kind)
            pooled = g.op("AveragePool", [x], prefix + "_pool", kernel_shape=[2, 2], strides=[2, 2])
            if conv_size != pooled_size:
                # face-api appends one zero row and column to the conv branch.
                grow = pooled_size - conv_size
                pads = g.const(prefix + "_pads", np.array([0, 0, 0, 0, 0, 0, grow, grow], dtype=np.int64))
                out = g.op("Pad", [out, pads], prefix + "_padhw")
            if out_channels != channels:
                # ...and zero channels to the pooled shortcut.
                extra = out_channels - channels
                pads = g.const(prefix + "_cpads", np.array([0, 0, 0, 0, 0, extra, 0, 0], dtype=np.int64))
                pooled = g.op("Pad", [pooled, pads], prefix + "_padc")
            x = g.op("Relu", [g.op("Add", [pooled, out], prefix + "_add")], prefix + "_relu")
            size, channels = pooled_size, out_channels
    x = g.op("ReduceMean", [x, g.const("hw_axes", np.array([2, 3], dtype=np.int64))], "gap", keepdims=0)
    out = g.op("MatMul", [x, g.const("fc", weights["fc"])], "fc")
    g.nodes.append(helper.make_node("Identity", [out], ["descriptor"]))
    graph = helper.make_graph(
        g.nodes,
        "face_descriptor_resnet34",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 150, 150, 3])],
        [helper.make_tensor_value_info("descriptor", TensorProto.FLOAT, ["N", 128])],
        g.inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], producer_name="face-verify")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


# ---- independent numpy reference in TF terms (NHWC, 'same'/'valid' padding) ----

def tf_conv(x, filters, stride, padding):
    kh, kw, cin, cout = filters.shape
    if padding == "same":
        x = np.pad(x, ((0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2), (0, 0)))
    n, h, w, _ = x.shape
    oh, ow = (h - kh) // stride + 1, (w - kw) // stride + 1
    cols = np.empty((n, oh, ow, kh, kw, cin), dtype=np.float32)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, :, i, j, :] = x[:, i : i + stride * oh : stride, j : j + stride * ow : stride, :]
    return cols.reshape(n, oh, ow, -1) @ filters.reshape(-1, cout)


def tf_conv_layer(x, weights, prefix, stride, relu, padding):
    out = tf_conv(x, weights[f"{prefix}/conv/filters"], stride, padding) + weights[f"{prefix}/conv/bias"]
    out = out * weights[f"{prefix}/scale/weights"] + weights[f"{prefix}/scale/biases"]
    return np.maximum(out, 0) if relu else out


def tf_pool(x, k, stride, reduce):
    n, h, w, c = x.shape
    oh, ow = (h - k) // stride + 1, (w - k) // stride + 1
    stack = [x[:, i : i + stride * oh : stride, j : j + stride * ow : stride, :] for i in range(k) for j in range(k)]
    return reduce(np.stack(stack), axis=0)


def reference_forward(weights, image):
    x = (image - MEAN_RGB) / 255.0
    for prefix, kind in LAYERS:
        if kind == "conv_down":
            x = tf_conv_layer(x, weights, prefix, 2, True, "valid")
        elif kind == "maxpool":
            x = tf_pool(x, 3, 2, np.max)
        elif kind == "res":
            out = tf_conv_layer(x, weights, prefix + "/conv1", 1, True, "same")
            out = tf_conv_layer(out, weights, prefix + "/conv2", 1, False, "same")
            x = np.maximum(out + x, 0)
        else:
            out = tf_conv_layer(x, weights, prefix + "/conv1", 2, True, "valid")
            out = tf_conv_layer(out, weights, prefix + "/conv2", 1, False, "same")
            pooled = tf_pool(x, 2, 2, np.mean)
            if pooled.shape[1] != out.shape[1]:
                out = np.pad(out, ((0, 0), (0, 1), (0, 1), (0, 0)))
            if pooled.shape[3] != out.shape[3]:
                pooled = np.pad(pooled, ((0, 0), (0, 0), (0, 0), (0, out.shape[3] - pooled.shape[3])))
            x = np.maximum(pooled + out, 0)
    return x.mean(axis=(1, 2)) @ weights["fc"]


def self_check(weights, path):
    import onnxruntime

    rng = np.random.default_rng(7)
    image = rng.uniform(0, 255, size=(2, 150, 150, 3)).astype(np.float32)
    expected = reference_forward(weights, image)
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    got = session.run(["descriptor"], {"image": image})[0]
    err = float(np.max(np.abs(got - expected)))
    print(f"self-check: max |onnx - numpy reference| = {err:.2e} (descriptor norm {np.linalg.norm(got[0]):.3f})")
    if err > 1e-3:
        sys.exit("self-check failed: the ONNX graph disagrees with the reference forward pass")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package-dir", required=True, help="unpacked @vladmandic/face-api package")
    parser.add_argument("--out", required=True, help="output .onnx path")
    parser.add_argument("--self-check", action="store_true")
    args = parser.parse_args()

    weights = load_weights(args.package_dir)
    model = build_graph(weights)
    tmp = args.out + ".tmp"
    onnx.save(model, tmp)
    if args.self_check:
        self_check(weights, tmp)
    os.replace(tmp, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
