"""Input generator shared by gen.py and the TypeScript tests (see prng.ts).

mulberry32 (Tommy Ettinger's 32-bit generator): state `a` is a u32, every step
    a = a + 0x6D2B79F5
    t = imul(a ^ (a >>> 15), a | 1)
    t = (t + imul(t ^ (t >>> 7), t | 61)) ^ t
    u = t ^ (t >>> 14)            (u32)
Each u32 `u` maps to ((u >>> 9) - 2**22) / 2**21, an exact float32 in [-2, 2).

The state after k steps is seed + k * 0x6D2B79F5 (mod 2**32), so the stream can be
computed for all k at once with numpy; `golden_input_slow` is the literal loop, kept
as a cross-check.
"""
import numpy as np

M32 = 0xFFFFFFFF
GOLDEN = 0x6D2B79F5


def golden_input_u32(seed: int, length: int) -> np.ndarray:
    """The first `length` u32 outputs of mulberry32(seed) as uint64 values."""
    k = np.arange(1, length + 1, dtype=np.uint64)
    a = (np.uint64(seed & M32) + k * np.uint64(GOLDEN)) & np.uint64(M32)
    m = np.uint64(M32)
    t = ((a ^ (a >> np.uint64(15))) * (a | np.uint64(1))) & m
    t = ((t + (((t ^ (t >> np.uint64(7))) * (t | np.uint64(61))) & m)) & m) ^ t
    return (t ^ (t >> np.uint64(14))) & m


def golden_input(seed: int, length: int) -> np.ndarray:
    """float32 array of `length` values in [-2, 2), bit-identical to prng.ts goldenInput."""
    u = golden_input_u32(seed, length)
    v = (u >> np.uint64(9)).astype(np.int64) - (1 << 22)
    return (v.astype(np.float64) / float(1 << 21)).astype(np.float32)


def golden_input_slow(seed: int, length: int) -> np.ndarray:
    a = seed & M32
    out = np.empty(length, dtype=np.float32)
    for i in range(length):
        a = (a + GOLDEN) & M32
        t = ((a ^ (a >> 15)) * (a | 1)) & M32
        t = ((t + (((t ^ (t >> 7)) * (t | 61)) & M32)) & M32) ^ t
        u = (t ^ (t >> 14)) & M32
        out[i] = ((u >> 9) - (1 << 22)) / float(1 << 21)
    return out


def checksum(values: np.ndarray) -> int:
    """Order-sensitive u32 checksum of the float32 bit patterns (FNV-1a over the u32 words)."""
    h = 0x811C9DC5
    for w in values.astype('<f4').view('<u4').tolist():
        h = ((h ^ w) * 0x01000193) & M32
    return h


if __name__ == '__main__':
    # Print the reference values; `npx tsx tests/golden/prng.ts` prints the same lines.
    for seed, n in ((0, 8), (1, 8), (123456789, 8), (0xFFFFFFFF, 8)):
        v = golden_input(seed, n)
        assert np.array_equal(v.view(np.uint32), golden_input_slow(seed, n).view(np.uint32))
        print(f"seed {seed}: " + ' '.join(repr(float(x)) for x in v))
    for seed, n in ((42, 100000), (3735928559, 602112)):
        v = golden_input(seed, n)
        if n <= 100000:
            assert np.array_equal(v.view(np.uint32), golden_input_slow(seed, n).view(np.uint32))
        print(f"checksum {seed} {n}: {checksum(v)} min {float(v.min())} max {float(v.max())}")
