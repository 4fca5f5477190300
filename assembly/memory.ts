// Linear-memory allocation for the TypeScript side (the raw-pointer ABI).
//
// Every block handed out is followed by READ_PAD readable bytes: the SIMD kernels load a
// whole v128 at the tail of a row (over-reading at most 12 bytes) and store only the lanes
// that belong to the row, so a row of any length can be processed without a scalar path.

/** Bytes of slack after every allocation, enough for one over-reading v128 load. */
export const READ_PAD: usize = 16;

/** Allocates `bytes` (plus READ_PAD) from the module's heap; 16-byte aligned. */
export function alloc(bytes: usize): usize {
  const ptr = heap.alloc(bytes + READ_PAD);
  memory.fill(ptr + bytes, 0, READ_PAD);
  return ptr;
}

/** Returns a block from `alloc` to the heap. */
export function free(ptr: usize): void {
  heap.free(ptr);
}
