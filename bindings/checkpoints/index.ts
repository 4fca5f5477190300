// Peer checkpoints: fromCheckpoint(source, stateDict, options?) reads a timm, smp or official-code
// module's state_dict as its library saves it, infers the widths, kernels, biases and branches from
// the weights' shapes, takes the source module's defaults for what they cannot tell, and builds the
// excite block through the registry (looked up when it is called, so blocks merged later need no
// change here). resolveCheckpoint does the same without building; listCheckpointModules finds the
// modules of a whole network's state_dict.

import type { Block, BlockBase, BlockFactory, FusionBlock } from "../block.js";
import { blocks } from "../registry.js";
import { describe } from "../validate.js";
import { officialBAM, officialCBAM } from "./attention-module.js";
import { BLOCK_IDS, type BlockId } from "./blocks.js";
import { BlockChain } from "./chain.js";
import { mmcvContextBlock, timmGatherExcite, timmGlobalContext } from "./context.js";
import { resnestSplAtConv2d, timmSelectiveKernel, timmSplitAttn } from "./conv-attention.js";
import { type ResolvedStage, resolveScoped } from "./driver.js";
import {
  coordattCoordAtt, openaffAFF, openaffIAFF, openaffMSCAM, sanetSaLayer, simamSimamModule, timmCoordAttn, tripletTripletAttention,
} from "./papers.js";
import { smpSCSEModule } from "./smp.js";
import { OptionRequiredError, type SourceDef } from "./source.js";
import { type CheckpointInput, type Entry, readStateDict } from "./state-dict.js";
import { timmCbamModule, timmLightCbamModule } from "./timm-cbam.js";
import { ecanetEcaLayer, timmCecaModule, timmEcaModule, timmEffectiveSEModule, timmSEModule, timmSqueezeExcite } from "./timm-se.js";

export type { CheckpointInput, ShapedTensor, StateDict } from "./state-dict.js";
export { BlockChain, BlockChainIO } from "./chain.js";

/**
 * Every source. The order breaks ties in listCheckpointModules between sources whose keys are
 * the same (timm's EcaModule and CecaModule, open-aff's AFF and MS_CAM): the earlier one is reported.
 */
const SOURCES: readonly SourceDef[] = [
  timmSEModule, timmEffectiveSEModule, timmSqueezeExcite, timmEcaModule, timmCecaModule, timmCbamModule, timmLightCbamModule,
  timmGatherExcite, timmGlobalContext, timmSelectiveKernel, timmSplitAttn, timmCoordAttn, smpSCSEModule, officialCBAM, officialBAM,
  resnestSplAtConv2d, mmcvContextBlock, openaffAFF, openaffIAFF, openaffMSCAM, sanetSaLayer, ecanetEcaLayer, coordattCoordAtt,
  tripletTripletAttention, simamSimamModule,
];
const BY_NAME = new Map(SOURCES.map((s) => [s.name, s]));

/** The names fromCheckpoint takes, e.g. "timm:SEModule". */
export const checkpointSources: readonly string[] = Object.freeze(SOURCES.map((s) => s.name));

/** One excite block of a resolved checkpoint. */
export interface ResolvedBlock {
  /** The excite block, e.g. "SE", "CBAM", "iAFF". */
  readonly block: string;
  /** Its factory, e.g. "createSE". */
  readonly factory: string;
  /** The factory's options: inferred from the weights, the source's defaults, the caller's. */
  readonly options: Record<string, unknown>;
  /** The weights under excite's canonical keys. */
  readonly weights: Record<string, Float32Array>;
  /** Their shapes (SPEC's canonical shapes). */
  readonly shapes: Record<string, readonly number[]>;
  /** A block that runs on this one's output (timm's LightCbamModule: an SE, then a CBAM that is its spatial gate). */
  readonly then?: ResolvedBlock;
}

export interface ResolvedCheckpoint extends ResolvedBlock {
  readonly source: string;
  /** The prefix the module's keys were read under ("" for a module's own state_dict). */
  readonly prefix: string;
}

/** fromCheckpoint's options: `prefix`, and any option of the excite block (a stated width must match the weights). */
export interface CheckpointOptions {
  /** Where the module sits in a whole network's state_dict, e.g. "layer1.0.se.". */
  readonly prefix?: string;
  readonly [option: string]: unknown;
}

/** A recognised module of a network's state_dict. */
export interface CheckpointModule {
  readonly prefix: string;
  readonly source: string;
  /** The excite block(s) it maps to, e.g. "SE" ("SE+CBAM" for timm's LightCbamModule). */
  readonly block: string;
}

/** What fromCheckpoint returns: the block (FusionBlock for AFF and iAFF), or a chain of blocks. */
export type CheckpointBlock = Block | FusionBlock | BlockChain;

function sourceOf(name: unknown): SourceDef {
  if (typeof name !== "string") throw new TypeError(`excite: a checkpoint source must be a string such as 'timm:SEModule', got ${describe(name)}`);
  const s = BY_NAME.get(name);
  if (s === undefined) throw new RangeError(`excite: unknown checkpoint source '${name}'; the sources are ${checkpointSources.join(", ")}`);
  return s;
}

function normalisePrefix(prefix: unknown): string {
  if (prefix === undefined || prefix === "") return "";
  if (typeof prefix !== "string") throw new TypeError(`excite: options.prefix must be a string such as 'layer1.0.se.', got ${describe(prefix)}`);
  return prefix.endsWith(".") ? prefix : `${prefix}.`;
}

/** The entries under `prefix`, keyed without it. */
function scope(all: ReadonlyMap<string, Entry>, prefix: string): Map<string, Entry> {
  const out = new Map<string, Entry>();
  for (const [k, e] of all) if (k.startsWith(prefix)) out.set(k.slice(prefix.length), e);
  return out;
}

/** The registry's factory of an excite block, when this build has it. */
function factoryOf(block: BlockId): BlockFactory<never, BlockBase> | undefined {
  return blocks.find((b) => b.folder === BLOCK_IDS[block].folder)?.create;
}

function finish(source: string, s: ResolvedStage): ResolvedBlock {
  const weights: Record<string, Float32Array> = {}, shapes: Record<string, readonly number[]> = {};
  for (const [k, t] of Object.entries(s.weights)) {
    weights[k] = t.data;
    shapes[k] = t.shape;
  }
  const factory = factoryOf(s.block);
  if (factory !== undefined) {
    // the block's own check of the options (a misspelt option is an error here already) and of the keys
    const specs = factory.weightSpecs(s.options as never);
    const want = new Map(specs.map((w) => [w.key, w.shape.reduce((a, b) => a * b, 1)]));
    const wrong = [...want].filter(([k, n]) => weights[k]?.length !== n).map(([k]) => k).concat(Object.keys(weights).filter((k) => !want.has(k)));
    if (wrong.length > 0) throw new Error(`excite: internal error: ${source} gives ${s.block} weights that ${BLOCK_IDS[s.block].factory} does not take (${wrong.join(", ")})`);
  }
  return { block: s.block, factory: BLOCK_IDS[s.block].factory, options: s.options, weights, shapes };
}

/**
 * The excite block(s), options and canonical weights of a peer module's state_dict, without
 * building anything. Throws on an unknown source, a missing or extra key, a shape that contradicts
 * the source (naming the key, what was expected and what was got), a prefix that matches nothing,
 * and options that contradict the weights.
 */
export function resolveCheckpoint(source: string, stateDict: CheckpointInput, options: CheckpointOptions = {}): ResolvedCheckpoint {
  const def = sourceOf(source);
  if (options === null || typeof options !== "object") throw new TypeError(`excite: fromCheckpoint options must be an object, got ${describe(options)}`);
  const { prefix: rawPrefix, ...blockOptions } = options;
  const prefix = normalisePrefix(rawPrefix);
  const all = readStateDict(stateDict);
  const scoped = scope(all, prefix);
  if (prefix !== "" && scoped.size === 0 && def.signature.length > 0) {
    const found = recognise(all);
    throw new RangeError(`excite: no key of the checkpoint starts with '${prefix}'${found.length ? `; the modules it holds are at ${found.slice(0, 8).map((m) => `'${m.prefix}' (${m.source})`).join(", ")}${found.length > 8 ? ", …" : ""}` : ""}`);
  }
  let stages: ResolvedStage[];
  try {
    stages = resolveScoped(def, scoped, prefix, blockOptions);
  } catch (err) {
    // the keys of a whole network without a prefix: say where this source's modules are
    if (prefix === "" && err instanceof Error && err.constructor === Error) {
      const here = recognise(all).filter((m) => m.source === def.name).map((m) => `'${m.prefix}'`);
      if (here.length > 0) throw new Error(`${err.message}; this state_dict has ${def.name} modules at ${here.slice(0, 8).join(", ")}${here.length > 8 ? ", …" : ""}: pass one as options.prefix`);
    }
    throw err;
  }
  const [first, ...rest] = stages.map((s) => finish(def.name, s));
  const then = rest.reduceRight<ResolvedBlock | undefined>((next, b) => (next ? { ...b, then: next } : b), undefined);
  return { source: def.name, prefix, ...first, ...(then ? { then } : {}) };
}

/**
 * Builds the excite block of a peer module's state_dict: `source` names the module as its library
 * calls it ('timm:SEModule', 'smp:SCSEModule', 'official:CBAM', …: checkpointSources lists them),
 * `stateDict` is the bytes of a safetensors file (shapes kept, F16 / BF16 / F64 converted) or a
 * Record of tensors (Float32Array or { shape, data }), `options.prefix` picks one module out of a
 * network's state_dict and any other option overrides the block's (ones the weights tell must agree).
 */
export async function fromCheckpoint(source: string, stateDict: CheckpointInput, options: CheckpointOptions = {}): Promise<CheckpointBlock> {
  const resolved = resolveCheckpoint(source, stateDict, options);
  const stages: ResolvedBlock[] = [];
  for (let b: ResolvedBlock | undefined = resolved; b; b = b.then) stages.push(b);
  const made: BlockBase[] = [];
  try {
    for (const s of stages) {
      const factory = factoryOf(s.block as BlockId);
      if (factory === undefined) {
        throw new Error(`excite: this build of excite has no ${s.block} block (${s.factory}) yet, so ${source} cannot be built; resolveCheckpoint(${JSON.stringify(source)}, …) gives its options and weights`);
      }
      made.push(await factory(s.options as never, s.weights));
    }
  } catch (err) {
    for (const b of made) b.dispose();
    throw err;
  }
  return made.length === 1 ? (made[0] as Block | FusionBlock) : new BlockChain(made as Block[]);
}

/**
 * The recognisable modules of a network's state_dict, in the order of their first keys: a
 * (prefix, source) matches when every key under the prefix is one of the source's and the shapes
 * agree. Where matches overlap, the most specific wins: the enclosing module, which covers the
 * keys of any match inside it (timm's CbamModule over the SEModule-shaped `channel.` it holds, a
 * GatherExcite without gather weights over its SE-shaped `mlp.`), then, between sources with the
 * same keys, the earlier one of the table (timm's EcaModule over CecaModule and eca_layer, its
 * CoordAttn over the official CoordAtt, open-aff's AFF over MS_CAM). Modules without weights
 * (SimAM) cannot be found.
 */
export function listCheckpointModules(stateDict: CheckpointInput): CheckpointModule[] {
  return recognise(readStateDict(stateDict));
}

function recognise(all: ReadonlyMap<string, Entry>): CheckpointModule[] {
  const keys = [...all.keys()];
  const candidates = new Map<string, Set<SourceDef>>();
  for (const s of SOURCES) {
    for (const sig of s.signature) {
      for (const k of keys) {
        if (k !== sig && !k.endsWith(`.${sig}`)) continue;
        const prefix = k.slice(0, k.length - sig.length);
        if (!candidates.has(prefix)) candidates.set(prefix, new Set());
        candidates.get(prefix)!.add(s);
      }
    }
  }
  // the keys under every dotted prefix, made once
  const under = new Map<string, string[]>();
  for (const k of keys) {
    for (let i = k.indexOf("."); i >= 0; i = k.indexOf(".", i + 1)) {
      const p = k.slice(0, i + 1);
      if (candidates.has(p)) (under.get(p) ?? under.set(p, []).get(p)!).push(k);
    }
  }
  const matches: { prefix: string; source: SourceDef; keys: string[] }[] = [];
  for (const [prefix, sources] of candidates) {
    const scoped = prefix === "" ? new Map(all) : new Map((under.get(prefix) ?? []).map((k) => [k.slice(prefix.length), all.get(k)!]));
    for (const source of sources) {
      try {
        resolveScoped(source, scoped, prefix, {});
      } catch (err) {
        if (!(err instanceof OptionRequiredError)) continue;
      }
      matches.push({ prefix, source, keys: [...scoped.keys()].map((k) => prefix + k) });
    }
  }
  // every key under a match's prefix is the source's: matches at one prefix cover the same keys, and
  // a match inside another covers part of its keys. The enclosing one wins, then the table's order.
  matches.sort((a, b) => a.prefix.length - b.prefix.length || SOURCES.indexOf(a.source) - SOURCES.indexOf(b.source));
  const claimed = new Set<string>(), accepted: typeof matches = [];
  for (const m of matches) {
    if (m.keys.some((k) => claimed.has(k))) continue;
    accepted.push(m);
    for (const k of m.keys) claimed.add(k);
  }
  const position = new Map(keys.map((k, i) => [k, i]));
  const first = (m: (typeof matches)[number]) => Math.min(...m.keys.map((k) => position.get(k)!));
  return accepted.sort((a, b) => first(a) - first(b)).map((m) => ({ prefix: m.prefix, source: m.source.name, block: m.source.block }));
}
