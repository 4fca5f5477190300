#!/usr/bin/python3
"""Generates excite's golden files from the PyTorch modules in modules.py.

    /usr/bin/python3 tests/golden/gen.py            # every block
    /usr/bin/python3 tests/golden/gen.py se sse     # only these blocks

One safetensors file per case: tests/golden/<block>/<case>.safetensors. See README.md
for the format. The input `x` is not stored: it is prng.golden_input(seed, N*C*H*W)
with `seed` from the file's metadata (AFF / iAFF: `residual` likewise from `residualSeed`). The output is byte-for-byte reproducible.
"""
import json
import math
import os
import struct
import sys
import zlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ next to the goldens

import modules as M  # noqa: E402
from prng import golden_input  # noqa: E402

BLOCKS = {
    'se': M.SE, 'cse': M.CSE, 'sse': M.SSE, 'scse': M.SCSE, 'cbam': M.CBAM, 'bam': M.BAM,
    'se_resblock': M.SEResBlock, 'cbam_basicblock': M.CBAMBasicBlock, 'eca': M.ECA,
}
FULL_LIMIT = 16384          # outputs with more elements are stored sampled (y_index, y)
TORCH_HS = {'alpha': 1.0 / 6.0, 'beta': 0.5}   # PyTorch's hardsigmoid, written out
ONNX_HS = {'alpha': 0.2, 'beta': 0.5}          # ONNX's / Paddle's

# ---------------------------------------------------------------------------------------
# Cases: (block, case, options, dims [N,C,H,W] of x, layout)
# layout 'linear': SE-family fc weights [O,I] (nn.Linear), sSE conv.weight stored [1,C];
# layout 'conv':   SE-family fc weights [O,I,1,1] (1x1 nn.Conv2d), sSE conv.weight [1,C,1,1].
# Blocks of SPEC §3 store their weights in the official state_dict's shapes, except
# layout 'fc_2d':  every 1x1 conv weight [O,I,1,1] stored as [O,I];
# layout 'ln_1d':  GC's LayerNorm weight and bias [P,1,1] stored as [P] (timm's LayerNorm2d).
# ---------------------------------------------------------------------------------------
CASES = []
# (block, case) -> {'nan_ok': the output holds NaN, as PyTorch's does;
#                   'scale': {state_dict key prefix: factor} applied after the random init;
#                   'poison': {target: [(flat index, value name), ...]} or None, see case()}
CASE_FLAGS = {}
# The values a `poison` puts into an input or a weight (SPEC §5: NaN and ±Inf as PyTorch), by the
# names the files' metadata uses.
POISON_VALUES = {'nan': float('nan'), 'inf': float('inf'), '-inf': float('-inf'),
                 '3e38': 3e38, '-3e38': -3e38}


def case(block, name, options, dims=None, layout='linear', nan_ok=False, scale=None, poison=None):
    """dims None: alternate [3, C, 5, 3] and [1, C, 7, 5] (small, odd, H != W); C is the
    input's channel count, `inChannels` where the block has it (else `channels`, which a block
    without weights may leave out: then dims must be given).
    poison: {'x' | 'residual' | state_dict key: [(index, value), ...]}: after the weights are drawn
    (on the clean tensors), `value` (a POISON_VALUES name) is written at `index` (flat, or a tuple
    into x's NCHW dims / the state_dict tensor's shape). y may then hold NaN and ±Inf."""
    c = options.get('inChannels', options.get('channels'))
    if dims is None:
        dims = [3, c, 5, 3] if sum(x[0] == block for x in CASES) % 2 == 0 else [1, c, 7, 5]
    assert block in BLOCKS and all(c[:2] != (block, name) for c in CASES), (block, name)
    assert c is None or dims[1] == c, (block, name)
    CASES.append((block, name, options, list(dims), layout))
    CASE_FLAGS[(block, name)] = {'nan_ok': nan_ok, 'scale': dict(scale or {}),
                                 'poison': poison and {k: list(v) for k, v in poison.items()}}


SHAPE_HW = [(1, 1), (7, 5), (13, 17), (56, 56)]
SHAPE_GRID = [(n, c, h, w) for n in (1, 3) for c in (6, 20, 64) for (h, w) in SHAPE_HW]


def shape_name(n, c, h, w):
    return f'shape_n{n}_c{c}_{h}x{w}'


def se_channel_cases(block):
    """Options of SE / cSE (and the channel half of scSE)."""
    d = None  # alternate [3,C,5,3] / [1,C,7,5]
    C = 20
    case(block, 'default', {'channels': C}, [3, 20, 7, 5])
    case(block, 'default_c6', {'channels': 6}, [1, 6, 7, 5])
    gates = [('sigmoid', {'gate': 'sigmoid'}),
             ('hardsigmoid', {'gate': 'hardsigmoid'}),
             ('hardsigmoid_onnx', {'gate': 'hardsigmoid', 'hardSigmoid': ONNX_HS})]
    # gate x activation, full product
    for gname, gopt in gates:
        for act in ('relu', 'none', 'silu', 'hardswish'):
            case(block, f'gate_{gname}_act_{act}',
                 {'channels': C, 'reduction': 4, 'activation': act, **gopt}, d)
    case(block, 'gate_hardsigmoid_torch_explicit',
         {'channels': C, 'reduction': 4, 'gate': 'hardsigmoid', 'hardSigmoid': TORCH_HS}, d)
    case(block, 'gate_hardsigmoid_onnx_c6',
         {'channels': 6, 'reduction': 2, 'gate': 'hardsigmoid', 'hardSigmoid': ONNX_HS},
         [1, 6, 7, 5])
    # pool x bias, full product
    for pool in ('avg', 'max', 'avgmax'):
        for bias in (True, False):
            case(block, f'pool_{pool}_bias_{str(bias).lower()}',
                 {'channels': C, 'reduction': 4, 'bias': bias, 'pool': pool}, d)
    case(block, 'pool_max_hardsigmoid_hardswish',
         {'channels': C, 'reduction': 4, 'activation': 'hardswish', 'gate': 'hardsigmoid',
          'pool': 'max'}, d)
    case(block, 'pool_avgmax_silu_n1_c6',
         {'channels': 6, 'reduction': 2, 'activation': 'silu', 'pool': 'avgmax'}, [1, 6, 7, 5])
    # reductions: 20 % 3, 20 % 8 != 0; 32 > C gives R = max(1, 0) = 1
    for r in (1, 2, 3, 4, 8, 16, 32):
        case(block, f'reduction_{r}', {'channels': C, 'reduction': r}, d)
    case(block, 'reduction_4_c6', {'channels': 6, 'reduction': 4}, [1, 6, 7, 5])
    case(block, 'reduced_channels_8', {'channels': C, 'reducedChannels': 8}, d)
    case(block, 'reduced_channels_3_over_reduction',
         {'channels': C, 'reduction': 4, 'reducedChannels': 3}, d)
    case(block, 'reduced_channels_7_nobias',
         {'channels': C, 'reducedChannels': 7, 'bias': False, 'activation': 'silu'}, d)
    case(block, 'layout_conv1x1', {'channels': C, 'reduction': 4}, d, layout='conv')
    case(block, 'layout_conv1x1_nobias', {'channels': C, 'reduction': 4, 'bias': False},
         [1, 20, 9, 11], layout='conv')


def se_cases():
    se_channel_cases('se')
    for s in SHAPE_GRID:
        case('se', shape_name(*s), {'channels': s[1]}, s)
    # the articles' variants
    case('se', 'article_selayer', {'channels': 20, 'bias': False}, [3, 20, 7, 5])
    case('se', 'article_selayer_c64', {'channels': 64, 'bias': False}, [1, 64, 9, 7])
    case('se', 'article_sqex', {'channels': 20, 'bias': True}, [3, 20, 7, 5])
    case('se', 'article_sqex_c64', {'channels': 64, 'bias': True}, [3, 64, 5, 9])
    case('se', 'article_mobilenetv3',
         {'channels': 20, 'reduction': 4, 'gate': 'hardsigmoid', 'hardSigmoid': ONNX_HS},
         [3, 20, 7, 5])
    case('se', 'article_mobilenetv3_c64',
         {'channels': 64, 'reduction': 4, 'gate': 'hardsigmoid', 'hardSigmoid': ONNX_HS},
         [1, 64, 11, 9])
    case('se', 'article_mobilenetv3_large',
         {'channels': 64, 'reduction': 4, 'gate': 'hardsigmoid', 'hardSigmoid': ONNX_HS},
         [1, 64, 29, 37])


def cse_cases():
    se_channel_cases('cse')
    for s in SHAPE_GRID:
        case('cse', shape_name(*s), {'channels': s[1]}, s)
    # Roy et al.'s cSE: 1x1 convs, no bias, no ReLU, reduction 2 -> [O,I,1,1] weights
    case('cse', 'article_roy', {'channels': 20, 'reduction': 2, 'bias': False,
                                'activation': 'none'}, [3, 20, 7, 5], layout='conv')
    case('cse', 'article_roy_c6', {'channels': 6, 'reduction': 2, 'bias': False,
                                   'activation': 'none'}, [1, 6, 13, 9], layout='conv')
    case('cse', 'article_roy_large', {'channels': 64, 'reduction': 2, 'bias': False,
                                      'activation': 'none'}, [1, 64, 29, 37], layout='conv')


def sse_cases():
    d = None  # alternate [3,C,5,3] / [1,C,7,5]
    case('sse', 'default', {'channels': 20}, [3, 20, 7, 5])
    case('sse', 'default_c6', {'channels': 6}, [1, 6, 7, 5])
    gates = [('sigmoid', {'gate': 'sigmoid'}),
             ('hardsigmoid', {'gate': 'hardsigmoid'}),
             ('hardsigmoid_torch_explicit', {'gate': 'hardsigmoid', 'hardSigmoid': TORCH_HS}),
             ('hardsigmoid_onnx', {'gate': 'hardsigmoid', 'hardSigmoid': ONNX_HS})]
    for gname, gopt in gates:
        for bias in (True, False):
            case('sse', f'gate_{gname}_bias_{str(bias).lower()}',
                 {'channels': 20, 'bias': bias, **gopt}, d)
    case('sse', 'gate_hardsigmoid_onnx_c6',
         {'channels': 6, 'gate': 'hardsigmoid', 'hardSigmoid': ONNX_HS}, [1, 6, 7, 5])
    case('sse', 'layout_conv1x1', {'channels': 20}, d, layout='conv')
    case('sse', 'layout_conv1x1_nobias', {'channels': 6, 'bias': False}, [1, 6, 9, 11],
         layout='conv')
    for s in SHAPE_GRID:
        case('sse', shape_name(*s), {'channels': s[1]}, s)
    case('sse', 'large_c64', {'channels': 64}, [1, 64, 29, 37])


def scse_cases():
    d = None  # alternate [3,C,5,3] / [1,C,7,5]
    C = 20
    case('scse', 'default', {'channels': C}, [3, 20, 7, 5])
    case('scse', 'default_c6', {'channels': 6}, [1, 6, 7, 5])
    gates = [('sigmoid', {'gate': 'sigmoid'}),
             ('hardsigmoid', {'gate': 'hardsigmoid'}),
             ('hardsigmoid_onnx', {'gate': 'hardsigmoid', 'hardSigmoid': ONNX_HS})]
    for combine in ('add', 'max'):
        for gname, gopt in gates:
            case('scse', f'combine_{combine}_gate_{gname}',
                 {'channels': C, 'reduction': 4, 'combine': combine, **gopt}, d)
    case('scse', 'gate_hardsigmoid_torch_explicit',
         {'channels': C, 'reduction': 4, 'gate': 'hardsigmoid', 'hardSigmoid': TORCH_HS}, d)
    for act in ('relu', 'none', 'silu', 'hardswish'):
        for combine in ('add', 'max'):
            case('scse', f'act_{act}_combine_{combine}',
                 {'channels': C, 'reduction': 4, 'activation': act, 'combine': combine}, d)
    case('scse', 'act_hardswish_gate_hardsigmoid_onnx',
         {'channels': C, 'reduction': 4, 'activation': 'hardswish', 'gate': 'hardsigmoid',
          'hardSigmoid': ONNX_HS}, d)
    for pool in ('avg', 'max', 'avgmax'):
        for bias in (True, False):
            case('scse', f'pool_{pool}_bias_{str(bias).lower()}',
                 {'channels': C, 'reduction': 4, 'bias': bias, 'pool': pool}, d)
    case('scse', 'pool_max_combine_max_nobias',
         {'channels': C, 'reduction': 4, 'bias': False, 'pool': 'max', 'combine': 'max'}, d)
    for r in (3, 8, 32):
        case('scse', f'reduction_{r}', {'channels': C, 'reduction': r}, d)
    case('scse', 'reduced_channels_8', {'channels': C, 'reducedChannels': 8}, d)
    case('scse', 'reduced_channels_3_over_reduction',
         {'channels': C, 'reduction': 4, 'reducedChannels': 3, 'combine': 'max'}, d)
    case('scse', 'layout_conv1x1', {'channels': C, 'reduction': 4}, d, layout='conv')
    for s in SHAPE_GRID:
        case('scse', shape_name(*s), {'channels': s[1]}, s)
    case('scse', 'article_smp', {'channels': 20}, [3, 20, 9, 7])
    case('scse', 'article_smp_c64', {'channels': 64}, [1, 64, 11, 9])
    case('scse', 'article_roy', {'channels': 20, 'reduction': 2, 'bias': False,
                                 'activation': 'none'}, [3, 20, 7, 5], layout='conv')
    case('scse', 'article_roy_linear', {'channels': 6, 'reduction': 2, 'bias': False,
                                        'activation': 'none'}, [1, 6, 13, 9])
    case('scse', 'article_roy_large', {'channels': 64, 'reduction': 2, 'bias': False,
                                       'activation': 'none'}, [1, 64, 29, 37], layout='conv')


def cbam_cases():
    d = None  # alternate [3,C,5,3] / [1,C,7,5]
    C = 20
    # the official code's defaults (reduction 16, pools avg+max, kernel 7, max-mean, BN)
    case('cbam', 'default', {'channels': C}, [3, 20, 7, 5])
    case('cbam', 'default_c6', {'channels': 6}, [1, 6, 7, 5])
    case('cbam', 'article_official_c64', {'channels': 64}, [1, 64, 29, 37])
    case('cbam', 'article_survey',
         {'channels': C, 'reduction': 4, 'bias': False, 'spatialOrder': 'mean-max',
          'spatialNorm': False}, d)
    case('cbam', 'article_survey_c64',
         {'channels': 64, 'reduction': 4, 'bias': False, 'spatialOrder': 'mean-max',
          'spatialNorm': False}, [1, 64, 11, 9])
    # every non-empty subset of the pools (in the canonical order), bias on
    names = ('avg', 'max', 'lp', 'lse')
    for mask in range(1, 16):
        pools = [p for i, p in enumerate(names) if mask >> i & 1]
        case('cbam', 'pools_' + '_'.join(pools),
             {'channels': C, 'reduction': 4, 'pools': pools}, [1, 20, 7, 5])
    # pools x bias
    for pools in (['avg'], ['max'], ['lp'], ['lse'], ['avg', 'max'], list(names)):
        case('cbam', 'pools_' + '_'.join(pools) + '_bias_false',
             {'channels': C, 'reduction': 4, 'bias': False, 'pools': pools}, d)
    case('cbam', 'pools_lse_max_reordered',
         {'channels': C, 'reduction': 4, 'pools': ['lse', 'max']}, [3, 20, 5, 9])
    case('cbam', 'pools_lp_avg_3x3', {'channels': 6, 'reduction': 2, 'pools': ['lp', 'avg']},
         [3, 6, 3, 5])
    # spatialOrder x spatialNorm
    for order in ('max-mean', 'mean-max'):
        for norm in (True, False):
            case('cbam', f'order_{order.replace("-", "_")}_norm_{str(norm).lower()}',
                 {'channels': C, 'reduction': 4, 'spatialOrder': order, 'spatialNorm': norm}, d)
    for k in (1, 3, 5, 7):
        case('cbam', f'kernel_{k}', {'channels': C, 'reduction': 4, 'spatialKernel': k},
             [1, 20, 9, 11] if k % 4 == 1 else [3, 20, 11, 9])
    case('cbam', 'kernel_3_mean_max_nonorm',
         {'channels': C, 'reduction': 4, 'spatialKernel': 3, 'spatialOrder': 'mean-max',
          'spatialNorm': False}, d)
    case('cbam', 'kernel_7_image_3x5', {'channels': C, 'reduction': 4}, [3, 20, 3, 5])
    case('cbam', 'kernel_7_image_1x1', {'channels': C, 'reduction': 4}, [3, 20, 1, 1])
    case('cbam', 'kernel_9_image_1x13', {'channels': 6, 'reduction': 2, 'spatialKernel': 9},
         [1, 6, 1, 13])
    case('cbam', 'spatial_false', {'channels': C, 'reduction': 4, 'spatial': False}, d)
    case('cbam', 'spatial_false_nobias_pools_all',
         {'channels': C, 'reduction': 4, 'bias': False, 'pools': list(names),
          'spatial': False}, d)
    case('cbam', 'reduction_3', {'channels': C, 'reduction': 3}, d)
    case('cbam', 'reduced_channels_8', {'channels': C, 'reducedChannels': 8}, d)
    case('cbam', 'reduced_channels_3_over_reduction',
         {'channels': C, 'reduction': 4, 'reducedChannels': 3, 'spatialKernel': 3}, d)


def bam_cases():
    C = 20
    case('bam', 'default', {'channels': C}, [3, 20, 13, 11])
    case('bam', 'default_c6', {'channels': 6}, [1, 6, 11, 9])
    case('bam', 'article_official_c64', {'channels': 64}, [1, 64, 29, 37])
    for combine in ('mul', 'add'):
        for dil in (2, 4):
            for n in (1, 2):
                case('bam', f'combine_{combine}_dilation_{dil}_convs_{n}',
                     {'channels': C, 'reduction': 4, 'dilation': dil, 'dilatedConvs': n,
                      'combine': combine}, [3, 20, 9, 5] if n == 1 else [1, 20, 11, 9])
    case('bam', 'dilation_1', {'channels': C, 'reduction': 4, 'dilation': 1}, [1, 20, 9, 7])
    case('bam', 'dilated_convs_0', {'channels': C, 'reduction': 4, 'dilatedConvs': 0}, [3, 20, 7, 5])
    case('bam', 'dilated_convs_0_add_c6', {'channels': 6, 'reduction': 2, 'dilatedConvs': 0,
                                           'combine': 'add'}, [1, 6, 9, 7])
    case('bam', 'dilation_3_convs_3', {'channels': C, 'reduction': 4, 'dilation': 3,
                                       'dilatedConvs': 3}, [1, 20, 9, 7])
    case('bam', 'dilation_4_image_5x3', {'channels': C, 'reduction': 4}, [3, 20, 5, 3])
    case('bam', 'dilation_4_image_1x1_add', {'channels': C, 'reduction': 4, 'combine': 'add'},
         [3, 20, 1, 1])
    case('bam', 'reduction_3', {'channels': C, 'reduction': 3}, [1, 20, 9, 7])
    case('bam', 'reduced_channels_6', {'channels': C, 'reducedChannels': 6}, [3, 20, 7, 9])
    case('bam', 'reduced_channels_3_over_reduction_add',
         {'channels': C, 'reduction': 4, 'reducedChannels': 3, 'combine': 'add'}, [1, 20, 9, 7])
    case('bam', 'c6_reduction_2_add', {'channels': 6, 'reduction': 2, 'combine': 'add'},
         [3, 6, 7, 5])


def se_resblock_cases():
    B = 'se_resblock'
    case(B, 'default', {'channels': 20}, [3, 20, 7, 5])
    case(B, 'reduction_4', {'channels': 20, 'reduction': 4}, [1, 20, 9, 7])
    case(B, 'default_c6', {'channels': 6}, [1, 6, 7, 5])
    case(B, 'reduction_3_c10', {'channels': 10, 'reduction': 3}, [3, 10, 5, 7])
    case(B, 'reduced_channels_4_c10', {'channels': 10, 'reducedChannels': 4}, [1, 10, 1, 3])
    case(B, 'image_1x1_c10', {'channels': 10, 'reduction': 2}, [3, 10, 1, 1])
    # the article's ResBlockSqEx(64) with its SqEx(64, reduction=16); sampled y
    case(B, 'article_resblocksqex_c64', {'channels': 64}, [1, 64, 29, 37])


def cbam_basicblock_cases():
    B = 'cbam_basicblock'
    case(B, 'identity', {'channels': 20}, [3, 20, 7, 5])
    case(B, 'identity_c6', {'channels': 6}, [1, 6, 9, 7])
    case(B, 'identity_cbam_survey',
         {'channels': 10, 'cbam': {'reduction': 4, 'bias': False, 'spatialOrder': 'mean-max',
                                   'spatialNorm': False}}, [1, 10, 9, 7])
    case(B, 'identity_cbam_spatial_false',
         {'channels': 10, 'cbam': {'reduction': 4, 'spatial': False}}, [3, 10, 5, 7])
    case(B, 'identity_cbam_pools_lp_lse_k3',
         {'channels': 10, 'cbam': {'reduction': 4, 'pools': ['avg', 'lp', 'lse'],
                                   'spatialKernel': 3}}, [1, 10, 7, 5])
    case(B, 'identity_downsample_true', {'channels': 10, 'downsample': True,
                                         'cbam': {'reduction': 4}}, [1, 10, 7, 5])
    case(B, 'stride2_downsample', {'channels': 20, 'inChannels': 6, 'stride': 2},
         [3, 6, 9, 7])
    case(B, 'stride2_downsample_even_input',
         {'channels': 10, 'inChannels': 6, 'stride': 2, 'downsample': True,
          'cbam': {'reduction': 4}}, [1, 6, 10, 8])
    case(B, 'stride2_same_channels', {'channels': 10, 'stride': 2, 'cbam': {'reduction': 4}},
         [1, 10, 11, 9])
    case(B, 'stride3_downsample', {'channels': 6, 'inChannels': 10, 'stride': 3,
                                   'cbam': {'reduction': 2}}, [1, 10, 11, 13])
    case(B, 'stride1_inchannels', {'channels': 10, 'inChannels': 6}, [3, 6, 7, 5])
    case(B, 'stride1_inchannels_cbam_r4', {'channels': 6, 'inChannels': 10,
                                           'cbam': {'reduction': 4}}, [1, 10, 5, 9])
    case(B, 'stride2_image_1x1', {'channels': 10, 'inChannels': 6, 'stride': 2,
                                  'cbam': {'reduction': 4}}, [3, 6, 1, 1])
    # a ResNet-like stage transition, sampled y ([1,36,41,45] out)
    case(B, 'stride2_c20_to_c36_large', {'channels': 36, 'inChannels': 20, 'stride': 2},
         [1, 20, 81, 89])


se_cases()
cse_cases()
sse_cases()
scse_cases()
cbam_cases()
bam_cases()
se_resblock_cases()
cbam_basicblock_cases()

# ---- The survey's blocks (SPEC §3) ----
# ECA, coordinate attention, SK, split attention, GSoP, MS-CAM / AFF / iAFF, shuffle attention.
# `default` / `official_*`: the official constructor's defaults; `timm_*`: the options that load
# the timm module's weights (SPEC §3's presets, widths from timm_make_divisible).

BLOCKS.update({
    'coord_attention': M.CoordAttention, 'sk': M.SK, 'split_attention': M.SplitAttention,
    'gsop': M.GSoP, 'mscam': M.MSCAM, 'aff': M.AFF, 'iaff': M.IAFF,
    'shuffle_attention': M.ShuffleAttention,
})
TWO_INPUT_BLOCKS = ('aff', 'iaff')   # forward(x, residual); residual seeded 'residual:<block>/<case>'


def timm_make_divisible(v, divisor=8, min_value=None, round_limit=0.9):
    """timm/layers/helpers.py make_divisible, as SPEC §3 writes it."""
    min_value = min_value or divisor
    n = max(min_value, int(v + divisor / 2) // divisor * divisor)
    return n + divisor if n < round_limit * v else n


def eca_cases():
    # kept as they were (tests/eca-recipe.test.ts runs every zero-padded sigmoid case)
    case('eca', 'k3', {'channels': 20, 'kernelSize': 3}, [3, 20, 7, 5])
    case('eca', 'k5', {'channels': 20, 'kernelSize': 5}, [3, 20, 7, 5])
    case('eca', 'k5_n1', {'channels': 20, 'kernelSize': 5}, [1, 20, 9, 11])
    case('eca', 'k7_c6', {'channels': 6, 'kernelSize': 7}, [3, 6, 7, 5])
    case('eca', 'k3_image_1x1', {'channels': 20, 'kernelSize': 3}, [3, 20, 1, 1])
    A = 'adaptive'
    case('eca', 'adaptive_c20', {'channels': 20, 'kernelSize': A}, [3, 20, 7, 5])       # k = 3
    case('eca', 'adaptive_c256', {'channels': 256, 'kernelSize': A}, [1, 256, 5, 3])    # k = 5
    case('eca', 'k5_c64_large', {'channels': 64, 'kernelSize': 5}, [1, 64, 29, 37])
    # the official eca_layer(channel, k_size=3)
    case('eca', 'default', {'channels': 20}, [1, 20, 7, 5])
    case('eca', 'default_c6', {'channels': 6}, [3, 6, 5, 3])
    case('eca', 'k1', {'channels': 20, 'kernelSize': 1}, [3, 20, 5, 3])   # ECA-MobileNetV2, C < 96
    case('eca', 'k1_c6', {'channels': 6, 'kernelSize': 1}, [1, 6, 7, 5])
    case('eca', 'k9', {'channels': 20, 'kernelSize': 9}, [1, 20, 7, 5])
    case('eca', 'k15_c6', {'channels': 6, 'kernelSize': 15}, [3, 6, 5, 3])  # p = 7 > C
    case('eca', 'k3_h1', {'channels': 20, 'kernelSize': 3}, [3, 20, 1, 9])
    case('eca', 'k5_w1', {'channels': 20, 'kernelSize': 5}, [1, 20, 7, 1])
    # the adaptive rule: t = int(|log2 C + beta| / gamma), odd, >= 3
    case('eca', 'adaptive_c6', {'channels': 6, 'kernelSize': A}, [1, 6, 7, 5])          # t 1 -> 3
    case('eca', 'adaptive_c127', {'channels': 127, 'kernelSize': A}, [3, 127, 1, 3])    # t 3 -> 3
    case('eca', 'adaptive_c128', {'channels': 128, 'kernelSize': A}, [1, 128, 5, 3])    # t 4 -> 5
    case('eca', 'adaptive_gamma1_c20', {'channels': 20, 'kernelSize': A, 'gamma': 1},
         [3, 20, 5, 3])                                                                 # t 5 -> 5
    case('eca', 'adaptive_gamma1_beta0_c64', {'channels': 64, 'kernelSize': A, 'gamma': 1,
                                              'beta': 0}, [1, 64, 7, 5])                # t 6 -> 7
    case('eca', 'adaptive_gamma1_beta_minus10_c20', {'channels': 20, 'kernelSize': A,
                                                     'gamma': 1, 'beta': -10}, [3, 20, 5, 3])
    case('eca', 'adaptive_gamma1p5_beta2_c20', {'channels': 20, 'kernelSize': A, 'gamma': 1.5,
                                                'beta': 2}, [1, 20, 7, 5])               # t 4 -> 5
    # timm's CecaModule: channel index mod C
    circ = {'padding': 'circular'}
    case('eca', 'padding_circular_k3', {'channels': 20, 'kernelSize': 3, **circ}, [3, 20, 5, 3])
    case('eca', 'padding_circular_k5_c6', {'channels': 6, 'kernelSize': 5, **circ}, [1, 6, 7, 5])
    case('eca', 'padding_circular_k13_c6', {'channels': 6, 'kernelSize': 13, **circ},
         [3, 6, 5, 3])                                                                  # p = C
    case('eca', 'padding_circular_k1', {'channels': 20, 'kernelSize': 1, **circ}, [1, 20, 7, 5])
    case('eca', 'padding_circular_k7_h1', {'channels': 20, 'kernelSize': 7, **circ}, [1, 20, 1, 7])
    case('eca', 'padding_zeros_explicit_k5', {'channels': 20, 'kernelSize': 5, 'padding': 'zeros'},
         [3, 20, 5, 3])
    hs = {'gate': 'hardsigmoid'}
    case('eca', 'gate_hardsigmoid', {'channels': 20, **hs}, [3, 20, 5, 3])
    case('eca', 'gate_hardsigmoid_onnx_k5', {'channels': 20, 'kernelSize': 5, **hs,
                                             'hardSigmoid': ONNX_HS}, [1, 20, 7, 5])
    case('eca', 'gate_hardsigmoid_circular_k5_c6', {'channels': 6, 'kernelSize': 5, **hs, **circ},
         [3, 6, 5, 3])
    case('eca', 'gate_hardsigmoid_k1_w1', {'channels': 20, 'kernelSize': 1, **hs}, [1, 20, 9, 1])
    case('eca', 'gate_sigmoid_explicit', {'channels': 20, 'gate': 'sigmoid'}, [3, 20, 5, 3])
    # timm: EcaModule(C) / CecaModule(C) compute the adaptive k
    case('eca', 'timm_ecamodule_c64', {'channels': 64, 'kernelSize': A}, [1, 64, 5, 3])
    case('eca', 'timm_cecamodule_c20', {'channels': 20, 'kernelSize': A, **circ}, [3, 20, 5, 3])
    case('eca', 'timm_cecamodule_c256', {'channels': 256, 'kernelSize': A, **circ}, [1, 256, 3, 5])
    # ECA-ResNet-50's last stage (k3557: k = 7 at C = 2048)
    case('eca', 'official_resnet50_stage4_k7_c2048', {'channels': 2048, 'kernelSize': 7},
         [1, 2048, 1, 1])


def timm_coordattn(c):
    """timm CoordAttn(C): no conv biases, mip = make_divisible(C/16 * 2/3, 8, round_limit=0)."""
    return {'channels': c, 'bias': False,
            'reducedChannels': timm_make_divisible(c / 16 * 2 / 3, 8, round_limit=0)}


def coord_attention_cases():
    B, d = 'coord_attention', None
    case(B, 'default', {'channels': 20}, [3, 20, 7, 5])        # mip = max(8, 20 // 32) = 8
    case(B, 'default_c6', {'channels': 6}, [1, 6, 7, 5])       # mip 8 > C
    case(B, 'official_c64', {'channels': 64}, [1, 64, 5, 3])
    case(B, 'reduction_2', {'channels': 20, 'reduction': 2}, d)                   # mip 10
    case(B, 'reduction_4_c36', {'channels': 36, 'reduction': 4}, [3, 36, 3, 5])   # mip 9
    case(B, 'reduced_channels_3', {'channels': 20, 'reducedChannels': 3}, d)      # below 8
    case(B, 'reduced_channels_12', {'channels': 20, 'reduction': 4, 'reducedChannels': 12}, d)
    case(B, 'reduced_channels_1_c6', {'channels': 6, 'reducedChannels': 1}, [3, 6, 5, 3])
    case(B, 'bias_false', {'channels': 20, 'bias': False}, d)
    case(B, 'bias_false_c6', {'channels': 6, 'bias': False}, [1, 6, 7, 5])
    case(B, 'gate_hardsigmoid', {'channels': 20, 'gate': 'hardsigmoid'}, d)
    case(B, 'gate_hardsigmoid_onnx', {'channels': 20, 'gate': 'hardsigmoid',
                                      'hardSigmoid': ONNX_HS}, d)
    case(B, 'gate_hardsigmoid_bias_false', {'channels': 20, 'gate': 'hardsigmoid', 'bias': False}, d)
    case(B, 'gate_sigmoid_explicit', {'channels': 20, 'gate': 'sigmoid'}, d)
    case(B, 'h1', {'channels': 20}, [3, 20, 1, 9])
    case(B, 'w1', {'channels': 20}, [1, 20, 7, 1])
    case(B, 'image_1x1', {'channels': 20}, [3, 20, 1, 1])
    case(B, 'large_29x37', {'channels': 20}, [1, 20, 29, 37])   # sampled y
    case(B, 'timm_coordattn_c20', timm_coordattn(20), [3, 20, 7, 5])       # mip 8
    case(B, 'timm_coordattn_hardsigmoid_c20', {**timm_coordattn(20), 'gate': 'hardsigmoid'},
         [1, 20, 5, 7])


def timm_selective_kernel(cin, cout=None, rd_ratio=1 / 16, rd_divisor=8, **options):
    """timm SelectiveKernel(in, out, rd_ratio, rd_divisor): splitInput, groups 1, attention width
    make_divisible(out * rd_ratio, rd_divisor); the default keep_3x3 gives SK's 3x3 dilations."""
    out = cin if cout is None else cout
    o = {'inChannels': cin, 'splitInput': True, 'groups': 1,
         'reducedChannels': timm_make_divisible(out * rd_ratio, rd_divisor)}
    if cout is not None:
        o['channels'] = cout
    return {**o, **options}


def sk_cases():
    B, d = 'sk', None
    # Cin = 12 -> C = 10 with 2 groups: every path count divides Cin with and without the split
    # (L = 8 keeps fc1 / fc2 small; the default L = 32 is in the C = 18 cases)
    for paths in (1, 2, 3):
        for groups in (1, 2):
            for split in (False, True):
                case(B, f'paths{paths}_groups{groups}_split_{str(split).lower()}',
                     {'inChannels': 12, 'channels': 10, 'paths': paths, 'groups': groups,
                      'splitInput': split, 'minReducedChannels': 8}, d)
    g3 = {'inChannels': 18, 'groups': 3}     # C = Cin = 18, L = 32
    g3s = {**g3, 'minReducedChannels': 8}
    g2 = {'inChannels': 12, 'channels': 10, 'groups': 2, 'minReducedChannels': 8}
    case(B, 'stride2', {**g3, 'stride': 2}, [3, 18, 9, 7])
    case(B, 'stride2_split_paths3', {**g3s, 'stride': 2, 'paths': 3, 'splitInput': True},
         [1, 18, 7, 5])
    case(B, 'stride2_channels_30', {**g3s, 'channels': 30, 'stride': 2}, [1, 18, 9, 11])
    case(B, 'stride2_h1', {**g3s, 'stride': 2}, [3, 18, 1, 7])
    case(B, 'stride2_w1_even_h', {**g2, 'stride': 2, 'splitInput': True}, [1, 12, 8, 1])
    case(B, 'channels_same_c18', g3, d)
    case(B, 'channels_6_split_paths3', {**g3s, 'channels': 6, 'paths': 3, 'splitInput': True}, d)
    case(B, 'kernel_sizes_3_5_dilations_1_1', {**g2, 'kernelSizes': [3, 5], 'dilations': [1, 1]}, d)
    case(B, 'kernel_sizes_5_3_1_dilations_1_2_1',
         {**g2, 'paths': 3, 'kernelSizes': [5, 3, 1], 'dilations': [1, 2, 1]}, d)
    case(B, 'kernel_sizes_1_3_split', {**g2, 'kernelSizes': [1, 3], 'dilations': [1, 1],
                                       'splitInput': True}, d)
    case(B, 'dilations_2_3', {**g2, 'dilations': [2, 3]}, d)
    case(B, 'reduction_2_min_reduced_4', {**g3, 'reduction': 2, 'minReducedChannels': 4}, d)  # 9
    case(B, 'min_reduced_channels_12', {**g2, 'minReducedChannels': 12}, d)       # max(0, 12)
    case(B, 'reduction_4_min_reduced_1', {**g3, 'reduction': 4, 'minReducedChannels': 1}, d)  # 4
    case(B, 'reduced_channels_5', {**g2, 'reducedChannels': 5}, d)
    case(B, 'h1', {**g2, 'splitInput': True}, [1, 12, 1, 9])
    case(B, 'w1', g3s, [3, 18, 7, 1])
    # the port's SKConv(32, 32): groups 32, dilations 1 and 2, d = max(32 // 16, 32)
    case(B, 'default', {'inChannels': 32}, [1, 32, 7, 5])
    case(B, 'official_stride2_c32', {'inChannels': 32, 'stride': 2}, [3, 32, 5, 3])
    case(B, 'timm_selectivekernel_c12', timm_selective_kernel(12), [3, 12, 7, 5])
    case(B, 'timm_selectivekernel_keep3x3_false_c12',
         timm_selective_kernel(12, kernelSizes=[3, 5], dilations=[1, 1]), [1, 12, 7, 5])
    case(B, 'timm_selectivekernel_stride2_c12_to_c20', timm_selective_kernel(12, 20, stride=2),
         [3, 12, 9, 7])
    case(B, 'timm_selectivekernel_3paths_c18', timm_selective_kernel(18, paths=3), [1, 18, 7, 5])
    case(B, 'timm_skresnet18_c12', timm_selective_kernel(12, rd_ratio=1 / 8, rd_divisor=16),
         [3, 12, 5, 3])
    case(B, 'timm_skresnext_c32', {'inChannels': 32, 'groups': 32, 'splitInput': False,
                                   'reducedChannels': timm_make_divisible(32 / 16, 32)},
         [1, 32, 5, 3])


def split_attention_cases():
    B, d = 'split_attention', None
    # Cin = 8 takes every groups * radix; C = 6
    for radix in (1, 2, 4):
        for groups in (1, 2):
            for stride in (1, 2):
                case(B, f'radix{radix}_groups{groups}_stride{stride}',
                     {'inChannels': 8, 'channels': 6, 'radix': radix, 'groups': groups,
                      'stride': stride}, d)
    # ResNeSt's Bottleneck.conv2 call: k 3, padding = dilation, no conv bias, BN
    case(B, 'default', {'inChannels': 10}, [3, 10, 7, 5])
    case(B, 'default_c6', {'inChannels': 6}, [1, 6, 7, 5])
    # SplAtConv2d's own defaults
    case(B, 'official_constructor_defaults', {'inChannels': 10, 'bias': True, 'norm': False,
                                              'padding': 0}, d)
    case(B, 'bias_true', {'inChannels': 10, 'bias': True}, d)
    case(B, 'norm_false', {'inChannels': 10, 'norm': False}, d)
    case(B, 'bias_true_norm_false_radix1', {'inChannels': 10, 'bias': True, 'norm': False,
                                            'radix': 1}, d)
    case(B, 'kernel_size_1', {'inChannels': 10, 'kernelSize': 1}, d)
    case(B, 'kernel_size_1_stride2_radix1', {'inChannels': 10, 'kernelSize': 1, 'stride': 2,
                                             'radix': 1}, [3, 10, 7, 5])
    case(B, 'kernel_size_5', {'inChannels': 10, 'kernelSize': 5}, d)
    case(B, 'dilation_2', {'inChannels': 10, 'dilation': 2}, d)             # padding 2
    case(B, 'dilation_2_padding_1', {'inChannels': 10, 'dilation': 2, 'padding': 1}, [1, 10, 9, 7])
    case(B, 'padding_0', {'inChannels': 10, 'padding': 0}, d)
    case(B, 'padding_2', {'inChannels': 10, 'padding': 2}, d)
    case(B, 'padding_0_stride2_even', {'inChannels': 10, 'padding': 0, 'stride': 2}, [3, 10, 8, 10])
    case(B, 'channels_6', {'inChannels': 10, 'channels': 6}, d)
    case(B, 'channels_20_groups_5_radix1', {'inChannels': 10, 'channels': 20, 'groups': 5,
                                     'radix': 1, 'reducedChannels': 10}, d)
    case(B, 'reduced_channels_8', {'inChannels': 10, 'reducedChannels': 8}, d)
    case(B, 'reduced_channels_6_groups_2', {'inChannels': 8, 'channels': 6, 'groups': 2,
                                            'reducedChannels': 6}, d)
    case(B, 'reduction_factor_1_radix4_c12', {'inChannels': 12, 'radix': 4, 'reductionFactor': 1},
         d)                                                                          # I 48
    case(B, 'h1', {'inChannels': 10}, [3, 10, 1, 9])
    case(B, 'w1_stride2', {'inChannels': 10, 'stride': 2}, [1, 10, 7, 1])
    case(B, 'image_1x1', {'inChannels': 8, 'groups': 2, 'channels': 6}, [3, 8, 1, 1])
    # timm: SplitAttn's width make_divisible(Cin * R / 4, 8, min 32); ResNeSt passes BN, bias off
    # (at Cin = 36, radix 4 the widths part: timm 40, the official 36; not stored, 80 KB)
    case(B, 'timm_resnest_splitattn_c12', {'inChannels': 12, 'reducedChannels':
                                           timm_make_divisible(12 * 2 / 4, 8, min_value=32)},
         [1, 12, 5, 3])
    # timm's bare SplitAttn(Cin): no norm, padding k // 2
    case(B, 'timm_splitattn_bare_c10', {'inChannels': 10, 'norm': False, 'padding': 1,
                                        'reducedChannels': timm_make_divisible(5, 8, 32)},
         [3, 10, 5, 3])


def gsop_cases():
    B, d = 'gsop', None
    case(B, 'default', {'channels': 6}, [1, 6, 7, 5])                # attDim 128 > M
    case(B, 'att_dim_8', {'channels': 20, 'attDim': 8}, [3, 20, 5, 3])
    case(B, 'att_dim_12', {'channels': 20, 'attDim': 12}, [1, 20, 7, 5])
    case(B, 'att_dim_1', {'channels': 20, 'attDim': 1}, d)
    case(B, 'att_dim_8_c6', {'channels': 6, 'attDim': 8}, [3, 6, 5, 3])
    case(B, 'att_dim_24_over_positions', {'channels': 20, 'attDim': 24}, [3, 20, 5, 3])  # d > M
    case(B, 'stride2_att_dim_8', {'channels': 20, 'attDim': 8, 'stride': 2}, [3, 20, 7, 5])
    case(B, 'stride2_att_dim_12_9x11', {'channels': 20, 'attDim': 12, 'stride': 2}, [1, 20, 9, 11])
    case(B, 'stride2_h1', {'channels': 20, 'attDim': 8, 'stride': 2}, [3, 20, 1, 9])
    case(B, 'stride2_image_1x1', {'channels': 20, 'attDim': 8, 'stride': 2}, [1, 20, 1, 1])
    case(B, 'stride1_explicit_att_dim_8', {'channels': 20, 'attDim': 8, 'stride': 1}, d)
    case(B, 'h1', {'channels': 20, 'attDim': 8}, [1, 20, 1, 7])
    case(B, 'w1', {'channels': 20, 'attDim': 8}, [3, 20, 9, 1])
    case(B, 'image_1x1', {'channels': 20, 'attDim': 8}, [3, 20, 1, 1])   # Sigma = 0
    case(B, 'large_att_dim_12_29x37', {'channels': 20, 'attDim': 12}, [1, 20, 29, 37])  # sampled


def fusion_cases(block):
    """MS-CAM, AFF and iAFF share options (I = C // reduction, reducedChannels overrides)."""
    d = None
    case(block, 'default', {'channels': 20}, [3, 20, 7, 5])         # I 5
    case(block, 'default_c6', {'channels': 6}, [1, 6, 7, 5])        # I = 6 // 4 = 1
    case(block, 'reduction_1_c10', {'channels': 10, 'reduction': 1}, d)
    for r in (2, 3):                                                # 20 % 3 != 0
        case(block, f'reduction_{r}', {'channels': 20, 'reduction': r}, d)
    case(block, 'reduction_2_c6', {'channels': 6, 'reduction': 2}, d)
    case(block, 'reduced_channels_3', {'channels': 20, 'reducedChannels': 3}, d)
    case(block, 'h1', {'channels': 20}, [3, 20, 1, 9])
    case(block, 'w1', {'channels': 20}, [1, 20, 7, 1])
    case(block, 'image_1x1', {'channels': 20}, [3, 20, 1, 1])
    case(block, 'large_29x37', {'channels': 20}, [1, 20, 29, 37])   # sampled y
    case(block, 'official_c64', {'channels': 64}, [1, 64, 3, 1])    # fusion.py's channels=64, r=4


def iaff_cases():
    fusion_cases('iaff')
    # the PyTorch fusion.py forward reuses global_att in the second stage
    G = {'secondGlobal': 'global_att'}
    case('iaff', 'reduction_1_c10_second_global_att', {'channels': 10, 'reduction': 1, **G})
    for r in (2, 4):
        case('iaff', f'reduction_{r}_second_global_att', {'channels': 20, 'reduction': r, **G})
    case('iaff', 'default_c6_second_global_att', {'channels': 6, **G}, [3, 6, 5, 3])
    case('iaff', 'second_global_att2_explicit', {'channels': 20, 'secondGlobal': 'global_att2'})
    case('iaff', 'h1_second_global_att', {'channels': 20, **G}, [1, 20, 1, 7])
    case('iaff', 'official_pytorch_c64', {'channels': 64, **G}, [3, 64, 1, 3])


def shuffle_attention_cases():
    B = 'shuffle_attention'
    # C = 2 * groups * P
    for groups, c in ((1, 2), (1, 6), (1, 10), (2, 8), (2, 12), (2, 20), (3, 6), (3, 18), (3, 30)):
        case(B, f'groups_{groups}_c{c}', {'channels': c, 'groups': groups})
    case(B, 'groups_2_c20_image_1x1', {'channels': 20, 'groups': 2}, [3, 20, 1, 1])  # gn -> bias
    case(B, 'groups_3_c18_h1', {'channels': 18, 'groups': 3}, [1, 18, 1, 9])
    case(B, 'groups_2_c20_w1', {'channels': 20, 'groups': 2}, [3, 20, 7, 1])
    case(B, 'groups_3_c18_large_29x37', {'channels': 18, 'groups': 3}, [1, 18, 29, 37])  # sampled
    case(B, 'default', {'channels': 128}, [1, 128, 7, 5])                      # groups 64, P 1
    case(B, 'official_c256', {'channels': 256}, [1, 256, 3, 1])                # SA-Net layer1, P 2


eca_cases()
coord_attention_cases()
sk_cases()
split_attention_cases()
gsop_cases()
for b in ('mscam', 'aff'):
    fusion_cases(b)
iaff_cases()
shuffle_attention_cases()

# ---- The peers' blocks (SPEC §3): SimAM, GC, GE, triplet attention, eSE ----
BLOCKS.update({
    'simam': M.SimAM, 'global_context': M.GlobalContext, 'gather_excite': M.GatherExcite,
    'triplet_attention': M.TripletAttention, 'effective_se': M.EffectiveSE,
})
LARGE = [1, 20, 29, 37]   # 21460 output elements: stored sampled


def simam_cases():
    B = 'simam'
    case(B, 'default', {'channels': 20}, [3, 20, 7, 5])
    case(B, 'default_c6', {'channels': 6}, [1, 6, 9, 7])
    case(B, 'no_channels_option', {}, [3, 6, 5, 3])
    case(B, 'e_lambda_0_1', {'channels': 20, 'eLambda': 0.1}, [1, 20, 7, 5])
    case(B, 'e_lambda_0', {'channels': 20, 'eLambda': 0}, [3, 20, 5, 3])
    # H*W = 1: the variance divides 0 by H*W - 1 = 0, NaN everywhere (as PyTorch)
    case(B, 'image_1x1_nan', {'channels': 20}, [3, 20, 1, 1], nan_ok=True)
    case(B, 'image_1x1_c1_nan', {'channels': 1, 'eLambda': 0.1}, [1, 1, 1, 1], nan_ok=True)
    case(B, 'image_1x2', {'channels': 6}, [1, 6, 1, 2])    # H*W - 1 = 1
    case(B, 'row_1x9', {'channels': 20}, [3, 20, 1, 9])
    case(B, 'col_11x1', {'channels': 6}, [1, 6, 11, 1])
    case(B, 'c1', {'channels': 1}, [1, 1, 7, 5])
    case(B, 'c1_n3', {'channels': 1, 'eLambda': 0.1}, [3, 1, 5, 3])
    case(B, 'large', {'channels': 20}, LARGE)


def global_context_cases():
    B = 'global_context'
    both = ['channel_add', 'channel_mul']
    # P = 1: LayerNorm of one value is its bias exactly, but PyTorch's float32 LayerNorm leaves
    # a residue ~|z| * 2^-24 / sqrt(eps) (3x the tolerance for z of order 1); a 1e-2 smaller
    # conv .0 keeps that residue at 1% of the tolerance and changes nothing else at P = 1
    def p1(fusions):
        return {f'{f}_conv.0.': 1e-2 for f in fusions}
    # the official defaults (att, add only, LayerNorm eps 1e-5); C 34 * 1/16 -> P = 2
    case(B, 'default', {'channels': 34}, [3, 34, 7, 5])
    # the official configs: ratio 1/4 and 1/16 (mask_rcnn_r{4,16}_gcb_c3-c5)
    case(B, 'official_r4', {'channels': 20, 'ratio': 0.25}, [1, 20, 7, 5])           # P = 5
    case(B, 'official_r4_c6', {'channels': 6, 'ratio': 0.25}, [3, 6, 9, 7],          # P = 1
         scale=p1(['channel_add']))
    case(B, 'default_c20_p1', {'channels': 20}, [1, 20, 7, 5], scale=p1(['channel_add']))
    case(B, 'official_r16_c64', {'channels': 64, 'ratio': 1 / 16}, [1, 64, 7, 5])    # P = 4
    # poolingType x fusionTypes, every order (mul is applied before add whatever the order)
    fusions = [('add', ['channel_add']), ('mul', ['channel_mul']), ('add_mul', both),
               ('mul_add', ['channel_mul', 'channel_add'])]
    for i, pool in enumerate(('att', 'avg')):
        for j, (fname, ftypes) in enumerate(fusions):
            dims = [3, 20, 5, 3] if (i + j) % 2 == 0 else [1, 20, 7, 5]
            case(B, f'pool_{pool}_fusion_{fname}',
                 {'channels': 20, 'ratio': 0.25, 'poolingType': pool, 'fusionTypes': ftypes}, dims)
    case(B, 'ratio_0_125', {'channels': 20, 'ratio': 0.125, 'fusionTypes': both},
         [3, 20, 7, 5])                                                                # P = 2
    case(B, 'ratio_third', {'channels': 20, 'ratio': 1 / 3, 'fusionTypes': both},
         [1, 20, 9, 7])                                                                # P = 6
    case(B, 'reduced_channels_3', {'channels': 20, 'reducedChannels': 3,
                                   'fusionTypes': both}, [1, 20, 7, 5])
    case(B, 'reduced_channels_7_over_ratio',
         {'channels': 20, 'ratio': 0.25, 'reducedChannels': 7, 'poolingType': 'avg'},
         [3, 20, 5, 3])
    case(B, 'reduced_channels_1_mul_add',
         {'channels': 20, 'reducedChannels': 1, 'fusionTypes': ['channel_mul', 'channel_add']},
         [1, 20, 7, 5], scale=p1(both))
    # a narrow LayerNorm input (conv .0 scaled by 1e-3: variance ~1e-6) so the eps shows
    narrow = {'channel_add_conv.0.': 1e-3, 'channel_mul_conv.0.': 1e-3}
    case(B, 'ln_eps_1e6_narrow', {'channels': 20, 'ratio': 0.25, 'fusionTypes': both,
                                  'layerNormEps': 1e-6}, [3, 20, 5, 3], scale=narrow)
    case(B, 'ln_eps_default_narrow', {'channels': 20, 'ratio': 0.25, 'fusionTypes': both},
         [3, 20, 5, 3], scale=narrow)
    case(B, 'ln_eps_1e6', {'channels': 6, 'ratio': 0.5, 'layerNormEps': 1e-6}, [1, 6, 9, 7])
    # timm GlobalContext(C): scale only, P = max(1, floor(C/8 + 0.5)), eps 1e-6, LN as [P]
    case(B, 'timm_global_context', {'channels': 20, 'fusionTypes': ['channel_mul'],
                                    'reducedChannels': 3, 'layerNormEps': 1e-6},
         [3, 20, 7, 5], layout='ln_1d')
    case(B, 'timm_global_context_c6', {'channels': 6, 'fusionTypes': ['channel_mul'],
                                       'reducedChannels': 1, 'layerNormEps': 1e-6},
         [1, 6, 9, 7], layout='ln_1d', scale=p1(['channel_mul']))
    # timm GlobalContext(C, use_attn=False, fuse_add=True)
    case(B, 'timm_global_context_avg_add', {'channels': 20, 'poolingType': 'avg',
                                            'fusionTypes': both, 'reducedChannels': 3,
                                            'layerNormEps': 1e-6}, [1, 20, 7, 5], layout='ln_1d')
    case(B, 'layout_fc_2d', {'channels': 20, 'ratio': 0.25, 'fusionTypes': both},
         [1, 20, 7, 5], layout='fc_2d')
    case(B, 'image_1x1', {'channels': 20, 'ratio': 0.25, 'fusionTypes': both}, [3, 20, 1, 1])
    case(B, 'row_1x9', {'channels': 20, 'ratio': 0.25, 'fusionTypes': both}, [1, 20, 1, 9])
    case(B, 'col_11x1_avg', {'channels': 20, 'ratio': 0.25, 'poolingType': 'avg',
                             'fusionTypes': both}, [3, 20, 11, 1])
    case(B, 'large', {'channels': 20, 'ratio': 0.25, 'fusionTypes': both}, LARGE)


def gather_excite_cases():
    B = 'gather_excite'
    case(B, 'default', {'channels': 20}, [1, 20, 9, 7])   # extent 0, no params, MLP, R = 1
    # extent x extraParams x useMlp; extent 0 with params: featSize = H x W (timm's "global")
    dims_of = {0: [3, 20, 7, 5], 2: [1, 20, 9, 7], 4: [1, 20, 13, 9], 6: [3, 20, 13, 11],
               8: [1, 20, 19, 13]}
    for e in (0, 2, 4, 6, 8):
        for params in (False, True):
            for mlp in (True, False):
                dims = dims_of[e]
                opts = {'channels': 20, 'extent': e, 'extraParams': params, 'useMlp': mlp}
                if mlp:
                    opts['rdRatio'] = 0.25     # R = 5 (the default 1/16 gives R = 1)
                if params and e == 0:
                    opts['featSize'] = dims[2:]
                case(B, f'extent{e}_{"params" if params else "noparams"}_'
                        f'{"mlp" if mlp else "nomlp"}', opts, dims)
    case(B, 'add_maxpool_extent0', {'channels': 20, 'addMaxpool': True}, [3, 20, 7, 5])
    case(B, 'add_maxpool_extent2', {'channels': 20, 'extent': 2, 'addMaxpool': True},
         [1, 20, 9, 7])
    case(B, 'add_maxpool_extent4_13x9', {'channels': 20, 'extent': 4, 'addMaxpool': True},
         [1, 20, 13, 9])
    case(B, 'add_maxpool_extent4_nomlp', {'channels': 6, 'extent': 4, 'addMaxpool': True,
                                          'useMlp': False}, [3, 6, 13, 9])
    # featSize with extent 0: a same-padded depthwise conv; an even kernel gives one row / column
    # less, resized back to H x W
    case(B, 'feat_size_4x3', {'channels': 20, 'extraParams': True, 'featSize': [4, 3]},
         [1, 20, 7, 5])
    case(B, 'feat_size_6x4', {'channels': 20, 'extraParams': True, 'featSize': [6, 4]},
         [3, 20, 7, 5])
    case(B, 'feat_size_3x5_nomlp', {'channels': 20, 'extraParams': True, 'featSize': [3, 5],
                                    'useMlp': False}, [1, 20, 9, 7])
    # R = max(1, floor(C * rdRatio + 0.5)): C 24 -> 2 (floor would give 1), C 6 -> 1
    case(B, 'rd_ratio_0_25', {'channels': 20, 'rdRatio': 0.25, 'extent': 2}, [3, 20, 7, 5])
    case(B, 'rd_round_c24', {'channels': 24, 'extent': 2}, [1, 24, 7, 5])
    case(B, 'rd_round_c6', {'channels': 6, 'extent': 2, 'extraParams': True}, [3, 6, 9, 7])
    case(B, 'reduced_channels_7', {'channels': 20, 'reducedChannels': 7, 'extent': 4},
         [1, 20, 13, 9])
    case(B, 'reduced_channels_3_over_rd_ratio',
         {'channels': 20, 'rdRatio': 0.25, 'reducedChannels': 3}, [3, 20, 5, 3])
    # 50 -> 198 rows: PyTorch's float32 source index of output row 99 is 24, the exact
    # floor(99 * 50 / 198) is 25 (R = 3: with R = 1 the ReLU can make rows 24 and 25 equal)
    case(B, 'float32_index_rows_198', {'channels': 6, 'extent': 4, 'rdRatio': 0.5},
         [1, 6, 198, 3])
    case(B, 'float32_index_cols_198', {'channels': 6, 'extent': 4, 'rdRatio': 0.5},
         [1, 6, 3, 198])
    case(B, 'float32_index_rows_198_params', {'channels': 6, 'extent': 4, 'extraParams': True},
         [1, 6, 198, 3])
    case(B, 'layout_fc_2d', {'channels': 20, 'extent': 2}, [1, 20, 9, 7], layout='fc_2d')
    case(B, 'extent2_row_1x9', {'channels': 20, 'extent': 2}, [3, 20, 1, 9])
    case(B, 'extent4_params_col_11x1', {'channels': 20, 'extent': 4, 'extraParams': True},
         [1, 20, 11, 1])
    case(B, 'extent2_image_1x1', {'channels': 6, 'extent': 2}, [3, 6, 1, 1])
    case(B, 'extent2_params_image_1x1', {'channels': 6, 'extent': 2, 'extraParams': True},
         [1, 6, 1, 1])
    case(B, 'extent8_params_large', {'channels': 20, 'extent': 8, 'extraParams': True},
         [1, 20, 41, 37])


def triplet_attention_cases():
    B = 'triplet_attention'
    case(B, 'default', {'channels': 20}, [3, 20, 7, 5])
    case(B, 'default_c6', {'channels': 6}, [1, 6, 9, 7])
    case(B, 'no_spatial', {'channels': 20, 'noSpatial': True}, [1, 20, 7, 5])
    case(B, 'no_spatial_c5', {'channels': 5, 'noSpatial': True}, [3, 5, 9, 7])
    # C below and around the 7x7 kernel: the conv runs along C with zero padding
    case(B, 'c1', {'channels': 1}, [1, 1, 7, 5])
    case(B, 'c3', {'channels': 3}, [3, 3, 7, 5])
    case(B, 'c7_no_spatial', {'channels': 7, 'noSpatial': True}, [1, 7, 5, 9])
    case(B, 'c13', {'channels': 13}, [1, 13, 7, 5])
    case(B, 'row_1x9', {'channels': 20}, [3, 20, 1, 9])
    case(B, 'col_9x1', {'channels': 6}, [1, 6, 9, 1])
    case(B, 'col_11x1_no_spatial', {'channels': 20, 'noSpatial': True}, [1, 20, 11, 1])
    case(B, 'image_1x1', {'channels': 6}, [3, 6, 1, 1])
    case(B, 'large', {'channels': 20}, LARGE)


def effective_se_cases():
    B = 'effective_se'
    # the official eSEModule: GAP, 1x1 C -> C with bias, PyTorch's hardsigmoid
    case(B, 'default', {'channels': 20}, [3, 20, 7, 5])
    case(B, 'default_c6', {'channels': 6}, [1, 6, 9, 7])
    gates = [('sigmoid', {'gate': 'sigmoid'}),
             ('hardsigmoid', {'gate': 'hardsigmoid'}),
             ('hardsigmoid_onnx', {'gate': 'hardsigmoid', 'hardSigmoid': ONNX_HS})]
    for i, (gname, gopt) in enumerate(gates):
        for j, mp in enumerate((False, True)):
            dims = [3, 20, 5, 3] if (i + j) % 2 == 0 else [1, 20, 7, 5]
            case(B, f'gate_{gname}_add_maxpool_{str(mp).lower()}',
                 {'channels': 20, 'addMaxpool': mp, **gopt}, dims)
    case(B, 'gate_hardsigmoid_torch_explicit',
         {'channels': 20, 'gate': 'hardsigmoid', 'hardSigmoid': TORCH_HS}, [1, 20, 7, 5])
    # timm EffectiveSEModule(C) (same as the official), and its add_maxpool
    case(B, 'timm_effective_se', {'channels': 20}, [1, 20, 9, 7])
    case(B, 'timm_effective_se_add_maxpool', {'channels': 6, 'addMaxpool': True}, [3, 6, 9, 7])
    case(B, 'layout_fc_2d', {'channels': 20}, [1, 20, 7, 5], layout='fc_2d')
    case(B, 'row_1x9', {'channels': 20}, [3, 20, 1, 9])
    case(B, 'col_9x1', {'channels': 6, 'addMaxpool': True}, [1, 6, 9, 1])
    case(B, 'image_1x1', {'channels': 20}, [3, 20, 1, 1])
    case(B, 'large', {'channels': 20}, LARGE)


simam_cases()
global_context_cases()
gather_excite_cases()
triplet_attention_cases()
effective_se_cases()

# ---- NaN and ±Inf (SPEC §5: they propagate as in PyTorch) ----
# Every block's `poison_*` cases: the values of POISON_VALUES at chosen positions of x and of
# every weight. A new block needs one line: poison_cases(block, options, dims).
POISON_KINDS = ['nan', 'inf', '-inf', '3e38', '-3e38']


def poison_name(kind):
    return kind.replace('-', 'minus_')


def poison_x_positions(dims):
    """poison_x: image i holds POISON_KINDS[i] at one position (a different channel and pixel,
    borders included), the last image none."""
    n, c, h, w = dims
    assert n == len(POISON_KINDS) + 1, dims
    at = [(c // 2, h // 2, w // 2), (c - 1, 0, 0), (0, h - 1, w - 1), (c // 3, 0, w - 1),
          ((2 * c) // 3, h - 1, 0)]
    return [((i, *p), k) for i, (p, k) in enumerate(zip(at, POISON_KINDS))]


def poison_pair_positions(dims):
    """poison_x_pairs: image 0 +Inf and -Inf at one pixel in two channels (their channel mean is
    NaN), image 1 3e38 twice in one plane (its sum overflows to +Inf), image 2 -3e38 and NaN in two
    planes, image 3 none."""
    n, c, h, w = dims
    assert n == 4 and c >= 2, dims
    return [((0, 0, h // 2, w // 2), 'inf'), ((0, c - 1, h // 2, w // 2), '-inf'),
            ((1, c // 2, 0, 0), '3e38'), ((1, c // 2, h - 1, w - 1), '3e38'),
            ((2, 0, 0, w - 1), '-3e38'), ((2, c - 1, h - 1, 0), 'nan')]


def poison_cases(block, options, dims, suffix='', weights=True, layout='linear', kinds=None):
    """The NaN/Inf cases of `block` with `options` on images of dims[1:] (N ≥ 2: torch 1.13's CPU
    conv then takes mkldnn, which skips the padding taps, so a non-finite k×k weight reaches only
    the pixels where its tap lands inside the image; its single-image path for small inputs,
    im2col, multiplies the padded zeros by it and makes every pixel NaN, and so does its grouped
    path for groups of few channels: generate() checks every conv, check_conv_skips_padding):
    - poison{suffix}_x: N = 6, image i holds POISON_KINDS[i] once (poison_x_positions);
    - poison{suffix}_x_pairs: N = 4, two values per image (poison_pair_positions);
    - two-input blocks: the same for `residual`;
    - with `weights`, per state_dict key i (num_batches_tracked aside): poison{suffix}_<key>_<kind>,
      POISON_KINDS[i mod 5] at the middle element; for every k×k conv weight also NaN and +Inf at
      the corner tap [0, 0, 0, 0] (the top-left tap of output channel 0 on input channel 0);
      `kinds` {key: kind} overrides a key's kind."""
    _, c, h, w = dims
    assert dims[0] >= 2, (block, dims)
    tag = f'poison{suffix}'
    targets = ['x'] + (['residual'] if block in TWO_INPUT_BLOCKS else [])
    for t in targets:
        sub = '' if t == 'x' else '_residual'
        case(block, f'{tag}{sub}_x' if t == 'x' else f'{tag}_residual', options,
             [len(POISON_KINDS) + 1, c, h, w], layout, poison={t: poison_x_positions([6, c, h, w])})
        case(block, f'{tag}{sub}_x_pairs' if t == 'x' else f'{tag}_residual_pairs', options,
             [4, c, h, w], layout, poison={t: poison_pair_positions([4, c, h, w])})
    if not weights:
        return
    kwargs = dict(options)
    if layout == 'conv' and block in ('se', 'cse', 'scse'):
        kwargs['conv'] = True
    model = BLOCKS[block](**kwargs)
    keys = [(k, t.shape) for k, t in model.state_dict().items() if not k.endswith('num_batches_tracked')]
    for i, (key, shape) in enumerate(keys):
        kind = (kinds or {}).get(key, POISON_KINDS[i % len(POISON_KINDS)])
        name = key.replace('.', '_')
        case(block, f'{tag}_{name}_{poison_name(kind)}', options, dims, layout,
             poison={key: [(int(np.prod(shape)) // 2, kind)]})
        if len(shape) == 4 and shape[2] * shape[3] > 1:
            for corner in ('nan', 'inf'):
                case(block, f'{tag}_{name}_corner_{corner}', options, dims, layout,
                     poison={key: [((0, 0, 0, 0), corner)]})


def poison_block_cases():
    poison_cases('se', {'channels': 20}, [2, 20, 7, 5])
    poison_cases('se', {'channels': 6, 'reduction': 2, 'pool': 'avgmax', 'activation': 'silu',
                        'gate': 'hardsigmoid'}, [2, 6, 5, 3], suffix='_avgmax_silu_hardsigmoid',
                 weights=False)
    poison_cases('se', {'channels': 6, 'reduction': 2, 'pool': 'max', 'activation': 'hardswish'},
                 [2, 6, 5, 3], suffix='_max_hardswish', weights=False)
    poison_cases('cse', {'channels': 20, 'reduction': 2, 'bias': False, 'activation': 'none'},
                 [2, 20, 7, 5], layout='conv')
    poison_cases('sse', {'channels': 20}, [2, 20, 7, 5])
    poison_cases('sse', {'channels': 6, 'gate': 'hardsigmoid', 'hardSigmoid': ONNX_HS},
                 [2, 6, 5, 3], suffix='_hardsigmoid', weights=False)
    poison_cases('scse', {'channels': 20, 'reduction': 4}, [2, 20, 7, 5])
    poison_cases('scse', {'channels': 6, 'reduction': 2, 'combine': 'max'}, [2, 6, 5, 3],
                 suffix='_combine_max', weights=False)
    poison_cases('cbam', {'channels': 20, 'reduction': 4}, [2, 20, 9, 7])
    poison_cases('cbam', {'channels': 6, 'reduction': 2, 'pools': ['avg', 'max', 'lp', 'lse'],
                          'spatialKernel': 3, 'spatialNorm': False}, [2, 6, 7, 5],
                 suffix='_pools_all_k3')
    poison_cases('bam', {'channels': 20, 'reduction': 4, 'dilation': 2, 'dilatedConvs': 1},
                 [2, 20, 9, 7])
    poison_cases('bam', {'channels': 6, 'reduction': 2, 'combine': 'add'}, [2, 6, 11, 9],
                 suffix='_add', weights=False)
    # an infinite scale of channel.bn on a hidden unit whose fc1 output is negative in every
    # image: PyTorch's h·∞ + (β − m·∞) is −∞, relu makes it 0 and y is finite (as without the
    # poison); folded into fc1 (weights ±∞) the unit would be NaN and so would y
    case('bam', 'poison_channel_bn_infinite_scale',
         {'channels': 20, 'reduction': 4, 'dilation': 2, 'dilatedConvs': 1}, [4, 20, 9, 7],
         poison={'channel.bn.weight': [(4, 'inf')], 'channel.bn.running_mean': [(4, '3e38')]})
    poison_cases('se_resblock', {'channels': 10, 'reduction': 4}, [2, 10, 7, 5])
    poison_cases('cbam_basicblock', {'channels': 10, 'inChannels': 6, 'stride': 2,
                                     'cbam': {'reduction': 4, 'spatialKernel': 3}}, [2, 6, 9, 7])
    poison_cases('cbam_basicblock', {'channels': 6, 'cbam': {'reduction': 2}}, [2, 6, 7, 5],
                 suffix='_identity', weights=False)
    poison_cases('global_context', {'channels': 20, 'ratio': 0.25,
                                    'fusionTypes': ['channel_add', 'channel_mul']}, [2, 20, 7, 5])
    poison_cases('global_context', {'channels': 20, 'ratio': 0.25, 'poolingType': 'avg'},
                 [2, 20, 7, 5], suffix='_avg', weights=False)
    poison_cases('triplet_attention', {'channels': 20}, [2, 20, 7, 5])
    poison_cases('sk', {'inChannels': 16, 'channels': 16, 'groups': 1, 'minReducedChannels': 8},
                 [2, 16, 9, 7])
    poison_cases('split_attention', {'inChannels': 32, 'channels': 32, 'reducedChannels': 8},
                 [2, 32, 9, 7])
    # bn_for_DR.bias 3e38 makes a row of t 3e38 throughout (its O(1) part rounds away): torch's
    # Σ = t·Î·tᵀ then holds its sgemm's rounding residues of 3e38·(1/M − 1/M²) − (M − 1)·3e38/M² (±1e30
    # where the covariance is 0), a property of MKL's blocking, not of the block; −3e38 tests the
    # unfolded bn there instead (relu makes the row 0)
    poison_cases('gsop', {'channels': 20, 'attDim': 8}, [2, 20, 7, 5],
                 kinds={'bn_for_DR.bias': '-3e38'})
    # ECA, effective SE, SimAM, coordinate attention, gather-excite
    poison_cases('eca', {'channels': 20}, [2, 20, 7, 5])
    poison_cases('eca', {'channels': 6, 'kernelSize': 5, 'padding': 'circular', 'gate': 'hardsigmoid'},
                 [2, 6, 5, 3], suffix='_circular_k5_hardsigmoid')
    poison_cases('effective_se', {'channels': 20}, [2, 20, 7, 5])
    poison_cases('effective_se', {'channels': 6, 'addMaxpool': True, 'gate': 'sigmoid'}, [2, 6, 5, 3],
                 suffix='_add_maxpool_sigmoid', weights=False)
    poison_cases('simam', {'channels': 20}, [2, 20, 7, 5])
    poison_cases('simam', {'channels': 6, 'eLambda': 0}, [2, 6, 5, 3], suffix='_lambda_0',
                 weights=False)
    poison_cases('coord_attention', {'channels': 20}, [2, 20, 7, 5])
    poison_cases('coord_attention', {'channels': 6, 'bias': False, 'gate': 'hardsigmoid'},
                 [2, 6, 5, 3], suffix='_nobias_hardsigmoid', weights=False)
    poison_cases('gather_excite', {'channels': 20, 'rdRatio': 0.25}, [2, 20, 7, 5])
    poison_cases('gather_excite', {'channels': 20, 'extent': 4, 'extraParams': True,
                                   'rdRatio': 0.25}, [2, 20, 13, 9], suffix='_extent4_params')
    poison_cases('gather_excite', {'channels': 20, 'extraParams': True, 'featSize': [4, 3],
                                   'useMlp': False}, [2, 20, 7, 5], suffix='_feat_size_4x3')
    poison_cases('gather_excite', {'channels': 6, 'extent': 2, 'addMaxpool': True}, [2, 6, 9, 7],
                 suffix='_extent2_add_maxpool', weights=False)


poison_block_cases()

# ---------------------------------------------------------------------------------------
# Weights, running the module, writing the file
# ---------------------------------------------------------------------------------------


def name_seed(tag, block, name):
    return zlib.crc32(f'{tag}:{block}/{name}'.encode('utf-8')) & 0xFFFFFFFF


def build(block, options, layout):
    kwargs = dict(options)
    if layout == 'conv' and block in ('se', 'cse', 'scse'):
        kwargs['conv'] = True
    return BLOCKS[block](**kwargs)


@torch.no_grad()
def init_weights(model):
    """Random, well-conditioned weights: W ~ N(0, 1/fan_in), b ~ N(0, 1) so the gates see
    pre-activations of order 1 (partly in the clamped range of hardsigmoid, not saturated
    for sigmoid); BN weight U(0.5, 1.5), bias N(0, 0.2^2), running_mean N(0, 0.2^2),
    running_var U(0.5, 1.5); GroupNorm / LayerNorm affine like BN's; any other parameter N(0, 1)."""
    for _, m in model.named_modules():
        if isinstance(m, (nn.Linear, nn.Conv1d, nn.Conv2d)):
            fan_in = m.weight[0].numel()
            m.weight.copy_(torch.randn(m.weight.shape) / math.sqrt(fan_in))
            if m.bias is not None:
                m.bias.copy_(torch.randn(m.bias.shape))
        elif isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.weight.copy_(torch.rand(m.weight.shape) + 0.5)
            m.bias.copy_(torch.randn(m.bias.shape) * 0.2)
            m.running_mean.copy_(torch.randn(m.running_mean.shape) * 0.2)
            m.running_var.copy_(torch.rand(m.running_var.shape) + 0.5)
        elif isinstance(m, (nn.GroupNorm, nn.LayerNorm)) and m.weight is not None:
            m.weight.copy_(torch.rand(m.weight.shape) + 0.5)
            m.bias.copy_(torch.randn(m.bias.shape) * 0.2)
        else:  # a module's own raw Parameters (shuffle attention's cweight, ...): N(0, 1)
            for p in m.parameters(recurse=False):
                p.copy_(torch.randn(p.shape))


@torch.no_grad()
def scale_weights(model, scale):
    """Multiplies every state_dict tensor whose key starts with a prefix of `scale` by its factor
    (e.g. GC's channel_*_conv.0: a narrow LayerNorm input, so that layerNormEps matters)."""
    for key, t in model.state_dict().items():
        factors = [f for prefix, f in scale.items() if key.startswith(prefix)]
        assert len(factors) <= 1, key
        if factors:
            t.mul_(factors[0])
    assert all(any(k.startswith(p) for k in model.state_dict()) for p in scale), scale


@torch.no_grad()
def scale_cbam_channel(model):
    """CBAM sums one MLP output per pool, and the LP pool grows like sqrt(H*W): shrink fc1 so
    the channel gate is not saturated."""
    for m in model.modules():
        if isinstance(m, M._CBAMChannel):
            gain = 1.0 / len(m.pools)
            if 'lp' in m.pools:
                gain *= 0.4
            m.fc1.weight.mul_(gain)


class Probe:
    """Records the inputs of ReLUs and gates during one forward pass, to reject weight draws
    whose test would be degenerate: a ReLU that is dead for every element (the gate then
    does not depend on fc1), a gate that is mostly saturated (sigmoid |z| > 8, or
    hardsigmoid clamped), or a softmax over branches that is nearly uniform (SK's and split
    attention's selection would then not depend on the branch layout)."""

    def __init__(self, model):
        self.model = model
        self.relu, self.sig, self.hard, self.softmax = [], [], [], []

    def __enter__(self):
        self._relu, self._sig, self._softmax = torch.relu, torch.sigmoid, torch.softmax
        probe = self

        def relu(z):
            probe.relu.append(z.detach().clone())
            return probe._relu(z)

        def sigmoid(z):
            probe.sig.append(z.detach().clone())
            return probe._sig(z)

        def softmax(z, dim):
            s = probe._softmax(z, dim)
            probe.softmax.append((s.detach().clone(), dim))
            return s

        torch.relu, torch.sigmoid, torch.softmax = relu, sigmoid, softmax
        self.hooks = []
        for m in self.model.modules():
            if isinstance(m, M.Gate) and m.kind == 'hardsigmoid':
                self.hooks.append(m.register_forward_hook(
                    lambda mod, inp, out: probe.hard.append((mod.alpha, mod.beta,
                                                             inp[0].detach().clone()))))
        return self

    def __exit__(self, *exc):
        torch.relu, torch.sigmoid, torch.softmax = self._relu, self._sig, self._softmax
        for h in self.hooks:
            h.remove()

    def problems(self):
        out = []
        for z in self.relu:
            if z.numel() > 0 and not bool((z > 0).any()):
                out.append('dead relu')
        for z in self.sig:
            if float((z.abs() > 8).float().mean()) > 0.1:
                out.append('saturated sigmoid')
        for a, b, z in self.hard:
            v = a * z + b
            if z.numel() > 1 and float(((v < 0) | (v > 1)).float().mean()) > 0.5:
                out.append('saturated hardsigmoid')
        for s, dim in self.softmax:
            # over SK's paths or split attention's radix (a short axis), not GC's softmax over H·W
            if 1 < s.shape[dim] <= 4 and float((s.amax(dim) - s.amin(dim)).mean()) < 0.1:
                out.append('flat softmax')
        return out


def sample_indices(out_dims, seed):
    """Sorted unique flat indices: per (n, c) plane its first, last and 3 random elements;
    per (n, h, w) position one random channel."""
    n, c, h, w = out_dims
    hw = h * w
    rng = np.random.default_rng(seed)
    base = np.arange(n * c, dtype=np.int64) * hw
    planes = np.concatenate([base, base + hw - 1] +
                            [base + rng.integers(0, hw, size=n * c) for _ in range(3)])
    pos = np.arange(n * hw, dtype=np.int64)
    ch = rng.integers(0, c, size=n * hw)
    spatial = (pos // hw) * (c * hw) + ch * hw + pos % hw
    return np.unique(np.concatenate([planes, spatial]))


def safetensors_bytes(tensors, metadata):
    """tensors: dict name -> numpy array (float32 or int32). Sorted keys, data in key order."""
    header = {'__metadata__': metadata}
    blobs = []
    offset = 0
    for key in sorted(tensors):
        arr = tensors[key]
        if arr.dtype == np.float32:
            dtype, data = 'F32', arr.astype('<f4').tobytes()
        elif arr.dtype == np.int32:
            dtype, data = 'I32', arr.astype('<i4').tobytes()
        else:
            raise TypeError(f'{key}: {arr.dtype}')
        header[key] = {'dtype': dtype, 'shape': list(arr.shape),
                       'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, sort_keys=True, separators=(',', ':'), ensure_ascii=True)
    h = h.encode('ascii')
    h += b' ' * (-len(h) % 8)
    return struct.pack('<Q', len(h)) + h + b''.join(blobs)


def read_safetensors(data):
    """Minimal reader used to check the written files."""
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + n].decode('ascii'))
    meta = header.pop('__metadata__')
    body = data[8 + n:]
    out = {}
    end = 0
    for key, e in header.items():
        a, b = e['data_offsets']
        dt = {'F32': '<f4', 'I32': '<i4'}[e['dtype']]
        out[key] = np.frombuffer(body[a:b], dtype=dt).reshape(e['shape'])
        end = max(end, b)
    assert end == len(body)
    return out, meta


def squeeze_1x1(block, key, arr):
    """layout 'linear': store the sSE 1x1 conv weight as [1, C]."""
    if block in ('sse', 'scse') and key in ('conv.weight', 'sse.conv.weight'):
        return arr.reshape(arr.shape[0], arr.shape[1])
    return arr


def stored_shape(layout, key, arr):
    """layouts 'fc_2d' (1x1 conv weights as [O,I]) and 'ln_1d' (GC's LayerNorm as [P])."""
    if layout == 'fc_2d' and arr.ndim == 4 and arr.shape[2:] == (1, 1):
        return arr.reshape(arr.shape[:2])
    if layout == 'ln_1d' and key.endswith(('_conv.1.weight', '_conv.1.bias')):
        return arr.reshape(arr.shape[0])
    return arr


def check_conv_skips_padding(module, inputs, output):
    """Forward hook of a poison case's convs: a conv with a NaN or ±Inf weight must give the NaN and
    ±Inf of one that skips the padding taps (mkldnn's direct convolution). torch 1.13's im2col paths
    (a single small image with a 3×3 or 1-wide kernel; groups of few channels) multiply the zero
    padding by the weight and make every pixel NaN: a golden made there is refused."""
    w = module.weight
    if bool(torch.isfinite(w).all()):
        return
    x = inputs[0]
    geometry = dict(stride=module.stride, padding=module.padding, dilation=module.dilation, groups=module.groups)
    ref = F.conv2d(x, torch.where(torch.isfinite(w), w, torch.zeros_like(w)), module.bias, **geometry)
    for co, ci, ky, kx in torch.nonzero(~torch.isfinite(w)).tolist():
        tap = torch.zeros_like(w)
        tap[co, ci, ky, kx] = 1
        inside = F.conv2d(torch.ones_like(x), tap, None, **geometry)[:, co] > 0
        ref[:, co] += torch.where(inside, F.conv2d(x, tap, None, **geometry)[:, co] * w[co, ci, ky, kx],
                                  torch.zeros_like(ref[:, co]))
    same = torch.equal(torch.isnan(ref), torch.isnan(output)) and \
        torch.equal(torch.isposinf(ref), torch.isposinf(output)) and torch.equal(torch.isneginf(ref), torch.isneginf(output))
    assert same, (f'{module}: torch multiplied the padding by a non-finite weight (its im2col path): '
                  f'give this poison case other sizes (N > 1, 16+ channels per group)')


def flat_index(index, shape):
    return int(index) if isinstance(index, int) else int(np.ravel_multi_index(index, shape))


def poison_tensor(arr, entries):
    """A copy of `arr` with POISON_VALUES[v] at each (index, v) of `entries`."""
    out = np.array(arr, dtype=np.float32, copy=True)
    for index, v in entries:
        out.reshape(-1)[flat_index(index, out.shape)] = np.float32(POISON_VALUES[v])
    return out


def generate(block, name, options, dims, layout):
    flags = CASE_FLAGS[(block, name)]
    xseed = name_seed('x', block, name)
    x_np = golden_input(xseed, int(np.prod(dims))).reshape(dims)
    inputs = [x_np]
    if block in TWO_INPUT_BLOCKS:  # forward(x, residual), residual of x's shape
        rseed = name_seed('residual', block, name)
        inputs.append(golden_input(rseed, int(np.prod(dims))).reshape(dims))
    poison = flags['poison']
    poisoned = [poison_tensor(a, poison.get(t, [])) if poison else a
                for a, t in zip(inputs, ('x', 'residual'))]
    wseed = name_seed('weights', block, name)
    for attempt in range(100):
        # a deterministic retry with the next seed when the draw makes a degenerate test
        torch.manual_seed((wseed + attempt) & 0xFFFFFFFF)
        model = build(block, options, layout)
        init_weights(model)
        scale_cbam_channel(model)
        scale_weights(model, flags['scale'])
        model.eval()
        with torch.no_grad(), Probe(model) as probe:
            model(*[torch.from_numpy(a.copy()) for a in inputs])
        if not probe.problems():
            break
    else:
        raise RuntimeError(f'{block}/{name}: no usable weights: {probe.problems()}')
    if poison:
        # the weights drawn on the clean tensors, then poisoned
        with torch.no_grad():
            for key, t in model.state_dict().items():
                if key in poison:
                    t.copy_(torch.from_numpy(poison_tensor(t.numpy(), poison[key])))
        assert set(poison) <= set(model.state_dict()) | {'x', 'residual'}, poison
    hooks = [m.register_forward_hook(check_conv_skips_padding) for m in model.modules()
             if isinstance(m, nn.Conv2d)] if poison else []
    with torch.no_grad():
        y = model(*[torch.from_numpy(a.copy()) for a in poisoned]).contiguous()
    for h in hooks:
        h.remove()
    if attempt and os.environ.get('GOLDEN_VERBOSE'):
        print(f'{block}/{name}: weights redrawn {attempt}x')
    assert y.dtype == torch.float32
    out_dims = list(y.shape)
    tensors = {}
    for key, t in model.state_dict().items():
        if key.endswith('num_batches_tracked'):
            continue
        arr = t.detach().cpu().numpy().astype(np.float32)
        # every weight drawn at random (none left at its init's constant 0 or 1)
        assert not (np.all(arr == 0) or np.all(arr == 1)), f'{block}/{name}: {key} not randomised'
        if layout == 'linear':
            arr = squeeze_1x1(block, key, arr)
        arr = stored_shape(layout, key, arr)
        tensors[key] = np.ascontiguousarray(arr)
    y_np = y.numpy().reshape(-1)
    if y_np.size > FULL_LIMIT:
        idx = sample_indices(out_dims, name_seed('index', block, name))
        tensors['y_index'] = idx.astype(np.int32)
        tensors['y'] = y_np[idx].astype(np.float32)
    else:
        tensors['y'] = y_np.reshape(out_dims).astype(np.float32)
    if poison:
        pass  # NaN and ±Inf where PyTorch gives them; the comparison treats NaN = NaN, ±Inf = ±Inf
    elif flags['nan_ok']:
        # NaN where PyTorch gives NaN (SimAM at H*W = 1); the comparison treats NaN = NaN
        assert np.any(np.isnan(tensors['y'])) and not np.any(np.isinf(tensors['y']))
    else:
        assert np.all(np.isfinite(tensors['y']))
    metadata = {
        'block': block,
        'case': name,
        'options': json.dumps(options, separators=(',', ':')),
        'dims': json.dumps(dims, separators=(',', ':')),
        'outDims': json.dumps(out_dims, separators=(',', ':')),
        'seed': str(xseed),
        'torch': torch.__version__,
    }
    if len(inputs) == 2:
        metadata['residualSeed'] = str(rseed)
    if poison:
        # {target: [[flat index, value name], ...]}: the tests poison x and residual likewise
        shapes = {'x': dims, 'residual': dims, **{k: t.shape for k, t in model.state_dict().items()}}
        metadata['poison'] = json.dumps(
            {t: [[flat_index(ix, shapes[t]), v] for ix, v in p] for t, p in poison.items()},
            separators=(',', ':'))
    data = safetensors_bytes(tensors, metadata)
    back, meta = read_safetensors(data)
    assert meta == metadata and sorted(back) == sorted(tensors)
    for k in tensors:
        assert back[k].tobytes() == tensors[k].tobytes(), k   # bitwise: NaN too
    return data


def main(argv):
    torch.set_num_threads(1)
    blocks = argv or list(BLOCKS)
    for b in blocks:
        if b not in BLOCKS:
            raise SystemExit(f'unknown block {b!r}; blocks: {", ".join(BLOCKS)}')
    counts = {}
    for b in blocks:
        folder = os.path.join(HERE, b)
        os.makedirs(folder, exist_ok=True)
        for f in os.listdir(folder):
            if f.endswith('.safetensors'):
                os.remove(os.path.join(folder, f))
    for block, name, options, dims, layout in CASES:
        if block not in blocks:
            continue
        data = generate(block, name, options, dims, layout)
        with open(os.path.join(HERE, block, name + '.safetensors'), 'wb') as f:
            f.write(data)
        counts[block] = counts.get(block, 0) + 1
    total = 0
    for b in BLOCKS:
        folder = os.path.join(HERE, b)
        if not os.path.isdir(folder):
            continue
        files = [f for f in os.listdir(folder) if f.endswith('.safetensors')]
        size = sum(os.path.getsize(os.path.join(folder, f)) for f in files)
        total += size
        print(f'{b:16s} {len(files):4d} files {size / 1024:9.1f} KiB')
    print(f'total {total} bytes ({total / 1024 / 1024:.2f} MiB)')


if __name__ == '__main__':
    main(sys.argv[1:])
