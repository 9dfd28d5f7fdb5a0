import assert from "node:assert/strict";
import { orientationTuningSvg, timelineFigure } from "../lib/course/intro_figures.ts";

Deno.test("timelineFigure: one point per milestone, labels above/below, highlighted in red", () => {
  const fig = timelineFigure([
    { year: 1959, text: "Hubel y Wiesel", height: 70 },
    { year: 2012, text: "AlexNet", height: -150, highlight: true },
  ], { title: "Historia" });
  assert.deepEqual(fig.data[0].x, [1959, 2012]);
  assert.deepEqual((fig.data[0].marker as { color: string[] }).color, ["#1f77b4", "#d62728"]);
  const notes = fig.layout.annotations as { text: string; ay: number }[];
  assert.deepEqual(notes.map((a) => [a.text, a.ay]), [["1959<br>Hubel y Wiesel", -70], ["2012<br>AlexNet", 150]]);
  assert.deepEqual((fig.layout.xaxis as { range: number[] }).range, [1952, 2019]);
  assert.equal((fig.layout.xaxis as { title: { text: string } }).title.text, "año");
  assert.throws(() => timelineFigure([]), /necesita una lista de hitos/);
  assert.throws(() => timelineFigure([{ year: NaN, text: "x" }]), /Hito no válido/);
});

Deno.test("orientationTuningSvg: a bar per angle, the strongest response in red, heights proportional", () => {
  const svg = orientationTuningSvg([0, 45, 90], [10, 20, 5]).svg;
  assert.equal((svg.match(/rotate\(/g) ?? []).length, 3);
  assert.match(svg, /barra a 45°/);
  // Responses 10, 20, 5 → columns of 45, 90 and 22,5 px; only the 90-px one is red.
  assert.match(svg, /height="90" fill="#d62728"/);
  assert.match(svg, /height="45" fill="#1f77b4"/);
  assert.match(svg, /height="22.5" fill="#1f77b4"/);
  assert.throws(() => orientationTuningSvg([0, 45], [1]), /tantos ángulos como respuestas/);
  assert.throws(() => orientationTuningSvg([0], [-1]), /números ≥ 0/);
});
