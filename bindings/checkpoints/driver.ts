// The one generic driver behind every source: takes the keys under a prefix, checks them against
// the source's key table, binds the size symbols of their shapes (from the shapes; the caller's
// size options; then the lengths of tensors whose shapes are unknown), builds the source's stages
// and merges the caller's options over them.

import { describe } from "../validate.js";
import type { BlockId } from "./blocks.js";
import { type CanonicalTensor, type Dim, type KeyProbe, type KeySpec, type Match, OptionRequiredError, type SourceDef, type Stage } from "./source.js";
import type { Entry } from "./state-dict.js";
import { checkWidthOptions } from "./widths.js";

/** A block of a resolved checkpoint, before the registry is asked for it. */
export interface ResolvedStage {
  readonly block: BlockId;
  readonly options: Record<string, unknown>;
  readonly weights: Record<string, CanonicalTensor>;
}

const fmt = (shape: readonly Dim[]): string => `[${shape.join(", ")}]`;
const product = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);

/** `pattern` aligned to a tensor of rank `rank`: trailing literal 1s may be left out on either side (a 1×1 conv's [O, I, 1, 1] = [O, I]). */
function align(pattern: readonly Dim[], shape: readonly number[]): readonly Dim[] | undefined {
  if (shape.length === pattern.length) return pattern;
  if (shape.length < pattern.length && pattern.slice(shape.length).every((d) => d === 1)) return pattern.slice(0, shape.length);
  if (shape.length > pattern.length && shape.slice(pattern.length).every((d) => d === 1)) return [...pattern, ...shape.slice(pattern.length).map(() => 1)];
  return undefined;
}

/** Same value: numbers, strings, booleans, and arrays / plain objects of them. */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => same(v, b[i]));
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a), kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}

const show = (v: unknown): string => (typeof v === "string" ? `'${v}'` : JSON.stringify(v) ?? String(v));

interface Bound {
  readonly value: number;
  /** Where it came from, for messages: "'fc1.weight' [8, 20, 1, 1]" or "options.channels". */
  readonly from: string;
}

/**
 * Resolves `source` over `scoped` (the keys under `prefix`, stripped of it) with the caller's
 * `options` (prefix removed): the source's stages with their merged options and canonical weights.
 */
export function resolveScoped(source: SourceDef, scoped: ReadonlyMap<string, Entry>, prefix: string, options: Readonly<Record<string, unknown>>): ResolvedStage[] {
  const name = source.name;
  const full = (k: string) => `'${prefix}${k}'`;
  const probe: KeyProbe = {
    source: name,
    prefix,
    has: (k) => scoped.has(k),
    count: (pattern, from = 0) => {
      let i = from;
      while (scoped.has(pattern.replace("{i}", String(i)))) i++;
      return i - from;
    },
  };
  const specs = source.keys(probe);
  checkKeys(source, specs, scoped, prefix);

  const sizes = new Map<string, Bound>();
  const valueOf = (d: Dim): Dim => (typeof d === "number" ? d : (sizes.get(d)?.value ?? d));
  const shapeError = (spec: KeySpec, got: string): never => {
    const why = [...new Set(spec.shape.filter((d): d is string => typeof d === "string" && sizes.has(d)))]
      .map((d) => `${d} = ${sizes.get(d)!.value} from ${sizes.get(d)!.from}`)
      .filter((s) => !s.endsWith(`from ${full(spec.key)} ${got}`));
    const resolved = spec.shape.some((d) => typeof d === "string" && sizes.has(d)) ? ` = ${fmt(spec.shape.map(valueOf))}` : "";
    throw new RangeError(`excite: ${name}: ${full(spec.key)} is ${got}, expected ${fmt(spec.shape)}${resolved}${why.length ? ` (${why.join("; ")})` : ""}`);
  };

  // 1. the shapes that are known
  for (const spec of specs) {
    const shape = scoped.get(spec.key)!.shape;
    if (shape === undefined) continue;
    const pattern = align(spec.shape, shape);
    if (pattern === undefined) shapeError(spec, fmt(shape));
    pattern!.forEach((d, i) => {
      if (typeof d === "string" && !sizes.has(d)) sizes.set(d, { value: shape[i], from: `${full(spec.key)} ${fmt(shape)}` });
    });
    if (pattern!.some((d, i) => valueOf(d) !== shape[i])) shapeError(spec, fmt(shape));
  }

  // 2. the caller's size options: equal to what the weights say, or telling what they do not
  for (const [option, symbol] of Object.entries(source.sizes ?? {})) {
    const v = options[option];
    if (v === undefined) continue;
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1) throw new RangeError(`excite: ${name} option ${option} must be a positive integer, got ${describe(v)}`);
    const b = sizes.get(symbol);
    if (b !== undefined && b.value !== v) throw new RangeError(`excite: ${name}: options.${option} = ${v} contradicts the checkpoint: ${b.from} gives ${option} = ${b.value}`);
    if (b === undefined) sizes.set(symbol, { value: v, from: `options.${option}` });
  }

  // 3. tensors known by their length only: a shape with one unknown symbol tells it
  const shapeless = specs.filter((s) => scoped.get(s.key)!.shape === undefined);
  for (let progress = true; progress; ) {
    progress = false;
    for (const spec of shapeless) {
      const unknown = spec.shape.filter((d): d is string => typeof d === "string" && !sizes.has(d));
      if (unknown.length === 0 || unknown.some((d) => d !== unknown[0])) continue;
      const length = scoped.get(spec.key)!.data.length;
      const rest = product(spec.shape.map(valueOf).filter((d): d is number => typeof d === "number"));
      const v = Math.round((length / rest) ** (1 / unknown.length));
      if (v < 1 || rest * v ** unknown.length !== length) throw new RangeError(`excite: ${name}: ${full(spec.key)} has ${length} floats, which no ${fmt(spec.shape.map(valueOf))} has`);
      sizes.set(unknown[0], { value: v, from: `the length of ${full(spec.key)} (${length} floats)` });
      progress = true;
    }
  }
  for (const spec of shapeless) {
    const length = scoped.get(spec.key)!.data.length;
    const unknown = [...new Set(spec.shape.filter((d): d is string => typeof d === "string" && !sizes.has(d)))];
    if (unknown.length > 0) {
      const options = Object.entries(source.sizes ?? {}).filter(([, s]) => unknown.includes(s)).map(([o, s]) => `options.${o} (${s})`);
      throw new RangeError(
        `excite: ${name}: ${unknown.join(" and ")} cannot be told apart from the length of ${full(spec.key)} (${length} floats for ${fmt(spec.shape)}): its shape is not known (a Record<string, Float32Array>, as loadSafetensors gives, has none); ` +
          `pass the safetensors file's bytes or tensors as { shape, data }${options.length ? `, or ${options.join(" / ")}` : ""}`,
      );
    }
    const want = product(spec.shape.map(valueOf) as number[]);
    if (want !== length) throw new RangeError(`excite: ${name}: ${full(spec.key)} has ${length} floats, expected ${fmt(spec.shape)} = ${fmt(spec.shape.map(valueOf))} (${want} floats)`);
  }

  const size = (symbol: string): number => {
    const b = sizes.get(symbol);
    if (b !== undefined) return b.value;
    const option = Object.entries(source.sizes ?? {}).find(([, s]) => s === symbol)?.[0];
    throw new OptionRequiredError(`excite: ${name}: the checkpoint does not tell ${option ?? symbol} (no weight has it): pass options.${option ?? symbol}`);
  };
  const match: Match = {
    ...probe,
    size,
    tensor: (k) => scoped.get(k)!.data,
    take: (k, shape) => ({ data: scoped.get(k)!.data, shape: shape.map((d) => (typeof d === "number" ? d : size(d))) }),
    option: (o) => options[o],
    fail: (k, why) => {
      throw new RangeError(`excite: ${name}: ${full(k)} ${why}`);
    },
  };
  const built = source.build(match);
  const stages: readonly Stage[] = Array.isArray(built) ? built : [built as Stage];
  return stages.map((s, i) => ({ block: s.block, options: merge(name, s, options, i === 0), weights: { ...s.weights } }));
}

/** Every required key present, and no key the source does not have. */
function checkKeys(source: SourceDef, specs: readonly KeySpec[], scoped: ReadonlyMap<string, Entry>, prefix: string): void {
  const wanted = new Set(specs.map((s) => s.key));
  const missing = specs.filter((s) => !scoped.has(s.key));
  const extra = [...scoped.keys()].filter((k) => !wanted.has(k));
  const list = (ks: readonly string[], n = 6) => ks.slice(0, n).map((k) => `'${prefix}${k}'`).join(", ") + (ks.length > n ? `, … (${ks.length} in all)` : "");
  if (missing.length > 0 && missing.length === specs.length && scoped.size > 0) {
    throw new Error(`excite: ${source.name}: the checkpoint${prefix ? ` under '${prefix}'` : ""} holds none of its keys (${list(specs.map((s) => s.key))}); it has ${list([...scoped.keys()])}: another source, or options.prefix? (listCheckpointModules lists the modules it recognises)`);
  }
  if (missing.length > 0) {
    const s = missing[0];
    throw new Error(`excite: ${source.name}: the checkpoint has no ${`'${prefix}${s.key}'`} (${fmt(s.shape)}), which ${source.name} has${missing.length > 1 ? ` (nor ${list(missing.slice(1).map((m) => m.key))})` : ""}`);
  }
  if (extra.length > 0) {
    throw new Error(
      `excite: ${source.name} has no key ${`'${prefix}${extra[0]}'`}${extra.length > 1 ? ` (nor ${list(extra.slice(1))})` : ""}; its keys here are ${list([...wanted], 12)}` +
        (extra.length > 4 && prefix === "" ? ": a whole network's state_dict? pass options.prefix (listCheckpointModules lists the modules it recognises)" : ""),
    );
  }
}

/** The stage's options: its defaults, what the weights say, then the caller's (layout alone for later stages). */
function merge(source: string, stage: Stage, user: Readonly<Record<string, unknown>>, first: boolean): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...stage.defaults, ...stage.inferred };
  const given: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(user)) {
    if (v === undefined || (!first && k !== "layout")) continue;
    if (k in stage.inferred && !same(v, stage.inferred[k])) {
      throw new RangeError(`excite: ${source}: options.${k} = ${show(v)} contradicts the checkpoint, whose weights give ${k} = ${show(stage.inferred[k])}`);
    }
    merged[k] = v;
    given[k] = v;
  }
  checkWidthOptions(source, stage.block, given, merged);
  return merged;
}
