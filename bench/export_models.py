#!/usr/bin/python3
"""Exports the benchmark's models: the PyTorch reference modules of tests/golden/modules.py,
with seeded random weights, as ONNX (for onnxruntime-web and -node) and as safetensors (the
same weights for excite, TensorFlow.js and the plain JS loop).

    /usr/bin/python3 bench/export_models.py              # every block of bench/blocks.json
    /usr/bin/python3 bench/export_models.py se sse       # only these blocks
    /usr/bin/python3 bench/export_models.py --force ...  # rewrite files that exist

Writes bench/models/<block>_c<C>.safetensors (one per channel count) and
bench/models/<block>_<shape>.onnx (one per shape, static dims, opset 17). Same seeds, same bytes.
"""
import json
import math
import os
import struct
import sys
import zlib

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, 'models')
sys.path.insert(0, os.path.join(HERE, '..', 'tests', 'golden'))
sys.dont_write_bytecode = True

import modules as M  # noqa: E402


@torch.no_grad()
def init_weights(model, seed):
    """W ~ N(0, 1/fan_in), biases N(0, 1); batch norm weight and running_var U(0.5, 1.5), bias
    and running_mean N(0, 0.2^2): activations stay of order 1 through every block."""
    torch.manual_seed(seed)
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            m.weight.copy_(torch.randn(m.weight.shape) / math.sqrt(m.weight[0].numel()))
            if m.bias is not None:
                m.bias.copy_(torch.randn(m.bias.shape))
        elif isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.weight.copy_(torch.rand(m.weight.shape) + 0.5)
            m.bias.copy_(torch.randn(m.bias.shape) * 0.2)
            m.running_mean.copy_(torch.randn(m.running_mean.shape) * 0.2)
            m.running_var.copy_(torch.rand(m.running_var.shape) + 0.5)


def safetensors_bytes(state):
    """The float tensors of a state_dict (num_batches_tracked left out) in safetensors format."""
    header, blobs, offset = {}, [], 0
    for key in sorted(state):
        t = state[key]
        if not t.is_floating_point():
            continue
        data = t.detach().contiguous().float().numpy().astype('<f4').tobytes()
        header[key] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, sort_keys=True, separators=(',', ':')).encode('ascii')
    h += b' ' * (-len(h) % 8)
    return struct.pack('<Q', len(h)) + h + b''.join(blobs)


def build(block, channels):
    model = getattr(M, block['module'])(channels=channels, **block['options'])
    init_weights(model, zlib.crc32(f"bench:{block['id']}:{channels}".encode()) & 0xFFFFFFFF)
    return model.eval()


def main(argv):
    force = '--force' in argv
    wanted = [a for a in argv if not a.startswith('--')]
    with open(os.path.join(HERE, 'blocks.json')) as f:
        table = json.load(f)
    os.makedirs(MODELS, exist_ok=True)
    torch.set_num_threads(1)
    for block in table['blocks']:
        if wanted and block['id'] not in wanted:
            continue
        for shape_name, dims in table['shapes'].items():
            channels = dims[1]
            weights = os.path.join(MODELS, f"{block['id']}_c{channels}.safetensors")
            onnx = os.path.join(MODELS, f"{block['id']}_{shape_name}.onnx")
            if not force and os.path.exists(weights) and os.path.exists(onnx):
                continue
            model = build(block, channels)
            with open(weights, 'wb') as f:
                f.write(safetensors_bytes(model.state_dict()))
            with torch.no_grad():
                torch.onnx.export(model, torch.zeros(dims), onnx, input_names=['x'], output_names=['y'],
                                  opset_version=17, do_constant_folding=True)
            print(f"{block['id']} {shape_name}: {os.path.getsize(onnx)} bytes of ONNX")


if __name__ == '__main__':
    main(sys.argv[1:])
