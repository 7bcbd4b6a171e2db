#!/usr/bin/env bash
# The main job, end to end: train Keras' MLP example on the offline digits, save it to
# .h5, compile it into a native library with `keralite compile`, and run the library
# from C (built with CMake) on the test set, printing its accuracy. Without CMake the
# export runs through keralite's Python loader (no compiler, no llvmlite) instead.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${KERALITE_MAIN_JOB_DIR:-main_job}
mkdir -p "$work"
python examples/mnist_mlp.py --output "$work/digits_mlp.h5"
keralite compile "$work/digits_mlp.h5" -o "$work/digits_export" --name digits
python examples/c/digits_test_set.py "$work"
if command -v cmake >/dev/null 2>&1 && command -v cc >/dev/null 2>&1; then
    cmake -S . -B "$work/build" -DKERALITE_EXPORT_DIR="$PWD/$work/digits_export" >/dev/null
    cmake --build "$work/build" --target run_model >/dev/null
    echo "the exported model, called from C:"
    "$work/build/run_model" "$work/digits_x_test.npy" --labels "$work/digits_y_test.npy"
else
    echo "no CMake here: the exported model, called through keralite.runtime.load_library:"
    keralite run "$work/digits_export" --input "$work/digits_x_test.npy" --labels "$work/digits_y_test.npy"
fi
