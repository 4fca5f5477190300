// fromCheckpoint / resolveCheckpoint on bad checkpoints and bad options: every error names the
// source, the key (with its prefix) and what was expected against what was got.

import test from "ava";
import { checkpointSources, fromCheckpoint, resolveCheckpoint, type ShapedTensor, type StateDict } from "../dist/index.js";
import { err } from "./helpers/bad-input.js";
import { readCheckpointGolden } from "./helpers/checkpoint.js";

const se = readCheckpointGolden("timm_SEModule", "default_c20.safetensors"); // C 20, R 8, biases
const seNet = readCheckpointGolden("timm_SEModule", "prefix_resnet_c20.safetensors"); // at layer1.0.se.
const noBias = readCheckpointGolden("timm_SEModule", "bias_false_c24_rd4.safetensors"); // C 24, R 4
const cbam = readCheckpointGolden("timm_CbamModule", "default_c20.safetensors");

const without = (sd: StateDict, ...keys: string[]) => Object.fromEntries(Object.entries(sd).filter(([k]) => !keys.includes(k)));
const shaped = (shape: number[]): ShapedTensor => ({ shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });

test("an unknown source lists the known ones", (t) => {
  t.is(checkpointSources.length, 25);
  t.throws(() => resolveCheckpoint("timm:SEModul", se.stateDict), err(RangeError, /unknown checkpoint source 'timm:SEModul'; the sources are timm:SEModule, timm:EffectiveSEModule, .*smp:SCSEModule, official:CBAM, official:BAM, .*simam:simam_module$/));
  t.throws(() => resolveCheckpoint(3 as never, se.stateDict), err(TypeError, /a checkpoint source must be a string such as 'timm:SEModule', got number 3/));
});

test("a missing key is named with its prefix and the shape the source has", async (t) => {
  t.throws(() => resolveCheckpoint(se.source, without(se.stateDict, "fc2.weight")), err(Error, /^excite: timm:SEModule: the checkpoint has no 'fc2\.weight' \(\[C, R, 1, 1\]\), which timm:SEModule has$/));
  t.throws(() => resolveCheckpoint(seNet.source, without(seNet.stateDict, "layer1.0.se.fc1.weight"), seNet.options), err(Error, /the checkpoint has no 'layer1\.0\.se\.fc1\.weight' \(\[R, C, 1, 1\]\)/));
  // one bias of a pair
  t.throws(() => resolveCheckpoint(se.source, without(se.stateDict, "fc2.bias")), err(Error, /timm:SEModule: the checkpoint has 'fc1\.bias' but not 'fc2\.bias': the module has all of them or none/));
  // a batch norm with a missing tensor
  const g = readCheckpointGolden("timm_SEModule", "rexnet_norm_c20.safetensors");
  t.throws(() => resolveCheckpoint(g.source, without(g.stateDict, "bn.running_var")), err(Error, /has 'bn\.weight', 'bn\.bias', 'bn\.running_mean' but not 'bn\.running_var'/));
  await t.throwsAsync(fromCheckpoint(se.source, without(se.stateDict, "fc2.weight")), err(Error, /has no 'fc2\.weight'/));
});

test("a key the source does not have is an error; a whole network without a prefix says where the modules are", (t) => {
  t.throws(() => resolveCheckpoint(se.source, { ...se.stateDict, "fc3.weight": shaped([20, 8]) }), err(Error, /^excite: timm:SEModule has no key 'fc3\.weight'; its keys here are 'fc1\.weight', 'fc1\.bias', 'fc2\.bias', 'fc2\.weight'/));
  t.throws(() => resolveCheckpoint(seNet.source, seNet.bytes), err(Error, /timm:SEModule: the checkpoint holds none of its keys .*; this state_dict has timm:SEModule modules at 'layer1\.0\.se\.': pass one as options\.prefix$/));
  t.throws(() => resolveCheckpoint("official:CBAM", se.stateDict), err(Error, /official:CBAM: the checkpoint holds none of its keys \('ChannelGate\.mlp\.1\.weight', .*\); it has 'fc1\.bias', 'fc1\.weight'/));
});

test("a shape that contradicts the source names the key, what was expected and what was got", (t) => {
  // fc2 not [C, R]
  t.throws(() => resolveCheckpoint(se.source, { ...se.stateDict, "fc2.weight": shaped([20, 16, 1, 1]) }),
    err(RangeError, /^excite: timm:SEModule: 'fc2\.weight' is \[20, 16, 1, 1\], expected \[C, R, 1, 1\] = \[20, 8, 1, 1\] \(C = 20 from 'fc1\.weight' \[8, 20, 1, 1\]; R = 8 from 'fc1\.weight' \[8, 20, 1, 1\]\)$/));
  t.throws(() => resolveCheckpoint(seNet.source, { ...seNet.stateDict, "layer1.0.se.fc2.bias": shaped([21]) }, seNet.options), err(RangeError, /'layer1\.0\.se\.fc2\.bias' is \[21\], expected \[C\] = \[20\]/));
  t.throws(() => resolveCheckpoint(se.source, { ...se.stateDict, "fc1.weight": shaped([8, 20, 3, 3]) }), err(RangeError, /'fc1\.weight' is \[8, 20, 3, 3\], expected \[R, C, 1, 1\]/));
  // a 7×5 kernel where the module's is square
  t.throws(() => resolveCheckpoint(cbam.source, { ...cbam.stateDict, "spatial.conv.conv.weight": shaped([1, 2, 7, 5]) }), err(RangeError, /'spatial\.conv\.conv\.weight' is \[1, 2, 7, 5\], expected \[1, 2, k, k\] = \[1, 2, 7, 7\]$/));
  t.throws(() => resolveCheckpoint(cbam.source, { ...cbam.stateDict, "spatial.conv.conv.weight": shaped([1, 2, 4, 4]) }), err(RangeError, /'spatial\.conv\.conv\.weight' has an even kernel size 4/));
  // ECA: even kernel, timm's use_mlp variant
  t.throws(() => resolveCheckpoint("timm:EcaModule", { "conv.weight": shaped([1, 1, 4]) }, { channels: 8 }), err(RangeError, /timm:EcaModule: 'conv\.weight' has an even kernel size 4/));
  t.throws(() => resolveCheckpoint("timm:EcaModule", { "conv.weight": shaped([8, 1, 1]) }, { channels: 8 }), err(RangeError, /'conv\.weight' is \[8, 1, 1\], expected \[1, 1, k\]/));
  // split attention: fc2's groups that do not divide fc1's width
  const sa = readCheckpointGolden("timm_SplitAttn", "bare_c10.safetensors");
  t.throws(() => resolveCheckpoint(sa.source, { ...sa.stateDict, "fc2.weight": shaped([20, 5, 1, 1]) }), err(RangeError, /timm:SplitAttn: 'fc2\.weight' gives the groups of fc1 \/ fc2 \(I \/ \(I\/groups\)\): 32 is not a multiple of 5/));
  // SK's selection not paths·C
  const sk = readCheckpointGolden("timm_SelectiveKernel", "default_c12.safetensors");
  t.throws(() => resolveCheckpoint(sk.source, { ...sk.stateDict, "attn.fc_select.weight": shaped([20, 8, 1, 1]) }), err(RangeError, /'attn\.fc_select\.weight' has 20 outputs, expected paths·C = 2·12 = 24/));
});

test("a prefix that matches nothing lists the modules the state_dict holds", (t) => {
  t.throws(() => resolveCheckpoint(seNet.source, seNet.stateDict, { prefix: "layer9.0.se." }), err(RangeError, /^excite: no key of the checkpoint starts with 'layer9\.0\.se\.'; the modules it holds are at 'layer1\.0\.se\.' \(timm:SEModule\)$/));
  // without the trailing dot, the same module
  t.is(resolveCheckpoint(seNet.source, seNet.stateDict, { prefix: "layer1.0.se" }).prefix, "layer1.0.se.");
  t.throws(() => resolveCheckpoint(seNet.source, seNet.stateDict, { prefix: 1 as never }), err(TypeError, /options\.prefix must be a string such as 'layer1\.0\.se\.', got number 1/));
  // a source without weights takes any prefix
  t.deepEqual(resolveCheckpoint("simam:simam_module", seNet.stateDict, { prefix: "nothing." }).weights, {});
});

test("options that contradict the checkpoint are errors; ones that agree, or that the weights cannot tell, are taken", (t) => {
  t.throws(() => resolveCheckpoint(se.source, se.stateDict, { reducedChannels: 4 }), err(RangeError, /^excite: timm:SEModule: options\.reducedChannels = 4 contradicts the checkpoint: 'fc1\.weight' \[8, 20, 1, 1\] gives reducedChannels = 8$/));
  t.throws(() => resolveCheckpoint(se.source, se.stateDict, { channels: 21 }), err(RangeError, /options\.channels = 21 contradicts the checkpoint: 'fc1\.weight' \[8, 20, 1, 1\] gives channels = 20/));
  t.throws(() => resolveCheckpoint(se.source, se.stateDict, { reducedChannels: 0 }), err(RangeError, /timm:SEModule option reducedChannels must be a positive integer, got number 0/));
  t.throws(() => resolveCheckpoint(se.source, se.stateDict, { bias: false }), err(RangeError, /^excite: timm:SEModule: options\.bias = false contradicts the checkpoint, whose weights give bias = true$/));
  t.throws(() => resolveCheckpoint(cbam.source, cbam.stateDict, { spatialKernel: 3 }), err(RangeError, /options\.spatialKernel = 3 contradicts the checkpoint, whose weights give spatialKernel = 7/));
  // a ratio that gives another width than the weights'
  t.throws(() => resolveCheckpoint(se.source, se.stateDict, { reduction: 16 }), err(RangeError, /^excite: timm:SEModule: options\.reduction = 16 gives SE a reduced width of 1, but the checkpoint's weights have 8 \(leave it out: the width comes from the weights\)$/));
  t.is(resolveCheckpoint(noBias.source, noBias.stateDict, { reduction: 6 }).options.reduction, 6); // 24 / 6 = 4: agrees
  // the same values, and what the weights cannot tell
  const r = resolveCheckpoint(se.source, se.stateDict, { channels: 20, bias: true, gate: "hardsigmoid", hardSigmoid: { alpha: 0.2, beta: 0.5 }, layout: "nhwc" });
  t.like(r.options, { channels: 20, reducedChannels: 8, bias: true, gate: "hardsigmoid", hardSigmoid: { alpha: 0.2, beta: 0.5 }, layout: "nhwc" });
  // the block checks the rest, as createX does
  t.throws(() => resolveCheckpoint(se.source, se.stateDict, { gate: "relu" }), err(RangeError, /SE option gate must be one of 'sigmoid', 'hardsigmoid', got string relu/));
  t.throws(() => resolveCheckpoint(se.source, se.stateDict, { spatialOrder: "mean-max" }), err(TypeError, /SE has no option 'spatialOrder'/));
  t.throws(() => resolveCheckpoint(se.source, se.stateDict, null as never), err(TypeError, /fromCheckpoint options must be an object, got null/));
});

test("what only an option can tell is asked for", (t) => {
  const g = readCheckpointGolden("timm_SqueezeExcite", "efficientnet_silu_c24.safetensors");
  t.throws(() => resolveCheckpoint(g.source, g.stateDict), err(TypeError, /timm:SqueezeExcite takes its activation from the block that holds it, which the weights do not tell: pass options\.activation \('silu' for EfficientNet/));
  const eca = readCheckpointGolden("timm_EcaModule", "default_c20.safetensors");
  t.throws(() => resolveCheckpoint(eca.source, eca.stateDict), err(TypeError, /^excite: timm:EcaModule: the checkpoint does not tell channels \(no weight has it\): pass options\.channels$/));
  const tri = readCheckpointGolden("triplet_TripletAttention", "default_c6.safetensors");
  t.throws(() => resolveCheckpoint(tri.source, tri.stateDict), err(TypeError, /triplet:TripletAttention: the checkpoint does not tell channels/));
  // SA-Net: only P = C / (2·groups) is in the weights
  const sa = readCheckpointGolden("sanet_sa_layer", "groups3_c18.safetensors");
  t.like(resolveCheckpoint(sa.source, sa.stateDict).options, { channels: 384, groups: 64 }); // the source's default groups
  t.like(resolveCheckpoint(sa.source, sa.stateDict, { channels: 18 }).options, { channels: 18, groups: 3 });
  t.throws(() => resolveCheckpoint(sa.source, sa.stateDict, { channels: 20 }), err(RangeError, /'cweight' holds P = 3 channels per half-group, so channels = 2·groups·3: options\.channels = 20 is not a multiple of 6/));
  t.throws(() => resolveCheckpoint(sa.source, sa.stateDict, { channels: 18, groups: 2 }), err(RangeError, /options\.groups = 2 gives channels 2·2·3 = 12, not options\.channels = 18/));
});

test("without shapes, the sizes come from the lengths where they tell; otherwise an option or the shapes are asked for", (t) => {
  // with biases, fc1.bias gives R and fc2.bias gives C
  t.deepEqual(resolveCheckpoint(se.source, se.flat), resolveCheckpoint(se.source, se.stateDict));
  // without them, fc1.weight's 96 floats are R·C: any option that fixes one of them settles it
  t.throws(() => resolveCheckpoint(noBias.source, noBias.flat), err(RangeError, /^excite: timm:SEModule: R and C cannot be told apart from the length of 'fc1\.weight' \(96 floats for \[R, C, 1, 1\]\): its shape is not known \(a Record<string, Float32Array>, as loadSafetensors gives, has none\); pass the safetensors file's bytes or tensors as \{ shape, data \}, or options\.channels \(C\) \/ options\.reducedChannels \(R\)$/));
  t.deepEqual(resolveCheckpoint(noBias.source, noBias.flat, { channels: 24 }).options, resolveCheckpoint(noBias.source, noBias.stateDict).options);
  t.throws(() => resolveCheckpoint(noBias.source, noBias.flat, { channels: 25 }), err(RangeError, /'fc1\.weight' has 96 floats, which no \[R, 25, 1, 1\] has/));
  // a square kernel from its length
  t.is(resolveCheckpoint(cbam.source, cbam.flat, { channels: 20 }).options.spatialKernel, 7);
  t.throws(() => resolveCheckpoint(cbam.source, { ...cbam.flat, "spatial.conv.conv.weight": new Float32Array(2 * 48) }, { channels: 20 }), err(RangeError, /'spatial\.conv\.conv\.weight' has 96 floats, which no \[1, 2, k, k\] has/));
});

test("tensors that are not Float32Arrays or { shape, data } are TypeErrors naming the key", (t) => {
  t.throws(() => resolveCheckpoint(se.source, { ...se.stateDict, "fc1.weight": 3 } as never), err(TypeError, /state_dict tensor 'fc1\.weight' must be a Float32Array or \{ shape, data \}, got number 3/));
  t.throws(() => resolveCheckpoint(se.source, { ...se.stateDict, "fc1.weight": new Float64Array(160) } as never), err(TypeError, /'fc1\.weight' must be a Float32Array or \{ shape, data \}, got Float64Array/));
  t.throws(() => resolveCheckpoint(se.source, { ...se.stateDict, "fc1.weight": { shape: [8, 20], data: new Float32Array(10) } }), err(RangeError, /state_dict tensor 'fc1\.weight' is \[8, 20\] \(160 floats\) but its data has 10 floats/));
  t.throws(() => resolveCheckpoint(se.source, { ...se.stateDict, "fc1.weight": { shape: "8x20", data: new Float32Array(160) } } as never), err(TypeError, /'fc1\.weight' has a shape that is not a list of sizes/));
  t.throws(() => resolveCheckpoint(se.source, null as never), err(TypeError, /a checkpoint must be a state_dict \(an object of tensors keyed by name\) or the bytes of a safetensors file, got null/));
  t.throws(() => resolveCheckpoint(se.source, new Uint8Array(3)), err(RangeError, /not a valid safetensors file/));
  // num_batches_tracked is skipped, as createX skips it
  t.notThrows(() => resolveCheckpoint(cbam.source, { ...cbam.stateDict, "spatial.conv.bn.num_batches_tracked": new Float32Array(1) }));
});

test("options the weights decide in part: GE's extent, GC's fusion order, SK's input channels", (t) => {
  const ge = readCheckpointGolden("timm_GatherExcite", "extent4_params_c20.safetensors");
  t.is(resolveCheckpoint(ge.source, ge.stateDict, { extent: 6 }).options.extent, 6); // int(log2 6) = 2 stages, as 4
  t.throws(() => resolveCheckpoint(ge.source, ge.stateDict, { extent: 2 }), err(RangeError, /options\.extent = 2 contradicts the checkpoint, whose weights give extent = 4/));
  const gc = readCheckpointGolden("timm_GlobalContext", "avg_both_c6.safetensors");
  t.deepEqual(resolveCheckpoint(gc.source, gc.stateDict, { fusionTypes: ["channel_add", "channel_mul"] }).options.fusionTypes, ["channel_add", "channel_mul"]);
  t.throws(() => resolveCheckpoint(gc.source, gc.stateDict, { fusionTypes: ["channel_add"] }), err(RangeError, /options\.fusionTypes = \["channel_add"\] contradicts the checkpoint, whose weights give fusionTypes = \["channel_mul","channel_add"\]/));
  const sk = readCheckpointGolden("timm_SelectiveKernel", "default_c12.safetensors");
  t.like(resolveCheckpoint(sk.source, sk.stateDict, { inChannels: 12 }).options, { inChannels: 12, groups: 1, splitInput: true });
  t.like(resolveCheckpoint(sk.source, sk.stateDict, { splitInput: false, inChannels: 12 }).options, { inChannels: 12, groups: 2 });
  t.throws(() => resolveCheckpoint(sk.source, sk.stateDict, { inChannels: 12, groups: 3 }), err(RangeError, /'paths\.0\.conv\.weight' reads 6 input channels per group, so 3 groups \(options\.groups\) read 18, not the 6 per path of options\.inChannels = 12/));
  t.throws(() => resolveCheckpoint(sk.source, sk.stateDict, { inChannels: 13 }), err(RangeError, /gives the input split over 2 paths \(options\.inChannels = 13\): 13 is not a multiple of 2/));
});
