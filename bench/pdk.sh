#!/usr/bin/env bash
# PDK-sized decks (bench/gen_pdk.py: the sky130 layout, BINS model bins in one MOSFET
# subcircuit, every instance reading every bin, INSTANCES xschem-style instances): kirchhoff op
# against the ngspice program on the same file, whole processes, interleaved (timing.sh: 5
# rounds of three kirchhoff runs and one ngspice run; the ratio is the median of the rounds').
# Then the answers against each other (kirchhoff op --compare) on the first size.
# Usage: bench/pdk.sh [KIRCHHOFF_BINARY] [BINS:INSTANCES ...]   (default 20:50 60:200 20:1000)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kirchhoff=${1:-$here/../build/release/cli/kirchhoff}
shift || true
sizes=("$@")
((${#sizes[@]})) || sizes=(20:50 60:200 20:1000)
out=$here/out
mkdir -p "$out"
# shellcheck source=bench/timing.sh
source "$here/timing.sh"

printf '%-6s %10s %12s %12s %10s\n' bins instances kirchhoff_s ngspice_s ratio
for size in "${sizes[@]}"; do
  bins=${size%%:*} instances=${size##*:}
  file=$out/pdk_${bins}_$instances.cir
  [[ -s $file ]] || "$here/gen_pdk.py" "$bins" "$instances" "$file"
  read -r kt nt ratio < <(interleaved 5 "$kirchhoff" op --quiet --csv "$file" -- ngspice -b "$file")
  printf '%-6s %10s %12s %12s %10s\n' "$bins" "$instances" "$kt" "$nt" "$ratio"
done
first=${sizes[0]}
echo "answer check on ${first%%:*} bins, ${first##*:} instances (kirchhoff op --compare):"
"$kirchhoff" op --quiet --compare "$out/pdk_${first%%:*}_${first##*:}.cir" | sed 's/^/  /'
