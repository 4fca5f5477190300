// timm's CBAM modules (huggingface/pytorch-image-models @ aa4b585, `timm/layers/cbam.py`, read
// 2026-08). CbamModule: ChannelAttn (fc1 / fc2 1×1 convs, `mlp_bias=False`, ReLU, the avg and max
// pools each through the MLP, summed, sigmoid), then SpatialAttn: `torch.cat([x.mean(1), x.amax(1)])`
// — the MEAN map first, where the official CBAM puts the max first: spatialOrder 'mean-max', the one
// option the weights cannot tell that changes every output — through ConvNormAct(2, 1, k) (conv
// without bias, padding (k − 1)/2, BatchNorm eps 1e-5: keys spatial.conv.conv, spatial.conv.bn), sigmoid.
// LightCbamModule: LightChannelAttn = one MLP of 0.5·avg + 0.5·max with F.sigmoid (excite's SE
// with pool 'avgmax'), then LightSpatialAttn = conv_k(0.5·mean_C + 0.5·max_C) over ONE map
// (ConvNormAct(1, 1, k)). excite has no block for that spatial gate alone, so it runs as a CBAM
// whose channel attention is exactly 1 (fc weights 0, fc2 bias 64: σ(64) rounds to 1 in float32,
// and x·1 = x) and whose 2-map conv has half the one-map kernel on each map:
// conv_w(0.5·a + 0.5·b) = conv_{w/2}(a) + conv_{w/2}(b).

import { seKeys, seStage } from "./timm-se.js";
import { bnKeys, key, renameBN, type Match, type SourceDef, type Stage } from "./source.js";

const SIZES = { channels: "C", reducedChannels: "R" } as const;

function kernel(m: Match, k: string): number {
  const size = m.size("k");
  if (size % 2 === 0) m.fail(k, `has an even kernel size ${size}; excite's CBAM takes odd ones`);
  return size;
}

export const timmCbamModule: SourceDef = {
  name: "timm:CbamModule",
  block: "CBAM",
  signature: ["channel.fc1.weight", "spatial.conv.conv.weight"],
  sizes: SIZES,
  keys: (p) => [...seKeys(p, "channel.fc1", "channel.fc2"), key("spatial.conv.conv.weight", 1, 2, "k", "k"), ...bnKeys("spatial.conv.bn.", 1)],
  build: (m) => {
    const se = seStage(m, "channel.fc1", "channel.fc2", {}, undefined, "CBAM", "channel.");
    return {
      block: "CBAM",
      inferred: { ...se.inferred, spatialKernel: kernel(m, "spatial.conv.conv.weight"), spatialNorm: true, spatial: true },
      defaults: { pools: ["avg", "max"], spatialOrder: "mean-max" },
      weights: { ...se.weights, "spatial.conv.weight": m.take("spatial.conv.conv.weight", [1, 2, "k", "k"]), ...renameBN(m, "spatial.conv.bn.", "spatial.bn.", 1) },
    };
  },
};

/** σ(IDENTITY_LOGIT) is 1 in float32 (1 − σ(−64) rounds to 1): a channel attention that leaves x as it is. */
const IDENTITY_LOGIT = 64;

export const timmLightCbamModule: SourceDef = {
  name: "timm:LightCbamModule",
  block: "SE+CBAM",
  signature: ["channel.fc1.weight", "spatial.conv.conv.weight"],
  sizes: SIZES,
  keys: (p) => [...seKeys(p, "channel.fc1", "channel.fc2"), key("spatial.conv.conv.weight", 1, 1, "k", "k"), ...bnKeys("spatial.conv.bn.", 1)],
  build: (m): Stage[] => {
    const C = m.size("C"), k = kernel(m, "spatial.conv.conv.weight");
    const channel = seStage(m, "channel.fc1", "channel.fc2", { activation: "relu", gate: "sigmoid", pool: "avgmax" });
    const w = m.tensor("spatial.conv.conv.weight");
    const halves = new Float32Array(2 * k * k);
    for (let i = 0; i < k * k; i++) halves[i] = halves[k * k + i] = 0.5 * w[i];
    const spatial: Stage = {
      block: "CBAM",
      inferred: { channels: C, reducedChannels: 1, bias: true, pools: ["avg"], spatialKernel: k, spatialNorm: true, spatial: true },
      defaults: { spatialOrder: "max-mean" },
      weights: {
        "channel.fc1.weight": { data: new Float32Array(C), shape: [1, C] },
        "channel.fc1.bias": { data: new Float32Array(1), shape: [1] },
        "channel.fc2.weight": { data: new Float32Array(C), shape: [C, 1] },
        "channel.fc2.bias": { data: new Float32Array(C).fill(IDENTITY_LOGIT), shape: [C] },
        "spatial.conv.weight": { data: halves, shape: [1, 2, k, k] },
        ...renameBN(m, "spatial.conv.bn.", "spatial.bn.", 1),
      },
    };
    return [channel, spatial];
  },
};
