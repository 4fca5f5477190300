// What the page computed, kept in `demoState` for the browser test and the curious (the
// console), and the one place errors are reported: listed in the state and shown on the page.

import type { Timing } from "./timing.js";

export interface TimingState {
  /** The registry's golden folder of the block (its id), and its name. */
  readonly block: string;
  readonly name: string;
  readonly layout: "nchw" | "nhwc";
  readonly shape: string;
  readonly dims: readonly number[];
  readonly outDims: readonly number[];
  readonly inputs: number;
  /** Where the weights came from: the benchmark's file, or seeded random from the block's weight specs. */
  readonly weights: string;
  readonly timings: Timing[];
  /** Why onnxruntime-web was not timed, when it was not. */
  readonly ortMissing?: string;
  readonly crossCheck?: { readonly maxAbs: number; readonly worstRatio: number; readonly withinTolerance: boolean };
}

export interface TrainedBlockState {
  /** findAttentionBlocks' name, its ONNX input and output tensors, the input's dims. */
  readonly name: string;
  readonly input: string;
  readonly output: string;
  readonly dims: readonly number[];
  readonly options: Record<string, unknown>;
  /** The channel gates read back from excite's output and from ONNX Runtime's (y = s·x). */
  readonly gates: number[];
  readonly ortGates: number[];
  /** max |excite − ORT| over the block's output, and max |ORT's output|. */
  readonly maxErr: number;
  readonly maxRef: number;
}

export interface TrainedState {
  readonly model: string;
  readonly inputDims: readonly number[];
  /** Milliseconds of onnxruntime-web's run of the whole network. */
  readonly ortMs: number;
  readonly blocks: TrainedBlockState[];
  /** The block shown (its name). */
  readonly selected: string;
}

export interface DemoState {
  timing?: TimingState;
  image?: { width: number; height: number; views: { block: string; channel?: number[]; spatialRange?: [number, number]; spatialLength?: number }[] };
  trained?: TrainedState;
  /** Why the trained-model section did not run, when it did not. */
  trainedMissing?: string;
  errors: string[];
}

declare global {
  var demoState: DemoState;
}
globalThis.demoState = { errors: [] };

export const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

/** Reports `err` as having happened in `where`: in demoState.errors, on the page and in the console. */
export function fail(where: string, err: unknown): void {
  const message = `${where}: ${(err as Error).message ?? err}`;
  demoState.errors.push(message);
  console.error(err);
  $("errors").textContent = demoState.errors.join("\n");
}

/** Fills `select` with `entries`, selecting `selected` when it is one of them. */
export function fillSelect(select: HTMLSelectElement, entries: ReadonlyArray<readonly [value: string, label: string]>, selected: string | null): void {
  select.replaceChildren(...entries.map(([value, label]) => new Option(label, value, false, value === selected)));
}

export const para = (text: string, className?: string): HTMLParagraphElement => Object.assign(document.createElement("p"), { textContent: text, ...(className ? { className } : {}) });

export const COLOURS = { excite: "#2a9d8f", exciteIo: "#8ab17d", ort: "#e76f51" } as const;
