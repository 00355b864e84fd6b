#!/usr/bin/env bash
# The three checks a built bundle must pass (run by build.sh; on demand, not in CI):
#   1. `masklet --help` prints the usage;
#   2. `masklet info CLIP` reports the generated clip's frame count, rate and size;
#   3. the editor opens that clip offscreen and closes by itself (`--quit-after`); the clip
#      must have reached the recent-files list, i.e. it was decoded inside the bundle.
#
#   packaging/check_bundle.sh [BUNDLE_EXE]     (default dist/cpu/masklet/masklet)
#
# The clip is written by rendering.synthetic with CHECK_PYTHON (default: the project's
# .venv, else python3 with numpy and av). Settings, caches and autosaves go to a temporary
# folder, so the check never touches the user's own.
set -uo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
exe="$(realpath "${1:-$ROOT/dist/cpu/masklet/masklet}")"
CHECK_PYTHON="${CHECK_PYTHON:-$ROOT/.venv/bin/python}"
[[ -x $CHECK_PYTHON ]] || CHECK_PYTHON=python3
[[ -x $exe ]] || { echo "check_bundle: no bundle at $exe (run packaging/build.sh)" >&2; exit 2; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export XDG_CONFIG_HOME="$tmp/config" XDG_CACHE_HOME="$tmp/cache" XDG_DATA_HOME="$tmp/data"
export MASKLET_MODELS_DIR="$tmp/models"
failed=0
report() {  # name, status, seconds, detail
    printf 'check_bundle: %-5s %-4s %5.1f s  %s\n' "$1" "$2" "$3" "$4"
    [[ $2 == ok ]] || failed=1
}
seconds() { python3 -c "import time; print(time.time())"; }

# 1. --help
t0=$(seconds)
if "$exe" --help >"$tmp/help.txt" 2>&1 && grep -q "usage: masklet" "$tmp/help.txt"; then
    report help ok "$(echo "$(seconds) - $t0" | bc)" "$("$exe" --version 2>&1)"
else
    report help FAIL "$(echo "$(seconds) - $t0" | bc)" "$(tail -3 "$tmp/help.txt")"
fi

# 2. info on a generated clip (48 frames, 24 fps, 160x96, with audio)
PYTHONPATH="$ROOT" "$CHECK_PYTHON" - "$tmp/clip.mp4" <<'PY' || { echo "check_bundle: cannot write the clip" >&2; exit 2; }
import sys
from fractions import Fraction

from rendering.synthetic import SyntheticClip

SyntheticClip(width=160, height=96, num_frames=48, fps=Fraction(24)).write(sys.argv[1])
PY
t0=$(seconds)
if "$exe" info "$tmp/clip.mp4" >"$tmp/info.json" 2>"$tmp/info.err" && python3 - "$tmp/info.json" <<'PY'
import json
import sys

info = json.load(open(sys.argv[1]))
flat = json.dumps(info)
assert info["frame_count"] == 48 and info["avg_rate"] == "24/1", flat
assert (info["width"], info["height"]) == (160, 96) and len(info["audio"]) == 1, flat
PY
then
    report info ok "$(echo "$(seconds) - $t0" | bc)" "$(tr -d '\n ' <"$tmp/info.json" | cut -c1-100)"
else
    report info FAIL "$(echo "$(seconds) - $t0" | bc)" "$(cat "$tmp/info.json" "$tmp/info.err" | tail -5)"
fi

# 3. the GUI, offscreen: open the clip, close after 8 s
t0=$(seconds)
QT_QPA_PLATFORM=offscreen timeout 180 "$exe" "$tmp/clip.mp4" --quit-after 8 >"$tmp/gui.log" 2>&1
rc=$?
conf="$XDG_CONFIG_HOME/Masklet/Masklet.conf"
if [[ $rc == 0 ]] && ! grep -q Traceback "$tmp/gui.log" && grep -q "clip.mp4" "$conf" 2>/dev/null; then
    report gui ok "$(echo "$(seconds) - $t0" | bc)" "window opened the clip and closed (exit 0)"
else
    report gui FAIL "$(echo "$(seconds) - $t0" | bc)" "exit $rc; $(tail -5 "$tmp/gui.log")"
fi
# Not a check, a fact for the licence: does this bundle ship FFmpeg's GPL encoders?
gpl=$(find "$(dirname "$exe")" -name 'libx264*' -o -name 'libx265*' | xargs -r -n1 basename | sort -u)
if [[ -n $gpl ]]; then
    echo "check_bundle: ships GPL encoders ($(echo $gpl)): distribute it under GPL-2.0-or-later"
else
    echo "check_bundle: no GPL encoders (x264/x265) inside: FFmpeg is LGPL-2.1-or-later here"
fi
exit $failed
