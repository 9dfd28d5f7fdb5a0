#!/usr/bin/env bash
# Prepares a machine to run the course kit: Debian packages (Jupyter, nbclient, classic Notebook 6 for the
# front-end tests, Fashion-MNIST, Vulkan, Chromium), the Deno Jupyter kernel in a project-local XDG_DATA_HOME
# (<repo>/.jupyter) and the npm dependencies (puppeteer-core drives Debian's Chromium: no browser download).
# Idempotent and fast when everything is present; `deno task test` and `deno task course` run it first.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PACKAGES=(jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel jupyter-notebook
  dataset-fashion-mnist mesa-vulkan-drivers chromium)

# 1. Debian packages (only what is missing).
missing=()
if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "setup: no es Debian/Ubuntu; instala tú Jupyter (nbclient, nbconvert), Chromium y un driver Vulkan." >&2
  PACKAGES=()
fi
for pkg in "${PACKAGES[@]}"; do
  status="$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)"
  [[ "$status" == "installed" ]] || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [[ "$(id -u)" == "0" ]]; then
    echo "setup: instalando paquetes Debian: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    echo "setup: instalando paquetes Debian con sudo: ${missing[*]}" >&2
    sudo -n env DEBIAN_FRONTEND=noninteractive apt-get update -q
    sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  else
    echo "setup: faltan paquetes Debian. Instálalos como root y vuelve a intentarlo:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

# 2. The Deno binary running this task (tasks put deno on PATH; DENO overrides).
DENO_BIN="${DENO:-$(command -v deno || true)}"
if [[ -z "$DENO_BIN" ]]; then
  echo "setup: no encuentro deno. Ejecuta las tareas con 'npx -y deno@2.9.6 task …' o define DENO=/ruta/a/deno." >&2
  exit 1
fi
# Resolve wrappers (npm's bin shim, symlinks) to the real executable.
DENO_EXE="$("$DENO_BIN" eval --quiet 'console.log(Deno.execPath())' 2>/dev/null || true)"
[[ -x "$DENO_EXE" ]] || DENO_EXE="$(readlink -f "$DENO_BIN")"

# 3. The Deno Jupyter kernel, project-local (XDG_DATA_HOME=<repo>/.jupyter), written by tools/kernelspec.ts (the
#    same writer as `deno task kernel`): absolute deno path, message-mode interrupts (Stop keeps the kernel).
export XDG_DATA_HOME="$ROOT/.jupyter"
"$DENO_EXE" run --quiet --allow-read --allow-write --allow-env --allow-run tools/kernelspec.ts \
  --data-dir "$XDG_DATA_HOME/jupyter" --quiet

# 3b. The key that signs executed notebooks (`jupyter trust`, tools/static_outputs.ts), made once here: two
# notebooks signed at the same time on a fresh machine would otherwise each write a key, and one loses.
if [[ ! -f "$XDG_DATA_HOME/jupyter/notebook_secret" ]] && [[ -x /usr/bin/python3 ]]; then
  /usr/bin/python3 -c "from nbformat.sign import NotebookNotary as N; N().secret" >/dev/null
fi

# 4. npm dependencies (node_modules/, nodeModulesDir: auto).
STAMP=node_modules/.setup-stamp
if [[ ! -f "$STAMP" || deno.json -nt "$STAMP" || deno.lock -nt "$STAMP" ]]; then
  echo "setup: instalando dependencias npm (deno install)" >&2
  "$DENO_EXE" install --quiet
  touch "$STAMP"
fi
