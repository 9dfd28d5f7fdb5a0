import assert from "node:assert/strict";
import { formatDuration, inNotebook, svgLineChart, TrainingProgress } from "../lib/show/progress.ts";

Deno.test("formatDuration writes m:ss and h:mm:ss", () => {
  assert.equal(formatDuration(0), "0:00");
  assert.equal(formatDuration(75), "1:15");
  assert.equal(formatDuration(3725), "1:02:05");
  assert.equal(formatDuration(NaN), "–");
});

Deno.test("svgLineChart draws one polyline per series with one point per epoch", () => {
  const svg = svgLineChart([
    { name: "train", values: [1, 0.5, 0.25], color: "#111" },
    { name: "val", values: [1.2, 0.7, NaN], color: "#222", dashed: true },
  ], { title: "loss" });
  const lines = [...svg.matchAll(/<polyline[^>]*points="([^"]+)"/g)].map((m) => m[1].split(" ").length);
  assert.deepEqual(lines, [3, 2]);
  assert.match(svg, /stroke-dasharray/);
  assert.match(svg, /<text[^>]*>loss<\/text>/);
});

Deno.test("TrainingProgress (outside a kernel) renders bar, status and curves into one HTML view", async () => {
  assert.equal(inNotebook(), false);
  const p = new TrainingProgress({ mode: "none", title: "Prueba <1>" });
  await p.start({ epochs: 4, batchesPerEpoch: 10, samplesPerEpoch: 320 });
  await p.batch({ epoch: 1, batch: 10, loss: 0.9, acc: 0.6, samplesDone: 320 });
  await p.epochEnd({ epoch: 1, loss: 0.9, acc: 0.6, valLoss: 1, valAcc: 0.55, lr: 1e-3 }, 2);
  await p.epochEnd({ epoch: 2, loss: 0.7, acc: 0.7, valLoss: 0.8, valAcc: 0.65, lr: 1e-3 }, 2);
  p.note("lr ÷ 10");
  const html = p.html(0.5);
  assert.match(html, /Prueba &lt;1&gt;/);
  assert.match(html, /width:50\.0%/);
  const charts = [...html.matchAll(/<img src="data:image\/svg\+xml;base64,([^"]+)"/g)]
    .map((m) => new TextDecoder().decode(Uint8Array.from(atob(m[1]), (c) => c.charCodeAt(0))));
  assert.equal(charts.length, 2);
  assert.ok(charts.every((svg) => svg.startsWith("<svg")));
  assert.match(charts[0], />pérdida</);
  const text = p.text().split("\n");
  assert.match(text[0], /^Prueba <1>: .*época 2\/4/);
  assert.deepEqual(text.slice(1), [
    "lr ÷ 10",
    "época 2: pérdida 0,7000, exactitud 0,7000; en validación: pérdida 0,8000, exactitud 0,6500",
  ]);
  assert.match(html, /época 2\/4/);
  assert.match(html, /lr ÷ 10/);
  assert.throws(() => new TrainingProgress({ mode: "web" as "none" }), /progress.mode="web"/);
});

Deno.test("reporters sharing a displayId reuse one notebook output (update instead of a new display)", async () => {
  const calls: Array<{ id?: string; update?: boolean }> = [];
  const display = (_b: Record<string, string>, o: Deno.jupyter.DisplayOptions) => {
    calls.push({ id: o.display_id, update: o.update });
    return Promise.resolve();
  };
  for (let i = 0; i < 2; i++) {
    const p = new TrainingProgress({ mode: "notebook", displayId: "mismo", display });
    await p.start({ epochs: 1, batchesPerEpoch: 1, samplesPerEpoch: 1 });
    await p.end("fin");
  }
  const other = new TrainingProgress({ mode: "notebook", display });
  await other.start({ epochs: 1, batchesPerEpoch: 1, samplesPerEpoch: 1 });
  assert.deepEqual(calls.map((c) => c.update), [false, true, true, true, false]);
  assert.deepEqual(calls.slice(0, 4).map((c) => c.id), ["mismo", "mismo", "mismo", "mismo"]);
  assert.notEqual(calls[4].id, "mismo");
});
