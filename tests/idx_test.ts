import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { parseIdx, readIdx, readIdxPair } from "../lib/data/idx.ts";

const DEBIAN = "/usr/share/datasets/fashion-mnist";

/** Builds idx bytes by hand (independent of the reader): 00 00 08 ndims, big-endian dims, data. */
function makeIdx(dims: number[], data: number[] | Uint8Array, type = 0x08): Uint8Array {
  const head = [0, 0, type, dims.length];
  for (const d of dims) head.push((d >>> 24) & 255, (d >>> 16) & 255, (d >>> 8) & 255, d & 255);
  return Uint8Array.from([...head, ...data]);
}

Deno.test("parseIdx decodes dims and data, plain and gzip", () => {
  const data = Array.from({ length: 2 * 3 * 4 }, (_, i) => i * 10 % 256);
  const bytes = makeIdx([2, 3, 4], data);
  for (const input of [bytes, new Uint8Array(gzipSync(bytes))]) {
    const idx = parseIdx(input);
    assert.deepEqual(idx.dims, [2, 3, 4]);
    assert.deepEqual(Array.from(idx.data), data);
  }
  // Dimensions above 255 use all four big-endian bytes.
  assert.deepEqual(parseIdx(makeIdx([300], new Uint8Array(300))).dims, [300]);
});

Deno.test("parseIdx: truncated, extra bytes, wrong magic, wrong type, corrupt gzip each have a clear error", () => {
  const good = makeIdx([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.throws(
    () => parseIdx(good.subarray(0, good.length - 1), { source: "x.idx" }),
    /x\.idx está truncado.*2×2×2 = 8 valores y hay 7/,
  );
  assert.throws(() => parseIdx(Uint8Array.from([...good, 9]), { source: "x.idx" }), /x\.idx tiene bytes de más/);
  assert.throws(
    () => parseIdx(good.subarray(0, 9), { source: "x.idx" }),
    /x\.idx está truncado: la cabecera necesita 16/,
  );
  assert.throws(
    () => parseIdx(Uint8Array.from([0x50, 0x4b, 3, 4, 0, 0]), { source: "z.zip" }),
    /z\.zip no es un fichero idx: número mágico 50 4b 03 04/,
  );
  assert.throws(
    () => parseIdx(makeIdx([2], [0, 0, 0, 0, 0, 0, 0, 0], 0x0d), { source: "f" }),
    /tipo float.*unsigned byte/,
  );
  assert.throws(() => parseIdx(good, { source: "y", ndims: 1 }), /3 dimensiones y se esperaban 1/);
  const gz = new Uint8Array(gzipSync(makeIdx([100], new Uint8Array(100).fill(7))));
  assert.throws(
    () => parseIdx(gz.subarray(0, gz.length - 10), { source: "c.gz" }),
    /c\.gz está comprimido con gzip pero no se puede descomprimir/,
  );
});

Deno.test("readIdx names the file; readIdxPair rejects an image/label count mismatch", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(readIdx(join(dir, "nope.idx")), /No se puede leer el fichero idx .*nope\.idx/);
    const images = join(dir, "imgs-idx3-ubyte");
    const labels = join(dir, "labs-idx1-ubyte.gz");
    await Deno.writeFile(images, makeIdx([3, 2, 2], new Uint8Array(12)));
    await Deno.writeFile(labels, gzipSync(makeIdx([4], [0, 1, 2, 3])));
    await assert.rejects(
      readIdxPair(images, labels),
      /imgs-idx3-ubyte tiene 3 imágenes y labs-idx1-ubyte\.gz tiene 4 etiquetas/,
    );
    await Deno.writeFile(labels, gzipSync(makeIdx([3], [0, 1, 2])));
    const pair = await readIdxPair(images, labels);
    assert.deepEqual(pair.labels.dims, [3]);
    // Swapped arguments: the dimension check catches it.
    await assert.rejects(readIdxPair(labels, images), /1 dimensiones y se esperaban 3/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a truncated copy of the real Fashion-MNIST file gives an error naming it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const src = await Deno.readFile(join(DEBIAN, "t10k-labels-idx1-ubyte.gz"));
    const real = parseIdx(src);
    assert.deepEqual(real.dims, [10000]);
    const cut = join(dir, "t10k-labels-idx1-ubyte.gz");
    await Deno.writeFile(cut, src.subarray(0, Math.floor(src.length / 2)));
    await assert.rejects(readIdx(cut), (e: Error) => e.message.includes(cut) && /gzip/.test(e.message));
    // Truncated after decompression (valid gzip of a short file).
    const { gunzipSync } = await import("node:zlib");
    const raw = new Uint8Array(gunzipSync(src));
    await Deno.writeFile(cut, gzipSync(raw.subarray(0, raw.length - 100)));
    await assert.rejects(readIdx(cut), /está truncado: la cabecera declara 10000 = 10000 valores y hay 9900 bytes/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
