// A call record (bindings/constants.ts CALL_*; assembly/call.ts): the operands and dims of one
// call of a staged operation, its plan, and the loop that runs its stages. One per block,
// reused by every call; the scratch is a workspace that grows to the largest plan.

import type { StagedEntry } from "./abi.js";
import {
  CALL_C, CALL_EXTENTS, CALL_H, CALL_N, CALL_RESIDUAL, CALL_SCRATCH, CALL_SCRATCH_BYTES, CALL_STAGES, CALL_W, CALL_WORDS, CALL_X, CALL_Y, MAX_STAGES,
} from "./constants.js";
import { type Heap, Workspace } from "./memory.js";
import { parallelFor, runStage } from "./threads.js";

/** Largest scratch a call may ask for: 4 GiB less room for the heap's bookkeeping and the call's other buffers. */
const MAX_SCRATCH_BYTES = 2 ** 32 - 2 ** 20;

export interface Operands {
  readonly x: number;
  readonly residual?: number;
  readonly y: number;
  readonly n: number;
  readonly c: number;
  readonly h: number;
  readonly w: number;
}

export class CallRecord {
  private ptr: number;
  private readonly scratch: Workspace;
  private params = 0;
  /** Who the current plan is for (an io keeps its plan while no other call replans the record). */
  private owner: unknown = undefined;
  private stages = 0;
  /** The planned call's input floats (whether it is large enough to split over threads is asked at each run: setThreads may change the threshold between a plan and its runs). */
  private floats = 0;

  /** `macsPerFloat`: the block's convolutions' multiply-adds per input float (threads.ts parallelFor). */
  constructor(private readonly heap: Heap, private readonly entry: StagedEntry, private readonly macsPerFloat = 0) {
    this.ptr = heap.allocFloats(CALL_WORDS);
    this.scratch = new Workspace(heap);
  }

  /**
   * Plans a call on `o` and reserves its scratch (memory may grow here, before anything is
   * computed); `what` and `dims` name the call in the error when it cannot fit in memory.
   * Returns the number of stages.
   */
  plan(params: number, o: Operands, what: string, dims: readonly number[], owner?: unknown): number {
    this.owner = owner;
    this.params = params;
    this.floats = o.n * o.c * o.h * o.w;
    const m = this.heap.i32, at = this.ptr >>> 2;
    m[at + CALL_X] = o.x;
    m[at + CALL_RESIDUAL] = o.residual ?? 0;
    m[at + CALL_Y] = o.y;
    m[at + CALL_N] = o.n;
    m[at + CALL_C] = o.c;
    m[at + CALL_H] = o.h;
    m[at + CALL_W] = o.w;
    this.entry.plan(this.params, this.ptr);
    const bytes = this.heap.f64[(this.ptr >>> 3) + CALL_SCRATCH_BYTES / 2];
    if (!(bytes <= MAX_SCRATCH_BYTES)) throw new RangeError(`excite: ${what} on dims [${dims.join(", ")}] needs ${bytes} bytes of working memory, more than WebAssembly's 4 GiB`);
    const stages = this.heap.i32[at + CALL_STAGES];
    if (stages > MAX_STAGES) throw new Error(`excite: ${what} planned ${stages} stages, more than ${MAX_STAGES}`);
    const scratch = this.scratch.reserve(bytes);
    this.heap.i32[at + CALL_SCRATCH] = scratch;
    this.stages = stages;
    return stages;
  }

  /** The number of stages of the current plan if it was made for `owner` (and nothing replanned since), else undefined. */
  plannedFor(owner: unknown): number | undefined {
    return owner !== undefined && this.owner === owner ? this.stages : undefined;
  }

  /** Runs every stage of the last plan, each over all its items (split over the threads, threads.ts, when the call is large). */
  run(stages: number): void {
    const { run } = this.entry;
    const at = (this.ptr >>> 2) + CALL_EXTENTS, parallel = parallelFor(this.floats, this.macsPerFloat);
    for (let s = 0; s < stages; s++) {
      const items = this.heap.i32[at + s];
      if (items > 0) runStage(run, this.params, this.ptr, s, items, parallel);
    }
  }

  free(): void {
    this.scratch.free();
    this.heap.free(this.ptr);
    this.ptr = 0;
  }
}
