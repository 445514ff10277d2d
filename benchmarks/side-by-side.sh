#!/usr/bin/env bash
# Side by side: our training step (`memory` rows, Host backend) and the PyTorch CPU peer
# (../shared/peers/torch_revnet.py bench) on the same shapes and thread count, run alternately
# in the same minutes so that machine drift hits both. Prints each side's median step time and
# ours / PyTorch. Compare ratios, never absolute times across runs.
#
# Usage (from the repository root):
#   benchmarks/side-by-side.sh [--models "revnet110 resnet110"] [--modes "reconstruct store"]
#                              [--batch 128] [--steps 3] [--rounds 1] [--threads 2]
# ResNets run in store mode only. Needs Debian's PyTorch: sudo apt-get install -y python3-torch
set -euo pipefail

models="revnet110 resnet110"
modes="reconstruct store"
batch=128
steps=3
rounds=1
threads=2
peer="${PEER:-../shared/peers/torch_revnet.py}"
python="${PYTHON:-/usr/bin/python3}"

while [[ $# -gt 0 ]]; do
    case "$1" in
        --models) models="$2"; shift 2 ;;
        --modes) modes="$2"; shift 2 ;;
        --batch) batch="$2"; shift 2 ;;
        --steps) steps="$2"; shift 2 ;;
        --rounds) rounds="$2"; shift 2 ;;
        --threads) threads="$2"; shift 2 ;;
        -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "error: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

if [[ ! -f "$peer" ]]; then
    echo "error: the PyTorch peer script $peer is missing (set PEER=path/to/torch_revnet.py)." >&2
    exit 2
fi

if ! "$python" -c 'import torch' 2>/dev/null; then
    echo "error: $python cannot import torch. Install Debian's PyTorch: sudo apt-get install -y python3-torch" >&2
    exit 2
fi

dotnet build -c Release examples/RevNet.Cli -v quiet -nologo >/dev/null
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

ours() { # model mode -> median step ms
    rm -f "$work/ours.json"
    DOTNET_PROCESSOR_COUNT="$threads" dotnet run -c Release --no-build --project examples/RevNet.Cli -- \
        memory --models "$1" --mode "$2" --batch "$batch" --steps "$steps" --device host --json "$work/ours.json" >/dev/null
    "$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["stepMs"])' "$work/ours.json"
}

theirs() { # model mode -> median step ms
    # The peer's published figures keep freed memory in the heap (like a caching allocator).
    GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=68719476736 \
        "$python" "$peer" bench --model "$1" --mode "$2" --batch "$batch" --warmup 1 --steps "$steps" \
        --threads "$threads" --no-profile \
        | "$python" -c 'import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])["step_ms_median"])'
}

printf '%-12s %-12s %6s %12s %12s %10s\n' model mode batch "ours ms" "pytorch ms" "ours/pt"
for model in $models; do
    for mode in $modes; do
        if [[ "$model" == resnet* && "$mode" != store ]]; then
            continue
        fi

        for ((r = 0; r < rounds; r++)); do
            a="$(ours "$model" "$mode")"
            b="$(theirs "$model" "$mode")"
            "$python" -c 'import sys; m, mode, n, a, b = sys.argv[1:]; a, b = float(a), float(b)
print(f"{m:<12} {mode:<12} {n:>6} {a:>12.0f} {b:>12.0f} {a / b:>9.2f}x")' "$model" "$mode" "$batch" "$a" "$b"
        done
    done
done
echo "(median step times; ${threads} threads each; ours first, then PyTorch, per row)"
