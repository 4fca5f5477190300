/**
 * Regenerates the golden input tensors `x` bit-identically to tests/golden/prng.py.
 *
 * mulberry32 with a 32-bit state; each u32 `u` becomes ((u >>> 9) - 2**22) / 2**21,
 * an exact float32 in [-2, 2). The seed is the integer in a golden file's
 * `__metadata__.seed` (an unsigned 32-bit value).
 */
export function goldenInput(seed: number, length: number): Float32Array {
  const out = new Float32Array(length);
  let a = seed >>> 0;
  for (let i = 0; i < length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t = (t + Math.imul(t ^ (t >>> 7), t | 61)) ^ t;
    const u = (t ^ (t >>> 14)) >>> 0;
    out[i] = ((u >>> 9) - 4194304) / 2097152;
  }
  return out;
}

/** FNV-1a over the float32 bit patterns; matches prng.py `checksum`. */
export function goldenChecksum(values: Float32Array): number {
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length);
  let h = 0x811c9dc5;
  for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i], 0x01000193) >>> 0;
  return h;
}

// `npx tsx tests/golden/prng.ts` prints the same lines as `python3 tests/golden/prng.py`.
const argv1: unknown = (globalThis as { process?: { argv?: string[] } }).process?.argv?.[1];
const isMain = typeof argv1 === 'string' && /prng\.ts$/.test(argv1);
if (isMain) {
  const fmt = (x: number) => (Number.isInteger(x) ? x.toFixed(1) : String(x));
  for (const [seed, n] of [[0, 8], [1, 8], [123456789, 8], [0xffffffff, 8]] as const) {
    console.log(`seed ${seed}: ` + Array.from(goldenInput(seed, n), fmt).join(' '));
  }
  for (const [seed, n] of [[42, 100000], [3735928559, 602112]] as const) {
    const v = goldenInput(seed, n);
    let mn = Infinity, mx = -Infinity;
    for (const x of v) { if (x < mn) mn = x; if (x > mx) mx = x; }
    console.log(`checksum ${seed} ${n}: ${goldenChecksum(v)} min ${fmt(mn)} max ${fmt(mx)}`);
  }
}
