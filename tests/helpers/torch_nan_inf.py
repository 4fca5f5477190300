#!/usr/bin/python3
"""PyTorch's answers for tests/nan-inf.test.ts: reads a JSON request on stdin, prints the results.

Request: {"unary": x, "pool": [{"x": x, "dims": [N, C, H, W]}, ...], "conv": [{"x", "dims", "weight",
"shape", "stride", "padding", "dilation", "groups"}, ...], "layernorm": [{"x", "gamma", "beta", "eps"}, ...]},
every tensor a base64 string of
little-endian float32. Reply: the same keys, tensors as base64 float32 (NaN and ±Inf kept bit for
bit). The formulas are those of tests/golden/modules.py (SPEC §1).
"""
import base64
import json
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)


def tensor(b64, shape=None):
    a = np.frombuffer(base64.b64decode(b64), dtype='<f4').copy()
    return torch.from_numpy(a if shape is None else a.reshape(shape))


def b64(t):
    return base64.b64encode(t.contiguous().numpy().astype('<f4').tobytes()).decode('ascii')


def unary(x):
    return {
        'sigmoid': b64(torch.sigmoid(x)),
        'silu': b64(x * torch.sigmoid(x)),
        'hardsigmoid': b64(torch.clamp(x * (1.0 / 6.0) + 0.5, 0.0, 1.0)),
        'hardsigmoid_onnx': b64(torch.clamp(x * 0.2 + 0.5, 0.0, 1.0)),
        'hardswish': b64(x * torch.clamp(x + 3.0, 0.0, 6.0) / 6.0),
        'relu': b64(torch.relu(x)),
    }


def pools(x):
    return {
        'avg': b64(x.mean(dim=(2, 3))),
        'max': b64(x.amax(dim=(2, 3))),
        'lp': b64(torch.sqrt((x * x).sum(dim=(2, 3)))),
        'lse': b64(torch.logsumexp(x.flatten(2), dim=2)),
        'cavg': b64(x.mean(dim=1)),
        'cmax': b64(x.amax(dim=1)),
        'hmean': b64(x.mean(dim=2)),
        'hmax': b64(x.amax(dim=2)),
        'wmean': b64(x.mean(dim=3)),
        'wmax': b64(x.amax(dim=3)),
    }


def conv(c):
    x = tensor(c['x'], c['dims'])
    w = tensor(c['weight'], c['shape'])
    # torch 1.13's CPU conv takes mkldnn for batches > 1 (it skips the padding taps); its
    # single-image path for small inputs (im2col) multiplies the padded zeros by every weight
    assert c['dims'][0] > 1
    return b64(F.conv2d(x, w, stride=c['stride'], padding=c['padding'], dilation=c['dilation'],
                        groups=c['groups']))


def layernorm(r):
    x, gamma, beta = tensor(r['x']), tensor(r['gamma']), tensor(r['beta'])
    return b64(F.layer_norm(x, [x.numel()], gamma, beta, r['eps']))


def main():
    req = json.load(sys.stdin)
    out = {}
    if 'unary' in req:
        out['unary'] = unary(tensor(req['unary']))
    if 'pool' in req:
        out['pool'] = [pools(tensor(p['x'], p['dims'])) for p in req['pool']]
    if 'conv' in req:
        out['conv'] = [conv(c) for c in req['conv']]
    if 'layernorm' in req:
        out['layernorm'] = [layernorm(r) for r in req['layernorm']]
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    main()
