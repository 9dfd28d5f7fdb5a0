/**
 * Math in the offline HTML of the notebooks (`build/html`): the notebooks' Markdown writes formulas in LaTeX
 * (`$\dfrac{W_1 - F + 2P}{S} + 1$`, `$$…$$`), which live Jupyter typesets with its own MathJax. nbconvert
 * keeps them as text, and the course's offline template has no CDN script, so {@link addMath} embeds KaTeX
 * from npm (`node_modules/katex`: its script, the auto-render extension, its CSS with the woff2 fonts as data
 * URIs) in the page and typesets the Markdown cells when the page loads. No network is needed.
 * @module
 */
import { dirname, join, resolve } from "node:path";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

let assets: string | undefined;

function katexDir(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve("katex/dist/katex.min.js"));
  } catch {
    return resolve(import.meta.dirname ?? ".", "..", "node_modules", "katex", "dist");
  }
}

/**
 * The `<style>` and `<script>` blocks that typeset the Markdown cells of an nbconvert (lab template) page:
 * KaTeX's CSS (woff2 fonts inlined; the woff/ttf fallbacks dropped), KaTeX, auto-render, and the call.
 */
export function katexAssets(): string {
  if (assets !== undefined) return assets;
  const dir = katexDir();
  const read = (p: string) => readFileSync(join(dir, p), "utf8");
  const css = read("katex.min.css").replace(
    /src:url\((fonts\/[^)]+\.woff2)\) format\("woff2"\)[^;}]*/g,
    (_m, font: string) =>
      `src:url(data:font/woff2;base64,${readFileSync(join(dir, font)).toString("base64")}) format("woff2")`,
  );
  // Delimiters as in Jupyter; code, pre and outputs are left alone (`${x}` in TypeScript is not math).
  const render = `document.addEventListener("DOMContentLoaded", function () {
  var cells = document.querySelectorAll(".jp-MarkdownCell .jp-RenderedMarkdown");
  for (var i = 0; i < cells.length; i++) {
    renderMathInElement(cells[i], {
      delimiters: [
        {left: "$$", right: "$$", display: true},
        {left: "\\\\[", right: "\\\\]", display: true},
        {left: "$", right: "$", display: false},
        {left: "\\\\(", right: "\\\\)", display: false}
      ],
      ignoredTags: ["script", "noscript", "style", "textarea", "pre", "code"],
      throwOnError: false
    });
  }
});`;
  const script = (js: string) =>
    `<script type="text/javascript">\n${js.replace(/<\/script/gi, "<\\/script")}\n</script>`;
  assets = `<style type="text/css">\n${css}\n</style>\n${script(read("katex.min.js"))}\n` +
    `${script(read("contrib/auto-render.min.js"))}\n${script(render)}\n`;
  return assets;
}

/** True when some Markdown cell of the notebook has a `$…$`, `$$…$$`, `\(…\)` or `\[…\]` formula. */
export function notebookHasMath(nb: { cells: Array<{ cell_type: string; source: string | string[] }> }): boolean {
  return nb.cells.some((c) => {
    if (c.cell_type !== "markdown") return false;
    const src = Array.isArray(c.source) ? c.source.join("") : c.source;
    return /\$[^$\n]+\$|\\\(|\\\[/.test(src);
  });
}

/** Inserts {@link katexAssets} before `</head>` of an nbconvert HTML page. */
export function addMath(html: string): string {
  const at = html.search(/<\/head>/i);
  if (at < 0) throw new Error("addMath: la página no tiene </head>.");
  return html.slice(0, at) + katexAssets() + html.slice(at);
}
