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
import os
import sys
import zlib

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, 'models')
sys.path.insert(0, os.path.join(HERE, '..', 'tests', 'golden'))
sys.dont_write_bytecode = True

import modules as M  # noqa: E402
from gen import init_weights, safetensors_bytes  # noqa: E402  (the goldens' weight init and writer)


def build(block, channels):
    model = getattr(M, block['module'])(channels=channels, **block['options'])
    torch.manual_seed(zlib.crc32(f"bench:{block['id']}:{channels}".encode()) & 0xFFFFFFFF)
    init_weights(model)
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
                f.write(safetensors_bytes({k: v.float().numpy() for k, v in model.state_dict().items() if v.is_floating_point()}, {}))
            with torch.no_grad():
                torch.onnx.export(model, torch.zeros(dims), onnx, input_names=['x'], output_names=['y'],
                                  opset_version=17, do_constant_folding=True)
            print(f"{block['id']} {shape_name}: {os.path.getsize(onnx)} bytes of ONNX")


if __name__ == '__main__':
    main(sys.argv[1:])
