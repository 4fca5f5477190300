// The codes and record slots that the WebAssembly module (assembly/) and the TypeScript bindings
// share. This file is both valid AssemblyScript and valid TypeScript, and both sides import it:
// it is the only definition of every number that crosses the boundary. (Untyped integer
// constants are i32 in AssemblyScript and number in TypeScript.)

// ---- Gates (SPEC §1): sigmoid, or clamp(alpha·x + beta, 0, 1) ----
export const GATE_SIGMOID = 0;
export const GATE_HARDSIGMOID = 1;

// ---- Activations between two layers ----
export const ACT_NONE = 0;
export const ACT_RELU = 1;
export const ACT_SILU = 2;
export const ACT_HARDSWISH = 3;

// ---- Global pools over H·W ----
export const POOL_AVG = 0;
export const POOL_MAX = 1;
/** √Σx² (CBAM's 'lp'). */
export const POOL_LP = 2;
/** log Σ eˣ (CBAM's 'lse'). */
export const POOL_LSE = 3;
/** 0.5·avg + 0.5·max (timm's add_maxpool). */
export const POOL_AVGMAX = 4;

// ---- How two attentions combine ----
export const COMBINE_ADD = 0;
export const COMBINE_MAX = 1;
export const COMBINE_MUL = 2;

// ---- Memory layouts of a tensor ----
export const LAYOUT_NCHW = 0;
export const LAYOUT_NHWC = 1;

// ---- What a convolution applies to its output ----
export const EPILOGUE_NONE = 0;
export const EPILOGUE_RELU = 1;
export const EPILOGUE_SIGMOID = 2;

// ---- Which output pixels of a convolution its exact scalar pass computes (kernels/f32-conv2d-exact.ts) ----
/** None: every weight is finite and any batch norm after it is folded into it (the packed kernel computes it all). */
export const CONV_EXACT_NONE = 0;
/** A weight is NaN or ±Inf: the pixels whose taps reach the zero padding are recomputed without those taps. */
export const CONV_EXACT_BORDER = 1;
/** A batch norm after it could not be folded into it exactly: every pixel is computed by the exact pass. */
export const CONV_EXACT_ALL = 2;

// ---- The call record ----
// One per block and input shape, in the module's memory, as 32-bit words. The bindings write the
// operands and dims; the block's `_plan` export writes the scratch size, the stages and their
// extents, and its private words (region offsets, derived sizes); `_run(params, call, stage,
// begin, end)` then computes items [begin, end) of one stage. Items of a stage are independent,
// so a stage may be split over threads at any item boundary without changing a bit of the result.
/** Input tensor (byte offset). */
export const CALL_X = 0;
/** Second input of two-input blocks (AFF, iAFF), else 0. */
export const CALL_RESIDUAL = 1;
/** Output tensor. */
export const CALL_Y = 2;
/** Batch N. */
export const CALL_N = 3;
/** Input channels C (the block's, or the input's for blocks built for any C, as SimAM). */
export const CALL_C = 4;
/** Input height H. */
export const CALL_H = 5;
/** Input width W. */
export const CALL_W = 6;
/** Scratch base (written by the bindings after `_plan`). */
export const CALL_SCRATCH = 7;
/** Number of stages (written by `_plan`). */
export const CALL_STAGES = 8;
/** Scratch bytes the call needs, as an f64 (words 10–11; exact beyond 4 GiB, so the bindings can refuse it). */
export const CALL_SCRATCH_BYTES = 10;
/** The most stages a block may have. */
export const MAX_STAGES = 64;
/** Items of stage s are word CALL_EXTENTS + s. */
export const CALL_EXTENTS = 12;
/** What stage s computes (a code of the block's own) is word CALL_KINDS + s. */
export const CALL_KINDS = 76;
/** First of the block's private words (region offsets and derived sizes). */
export const CALL_PRIVATE = 140;
/** Words in a call record. */
export const CALL_WORDS = 224;

// ---- A worker thread's control block (bindings/threads.ts, bindings/worker.ts), 32-bit words ----
/** Bumped by the calling thread to start a job. */
export const WORKER_GEN = 0;
/** Set to the job's generation by the worker when it is done. */
export const WORKER_DONE = 1;
/** Which `_run` export (an index into the names the worker was given), or WORKER_EXIT. */
export const WORKER_FN = 2;
export const WORKER_PARAMS = 3;
export const WORKER_CALL = 4;
export const WORKER_STAGE = 5;
export const WORKER_BEGIN = 6;
export const WORKER_END = 7;
/** Set by the worker when its job threw. */
export const WORKER_FAILED = 8;
/** Words in a control block. */
export const WORKER_WORDS = 16;
/** The WORKER_FN that ends a worker. */
export const WORKER_EXIT = -1;
