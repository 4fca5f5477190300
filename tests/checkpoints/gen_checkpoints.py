#!/usr/bin/python3
"""Goldens of fromCheckpoint: the peers' modules of peers.py (re-typed from timm, smp, the official
repositories) with random weights, saved as their libraries save them (`state_dict()`, their own key
names, inside a small network at a prefix for some cases, in float16 for one), and their PyTorch
output.

    /usr/bin/python3 tests/checkpoints/gen_checkpoints.py

Each case also states what excite should make of it (`expect`: the block, its options and each
canonical weight's source key), written here from SPEC §2–3 and the module's constructor
arguments, and this script checks that statement: SPEC's reference module (tests/golden/modules.py)
built with those options and given those weights computes the peer module's output. So a test that
compares resolveCheckpoint with `expect` checks excite's mapping against PyTorch even where the excite
block is not in the build yet. Files: tests/checkpoints/<source>/<case>.safetensors, see README.md.
"""
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, '..', 'golden')
sys.path.insert(0, HERE)
sys.path.insert(0, GOLDEN)
sys.dont_write_bytecode = True

import gen as G  # noqa: E402  (tests/golden/gen.py: weight init, probes, the SPEC modules by folder)
import peers as P  # noqa: E402
from prng import golden_input  # noqa: E402

CASES = []
NETWORKS = []


def case(source, name, make, dims, expect, options=None, prefix=None, f16=False, two_inputs=False):
    """make() builds the peer module; expect(module) gives its excite stages [(block, folder, options,
    {canonical key: (tensor, source key or None)})]; options are fromCheckpoint's (prefix aside)."""
    assert all((c['source'], c['name']) != (source, name) for c in CASES), (source, name)
    CASES.append(dict(source=source, name=name, make=make, dims=dims, expect=expect, options=dict(options or {}),
                      prefix=prefix, f16=f16, two_inputs=two_inputs))


# ---- the canonical weights, from the peer's state_dict -------------------------------------

BN = ('weight', 'bias', 'running_mean', 'running_var')


def sd_of(m):
    return {k: v.detach().clone() for k, v in m.state_dict().items() if not k.endswith('num_batches_tracked')}


def ren(sd, pairs):
    return {to: (sd[frm], frm) for to, frm in pairs}


def ren_bn(sd, frm, to):
    return ren(sd, [(to + p, frm + p) for p in BN])


def se_weights(sd, fc1, fc2, prefix='', bn=None):
    """SE's fc1 / fc2 (a batch norm after fc1 folded into it, in float64)."""
    w = ren(sd, [(prefix + 'fc1.weight', fc1 + '.weight'), (prefix + 'fc2.weight', fc2 + '.weight')])
    bias = (fc1 + '.bias') in sd
    if bias:
        w.update(ren(sd, [(prefix + 'fc1.bias', fc1 + '.bias'), (prefix + 'fc2.bias', fc2 + '.bias')]))
    if bn is not None and (bn + 'weight') in sd:
        g, b, mu, var = (sd[bn + p].double() for p in BN)
        scale = g / torch.sqrt(var + 1e-5)
        W = sd[fc1 + '.weight'].double()
        b1 = sd[fc1 + '.bias'].double() if bias else torch.zeros_like(g)
        w[prefix + 'fc1.weight'] = ((W * scale.view(-1, *([1] * (W.dim() - 1)))).float(), None)
        w[prefix + 'fc1.bias'] = ((b1 * scale + b - mu * scale).float(), None)
        if not bias:
            w[prefix + 'fc2.bias'] = (torch.zeros(sd[fc2 + '.weight'].shape[0]), None)
    return w, bias or (bn is not None and (bn + 'weight') in sd)


def rd(sd, key):
    return int(sd[key].shape[0])


# ---- expectations per source (SPEC §2–3 and the module's constructor) ----------------------

def x_timm_se(m):
    sd = sd_of(m)
    w, bias = se_weights(sd, 'fc1', 'fc2', bn='bn.')
    return [('SE', 'se', {'channels': m.fc1.in_channels, 'reducedChannels': m.fc1.out_channels, 'bias': bias,
                          'activation': 'relu', 'gate': 'sigmoid', 'pool': 'avg'}, w)]


def x_timm_squeeze_excite(activation):
    def f(m):
        sd = sd_of(m)
        w, _ = se_weights(sd, 'conv_reduce', 'conv_expand')
        return [('SE', 'se', {'channels': m.conv_reduce.in_channels, 'reducedChannels': m.conv_reduce.out_channels,
                              'bias': True, 'gate': 'sigmoid', 'pool': 'avg', 'activation': activation}, w)]
    return f


def x_effective_se(m):
    sd = sd_of(m)
    return [('EffectiveSE', 'effective_se', {'channels': m.fc.in_channels, 'addMaxpool': False, 'gate': 'hardsigmoid'},
             ren(sd, [('fc.weight', 'fc.weight'), ('fc.bias', 'fc.bias')]))]


def x_eca(padding, channels):
    def f(m):
        sd = sd_of(m)
        return [('ECA', 'eca', {'channels': channels, 'kernelSize': m.conv.kernel_size[0], 'padding': padding, 'gate': 'sigmoid'},
                 ren(sd, [('conv.weight', 'conv.weight')]))]
    return f


def x_timm_cbam(m):
    sd = sd_of(m)
    w, bias = se_weights(sd, 'channel.fc1', 'channel.fc2', 'channel.')
    w.update(ren(sd, [('spatial.conv.weight', 'spatial.conv.conv.weight')]))
    w.update(ren_bn(sd, 'spatial.conv.bn.', 'spatial.bn.'))
    fc1 = m.channel.fc1
    return [('CBAM', 'cbam', {'channels': fc1.in_channels, 'reducedChannels': fc1.out_channels, 'bias': bias,
                              'pools': ['avg', 'max'], 'spatialKernel': m.spatial.conv.conv.kernel_size[0],
                              'spatialOrder': 'mean-max', 'spatialNorm': True, 'spatial': True}, w)]


def x_timm_light_cbam(m):
    sd = sd_of(m)
    fc1 = m.channel.fc1
    c, k = fc1.in_channels, m.spatial.conv.conv.kernel_size[0]
    se, bias = se_weights(sd, 'channel.fc1', 'channel.fc2')
    half = 0.5 * sd['spatial.conv.conv.weight']
    spatial = {'channel.fc1.weight': (torch.zeros(1, c), None), 'channel.fc1.bias': (torch.zeros(1), None),
               'channel.fc2.weight': (torch.zeros(c, 1), None), 'channel.fc2.bias': (torch.full((c,), 64.0), None),
               'spatial.conv.weight': (torch.cat([half, half], 1), None)}
    spatial.update(ren_bn(sd, 'spatial.conv.bn.', 'spatial.bn.'))
    return [('SE', 'se', {'channels': c, 'reducedChannels': fc1.out_channels, 'bias': bias, 'activation': 'relu',
                          'gate': 'sigmoid', 'pool': 'avgmax'}, se),
            ('CBAM', 'cbam', {'channels': c, 'reducedChannels': 1, 'bias': True, 'pools': ['avg'], 'spatialKernel': k,
                              'spatialNorm': True, 'spatial': True, 'spatialOrder': 'max-mean'}, spatial)]


def x_timm_ge(extent=None, feat_size=None):
    def f(m):
        sd = sd_of(m)
        o = {'channels': sd['mlp.fc1.weight'].shape[1] if 'mlp.fc1.weight' in sd else sd['gather.conv1.weight'].shape[0],
             'extraParams': m.gather is not None, 'useMlp': 'mlp.fc1.weight' in sd}
        if o['useMlp']:
            o['reducedChannels'] = rd(sd, 'mlp.fc1.weight')
        if m.gather is None:
            o.update({'extent': 0, 'addMaxpool': False})
        else:
            o['extent'] = m.extent
            if feat_size is not None:
                o['featSize'] = list(feat_size)
        return [('GatherExcite', 'gather_excite', o, ren(sd, [(k, k) for k in sd]))]
    return f


def gc_weights(sd, attn, fusions):
    w = {}
    if attn + '.weight' in sd:
        w.update(ren(sd, [('conv_mask.weight', attn + '.weight'), ('conv_mask.bias', attn + '.bias')]))
    for f, (fc1, norm, fc2) in fusions.items():
        if fc1 + '.weight' not in sd:
            continue
        w.update(ren(sd, [(f'{f}_conv.0.weight', fc1 + '.weight'), (f'{f}_conv.0.bias', fc1 + '.bias'),
                          (f'{f}_conv.1.weight', norm + '.weight'), (f'{f}_conv.1.bias', norm + '.bias'),
                          (f'{f}_conv.3.weight', fc2 + '.weight'), (f'{f}_conv.3.bias', fc2 + '.bias')]))
    return w


def x_timm_gc(m):
    sd = sd_of(m)
    mlp = m.mlp_scale or m.mlp_add
    fusions = [f for f, mod in (('channel_mul', m.mlp_scale), ('channel_add', m.mlp_add)) if mod is not None]
    w = gc_weights(sd, 'conv_attn', {'channel_mul': ('mlp_scale.fc1', 'mlp_scale.norm', 'mlp_scale.fc2'),
                                     'channel_add': ('mlp_add.fc1', 'mlp_add.norm', 'mlp_add.fc2')})
    return [('GlobalContext', 'global_context', {'channels': mlp.fc1.in_channels, 'reducedChannels': mlp.fc1.out_channels,
                                                 'poolingType': 'att' if m.conv_attn is not None else 'avg',
                                                 'fusionTypes': fusions, 'layerNormEps': 1e-6}, w)]


def x_mmcv_gc(m):
    sd = sd_of(m)
    fusions = [f for f, mod in (('channel_mul', m.channel_mul_conv), ('channel_add', m.channel_add_conv)) if mod is not None]
    t = m.channel_mul_conv or m.channel_add_conv
    w = gc_weights(sd, 'conv_mask', {f: (f'{f}_conv.0', f'{f}_conv.1', f'{f}_conv.3') for f in ('channel_mul', 'channel_add')})
    return [('GlobalContext', 'global_context', {'channels': t[0].in_channels, 'reducedChannels': t[0].out_channels,
                                                 'poolingType': m.pooling_type, 'fusionTypes': fusions, 'layerNormEps': 1e-5}, w)]


def x_timm_sk(in_channels, groups=1, split=True, stride=1, dilations=None):
    def f(m):
        sd = sd_of(m)
        paths = m.num_paths
        ks = [p.conv.kernel_size[0] for p in m.paths]
        w = {}
        for i in range(paths):
            w.update(ren(sd, [(f'conv.{i}.0.weight', f'paths.{i}.conv.weight')]))
            w.update(ren_bn(sd, f'paths.{i}.bn.', f'conv.{i}.1.'))
        w.update(ren(sd, [('fc1.0.weight', 'attn.fc_reduce.weight'), ('fc2.weight', 'attn.fc_select.weight')]))
        w.update(ren_bn(sd, 'attn.bn.', 'fc1.1.'))
        return [('SK', 'sk', {'inChannels': in_channels, 'channels': m.paths[0].conv.out_channels, 'paths': paths,
                              'groups': groups, 'reducedChannels': m.attn.fc_reduce.out_channels, 'kernelSizes': ks,
                              'splitInput': split, 'stride': stride,
                              'dilations': dilations or [p.conv.dilation[0] for p in m.paths]}, w)]
    return f


def x_split_attention(m):
    sd = sd_of(m)
    conv = m.conv
    radix = m.radix
    groups = conv.groups // radix
    norm = 'bn0.weight' in sd
    w = ren(sd, [(k, k) for k in ('conv.weight', 'conv.bias', 'fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias') if k in sd])
    if norm:
        w.update(ren_bn(sd, 'bn0.', 'bn0.'))
        w.update(ren_bn(sd, 'bn1.', 'bn1.'))
    return [('SplitAttention', 'split_attention', {
        'inChannels': conv.in_channels, 'channels': conv.out_channels // radix, 'kernelSize': conv.kernel_size[0],
        'radix': radix, 'groups': groups, 'reducedChannels': m.fc1.out_channels, 'bias': conv.bias is not None,
        'norm': norm, 'stride': 1, 'dilation': 1}, w)]


def x_coord(m):
    sd = sd_of(m)
    w = ren(sd, [(k, k) for k in sd])
    return [('CoordAttention', 'coord_attention', {'channels': m.conv1.in_channels, 'reducedChannels': m.conv1.out_channels,
                                                   'bias': m.conv1.bias is not None, 'gate': 'sigmoid'}, w)]


def x_smp_scse(m):
    sd = sd_of(m)
    w = ren(sd, [('cse.fc1.weight', 'cSE.1.weight'), ('cse.fc1.bias', 'cSE.1.bias'), ('cse.fc2.weight', 'cSE.3.weight'),
                 ('cse.fc2.bias', 'cSE.3.bias'), ('sse.conv.weight', 'sSE.0.weight'), ('sse.conv.bias', 'sSE.0.bias')])
    return [('scSE', 'scse', {'channels': m.cSE[1].in_channels, 'reducedChannels': m.cSE[1].out_channels, 'bias': True,
                              'activation': 'relu', 'gate': 'sigmoid', 'combine': 'add'}, w)]


def x_official_cbam(pools=('avg', 'max')):
    def f(m):
        sd = sd_of(m)
        w = ren(sd, [('channel.fc1.weight', 'ChannelGate.mlp.1.weight'), ('channel.fc1.bias', 'ChannelGate.mlp.1.bias'),
                     ('channel.fc2.weight', 'ChannelGate.mlp.3.weight'), ('channel.fc2.bias', 'ChannelGate.mlp.3.bias')])
        lin = m.ChannelGate.mlp[1]
        o = {'channels': lin.in_features, 'reducedChannels': lin.out_features, 'bias': True, 'pools': list(pools),
             'spatial': not m.no_spatial}
        if not m.no_spatial:
            w.update(ren(sd, [('spatial.conv.weight', 'SpatialGate.spatial.conv.weight')]))
            w.update(ren_bn(sd, 'SpatialGate.spatial.bn.', 'spatial.bn.'))
            o.update({'spatialKernel': 7, 'spatialNorm': True, 'spatialOrder': 'max-mean'})
        return [('CBAM', 'cbam', o, w)]
    return f


def x_official_bam(m):
    sd = sd_of(m)
    c, s = 'channel_att.gate_c.', 'spatial_att.gate_s.'
    n = sum(1 for k in sd if k.startswith(s + 'gate_s_conv_di_') and k.endswith('.weight'))
    pairs = [('channel.fc1', c + 'gate_c_fc_0'), ('channel.fc2', c + 'gate_c_fc_final'),
             ('spatial.reduce', s + 'gate_s_conv_reduce0'), ('spatial.final', s + 'gate_s_conv_final')]
    pairs += [(f'spatial.dilated.{i}', f'{s}gate_s_conv_di_{i}') for i in range(n)]
    w = ren(sd, [(a + p, b + p) for a, b in pairs for p in ('.weight', '.bias')])
    w.update(ren_bn(sd, c + 'gate_c_bn_1.', 'channel.bn.'))
    w.update(ren_bn(sd, s + 'gate_s_bn_reduce0.', 'spatial.reduce_bn.'))
    for i in range(n):
        w.update(ren_bn(sd, f'{s}gate_s_bn_di_{i}.', f'spatial.dilated_bn.{i}.'))
    lin = m.channel_att.gate_c.gate_c_fc_0
    return [('BAM', 'bam', {'channels': lin.in_features, 'reducedChannels': lin.out_features, 'dilatedConvs': n,
                            'dilation': 4, 'combine': 'mul'}, w)]


def x_fusion(block, folder):
    def f(m):
        sd = sd_of(m)
        o = {'channels': m.local_att[0].in_channels, 'reducedChannels': m.local_att[0].out_channels}
        if block == 'iAFF':
            o['secondGlobal'] = 'global_att'
        return [(block, folder, o, ren(sd, [(k, k) for k in sd]))]
    return f


def x_sa(m):
    sd = sd_of(m)
    p = sd['cweight'].shape[1]
    return [('ShuffleAttention', 'shuffle_attention', {'channels': 2 * m.groups * p, 'groups': m.groups}, ren(sd, [(k, k) for k in sd]))]


def x_triplet(channels, models=False):
    def f(m):
        sd = sd_of(m)
        names = ('ChannelGateH.spatial.', 'ChannelGateW.spatial.', 'SpatialGate.spatial.') if models else ('cw.conv.', 'hc.conv.', 'hw.conv.')
        w = {}
        for frm, to in zip(names, ('cw.conv.', 'hc.conv.', 'hw.conv.')):
            if frm + 'conv.weight' in sd:
                w.update(ren(sd, [(to + 'conv.weight', frm + 'conv.weight')]))
                w.update(ren_bn(sd, frm + 'bn.', to + 'bn.'))
        return [('TripletAttention', 'triplet_attention', {'channels': channels, 'noSpatial': m.no_spatial}, w)]
    return f


def x_simam(m):
    return [('SimAM', 'simam', {'eLambda': 1e-4}, {})]


# ---- the cases ------------------------------------------------------------------------------

D20 = [3, 20, 7, 5]
D20B = [1, 20, 5, 7]

case('timm:SEModule', 'default_c20', lambda: P.TimmSEModule(20), D20, x_timm_se)                        # R = 8
case('timm:SEModule', 'bias_false_c24_rd4', lambda: P.TimmSEModule(24, rd_channels=4, bias=False), [1, 24, 5, 7], x_timm_se)
case('timm:SEModule', 'rexnet_norm_c20', lambda: P.TimmSEModule(20, rd_channels=5, norm=True), D20, x_timm_se)
case('timm:SEModule', 'add_maxpool_c20', lambda: P.TimmSEModule(20, add_maxpool=True), D20B, x_timm_se,
     options={'pool': 'avgmax'})
case('timm:SEModule', 'prefix_resnet_c20', lambda: P.TimmSEModule(20), D20, x_timm_se, prefix='layer1.0.se.')
case('timm:SEModule', 'f16_prefix_c20', lambda: P.TimmSEModule(20, rd_channels=6), D20B, x_timm_se,
     prefix='layer2.1.se.', f16=True)
case('timm:EffectiveSEModule', 'default_c20', lambda: P.TimmEffectiveSEModule(20), D20, x_effective_se)
case('timm:EffectiveSEModule', 'add_maxpool_c6', lambda: P.TimmEffectiveSEModule(6, add_maxpool=True), [3, 6, 5, 3],
     x_effective_se, options={'addMaxpool': True})
case('timm:SqueezeExcite', 'efficientnet_silu_c24', lambda: P.TimmSqueezeExcite(24, act='silu'), [3, 24, 7, 5],
     x_timm_squeeze_excite('silu'), options={'activation': 'silu'})
case('timm:SqueezeExcite', 'mobilenetv3_c20', lambda: P.TimmSqueezeExcite(20, act='relu', gate='hard_sigmoid'), D20B,
     x_timm_squeeze_excite('relu'), options={'activation': 'relu', 'gate': 'hardsigmoid'})
case('timm:EcaModule', 'default_c20', lambda: P.TimmEcaModule(20), D20, x_eca('zeros', 20), options={'channels': 20})
case('timm:EcaModule', 'kernel5_c20', lambda: P.TimmEcaModule(None, 5), D20B, x_eca('zeros', 20), options={'channels': 20})
case('timm:CecaModule', 'kernel5_c6', lambda: P.TimmCecaModule(None, 5), [3, 6, 5, 3], x_eca('circular', 6),
     options={'channels': 6})
case('timm:CbamModule', 'default_c20', lambda: P.TimmCbamModule(20), D20, x_timm_cbam)                  # R = 1
case('timm:CbamModule', 'mlp_bias_rd5_k3_c20', lambda: P.TimmCbamModule(20, rd_channels=5, spatial_kernel_size=3, mlp_bias=True),
     D20B, x_timm_cbam)
case('timm:LightCbamModule', 'rd5_c20', lambda: P.TimmLightCbamModule(20, rd_channels=5), D20, x_timm_light_cbam)
case('timm:LightCbamModule', 'mlp_bias_k5_c6', lambda: P.TimmLightCbamModule(6, rd_channels=3, spatial_kernel_size=5, mlp_bias=True),
     [1, 6, 9, 7], x_timm_light_cbam)
case('timm:GatherExcite', 'default_rd025_c20', lambda: P.TimmGatherExcite(20, rd_ratio=0.25), [1, 20, 9, 7], x_timm_ge())
case('timm:GatherExcite', 'extent4_params_c20', lambda: P.TimmGatherExcite(20, extra_params=True, extent=4, rd_ratio=0.25),
     [1, 20, 13, 9], x_timm_ge())
case('timm:GatherExcite', 'extent2_params_nomlp_c6', lambda: P.TimmGatherExcite(6, extra_params=True, extent=2, use_mlp=False),
     [3, 6, 9, 7], x_timm_ge())
case('timm:GatherExcite', 'extent0_params_feat5x3_c20', lambda: P.TimmGatherExcite(20, (5, 3), extra_params=True, rd_ratio=0.25),
     [1, 20, 5, 3], x_timm_ge(feat_size=(5, 3)))
case('timm:GatherExcite', 'extent4_noparams_c20', lambda: P.TimmGatherExcite(20, extent=4, rd_ratio=0.25), [1, 20, 13, 9],
     lambda m: [(b, f, {**o, 'extent': 4}, w) for b, f, o, w in x_timm_ge()(m)], options={'extent': 4})
case('timm:GlobalContext', 'default_c20', lambda: P.TimmGlobalContext(20), D20, x_timm_gc)                # P = 3
case('timm:GlobalContext', 'gca_add_c20', lambda: P.TimmGlobalContext(20, fuse_add=True, fuse_scale=False), D20B, x_timm_gc)
case('timm:GlobalContext', 'avg_both_c6', lambda: P.TimmGlobalContext(6, use_attn=False, fuse_add=True, rd_ratio=0.5),
     [3, 6, 7, 5], x_timm_gc)
case('timm:SelectiveKernel', 'default_c12', lambda: P.TimmSelectiveKernel(12), [3, 12, 7, 5], x_timm_sk(12))
case('timm:SelectiveKernel', 'keep3x3_false_c12', lambda: P.TimmSelectiveKernel(12, keep_3x3=False), [1, 12, 7, 5], x_timm_sk(12))
case('timm:SelectiveKernel', 'paths3_c18', lambda: P.TimmSelectiveKernel(18, kernel_size=[3, 5, 7]), [1, 18, 7, 5], x_timm_sk(18))
case('timm:SelectiveKernel', 'skresnext_groups4_c16', lambda: P.TimmSelectiveKernel(16, groups=4, split_input=False, rd_divisor=16),
     [3, 16, 5, 3], x_timm_sk(16, groups=4, split=False), options={'groups': 4, 'splitInput': False})
case('timm:SelectiveKernel', 'stride2_c12_to_c20', lambda: P.TimmSelectiveKernel(12, 20, stride=2), [3, 12, 9, 7],
     x_timm_sk(12, stride=2), options={'stride': 2})
case('timm:SplitAttn', 'resnest_norm_c12', lambda: P.TimmSplitAttn(12, norm=True), [1, 12, 5, 3], x_split_attention)
case('timm:SplitAttn', 'bare_c10', lambda: P.TimmSplitAttn(10), [3, 10, 5, 3], x_split_attention)
case('timm:SplitAttn', 'radix1_c8', lambda: P.TimmSplitAttn(8, radix=1, norm=True), [1, 8, 7, 5], x_split_attention)
case('timm:SplitAttn', 'groups2_radix2_c8_to_c6', lambda: P.TimmSplitAttn(8, 6, groups=2, norm=True), [3, 8, 5, 3], x_split_attention)
case('timm:CoordAttn', 'default_c20', lambda: P.TimmCoordAttn(20), D20, x_coord)                          # mip 8
case('timm:CoordAttn', 'bias_c20', lambda: P.TimmCoordAttn(20, bias=True, rd_channels=5), D20B, x_coord)
case('smp:SCSEModule', 'default_c32', lambda: P.SmpSCSEModule(32), [3, 32, 7, 5], x_smp_scse)             # R = 2
case('smp:SCSEModule', 'reduction4_c20', lambda: P.SmpSCSEModule(20, 4), D20B, x_smp_scse)
case('smp:SCSEModule', 'prefix_unet_c20', lambda: P.SmpSCSEModule(20, 4), D20, x_smp_scse,
     prefix='decoder.blocks.0.attention1.attention.')
case('official:CBAM', 'default_c32', lambda: P.OfficialCBAM(32), [3, 32, 7, 5], x_official_cbam())        # R = 2
case('official:CBAM', 'reduction4_c20', lambda: P.OfficialCBAM(20, 4), D20B, x_official_cbam())
case('official:CBAM', 'no_spatial_c20', lambda: P.OfficialCBAM(20, 4, no_spatial=True), D20, x_official_cbam())
case('official:CBAM', 'pools_avg_max_lp_c20', lambda: P.OfficialCBAM(20, 4, ('avg', 'max', 'lp')), D20B,
     x_official_cbam(('avg', 'max', 'lp')), options={'pools': ['avg', 'max', 'lp']})
case('official:CBAM', 'prefix_resnet_c20', lambda: P.OfficialCBAM(20, 4), D20, x_official_cbam(), prefix='layer1.0.cbam.')
# the official BAM pools with an H×H window: the global average of a square input
case('official:BAM', 'default_c32', lambda: P.OfficialBAM(32), [3, 32, 9, 9], x_official_bam)           # R = 2
case('official:BAM', 'reduction4_one_dilated_c20', lambda: P.OfficialBAM(20, 4, 1), [1, 20, 7, 7], x_official_bam)
case('official:BAM', 'prefix_bam1_c20', lambda: P.OfficialBAM(20, 4), [1, 20, 9, 9], x_official_bam, prefix='bam1.')
case('resnest:SplAtConv2d', 'bottleneck_c12', lambda: P.SplAtConv2d(12, 12, 3, padding=1, bias=False, norm=True), [3, 12, 5, 3],
     x_split_attention)
case('resnest:SplAtConv2d', 'groups2_bias_nonorm_c8', lambda: P.SplAtConv2d(8, 6, 3, padding=1, groups=2), [1, 8, 7, 5],
     x_split_attention)
case('mmcv:ContextBlock', 'att_add_r4_c20', lambda: P.MmcvContextBlock(20, 0.25), D20, x_mmcv_gc)
case('mmcv:ContextBlock', 'avg_mul_add_r4_c20', lambda: P.MmcvContextBlock(20, 0.25, 'avg', ('channel_add', 'channel_mul')), D20B,
     x_mmcv_gc)
case('openaff:AFF', 'default_c20', lambda: P.OpenAffAFF(20), D20, x_fusion('AFF', 'aff'), two_inputs=True)
case('openaff:iAFF', 'default_c20', lambda: P.OpenAffIAFF(20), D20B, x_fusion('iAFF', 'iaff'), two_inputs=True)
case('openaff:MS_CAM', 'default_c20', lambda: P.OpenAffMSCAM(20), D20, x_fusion('MSCAM', 'mscam'))
case('sanet:sa_layer', 'default_c256', lambda: P.SaLayer(256), [1, 256, 3, 5], x_sa)                     # groups 64, P 2
case('sanet:sa_layer', 'groups3_c18', lambda: P.SaLayer(18, 3), [3, 18, 5, 3], x_sa, options={'groups': 3})
case('ecanet:eca_layer', 'k3_c20', lambda: P.EcaLayer(20), D20, x_eca('zeros', 20), options={'channels': 20})
case('ecanet:eca_layer', 'k5_c20', lambda: P.EcaLayer(20, 5), D20B, x_eca('zeros', 20), options={'channels': 20})
case('coordatt:CoordAtt', 'default_c20', lambda: P.CoordAtt(20, 20), D20, x_coord)                        # mip 8
case('coordatt:CoordAtt', 'reduction2_c20', lambda: P.CoordAtt(20, 20, 2), D20B, x_coord)                 # mip 10
case('triplet:TripletAttention', 'default_c6', lambda: P.TripletAttention(), [3, 6, 7, 5], x_triplet(6), options={'channels': 6})
case('triplet:TripletAttention', 'models_names_c6', lambda: P.TripletAttention(models=True), [1, 6, 9, 7],
     x_triplet(6, models=True), options={'channels': 6})
case('triplet:TripletAttention', 'no_spatial_c5', lambda: P.TripletAttention(no_spatial=True), [3, 5, 7, 5], x_triplet(5),
     options={'channels': 5})
case('simam:simam_module', 'default_c6', lambda: P.SimamModule(), [3, 6, 7, 5], x_simam)
case('simam:simam_module', 'e_lambda_0_1_c6', lambda: P.SimamModule(e_lambda=0.1), [1, 6, 5, 7],
     lambda m: [('SimAM', 'simam', {'eLambda': 0.1, 'channels': 6}, {})], options={'eLambda': 0.1, 'channels': 6})


# ---- networks: state_dicts holding several modules, for listCheckpointModules ------------------

class Stage(nn.Module):
    """A residual stage's look: conv1 / bn1 around the attention module."""

    def __init__(self, c, attn_name=None, attn=None):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        if attn is not None:
            self.add_module(attn_name, attn)


def network(name, parts, expected):
    """parts: [(prefix, module)]; the network holds each module at its prefix, beside convs and
    batch norms; expected: [(prefix, source, block)] as listCheckpointModules should list them."""
    NETWORKS.append((name, parts, expected))


def timm_resnet():
    return [('layer1.0.se.', P.TimmSEModule(20)), ('layer1.1.se.', P.TimmEcaModule(20)),
            ('layer2.0.se.', P.TimmCbamModule(20, rd_channels=5)), ('layer2.1.attn.', P.TimmGatherExcite(20, rd_ratio=0.25)),
            ('layer3.0.se.', P.TimmGlobalContext(20)), ('layer3.1.conv2.', P.TimmSplitAttn(20, norm=True)),
            ('layer4.0.se.', P.TimmLightCbamModule(20, rd_channels=5)), ('layer4.1.conv2.', P.TimmSelectiveKernel(20))]


network('timm_resnet', timm_resnet, [
    ('layer1.0.se.', 'timm:SEModule', 'SE'), ('layer1.1.se.', 'timm:EcaModule', 'ECA'),
    ('layer2.0.se.', 'timm:CbamModule', 'CBAM'), ('layer2.1.attn.', 'timm:GatherExcite', 'GatherExcite'),
    ('layer3.0.se.', 'timm:GlobalContext', 'GlobalContext'), ('layer3.1.conv2.', 'timm:SplitAttn', 'SplitAttention'),
    ('layer4.0.se.', 'timm:LightCbamModule', 'SE+CBAM'), ('layer4.1.conv2.', 'timm:SelectiveKernel', 'SK')])
network('smp_unet', lambda: [('decoder.blocks.0.attention1.attention.', P.SmpSCSEModule(20, 4)),
                             ('decoder.blocks.0.attention2.attention.', P.SmpSCSEModule(20, 4))], [
    ('decoder.blocks.0.attention1.attention.', 'smp:SCSEModule', 'scSE'),
    ('decoder.blocks.0.attention2.attention.', 'smp:SCSEModule', 'scSE')])
network('official_resnet', lambda: [('bam1.', P.OfficialBAM(20, 4)), ('layer1.0.cbam.', P.OfficialCBAM(20, 4)),
                                    ('layer1.1.cbam.', P.OfficialCBAM(20, 4, no_spatial=True))], [
    ('bam1.', 'official:BAM', 'BAM'), ('layer1.0.cbam.', 'official:CBAM', 'CBAM'), ('layer1.1.cbam.', 'official:CBAM', 'CBAM')])
network('mixed_papers', lambda: [('layer1.0.eca.', P.EcaLayer(20)), ('layer1.0.sa.', P.SaLayer(20, 5)),
                                 ('layer2.0.coord.', P.CoordAtt(20, 20)), ('layer2.0.triplet_attention.', P.TripletAttention(models=True)),
                                 ('layer3.0.fuse_mode.', P.OpenAffIAFF(20)), ('layer3.1.fuse_mode.', P.OpenAffAFF(20)),
                                 ('layer4.0.gcb.', P.MmcvContextBlock(20, 0.25)), ('layer4.1.se.', P.TimmEffectiveSEModule(20)),
                                 ('layer4.2.se.', P.TimmSqueezeExcite(20))], [
    ('layer1.0.eca.', 'timm:EcaModule', 'ECA'), ('layer1.0.sa.', 'sanet:sa_layer', 'ShuffleAttention'),
    ('layer2.0.coord.', 'timm:CoordAttn', 'CoordAttention'),
    ('layer2.0.triplet_attention.', 'triplet:TripletAttention', 'TripletAttention'),
    ('layer3.0.fuse_mode.', 'openaff:iAFF', 'iAFF'), ('layer3.1.fuse_mode.', 'openaff:AFF', 'AFF'),
    ('layer4.0.gcb.', 'mmcv:ContextBlock', 'GlobalContext'), ('layer4.1.se.', 'timm:EffectiveSEModule', 'EffectiveSE'),
    ('layer4.2.se.', 'timm:SqueezeExcite', 'SE')])


def nest(parts):
    """A network holding each module at its prefix, with a stem and a head, and conv1 / bn1 beside
    every module (as a ResNet's blocks hold them)."""
    root = nn.Module()
    root.conv1 = nn.Conv2d(3, 20, 1, bias=False)
    root.bn1 = nn.BatchNorm2d(20)
    for prefix, module in parts:
        names = prefix.rstrip('.').split('.')
        node = root
        for n in names[:-1]:
            if not hasattr(node, n):
                node.add_module(n, Stage(20))
            node = getattr(node, n)
        node.add_module(names[-1], module)
    root.fc = nn.Linear(20, 10)
    return root


# ---- writing ---------------------------------------------------------------------------------

def safetensors_bytes(tensors, metadata):
    """Standard safetensors (keys sorted), F32, F16 and I64 tensors."""
    dtypes = {np.dtype(np.float32): 'F32', np.dtype(np.float16): 'F16', np.dtype(np.int64): 'I64'}
    header, blobs, offset = {'__metadata__': metadata}, [], 0
    for key in sorted(tensors):
        arr = np.ascontiguousarray(tensors[key])
        data = arr.astype(arr.dtype.newbyteorder('<')).tobytes()
        header[key] = {'dtype': dtypes[arr.dtype], 'shape': list(arr.shape), 'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, sort_keys=True, separators=(',', ':')).encode('ascii')
    h += b' ' * (-len(h) % 8)
    return struct.pack('<Q', len(h)) + h + b''.join(blobs)


def state_tensors(module, f16=False):
    """The state_dict as saved: float tensors (F16 with f16), num_batches_tracked as I64."""
    out = {}
    for k, t in module.state_dict().items():
        if k.endswith('num_batches_tracked'):
            out[k] = t.detach().numpy().astype(np.int64).reshape(t.shape)
        else:
            out[k] = t.detach().numpy().astype(np.float16 if f16 else np.float32)
    return out


def canonical_load(model, weights):
    """Loads canonical weights into SPEC's module (a 1×1 conv [O, I, 1, 1] and [O, I] are the same bytes)."""
    own = model.state_dict()
    keys = {k for k in own if not k.endswith('num_batches_tracked')}
    assert keys == set(weights), (sorted(keys ^ set(weights)))
    model.load_state_dict({k: (weights[k][0].reshape(own[k].shape) if k in weights else own[k]) for k in own})


@torch.no_grad()
def generate(c):
    seed = G.name_seed('x', 'checkpoints', f"{c['source']}/{c['name']}")
    n = int(np.prod(c['dims']))
    inputs = [torch.from_numpy(golden_input(seed, n).reshape(c['dims']).copy())]
    rseed = None
    if c['two_inputs']:
        rseed = G.name_seed('residual', 'checkpoints', f"{c['source']}/{c['name']}")
        inputs.append(torch.from_numpy(golden_input(rseed, n).reshape(c['dims']).copy()))
    wseed = G.name_seed('weights', 'checkpoints', f"{c['source']}/{c['name']}")
    for attempt in range(100):
        torch.manual_seed((wseed + attempt) & 0xFFFFFFFF)
        module = c['make']()
        holder = nest([(c['prefix'], module)]) if c['prefix'] else module
        G.init_weights(holder)
        holder.eval()
        if c['f16']:
            for t in list(holder.parameters()) + [b for b in holder.buffers() if b.is_floating_point()]:
                t.copy_(t.half().float())   # the float16 checkpoint's values, computed in float32
        with G.Probe(module) as probe:
            module(*inputs)
        if not probe.problems():
            break
    else:
        raise RuntimeError(f"{c['source']}/{c['name']}: no usable weights: {probe.problems()}")
    y = module(*inputs).contiguous()
    assert torch.isfinite(y).all()

    # what excite should make of it, checked with SPEC's modules
    # the caller's options (fromCheckpoint's, but the prefix) override the first block's
    stages = c['expect'](module)
    stages[0] = (stages[0][0], stages[0][1], {**stages[0][2], **c['options']}, stages[0][3])
    z, shapes = inputs, []
    for block, folder, options, weights in stages:
        ref = G.BLOCKS[folder](**options)
        canonical_load(ref, weights)
        ref.eval()
        z = [ref(*z)]
        shapes.append({k: list(t.shape) for k, t in ref.state_dict().items()})   # SPEC's canonical shapes
    err = (z[0] - y).abs() / (1e-5 + 1e-4 * y.abs())
    assert float(err.max()) < 0.05, f"{c['source']}/{c['name']}: SPEC's {[s[0] for s in stages]} differ from the peer: {float(err.max())}"

    tensors = state_tensors(holder, c['f16'])
    tensors['y'] = y.numpy().astype(np.float32)
    expect = [{'block': block, 'folder': folder, 'options': options,
               'weights': {k: {'from': frm, 'shape': shape[k]} for k, (t, frm) in weights.items()}}
              for (block, folder, options, weights), shape in zip(stages, shapes)]
    options = dict(c['options'])
    if c['prefix']:
        options['prefix'] = c['prefix']
    meta = {'source': c['source'], 'case': c['name'], 'options': json.dumps(options, separators=(',', ':')),
            'dims': json.dumps(c['dims']), 'outDims': json.dumps(list(y.shape)), 'seed': str(seed),
            'expect': json.dumps(expect, separators=(',', ':')), 'torch': torch.__version__}
    if rseed is not None:
        meta['residualSeed'] = str(rseed)
    return safetensors_bytes(tensors, meta)


@torch.no_grad()
def generate_network(name, parts, expected):
    torch.manual_seed(G.name_seed('weights', 'checkpoints', f'networks/{name}'))
    net = nest(parts())
    G.init_weights(net)
    meta = {'case': name, 'modules': json.dumps([{'prefix': p, 'source': s, 'block': b} for p, s, b in expected]),
            'torch': torch.__version__}
    return safetensors_bytes(state_tensors(net), meta)


def folder_of(source):
    return source.replace(':', '_')


def main():
    torch.set_num_threads(1)
    written = {}
    for c in CASES:
        d = os.path.join(HERE, folder_of(c['source']))
        if d not in written:
            os.makedirs(d, exist_ok=True)
            for f in os.listdir(d):
                if f.endswith('.safetensors'):
                    os.remove(os.path.join(d, f))
            written[d] = 0
        with open(os.path.join(d, c['name'] + '.safetensors'), 'wb') as f:
            data = generate(c)
            f.write(data)
        written[d] += len(data)
    d = os.path.join(HERE, 'networks')
    os.makedirs(d, exist_ok=True)
    written[d] = 0
    for name, parts, expected in NETWORKS:
        with open(os.path.join(d, name + '.safetensors'), 'wb') as f:
            data = generate_network(name, parts, expected)
            f.write(data)
        written[d] += len(data)
    for d, size in sorted(written.items()):
        print(f'{os.path.basename(d):28s} {size / 1024:7.1f} KiB')
    print(f'total {sum(written.values()) / 1024:.1f} KiB, {len(CASES)} cases, {len(NETWORKS)} networks')


if __name__ == '__main__':
    main()
