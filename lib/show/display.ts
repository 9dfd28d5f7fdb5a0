/**
 * The one display base of the kit: what a notebook cell shows when an object of the library is its last
 * expression. The Deno Jupyter kernel calls `obj[Symbol.for("Jupyter.display")]()` and shows the returned
 * MIME bundle; every displayable thing of the library goes through {@link withDisplay} (plain records such
 * as figures and evaluations) or extends {@link Displayable} (classes such as tables and SVG drawings).
 * Also the one escaper for user-controlled text put into HTML, XML or SVG.
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
