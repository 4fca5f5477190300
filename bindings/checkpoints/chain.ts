// Blocks run one after the other, for a source that no single excite block computes (timm's
// LightCbamModule: an SE, then CBAM's spatial gate). The same surface as a Block: run, io, dispose.

import type { Block } from "../block.js";
import type { Dims } from "../validate.js";

/** The zero-copy path of a chain: the first block's input, the last block's output. */
export class BlockChainIO {
  constructor(private readonly ios: readonly ReturnType<Block["io"]>[]) {}

  get input(): Float32Array {
    return this.ios[0].input;
  }

  get output(): Float32Array {
    return this.ios[this.ios.length - 1].output;
  }

  /** Runs every block, each one's output copied into the next one's input. */
  run(): Float32Array {
    this.ios[0].run();
    for (let i = 1; i < this.ios.length; i++) {
      this.ios[i].input.set(this.ios[i - 1].output);
      this.ios[i].run();
    }
    return this.output;
  }

  dispose(): void {
    for (const io of this.ios) io.dispose();
  }
}

export class BlockChain {
  constructor(
    /** The blocks, in the order they run. */
    readonly blocks: readonly Block[],
  ) {}

  /** e.g. "SE → CBAM". */
  get name(): string {
    return this.blocks.map((b) => b.name).join(" → ");
  }

  get channels(): number | undefined {
    return this.blocks[this.blocks.length - 1].channels;
  }

  get inChannels(): number | undefined {
    return this.blocks[0].inChannels;
  }

  outputDims(dims: readonly number[]): Dims {
    return this.blocks.reduce<readonly number[]>((d, b) => b.outputDims(d), dims) as Dims;
  }

  /** y = the last block(… the first block(x)); into `out` when given. The blocks after the first run in place on the intermediate. */
  run(x: Float32Array, dims: readonly number[], out?: Float32Array): Float32Array {
    let y = this.blocks[0].run(x, dims, this.blocks.length === 1 ? out : undefined);
    let d = this.blocks[0].outputDims(dims);
    for (let i = 1; i < this.blocks.length; i++) {
      const last = i === this.blocks.length - 1;
      y = this.blocks[i].run(y, d, last && out !== undefined ? out : y);
      d = this.blocks[i].outputDims(d);
    }
    return y;
  }

  io(dims: readonly number[]): BlockChainIO {
    const ios: ReturnType<Block["io"]>[] = [];
    let d: readonly number[] = dims;
    try {
      for (const b of this.blocks) {
        ios.push(b.io(d));
        d = b.outputDims(d);
      }
    } catch (err) {
      for (const io of ios) io.dispose();
      throw err;
    }
    return new BlockChainIO(ios);
  }

  dispose(): void {
    for (const b of this.blocks) b.dispose();
  }

  get isDisposed(): boolean {
    return this.blocks.every((b) => b.isDisposed);
  }
}
