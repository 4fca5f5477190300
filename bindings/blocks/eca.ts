// ECA (Wang et al., arXiv 1910.03151; BangguWu/ECANet models/eca_module.py; timm's EcaModule and
// CecaModule): y = x·gate(conv1d_k(GAP(x))) across the channels (assembly/blocks/eca.ts).

import { Block, type BlockDef, blockFactory, layoutCode } from "../block.js";
import { type GateArgs, type GateOptions, GATE_OPTION_KEYS, parseGate } from "../gate.js";
import { POOL_AVG } from "../constants.js";
import { i32 } from "../params.js";
import { pooledGateRecord } from "../parts/pooled-gate.js";
import { describe, finite, type Layout, oneOf, positiveInt } from "../validate.js";

export type ECAPadding = "zeros" | "circular";

export interface ECAOptions extends GateOptions {
  /** Channel count C of the input. */
  channels: number;
  /** The conv's size k, odd (default 3, the official eca_layer's), or 'adaptive' (timm's rule from C, gamma and beta). */
  kernelSize?: number | "adaptive";
  /** The adaptive rule's γ (default 2), > 0. */
  gamma?: number;
  /** The adaptive rule's b (default 1). */
  beta?: number;
  /** 'zeros' (default, the official code and timm's EcaModule) or 'circular' (timm's CecaModule: channel index mod C). */
  padding?: ECAPadding;
}

export interface ECAConfig {
  readonly layout: Layout;
  readonly channels: number;
  /** The conv's size k (odd). */
  readonly kernelSize: number;
  readonly padding: ECAPadding;
  readonly gate: GateArgs;
}

/**
 * timm's adaptive k (EcaModule / CecaModule with `channels`): t = ⌊|log2(C) + b| / γ⌋,
 * k = t if t is odd else t + 1, at least 3. log2 as timm's math.log(C, 2) = ln C / ln 2.
 */
export function ecaKernelSize(channels: number, gamma = 2, beta = 1): number {
  const t = Math.floor(Math.abs(Math.log(channels) / Math.log(2) + beta) / gamma);
  return Math.max(t % 2 ? t : t + 1, 3);
}

function parseECA(o: ECAOptions): Omit<ECAConfig, "layout"> {
  const channels = positiveInt("ECA", "channels", o.channels);
  const gamma = finite("ECA", "gamma", o.gamma, 2);
  if (!(gamma > 0)) throw new RangeError(`excite: ECA option gamma must be a positive finite number, got ${describe(o.gamma)}`);
  const beta = finite("ECA", "beta", o.beta, 1);
  const k = o.kernelSize ?? 3;
  let kernelSize: number;
  if (k === "adaptive") kernelSize = ecaKernelSize(channels, gamma, beta);
  else if (typeof k === "number" && Number.isSafeInteger(k) && k >= 1 && k % 2 === 1) kernelSize = k;
  else throw new RangeError(`excite: ECA option kernelSize must be an odd positive integer or 'adaptive', got ${describe(k)}`);
  const padding = oneOf<ECAPadding>("ECA", "padding", o.padding, ["zeros", "circular"], "zeros");
  const p = (kernelSize - 1) / 2;
  if (padding === "circular" && p > channels) {
    throw new RangeError(`excite: ECA padding 'circular' needs (kernelSize − 1)/2 ≤ channels (PyTorch's circular pad wraps once), got kernelSize ${kernelSize} (padding ${p}) with ${channels} channels`);
  }
  return { channels, kernelSize, padding, gate: parseGate("ECA", o) };
}

const ECA: BlockDef<ECAOptions, ECAConfig> = {
  name: "ECA",
  layouts: ["nchw", "nhwc"],
  optionKeys: ["channels", "kernelSize", "gamma", "beta", "padding", ...GATE_OPTION_KEYS],
  parse: parseECA,
  weights: (g) => [{ key: "conv.weight", shape: [1, 1, g.kernelSize] }],
  params: (g, pack) => [
    ...pooledGateRecord(layoutCode(g.layout), g.channels, POOL_AVG, g.gate),
    i32(g.kernelSize), i32(g.padding === "circular"), i32(pack.ptr("conv.weight")),
  ],
  entry: (wasm) => ({ plan: wasm.eca_plan, run: wasm.eca_run }),
};

/** An efficient channel attention block. Weights: conv.weight [1, 1, k]. */
export const createECA = blockFactory<ECAOptions, ECAConfig, Block<ECAConfig>>(ECA);
