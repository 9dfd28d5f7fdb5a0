/**
 * The grader's outputs: gradebook.csv, summary.csv, one Spanish HTML feedback page per student (offline,
 * no scripts) and the table printed at the end.
 * @module
 */
import { escapeXml } from "../lib/show/display.ts";

/** One gradebook row (columns fixed: scripts and instructors depend on them). */
export interface GradeRow {
  student: string;
  notebook: string;
  exercise: string;
  points: number;
  max_points: number;
  status: "ok" | "wrong" | "unanswered" | "error" | "timeout" | "missing";
  message: string;
}

/** One CSV field (RFC 4180), with formula-looking text neutralised for spreadsheets. */
function csvField(value: string | number): string {
  let s = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(s)) s = "'" + s;
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function csv(header: string[], rows: (string | number)[][]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(",")).join("\n") + "\n";
}

/** gradebook.csv: one row per student × notebook × exercise. */
export function gradebookCsv(rows: GradeRow[]): string {
  const header = ["student", "notebook", "exercise", "points", "max_points", "status", "message"];
  return csv(header, rows.map((r) => header.map((h) => r[h as keyof GradeRow])));
}

/** Points and maximum per student and notebook, in row order. */
export function totals(rows: GradeRow[]): { student: string; notebook: string; points: number; max_points: number }[] {
  const out = new Map<string, { student: string; notebook: string; points: number; max_points: number }>();
  for (const r of rows) {
    const key = `${r.student}\u0000${r.notebook}`;
    const t = out.get(key) ?? { student: r.student, notebook: r.notebook, points: 0, max_points: 0 };
    t.points = Math.round((t.points + r.points) * 100) / 100;
    t.max_points = Math.round((t.max_points + r.max_points) * 100) / 100;
    out.set(key, t);
  }
  return [...out.values()];
}

/** summary.csv: one row per student × notebook. */
export function summaryCsv(rows: GradeRow[]): string {
  return csv(
    ["student", "notebook", "points", "max_points"],
    totals(rows).map((t) => [t.student, t.notebook, t.points, t.max_points]),
  );
}

const es = (x: number) => x.toLocaleString("es-ES", { maximumFractionDigits: 2 });

/** The table printed at the end: one line per student, points per notebook and total. */
export function printedTable(rows: GradeRow[]): string {
  const t = totals(rows);
  const notebooks = [...new Set(t.map((x) => x.notebook))].sort();
  const students = [...new Set(t.map((x) => x.student))];
  const header = ["alumno", ...notebooks.map((n) => `cuaderno ${n}`), "total"];
  const body = students.map((s) => {
    const mine = t.filter((x) => x.student === s);
    const cells = notebooks.map((n) => {
      const x = mine.find((m) => m.notebook === n);
      return x ? `${es(x.points)}/${es(x.max_points)}` : "";
    });
    const p = mine.reduce((a, x) => a + x.points, 0);
    const m = mine.reduce((a, x) => a + x.max_points, 0);
    return [s, ...cells, `${es(p)}/${es(m)}`];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(header), widths.map((w) => "─".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

const STATUS_ES: Record<GradeRow["status"], string> = {
  ok: "correcto",
  wrong: "incorrecto",
  unanswered: "sin responder",
  error: "error",
  timeout: "tiempo agotado",
  missing: "no encontrado",
};

/** A student's feedback page: Spanish, self-contained (inline CSS, no scripts, no network). */
export function feedbackHtml(student: string, rows: GradeRow[], notes: string[], options: { full: boolean }): string {
  const t = totals(rows);
  const sections = t.map((nb) => {
    const mine = rows.filter((r) => r.notebook === nb.notebook);
    const trs = mine.map((r) =>
      `<tr class="${r.status}"><td>${escapeXml(r.exercise)}</td><td>${es(r.points)} / ${es(r.max_points)}</td>` +
      `<td>${STATUS_ES[r.status]}</td><td>${escapeXml(r.message)}</td></tr>`
    ).join("\n");
    return `<h2>Cuaderno ${escapeXml(nb.notebook)}: ${es(nb.points)} / ${es(nb.max_points)} puntos</h2>
<table><thead><tr><th>ejercicio</th><th>puntos</th><th>estado</th><th>comentario</th></tr></thead>
<tbody>
${trs}
</tbody></table>`;
  }).join("\n");
  const total = t.reduce((a, x) => a + x.points, 0);
  const max = t.reduce((a, x) => a + x.max_points, 0);
  const budget = options.full
    ? "<p>Los laboratorios se han corregido con el entrenamiento completo.</p>"
    : '<p class="note">Para corregir los laboratorios, el entrenamiento se ha hecho con un <b>presupuesto reducido</b> ' +
      "(un subconjunto pequeño de los datos y una época). Se corrige tu código y el modelo que defines (capas, " +
      "formas, parámetros); los objetivos de accuracy que necesitan el entrenamiento completo aparecen como " +
      "<i>solo informativos</i> y no puntúan.</p>";
  const noteList = notes.length
    ? `<h2>Avisos</h2><ul>${notes.map((n) => `<li>${escapeXml(n)}</li>`).join("")}</ul>`
    : "";
  return `<!DOCTYPE html>
<html lang="es"><head><meta charset="utf-8"><title>Corrección · ${escapeXml(student)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%;margin-bottom:1.5rem}th,td{border:1px solid #ccc;padding:.35rem .5rem;
text-align:left;vertical-align:top}th{background:#f3f3f3}tr.ok td:nth-child(3){color:#1a7f37}
tr.wrong td:nth-child(3),tr.error td:nth-child(3),tr.timeout td:nth-child(3){color:#b42318}
tr.unanswered td:nth-child(3),tr.missing td:nth-child(3){color:#8a6d00}.note{background:#f6f8fa;padding:.6rem}
</style></head><body>
<h1>Corrección de ${escapeXml(student)}</h1>
<p><b>Total: ${es(total)} / ${es(max)} puntos.</b> Cada ejercicio se corrige por separado: un error en uno no
afecta a los demás. Los comentarios son los mismos que dan las comprobaciones del cuaderno.</p>
${budget}
${noteList}
${sections}
</body></html>
`;
}
