/**
 * The CPU-side parts of `deno task gpu-check`: adapter classification (software adapters refused with a
 * clear message), the report writer, the parsing helpers, and the script itself refusing this machine's
 * adapter when it is software (llvmpipe from mesa-vulkan-drivers) or missing.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { classifyAdapter, requireHardwareAdapter } from "../lib/engine/gpu_adapter.ts";
import {
  type GpuCheckReport,
  parseSteps,
  parseTestSummary,
  requestAdapterInfo,
  writeReport,
} from "../tools/gpu_check.ts";

/** What Deno 2.9 reports here for Debian's mesa-vulkan-drivers. */
const LLVMPIPE = {
  vendor: "65541",
  architecture: "",
  device: "0",
  description: "llvmpipe (LLVM 15.0.6, 256 bits)",
  isFallbackAdapter: true,
};

Deno.test("classifyAdapter: software rasterisers are software, real GPUs are hardware", () => {
  const llvm = classifyAdapter(LLVMPIPE);
  assert.equal(llvm.software, true);
  assert.equal(llvm.name, "llvmpipe (LLVM 15.0.6, 256 bits)");
  assert.equal(llvm.vendor, "Mesa (software)");
  // Even when the driver does not set isFallbackAdapter, the name or the vendor gives it away.
  assert.equal(classifyAdapter({ ...LLVMPIPE, isFallbackAdapter: false }).software, true);
  assert.equal(classifyAdapter({ vendor: "65541", description: "" }).software, true);
  assert.equal(classifyAdapter({ vendor: "0x10005", description: "lavapipe" }).software, true);
  assert.equal(classifyAdapter({ vendor: "6880", description: "SwiftShader Device (Subzero)" }).software, true);
  assert.equal(classifyAdapter({ vendor: "5140", description: "Microsoft Basic Render Driver" }).software, true);

  const h200 = classifyAdapter({ vendor: "4318", architecture: "", device: "8995", description: "NVIDIA H200" });
  assert.deepEqual(h200, { name: "NVIDIA H200", vendor: "NVIDIA", architecture: "", software: false, reason: "" });
  const apple = classifyAdapter({ vendor: "apple", architecture: "metal-3", description: "" });
  assert.equal(apple.software, false);
  assert.equal(apple.name, "apple metal-3");
  assert.equal(classifyAdapter({ vendor: "0x1002", description: "AMD Radeon RX 7600" }).vendor, "AMD");
});

Deno.test("requireHardwareAdapter: refuses llvmpipe and a missing adapter with a message saying what to do", () => {
  assert.throws(() => requireHardwareAdapter(LLVMPIPE), (e: Error) => {
    assert.match(e.message, /«llvmpipe \(LLVM 15\.0\.6, 256 bits\)» es SOFTWARE/);
    assert.match(e.message, /VK_DRIVER_FILES/);
    return true;
  });
  assert.throws(() => requireHardwareAdapter(undefined), /No hay ningún adaptador WebGPU/);
  assert.equal(requireHardwareAdapter({ vendor: "4318", description: "NVIDIA H200" }).vendor, "NVIDIA");
});

Deno.test("writeReport: the JSON read back equals the report; no temporary file left", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "sub", "gpu_check.json");
    const report: GpuCheckReport = {
      date: "2026-11-30T00:00:00.000Z",
      host: "h",
      deno: "2.9.6",
      adapter: { ...classifyAdapter(LLVMPIPE), raw: LLVMPIPE },
      refused: "software",
      vulkan: { icd_files: [] },
      steps: [{ name: "bench", ok: true, seconds: 1.5, detail: [{ model: "lenet5" }] }],
      ok: false,
    };
    await writeReport(path, report);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(path)), report);
    assert.deepEqual([...Deno.readDirSync(join(dir, "sub"))].map((e) => e.name), ["gpu_check.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseTestSummary and parseSteps", () => {
  const out =
    "webgpu: x ... \x1b[32mok\x1b[0m\n\n\x1b[0m\x1b[32mok\x1b[0m | 20 passed | 0 failed \x1b[38;5;245m(5s)\x1b[0m";
  assert.deepEqual(parseTestSummary(out), { passed: 20, failed: 0 });
  assert.deepEqual(parseTestSummary("FAILED | 18 passed (2 steps) | 2 failed (7s)"), { passed: 18, failed: 2 });
  assert.equal(parseTestSummary("error: Module not found"), undefined);
  assert.deepEqual(parseSteps(undefined), ["kernels", "bench", "notebooks"]);
  assert.deepEqual(parseSteps("bench, kernels"), ["bench", "kernels"]);
  assert.throws(() => parseSteps("bench,gpu"), /«gpu» no es un paso/);
});

Deno.test("gpu-check on this machine: refuses a software or missing adapter (exit 2) and still writes its report", async () => {
  const info = await requestAdapterInfo();
  if (info && !classifyAdapter(info).software) return; // a real GPU: the check would run for real
  const dir = await Deno.makeTempDir();
  try {
    const out = join(dir, "report.json");
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", join(import.meta.dirname ?? ".", "..", "tools", "gpu_check.ts"), "--out", out],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(r.code, 2);
    assert.match(new TextDecoder().decode(r.stderr), /GPU CHECK FALLIDO[\s\S]*(SOFTWARE|No hay ningún adaptador)/);
    const report = JSON.parse(await Deno.readTextFile(out)) as GpuCheckReport;
    assert.equal(report.ok, false);
    assert.deepEqual(report.steps, []);
    assert.ok(report.refused);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
