"""Writes, into the folder given as argv[1], the safetensors files that
tests/safetensors-torch.test.ts reads, each beside what PyTorch's own `.float()` makes of it:

- dtypes.safetensors: `f16` (all 65536 float16 bit patterns), `bf16` (all 65536 bfloat16
  patterns), `f64` (float64 edge values: float32 rounding ties and their neighbours, overflow,
  the subnormal boundaries, NaNs with payloads and signs, ±0, ±Inf, and a dense random sample),
  each with `<name>.float` = torch's `.float()` of it, bit for bit.
- bn_f32/bn_f16/bn_bf16/bn_f64.safetensors: the `state_dict()` of an SEResBlock (two
  BatchNorms, so an I64 `num_batches_tracked` each) after `.float()`, `.half()`, `.bfloat16()`,
  `.double()`; bn_expected.safetensors: `x`, and per dtype the `.float()` of every weight
  (`<dtype>/<key>`) and `y_<dtype>`, the float32 module with those weights applied to x.

Debian has no `safetensors` Python package (`apt-cache search python3-safetensors` finds
nothing), so `save_file` below writes the format by hand, laid out as
safetensors.torch.save_file does: `__metadata__` first, tensors by dtype size (largest
first) then name, contiguous, the JSON header padded with spaces to a multiple of 8.
"""
import copy
import json
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'golden'))
import modules  # noqa: E402  (the goldens' PyTorch modules, canonical state_dict keys)

assert sys.byteorder == 'little'
DTYPE_NAMES = {torch.float64: 'F64', torch.float32: 'F32', torch.float16: 'F16', torch.bfloat16: 'BF16',
               torch.int64: 'I64', torch.int32: 'I32', torch.int16: 'I16', torch.uint8: 'U8'}
SAME_SIZE_INT = {8: torch.int64, 4: torch.int32, 2: torch.int16, 1: torch.uint8}


def raw_bytes(t):
    """The tensor's little-endian bytes, bit for bit (bfloat16 has no numpy dtype: go through an int view)."""
    t = t.detach().contiguous().reshape(-1)
    return t.view(SAME_SIZE_INT[t.element_size()]).numpy().tobytes()


def save_file(tensors, path, metadata=None):
    order = sorted(tensors, key=lambda k: (-tensors[k].element_size(), k))
    header = {'__metadata__': metadata} if metadata else {}
    blobs, offset = [], 0
    for key in order:
        t = tensors[key]
        data = raw_bytes(t)
        header[key] = {'dtype': DTYPE_NAMES[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(',', ':')).encode('utf-8')
    h += b' ' * (-len(h) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)) + h + b''.join(blobs))


def bits16(dtype):
    """Every 16-bit pattern as a tensor of `dtype`."""
    return torch.from_numpy(np.arange(65536, dtype=np.uint16).view(np.int16)).view(dtype)


def f64_edges(rng):
    f32 = np.float32
    up = lambda v: np.nextafter(f32(v), f32(np.inf))  # noqa: E731
    # float32 values whose neighbourhoods matter: every exponent (normal and subnormal), with an
    # even and an odd mantissa, the largest finite, the smallest subnormal, the smallest normal.
    anchors = [f32(np.ldexp(1.0, e)) for e in range(-149, 128)]
    anchors += [up(a) for a in anchors]  # odd mantissas
    anchors += [f32(np.ldexp(0x7fffff, -149))]  # the largest subnormal (float32's max is below)
    anchors += list(np.frombuffer(rng.integers(0, 0x7f7fffff, size=2000, dtype=np.uint32).tobytes(), dtype=f32))
    values = [0.0]
    for a in anchors:
        lo, hi = np.float64(a), np.float64(up(a))
        mid = (lo + hi) / 2  # exact in float64: a rounding tie
        values += [lo, mid, np.nextafter(mid, -np.inf), np.nextafter(mid, np.inf), hi]
    # overflow: float32's max, the tie above it (rounds to +Inf), just below that tie, 2^128, float64's max
    fmax = np.float64(3.4028234663852886e38)
    tie = fmax + np.ldexp(1.0, 103)
    values += [fmax, tie, np.nextafter(tie, 0), np.nextafter(tie, np.inf), np.ldexp(1.0, 128), 1e39, np.finfo(np.float64).max, np.inf]
    # underflow: 2^-150 (a tie to 0), 3*2^-150 (a tie to 2^-148), below 2^-150, float64's subnormals
    values += [np.ldexp(1.0, -150), np.ldexp(3.0, -150), np.ldexp(1.0, -151), np.ldexp(1.0, -200), 5e-324, np.finfo(np.float64).tiny]
    # a dense sample: random mantissas at every exponent from below float32's subnormals to above its max
    exps = rng.integers(-160, 131, size=200000)
    values += list(np.ldexp(1.0 + rng.random(200000), exps))
    values = np.array(values, dtype=np.float64)
    values = np.concatenate([values, -values])  # both signs (incl. -0)
    nans = np.array([0x7ff8000000000000, 0x7ff0000000000001, 0x7ff4000000000000, 0x7ff4000020000000,
                     0x7fffffffffffffff, 0x7ff80000000fffff, 0x7ff0000020000000, 0x7ff00000e0000000],
                    dtype=np.uint64)
    nans = np.concatenate([nans, nans | np.uint64(1 << 63), rng.integers(0, 2**52, size=1000, dtype=np.uint64) | np.uint64(0x7ff0000000000001)])
    return torch.from_numpy(np.concatenate([values, nans.view(np.float64)]))


def dtype_files(folder, rng):
    sources = {'f16': bits16(torch.float16), 'bf16': bits16(torch.bfloat16), 'f64': f64_edges(rng)}
    tensors = dict(sources)
    for k, t in sources.items():
        tensors[k + '.float'] = t.float()
    save_file(tensors, os.path.join(folder, 'dtypes.safetensors'))


def bn_files(folder, rng):
    torch.manual_seed(12)
    model = modules.SEResBlock(channels=8, reduction=4)
    with torch.no_grad():
        for bn in (model.bn1, model.bn2):
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.normal_(0, 0.2)
            bn.running_mean.normal_(0, 0.2)
            bn.running_var.uniform_(0.5, 1.5)
            bn.num_batches_tracked.fill_(12345)
    model.eval()
    x = torch.randn(2, 8, 5, 7)
    expected = {'x': x}
    casts = {'f32': lambda m: m.float(), 'f16': lambda m: m.half(), 'bf16': lambda m: m.bfloat16(), 'f64': lambda m: m.double()}
    for name, cast in casts.items():
        cast_model = cast(copy.deepcopy(model))
        state = cast_model.state_dict()
        save_file(state, os.path.join(folder, f'bn_{name}.safetensors'), {'format': 'pt'} if name == 'f32' else None)
        for k, v in state.items():
            if v.is_floating_point():
                expected[f'{name}/{k}'] = v.float()
        with torch.no_grad():
            expected[f'y_{name}'] = cast_model.float()(x)
    save_file(expected, os.path.join(folder, 'bn_expected.safetensors'))


if __name__ == '__main__':
    torch.set_num_threads(1)
    out = sys.argv[1]
    rng = np.random.default_rng(2024)
    dtype_files(out, rng)
    bn_files(out, rng)
