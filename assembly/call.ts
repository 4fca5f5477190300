// The call record (bindings/constants.ts, CALL_*): what one call of a block or composite kernel
// computes on, and its plan. A block exports two functions:
//   <block>_plan(params, call)                     sizes and lays out the scratch, lists the stages
//   <block>_run(params, call, stage, begin, end)   computes items [begin, end) of one stage
// `params` is the block's parameter record, written once at create (an @unmanaged class in the
// block's file); `call` holds the operands and dims of this call. The items of a stage write
// disjoint outputs and read only what earlier stages wrote, so splitting a stage over threads at
// any item boundary gives the same bits as running it whole.

import {
  CALL_C, CALL_EXTENTS, CALL_H, CALL_KINDS, CALL_N, CALL_PRIVATE, CALL_RESIDUAL, CALL_SCRATCH, CALL_SCRATCH_BYTES,
  CALL_STAGES, CALL_W, CALL_X, CALL_Y, MAX_STAGES,
} from "../bindings/constants";

/** Bytes of a scratch region of `floats` floats: 16-byte aligned, plus the 16-byte over-read pad (memory.ts). */
@inline export function regionBytes64(floats: u64): u64 {
  return ((floats << 2) + 15 & ~15) + 16;
}

@unmanaged export class Call {
  @inline private get base(): usize { return changetype<usize>(this); }

  /** The input tensor. */
  @inline get x(): usize { return <usize>load<u32>(this.base, CALL_X << 2); }
  /** The second input (AFF, iAFF), else 0. */
  @inline get residual(): usize { return <usize>load<u32>(this.base, CALL_RESIDUAL << 2); }
  /** The output tensor. */
  @inline get y(): usize { return <usize>load<u32>(this.base, CALL_Y << 2); }
  @inline get n(): i32 { return load<i32>(this.base, CALL_N << 2); }
  @inline get c(): i32 { return load<i32>(this.base, CALL_C << 2); }
  @inline get h(): i32 { return load<i32>(this.base, CALL_H << 2); }
  @inline get w(): i32 { return load<i32>(this.base, CALL_W << 2); }
  /** The scratch base (valid in `_run`, not in `_plan`). */
  @inline get scratch(): usize { return <usize>load<u32>(this.base, CALL_SCRATCH << 2); }

  // ---- planning (`_plan`) ----

  /** Starts a plan: no stages, no scratch. */
  @inline begin(): void {
    store<i32>(this.base, 0, CALL_STAGES << 2);
    store<f64>(this.base, 0, CALL_SCRATCH_BYTES << 2);
  }

  /**
   * Appends a scratch region of `floats` floats and records its offset in private word `slot`.
   * Sizes add up in f64, exact far beyond 4 GiB: the bindings refuse a plan whose total does not
   * fit the module's memory before anything runs, so the offsets are never used wrapped.
   */
  @inline region(slot: i32, floats: u64): void {
    const at = load<f64>(this.base, CALL_SCRATCH_BYTES << 2);
    this.setWord(slot, <i32><u32><u64>at);
    store<f64>(this.base, at + <f64>regionBytes64(floats), CALL_SCRATCH_BYTES << 2);
  }

  /** Appends a stage of `items` independent work items that computes `kind` (a code of the block's). */
  @inline stage(kind: i32, items: i32): void {
    const s = load<i32>(this.base, CALL_STAGES << 2);
    assert(s < MAX_STAGES);
    store<i32>(this.base + (<usize>(CALL_EXTENTS + s) << 2), items);
    store<i32>(this.base + (<usize>(CALL_KINDS + s) << 2), kind);
    store<i32>(this.base, s + 1, CALL_STAGES << 2);
  }

  // ---- running (`_run`) ----

  /** What stage `s` computes. */
  @inline kind(s: i32): i32 { return load<i32>(this.base + (<usize>(CALL_KINDS + s) << 2)); }

  /** The address of the region whose offset private word `slot` holds. */
  @inline at(slot: i32): usize { return this.scratch + <usize><u32>this.word(slot); }

  // ---- private words ----

  @inline word(slot: i32): i32 { return load<i32>(this.base + (<usize>(CALL_PRIVATE + slot) << 2)); }
  @inline setWord(slot: i32, v: i32): void { store<i32>(this.base + (<usize>(CALL_PRIVATE + slot) << 2), v); }
}
