#!/usr/bin/env python3
"""Prints the device bench table (bench/device/run.sh): ours vs PyTorch + PEFT, with ratios.

    python3 bench/device/report.py OURS.json PEFT.json
"""
import json
import sys


def main() -> None:
    ours = json.load(open(sys.argv[1]))
    try:
        peft = json.load(open(sys.argv[2]))
    except (OSError, ValueError):
        peft = {"results": []}
    ref = {(r["shape"], r["precision"]): r for r in peft["results"]}
    adapter = (ours.get("adapter") or {}).get("name") or "?"
    print(f"ours: {ours['device']} on {adapter}; PyTorch {peft.get('torch')} on {peft.get('gpu') or 'the CPU (stand-in: no CUDA here)'}\n")
    print("| shape | ours | step ms | tokens/s | peak device MiB | PyTorch+PEFT | step ms | tokens/s | peak MiB | step ratio (ours/theirs) | memory ratio |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in ours["results"]:
        theirs = ref.get((r["shape"], "fp32" if r["precision"] == "fp32" else "bf16"), {})
        if "error" in r:
            print(f"| {r['shape']} | {r['precision']} | error: {r['error'][:80]} | | | | | | | | |")
            continue
        mem = r.get("peakDeviceMiB")
        tmem = theirs.get("peak_device_mib")
        step_ratio = f"{r['medianStepMs'] / theirs['median_step_ms']:.2f}x" if theirs.get("median_step_ms") else "-"
        mem_ratio = f"{mem / tmem:.2f}x" if mem is not None and tmem else "-"
        mem_s = f"{mem:.0f}" if mem is not None else f"n/a (RSS {r['peakRssMiB']:.0f})"
        t_step = f"{theirs['median_step_ms']:.1f}" if theirs.get("median_step_ms") else theirs.get("error", "-")[:60]
        t_tps = f"{theirs['tokens_per_second']:.0f}" if theirs.get("tokens_per_second") else "-"
        t_mem = f"{tmem:.0f}" if tmem else "-"
        print(f"| {r['shape']} | {r['precision']} ({r['strategy']}) | {r['medianStepMs']:.1f} | {r['tokensPerSecond']:.0f} | {mem_s} | {theirs.get('precision', '-')} | {t_step} | {t_tps} | {t_mem} | {step_ratio} | {mem_ratio} |")


if __name__ == "__main__":
    main()
