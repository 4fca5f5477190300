// f32-vgate / f32-vactivation: the gate or activation chosen at run time by code (vmath.ts), in place or not.

import { ACT_HARDSWISH, ACT_NONE, ACT_RELU, ACT_SILU, GATE_HARDSIGMOID } from "../../bindings/constants";
import { f32_vhardsigmoid, f32_vhardswish, f32_vrelu, f32_vsigmoid, f32_vsilu } from "./f32-vunary";

/** y = gate(x) over n floats: GATE_SIGMOID or GATE_HARDSIGMOID(alpha, beta). */
export function f32_vgate(x: usize, n: i32, gate: i32, alpha: f32, beta: f32, y: usize): void {
  if (gate == GATE_HARDSIGMOID) f32_vhardsigmoid(x, n, alpha, beta, y);
  else f32_vsigmoid(x, n, y);
}

/** y = act(x) over n floats, act one of ACT_*. */
export function f32_vactivation(x: usize, n: i32, act: i32, y: usize): void {
  if (act == ACT_RELU) f32_vrelu(x, n, y);
  else if (act == ACT_SILU) f32_vsilu(x, n, y);
  else if (act == ACT_HARDSWISH) f32_vhardswish(x, n, y);
  else if (act == ACT_NONE && x != y) memory.copy(y, x, <usize>n << 2);
}
