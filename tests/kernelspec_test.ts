import assert from "node:assert/strict";
import { join } from "node:path";
import { installKernelSpec, kernelSpec, userDataDir } from "../tools/kernelspec.ts";

Deno.test("installKernelSpec rewrites an old kernel.json without interrupt_mode, then leaves it alone", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "kernels", "deno", "kernel.json");
    await Deno.mkdir(join(dir, "kernels", "deno"), { recursive: true });
    // What `deno jupyter --install` writes: no interrupt_mode, so Jupyter's Stop sends SIGINT.
    await Deno.writeTextFile(
      path,
      JSON.stringify({ argv: ["deno", "jupyter", "--kernel", "--conn", "{connection_file}"] }),
    );
    const first = await installKernelSpec(dir, { denoExe: "/opt/deno/bin/deno" });
    assert.equal(first.path, path);
    assert.equal(first.changed, true);
    const spec = JSON.parse(await Deno.readTextFile(path));
    assert.equal(spec.interrupt_mode, "message");
    assert.deepEqual(spec.argv, ["/opt/deno/bin/deno", "jupyter", "--kernel", "--conn", "{connection_file}"]);
    assert.equal(spec.env.NO_COLOR, "1");
    assert.deepEqual(spec, kernelSpec("/opt/deno/bin/deno"));
    const second = await installKernelSpec(dir, { denoExe: "/opt/deno/bin/deno" });
    assert.equal(second.changed, false);
    const other = await installKernelSpec(dir, { denoExe: "/usr/local/bin/deno" });
    assert.equal(other.changed, true, "another deno binary → rewritten");
    // No temporary file left behind.
    const names = [...Deno.readDirSync(join(dir, "kernels", "deno"))].map((e) => e.name);
    assert.ok(!names.some((n) => n.includes(".tmp")), names.join(", "));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("userDataDir follows Jupyter: JUPYTER_DATA_DIR, else XDG_DATA_HOME, else ~/.local/share (Linux)", () => {
  const env = (vars: Record<string, string>) => (n: string) => vars[n];
  assert.equal(userDataDir(env({ JUPYTER_DATA_DIR: "/j", XDG_DATA_HOME: "/x", HOME: "/h" })), "/j");
  if (Deno.build.os === "linux") {
    assert.equal(userDataDir(env({ XDG_DATA_HOME: "/x", HOME: "/h" })), "/x/jupyter");
    assert.equal(userDataDir(env({ HOME: "/h" })), "/h/.local/share/jupyter");
  }
});
