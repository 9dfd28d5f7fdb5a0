import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { classCounts, disposeDataset, downloadFile, loadFashionMnist, locateFashionMnist } from "../lib/mod.ts";

const DEBIAN = "/usr/share/datasets/fashion-mnist";

/** Serves `files` (path → bytes) on 127.0.0.1 (random port) while `body` runs. */
async function withServer(
  files: Record<string, Uint8Array<ArrayBuffer>>,
  body: (base: string, hits: string[]) => Promise<void>,
): Promise<void> {
  const hits: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const path = new URL(req.url).pathname;
    hits.push(path);
    const data = files[path];
    return data ? new Response(data) : new Response("no existe", { status: 404 });
  });
  try {
    await body(`http://127.0.0.1:${server.addr.port}`, hits);
  } finally {
    await server.shutdown();
  }
}

async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  return names.sort();
}

const small = new TextEncoder().encode("fashion ".repeat(5000));
const smallSha = createHash("sha256").update(small).digest("hex");

Deno.test("downloadFile: a small file arrives complete, with its SHA-256 checked and progress reported", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await withServer({ "/small.bin": small }, async (base) => {
      const dest = join(dir, "sub", "small.bin");
      const seen: Array<[number, number]> = [];
      const digests = await downloadFile(`${base}/small.bin`, dest, {
        sha256: smallSha,
        progress: (r, t) => seen.push([r, t]),
      });
      assert.deepEqual(await Deno.readFile(dest), small);
      assert.equal(digests.sha256, smallSha);
      assert.equal(digests.bytes, small.length);
      assert.deepEqual(seen.at(-1), [small.length, small.length]);
      assert.deepEqual(await listDir(join(dir, "sub")), ["small.bin"]);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("downloadFile: a checksum mismatch or an HTTP error leaves no file behind", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await withServer({ "/small.bin": small }, async (base) => {
      const dest = join(dir, "small.bin");
      await assert.rejects(
        downloadFile(`${base}/small.bin`, dest, { sha256: "0".repeat(64), progress: false }),
        /SHA-256 .* no coincide: se esperaba 0000.* y se obtuvo [0-9a-f]{64}/,
      );
      assert.deepEqual(await listDir(dir), []);
      await assert.rejects(
        downloadFile(`${base}/missing.bin`, dest, { progress: false }),
        /No se pudo descargar .*missing\.bin: HTTP 404/,
      );
      await assert.rejects(
        downloadFile(`${base}/small.bin`, dest, { progress: false, verify: () => "no me gusta" }),
        /no es válida: no me gusta/,
      );
      assert.deepEqual(await listDir(dir), []);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Fashion-MNIST falls back to downloading into the cache; a corrupt mirror leaves the cache empty", async () => {
  const root = await Deno.makeTempDir();
  try {
    const cache = join(root, "cache"), empty = join(root, "empty");
    await Deno.mkdir(empty);
    const files: Record<string, Uint8Array<ArrayBuffer>> = {};
    for (const name of ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]) {
      files[`/ok/${name}`] = await Deno.readFile(join(DEBIAN, name));
    }
    // Valid idx files with the wrong contents: only the checksum can tell.
    files["/bad/t10k-images-idx3-ubyte.gz"] = new Uint8Array(gzipSync(
      Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 28, 0, 0, 0, 28, ...new Uint8Array(784)]),
    ));
    await withServer(files, async (base, hits) => {
      const opts = { split: "test" as const, cacheDir: cache, systemDir: empty, progress: false };
      await assert.rejects(
        locateFashionMnist({ ...opts, baseUrl: `${base}/bad/` }),
        /t10k-images-idx3-ubyte\.gz no es válida: su contenido tiene SHA-256/,
      );
      assert.deepEqual(await listDir(cache), []);
      const located = await locateFashionMnist({ ...opts, baseUrl: `${base}/ok` });
      assert.equal(located.source, "download");
      assert.deepEqual(await listDir(cache), ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]);
      const hitsBefore = hits.length;
      const ds = await loadFashionMnist({ ...opts, baseUrl: `${base}/ok` });
      assert.equal(hits.length, hitsBefore, "the second load reads the cache, no download");
      assert.deepEqual(await classCounts(ds), new Array(10).fill(1000));
      disposeDataset(ds);
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
