// The ResNet BasicBlock with CBAM of the CBAM article: out = bn2(conv2(relu(bn1(conv1(x))))),
// out = CBAM(out), y = relu(out + downsample(x)); conv1 3×3 with a stride, downsample a 1×1 conv
// with the stride + bn, present when the shape changes. Every bn is folded into its conv at
// create (assembly/blocks/cbam-basicblock.ts computes the rest).

import { batchNormSpecs, foldBatchNorm } from "../batchnorm.js";
import { Block } from "../block.js";
import { type ConvWeight, packWeights } from "../conv-pack.js";
import { type Heap, MAX_FLOATS, sharedHeap } from "../memory.js";
import { scratchWithinMemory } from "../scratch.js";
import { bool, checkOptionKeys, type Dims, numel, positiveInt } from "../validate.js";
import { checkWeights, type WeightPack, type Weights } from "../weights.js";
import { CBAM_OPTION_KEYS, cbamArgs, type CBAMConfig, cbamModuleWeights, type CBAMOptions, cbamWeightSpecs, parseCBAM } from "./cbam.js";

export interface CBAMBasicBlockOptions {
  /** Output channel count C. */
  channels: number;
  /** Input channel count (default C). */
  inChannels?: number;
  /** conv1's and the downsample's stride (default 1). */
  stride?: number;
  /** Whether the residual goes through a 1×1 conv + bn (default: when the shape changes, which requires it). */
  downsample?: boolean;
  /** The CBAM's options (all of CBAM's but `channels`). */
  cbam?: Omit<CBAMOptions, "channels">;
}

interface BasicBlockConfig {
  readonly channels: number;
  readonly inChannels: number;
  readonly stride: number;
  readonly downsample: boolean;
  readonly cbam: CBAMConfig;
}

const NAME = "CBAMBasicBlock";

function parseBasicBlock(o: CBAMBasicBlockOptions): BasicBlockConfig {
  const channels = positiveInt(NAME, "channels", o.channels);
  const inChannels = positiveInt(NAME, "inChannels", o.inChannels, channels);
  const stride = positiveInt(NAME, "stride", o.stride, 1);
  const changes = stride !== 1 || inChannels !== channels;
  const downsample = bool(NAME, "downsample", o.downsample, changes);
  if (changes && !downsample) {
    throw new RangeError(`excite: ${NAME} option downsample cannot be false when the shape changes (stride ${stride}, ${inChannels} → ${channels} channels)`);
  }
  const cbamOptions = checkOptionKeys(`${NAME} cbam`, o.cbam ?? {}, CBAM_OPTION_KEYS.filter((k) => k !== "channels"));
  return { channels, inChannels, stride, downsample, cbam: parseCBAM(`${NAME} cbam`, cbamOptions, channels) };
}

export class CBAMBasicBlock extends Block {
  private readonly cbam: ReturnType<typeof cbamArgs>;

  constructor(heap: Heap, readonly config: BasicBlockConfig, pack: WeightPack) {
    super(heap, NAME, config.channels, pack);
    this.cbam = cbamArgs(config.cbam, pack, "cbam.");
  }

  override get inChannels(): number {
    return this.config.inChannels;
  }

  /** [N, C, floor((H − 1)/stride) + 1, floor((W − 1)/stride) + 1]; more channels out than in may make it too large. */
  override outputDims(d: Dims): Dims {
    const s = this.config.stride;
    const out: Dims = [d[0], this.channels, Math.floor((d[2] - 1) / s) + 1, Math.floor((d[3] - 1) / s) + 1];
    if (numel(out) > MAX_FLOATS) throw new RangeError(`excite: ${NAME} output [${out.join(", ")}] for dims [${d.join(", ")}] has more than ${MAX_FLOATS} elements`);
    return out;
  }

  /** The downsample writes y while x is still to be read. */
  protected override get inPlace(): boolean {
    return !this.config.downsample;
  }

  protected override scratchBytes(d: Dims): number {
    const { channels, stride, cbam } = this.config;
    return scratchWithinMemory(this.name, d, this.wasm.cbam_basicblock_f32_nchw_scratch_bytes(d[0], d[1], d[2], d[3], channels, stride, cbam.reduced, cbam.pools, cbam.kernel, cbam.spatial));
  }

  protected override execute(x: number, y: number, d: Dims, scratch: number): void {
    const p = (key: string) => this.weights.ptr(key);
    this.wasm.cbam_basicblock_f32_nchw(x, y, d[0], d[1], d[2], d[3], this.channels, this.config.stride, scratch,
      p("conv1.weight"), p("conv1.bias"), p("conv2.weight"), p("conv2.bias"), p("downsample.0.weight"), p("downsample.0.bias"), ...this.cbam);
  }
}

/**
 * The BasicBlock with CBAM. Weights: conv1.weight [C, Cin, 3, 3], bn1.*, conv2.weight [C, C, 3, 3],
 * bn2.*, cbam.* (CBAM's keys), and with a downsample downsample.0.weight [C, Cin] and downsample.1.*
 * (bn.* = weight, bias, running_mean, running_var, [C] each).
 */
export async function createCBAMBasicBlock(options: CBAMBasicBlockOptions, weights: Weights): Promise<CBAMBasicBlock> {
  const config = parseBasicBlock(checkOptionKeys(NAME, options, ["channels", "inChannels", "stride", "downsample", "cbam"]));
  const { channels: c, inChannels: cin } = config;
  const specs = [
    { key: "conv1.weight", shape: [c, cin, 3, 3] }, ...batchNormSpecs("bn1.", c),
    { key: "conv2.weight", shape: [c, c, 3, 3] }, ...batchNormSpecs("bn2.", c),
    ...cbamWeightSpecs(config.cbam, "cbam."),
  ];
  if (config.downsample) specs.push({ key: "downsample.0.weight", shape: [c, cin] }, ...batchNormSpecs("downsample.1.", c));
  const checked = checkWeights(NAME, weights, specs);
  const conv1 = foldBatchNorm(checked["conv1.weight"], undefined, checked, "bn1.");
  const conv2 = foldBatchNorm(checked["conv2.weight"], undefined, checked, "bn2.");
  const cbam = cbamModuleWeights(config.cbam, checked, "cbam.");
  const moduleWeights: Weights = {
    "conv1.weight": conv1.weight, "conv1.bias": conv1.bias, "conv2.weight": conv2.weight, "conv2.bias": conv2.bias, ...cbam.weights,
  };
  const convs: ConvWeight[] = [{ key: "conv1.weight", cout: c, kdim: cin * 9 }, { key: "conv2.weight", cout: c, kdim: c * 9 }, ...cbam.convs];
  if (config.downsample) {
    const ds = foldBatchNorm(checked["downsample.0.weight"], undefined, checked, "downsample.1.");
    moduleWeights["downsample.0.weight"] = ds.weight;
    moduleWeights["downsample.0.bias"] = ds.bias;
    convs.push({ key: "downsample.0.weight", cout: c, kdim: cin });
  }
  const heap = await sharedHeap();
  return new CBAMBasicBlock(heap, config, packWeights(heap, moduleWeights, convs));
}
