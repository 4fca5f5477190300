// listCheckpointModules on whole networks' state_dicts (tests/checkpoints/networks: timm-, smp- and
// official-style networks holding attention modules at known prefixes beside convs and batch
// norms), and every module it lists read back with fromCheckpoint's prefix.

import test from "ava";
import { fromCheckpoint, listCheckpointModules, loadSafetensors, parseSafetensors, resolveCheckpoint, type ShapedTensor } from "../dist/index.js";
import { networkGoldens } from "./helpers/checkpoint.js";

/** What only an option can tell (the channel count of ECA and triplet attention, the activation of timm's SqueezeExcite). */
const REQUIRED: Record<string, Record<string, unknown>> = {
  "timm:EcaModule": { channels: 20 },
  "triplet:TripletAttention": { channels: 20 },
  "timm:SqueezeExcite": { activation: "relu" },
};

for (const net of networkGoldens()) {
  test(`listCheckpointModules: ${net.name}`, async (t) => {
    const found = listCheckpointModules(net.bytes);
    t.deepEqual(found, net.modules);
    // the same from a Record of shaped tensors
    const { tensors } = parseSafetensors(net.bytes);
    const sd: Record<string, ShapedTensor> = Object.fromEntries(Object.entries(loadSafetensors(net.bytes)).map(([k, data]) => [k, { shape: tensors[k].shape, data }]));
    t.deepEqual(listCheckpointModules(sd), net.modules);
    // without shapes (loadSafetensors' Record) the modules whose sizes the lengths do not tell are left out, none is misread
    const flat = listCheckpointModules(loadSafetensors(net.bytes));
    t.true(flat.every((m) => net.modules.some((e) => e.prefix === m.prefix && e.source === m.source)), JSON.stringify(flat));
    for (const m of found) {
      const r = resolveCheckpoint(m.source, net.bytes, { prefix: m.prefix, ...REQUIRED[m.source] });
      t.is(r.prefix, m.prefix);
      t.is([r.block, r.then?.block].filter(Boolean).join("+"), m.block, `${m.prefix} ${m.source}`);
      // built where this build has the block(s), else the error that says it has not
      try {
        (await fromCheckpoint(m.source, net.bytes, { prefix: m.prefix, ...REQUIRED[m.source] })).dispose();
      } catch (err) {
        t.regex((err as Error).message, /this build of excite has no \w+ block \(create\w+\) yet/);
      }
    }
  });
}

test("listCheckpointModules: a module's own state_dict is found at the empty prefix; nothing is found in weights of no known module", (t) => {
  const net = networkGoldens().find((n) => n.name === "smp_unet")!;
  const all = loadSafetensors(net.bytes);
  const own = Object.fromEntries(Object.entries(all).filter(([k]) => k.startsWith("decoder.blocks.0.attention1.attention.")).map(([k, v]) => [k.slice("decoder.blocks.0.attention1.attention.".length), v]));
  t.deepEqual(listCheckpointModules(own), [{ prefix: "", source: "smp:SCSEModule", block: "scSE" }]);
  t.deepEqual(listCheckpointModules({ "conv1.weight": new Float32Array(9), "bn1.weight": new Float32Array(3) }), []);
  t.deepEqual(listCheckpointModules({}), []);
});
