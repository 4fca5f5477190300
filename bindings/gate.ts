// Gate options shared by the SE family: 'sigmoid', or 'hardsigmoid' clamp(alpha·x + beta, 0, 1)
// with PyTorch's alpha = 1/6, beta = 1/2 unless `hardSigmoid` says otherwise (ONNX/Paddle: 0.2, 0.5).

import { GATE_HARDSIGMOID, GATE_SIGMOID } from "./constants.js";
import { checkOptionKeys, finite, oneOf } from "./validate.js";

export const GATES = { sigmoid: GATE_SIGMOID, hardsigmoid: GATE_HARDSIGMOID } as const;
export type Gate = keyof typeof GATES;

export interface HardSigmoidOptions {
  alpha?: number;
  beta?: number;
}

export interface GateOptions {
  /** The gating function (default 'sigmoid'). */
  gate?: Gate;
  /** The hard sigmoid's slope and offset (default PyTorch's { alpha: 1/6, beta: 1/2 }). */
  hardSigmoid?: HardSigmoidOptions;
}

/** The module's gate code and hard-sigmoid parameters. */
export interface GateArgs {
  readonly gate: number;
  readonly alpha: number;
  readonly beta: number;
}

export const GATE_OPTION_KEYS = ["gate", "hardSigmoid"] as const;

export function parseGate(block: string, options: GateOptions, fallback: Gate = "sigmoid"): GateArgs {
  const gate = oneOf(block, "gate", options.gate, Object.keys(GATES) as Gate[], fallback);
  const hs: HardSigmoidOptions = options.hardSigmoid === undefined ? {} : checkOptionKeys(`${block} hardSigmoid`, options.hardSigmoid, ["alpha", "beta"]);
  return {
    gate: GATES[gate],
    alpha: finite(block, "hardSigmoid.alpha", hs.alpha, 1 / 6),
    beta: finite(block, "hardSigmoid.beta", hs.beta, 0.5),
  };
}
