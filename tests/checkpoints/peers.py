"""The peers' attention modules, re-typed from their libraries' files (read with the search tool),
with the libraries' attribute names, so that `state_dict()` has the keys a user's checkpoint has.
Only the inference path is kept (no init schemes, no training-only branches). Each class names
the file and commit it was read from; bindings/checkpoints/*.ts says what excite takes from it.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


# ---- timm: huggingface/pytorch-image-models @ aa4b585 (timm/layers/, timm/models/) ----------

def make_divisible(v, divisor=8, min_value=None, round_limit=0.9):
    """timm/layers/helpers.py."""
    min_value = min_value or divisor
    n = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if n < round_limit * v:
        n += divisor
    return n


def act_layer(name):
    """The layers timm's create_act_layer gives for the names used here."""
    return {'relu': nn.ReLU, 'silu': nn.SiLU, 'sigmoid': nn.Sigmoid, 'hard_sigmoid': nn.Hardsigmoid,
            'hard_swish': nn.Hardswish}[name]()


class TimmSEModule(nn.Module):
    """timm/layers/squeeze_excite.py SEModule."""

    def __init__(self, channels, rd_ratio=1 / 16, rd_channels=None, rd_divisor=8, add_maxpool=False,
                 bias=True, act='relu', norm=False, gate='sigmoid'):
        super().__init__()
        self.add_maxpool = add_maxpool
        if not rd_channels:
            rd_channels = make_divisible(channels * rd_ratio, rd_divisor, round_limit=0.)
        self.fc1 = nn.Conv2d(channels, rd_channels, 1, bias=bias)
        self.bn = nn.BatchNorm2d(rd_channels) if norm else nn.Identity()
        self.act = act_layer(act)
        self.fc2 = nn.Conv2d(rd_channels, channels, 1, bias=bias)
        self.gate = act_layer(gate)

    def forward(self, x):
        s = x.mean((2, 3), keepdim=True)
        if self.add_maxpool:
            s = 0.5 * s + 0.5 * x.amax((2, 3), keepdim=True)
        return x * self.gate(self.fc2(self.act(self.bn(self.fc1(s)))))


class TimmEffectiveSEModule(nn.Module):
    """timm/layers/squeeze_excite.py EffectiveSEModule."""

    def __init__(self, channels, add_maxpool=False, gate='hard_sigmoid'):
        super().__init__()
        self.add_maxpool = add_maxpool
        self.fc = nn.Conv2d(channels, channels, 1)
        self.gate = act_layer(gate)

    def forward(self, x):
        s = x.mean((2, 3), keepdim=True)
        if self.add_maxpool:
            s = 0.5 * s + 0.5 * x.amax((2, 3), keepdim=True)
        return x * self.gate(self.fc(s))


class TimmSqueezeExcite(nn.Module):
    """timm/models/_efficientnet_blocks.py SqueezeExcite (rd_round_fn = round)."""

    def __init__(self, in_chs, rd_ratio=0.25, rd_channels=None, act='relu', gate='sigmoid'):
        super().__init__()
        if rd_channels is None:
            rd_channels = round(in_chs * rd_ratio)
        self.conv_reduce = nn.Conv2d(in_chs, rd_channels, 1, bias=True)
        self.act1 = act_layer(act)
        self.conv_expand = nn.Conv2d(rd_channels, in_chs, 1, bias=True)
        self.gate = act_layer(gate)

    def forward(self, x):
        return x * self.gate(self.conv_expand(self.act1(self.conv_reduce(x.mean((2, 3), keepdim=True)))))


def timm_eca_kernel(channels, kernel_size=3, gamma=2, beta=1):
    """timm/layers/eca.py: with channels given, the adaptive k replaces kernel_size."""
    if channels is None:
        return kernel_size
    t = int(abs(math.log(channels, 2) + beta) / gamma)
    return max(t if t % 2 else t + 1, 3)


class TimmEcaModule(nn.Module):
    """timm/layers/eca.py EcaModule (use_mlp False)."""

    def __init__(self, channels=None, kernel_size=3):
        super().__init__()
        k = timm_eca_kernel(channels, kernel_size)
        self.conv = nn.Conv1d(1, 1, k, padding=(k - 1) // 2, bias=False)
        self.gate = nn.Sigmoid()

    def forward(self, x):
        y = self.conv(x.mean((2, 3)).view(x.shape[0], 1, -1))
        return x * self.gate(y).view(x.shape[0], -1, 1, 1)


class TimmCecaModule(nn.Module):
    """timm/layers/eca.py CecaModule (no act_layer: no bias)."""

    def __init__(self, channels=None, kernel_size=3):
        super().__init__()
        k = timm_eca_kernel(channels, kernel_size)
        self.padding = (k - 1) // 2
        self.conv = nn.Conv1d(1, 1, k, padding=0, bias=False)
        self.gate = nn.Sigmoid()

    def forward(self, x):
        y = F.pad(x.mean((2, 3)).view(x.shape[0], 1, -1), (self.padding, self.padding), mode='circular')
        return x * self.gate(self.conv(y)).view(x.shape[0], -1, 1, 1)


class ConvBn(nn.Module):
    """timm/layers/conv_bn_act.py ConvNormAct with timm's default padding ((s − 1) + d(k − 1)) // 2,
    no conv bias, BatchNorm `bn` (BatchNormAct2d, eps 1e-5), optional ReLU."""

    def __init__(self, cin, cout, k, stride=1, dilation=1, groups=1, relu=True):
        super().__init__()
        pad = ((stride - 1) + dilation * (k - 1)) // 2
        self.conv = nn.Conv2d(cin, cout, k, stride, pad, dilation, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        self.relu = relu

    def forward(self, x):
        x = self.bn(self.conv(x))
        return F.relu(x) if self.relu else x


class TimmChannelAttn(nn.Module):
    """timm/layers/cbam.py ChannelAttn (rd_divisor 1)."""

    def __init__(self, channels, rd_ratio=1 / 16, rd_channels=None, mlp_bias=False):
        super().__init__()
        if not rd_channels:
            rd_channels = make_divisible(channels * rd_ratio, 1, round_limit=0.)
        self.fc1 = nn.Conv2d(channels, rd_channels, 1, bias=mlp_bias)
        self.act = nn.ReLU()
        self.fc2 = nn.Conv2d(rd_channels, channels, 1, bias=mlp_bias)

    def forward(self, x):
        avg = self.fc2(self.act(self.fc1(x.mean((2, 3), keepdim=True))))
        mx = self.fc2(self.act(self.fc1(x.amax((2, 3), keepdim=True))))
        return x * torch.sigmoid(avg + mx)


class TimmLightChannelAttn(TimmChannelAttn):
    """timm/layers/cbam.py LightChannelAttn: one MLP of 0.5·avg + 0.5·max."""

    def forward(self, x):
        pooled = 0.5 * x.mean((2, 3), keepdim=True) + 0.5 * x.amax((2, 3), keepdim=True)
        return x * torch.sigmoid(self.fc2(self.act(self.fc1(pooled))))


class TimmSpatialAttn(nn.Module):
    """timm/layers/cbam.py SpatialAttn: cat(mean_C, max_C), mean first."""

    def __init__(self, kernel_size=7):
        super().__init__()
        self.conv = ConvBn(2, 1, kernel_size, relu=False)

    def forward(self, x):
        return x * torch.sigmoid(self.conv(torch.cat([x.mean(1, keepdim=True), x.amax(1, keepdim=True)], 1)))


class TimmLightSpatialAttn(nn.Module):
    """timm/layers/cbam.py LightSpatialAttn: one map, 0.5·mean_C + 0.5·max_C."""

    def __init__(self, kernel_size=7):
        super().__init__()
        self.conv = ConvBn(1, 1, kernel_size, relu=False)

    def forward(self, x):
        return x * torch.sigmoid(self.conv(0.5 * x.mean(1, keepdim=True) + 0.5 * x.amax(1, keepdim=True)))


class TimmCbamModule(nn.Module):
    """timm/layers/cbam.py CbamModule."""

    def __init__(self, channels, rd_ratio=1 / 16, rd_channels=None, spatial_kernel_size=7, mlp_bias=False,
                 light=False):
        super().__init__()
        channel, spatial = (TimmLightChannelAttn, TimmLightSpatialAttn) if light else (TimmChannelAttn, TimmSpatialAttn)
        self.channel = channel(channels, rd_ratio, rd_channels, mlp_bias)
        self.spatial = spatial(spatial_kernel_size)

    def forward(self, x):
        return self.spatial(self.channel(x))


def TimmLightCbamModule(channels, **kw):
    """timm/layers/cbam.py LightCbamModule."""
    return TimmCbamModule(channels, light=True, **kw)


class TimmConvMlp(nn.Module):
    """timm/layers/mlp.py ConvMlp: fc1, norm, act, fc2 (1×1 convs with bias)."""

    def __init__(self, cin, hidden, norm=None):
        super().__init__()
        self.fc1 = nn.Conv2d(cin, hidden, 1)
        self.norm = norm(hidden) if norm else nn.Identity()
        self.act = nn.ReLU()
        self.fc2 = nn.Conv2d(hidden, cin, 1)

    def forward(self, x):
        return self.fc2(self.act(self.norm(self.fc1(x))))


class TimmGatherExcite(nn.Module):
    """timm/layers/gather_excite.py GatherExcite (the semantics of timm ≤ 1.0.20; main's `*dd` does
    not construct with use_mlp)."""

    def __init__(self, channels, feat_size=None, extra_params=False, extent=0, use_mlp=True,
                 rd_ratio=1 / 16, rd_channels=None, add_maxpool=False):
        super().__init__()
        self.add_maxpool, self.extent = add_maxpool, extent
        if extra_params:
            self.gather = nn.Sequential()
            if extent == 0:
                kh, kw = feat_size
                self.gather.add_module('conv1', nn.Conv2d(channels, channels, (kh, kw), 1, ((kh - 1) // 2, (kw - 1) // 2),
                                                          groups=channels, bias=False))
                self.gather.add_module('norm1', nn.BatchNorm2d(channels))
            else:
                n = int(math.log2(extent))
                for i in range(n):
                    self.gather.add_module(f'conv{i + 1}', nn.Conv2d(channels, channels, 3, 2, 1, groups=channels, bias=False))
                    self.gather.add_module(f'norm{i + 1}', nn.BatchNorm2d(channels))
                    if i != n - 1:
                        self.gather.add_module(f'act{i + 1}', nn.ReLU())
        else:
            self.gather = None
            self.gk, self.gs = (0, 0) if extent == 0 else (2 * extent - 1, extent)
        if not rd_channels:
            rd_channels = make_divisible(channels * rd_ratio, 1, round_limit=0.)
        self.mlp = TimmConvMlp(channels, rd_channels) if use_mlp else nn.Identity()

    def forward(self, x):
        if self.gather is not None:
            g = self.gather(x)
        elif self.extent == 0:
            g = x.mean((2, 3), keepdim=True)
            if self.add_maxpool:
                g = 0.5 * g + 0.5 * x.amax((2, 3), keepdim=True)
        else:
            g = F.avg_pool2d(x, self.gk, self.gs, self.gk // 2, count_include_pad=False)
            if self.add_maxpool:
                g = 0.5 * g + 0.5 * F.max_pool2d(x, self.gk, self.gs, self.gk // 2)
        g = self.mlp(g)
        if g.shape[-1] != 1 or g.shape[-2] != 1:
            g = F.interpolate(g, size=x.shape[-2:])
        return x * torch.sigmoid(g)


class TimmLayerNorm2d(nn.LayerNorm):
    """timm/layers/norm.py LayerNorm2d: LayerNorm over C of an NCHW tensor, eps 1e-6."""

    def __init__(self, channels):
        super().__init__(channels, eps=1e-6)

    def forward(self, x):
        return F.layer_norm(x.permute(0, 2, 3, 1), self.normalized_shape, self.weight, self.bias, self.eps).permute(0, 3, 1, 2)


class TimmGlobalContext(nn.Module):
    """timm/layers/global_context.py GlobalContext (rd_divisor 1)."""

    def __init__(self, channels, use_attn=True, fuse_add=False, fuse_scale=True, rd_ratio=1 / 8, rd_channels=None):
        super().__init__()
        self.conv_attn = nn.Conv2d(channels, 1, 1, bias=True) if use_attn else None
        if rd_channels is None:
            rd_channels = make_divisible(channels * rd_ratio, 1, round_limit=0.)
        self.mlp_add = TimmConvMlp(channels, rd_channels, TimmLayerNorm2d) if fuse_add else None
        self.mlp_scale = TimmConvMlp(channels, rd_channels, TimmLayerNorm2d) if fuse_scale else None

    def forward(self, x):
        B, C, H, W = x.shape
        if self.conv_attn is not None:
            attn = F.softmax(self.conv_attn(x).reshape(B, 1, H * W), dim=-1).unsqueeze(3)
            context = (x.reshape(B, C, H * W).unsqueeze(1) @ attn).view(B, C, 1, 1)
        else:
            context = x.mean((2, 3), keepdim=True)
        if self.mlp_scale is not None:
            x = x * torch.sigmoid(self.mlp_scale(context))
        if self.mlp_add is not None:
            x = x + self.mlp_add(context)
        return x


class TimmSelectiveKernelAttn(nn.Module):
    """timm/layers/selective_kernel.py SelectiveKernelAttn."""

    def __init__(self, channels, num_paths, attn_channels):
        super().__init__()
        self.num_paths = num_paths
        self.fc_reduce = nn.Conv2d(channels, attn_channels, 1, bias=False)
        self.bn = nn.BatchNorm2d(attn_channels)
        self.act = nn.ReLU()
        self.fc_select = nn.Conv2d(attn_channels, channels * num_paths, 1, bias=False)

    def forward(self, x):
        x = self.fc_select(self.act(self.bn(self.fc_reduce(x.sum(1).mean((2, 3), keepdim=True)))))
        B, C, H, W = x.shape
        return torch.softmax(x.view(B, self.num_paths, C // self.num_paths, H, W), dim=1)


class TimmSelectiveKernel(nn.Module):
    """timm/layers/selective_kernel.py SelectiveKernel."""

    def __init__(self, in_channels, out_channels=None, kernel_size=None, stride=1, dilation=1, groups=1,
                 rd_ratio=1 / 16, rd_channels=None, rd_divisor=8, keep_3x3=True, split_input=True):
        super().__init__()
        out_channels = out_channels or in_channels
        kernel_size = kernel_size or [3, 5]
        if not isinstance(kernel_size, list):
            kernel_size = [kernel_size] * 2
        if keep_3x3:
            dilation = [dilation * (k - 1) // 2 for k in kernel_size]
            kernel_size = [3] * len(kernel_size)
        else:
            dilation = [dilation] * len(kernel_size)
        self.num_paths = len(kernel_size)
        self.in_channels, self.split_input = in_channels, split_input
        path_in = in_channels // self.num_paths if split_input else in_channels
        groups = min(out_channels, groups)
        self.paths = nn.ModuleList([ConvBn(path_in, out_channels, k, stride, d, groups) for k, d in zip(kernel_size, dilation)])
        attn_channels = rd_channels or make_divisible(out_channels * rd_ratio, divisor=rd_divisor)
        self.attn = TimmSelectiveKernelAttn(out_channels, self.num_paths, attn_channels)

    def forward(self, x):
        if self.split_input:
            xs = torch.split(x, self.in_channels // self.num_paths, 1)
            paths = [op(xs[i]) for i, op in enumerate(self.paths)]
        else:
            paths = [op(x) for op in self.paths]
        x = torch.stack(paths, dim=1)
        return torch.sum(x * self.attn(x), dim=1)


def radix_softmax(x, radix, cardinality):
    """timm's RadixSoftmax, ResNeSt's rSoftMax: softmax over the radix of a [N, G, R, C/G] view;
    a sigmoid at radix 1."""
    batch = x.size(0)
    if radix > 1:
        return F.softmax(x.view(batch, cardinality, radix, -1).transpose(1, 2), dim=1).reshape(batch, -1)
    return torch.sigmoid(x)


class TimmSplitAttn(nn.Module):
    """timm/layers/split_attn.py SplitAttn (norm_layer BatchNorm2d when `norm`)."""

    def __init__(self, in_channels, out_channels=None, kernel_size=3, stride=1, padding=None, dilation=1,
                 groups=1, bias=False, radix=2, rd_ratio=0.25, rd_channels=None, rd_divisor=8, norm=False):
        super().__init__()
        out_channels = out_channels or in_channels
        self.radix, self.groups = radix, groups
        mid = out_channels * radix
        attn = make_divisible(in_channels * radix * rd_ratio, min_value=32, divisor=rd_divisor) if rd_channels is None \
            else rd_channels * radix
        padding = kernel_size // 2 if padding is None else padding
        self.conv = nn.Conv2d(in_channels, mid, kernel_size, stride, padding, dilation, groups=groups * radix, bias=bias)
        self.bn0 = nn.BatchNorm2d(mid) if norm else nn.Identity()
        self.fc1 = nn.Conv2d(out_channels, attn, 1, groups=groups)
        self.bn1 = nn.BatchNorm2d(attn) if norm else nn.Identity()
        self.fc2 = nn.Conv2d(attn, mid, 1, groups=groups)

    def forward(self, x):
        x = F.relu(self.bn0(self.conv(x)))
        B, RC, H, W = x.shape
        if self.radix > 1:
            x = x.reshape(B, self.radix, RC // self.radix, H, W)
            gap = x.sum(1)
        else:
            gap = x
        a = self.fc2(F.relu(self.bn1(self.fc1(gap.mean((2, 3), keepdim=True)))))
        a = radix_softmax(a, self.radix, self.groups).view(B, -1, 1, 1)
        if self.radix > 1:
            return (x * a.reshape(B, self.radix, RC // self.radix, 1, 1)).sum(1)
        return x * a


class TimmCoordAttn(nn.Module):
    """timm/layers/coord_attn.py CoordAttn (has_skip False)."""

    def __init__(self, channels, rd_ratio=1 / 16, rd_channels=None, rd_divisor=8, se_factor=2 / 3, bias=False):
        super().__init__()
        if not rd_channels:
            rd_channels = make_divisible(channels * rd_ratio * se_factor, rd_divisor, round_limit=0.)
        self.conv1 = nn.Conv2d(channels, rd_channels, 1, bias=bias)
        self.bn1 = nn.BatchNorm2d(rd_channels)
        self.act = nn.Hardswish()
        self.conv_h = nn.Conv2d(rd_channels, channels, 1, bias=bias)
        self.conv_w = nn.Conv2d(rd_channels, channels, 1, bias=bias)

    def forward(self, x):
        N, C, H, W = x.shape
        y = torch.cat([x.mean(3, keepdim=True), x.mean(2, keepdim=True).transpose(-1, -2)], dim=2)
        y = self.act(self.bn1(self.conv1(y)))
        x_h, x_w = torch.split(y, [H, W], dim=2)
        return x * torch.sigmoid(self.conv_w(x_w.transpose(-1, -2))) * torch.sigmoid(self.conv_h(x_h))


# ---- smp: qubvel/segmentation_models.pytorch @ bd7f877, segmentation_models_pytorch/base/modules.py

class SmpSCSEModule(nn.Module):
    """SCSEModule(in_channels, reduction=16)."""

    def __init__(self, in_channels, reduction=16):
        super().__init__()
        self.cSE = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(in_channels, in_channels // reduction, 1), nn.ReLU(),
                                 nn.Conv2d(in_channels // reduction, in_channels, 1), nn.Sigmoid())
        self.sSE = nn.Sequential(nn.Conv2d(in_channels, 1, 1), nn.Sigmoid())

    def forward(self, x):
        return x * self.cSE(x) + x * self.sSE(x)


# ---- the official CBAM and BAM: Jongchan/attention-module @ 459efad, MODELS/cbam.py, MODELS/bam.py

class Flatten(nn.Module):
    def forward(self, x):
        return x.view(x.size(0), -1)


class BasicConv(nn.Module):
    """MODELS/cbam.py BasicConv (relu False): conv without bias, BatchNorm eps 1e-5."""

    def __init__(self, cin, cout, k, padding):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, 1, padding, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=1e-5, momentum=0.01)

    def forward(self, x):
        return self.bn(self.conv(x))


def logsumexp_2d(x):
    flat = x.view(x.size(0), x.size(1), -1)
    s, _ = torch.max(flat, dim=2, keepdim=True)
    return s + (flat - s).exp().sum(dim=2, keepdim=True).log()


class OfficialChannelGate(nn.Module):
    def __init__(self, gate_channels, reduction_ratio=16, pool_types=('avg', 'max')):
        super().__init__()
        self.mlp = nn.Sequential(Flatten(), nn.Linear(gate_channels, gate_channels // reduction_ratio), nn.ReLU(),
                                 nn.Linear(gate_channels // reduction_ratio, gate_channels))
        self.pool_types = pool_types

    def forward(self, x):
        total = None
        hw = (x.size(2), x.size(3))
        for p in self.pool_types:
            if p == 'avg':
                raw = self.mlp(F.avg_pool2d(x, hw, stride=hw))
            elif p == 'max':
                raw = self.mlp(F.max_pool2d(x, hw, stride=hw))
            elif p == 'lp':
                raw = self.mlp(F.lp_pool2d(x, 2, hw, stride=hw))
            else:
                raw = self.mlp(logsumexp_2d(x))
            total = raw if total is None else total + raw
        return x * torch.sigmoid(total).unsqueeze(2).unsqueeze(3).expand_as(x)


class OfficialSpatialGate(nn.Module):
    def __init__(self):
        super().__init__()
        self.spatial = BasicConv(2, 1, 7, padding=3)

    def forward(self, x):
        pooled = torch.cat((torch.max(x, 1)[0].unsqueeze(1), torch.mean(x, 1).unsqueeze(1)), dim=1)
        return x * torch.sigmoid(self.spatial(pooled))


class OfficialCBAM(nn.Module):
    """MODELS/cbam.py CBAM(gate_channels, reduction_ratio=16, pool_types=['avg', 'max'], no_spatial=False)."""

    def __init__(self, gate_channels, reduction_ratio=16, pool_types=('avg', 'max'), no_spatial=False):
        super().__init__()
        self.ChannelGate = OfficialChannelGate(gate_channels, reduction_ratio, pool_types)
        self.no_spatial = no_spatial
        if not no_spatial:
            self.SpatialGate = OfficialSpatialGate()

    def forward(self, x):
        x = self.ChannelGate(x)
        return x if self.no_spatial else self.SpatialGate(x)


class OfficialBAMChannelGate(nn.Module):
    """MODELS/bam.py ChannelGate (num_layers 1), without the undefined `gate_activation` it assigns."""

    def __init__(self, gate_channel, reduction_ratio=16):
        super().__init__()
        r = gate_channel // reduction_ratio
        self.gate_c = nn.Sequential()
        self.gate_c.add_module('flatten', Flatten())
        self.gate_c.add_module('gate_c_fc_0', nn.Linear(gate_channel, r))
        self.gate_c.add_module('gate_c_bn_1', nn.BatchNorm1d(r))
        self.gate_c.add_module('gate_c_relu_1', nn.ReLU())
        self.gate_c.add_module('gate_c_fc_final', nn.Linear(r, gate_channel))

    def forward(self, x):
        # an H×H window with stride H: the global average of a square input
        return self.gate_c(F.avg_pool2d(x, x.size(2), stride=x.size(2))).unsqueeze(2).unsqueeze(3).expand_as(x)


class OfficialBAMSpatialGate(nn.Module):
    def __init__(self, gate_channel, reduction_ratio=16, dilation_conv_num=2, dilation_val=4):
        super().__init__()
        r = gate_channel // reduction_ratio
        self.gate_s = nn.Sequential()
        self.gate_s.add_module('gate_s_conv_reduce0', nn.Conv2d(gate_channel, r, 1))
        self.gate_s.add_module('gate_s_bn_reduce0', nn.BatchNorm2d(r))
        self.gate_s.add_module('gate_s_relu_reduce0', nn.ReLU())
        for i in range(dilation_conv_num):
            self.gate_s.add_module(f'gate_s_conv_di_{i}', nn.Conv2d(r, r, 3, padding=dilation_val, dilation=dilation_val))
            self.gate_s.add_module(f'gate_s_bn_di_{i}', nn.BatchNorm2d(r))
            self.gate_s.add_module(f'gate_s_relu_di_{i}', nn.ReLU())
        self.gate_s.add_module('gate_s_conv_final', nn.Conv2d(r, 1, 1))

    def forward(self, x):
        return self.gate_s(x).expand_as(x)


class OfficialBAM(nn.Module):
    """MODELS/bam.py BAM(gate_channel) (the reduction 16 and spatial options exposed for small tests)."""

    def __init__(self, gate_channel, reduction_ratio=16, dilation_conv_num=2, dilation_val=4):
        super().__init__()
        self.channel_att = OfficialBAMChannelGate(gate_channel, reduction_ratio)
        self.spatial_att = OfficialBAMSpatialGate(gate_channel, reduction_ratio, dilation_conv_num, dilation_val)

    def forward(self, x):
        return (1 + torch.sigmoid(self.channel_att(x) * self.spatial_att(x))) * x


# ---- ResNeSt: zhanghang1989/ResNeSt @ 1dfb3e8, resnest/torch/models/splat.py ----------------

class SplAtConv2d(nn.Module):
    """SplAtConv2d (rectify False, dropblock 0)."""

    def __init__(self, in_channels, channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 radix=2, reduction_factor=4, norm=False):
        super().__init__()
        inter = max(in_channels * radix // reduction_factor, 32)
        self.radix, self.cardinality, self.use_bn = radix, groups, norm
        self.conv = nn.Conv2d(in_channels, channels * radix, kernel_size, stride, padding, dilation, groups=groups * radix, bias=bias)
        if norm:
            self.bn0 = nn.BatchNorm2d(channels * radix)
        self.fc1 = nn.Conv2d(channels, inter, 1, groups=groups)
        if norm:
            self.bn1 = nn.BatchNorm2d(inter)
        self.fc2 = nn.Conv2d(inter, channels * radix, 1, groups=groups)

    def forward(self, x):
        x = self.conv(x)
        if self.use_bn:
            x = self.bn0(x)
        x = F.relu(x)
        rc = x.shape[1]
        if self.radix > 1:
            splits = torch.split(x, rc // self.radix, dim=1)
            gap = sum(splits)
        else:
            gap = x
        gap = self.fc1(F.adaptive_avg_pool2d(gap, 1))
        if self.use_bn:
            gap = self.bn1(gap)
        att = radix_softmax(self.fc2(F.relu(gap)), self.radix, self.cardinality).view(x.shape[0], -1, 1, 1)
        if self.radix > 1:
            return sum(a * s for a, s in zip(torch.split(att, rc // self.radix, dim=1), splits))
        return att * x


# ---- mmcv: open-mmlab/mmcv @ a8073c7, mmcv/cnn/bricks/context_block.py -----------------------

class MmcvContextBlock(nn.Module):
    """ContextBlock(in_channels, ratio, pooling_type='att', fusion_types=('channel_add',))."""

    def __init__(self, in_channels, ratio, pooling_type='att', fusion_types=('channel_add',)):
        super().__init__()
        self.planes = int(in_channels * ratio)
        self.pooling_type = pooling_type
        if pooling_type == 'att':
            self.conv_mask = nn.Conv2d(in_channels, 1, 1)

        def transform():
            return nn.Sequential(nn.Conv2d(in_channels, self.planes, 1), nn.LayerNorm([self.planes, 1, 1]), nn.ReLU(),
                                 nn.Conv2d(self.planes, in_channels, 1))
        self.channel_add_conv = transform() if 'channel_add' in fusion_types else None
        self.channel_mul_conv = transform() if 'channel_mul' in fusion_types else None

    def forward(self, x):
        n, c, h, w = x.shape
        if self.pooling_type == 'att':
            mask = F.softmax(self.conv_mask(x).view(n, 1, h * w), dim=2).unsqueeze(-1)
            context = torch.matmul(x.view(n, c, h * w).unsqueeze(1), mask).view(n, c, 1, 1)
        else:
            context = F.adaptive_avg_pool2d(x, 1)
        out = x
        if self.channel_mul_conv is not None:
            out = out * torch.sigmoid(self.channel_mul_conv(context))
        if self.channel_add_conv is not None:
            out = out + self.channel_add_conv(context)
        return out


# ---- open-aff: YimianDai/open-aff @ 0bcfd8a, aff_pytorch/aff_net/fusion.py -------------------

def _local(channels, inter):
    return nn.Sequential(nn.Conv2d(channels, inter, 1), nn.BatchNorm2d(inter), nn.ReLU(), nn.Conv2d(inter, channels, 1),
                         nn.BatchNorm2d(channels))


def _global(channels, inter):
    return nn.Sequential(nn.AdaptiveAvgPool2d(1), *_local(channels, inter))


class OpenAffMSCAM(nn.Module):
    """MS_CAM(channels=64, r=4)."""

    def __init__(self, channels=64, r=4):
        super().__init__()
        inter = int(channels // r)
        self.local_att, self.global_att = _local(channels, inter), _global(channels, inter)

    def forward(self, x):
        return x * torch.sigmoid(self.local_att(x) + self.global_att(x))


class OpenAffAFF(OpenAffMSCAM):
    """AFF(channels=64, r=4): y = 2·x·w + 2·residual·(1 − w)."""

    def forward(self, x, residual):
        xa = x + residual
        w = torch.sigmoid(self.local_att(xa) + self.global_att(xa))
        return 2 * x * w + 2 * residual * (1 - w)


class OpenAffIAFF(OpenAffMSCAM):
    """iAFF(channels=64, r=4): the forward's second stage uses global_att, not global_att2."""

    def __init__(self, channels=64, r=4):
        super().__init__(channels, r)
        inter = int(channels // r)
        self.local_att2, self.global_att2 = _local(channels, inter), _global(channels, inter)

    def forward(self, x, residual):
        xa = x + residual
        w = torch.sigmoid(self.local_att(xa) + self.global_att(xa))
        xi = x * w + residual * (1 - w)
        w2 = torch.sigmoid(self.local_att2(xi) + self.global_att(xi))
        return x * w2 + residual * (1 - w2)


# ---- the papers' own repositories ------------------------------------------------------------

class SaLayer(nn.Module):
    """wofmanaf/SA-Net @ 00a6760 models/sa_resnet.py sa_layer(channel, groups=64)."""

    def __init__(self, channel, groups=64):
        super().__init__()
        p = channel // (2 * groups)
        self.groups = groups
        self.cweight = nn.Parameter(torch.zeros(1, p, 1, 1))
        self.cbias = nn.Parameter(torch.ones(1, p, 1, 1))
        self.sweight = nn.Parameter(torch.zeros(1, p, 1, 1))
        self.sbias = nn.Parameter(torch.ones(1, p, 1, 1))
        self.gn = nn.GroupNorm(p, p)

    def forward(self, x):
        b, c, h, w = x.shape
        x = x.reshape(b * self.groups, -1, h, w)
        x0, x1 = x.chunk(2, dim=1)
        xn = x0 * torch.sigmoid(self.cweight * F.adaptive_avg_pool2d(x0, 1) + self.cbias)
        xs = x1 * torch.sigmoid(self.sweight * self.gn(x1) + self.sbias)
        out = torch.cat([xn, xs], dim=1).reshape(b, -1, h, w)
        # channel_shuffle(out, 2)
        return out.reshape(b, 2, -1, h, w).permute(0, 2, 1, 3, 4).reshape(b, -1, h, w)


class EcaLayer(nn.Module):
    """BangguWu/ECANet @ b332f6b models/eca_module.py eca_layer(channel, k_size=3)."""

    def __init__(self, channel, k_size=3):
        super().__init__()
        self.conv = nn.Conv1d(1, 1, k_size, padding=(k_size - 1) // 2, bias=False)

    def forward(self, x):
        y = F.adaptive_avg_pool2d(x, 1)
        y = self.conv(y.squeeze(-1).transpose(-1, -2)).transpose(-1, -2).unsqueeze(-1)
        return x * torch.sigmoid(y).expand_as(x)


class CoordAtt(nn.Module):
    """Andrew-Qibin/CoordAttention @ dbd5e7b coordatt.py CoordAtt(inp, oup, reduction=32)."""

    def __init__(self, inp, oup, reduction=32):
        super().__init__()
        mip = max(8, inp // reduction)
        self.conv1 = nn.Conv2d(inp, mip, 1)
        self.bn1 = nn.BatchNorm2d(mip)
        self.conv_h = nn.Conv2d(mip, oup, 1)
        self.conv_w = nn.Conv2d(mip, oup, 1)

    def forward(self, x):
        n, c, h, w = x.shape
        y = torch.cat([F.adaptive_avg_pool2d(x, (None, 1)), F.adaptive_avg_pool2d(x, (1, None)).permute(0, 1, 3, 2)], dim=2)
        y = self.bn1(self.conv1(y))
        y = y * (F.relu6(y + 3) / 6)   # h_swish
        x_h, x_w = torch.split(y, [h, w], dim=2)
        return x * self.conv_w(x_w.permute(0, 1, 3, 2)).sigmoid() * self.conv_h(x_h).sigmoid()


class TripletGate(nn.Module):
    """landskape-ai/triplet-attention @ 2cf02fb: ZPool (max, mean) → BasicConv(2, 1, 7) → sigmoid.
    `name` is the BasicConv's attribute: 'conv' (triplet_attention.py AttentionGate) or 'spatial'
    (MODELS/triplet_attention.py SpatialGate)."""

    def __init__(self, name='conv'):
        super().__init__()
        self.name = name
        setattr(self, name, BasicConv(2, 1, 7, padding=3))

    def forward(self, x):
        pooled = torch.cat((torch.max(x, 1)[0].unsqueeze(1), torch.mean(x, 1).unsqueeze(1)), dim=1)
        return x * torch.sigmoid(getattr(self, self.name)(pooled))


class TripletAttention(nn.Module):
    """triplet_attention.py TripletAttention(no_spatial=False) (cw, hc, hw), or with `models` the
    MODELS/triplet_attention.py names (ChannelGateH, ChannelGateW, SpatialGate)."""

    def __init__(self, no_spatial=False, models=False):
        super().__init__()
        self.names = ('ChannelGateH', 'ChannelGateW', 'SpatialGate') if models else ('cw', 'hc', 'hw')
        inner = 'spatial' if models else 'conv'
        self.no_spatial = no_spatial
        for i, n in enumerate(self.names):
            if i < 2 or not no_spatial:
                setattr(self, n, TripletGate(inner))

    def forward(self, x):
        cw, hc, hw = self.names
        o1 = getattr(self, cw)(x.permute(0, 2, 1, 3).contiguous()).permute(0, 2, 1, 3).contiguous()
        o2 = getattr(self, hc)(x.permute(0, 3, 2, 1).contiguous()).permute(0, 3, 2, 1).contiguous()
        if self.no_spatial:
            return 1 / 2 * (o1 + o2)
        return 1 / 3 * (getattr(self, hw)(x) + o1 + o2)


class SimamModule(nn.Module):
    """ZjjConan/SimAM @ ae98f43 networks/attentions/simam_module.py simam_module(channels=None, e_lambda=1e-4)."""

    def __init__(self, channels=None, e_lambda=1e-4):
        super().__init__()
        self.e_lambda = e_lambda

    def forward(self, x):
        n = x.shape[2] * x.shape[3] - 1
        d = (x - x.mean(dim=[2, 3], keepdim=True)).pow(2)
        return x * torch.sigmoid(d / (4 * (d.sum(dim=[2, 3], keepdim=True) / n + self.e_lambda)) + 0.5)
