// A horizontal bar chart as plain SVG: one row per bar, label on the left, value on the right.

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
