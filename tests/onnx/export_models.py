"""Small ONNX models for tests/onnx-*.test.ts: attention blocks as exporters emit them.

Each case is a tiny PyTorch module (a 3x3 conv stem, then the block, then a 1x1 conv so that
neither end of the block is a graph input or output, unless the case says otherwise), written
in the styles found in the wild: timm's 1x1 convs over x.mean(keepdim), the SE article's
nn.Linear over a flattened or viewed pool, the official ECA, CBAM and smp modules' forwards,
and the decompositions (hard sigmoid as relu6(x + 3)/6, SiLU as x*sigmoid(x)) that
torch.onnx.export writes for older opsets. The negative cases hold gates that are not
attention blocks (SiLU, a Mul by a parameter, a gate from another tensor).

    /usr/bin/python3 tests/onnx/export_models.py    # writes tests/onnx/models/*.onnx

The same seeds give the same models (weights are drawn from torch.manual_seed per case).
The test reads tests/onnx/cases.json, written here: per case the opset and the blocks a
correct matcher must return (block, options) in graph order. bad_*.onnx are se_conv_mean
edited with the onnx package (a weight stored externally, a float16 weight) for the error tests.
"""
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, 'models')
C = 20  # channels: not a multiple of 4
R = 5


def hsig(x):  # PyTorch's hard sigmoid written as the exporters' relu6(x + 3) / 6
    return F.relu6(x + 3.0) / 6.0


# --- SE family -------------------------------------------------------------------------

class SEConv(nn.Module):
    """timm SqueezeExcite: x.mean((2, 3), keepdim) -> conv_reduce -> act -> conv_expand -> gate."""

    def __init__(self, act='relu', gate='sigmoid', bias=True, bias1=None, bias2=None, pool='mean', order='xs'):
        super().__init__()
        self.fc1 = nn.Conv2d(C, R, 1, bias=bias if bias1 is None else bias1)
        self.fc2 = nn.Conv2d(R, C, 1, bias=bias if bias2 is None else bias2)
        self.act, self.gate, self.pool, self.order = act, gate, pool, order

    def forward(self, x):
        if self.pool == 'mean':
            s = x.mean((2, 3), keepdim=True)
        elif self.pool == 'gap':
            s = F.adaptive_avg_pool2d(x, 1)
        elif self.pool == 'max':
            s = x.amax((2, 3), keepdim=True)
        elif self.pool == 'avgmax':
            s = 0.5 * x.mean((2, 3), keepdim=True) + 0.5 * x.amax((2, 3), keepdim=True)
        s = self.fc1(s)
        s = {'relu': torch.relu, 'none': lambda t: t, 'silu': F.silu, 'hardswish': F.hardswish,
             'hardswish_clip': lambda t: t * F.relu6(t + 3.0) / 6.0}[self.act](s)
        s = self.fc2(s)
        s = {'sigmoid': torch.sigmoid, 'hardsigmoid': F.hardsigmoid, 'relu6': hsig,
             'relu6_mul': lambda t: F.relu6(t + 3.0) * (1.0 / 6.0),
             'paddle': lambda t: torch.clamp(0.2 * t + 0.5, 0.0, 1.0)}[self.gate](s)
        return x * s if self.order == 'xs' else s * x


class SELinear(nn.Module):
    """The SE article's SqEx: pool -> flatten or view(b, c) -> Linear -> ReLU -> Linear -> sigmoid -> view(b, c, 1, 1)."""

    def __init__(self, flatten='flatten', bias=True, expand=False):
        super().__init__()
        self.fc1 = nn.Linear(C, R, bias=bias)
        self.fc2 = nn.Linear(R, C, bias=bias)
        self.flatten, self.expand = flatten, expand

    def forward(self, x):
        b, c, _, _ = x.size()
        if self.flatten == 'flatten':
            s = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        elif self.flatten == 'view':
            s = F.adaptive_avg_pool2d(x, 1).view(b, c)
        else:  # 'matmul': Linear over [N, 1, C] exports as MatMul + Add
            s = x.mean((2, 3)).view(b, 1, c)
        s = torch.sigmoid(self.fc2(torch.relu(self.fc1(s))))
        s = s.view(b, c, 1, 1)
        return x * s.expand_as(x) if self.expand else s * x


class EffectiveSE(nn.Module):
    """timm EffectiveSEModule: x.mean(keepdim) (+ 0.5 amax) -> 1x1 conv C -> C with bias -> gate."""

    def __init__(self, add_maxpool=False, gate='hardsigmoid'):
        super().__init__()
        self.fc = nn.Conv2d(C, C, 1)
        self.add_maxpool, self.gate = add_maxpool, gate

    def forward(self, x):
        s = x.mean((2, 3), keepdim=True)
        if self.add_maxpool:
            s = 0.5 * s + 0.5 * x.amax((2, 3), keepdim=True)
        s = self.fc(s)
        return x * (F.hardsigmoid(s) if self.gate == 'hardsigmoid' else torch.sigmoid(s))


class ECA(nn.Module):
    """The official eca_layer (style 'official') or timm's EcaModule (style 'timm')."""

    def __init__(self, k=3, style='official', gate='sigmoid'):
        super().__init__()
        self.conv = nn.Conv1d(1, 1, k, padding=(k - 1) // 2, bias=False)
        self.style, self.gate = style, gate

    def forward(self, x):
        g = torch.sigmoid if self.gate == 'sigmoid' else F.hardsigmoid
        if self.style == 'official':
            y = F.adaptive_avg_pool2d(x, 1)
            y = self.conv(y.squeeze(-1).transpose(-1, -2)).transpose(-1, -2).unsqueeze(-1)
            return x * g(y).expand_as(x)
        y = x.mean((2, 3)).view(x.shape[0], 1, -1)
        y = g(self.conv(y)).view(x.shape[0], -1, 1, 1)
        return x * y.expand_as(x)


class SSE(nn.Module):
    def __init__(self, bias=True, gate='sigmoid'):
        super().__init__()
        self.conv = nn.Conv2d(C, 1, 1, bias=bias)
        self.gate = gate

    def forward(self, x):
        q = self.conv(x)
        return x * (torch.sigmoid(q) if self.gate == 'sigmoid' else F.hardsigmoid(q))


class SCSE(nn.Module):
    """smp's SCSEModule (combine 'add') or the authors' max."""

    def __init__(self, combine='add', sse_bias=True):
        super().__init__()
        self.cSE = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(C, R, 1), nn.ReLU(inplace=True),
                                 nn.Conv2d(R, C, 1), nn.Sigmoid())
        self.sSE = nn.Sequential(nn.Conv2d(C, 1, 1, bias=sse_bias), nn.Sigmoid())
        self.combine = combine

    def forward(self, x):
        if self.combine == 'add':
            return x * self.cSE(x) + x * self.sSE(x)
        return torch.max(x * self.cSE(x), x * self.sSE(x))


class CBAM(nn.Module):
    """CBAM with a shared 1x1-conv MLP over the pools, then the spatial gate of the official
    code (max-mean, ChannelPool with torch.max/torch.mean + unsqueeze, conv + BN) or timm's
    (mean-max with keepdim, conv without BN)."""

    def __init__(self, pools=('avg', 'max'), spatial='official', k=7, bias=True, r=R):
        super().__init__()
        self.fc1 = nn.Conv2d(C, r, 1, bias=bias)
        self.fc2 = nn.Conv2d(r, C, 1, bias=bias)
        self.pools, self.spatial = pools, spatial
        if spatial:
            self.conv = nn.Conv2d(2, 1, k, padding=(k - 1) // 2, bias=False)
            self.bn = nn.BatchNorm2d(1) if spatial == 'official' else None

    def pool(self, x, p):
        if p == 'avg':
            return x.mean((2, 3), keepdim=True)
        if p == 'max':
            return x.amax((2, 3), keepdim=True)
        if p == 'lp':
            return torch.norm(x, p=2, dim=(2, 3), keepdim=True)
        return torch.logsumexp(x, dim=(2, 3), keepdim=True)

    def forward(self, x):
        att = None
        for p in self.pools:
            m = self.fc2(torch.relu(self.fc1(self.pool(x, p))))
            att = m if att is None else att + m
        x = x * torch.sigmoid(att)
        if not self.spatial:
            return x
        if self.spatial == 'official':
            maps = torch.cat((torch.max(x, 1)[0].unsqueeze(1), torch.mean(x, 1).unsqueeze(1)), dim=1)
            return x * torch.sigmoid(self.bn(self.conv(maps)))
        maps = torch.cat([x.mean(dim=1, keepdim=True), x.amax(dim=1, keepdim=True)], dim=1)
        return x * torch.sigmoid(self.conv(maps))


# --- not attention blocks --------------------------------------------------------------

class SiLU(nn.Module):
    def forward(self, x):
        return F.silu(x)


class MulParameter(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.rand(1, C, 1, 1))

    def forward(self, x):
        return x * torch.sigmoid(self.scale)


class GLU(nn.Module):
    """x * sigmoid(conv_{C -> C}(x)): a per-pixel gate with C channels, not sSE."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(C, C, 1)

    def forward(self, x):
        return x * torch.sigmoid(self.conv(x))


class CrossGate(nn.Module):
    """x * SE-gate(z) with z another tensor: the pool does not read the tensor it scales."""

    def __init__(self):
        super().__init__()
        self.other = nn.Conv2d(C, C, 3, padding=1)
        self.se = SEConv()

    def forward(self, x):
        z = self.other(x)
        s = torch.sigmoid(self.se.fc2(torch.relu(self.se.fc1(z.mean((2, 3), keepdim=True)))))
        return x * s


class ShuffledGate(nn.Module):
    """x * s with the SE gate's channels shuffled (a view and a transpose of [N, 4, 5]): no SE."""

    def __init__(self):
        super().__init__()
        self.se = SEConv()

    def forward(self, x):
        s = torch.sigmoid(self.se.fc2(torch.relu(self.se.fc1(x.mean((2, 3), keepdim=True)))))
        b = x.shape[0]
        return x * s.view(b, 4, C // 4).transpose(1, 2).reshape(b, C, 1, 1)


class Net(nn.Module):
    """stem (3x3 conv 3 -> C) -> body -> head (1x1 conv C -> 4)."""

    def __init__(self, body, raw_input=False):
        super().__init__()
        self.stem = None if raw_input else nn.Conv2d(3, C, 3, padding=1)
        self.body = body
        self.head = nn.Conv2d(C, 4, 1)

    def forward(self, x):
        return self.head(self.body(x if self.stem is None else self.stem(x)))


def se(**o):
    return {'block': 'SE', 'options': dict({'channels': C, 'reducedChannels': R, 'bias': True, 'activation': 'relu',
                                            'gate': 'sigmoid', 'pool': 'avg'}, **o)}


HS_TORCH = {'alpha': 1.0 / 6.0, 'beta': 0.5}

# name: (module constructor, opset, dynamic N/H/W, expected blocks); constructed after seeding
CASES = {
    'se_conv_mean': (lambda: SEConv(), 13, False, [se()]),
    'se_conv_gap_nobias': (lambda: SEConv(bias=False, pool='gap'), 17, True, [se(bias=False)]),
    'se_conv_sx_order': (lambda: SEConv(order='sx'), 15, True, [se()]),
    'se_conv_fc1_bias_only': (lambda: SEConv(bias1=True, bias2=False), 13, False, [se()]),
    'se_hardswish_hardsigmoid': (lambda: SEConv(act='hardswish', gate='hardsigmoid'), 14, False,
                                 [se(activation='hardswish', gate='hardsigmoid', hardSigmoid=HS_TORCH)]),
    'se_hardswish13_relu6gate': (lambda: SEConv(act='hardswish', gate='relu6'), 13, True,
                                 [se(activation='hardswish', gate='hardsigmoid', hardSigmoid=HS_TORCH)]),
    'se_clip_hardswish_relu6mul': (lambda: SEConv(act='hardswish_clip', gate='relu6_mul'), 16, False,
                                   [se(activation='hardswish', gate='hardsigmoid', hardSigmoid=HS_TORCH)]),
    'se_silu_paddle_gate': (lambda: SEConv(act='silu', gate='paddle'), 17, False,
                            [se(activation='silu', gate='hardsigmoid', hardSigmoid={'alpha': 0.2, 'beta': 0.5})]),
    'se_none_cse': (lambda: SEConv(act='none', bias=False), 13, False, [se(activation='none', bias=False)]),
    'se_max': (lambda: SEConv(pool='max'), 13, False, [se(pool='max')]),
    'se_avgmax': (lambda: SEConv(pool='avgmax'), 17, True, [se(pool='avgmax')]),
    'se_linear_flatten_gemm': (lambda: SELinear('flatten'), 13, True, [se()]),
    'se_linear_view_gemm_static': (lambda: SELinear('view', bias=False), 11, False, [se(bias=False)]),
    'se_linear_matmul_expand': (lambda: SELinear('matmul', expand=True), 14, True, [se()]),
    'ese': (lambda: EffectiveSE(), 14, False,
            [{'block': 'EffectiveSE', 'options': {'channels': C, 'addMaxpool': False, 'gate': 'hardsigmoid', 'hardSigmoid': HS_TORCH}}]),
    'ese_maxpool_sigmoid': (lambda: EffectiveSE(add_maxpool=True, gate='sigmoid'), 17, True,
                            [{'block': 'EffectiveSE', 'options': {'channels': C, 'addMaxpool': True, 'gate': 'sigmoid'}}]),
    'eca_official': (lambda: Net(ECA(3, 'official'), raw_input=True), 13, True,
                     [{'block': 'ECA', 'options': {'channels': C, 'kernelSize': 3, 'padding': 'zeros', 'gate': 'sigmoid'}}]),
    'eca_timm_k5': (lambda: ECA(5, 'timm'), 17, True,
                    [{'block': 'ECA', 'options': {'channels': C, 'kernelSize': 5, 'padding': 'zeros', 'gate': 'sigmoid'}}]),
    'eca_static_hardsigmoid': (lambda: ECA(3, 'timm', gate='hardsigmoid'), 11, False,
                               [{'block': 'ECA', 'options': {'channels': C, 'kernelSize': 3, 'padding': 'zeros', 'gate': 'hardsigmoid', 'hardSigmoid': HS_TORCH}}]),
    'sse': (lambda: SSE(), 13, True, [{'block': 'sSE', 'options': {'channels': C, 'bias': True, 'gate': 'sigmoid'}}]),
    'sse_nobias_hardsigmoid': (lambda: SSE(bias=False, gate='hardsigmoid'), 17, False,
                               [{'block': 'sSE', 'options': {'channels': C, 'bias': False, 'gate': 'hardsigmoid', 'hardSigmoid': HS_TORCH}}]),
    'scse_add': (lambda: SCSE('add'), 13, True,
                 [{'block': 'scSE', 'options': dict(se()['options'], combine='add')}]),
    'scse_max_sse_nobias': (lambda: SCSE('max', sse_bias=False), 17, False,
                            [{'block': 'scSE', 'options': dict(se()['options'], combine='max')}]),
    'cbam_official': (lambda: CBAM(), 13, True,
                      [{'block': 'CBAM', 'options': {'channels': C, 'reducedChannels': R, 'bias': True, 'pools': ['avg', 'max'],
                                                     'spatialKernel': 7, 'spatialOrder': 'max-mean', 'spatialNorm': True}}]),
    'cbam_timm_k3': (lambda: CBAM(spatial='timm', k=3, bias=False, r=4), 17, False,
                     [{'block': 'CBAM', 'options': {'channels': C, 'reducedChannels': 4, 'bias': False, 'pools': ['avg', 'max'],
                                                    'spatialKernel': 3, 'spatialOrder': 'mean-max', 'spatialNorm': False}}]),
    'cbam_channel_lp_lse': (lambda: CBAM(pools=('avg', 'max', 'lp', 'lse'), spatial=None), 13, False,
                            [{'block': 'CBAM', 'options': {'channels': C, 'reducedChannels': R, 'bias': True,
                                                           'pools': ['avg', 'max', 'lp', 'lse'], 'spatial': False}}]),
    'not_silu': (lambda: SiLU(), 13, False, []),
    'not_mul_parameter': (lambda: MulParameter(), 13, False, []),
    'not_glu': (lambda: GLU(), 13, False, []),
    'not_cross_gate': (lambda: CrossGate(), 13, False, []),
    'not_shuffled_gate': (lambda: ShuffledGate(), 13, True, []),
}


def bad_variants():
    """se_conv_mean with its fc1 weight stored outside the model, or as float16: errors to report."""
    import numpy as np
    import onnx
    from onnx import numpy_helper
    for name, edit in (('bad_external_data', 'external'), ('bad_float16_weight', 'float16')):
        model = onnx.load(os.path.join(OUT, 'se_conv_mean.onnx'))
        w = next(t for t in model.graph.initializer if t.name == 'body.fc1.weight')
        if edit == 'external':
            w.ClearField('raw_data')
            w.data_location = onnx.TensorProto.EXTERNAL
            w.external_data.add(key='location', value='weights.bin')
        else:
            w.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(w).astype(np.float16), w.name))
        onnx.save_model(model, os.path.join(OUT, name + '.onnx'))


def main():
    os.makedirs(OUT, exist_ok=True)
    manifest = {}
    for i, (name, (make, opset, dynamic, expected)) in enumerate(CASES.items()):
        torch.manual_seed(1000 + i)
        body = make()
        net = body if isinstance(body, Net) else Net(body)
        for m in net.modules():  # give batch norms non-trivial statistics
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.data.uniform_(0.5, 1.5)
                m.bias.data.uniform_(-0.5, 0.5)
        net.eval()
        x = torch.randn(2, 3 if net.stem is not None else C, 7, 9)
        path = os.path.join(OUT, name + '.onnx')
        torch.onnx.export(net, (x,), path, opset_version=opset, input_names=['input'], output_names=['output'],
                          dynamic_axes={'input': {0: 'N', 2: 'H', 3: 'W'}, 'output': {0: 'N', 2: 'H', 3: 'W'}} if dynamic else None,
                          do_constant_folding=True)
        manifest[name] = {'opset': opset, 'input': list(x.shape), 'dynamic': dynamic, 'blocks': expected}
    with open(os.path.join(HERE, 'cases.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
        f.write('\n')
    bad_variants()


if __name__ == '__main__':
    main()
