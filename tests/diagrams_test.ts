import assert from "node:assert/strict";
import { alexnet, lenet5 } from "../lib/cnn/catalogue.ts";
import { defineArchitecture, summarize } from "../lib/cnn/architecture.ts";
import { architectureSvg } from "../lib/show/diagrams.ts";

Deno.test("architectureSvg: one box per spatial volume, one bar per vector, labelled with summarize's volumes", () => {
  const svg = architectureSvg(lenet5).svg;
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  const rows = summarize(lenet5);
  for (const r of rows) {
    const label = r.flat ? `>${r.output.depth}<` : `>${r.output.width}×${r.output.height}×${r.output.depth}<`;
    assert.ok(svg.includes(label), `falta la etiqueta ${label}`);
  }
  // Spatial rows: one front rect + two faces each; flat rows: one rect each; plus the white background rect.
  const spatial = rows.filter((r) => !r.flat).length, flat = rows.filter((r) => r.flat).length;
  assert.equal((svg.match(/<rect /g) ?? []).length, 1 + spatial + flat);
  assert.equal((svg.match(/<polygon /g) ?? []).length, 2 * spatial);
  assert.ok(svg.includes(">LeNet-5<"));
});

Deno.test("architectureSvg: deeper volumes are thicker, larger sides are taller", () => {
  const arch = defineArchitecture("t", { input: "32x32x3", layers: ["CONV3-64/p1", "POOL2"] });
  const svg = architectureSvg(arch, { title: "" }).svg;
  const fronts = [...svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)" height="([\d.]+)" fill="(?!white)/g)]
    .map((m) => ({ w: Number(m[1]), h: Number(m[2]) }));
  assert.equal(fronts.length, 3);
  assert.ok(fronts[1].w > fronts[0].w, "64 canales deben dibujarse más gruesos que 3");
  assert.ok(fronts[1].h > fronts[2].h, "32×32 debe dibujarse más alto que 16×16");
  assert.ok(!svg.includes('font-weight="bold"'), "title: '' quita el título");
});

Deno.test("architectureSvg: NORM and DROPOUT are hidden unless showAll; bad input is reported", () => {
  const shown = architectureSvg(alexnet, { showAll: true }).svg;
  const hidden = architectureSvg(alexnet).svg;
  assert.ok(shown.includes(">NORM<") && !hidden.includes(">NORM<"));
  assert.ok(hidden.includes(">55×55×96<") && hidden.includes(">1000<"));
  assert.throws(() => architectureSvg({} as never), /architectureSvg espera una arquitectura/);
  assert.throws(() => architectureSvg(lenet5, { maxSide: 5 }), /options\.maxSide/);
});
