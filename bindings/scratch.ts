// The module's memory is 32-bit: a scratch size the module reports beyond what it can ever hold
// (assembly/blocks/scratch.ts computes sizes exactly, past 4 GiB) is refused here, before
// anything is allocated or written, rather than wrapped to a small size.

/** Largest scratch a call may ask for: 4 GiB less room for the heap's bookkeeping and the call's other buffers. */
const MAX_SCRATCH_BYTES = 2 ** 32 - 2 ** 20;

/** `bytes`, or a RangeError naming `what` and the dims that would need it. */
export function scratchWithinMemory(what: string, dims: readonly number[], bytes: number): number {
  if (!(bytes <= MAX_SCRATCH_BYTES)) throw new RangeError(`excite: ${what} on dims [${dims.join(", ")}] needs ${bytes} bytes of working memory, more than WebAssembly's 4 GiB`);
  return bytes;
}
