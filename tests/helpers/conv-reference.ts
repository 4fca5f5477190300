// A double-precision 2-D convolution (PyTorch's Conv2d, zero padding) for the kernel tests.
// Taps on the padding are skipped, so a NaN or ±Inf weight reaches only the pixels where its tap
// lands inside the image (PyTorch's mkldnn convolution; tests/nan-inf.test.ts checks it against torch).

export interface Conv {
  n: number; cin: number; h: number; w: number; cout: number;
  kh: number; kw: number; sh?: number; sw?: number; dh?: number; dw?: number; ph?: number; pw?: number;
  groups?: number; bias?: boolean; relu?: boolean; pre?: boolean;
}

export const outSize = (size: number, k: number, s: number, d: number, p: number) => Math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1;

/**
 * y = conv(x) (then relu with c.relu; the input seen as relu(x·scale + shift) with c.pre) and,
 * per element, Σ|w·x| (the scale of its rounding error).
 */
export function referenceConv2d(c: Required<Conv>, x: Float32Array, wt: Float32Array, bias: Float32Array | null, scale?: Float32Array, shift?: Float32Array) {
  const oh = outSize(c.h, c.kh, c.sh, c.dh, c.ph), ow = outSize(c.w, c.kw, c.sw, c.dw, c.pw);
  const cinG = c.cin / c.groups, coutG = c.cout / c.groups;
  const y = new Float64Array(c.n * c.cout * oh * ow), mag = new Float64Array(y.length);
  const inside = (iy: number, ix: number) => iy >= 0 && iy < c.h && ix >= 0 && ix < c.w;
  const input = (img: number, ch: number, iy: number, ix: number) => {
    const v = x[((img * c.cin + ch) * c.h + iy) * c.w + ix];
    return c.pre ? Math.max(v * scale![ch] + shift![ch], 0) : v;
  };
  for (let img = 0; img < c.n; img++) {
    for (let co = 0; co < c.cout; co++) {
      const g = Math.floor(co / coutG);
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          let s = bias ? bias[co] : 0, m = Math.abs(s);
          for (let ci = 0; ci < cinG; ci++) {
            for (let ky = 0; ky < c.kh; ky++) {
              for (let kx = 0; kx < c.kw; kx++) {
                const iy = oy * c.sh + ky * c.dh - c.ph, ix = ox * c.sw + kx * c.dw - c.pw;
                // a tap on the zero padding adds nothing, whatever its weight (NaN and ±Inf too, as PyTorch's mkldnn convolution)
                if (!inside(iy, ix)) continue;
                const t = wt[((co * cinG + ci) * c.kh + ky) * c.kw + kx] * input(img, g * cinG + ci, iy, ix);
                s += t; m += Math.abs(t);
              }
            }
          }
          const at = ((img * c.cout + co) * oh + oy) * ow + ox;
          y[at] = c.relu ? Math.max(s, 0) : s;
          mag[at] = m;
        }
      }
    }
  }
  return { y, mag, oh, ow };
}
