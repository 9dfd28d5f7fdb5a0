/**
 * Text alternatives of the kit's rich outputs (`lib/show/mime.ts`) and the bundles that carry them: a front end
 * that shows only `text/plain` (an untrusted notebook, a terminal) still gets the table, the figure's numbers,
 * the statement.
 */
import assert from "node:assert/strict";
import { base64, figureText, plainText, svgImgHtml, svgText, textTable } from "../lib/show/mime.ts";
import { dataTable } from "../lib/show/tables.ts";
import { barChart, figureBundle, trainingCurves } from "../lib/show/plots.ts";
import { exercise } from "../lib/course/exercises.ts";
import { architectureSvg } from "../lib/show/diagrams.ts";
import { lenet5 } from "../lib/cnn/catalogue.ts";

Deno.test("textTable pads every column to its widest cell, numbers right-aligned, totals under a rule", () => {
  const t = textTable(["capa", "parámetros"], [["conv1", "156"], ["fc", "10.164"]], {
    alignRight: [false, true],
    footer: ["Total", "10.320"],
    title: "Red",
  });
  assert.equal(
    t,
    [
      "Red",
      "capa   parámetros",
      "-----  ----------",
      "conv1         156",
      "fc         10.164",
      "-----  ----------",
      "Total      10.320",
    ].join("\n"),
  );
});

Deno.test("plainText drops Markdown marks and lays out pipe tables", () => {
  assert.equal(plainText("**Ejercicio** `x` _(clase)_ [aquí](http://a)"), "Ejercicio x (clase) aquí");
  assert.equal(
    plainText("| a | b |\n|---|---:|\n| uno | 1 |\n| dos \\| tres | 22 |"),
    "a            b\n----------  --\nuno          1\ndos | tres  22",
  );
  assert.equal(plainText("snake_case_name y 2*3*4"), "snake_case_name y 2*3*4");
});

Deno.test("figureText gives the title, axes and key numbers of each trace", () => {
  const text = figureText({
    data: [{ type: "scatter", name: "train", y: [1.5, 0.75, 0.5] }, { type: "heatmap", z: [[0, 2], [7, 1]] }],
    layout: { title: { text: "Curvas" }, xaxis: { title: { text: "época" } }, yaxis: { title: "loss" } },
  });
  assert.equal(
    text,
    "Figura: Curvas (ejes: época / loss)\n  train: 3 puntos, último 0,5, mín 0,5, máx 1,5\n  mapa de calor 2×2, de 0 a 7",
  );
  const bars = figureBundle(barChart(["gato", "perro"], [3, 12], { title: "Votos" }))["text/plain"] as string;
  assert.match(bars, /^Figura: Votos/);
  assert.match(bars, /gato=3, perro=12/);
});

Deno.test("a training-curves figure says its last values in text", () => {
  const history = { epochs: [{ epoch: 1, loss: 2, acc: 0.25 }, { epoch: 2, loss: 1, acc: 0.5 }] };
  // deno-lint-ignore no-explicit-any
  const fig = trainingCurves(history as any);
  const text = figureBundle(fig)["text/plain"] as string;
  assert.match(text, /Figura: /);
  assert.match(text, /2 puntos, último 1,/);
});

Deno.test("bundles carry text/plain: table as aligned text, exercise as its statement, SVG as its labels", () => {
  const table = dataTable([{ capa: "conv1", pesos: 150 }, { capa: "fc", pesos: 10080 }]).mimeBundle();
  assert.equal(table["text/plain"], "capa    pesos\n-----  ------\nconv1     150\nfc     10.080");
  const b = exercise(1).mimeBundle();
  assert.equal(b["text/plain"], plainText(b["text/markdown"]));
  assert.match(b["text/plain"], /Entrada de 7×7×1; .*volumen de salida/);
  assert.ok(!b["text/plain"].includes("**"));
  const diagram = architectureSvg(lenet5).mimeBundle();
  assert.match(
    diagram["text/plain"],
    /^LeNet-5: 28×28×1 \(entrada\) → 28×28×6 \(CONV5-6\/p2\) → 14×14×6 \(POOL2\) → .* → 10 \(FC-10\)$/,
  );
  assert.match(diagram["text/html"], /^<img src="data:image\/svg\+xml;base64,/);
});

Deno.test("svgText and svgImgHtml: labels as text, the SVG round-trips through the data URI", () => {
  const svg = '<svg xmlns="http://www.w3.org/2000/svg"><text x="1">a &lt; b</text><text>0</text><text>ñ</text>' +
    "<text>-1,5</text></svg>";
  assert.equal(svgText(svg), "a < b · ñ");
  const html = svgImgHtml(svg, 'dice "hola"');
  assert.match(html, /alt="dice &quot;hola&quot;"/);
  const b64 = html.match(/base64,([^"]+)"/)![1];
  assert.equal(b64, base64(svg));
  assert.equal(new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))), svg);
});
