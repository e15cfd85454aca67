#!/usr/bin/env bash
# Execute the notebooks headless on the tslab kernel.
#   bash notebooks/run.sh                 full size: figures written to notebooks/figures/
#   DMFLOW_QUICK=1 bash notebooks/run.sh  quick mode (CI): small sizes, figures to a temp folder
#   bash notebooks/run.sh --kernel-only   only install the kernel; then
#                                         JUPYTER_PATH=notebooks/.jupyter jupyter lab   (interactive)
# tslab compiles cells with the kernel's working directory as TypeScript's
# rootDir, so the "dmflow" kernel starts at the repository root and the
# notebooks import ./src/index.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
spec="$root/notebooks/.jupyter/kernels/dmflow"
mkdir -p "$spec"
cat > "$spec/kernel.json" <<JSON
{"argv": ["sh", "-c", "cd '$root' && exec '$root/node_modules/.bin/tslab' kernel --config-path \"\$0\"", "{connection_file}"],
 "display_name": "TypeScript (dmflow)", "language": "typescript"}
JSON
[ "${1:-}" = "--kernel-only" ] && exit 0
export JUPYTER_PATH="$root/notebooks/.jupyter"
export PATH="$root/node_modules/.bin:$PATH"
out="$(mktemp -d)"
cd "$root"
status=0
for nb in notebooks/*.ipynb; do
  name="$(basename "$nb" .ipynb)"
  start=$(date +%s)
  if jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=-1 "$nb" --output-dir "$out" --output "$name" > "$out/$name.log" 2>&1; then
    echo "notebook $name: ok ($(( $(date +%s) - start )) s)"
  else
    echo "notebook $name: FAILED"; tail -n 30 "$out/$name.log"; status=1
  fi
done
exit $status
