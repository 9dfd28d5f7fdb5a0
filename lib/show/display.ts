/**
 * The one display base of the kit: what a notebook cell shows when an object of the library is its last
 * expression. The Deno Jupyter kernel calls `obj[Symbol.for("Jupyter.display")]()` and shows the returned
 * MIME bundle; every displayable thing of the library goes through {@link withDisplay} (plain records such
 * as figures and evaluations) or extends {@link Displayable} (classes such as tables and SVG drawings).
 * Also the escapers for user-controlled text: {@link escapeXml} (HTML, XML, SVG) and {@link escapeMarkdown}.
 * @module
 */

/** A notebook output: MIME type → content (`text/html`, `text/markdown`, `text/plain`, …). */
export type MimeBundle = Record<string, string>;

/** The symbol the Deno Jupyter kernel looks up to display an object. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for("Jupyter.display") as never;

/**
 * Makes a plain object display itself with `bundle()` (a non-enumerable property: the object's JSON and
 * its keys are unchanged). Returns the same object.
 */
export function withDisplay<T extends object>(obj: T, bundle: () => Record<string, unknown>): T {
  Object.defineProperty(obj, JUPYTER_DISPLAY, { enumerable: false, configurable: true, value: bundle });
  return obj;
}

/** Base of the library's displayable classes: subclasses say what they show in {@link Displayable.mimeBundle}. */
export abstract class Displayable {
  /** The MIME bundle shown in a notebook. */
  abstract mimeBundle(): MimeBundle;

  /** Rich display in the Deno Jupyter kernel (see {@link Displayable.mimeBundle}). */
  [JUPYTER_DISPLAY](): MimeBundle {
    return this.mimeBundle();
  }
}

const XML_ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes text for HTML, XML and SVG, in element content and in quoted attributes. */
export function escapeXml(text: string): string {
  return String(text).replace(/[&<>"']/g, (ch) => XML_ENTITIES[ch]);
}

/**
 * Escapes text for inline Markdown (a table cell, a sentence, a bold title): `<`, `>` and `&` become
 * entities (so raw HTML, e.g. a class folder named `<img src=x onerror=…>`, never reaches the page), the
 * inline markers (`\\ \` * _ [ ] ~`) and `|` (which would split a table cell) get a backslash, and newlines
 * become spaces (a cell or sentence stays on its line). `#`, `-`, `+` only matter at the start of a line and
 * are left as they are (`CONV3-64` stays readable in the Markdown source).
 */
export function escapeMarkdown(text: string): string {
  return String(text)
    .replace(/\r?\n|\r/g, " ")
    .replace(/[&<>]/g, (ch) => XML_ENTITIES[ch])
    .replace(/[\\`*_\[\]|~]/g, (ch) => `\\${ch}`);
}
