// Linear-memory allocation for the TypeScript side (the raw-pointer ABI).
//
// Every block handed out is followed by READ_PAD readable bytes: the SIMD kernels load a
// whole v128 at the tail of a row (over-reading at most 12 bytes) and store only the lanes
// that belong to the row, so a row of any length can be processed without a scalar path.
//
// Why not AssemblyScript's TLSF (`heap.alloc`, std/assembly/rt/tlsf.ts of 0.28): it corrupts
// memory for large tensors (issue 14). `roundSize` (tlsf.ts:310-317) rounds a request up to its
// size class only below `BLOCK_MAXSIZE >> 1` (512 MiB); above it `searchBlock` (tlsf.ts:320-354)
// takes the head of the request's own class (`GETSL(root, fl) & (~0 << sl)` keeps `sl` itself),
// which may hold a smaller block: 630 MB is handed the freed 604 MB block of the same 32 MiB
// class and overlaps the next live block; `prepareBlock` then computes `remaining` (tlsf.ts:364)
// with an unsigned wrap and inserts a bogus free block. TLSF also refuses any block above
// `BLOCK_MAXSIZE` = 1 GiB (tlsf.ts:461), a quarter of what the module's 4 GiB memory holds.
// Rounding the request to a class boundary would fix the first but not the second, so this
// module has its own allocator, checked by tests/allocator*.test.ts. Nothing else in assembly/
// allocates (no `new`, no managed objects): TLSF is not linked in, and must not be, because it
// would claim the same memory from __heap_base.
//
// The allocator: blocks tile [heapStart, top); each has a 16-byte header (so payloads stay
// 16-byte aligned) holding its size with a FREE flag, the size of the block to its left (to merge
// with it), and either a tag of its address (used: `free` checks it) or the free-list links. All
// memory from `top` to the end of memory is unclaimed. `alloc` takes the smallest free block that
// holds the request, splitting off the rest, else extends `top` (growing memory); `free` merges a
// block with free neighbours and gives it back to `top` when it ends there. Sizes are checked in
// 64-bit arithmetic so that no request near 4 GiB can wrap. Free blocks are few (neighbours
// always merge), so a linear best-fit search is cheap next to the kernels.

/** Bytes of slack after every allocation, enough for one over-reading v128 load. */
export const READ_PAD: usize = 16;

const HEADER: usize = 16;
/** A header and 16 bytes: no smaller free block is split off. */
const MIN_BLOCK: usize = 32;
const FREE: u32 = 1;
/** A used block's header holds its address xor this, so that `free` recognises it. */
const USED_TAG: u32 = 0xa110c8ed;
/** Blocks end at most here: 16 bytes short of 4 GiB, so that every address and size fits a u32. */
const HEAP_END: u64 = 0x1_0000_0000 - 16;
/** The fewest pages memory grows by (1 MiB), so that a run of small allocations grows it rarely. */
const MIN_GROW_PAGES: i32 = 16;

// Header fields, at a block's address b.
// @ts-ignore: decorator
@inline function sizeOf(b: usize): usize { return load<u32>(b) & ~FREE; }
// @ts-ignore: decorator
@inline function isFree(b: usize): bool { return (load<u32>(b) & FREE) != 0; }
// @ts-ignore: decorator
@inline function leftSizeOf(b: usize): usize { return load<u32>(b, 4); }
// @ts-ignore: decorator
@inline function nextFree(b: usize): usize { return load<u32>(b, 8); }
// @ts-ignore: decorator
@inline function prevFree(b: usize): usize { return load<u32>(b, 12); }

let heapStart: usize = 0;
let top: usize = 0;
/** The size of the block that ends at `top` (0 when there is none). */
let topLeftSize: usize = 0;
let freeHead: usize = 0;

function initialize(): void {
  heapStart = (__heap_base + 15) & ~15;
  top = heapStart;
}

function link(b: usize, size: usize): void {
  store<u32>(b, <u32>size | FREE);
  store<u32>(b, <u32>freeHead, 8);
  store<u32>(b, 0, 12);
  if (freeHead) store<u32>(freeHead, <u32>b, 12);
  freeHead = b;
  // A free block never ends at `top` (free() hands such a block back to it): its right neighbour exists.
  store<u32>(b + size, <u32>size, 4);
}

function unlink(b: usize): void {
  const next = nextFree(b), prev = prevFree(b);
  if (prev) store<u32>(prev, <u32>next, 8);
  else freeHead = next;
  if (next) store<u32>(next, <u32>prev, 12);
}

function markUsed(b: usize, size: usize): void {
  store<u32>(b, <u32>size);
  store<u32>(b, <u32>b ^ USED_TAG, 8);
}

/** The smallest free block of at least `need` bytes, unlinked and split to `need`; 0 if none. */
function takeFree(need: usize): usize {
  let best: usize = 0, bestSize: usize = 0;
  for (let b = freeHead; b; b = nextFree(b)) {
    const size = sizeOf(b);
    if (size >= need && (!best || size < bestSize)) {
      best = b;
      bestSize = size;
      if (size == need) break;
    }
  }
  if (!best) return 0;
  unlink(best);
  if (bestSize - need >= MIN_BLOCK) {
    store<u32>(best + need, <u32>need, 4);
    link(best + need, bestSize - need);
    bestSize = need;
  }
  markUsed(best, bestSize);
  return best;
}

/** A block of `need` bytes at `top`, growing memory if it ends past it; 0 if memory cannot grow. */
function takeTop(need: usize): usize {
  const end = <u64>top + <u64>need;
  if (end > HEAP_END) return 0;
  const bytes = <u64>memory.size() << 16;
  if (end > bytes) {
    const pages = <i32>((end - bytes + 0xffff) >> 16);
    if (memory.grow(max(pages, MIN_GROW_PAGES)) < 0 && memory.grow(pages) < 0) return 0;
  }
  const b = top;
  store<u32>(b, <u32>topLeftSize, 4);
  markUsed(b, need);
  top = <usize>end;
  topLeftSize = need;
  return b;
}

/** Allocates `bytes` (plus READ_PAD, zeroed) from the module's heap, 16-byte aligned; 0 if it cannot fit. */
export function alloc(bytes: usize): usize {
  if (!heapStart) initialize();
  const need64 = ((<u64>bytes + READ_PAD + 15) & ~15) + HEADER;
  if (need64 > HEAP_END - heapStart) return 0;
  const need = <usize>need64;
  let b = takeFree(need);
  if (!b) b = takeTop(need);
  if (!b) return 0;
  const ptr = b + HEADER;
  memory.fill(ptr + bytes, 0, READ_PAD);
  return ptr;
}

/** Returns a block from `alloc` to the heap (0 is ignored). Traps on a pointer that is not a live block. */
export function free(ptr: usize): void {
  if (!ptr) return;
  let b = ptr - HEADER;
  if (!heapStart || (ptr & 15) || b < heapStart || b >= top || isFree(b) || load<u32>(b, 8) != (<u32>b ^ USED_TAG)) unreachable();
  let size = sizeOf(b);
  store<u32>(b, 0, 8); // no longer a used block: freeing it again traps
  const right = b + size;
  if (right < top && isFree(right)) {
    unlink(right);
    size += sizeOf(right);
  }
  const leftSize = leftSizeOf(b);
  if (leftSize && isFree(b - leftSize)) {
    b -= leftSize;
    unlink(b);
    size += sizeOf(b);
  }
  if (b + size == top) {
    top = b;
    topLeftSize = leftSizeOf(b);
  } else {
    link(b, size);
  }
}
