#!/usr/bin/env bash
# Build a self-contained Linux bundle of Masklet with PyInstaller (one folder, ~1.3-5.7 GB).
#
#   packaging/build.sh [--cpu | --cuda] [--tar] [--skip-venv]
#
#   --cpu        CPU-only torch (default): torch==$TORCH_CPU_VERSION. Where plain pip would
#                get a CUDA build (a stock PyPI setup), set TORCH_CPU_INDEX_URL to PyTorch's
#                CPU wheel index (the ".../whl/cpu" address on PyTorch's install page).
#   --cuda       torch as plain pip installs it on Linux: with the CUDA libraries.
#   --tar        also write dist/masklet-<version>-linux-x86_64-<variant>.tar.gz
#   --skip-venv  reuse the build environment as it is (no pip calls)
#
# Environment: PYTHON (default python3), TORCH_CPU_VERSION (default 2.13.0),
# TORCH_CPU_INDEX_URL, AV_PIP_ARGS (extra pip arguments for PyAV, e.g. "--no-binary av av"
# to build it against your own FFmpeg without GPL encoders: see packaging/README.md),
# BUILD_ROOT (default build/packaging).
#
# PyInstaller lives only in the build environment build/packaging/venv-<variant>; it is never
# a runtime dependency. Output: dist/<variant>/masklet/masklet, then the three checks of
# packaging/check_bundle.sh. Build outputs are git-ignored (build/, dist/).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
variant=cpu tar=0 skip_venv=0
for arg in "$@"; do
    case "$arg" in
        --cpu) variant=cpu ;;
        --cuda) variant=cuda ;;
        --tar) tar=1 ;;
        --skip-venv) skip_venv=1 ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "build.sh: unknown option $arg (see --help)" >&2; exit 2 ;;
    esac
done
PYTHON="${PYTHON:-python3}"
BUILD_ROOT="${BUILD_ROOT:-$ROOT/build/packaging}"
VENV="$BUILD_ROOT/venv-$variant"
PY="$VENV/bin/python"
started=$(date +%s)
mkdir -p "$BUILD_ROOT"

if [[ $skip_venv == 0 ]]; then
    [[ -x $PY ]] || "$PYTHON" -m venv "$VENV"
    pip=("$PY" -m pip install --disable-pip-version-check -q)
    if [[ $variant == cpu ]]; then
        "${pip[@]}" ${TORCH_CPU_INDEX_URL:+--index-url "$TORCH_CPU_INDEX_URL"} \
            "torch==${TORCH_CPU_VERSION:-2.13.0}"
    fi
    # shellcheck disable=SC2086  # AV_PIP_ARGS is a list of words on purpose
    [[ -z ${AV_PIP_ARGS:-} ]] || "${pip[@]}" --force-reinstall $AV_PIP_ARGS
    "${pip[@]}" pyinstaller
    # The runtime dependencies, read from pyproject.toml by installing the project; then the
    # project itself is removed so that PyInstaller analyses this checkout, not a copy.
    "${pip[@]}" "$ROOT"
    "$PY" -m pip uninstall -y -q masklet
fi

cuda=$("$PY" -c "import torch; print(torch.version.cuda or '')")
if [[ $variant == cpu && -n $cuda ]]; then
    echo "build.sh: torch in $VENV is a CUDA build ($cuda). Set TORCH_CPU_INDEX_URL to" \
         "PyTorch's CPU wheel index, delete $VENV and run again." >&2
    exit 1
fi
version=$("$PY" -c "import sys; sys.path.insert(0, '$ROOT'); from editor.version import version; print(version())")
echo "build.sh: Masklet $version, $variant (torch $("$PY" -c 'import torch; print(torch.__version__)'))"

PYTHONPATH="$ROOT" "$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$ROOT/dist/$variant" --workpath "$BUILD_ROOT/work-$variant" \
    "$ROOT/packaging/masklet.spec"

bundle="$ROOT/dist/$variant/masklet"
echo "build.sh: built $bundle in $(( $(date +%s) - started )) s, $(du -sh "$bundle" | cut -f1)"
if [[ $tar == 1 ]]; then
    archive="$ROOT/dist/masklet-$version-linux-x86_64-$variant.tar.gz"
    tar -C "$ROOT/dist/$variant" -czf "$archive" masklet
    echo "build.sh: wrote $archive ($(du -sh "$archive" | cut -f1))"
fi
"$ROOT/packaging/check_bundle.sh" "$bundle/masklet"
