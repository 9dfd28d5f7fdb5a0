#!/usr/bin/python3
"""Executes one notebook through the real Deno Jupyter kernel and writes the executed notebook.

Works around the Deno kernel's late outputs (measured with Deno 2.9: 3–11 % of a cell's outputs arrive on
IOPub after the kernel reported the cell done, and plain nbconvert drops them): every message that belongs to an
earlier cell is routed to that cell, whenever it arrives; after each cell the runner keeps reading IOPub until it
has been quiet for --drain seconds (short: a later message is still routed while the next cell runs), and after
the last code cell until it has been quiet for --final-drain seconds (nothing follows it to catch them).

Usage:
  run_notebook.py NOTEBOOK [--out EXECUTED.ipynb] [--report REPORT.json] [--timeout 600]
                  [--expect-error REGEX] [--slots 2] [--slot-dir DIR]

Exit status: 0 when every cell ran (or, with --expect-error, when execution stopped at a cell error whose
message matches REGEX); 1 otherwise. The executed (possibly partial) notebook is written in every case,
and REPORT.json says what happened: {"status", "seconds", "cells", "late_outputs", "bad_messages", "error",
"peak_rss_mb"} (bad_messages: IOPub messages dropped because their signature did not verify)
(peak_rss_mb: the kernel process's peak resident memory, VmHWM of /proc/PID/status read just before the
kernel is shut down; null where /proc is not available).
At most --slots runners execute at the same time on one machine (file locks in --slot-dir).
"""

import argparse
import asyncio
import ctypes
import fcntl
import json
import os
import re
import signal
import sys
import threading
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionComplete, CellExecutionError, DeadKernelError
from nbclient.util import ensure_async

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class LateOutputClient(NotebookClient):
    """NotebookClient that keeps reading IOPub briefly after each cell completes (Deno kernel bug)."""

    def __init__(self, nb, drain=0.01, final_drain=1.0, **kw):
        super().__init__(nb, **kw)
        self.drain = drain
        self.final_drain = final_drain
        code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
        self.last_code_index = code[-1] if code else None
        self.late_outputs = 0
        self.bad_messages = 0
        self.peak_rss_mb = None
        self.cells_by_msg = {}  # parent msg_id -> (cell, cell_index), for outputs arriving even later

    async def _async_cleanup_kernel(self):
        """Reads the kernel's peak resident memory before nbclient shuts the kernel down."""
        if self.peak_rss_mb is None:
            self.peak_rss_mb = kernel_peak_rss_mb(self.km)
        await super()._async_cleanup_kernel()

    def _bad_message(self, error):
        """Skips an IOPub message that fails to deserialize (Deno 2.9's kernel sent one with an invalid HMAC
        signature once in about 30 notebook runs; jupyter_client raises instead of dropping it): counted in the
        report and told on stderr, re-raised if it is anything else."""
        if "Invalid Signature" not in str(error):
            raise error
        self.bad_messages += 1
        print(f"[run_notebook] mensaje IOPub descartado (firma no válida): {error}", file=sys.stderr)

    def _route_stray(self, msg):
        """Attaches a message whose parent is an earlier cell to that cell; returns True if it did."""
        target = self.cells_by_msg.get(msg["parent_header"].get("msg_id"))
        if target is None:
            return False
        if msg["msg_type"] == "status":
            return True
        cell, index = target
        try:
            if self.process_message(msg, cell, index) is not None:
                self.late_outputs += 1
        except CellExecutionComplete:
            pass
        return True

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        assert self.kc is not None
        self.cells_by_msg[parent_msg_id] = (cell, cell_index)
        done = False
        give_up = None  # stop draining 5 s after the cell completed, even if output keeps coming
        while True:
            if done:
                if time.monotonic() > give_up:
                    return
                try:
                    msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=quiet))
                except ValueError as e:  # a message with a bad signature (see `bad_messages`)
                    self._bad_message(e)
                    continue
                except Exception:  # queue.Empty: quiet for `quiet` seconds
                    return
            else:
                try:
                    msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=None))
                except ValueError as e:
                    self._bad_message(e)
                    continue
            if msg["parent_header"].get("msg_id") == parent_msg_id:
                if done and msg["msg_type"] == "status":
                    continue
                try:
                    out = self.process_message(msg, cell, cell_index)
                    if done and out is not None:
                        self.late_outputs += 1
                except CellExecutionComplete:
                    done = True
                    give_up = time.monotonic() + 5.0
                    # execution stops after the last cell or at an error: nothing follows to catch its stragglers
                    last = cell_index == self.last_code_index or any(
                        o.get("output_type") == "error" for o in cell.get("outputs", []))
                    quiet = self.final_drain if last else self.drain
            else:
                self._route_stray(msg)


def kernel_dies_with_runner():
    """Popen preexec_fn: the kernel gets SIGKILL when this runner exits, even if the runner is killed."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass  # not Linux: the runner's own cleanup shuts the kernel down


def exit_with_parent():
    """Stops this runner (and so its kernel) when whoever started it goes away or sends SIGTERM/SIGHUP."""
    def stop(signum, _frame):
        raise SystemExit(128 + signum)  # unwinds through nbclient, which shuts the kernel down

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stop)
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(1)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, daemon=True).start()


def peak_rss_mb(pid):
    """Peak resident memory (VmHWM) of process `pid` in MB (10^6 bytes), or None if unreadable."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) * 1024 / 1e6, 1)
    except (OSError, ValueError, IndexError):
        pass
    return None


def kernel_peak_rss_mb(km):
    """Peak resident memory of the kernel process a jupyter_client KernelManager started, or None."""
    provisioner = getattr(km, "provisioner", None) if km is not None else None
    process = getattr(provisioner, "process", None) or getattr(km, "kernel", None)
    pid = getattr(process, "pid", None)
    return peak_rss_mb(pid) if pid else None


def source_excerpt(source, max_lines=8):
    lines = source.strip("\n").split("\n")
    if len(lines) > max_lines:
        lines = lines[: max_lines // 2] + ["  …"] + lines[-(max_lines // 2):]
    return "\n".join("    " + line for line in lines)


def acquire_slot(slot_dir, slots):
    """Blocks until one of `slots` lock files can be locked; the lock dies with the process."""
    os.makedirs(slot_dir, exist_ok=True)
    waited = False
    while True:
        for i in range(slots):
            f = open(os.path.join(slot_dir, f"slot{i}.lock"), "a+")
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                return f
            except BlockingIOError:
                f.close()
        if not waited:
            print(f"[run_notebook] esperando turno ({slots} cuadernos a la vez como mucho)…", file=sys.stderr)
            waited = True
        time.sleep(0.5)


def coalesce_streams(nb):
    """Merges consecutive stream outputs of the same name (the kernel sends one message per line)."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        merged = []
        for out in cell.outputs:
            if (out.get("output_type") == "stream" and merged and merged[-1].get("output_type") == "stream"
                    and merged[-1].get("name") == out.get("name")):
                merged[-1]["text"] += out["text"]
            else:
                merged.append(out)
        cell.outputs = merged


def write_atomic(path, text):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description="Execute a notebook with the Deno Jupyter kernel.")
    ap.add_argument("notebook")
    ap.add_argument("--out", help="where to write the executed notebook (default: do not write)")
    ap.add_argument("--report", help="where to write a JSON report")
    ap.add_argument("--timeout", type=int, default=600, help="per-cell timeout in seconds")
    ap.add_argument("--drain", type=float, default=0.01, help="seconds of IOPub quiet after each cell")
    ap.add_argument("--final-drain", type=float, default=1.0, help="seconds of IOPub quiet after the last code cell")
    ap.add_argument("--expect-error", help="succeed only if execution stops at an error matching this regex")
    ap.add_argument("--kernel", default="deno")
    ap.add_argument("--slots", type=int, default=2, help="max notebooks executing at once on this machine")
    ap.add_argument("--slot-dir", default=None)
    args = ap.parse_args()

    exit_with_parent()
    os.environ["NO_COLOR"] = "1"
    if not os.environ.get("XDG_RUNTIME_DIR"):  # silences a Vulkan/WSI warning of the kernel
        runtime_dir = f"/tmp/runtime-{os.getuid()}"
        os.makedirs(runtime_dir, mode=0o700, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = runtime_dir
    nb_path = os.path.abspath(args.notebook)
    nb = nbformat.read(nb_path, as_version=4)
    slot_dir = args.slot_dir or os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "build",
                                             ".nbslots")
    slot = acquire_slot(slot_dir, max(1, args.slots))

    client = LateOutputClient(
        nb,
        drain=args.drain,
        final_drain=args.final_drain,
        timeout=args.timeout,
        kernel_name=args.kernel,
        iopub_timeout=30,
        record_timing=True,
        resources={"metadata": {"path": os.path.dirname(nb_path)}},
    )
    report = {"notebook": args.notebook, "status": "ok", "seconds": 0.0, "cells": len(nb.cells),
              "late_outputs": 0, "bad_messages": 0, "error": None, "peak_rss_mb": None}
    error = None
    start = time.monotonic()
    current = {"index": None}

    def on_cell_start(cell, cell_index, **_):
        current["index"] = cell_index

    client.on_cell_start = on_cell_start
    try:
        client.execute(preexec_fn=kernel_dies_with_runner)
    except CellExecutionError as e:
        error = {"ename": e.ename, "evalue": ANSI.sub("", str(e.evalue)), "traceback": ANSI.sub("", str(e))}
    except (DeadKernelError, TimeoutError, RuntimeError) as e:
        error = {"ename": type(e).__name__, "evalue": ANSI.sub("", str(e)), "traceback": ANSI.sub("", str(e))}
    finally:
        slot.close()
    report["seconds"] = round(time.monotonic() - start, 2)
    report["late_outputs"] = client.late_outputs
    report["bad_messages"] = client.bad_messages
    report["peak_rss_mb"] = client.peak_rss_mb

    if error is not None:
        idx = current["index"]
        cell = nb.cells[idx] if idx is not None and idx < len(nb.cells) else None
        code_number = sum(1 for c in nb.cells[: (idx or 0) + 1] if c.cell_type == "code") if cell else None
        error.update({"cell_index": idx, "code_cell": code_number, "source": cell.source if cell else ""})
        report["error"] = error
        report["status"] = "error"
        message = (
            f"{args.notebook}: error en la celda {idx} (celda de código nº {code_number})\n"
            f"{source_excerpt(cell.source) if cell else ''}\n{error['ename']}: {error['evalue']}"
        )
        print(message, file=sys.stderr)

    coalesce_streams(nb)
    if args.out:
        write_atomic(args.out, nbformat.writes(nb))
    if args.report:
        write_atomic(args.report, json.dumps(report, ensure_ascii=False, indent=1))

    if args.expect_error is not None:
        if error is None:
            print(f"{args.notebook}: se esperaba un error que cumpliera /{args.expect_error}/ y no hubo ninguno",
                  file=sys.stderr)
            return 1
        if not re.search(args.expect_error, error["evalue"]) and not re.search(args.expect_error, error["traceback"]):
            print(f"{args.notebook}: el error no cumple /{args.expect_error}/", file=sys.stderr)
            return 1
        return 0
    return 0 if error is None else 1


if __name__ == "__main__":
    sys.exit(main())
