#!/usr/bin/python3
"""Exports the benchmark's models: tests/golden/gen.py's BLOCKS[block](**options), the
goldens' reference PyTorch modules, with seeded random weights (the goldens' init), as ONNX
(for onnxruntime-web and -node) and as safetensors (the same weights for excite, TensorFlow.js
and the plain JS loop). The blocks and their options come from excite's registry through
bench/models/blocks.json, which bench/prepare.mjs writes first (bench/table.ts).

    /usr/bin/python3 bench/export_models.py              # every block of bench/models/blocks.json (and the dense 3×3 reference)
    /usr/bin/python3 bench/export_models.py se sse       # only these blocks
    /usr/bin/python3 bench/export_models.py --force ...  # rewrite files that exist

Writes, in bench/models/:
  <block>_c<C>.safetensors   the weights (one file per channel count)
  <block>_<shape>.onnx       NCHW, static dims, opset 17; inputs x (and residual), output y
  <block>_<shape>_nhwc.onnx  the same model between Transpose nodes (NHWC in and out), as a
                             user with NHWC tensors (tfjs's) runs it; for blocks with an NHWC layout
  <block>_<shape>.json       the options and the block's multiply-adds, counted on the module's
                             convolutions, linear layers and matrix products (MacCounter; GSoP's
                             corrected, MAC_CORRECTIONS)
A file is rewritten when the options it was made with change. Same seeds, same bytes.
"""
import json
import os
import sys
import zlib

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, 'models')
sys.path.insert(0, os.path.join(HERE, '..', 'tests', 'golden'))
sys.dont_write_bytecode = True

from gen import BLOCKS, init_weights, safetensors_bytes  # noqa: E402  (the goldens' modules, init and writer)

INPUT_NAMES = ['x', 'residual']


class NHWC(nn.Module):
    """`block` on NHWC inputs and output: a transpose of each input in, one of the output out."""

    def __init__(self, block):
        super().__init__()
        self.block = block

    def forward(self, *xs):
        return self.block(*[x.permute(0, 3, 1, 2) for x in xs]).permute(0, 2, 3, 1)


# Not blocks: the dense 3×3 convolution the conv-bound blocks' GMAC/s are read against (bench/table.ts DENSE_3X3).
REFERENCES = {'conv3x3': lambda channels: nn.Conv2d(channels, channels, 3, padding=1, bias=False)}


def build(block, options, channels):
    model = (REFERENCES.get(block) or BLOCKS[block])(**options)
    torch.manual_seed(zlib.crc32(f"bench:{block}:{channels}".encode()) & 0xFFFFFFFF)
    init_weights(model)
    return model.eval()


def export(model, dims, inputs, path):
    with torch.no_grad():
        torch.onnx.export(model, tuple(torch.zeros(dims) for _ in range(inputs)), path,
                          input_names=INPUT_NAMES[:inputs], output_names=['y'],
                          opset_version=17, do_constant_folding=True)


class MacCounter(TorchFunctionMode):
    """Counts the multiply-adds of the torch calls made under it: convolutions (each output ×
    C_in/groups × kernel), linear layers and matrix products (each output × the contracted length)."""

    def __init__(self):
        super().__init__()
        self.macs = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        name = getattr(func, '__name__', '')
        if name in ('conv1d', 'conv2d'):
            weight = args[1] if len(args) > 1 else kwargs['weight']
            self.macs += out.numel() * weight[0].numel()
        elif name == 'linear':
            self.macs += out.numel() * args[1].shape[-1]
        elif name in ('matmul', 'bmm', 'mm', '__matmul__'):
            self.macs += out.numel() * args[0].shape[-1]
        return out


def count_macs(model, dims, inputs):
    with torch.no_grad(), MacCounter() as counter:
        model(*[torch.zeros(dims) for _ in range(inputs)])
    return counter.macs


def gsop_centring(model, dims):
    """GSoP's reference (the official Covpool) multiplies t [N, d, M] by the M×M centring matrix Î
    before multiplying by tᵀ; the block's arithmetic is the covariance (t − μ)(t − μ)ᵀ/M, whose
    N·d²·M multiply-adds the second product counts. The N·d·M² of the first are the official
    formulation's, not the block's: they are taken off (ORT still runs them)."""
    conv = model.conv_for_DR
    n, _, h, w = dims
    m = ((h - 1) // conv.stride[0] + 1) * ((w - 1) // conv.stride[1] + 1)
    return -n * conv.out_channels * m * m


# Multiply-adds the reference module makes that the block's arithmetic does not have, by block.
MAC_CORRECTIONS = {'gsop': gsop_centring}


def written_with(path, options):
    """Whether the info file `path` exists and records `options`."""
    try:
        with open(path) as f:
            return json.load(f)['options'] == options
    except (OSError, ValueError, KeyError):
        return False


def main(argv):
    force = '--force' in argv
    wanted = [a for a in argv if not a.startswith('--')]
    with open(os.path.join(MODELS, 'blocks.json')) as f:
        table = json.load(f)
    torch.set_num_threads(1)
    for block in table['blocks']:
        bid = block['id']
        if wanted and bid not in wanted:
            continue
        for shape, dims in table['shapes'].items():
            options = block['options'][shape]
            channels = dims[1]
            info = os.path.join(MODELS, f"{bid}_{shape}.json")
            weights = os.path.join(MODELS, f"{bid}_c{channels}.safetensors")
            nchw = os.path.join(MODELS, f"{bid}_{shape}.onnx")
            nhwc = os.path.join(MODELS, f"{bid}_{shape}_nhwc.onnx")
            files = [weights, nchw] + ([nhwc] if 'nhwc' in block['layouts'] else [])
            if not force and written_with(info, options) and all(os.path.exists(p) for p in files):
                continue
            model = build(bid, options, channels)
            with open(weights, 'wb') as f:
                f.write(safetensors_bytes({k: v.float().numpy() for k, v in model.state_dict().items()
                                           if v.is_floating_point()}, {}))
            export(model, dims, block['inputs'], nchw)
            if 'nhwc' in block['layouts']:
                n, c, h, w = dims
                export(NHWC(model).eval(), [n, h, w, c], block["inputs"], nhwc)
            macs = count_macs(model, dims, block['inputs']) + (MAC_CORRECTIONS[bid](model, dims) if bid in MAC_CORRECTIONS else 0)
            with open(info, 'w') as f:
                json.dump({'options': options, 'macs': macs}, f)
            print(f"{bid} {shape}: {os.path.getsize(nchw)} bytes of ONNX, {macs / 1e6:.1f} M multiply-adds")


if __name__ == '__main__':
    main(sys.argv[1:])
