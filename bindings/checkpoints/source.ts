// What a checkpoint source is: a table entry of keys with symbolic shapes (the sizes they tell),
// and a build from the bound sizes and tensors to excite's block, options and canonical weights.
// driver.ts binds the sizes, checks every key and merges the caller's options.

import type { BlockId } from "./blocks.js";

/** A dimension of a key's shape: a literal size, or a size symbol bound from the weights ("C", "R", …). */
export type Dim = number | string;

/** A key of the source's state_dict (relative to the prefix) and its shape. */
export interface KeySpec {
  readonly key: string;
  readonly shape: readonly Dim[];
}

/** Which keys a state_dict has (keys() picks the source's structure from them: biases, paths, branches). */
export interface KeyProbe {
  /** The source's name, for messages. */
  readonly source: string;
  /** The prefix its keys sit under in the state_dict ("" or e.g. "layer1.0.se."). */
  readonly prefix: string;
  has(key: string): boolean;
  /** How many consecutive indices from `from` have `pattern` (a key with "{i}") present. */
  count(pattern: string, from?: number): number;
}

/** A canonical weight with its shape (SPEC's). */
export interface CanonicalTensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

/** One excite block of a source. */
export interface Stage {
  readonly block: BlockId;
  /** Options read from the weights (widths, kernel sizes, biases, branches): the caller's options must agree. */
  readonly inferred: Readonly<Record<string, unknown>>;
  /** What the weights cannot tell: the source module's defaults; the caller's options override them. */
  readonly defaults: Readonly<Record<string, unknown>>;
  readonly weights: Readonly<Record<string, CanonicalTensor>>;
}

/** A matched state_dict as a source's build sees it. */
export interface Match extends KeyProbe {
  /** The size bound to a symbol (from the weights, or the caller's option); a clear error when neither tells it. */
  size(symbol: string): number;
  /** The data of a key of the state_dict. */
  tensor(key: string): Float32Array;
  /** The source key `key` as a canonical weight of shape `shape` (symbols resolved). */
  take(key: string, shape: readonly Dim[]): CanonicalTensor;
  /** The caller's option (undefined when not given). */
  option(name: string): unknown;
  /** A RangeError about key `key` (named in full, with the prefix). */
  fail(key: string, why: string): never;
}

export interface SourceDef {
  /** The module as its library calls it, e.g. "timm:SEModule". */
  readonly name: string;
  /** The excite block(s) it maps to, e.g. "SE" (listCheckpointModules reports it). */
  readonly block: string;
  /** Keys that mark where the source may sit: listCheckpointModules tries it at every prefix under which one of them is found (empty: no weights, never found). */
  readonly signature: readonly string[];
  /** excite size options and the symbols they fix, e.g. { channels: "C", reducedChannels: "R" }. */
  readonly sizes?: Readonly<Record<string, string>>;
  /** The keys and shapes of its state_dict, given which keys are present. */
  keys(p: KeyProbe): readonly KeySpec[];
  /** The block(s), options and canonical weights; several stages run one after the other. */
  build(m: Match): Stage | readonly Stage[];
}

/** Thrown where only an option can tell what a source needs (ECA's channels): recognition still counts the match. */
export class OptionRequiredError extends TypeError {}

// ---- helpers for the source tables ----

export const key = (k: string, ...shape: Dim[]): KeySpec => ({ key: k, shape });

const BN_PARAMS = ["weight", "bias", "running_mean", "running_var"] as const;

/** The four keys of a BatchNorm over `size` channels under `prefix` ("bn1."). */
export const bnKeys = (prefix: string, size: Dim): KeySpec[] => BN_PARAMS.map((p) => key(`${prefix}${p}`, size));

/** Canonical weights renamed from source keys: [canonical, source, canonical shape]. */
export function rename(m: Match, pairs: ReadonlyArray<readonly [string, string, readonly Dim[]]>): Record<string, CanonicalTensor> {
  return Object.fromEntries(pairs.map(([to, from, shape]) => [to, m.take(from, shape)]));
}

/** A BatchNorm's four tensors renamed from the `from` prefix to `to`. */
export function renameBN(m: Match, from: string, to: string, size: Dim): Record<string, CanonicalTensor> {
  return rename(m, BN_PARAMS.map((p) => [`${to}${p}`, `${from}${p}`, [size]] as const));
}

/** All of `keys` present (true) or none (false); some alone is an error naming the missing ones. */
export function allOrNone(p: KeyProbe, keys: readonly string[]): boolean {
  const present = keys.filter((k) => p.has(k));
  if (present.length === 0) return false;
  if (present.length < keys.length) {
    const names = (ks: string[]) => ks.map((k) => `'${p.prefix}${k}'`).join(", ");
    throw new Error(`excite: ${p.source}: the checkpoint has ${names(present)} but not ${names(keys.filter((k) => !p.has(k)))}: the module has all of them or none`);
  }
  return true;
}
