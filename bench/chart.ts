// The chart of RESULTS.md as a standalone SVG: per cell, how many times faster excite's run()
// is than each peer (log scale, left; on two threads against ORT-web on two) and the zero-copy
// run's share of the limit (right).

import { type CellResult, limitShare, ms, ortNode1, ortWeb1, type Results, speedup } from "./metrics.js";

const PEERS: { label: string; colour: string; ratio: (r: CellResult) => number | undefined }[] = [
  { label: "ORT-web (faster level)", colour: "#1f77b4", ratio: (r) => speedup(r, ortWeb1(r)) },
  { label: "ORT-web, both on 2 threads", colour: "#17becf", ratio: (r) => speedup(r, ms(r, "ort-web-all-2t"), "excite-2t") },
  { label: "tfjs-wasm", colour: "#ff7f0e", ratio: (r) => speedup(r, ms(r, "tfjs")) },
  { label: "ORT-node native (faster level)", colour: "#2ca02c", ratio: (r) => speedup(r, ortNode1(r)) },
  { label: "plain JS", colour: "#9467bd", ratio: (r) => speedup(r, ms(r, "js")) },
];

const BAR = 4, GAP = 8, ROW = PEERS.length * BAR + GAP;
const LEFT = 190, PLOT = 420, MID = 40, PLOT2 = 200, TOP = 88;
const MIN_X = 1 / 8, MAX_X = 256;

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
const logX = (v: number) => LEFT + (PLOT * Math.log2(Math.min(Math.max(v, MIN_X), MAX_X) / MIN_X)) / Math.log2(MAX_X / MIN_X);

export function chartSvg(res: Results): string {
  const height = TOP + res.cells.length * ROW + 40;
  const x2 = LEFT + PLOT + MID;
  const pctX = (p: number) => x2 + (PLOT2 * Math.min(p, 1.5)) / 1.5;
  const width = x2 + PLOT2 + 30;
  const o: string[] = [];
  o.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`);
  o.push(`<rect width="100%" height="100%" fill="white"/>`);
  o.push(`<text x="${LEFT}" y="16" font-size="13" font-weight="bold">excite run(): times faster than each peer (log scale)</text>`);
  o.push(`<text x="${x2}" y="16" font-size="13" font-weight="bold">io(): % of the limit</text>`);
  PEERS.forEach((p, i) => {
    const lx = LEFT + (i % 3) * 200, ly = 26 + Math.floor(i / 3) * 16;
    o.push(`<rect x="${lx}" y="${ly}" width="10" height="10" fill="${p.colour}"/><text x="${lx + 14}" y="${ly + 9}">${esc(p.label)}</text>`);
  });
  o.push(`<text x="${LEFT}" y="70" fill="#555">${esc(`${res.date.slice(0, 10)}, Node ${res.node}, ${res.flavour}; ✕ = no time`)}</text>`);
  const bottom = TOP + res.cells.length * ROW;
  for (let v = MIN_X; v <= MAX_X; v *= 2) {
    const x = logX(v);
    o.push(`<line x1="${x}" y1="${TOP - 4}" x2="${x}" y2="${bottom}" stroke="${v === 1 ? "#000" : "#e3e3e3"}"/>`);
    o.push(`<text x="${x}" y="${bottom + 14}" text-anchor="middle">${v < 1 ? `1/${1 / v}` : v}×</text>`);
  }
  o.push(`<line x1="${logX(4)}" y1="${TOP - 4}" x2="${logX(4)}" y2="${bottom}" stroke="#d62728" stroke-dasharray="4 3"/>`);
  o.push(`<text x="${logX(4) + 3}" y="${TOP - 8}" fill="#d62728">4× (memory-bound blocks vs ORT-web; 3× on L)</text>`);
  for (const p of [0, 0.5, 1, 1.5]) {
    o.push(`<line x1="${pctX(p)}" y1="${TOP - 4}" x2="${pctX(p)}" y2="${bottom}" stroke="${p === 1 ? "#000" : "#e3e3e3"}"/>`);
    o.push(`<text x="${pctX(p)}" y="${bottom + 14}" text-anchor="middle">${p * 100}%</text>`);
  }
  o.push(`<line x1="${pctX(0.6)}" y1="${TOP - 4}" x2="${pctX(0.6)}" y2="${bottom}" stroke="#d62728" stroke-dasharray="4 3"/>`);
  o.push(`<text x="${pctX(0.6) + 3}" y="${TOP - 8}" fill="#d62728">60%</text>`);
  res.cells.forEach((r, row) => {
    const y = TOP + row * ROW;
    if (row > 0 && res.cells[row - 1].block !== r.block) o.push(`<line x1="4" y1="${y - GAP / 2}" x2="${width - 4}" y2="${y - GAP / 2}" stroke="#bbb"/>`);
    const name = `${r.label} ${r.shape}${r.layout === "nhwc" ? " NHWC" : ""}`;
    o.push(`<text x="${LEFT - 6}" y="${y + (PEERS.length * BAR) / 2 + 4}" text-anchor="end">${esc(name)}</text>`);
    PEERS.forEach((p, i) => {
      const s = p.ratio(r);
      const yy = y + i * BAR;
      // Bars start at 1×: rightwards where excite is faster, leftwards where the peer is.
      const one = logX(1), at = s === undefined ? one : logX(s);
      if (s === undefined) o.push(`<text x="${one + 2}" y="${yy + BAR}" font-size="6" fill="${p.colour}">✕</text>`);
      else o.push(`<rect x="${Math.min(one, at)}" y="${yy}" width="${Math.max(1, Math.abs(at - one))}" height="${BAR - 1}" fill="${p.colour}"><title>${esc(`${name}: ${s.toFixed(2)}× faster than ${p.label}`)}</title></rect>`);
    });
    // The limit is a target of the memory-bound blocks only; the conv-bound ones' bars are pale.
    const l = limitShare(r);
    const fill = r.convBound ? "#ccc" : l !== undefined && l >= 0.6 ? "#555" : "#d62728";
    if (l !== undefined) o.push(`<rect x="${x2}" y="${y + BAR}" width="${pctX(l) - x2}" height="${2 * BAR}" fill="${fill}"><title>${esc(`${name}: ${Math.round(l * 100)}% of the limit`)}</title></rect>`);
  });
  o.push(`</svg>`);
  return o.join("\n") + "\n";
}
