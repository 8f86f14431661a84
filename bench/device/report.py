#!/usr/bin/env python3
"""Prints the device bench table (bench/device/run.sh): ours vs PyTorch + PEFT, with ratios.

    python3 bench/device/report.py OURS.json PEFT.json
"""
import json
import sys


def traffic(r: dict) -> str:
    """Bytes of the last step (steady state), and the first step's upload where it differs (weights going up)."""
    t = r.get("stepTraffic")
    if not t:
        return "-"
    s = f"{size(t['sentBytes'])} / {size(t['fetchedBytes'])}"
    first = r.get("firstTraffic")
    if first and first["sentBytes"] > t["sentBytes"]:
        s += f" (first step up {size(first['sentBytes'])})"
    return s


def size(b: float) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if b >= scale:
            return f"{b / scale:.3g} {unit}"
    return f"{b:.0f} B"


def main() -> None:
    ours = json.load(open(sys.argv[1]))
    try:
        peft = json.load(open(sys.argv[2]))
    except (OSError, ValueError):
        peft = {"results": []}
    ref = {(r["shape"], r["precision"]): r for r in peft["results"]}
    adapter = (ours.get("adapter") or {}).get("name") or "?"
    print(f"ours: {ours['device']} on {adapter}; PyTorch {peft.get('torch')} on {peft.get('gpu') or 'the CPU (stand-in: no CUDA here)'}\n")
    print("| shape | ours | step ms | tokens/s | peak device MiB | host↔device per step (up / down) | PyTorch+PEFT | step ms | tokens/s | peak MiB | step ratio (ours/theirs) | memory ratio |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in ours["results"]:
        theirs = ref.get((r["shape"], "fp32" if r["precision"] == "fp32" else "bf16"), {})
        if "error" in r:
            print(f"| {r['shape']} | {r['precision']} ({r.get('strategy', '?')}) | error: {r['error'][:80]} | | | | | | | | | |")
            continue
        mem = r.get("peakDeviceMiB")
        tmem = theirs.get("peak_device_mib")
        step_ratio = f"{r['medianStepMs'] / theirs['median_step_ms']:.2f}x" if theirs.get("median_step_ms") else "-"
        mem_ratio = f"{mem / tmem:.2f}x" if mem is not None and tmem else "-"
        mem_s = f"{mem:.0f}" if mem is not None else f"n/a (RSS {r['peakRssMiB']:.0f})"
        t_step = f"{theirs['median_step_ms']:.1f}" if theirs.get("median_step_ms") else theirs.get("error", "-")[:60]
        t_tps = f"{theirs['tokens_per_second']:.0f}" if theirs.get("tokens_per_second") else "-"
        t_mem = f"{tmem:.0f}" if tmem else "-"
        print(f"| {r['shape']} | {r['precision']} ({r['strategy']}) | {r['medianStepMs']:.1f} | {r['tokensPerSecond']:.0f} | {mem_s} | {traffic(r)} | {theirs.get('precision', '-')} | {t_step} | {t_tps} | {t_mem} | {step_ratio} | {mem_ratio} |")


if __name__ == "__main__":
    main()
