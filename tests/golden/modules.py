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


# ---- The survey's blocks (SPEC §3) ----
# Each module re-types the official file SPEC §3 names; attribute names give its state_dict keys
# verbatim. Where the official code calls nn.Sigmoid / nn.ReLU / .sigmoid(), these call
# torch.sigmoid / torch.relu, which gen.py's Probe watches.
__all__ += ['CoordAttention', 'SK', 'SplitAttention', 'GSoP', 'MSCAM', 'AFF', 'IAFF',
            'ShuffleAttention']


def _require(ok, message):
    if not ok:
        raise ValueError(message)


def eca_kernel_size(channels, gamma=2, beta=1):
    """timm's EcaModule(channels) kernel (timm/layers/eca.py): t = int(|log2(C) + beta| / gamma),
    k = t if t is odd else t + 1, at least 3."""
    t = int(abs(math.log2(channels) + beta) / gamma)
    k = t if t % 2 else t + 1
    return max(3, k)


class ECA(nn.Module):
    """Efficient channel attention (Wang et al., arXiv 1910.03151; BangguWu/ECANet
    models/eca_module.py `eca_layer`): s = gate(conv1d_k(GAP(x)) across channels), y = x * s.
    padding 'circular' is timm's CecaModule (F.pad circular, then an unpadded conv).
    Key conv.weight [1,1,k]."""

    def __init__(self, channels, kernelSize=3, gamma=2, beta=1, padding='zeros', gate='sigmoid',
                 hardSigmoid=None):
        super().__init__()
        k = eca_kernel_size(channels, gamma, beta) if kernelSize == 'adaptive' else int(kernelSize)
        _require(k >= 1 and k % 2 == 1, f"kernelSize must be odd >= 1 or 'adaptive', got {kernelSize!r}")
        _require(padding in ('zeros', 'circular'), f'unknown padding {padding!r}')
        p = (k - 1) // 2
        _require(padding == 'zeros' or p <= channels, f'circular padding needs (k-1)/2 <= C, k = {k}')
        self.circular = p if padding == 'circular' else 0
        self.conv = nn.Conv1d(1, 1, k, padding=p - self.circular, bias=False)
        self.gate = Gate(gate, hardSigmoid)

    def forward(self, x):
        y = x.mean(dim=(2, 3)).unsqueeze(1)          # [N, 1, C]
        if self.circular:
            y = F.pad(y, (self.circular, self.circular), mode='circular')
        s = self.gate(self.conv(y)).squeeze(1)       # [N, C]
        return x * s.unsqueeze(-1).unsqueeze(-1)


class CoordAttention(nn.Module):
    """Coordinate attention (Hou et al., arXiv 2103.02907; Andrew-Qibin/CoordAttention coordatt.py
    `CoordAtt`): t = h_swish(bn1(conv1(cat(mean_W x, mean_H x)))) on [N, C, H+W, 1], split back,
    a_h = gate(conv_h(t_h)) [N,C,H,1], a_w = gate(conv_w(t_w)) [N,C,1,W], y = x * a_w * a_h."""

    def __init__(self, channels, reduction=32, reducedChannels=None, bias=True, gate='sigmoid',
                 hardSigmoid=None):
        super().__init__()
        mip = max(8, channels // reduction) if reducedChannels is None else int(reducedChannels)
        _require(mip >= 1, f'reducedChannels must be >= 1, got {reducedChannels!r}')
        self.conv1 = nn.Conv2d(channels, mip, 1, bias=bias)
        self.bn1 = nn.BatchNorm2d(mip, eps=BN_EPS)
        self.conv_h = nn.Conv2d(mip, channels, 1, bias=bias)
        self.conv_w = nn.Conv2d(mip, channels, 1, bias=bias)
        self.gate = Gate(gate, hardSigmoid)

    def forward(self, x):
        h, w = x.shape[2], x.shape[3]
        x_h = F.adaptive_avg_pool2d(x, (h, 1))                       # mean over W: [N, C, H, 1]
        x_w = F.adaptive_avg_pool2d(x, (1, w)).permute(0, 1, 3, 2)   # mean over H: [N, C, W, 1]
        t = self.bn1(self.conv1(torch.cat([x_h, x_w], dim=2)))
        t = t * (torch.clamp(t + 3.0, 0.0, 6.0) / 6.0)               # the official h_swish
        t_h, t_w = torch.split(t, [h, w], dim=2)
        a_h = self.gate(self.conv_h(t_h))
        a_w = self.gate(self.conv_w(t_w.permute(0, 1, 3, 2)))
        return x * a_w * a_h


class SK(nn.Module):
    """Selective kernel convolution (Li et al., arXiv 1903.06586; keys and graph of
    ResearchingDexter/SKNet_pytorch SKNet.py `SKConv`, with timm's selective_kernel.py options).

    u_i = relu(bn_i(conv_i(x_i))), x_i = x or (splitInput) the i-th of `paths` channel slices;
    z = relu(bn(fc1(GAP(sum_i u_i)))); a = fc2(z) read [N, paths, channels], softmax over paths;
    y = sum_i a_i * u_i. Output [N, channels, (H-1)//stride + 1, (W-1)//stride + 1]."""

    def __init__(self, inChannels, channels=None, stride=1, paths=2, groups=32, reduction=16,
                 minReducedChannels=32, reducedChannels=None, kernelSizes=None, dilations=None,
                 splitInput=False):
        super().__init__()
        out = inChannels if channels is None else channels
        kernels = [3] * paths if kernelSizes is None else [int(k) for k in kernelSizes]
        dils = list(range(1, paths + 1)) if dilations is None else [int(d) for d in dilations]
        _require(paths >= 1 and len(kernels) == paths and len(dils) == paths,
                 f'kernelSizes and dilations need {paths} entries')
        _require(all(k >= 1 and k % 2 == 1 for k in kernels), f'kernelSizes must be odd: {kernels}')
        _require(all(d >= 1 for d in dils), f'dilations must be >= 1: {dils}')
        _require(stride in (1, 2), f'stride must be 1 or 2, got {stride!r}')
        _require(not splitInput or inChannels % paths == 0, 'splitInput needs inChannels % paths == 0')
        in_i = inChannels // paths if splitInput else inChannels
        _require(in_i % groups == 0 and out % groups == 0,
                 f'groups {groups} must divide {in_i} input and {out} output channels')
        d = max(inChannels // reduction, minReducedChannels) if reducedChannels is None \
            else int(reducedChannels)
        self.paths, self.out, self.split = paths, out, in_i if splitInput else None
        self.conv = nn.ModuleList([
            nn.Sequential(nn.Conv2d(in_i, out, k, stride, padding=dil * (k - 1) // 2, dilation=dil,
                                    groups=groups, bias=False),
                          nn.BatchNorm2d(out, eps=BN_EPS))
            for k, dil in zip(kernels, dils)])
        self.fc1 = nn.Sequential(nn.Conv2d(out, d, 1, bias=False), nn.BatchNorm2d(d, eps=BN_EPS))
        self.fc2 = nn.Conv2d(d, paths * out, 1, bias=False)

    def forward(self, x):
        inputs = torch.split(x, self.split, dim=1) if self.split else [x] * self.paths
        u = [torch.relu(conv(xi)) for conv, xi in zip(self.conv, inputs)]
        s = F.adaptive_avg_pool2d(sum(u), 1)
        a = self.fc2(torch.relu(self.fc1(s))).reshape(x.shape[0], self.paths, self.out, 1, 1)
        a = torch.softmax(a, dim=1)
        return sum(ui * a[:, i] for i, ui in enumerate(u))


class SplitAttention(nn.Module):
    """Split attention (Zhang et al., arXiv 2004.08955; zhanghang1989/ResNeSt splat.py
    `SplAtConv2d`, defaults of ResNeSt's Bottleneck.conv2).

    u = relu(bn0(conv(x))) [N, R*C]; g = GAP(sum_r u_r); a = fc2(relu(bn1(fc1(g)))); radix > 1:
    softmax over r of a viewed [N, groups, R, C/groups] (rSoftMax), y = sum_r att_r * u_r;
    radix 1: y = sigmoid(a) * u."""

    def __init__(self, inChannels, channels=None, kernelSize=3, stride=1, dilation=1, padding=None,
                 groups=1, radix=2, reductionFactor=4, reducedChannels=None, bias=False, norm=True):
        super().__init__()
        c = inChannels if channels is None else channels
        _require(padding is not None or kernelSize % 2 == 1,
                 f'kernelSize {kernelSize} is even: give padding')
        pad = dilation * (kernelSize - 1) // 2 if padding is None else padding
        inter = max(inChannels * radix // reductionFactor, 32) if reducedChannels is None \
            else int(reducedChannels)
        _require(radix >= 1 and groups >= 1, 'radix and groups must be >= 1')
        _require(inChannels % (groups * radix) == 0 and c % groups == 0 and inter % groups == 0,
                 f'groups*radix = {groups * radix} must divide inChannels {inChannels}, '
                 f'groups {groups} must divide channels {c} and the inner width {inter}')
        self.radix, self.groups, self.channels = radix, groups, c
        self.conv = nn.Conv2d(inChannels, c * radix, kernelSize, stride, pad, dilation,
                              groups=groups * radix, bias=bias)
        self.bn0 = nn.BatchNorm2d(c * radix, eps=BN_EPS) if norm else None
        self.fc1 = nn.Conv2d(c, inter, 1, groups=groups)
        self.bn1 = nn.BatchNorm2d(inter, eps=BN_EPS) if norm else None
        self.fc2 = nn.Conv2d(inter, c * radix, 1, groups=groups)

    def forward(self, x):
        n = x.shape[0]
        u = self.conv(x)
        if self.bn0 is not None:
            u = self.bn0(u)
        u = torch.relu(u)
        splits = torch.split(u, self.channels, dim=1) if self.radix > 1 else [u]
        g = self.fc1(F.adaptive_avg_pool2d(sum(splits), 1))
        if self.bn1 is not None:
            g = self.bn1(g)
        a = self.fc2(torch.relu(g))
        if self.radix == 1:
            return torch.sigmoid(a) * u
        a = torch.softmax(a.view(n, self.groups, self.radix, -1).transpose(1, 2), dim=1)
        att = torch.split(a.reshape(n, -1, 1, 1), self.channels, dim=1)
        return sum(ar * ur for ar, ur in zip(att, splits))


class GSoP(nn.Module):
    """Global second-order pooling, channel mode (Gao et al., arXiv 1811.12006; ZilinGao/
    Global-Second-order-Pooling-Convolutional-Networks torchvision/models/resnet.py
    `Bottleneck.chan_att`, MPNCOV.py `Covpool`).

    t = relu(bn_for_DR(conv_for_DR(relu(x)))) [N, d, M]; Sigma = t I_hat t^T with
    I_hat = I/M - 1/M^2 (the biased covariance, computed as the official code does);
    r = row_conv_group(row_bn(Sigma as [N, d, d, 1])) [N, 4d, 1, 1]; y = x * sigmoid(fc(r))."""

    def __init__(self, channels, attDim=128, stride=1):
        super().__init__()
        d = int(attDim)
        _require(d >= 1, f'attDim must be >= 1, got {attDim!r}')
        self.conv_for_DR = nn.Conv2d(channels, d, 1, stride=stride, bias=True)
        self.bn_for_DR = nn.BatchNorm2d(d, eps=BN_EPS)
        self.row_bn = nn.BatchNorm2d(d, eps=BN_EPS)
        self.row_conv_group = nn.Conv2d(d, 4 * d, kernel_size=(d, 1), groups=d, bias=True)
        self.fc_adapt_channels = nn.Conv2d(4 * d, channels, 1, bias=True)

    def forward(self, x):
        t = torch.relu(self.bn_for_DR(self.conv_for_DR(torch.relu(x))))
        n, d, h, w = t.shape
        m = h * w
        t = t.reshape(n, d, m)
        i_hat = (-1.0 / m / m) * torch.ones(m, m) + (1.0 / m) * torch.eye(m, m)
        cov = t.bmm(i_hat.expand(n, m, m)).bmm(t.transpose(1, 2))   # [N, d, d]
        r = self.row_conv_group(self.row_bn(cov.view(n, d, d, 1)))
        return x * torch.sigmoid(self.fc_adapt_channels(r))


class _ReLU(nn.Module):
    """Sequential slot 2 of open-aff's branches (nn.ReLU there), here through torch.relu."""

    def forward(self, x):
        return torch.relu(x)


def _aff_branch(channels, inter, pooled):
    """open-aff fusion.py's local_att (1x1 C->I, BN, ReLU, 1x1 I->C, BN) and global_att (the same
    after AdaptiveAvgPool2d(1), so its indices shift by one)."""
    layers = [nn.AdaptiveAvgPool2d(1)] if pooled else []
    layers += [nn.Conv2d(channels, inter, 1), nn.BatchNorm2d(inter, eps=BN_EPS), _ReLU(),
               nn.Conv2d(inter, channels, 1), nn.BatchNorm2d(channels, eps=BN_EPS)]
    return nn.Sequential(*layers)


def _aff_inter(channels, reduction, reducedChannels):
    inter = channels // reduction if reducedChannels is None else int(reducedChannels)
    _require(inter >= 1, f'C // reduction = {inter}: the inner width must be >= 1')
    return inter


class MSCAM(nn.Module):
    """Multi-scale channel attention (Dai et al., arXiv 2009.14082; YimianDai/open-aff
    aff_pytorch/aff_net/fusion.py `MS_CAM`): y = x * sigmoid(local_att(x) + global_att(x))."""

    def __init__(self, channels, reduction=4, reducedChannels=None):
        super().__init__()
        inter = _aff_inter(channels, reduction, reducedChannels)
        self.local_att = _aff_branch(channels, inter, False)
        self.global_att = _aff_branch(channels, inter, True)

    def weight(self, v):
        return torch.sigmoid(self.local_att(v) + self.global_att(v))

    def forward(self, x):
        return x * self.weight(x)


class AFF(MSCAM):
    """Attentional feature fusion (fusion.py `AFF`): w = MS-CAM weight of x + residual,
    y = 2 x w + 2 residual (1 - w)."""

    def forward(self, x, residual):
        w = self.weight(x + residual)
        return 2 * x * w + 2 * residual * (1 - w)


class IAFF(MSCAM):
    """Iterative AFF (fusion.py `iAFF`; MXNet model/fusion.py `ResGlobLocaforGlobLocaChaFuse`):
    w1 from x + residual, xi = x w1 + residual (1 - w1), w2 = sigmoid(local_att2(xi) + G(xi)),
    y = x w2 + residual (1 - w2); G = global_att2 (MXNet, the paper) or global_att (the PyTorch
    forward). global_att2 is built in both modes, as in the official state_dict."""

    def __init__(self, channels, reduction=4, reducedChannels=None, secondGlobal='global_att2'):
        super().__init__(channels, reduction, reducedChannels)
        _require(secondGlobal in ('global_att2', 'global_att'), f'unknown secondGlobal {secondGlobal!r}')
        inter = _aff_inter(channels, reduction, reducedChannels)
        self.local_att2 = _aff_branch(channels, inter, False)
        self.global_att2 = _aff_branch(channels, inter, True)
        self.second_global = secondGlobal   # the attribute name, so no key is added

    def forward(self, x, residual):
        w1 = self.weight(x + residual)
        xi = x * w1 + residual * (1 - w1)
        w2 = torch.sigmoid(self.local_att2(xi) + getattr(self, self.second_global)(xi))
        return x * w2 + residual * (1 - w2)


class ShuffleAttention(nn.Module):
    """Shuffle attention (Zhang & Yang, arXiv 2102.00240; wofmanaf/SA-Net models/sa_resnet.py
    `sa_layer`): per group of 2P channels, x0 (first P) * sigmoid(cweight GAP(x0) + cbias) and
    x1 (last P) * sigmoid(sweight gn(x1) + sbias), gn = GroupNorm(P, P); then channel_shuffle(2)."""

    def __init__(self, channels, groups=64):
        super().__init__()
        _require(groups >= 1 and channels % (2 * groups) == 0,
                 f'channels {channels} must be a multiple of 2*groups = {2 * groups}')
        p = channels // (2 * groups)
        self.groups = groups
        self.cweight = nn.Parameter(torch.zeros(1, p, 1, 1))
        self.cbias = nn.Parameter(torch.ones(1, p, 1, 1))
        self.sweight = nn.Parameter(torch.zeros(1, p, 1, 1))
        self.sbias = nn.Parameter(torch.ones(1, p, 1, 1))
        self.gn = nn.GroupNorm(p, p, eps=1e-5)

    def forward(self, x):
        n, c, h, w = x.shape
        x0, x1 = x.reshape(n * self.groups, -1, h, w).chunk(2, dim=1)
        xn = x0 * torch.sigmoid(self.cweight * F.adaptive_avg_pool2d(x0, 1) + self.cbias)
        xs = x1 * torch.sigmoid(self.sweight * self.gn(x1) + self.sbias)
        z = torch.cat([xn, xs], dim=1).reshape(n, c, h, w)
        # channel_shuffle(z, 2): y[:, 2q + i] = z[:, i*C/2 + q]
        return z.reshape(n, 2, c // 2, h, w).permute(0, 2, 1, 3, 4).reshape(n, c, h, w)


# ---- The peers' blocks (SPEC §3) ----
# SimAM, global context, gather-excite, triplet attention, effective SE: re-typed from the
# official files SPEC §3 names; state_dict keys are the official module's verbatim.

__all__ += ['SimAM', 'GlobalContext', 'GatherExcite', 'TripletAttention', 'EffectiveSE',
            'ge_reduced_channels']


class SimAM(nn.Module):
    """SimAM (Yang et al., ICML 2021; ZjjConan/SimAM networks/attentions/simam_module.py).

    d = (x - mean_HW x)^2, e = d / (4 (sum_HW d / (H*W - 1) + eLambda)) + 0.5, y = x * sigmoid(e).
    No weights. H*W = 1 divides 0 by 0: NaN, as in the official code.
    """

    def __init__(self, channels=None, eLambda=1e-4):
        super().__init__()
        self.channels = channels
        self.eLambda = float(eLambda)

    def forward(self, x):
        if self.channels is not None and x.shape[1] != self.channels:
            raise ValueError(f'expected {self.channels} channels, got {x.shape[1]}')
        n = x.shape[2] * x.shape[3] - 1
        d = (x - x.mean(dim=(2, 3), keepdim=True)).pow(2)
        e = d / (4 * (d.sum(dim=(2, 3), keepdim=True) / n + self.eLambda)) + 0.5
        return x * torch.sigmoid(e)


class _GCTransform(nn.Sequential):
    """GCNet's channel_{add,mul}_conv: [0] 1x1 C->P, [1] LayerNorm([P,1,1]), [2] ReLU,
    [3] 1x1 P->C (indices as the official nn.Sequential, so the keys are .0, .1, .3)."""

    def __init__(self, channels, planes, eps):
        super().__init__(nn.Conv2d(channels, planes, 1), nn.LayerNorm([planes, 1, 1], eps=eps),
                         nn.ReLU(), nn.Conv2d(planes, channels, 1))

    def forward(self, ctx):
        return self[3](torch.relu(self[1](self[0](ctx))))


class GlobalContext(nn.Module):
    """Global context block (Cao et al., arXiv 1904.11492; xvjiarui/GCNet
    mmdet/ops/gcb/context_block.py ContextBlock).

    ctx = sum_HW x * softmax_HW(conv_mask(x)) ('att') or GAP(x) ('avg');
    y = x * sigmoid(channel_mul_conv(ctx)) if 'channel_mul' is fused, then
    y = y + channel_add_conv(ctx) if 'channel_add' is (mul first, whatever the list order).
    P = floor(C * ratio) (the official int(inplanes * ratio)) unless reducedChannels gives it.
    """

    FUSIONS = ('channel_add', 'channel_mul')

    def __init__(self, channels, ratio=1.0 / 16, reducedChannels=None, poolingType='att',
                 fusionTypes=('channel_add',), layerNormEps=1e-5):
        super().__init__()
        if poolingType not in ('att', 'avg'):
            raise ValueError(f'unknown poolingType {poolingType!r}')
        if len(fusionTypes) == 0 or any(f not in self.FUSIONS for f in fusionTypes):
            raise ValueError(f'fusionTypes must be a non-empty subset of {self.FUSIONS}')
        planes = int(reducedChannels) if reducedChannels is not None else int(channels * ratio)
        if planes < 1:
            raise ValueError(f'reduced width {planes} < 1 (channels * ratio)')
        self.poolingType = poolingType
        if poolingType == 'att':
            self.conv_mask = nn.Conv2d(channels, 1, 1)
        self.channel_add_conv = (_GCTransform(channels, planes, layerNormEps)
                                 if 'channel_add' in fusionTypes else None)
        self.channel_mul_conv = (_GCTransform(channels, planes, layerNormEps)
                                 if 'channel_mul' in fusionTypes else None)

    def context(self, x):
        """[N, C, 1, 1]."""
        n, c, h, w = x.shape
        if self.poolingType == 'avg':
            return F.adaptive_avg_pool2d(x, 1)
        mask = torch.softmax(self.conv_mask(x).view(n, 1, h * w), dim=2)    # [N, 1, HW]
        ctx = torch.matmul(x.view(n, 1, c, h * w), mask.unsqueeze(-1))      # [N, 1, C, 1]
        return ctx.view(n, c, 1, 1)

    def forward(self, x):
        ctx = self.context(x)
        out = x
        if self.channel_mul_conv is not None:
            out = out * torch.sigmoid(self.channel_mul_conv(ctx))
        if self.channel_add_conv is not None:
            out = out + self.channel_add_conv(ctx)
        return out


def ge_reduced_channels(channels, rdRatio=1.0 / 16, reducedChannels=None):
    """timm's make_divisible(C * rdRatio, 1, round_limit=0) = max(1, floor(C * rdRatio + 0.5))."""
    if reducedChannels is not None:
        return int(reducedChannels)
    return max(1, int(channels * rdRatio + 0.5))


class _GEGather(nn.Module):
    """timm's GatherExcite.gather: depthwise convs conv{i} (no bias) + BN norm{i}, ReLU
    between the stages, not after the last."""

    def __init__(self, channels, kernels, stride):
        super().__init__()
        self.stages = len(kernels)
        for i, (kh, kw) in enumerate(kernels, start=1):
            # timm's create_conv2d default padding: ((stride - 1) + (k - 1)) // 2 per axis
            pad = ((stride - 1 + kh - 1) // 2, (stride - 1 + kw - 1) // 2)
            self.add_module(f'conv{i}', nn.Conv2d(channels, channels, (kh, kw), stride=stride,
                                                  padding=pad, groups=channels, bias=False))
            self.add_module(f'norm{i}', nn.BatchNorm2d(channels, eps=BN_EPS))

    def forward(self, x):
        for i in range(1, self.stages + 1):
            x = getattr(self, f'norm{i}')(getattr(self, f'conv{i}')(x))
            if i != self.stages:
                x = torch.relu(x)
        return x


class _ConvMlp(nn.Module):
    """timm's ConvMlp without norm: fc2(relu(fc1(x))), 1x1 convs with bias."""

    def __init__(self, channels, reduced):
        super().__init__()
        self.fc1 = nn.Conv2d(channels, reduced, 1)
        self.fc2 = nn.Conv2d(reduced, channels, 1)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


class GatherExcite(nn.Module):
    """Gather-excite (Hu et al., arXiv 1810.12348; timm timm/layers/gather_excite.py).

    Gather g: extent 0 -> GAP (addMaxpool: 0.5 GAP + 0.5 GMP); extent e > 0 -> average pool
    window 2e-1, stride e, padding e-1, count_include_pad=False (addMaxpool: + max pool, same
    window, halves). extraParams: e > 0 -> int(log2 e) depthwise 3x3 stride-2 conv + BN stages;
    e = 0 -> one depthwise featSize conv (padding (k-1)//2) + BN.
    Excite: t = mlp(g) (or g), nearest-resized to H x W by F.interpolate when not 1x1,
    y = x * sigmoid(t).
    """

    def __init__(self, channels, extent=0, extraParams=False, useMlp=True, rdRatio=1.0 / 16,
                 reducedChannels=None, addMaxpool=False, featSize=None):
        super().__init__()
        if extent < 0 or extent % 2:
            raise ValueError(f'extent must be 0 or even, got {extent}')
        if addMaxpool and extraParams:
            raise ValueError('addMaxpool only without extraParams')
        self.extent, self.addMaxpool = int(extent), bool(addMaxpool)
        if extraParams:
            if extent == 0:
                if featSize is None:
                    raise ValueError('featSize is required for extraParams with extent 0')
                self.gather = _GEGather(channels, [tuple(featSize)], 1)
            else:
                self.gather = _GEGather(channels, [(3, 3)] * int(math.log2(extent)), 2)
        else:
            self.gather = None
        self.mlp = _ConvMlp(channels, ge_reduced_channels(channels, rdRatio, reducedChannels)) \
            if useMlp else None

    def gathered(self, x):
        if self.gather is not None:
            return self.gather(x)
        if self.extent == 0:
            g = x.mean(dim=(2, 3), keepdim=True)
            if self.addMaxpool:
                g = 0.5 * g + 0.5 * x.amax((2, 3), keepdim=True)
            return g
        k, s = 2 * self.extent - 1, self.extent
        g = F.avg_pool2d(x, kernel_size=k, stride=s, padding=k // 2, count_include_pad=False)
        if self.addMaxpool:
            g = 0.5 * g + 0.5 * F.max_pool2d(x, kernel_size=k, stride=s, padding=k // 2)
        return g

    def forward(self, x):
        t = self.gathered(x)
        if self.mlp is not None:
            t = self.mlp(t)
        if t.shape[-1] != 1 or t.shape[-2] != 1:
            t = F.interpolate(t, size=x.shape[-2:], mode='nearest')  # float32 source indices
        return x * torch.sigmoid(t)


class _BasicConv(nn.Module):
    """triplet attention's BasicConv(2, 1, 7, padding 3, relu=False): conv (no bias), BN."""

    def __init__(self, kernel=7):
        super().__init__()
        self.conv = nn.Conv2d(2, 1, kernel, padding=(kernel - 1) // 2, bias=False)
        self.bn = nn.BatchNorm2d(1, eps=BN_EPS)

    def forward(self, x):
        return self.bn(self.conv(x))


class _AttentionGate(nn.Module):
    """z [N, A, P, Q] -> z * sigmoid(bn(conv7x7(cat(max_A z, mean_A z)))) (ZPool: max first)."""

    def __init__(self):
        super().__init__()
        self.conv = _BasicConv()

    def forward(self, z):
        pooled = torch.cat((z.amax(dim=1, keepdim=True), z.mean(dim=1, keepdim=True)), dim=1)
        return z * torch.sigmoid(self.conv(pooled))


class TripletAttention(nn.Module):
    """Triplet attention (Misra et al., arXiv 2010.03045; landskape-ai/triplet-attention
    triplet_attention.py). cw gates x with C and H swapped (pool over H, 7x7 on the C x W
    plane), hc with C and W swapped (pool over W, plane H x C), hw gates x itself;
    y = 1/3 (hw + cw + hc), noSpatial: y = 1/2 (cw + hc). `channels` is not used by the math."""

    def __init__(self, channels, noSpatial=False):
        super().__init__()
        self.channels = channels
        self.noSpatial = bool(noSpatial)
        self.cw = _AttentionGate()
        self.hc = _AttentionGate()
        if not noSpatial:
            self.hw = _AttentionGate()

    def forward(self, x):
        out_cw = self.cw(x.permute(0, 2, 1, 3).contiguous()).permute(0, 2, 1, 3).contiguous()
        out_hc = self.hc(x.permute(0, 3, 2, 1).contiguous()).permute(0, 3, 2, 1).contiguous()
        if self.noSpatial:
            return 1 / 2 * (out_cw + out_hc)
        return 1 / 3 * (self.hw(x) + out_cw + out_hc)


class EffectiveSE(nn.Module):
    """Effective SE (Lee & Park, arXiv 1911.06667; youngwanLEE/vovnet-detectron2 vovnet/vovnet.py
    eSEModule; timm EffectiveSEModule): y = x * gate(fc(GAP(x))), fc 1x1 C->C with bias;
    addMaxpool (timm): pooled 0.5 GAP + 0.5 GMP. Gate default: PyTorch's hardsigmoid."""

    def __init__(self, channels, addMaxpool=False, gate='hardsigmoid', hardSigmoid=None):
        super().__init__()
        self.addMaxpool = bool(addMaxpool)
        self.fc = nn.Conv2d(channels, channels, 1)
        self.gate = Gate(gate, hardSigmoid)

    def forward(self, x):
        p = F.adaptive_avg_pool2d(x, 1)
        if self.addMaxpool:
            p = 0.5 * p + 0.5 * x.amax((2, 3), keepdim=True)
        return x * self.gate(self.fc(p))
