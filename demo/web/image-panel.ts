// The image panel: a fixed stem turns the photo into 12 feature maps, and SE, sSE, CBAM and BAM
// (seeded random weights) gate them; their gates are drawn as bars and heatmaps over the photo.

import { attentionViews } from "./attention-maps.js";
import { barChart } from "./bar-chart.js";
import { greyscale, heatmapOver, range, RAMP_CSS } from "./heatmap.js";
import { $, COLOURS, fail } from "./state.js";
import { STEM_CHANNELS, STEM_LABELS, stem } from "./stem.js";

/** The sample photo's pixels, decoded by the browser. */
export async function photo(): Promise<ImageData> {
  const img = new Image();
  img.src = "chelsea.jpg";
  await img.decode();
  const canvas = Object.assign(document.createElement("canvas"), { width: img.naturalWidth, height: img.naturalHeight });
  const ctx = canvas.getContext("2d")!;
  ctx.drawImage(img, 0, 0);
  return ctx.getImageData(0, 0, canvas.width, canvas.height);
}

function figure(caption: string, ...content: Node[]): HTMLElement {
  const fig = document.createElement("figure");
  fig.append(...content, Object.assign(document.createElement("figcaption"), { textContent: caption }));
  return fig;
}

export async function runImage(image: ImageData): Promise<void> {
  document.body.dataset.image = "running";
  try {
    const { width: w, height: h } = image;
    const features = stem(image);
    const hw = w * h;
    $("features").replaceChildren(...STEM_LABELS.map((label, c) => figure(label, greyscale(features.subarray(c * hw, (c + 1) * hw), w, h))));
    const seed = Number($<HTMLInputElement>("seed").value) >>> 0;
    const views = await attentionViews(features, [1, STEM_CHANNELS, h, w], seed);
    const cards = views.map((v) => {
      const card = document.createElement("div");
      card.className = "card";
      card.append(Object.assign(document.createElement("h3"), { textContent: v.block }), Object.assign(document.createElement("p"), { className: "formula", textContent: v.caption }));
      if (v.spatial) {
        const [lo, hi] = range(v.spatial);
        const legend = document.createElement("div");
        legend.className = "legend";
        legend.innerHTML = `<span>${lo.toFixed(2)}</span><i style="background:${RAMP_CSS}"></i><span>${hi.toFixed(2)}</span>`;
        card.append(figure("spatial gate over the photo", heatmapOver(image, v.spatial), legend));
      }
      if (v.channel) card.append(figure("channel gate per stem feature", barChart(STEM_LABELS.map((label, c) => ({ label, value: v.channel![c], colour: COLOURS.excite })), { width: 262, max: 1, labelWidth: 72, valueWidth: 36, rowHeight: 17, format: (s) => s.toFixed(2) })));
      return card;
    });
    $("views").replaceChildren(...cards);
    demoState.image = { width: w, height: h, views: views.map((v) => ({ block: v.block, channel: v.channel && Array.from(v.channel), spatialRange: v.spatial && range(v.spatial), spatialLength: v.spatial?.length })) };
    document.body.dataset.image = "done";
  } catch (err) {
    fail("image", err);
    document.body.dataset.image = "error";
  }
}
