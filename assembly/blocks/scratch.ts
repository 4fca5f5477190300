// Scratch sizes in u64, so that an exported *_scratch_bytes answers exactly (as an f64) even
// beyond 4 GiB, where usize arithmetic would wrap to a small size; the TypeScript side refuses
// what memory cannot hold before anything runs. The blocks lay their scratch out with the same
// formulas in usize, which are then known not to wrap.

/** Bytes of a scratch region of `floats` floats: 16-byte aligned, with the over-read pad (channel-gate.ts regionBytes). */
@inline export function region64(floats: u64): u64 {
  return ((floats << 2) + 15 & ~15) + 16;
}
