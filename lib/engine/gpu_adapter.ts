/**
 * What a WebGPU adapter is: vendor, name, and whether it is a real GPU or a software rasteriser
 * (Mesa's llvmpipe / lavapipe, Google's SwiftShader, Microsoft's Basic Render Driver) that runs on the CPU.
 * @module
 */

/** The fields of `GPUAdapter.info` (plus `isFallbackAdapter`) this module reads; all optional. */
export interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

/** An adapter as {@link classifyAdapter} describes it. */
export interface AdapterClass {
  /** Readable name: the driver's description, or vendor and architecture. */
  name: string;
  /** Vendor name when the PCI vendor id is known (e.g. `NVIDIA`), else the raw vendor string. */
  vendor: string;
  /** Architecture reported by the driver (may be empty). */
  architecture: string;
  /** True for a software adapter (computes on the CPU). */
  software: boolean;
  /** Why it was judged software (empty for hardware). */
  reason: string;
}

/** PCI vendor ids seen in `GPUAdapter.info.vendor` (Vulkan reports them as decimal strings). */
const VENDORS: Record<number, string> = {
  0x10de: "NVIDIA",
  0x1002: "AMD",
  0x1022: "AMD",
  0x8086: "Intel",
  0x106b: "Apple",
  0x13b5: "ARM",
  0x5143: "Qualcomm",
  0x1010: "Imagination",
  0x10005: "Mesa (software)",
  0x1ae0: "Google (SwiftShader)",
  0x1414: "Microsoft",
};
/** Vendor ids that only ever name software rasterisers. */
const SOFTWARE_VENDORS = new Set([0x10005, 0x1ae0]);
const SOFTWARE_NAME = /llvmpipe|lavapipe|swiftshader|softpipe|software|basic render/i;

function vendorId(vendor: string): number | undefined {
  const v = vendor.trim();
  if (/^0x[0-9a-f]+$/i.test(v)) return parseInt(v, 16);
  if (/^\d+$/.test(v)) return Number(v);
  return undefined;
}

/** Describes an adapter from its `info`: readable name and vendor, and whether it is software. */
export function classifyAdapter(info: AdapterInfoLike): AdapterClass {
  const rawVendor = String(info.vendor ?? "");
  const id = vendorId(rawVendor);
  const vendor = (id !== undefined ? VENDORS[id] : undefined) ?? rawVendor;
  const architecture = String(info.architecture ?? "");
  const name = String(info.description || info.device || [vendor, architecture].filter(Boolean).join(" ")) ||
    "WebGPU adapter";
  let reason = "";
  if (info.isFallbackAdapter === true) reason = "el driver la declara adaptador de reserva: isFallbackAdapter";
  else if (SOFTWARE_NAME.test(name) || SOFTWARE_NAME.test(rawVendor)) {
    reason = `su nombre («${name}») es el de un rasterizador por software`;
  } else if (id !== undefined && SOFTWARE_VENDORS.has(id)) {
    reason = `su fabricante (${vendor}) solo hace drivers software`;
  }
  return { name, vendor, architecture, software: reason !== "", reason };
}

/**
 * Throws a clear error when the adapter is software: a GPU measurement on llvmpipe would measure the CPU.
 * Returns the classification otherwise.
 */
export function requireHardwareAdapter(info: AdapterInfoLike | undefined): AdapterClass {
  if (!info) {
    throw new Error(
      "No hay ningún adaptador WebGPU. Comprueba el driver de la GPU (Linux: Vulkan; `vulkaninfo --summary`) " +
        "y, con NVIDIA, que VK_DRIVER_FILES apunte a su ICD (p. ej. /usr/share/vulkan/icd.d/nvidia_icd.json).",
    );
  }
  const c = classifyAdapter(info);
  if (c.software) {
    throw new Error(
      `El adaptador WebGPU «${c.name}» es SOFTWARE (${c.reason}): calcula en la CPU y no mide ninguna GPU. ` +
        "Instala o selecciona el driver de la GPU real (Linux: el ICD Vulkan de NVIDIA/AMD/Intel, p. ej. " +
        "VK_DRIVER_FILES=/usr/share/vulkan/icd.d/nvidia_icd.json) y vuelve a ejecutar.",
    );
  }
  return c;
}
