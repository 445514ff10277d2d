#!/usr/bin/env python3
# The planner (`memory plan`) against measured reserved peaks (`memory --json`), every paper model, both modes.
# Run from the repository root after `dotnet build -c Release`: python3 benchmarks/plan-check.py 16 32 64
import json, re, subprocess, sys, datetime
import os
CLI = ["dotnet", os.environ.get("REVNET_CLI", "artifacts/bin/RevNet.Cli/release/RevNet.Cli.dll")]
models = {"revnet38": ["store", "reconstruct"], "revnet110": ["store", "reconstruct"], "revnet164": ["store", "reconstruct"],
          "resnet32": ["store"], "resnet110": ["store"], "resnet164": ["store"]}
batches = [int(b) for b in sys.argv[1:]] or [16, 32, 64]
print("start", datetime.datetime.utcnow().strftime("%H:%M:%S"), open("/proc/loadavg").read().split()[0], flush=True)
worst = 0
for m, modes in models.items():
    for mode in modes:
        for b in batches:
            out = subprocess.run(CLI + ["memory", "plan", "--model", m, "--mode", mode, "--batch", str(b), "--device", "host"],
                                 capture_output=True, text=True).stdout
            row = [l for l in out.splitlines() if l.startswith("│ " + mode)][0]
            cells = [c.strip() for c in row.split("│")[1:-1]]
            predicted = float(cells[5].split()[0])
            subprocess.run(CLI + ["memory", "--models", m, "--mode", mode, "--batch", str(b), "--steps", "1", "--device", "host",
                                  "--json", "plan-check.json"], capture_output=True, text=True)
            r = json.load(open("plan-check.json"))[0]
            reserved = r["reservedPeakBytes"] / 2**20
            err = (predicted - reserved) / reserved
            worst = max(worst, abs(err))
            print(f"{m} {mode} batch {b}: predicted {predicted:.1f} MiB, reserved {reserved:.1f} MiB, {100*err:+.2f}%", flush=True)
print(f"worst {100*worst:.2f}%  end", datetime.datetime.utcnow().strftime("%H:%M:%S"), flush=True)
