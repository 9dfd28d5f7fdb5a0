/**
 * Figures of the introduction (notebook 01): the history timeline and the sketch of Hubel and Wiesel's
 * experiment (a neuron's response to bars of different orientations).
 * @module
 */
import { type Figure, figure } from "../show/plots.ts";
import { SvgFigure } from "../show/svg.ts";
import { checkOptions } from "../engine/validate.ts";
import { escapeXml } from "../show/display.ts";

/** One milestone of {@link timelineFigure}. */
export interface Milestone {
  /** Year. */
  year: number;
  /** Label (plotly HTML: `<br>` for a new line, `<b>…</b>`). */
  text: string;
  /** Label height in pixels above (+) or below (−) the axis; default alternating ±70. */
  height?: number;
  /** Horizontal shift of the label in pixels (to separate close years); default 0. */
  dx?: number;
  /** Draw the point in red (the turning point of the story). */
  highlight?: boolean;
}

/** Options for {@link timelineFigure}. */
export interface TimelineOptions {
  /** Figure title. */
  title?: string;
  /** Range of the year axis; default from 7 years before the first to 7 after the last milestone. */
  range?: [number, number];
}

/** A timeline: one point per milestone on a year axis, each with its label and a line to it. */
export function timelineFigure(milestones: Milestone[], options: TimelineOptions = {}): Figure {
  checkOptions("timelineFigure", options, { title: true, range: true });
  if (!Array.isArray(milestones) || milestones.length === 0) {
    throw new Error("timelineFigure necesita una lista de hitos { year, text }.");
  }
  const bad = milestones.find((m) => !Number.isFinite(m?.year) || typeof m?.text !== "string");
  if (bad) throw new Error(`Hito no válido: ${JSON.stringify(bad)}. Cada hito es { year: número, text: texto }.`);
  const years = milestones.map((m) => m.year);
  const range = options.range ?? [Math.min(...years) - 7, Math.max(...years) + 7];
  return figure([{
    type: "scatter",
    mode: "markers",
    x: years,
    y: years.map(() => 0),
    marker: { size: 12, color: milestones.map((m) => (m.highlight ? "#d62728" : "#1f77b4")) },
    hoverinfo: "x",
  }], {
    title: { text: options.title ?? "Línea del tiempo" },
    width: 950,
    height: 460,
    xaxis: { range, dtick: 10, title: { text: "año" }, tickformat: "d" },
    yaxis: { visible: false, range: [-1.6, 1.6] },
    annotations: milestones.map((m, i) => ({
      x: m.year,
      y: 0,
      text: `${m.year}<br>${m.text}`,
      ax: m.dx ?? 0,
      ay: -(m.height ?? (i % 2 === 0 ? 70 : -70)),
      showarrow: true,
      arrowhead: 0,
      font: { size: 11 },
    })),
  });
}

/** Options for {@link orientationTuningSvg}. */
export interface OrientationTuningOptions {
  /** Caption under the drawing. */
  caption?: string;
}

/**
 * Sketch of Hubel and Wiesel's experiment: for each bar orientation (degrees), the bar drawn in the visual
 * field and a column with the neuron's response (spikes per second), the strongest one in red.
 */
export function orientationTuningSvg(
  angles: number[],
  responses: number[],
  options: OrientationTuningOptions = {},
): SvgFigure {
  checkOptions("orientationTuningSvg", options, { caption: true });
  if (!Array.isArray(angles) || !Array.isArray(responses) || angles.length !== responses.length || !angles.length) {
    throw new Error("orientationTuningSvg necesita tantos ángulos como respuestas (al menos uno).");
  }
  if (responses.some((r) => !Number.isFinite(r) || r < 0)) {
    throw new Error("Las respuestas son impulsos por segundo: números ≥ 0.");
  }
  const width = 160 * angles.length, max = Math.max(...responses, 1);
  const best = responses.indexOf(Math.max(...responses));
  const cells = angles.map((a, i) => {
    const cx = 80 + i * 160, tall = (responses[i] / max) * 90;
    return `<circle cx="${cx}" cy="80" r="52" fill="#f4f4f4" stroke="#888"/>` +
      `<rect x="${cx - 6}" y="40" width="12" height="80" fill="#222" transform="rotate(${a} ${cx} 80)"/>` +
      `<text x="${cx}" y="155" font-size="14" text-anchor="middle">barra a ${a}°</text>` +
      `<rect x="${cx - 18}" y="${270 - tall}" width="36" height="${tall}" fill="${
        i === best ? "#d62728" : "#1f77b4"
      }"/>` +
      `<text x="${cx}" y="${262 - tall}" font-size="13" text-anchor="middle">${responses[i]}</text>`;
  });
  const caption = options.caption ?? "respuesta de la neurona (impulsos/s)";
  return new SvgFigure(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="310" font-family="sans-serif">` +
      `<rect width="${width}" height="310" fill="white"/>${cells.join("")}` +
      `<line x1="20" y1="270" x2="${width - 20}" y2="270" stroke="#444"/>` +
      `<text x="${width / 2}" y="298" font-size="13" text-anchor="middle" font-style="italic">` +
      `${escapeXml(caption)}</text></svg>`,
  );
}
