"""PyTorch reference modules for excite, written exactly as /work/shared/SPEC.md (section 2, 3).

Every module's `state_dict()` keys are the SPEC's canonical weight names, and every
constructor takes the excite options under their SPEC names (camelCase), so that
`Module(**options)` mirrors `createX(options, weights)`. The modules are plain
`nn.Module`s: Python control flow depends only on the options, never on tensor values,
so `torch.onnx.export` can trace them. Batch norm is meant to run in eval mode.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = [
    'SE', 'CSE', 'SSE', 'SCSE', 'CBAM', 'BAM', 'SEResBlock', 'CBAMBasicBlock', 'ECA',
    'reduced_channels', 'eca_kernel_size',
]

BN_EPS = 1e-5


def reduced_channels(channels, reduction=16, reducedChannels=None):
    """R = max(1, floor(C / reduction)) unless `reducedChannels` gives it."""
    if reducedChannels is not None:
        return int(reducedChannels)
    return max(1, channels // reduction)


def _hard_sigmoid_params(hardSigmoid):
    hs = dict(hardSigmoid or {})
    return float(hs.get('alpha', 1.0 / 6.0)), float(hs.get('beta', 0.5))


class Gate(nn.Module):
    """'sigmoid' (logistic) or 'hardsigmoid' = clamp(alpha*x + beta, 0, 1)."""

    def __init__(self, gate='sigmoid', hardSigmoid=None):
        super().__init__()
        if gate not in ('sigmoid', 'hardsigmoid'):
            raise ValueError(f'unknown gate {gate!r}')
        self.kind = gate
        self.alpha, self.beta = _hard_sigmoid_params(hardSigmoid)

    def forward(self, x):
        if self.kind == 'sigmoid':
            return torch.sigmoid(x)
        return torch.clamp(x * self.alpha + self.beta, 0.0, 1.0)


class Activation(nn.Module):
    """'relu' | 'none' | 'silu' (x*sigmoid(x)) | 'hardswish' (x*relu6(x+3)/6)."""

    def __init__(self, activation='relu'):
        super().__init__()
        if activation not in ('relu', 'none', 'silu', 'hardswish'):
            raise ValueError(f'unknown activation {activation!r}')
        self.kind = activation

    def forward(self, x):
        if self.kind == 'relu':
            return torch.relu(x)
        if self.kind == 'silu':
            return x * torch.sigmoid(x)
        if self.kind == 'hardswish':
            return x * torch.clamp(x + 3.0, 0.0, 6.0) / 6.0
        return x


def _global_pool(x, pool):
    """[N,C,H,W] -> [N,C]; 'avgmax' = 0.5*GAP + 0.5*GMP (timm's add_maxpool)."""
    if pool == 'avg':
        return x.mean(dim=(2, 3))
    if pool == 'max':
        return x.amax(dim=(2, 3))
    if pool == 'avgmax':
        return 0.5 * x.mean(dim=(2, 3)) + 0.5 * x.amax(dim=(2, 3))
    if pool == 'lp':  # CBAM's LP pool, norm 2: sqrt(sum x^2) over H, W
        return torch.sqrt((x * x).sum(dim=(2, 3)))
    if pool == 'lse':  # CBAM's log-sum-exp over H, W
        return torch.logsumexp(x.flatten(2), dim=2)
    raise ValueError(f'unknown pool {pool!r}')


class SE(nn.Module):
    """Squeeze-and-excitation (Hu et al., arXiv 1709.01507).

    s = gate(fc2(act(fc1(pool(x))))), y = x * s broadcast over H, W.
    Keys fc1.weight [R,C], fc1.bias [R], fc2.weight [C,R], fc2.bias [C].
    With `conv=True` (not an excite option) fc1/fc2 are 1x1 `nn.Conv2d`s, as in the
    first cSE article's code: same computation, weights [O,I,1,1].
    """

    def __init__(self, channels, reduction=16, reducedChannels=None, bias=True,
                 activation='relu', gate='sigmoid', hardSigmoid=None, pool='avg', conv=False):
        super().__init__()
        if pool not in ('avg', 'max', 'avgmax'):
            raise ValueError(f'unknown pool {pool!r}')
        r = reduced_channels(channels, reduction, reducedChannels)
        self.channels, self.reduced, self.pool, self.conv = channels, r, pool, conv
        if conv:
            self.fc1 = nn.Conv2d(channels, r, 1, bias=bias)
            self.fc2 = nn.Conv2d(r, channels, 1, bias=bias)
        else:
            self.fc1 = nn.Linear(channels, r, bias=bias)
            self.fc2 = nn.Linear(r, channels, bias=bias)
        self.act = Activation(activation)
        self.gate = Gate(gate, hardSigmoid)

    def scale(self, x):
        """The excitation s, [N, C, 1, 1]."""
        p = _global_pool(x, self.pool)
        if self.conv:
            p = p.unsqueeze(-1).unsqueeze(-1)
            return self.gate(self.fc2(self.act(self.fc1(p))))
        s = self.gate(self.fc2(self.act(self.fc1(p))))
        return s.unsqueeze(-1).unsqueeze(-1)

    def forward(self, x):
        return x * self.scale(x)


class CSE(SE):
    """Channel SE (Roy et al., arXiv 1803.02579): the same module as SE."""


class SSE(nn.Module):
    """Spatial SE (Roy et al., arXiv 1803.02579): q = gate(conv1x1_{C->1}(x)), y = x * q.

    Keys conv.weight [1,C,1,1] (excite also accepts [1,C]), conv.bias [1].
    """

    def __init__(self, channels, bias=True, gate='sigmoid', hardSigmoid=None):
        super().__init__()
        self.conv = nn.Conv2d(channels, 1, 1, bias=bias)
        self.gate = Gate(gate, hardSigmoid)

    def scale(self, x):
        """The spatial excitation q, [N, 1, H, W]."""
        return self.gate(self.conv(x))

    def forward(self, x):
        return x * self.scale(x)


class SCSE(nn.Module):
    """Concurrent spatial and channel SE (Roy et al., arXiv 1803.02579).

    y = combine(cSE(x), sSE(x)), combine 'add' (the article, smp's SCSEModule) or 'max'
    (element-wise max). One bias/gate/hardSigmoid for both branches.
    """

    def __init__(self, channels, reduction=16, reducedChannels=None, bias=True,
                 activation='relu', gate='sigmoid', hardSigmoid=None, pool='avg',
                 combine='add', conv=False):
        super().__init__()
        if combine not in ('add', 'max'):
            raise ValueError(f'unknown combine {combine!r}')
        self.combine = combine
        self.cse = SE(channels, reduction, reducedChannels, bias, activation, gate,
                      hardSigmoid, pool, conv=conv)
        self.sse = SSE(channels, bias, gate, hardSigmoid)

    def forward(self, x):
        c = self.cse(x)
        s = self.sse(x)
        if self.combine == 'add':
            return c + s
        return torch.maximum(c, s)


class _CBAMChannel(nn.Module):
    def __init__(self, channels, r, bias, pools):
        super().__init__()
        self.pools = list(pools)
        self.fc1 = nn.Linear(channels, r, bias=bias)
        self.fc2 = nn.Linear(r, channels, bias=bias)

    def forward(self, x):
        att = None
        for p in self.pools:
            m = self.fc2(torch.relu(self.fc1(_global_pool(x, p))))
            att = m if att is None else att + m
        return x * torch.sigmoid(att).unsqueeze(-1).unsqueeze(-1)


class _CBAMSpatial(nn.Module):
    def __init__(self, kernel, order, norm):
        super().__init__()
        self.order = order
        self.conv = nn.Conv2d(2, 1, kernel, stride=1, padding=(kernel - 1) // 2, bias=False)
        if norm:
            self.bn = nn.BatchNorm2d(1, eps=BN_EPS)
        else:
            self.bn = None

    def forward(self, x):
        mx = x.amax(dim=1, keepdim=True)
        mean = x.mean(dim=1, keepdim=True)
        maps = torch.cat((mx, mean) if self.order == 'max-mean' else (mean, mx), dim=1)
        a = self.conv(maps)
        if self.bn is not None:
            a = self.bn(a)
        return x * torch.sigmoid(a)


class CBAM(nn.Module):
    """Convolutional block attention module (Woo et al., arXiv 1807.06521).

    Channel: ca = sigmoid(sum_p fc2(relu(fc1(p(x))))) over pools p, x1 = x * ca.
    Spatial: sa = sigmoid(bn(conv_k(cat(maxC(x1), meanC(x1))))) (order per spatialOrder;
    'max-mean' is the official code's ChannelPool), y = x1 * sa.
    """

    def __init__(self, channels, reduction=16, reducedChannels=None, bias=True,
                 pools=('avg', 'max'), spatialKernel=7, spatialOrder='max-mean',
                 spatialNorm=True, spatial=True):
        super().__init__()
        for p in pools:
            if p not in ('avg', 'max', 'lp', 'lse'):
                raise ValueError(f'unknown pool {p!r}')
        if len(pools) == 0:
            raise ValueError('pools must not be empty')
        if spatialKernel < 1 or spatialKernel % 2 == 0:
            raise ValueError('spatialKernel must be odd')
        if spatialOrder not in ('max-mean', 'mean-max'):
            raise ValueError(f'unknown spatialOrder {spatialOrder!r}')
        r = reduced_channels(channels, reduction, reducedChannels)
        self.channel = _CBAMChannel(channels, r, bias, pools)
        if spatial:
            self.spatial = _CBAMSpatial(spatialKernel, spatialOrder, spatialNorm)
        else:
            self.spatial = None

    def forward(self, x):
        x1 = self.channel(x)
        if self.spatial is None:
            return x1
        return self.spatial(x1)


class _BAMChannel(nn.Module):
    def __init__(self, channels, r):
        super().__init__()
        self.fc1 = nn.Linear(channels, r)
        self.bn = nn.BatchNorm1d(r, eps=BN_EPS)
        self.fc2 = nn.Linear(r, channels)

    def forward(self, x):
        m = self.fc2(torch.relu(self.bn(self.fc1(x.mean(dim=(2, 3))))))
        return m.unsqueeze(-1).unsqueeze(-1)  # [N, C, 1, 1]


class _BAMSpatial(nn.Module):
    def __init__(self, channels, r, dilation, dilatedConvs):
        super().__init__()
        self.reduce = nn.Conv2d(channels, r, 1)
        self.reduce_bn = nn.BatchNorm2d(r, eps=BN_EPS)
        self.dilated = nn.ModuleList(
            [nn.Conv2d(r, r, 3, padding=dilation, dilation=dilation) for _ in range(dilatedConvs)])
        self.dilated_bn = nn.ModuleList(
            [nn.BatchNorm2d(r, eps=BN_EPS) for _ in range(dilatedConvs)])
        self.final = nn.Conv2d(r, 1, 1)

    def forward(self, x):
        t = torch.relu(self.reduce_bn(self.reduce(x)))
        for conv, bn in zip(self.dilated, self.dilated_bn):
            t = torch.relu(bn(conv(t)))
        return self.final(t)  # [N, 1, H, W]


class BAM(nn.Module):
    """Bottleneck attention module (Park et al., arXiv 1807.06514).

    y = (1 + sigmoid(combine(mc, ms))) * x with mc [N,C,1,1] and ms [N,1,H,W] broadcast;
    combine 'mul' (the official code: channel_att * spatial_att) or 'add' (the paper's text).
    """

    def __init__(self, channels, reduction=16, reducedChannels=None, dilation=4,
                 dilatedConvs=2, combine='mul'):
        super().__init__()
        if combine not in ('mul', 'add'):
            raise ValueError(f'unknown combine {combine!r}')
        r = reduced_channels(channels, reduction, reducedChannels)
        self.combine = combine
        self.channel = _BAMChannel(channels, r)
        self.spatial = _BAMSpatial(channels, r, dilation, dilatedConvs)

    def forward(self, x):
        mc = self.channel(x)
        ms = self.spatial(x)
        a = mc * ms if self.combine == 'mul' else mc + ms
        return (1.0 + torch.sigmoid(a)) * x


class SEResBlock(nn.Module):
    """Pre-activation residual block with SE (the article's ResBlockSqEx):
    y = x + SE(conv2(relu(bn2(conv1(relu(bn1(x))))))), 3x3 convs, stride 1, padding 1, no bias;
    the inner SE has bias, ReLU, sigmoid, average pooling."""

    def __init__(self, channels, reduction=16, reducedChannels=None):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(channels, eps=BN_EPS)
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels, eps=BN_EPS)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.se = SE(channels, reduction, reducedChannels)

    def forward(self, x):
        out = self.conv1(torch.relu(self.bn1(x)))
        out = self.conv2(torch.relu(self.bn2(out)))
        return x + self.se(out)


class CBAMBasicBlock(nn.Module):
    """ResNet BasicBlock with CBAM (the article's BasicBlock, arXiv 1807.06521):
    out = bn2(conv2(relu(bn1(conv1(x))))), out = CBAM(out), y = relu(out + downsample(x))."""

    def __init__(self, channels, inChannels=None, stride=1, downsample=None, cbam=None):
        super().__init__()
        in_c = channels if inChannels is None else inChannels
        changes = stride != 1 or in_c != channels
        if downsample is None:
            downsample = changes
        if changes and not downsample:
            raise ValueError('downsample: false while the shape changes')
        self.conv1 = nn.Conv2d(in_c, channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels, eps=BN_EPS)
        self.conv2 = nn.Conv2d(channels, channels, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels, eps=BN_EPS)
        self.cbam = CBAM(channels, **dict(cbam or {}))
        if downsample:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_c, channels, 1, stride=stride, bias=False),
                nn.BatchNorm2d(channels, eps=BN_EPS))
        else:
            self.downsample = None

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out = self.cbam(out)
        residual = x if self.downsample is None else self.downsample(x)
        return torch.relu(out + residual)


def eca_kernel_size(channels, gamma=2, b=1):
    """ECA's adaptive kernel: t = int(|log2(C) + b| / gamma), odd, at least 3."""
    t = int(abs((math.log2(channels) + b) / gamma))
    k = t if t % 2 else t + 1
    return max(3, k)


class ECA(nn.Module):
    """Efficient channel attention (Wang et al., arXiv 1910.03151; BangguWu/ECANet):
    s = sigmoid(conv1d_k(GAP(x)) across channels), y = x * s. Key conv.weight [1,1,k]."""

    def __init__(self, channels, kernelSize=None):
        super().__init__()
        k = eca_kernel_size(channels) if kernelSize is None else int(kernelSize)
        if k < 1 or k % 2 == 0:
            raise ValueError('kernelSize must be odd')
        self.conv = nn.Conv1d(1, 1, k, padding=(k - 1) // 2, bias=False)

    def forward(self, x):
        y = x.mean(dim=(2, 3)).unsqueeze(1)          # [N, 1, C]
        s = torch.sigmoid(self.conv(y)).squeeze(1)   # [N, C]
        return x * s.unsqueeze(-1).unsqueeze(-1)
