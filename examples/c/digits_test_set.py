"""Write the test split of the digits that examples/mnist_mlp.py trains on, for the C example:

    python examples/c/digits_test_set.py [OUT_DIR]

writes OUT_DIR/digits_x_test.npy (float32, 450 x 64, pixels scaled to 0..1) and
OUT_DIR/digits_y_test.npy (int64 labels); then, with the model compiled by
`keralite compile digits_mlp.h5 -o digits_export --name digits`,

    run_model digits_x_test.npy --labels digits_y_test.npy

prints its accuracy from C.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from mnist_mlp import load_data  # noqa: E402  (the same split the model was trained with)


def main(out_dir="."):
    _, x_test, _, y_test = load_data()
    os.makedirs(out_dir, exist_ok=True)
    np.save(os.path.join(out_dir, "digits_x_test.npy"), x_test.astype("float32"))
    np.save(os.path.join(out_dir, "digits_y_test.npy"), y_test.astype("int64"))
    print(f"wrote {len(x_test)} test digits to {out_dir}/digits_x_test.npy and digits_y_test.npy")


if __name__ == "__main__":
    main(*sys.argv[1:2])
