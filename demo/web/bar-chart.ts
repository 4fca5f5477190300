// Charts as plain SVG: horizontal bars (one row per bar, label on the left, value on the right),
// and columns (one thin column per value, for a gate per channel).

export interface Bar {
  readonly label: string;
  readonly value: number;
  /** Text after the value, e.g. a ratio. */
  readonly note?: string;
  readonly colour?: string;
}

export interface BarChartOptions {
  readonly width: number;
  /** The value of a full-width bar (default: the largest value). */
  readonly max?: number;
  readonly labelWidth?: number;
  readonly rowHeight?: number;
  /** Room on the right of the longest bar for its value and note. */
  readonly valueWidth?: number;
  readonly format: (value: number) => string;
}

const SVG = "http://www.w3.org/2000/svg";

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

export function barChart(bars: readonly Bar[], o: BarChartOptions): SVGSVGElement {
  const labelWidth = o.labelWidth ?? 150, rowHeight = o.rowHeight ?? 26, valueWidth = o.valueWidth ?? 60;
  const max = o.max ?? Math.max(...bars.map((b) => b.value), Number.MIN_VALUE);
  const plot = o.width - labelWidth - valueWidth;
  const svg = el("svg", { width: o.width, height: bars.length * rowHeight + 4, viewBox: `0 0 ${o.width} ${bars.length * rowHeight + 4}`, role: "img" });
  bars.forEach((b, i) => {
    const y = i * rowHeight + 2;
    const len = Math.max(1, (Math.max(0, b.value) / max) * plot);
    svg.append(
      el("text", { x: labelWidth - 8, y: y + rowHeight * 0.68, "text-anchor": "end", class: "bar-label" }, b.label),
      el("rect", { x: labelWidth, y: y + 3, width: len, height: rowHeight - 6, rx: 3, fill: b.colour ?? "#4c72b0" }),
      el("text", { x: labelWidth + len + 6, y: y + rowHeight * 0.68, class: "bar-value" }, o.format(b.value) + (b.note ? `  ${b.note}` : "")),
    );
  });
  return svg;
}

export interface ColumnChartOptions {
  readonly width: number;
  readonly height: number;
  /** The value of a full-height column. */
  readonly max: number;
  readonly colour: string;
  /** Each column's tooltip. */
  readonly title: (index: number, value: number) => string;
}

/** One column per value (NaN: none), with a baseline, a top line and their values on the left. */
export function columnChart(values: ArrayLike<number>, o: ColumnChartOptions): SVGSVGElement {
  const left = 30, top = 6, bottom = 16, plotH = o.height - top - bottom;
  const step = (o.width - left) / values.length;
  const svg = el("svg", { width: o.width, height: o.height, viewBox: `0 0 ${o.width} ${o.height}`, role: "img" });
  for (const [v, label] of [[0, "0"], [o.max / 2, String(o.max / 2)], [o.max, String(o.max)]] as const) {
    const y = top + plotH * (1 - v / o.max);
    svg.append(el("line", { x1: left, x2: o.width, y1: y, y2: y, stroke: "#e3e6ec" }), el("text", { x: left - 4, y: y + 4, "text-anchor": "end", class: "bar-value" }, label));
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) continue;
    const hgt = Math.max(0.5, (Math.min(o.max, Math.max(0, v)) / o.max) * plotH);
    const rect = el("rect", { x: left + i * step, y: top + plotH - hgt, width: Math.max(0.6, step * 0.8), height: hgt, fill: o.colour });
    rect.append(el("title", {}, o.title(i, v)));
    svg.append(rect);
  }
  svg.append(el("text", { x: left, y: o.height - 3, class: "bar-value" }, "channel 0"), el("text", { x: o.width, y: o.height - 3, "text-anchor": "end", class: "bar-value" }, String(values.length - 1)));
  return svg;
}
