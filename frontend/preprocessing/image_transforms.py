"""Random affine transforms of one image array (keras.preprocessing.image's
random_rotation, random_shift, random_shear, random_zoom, ...), applied with SciPy.

An image is a 3D array; row_axis, col_axis and channel_axis say which axis is which.
"""
import numpy as np


def transform_matrix_offset_center(matrix, x, y):
    """`matrix` (3x3, homogeneous) re-centred so it acts about the centre of an x-by-y
    image instead of its corner. The centre is that of the pixel grid, (x - 1) / 2:
    Keras 2.1.6 used x / 2 + 0.5, which moved rotated images by a pixel (later Keras
    releases fixed it the same way)."""
    o_x = float(x) / 2 - 0.5
    o_y = float(y) / 2 - 0.5
    offset_matrix = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
    reset_matrix = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
    return np.dot(np.dot(offset_matrix, matrix), reset_matrix)


def apply_transform(x, transform_matrix, channel_axis=0, fill_mode="nearest", cval=0.):
    """Apply a 3x3 affine matrix to each channel of the image `x` (a 3D array). The
    matrix maps output coordinates (row, col) to input coordinates; points outside
    the input are filled per `fill_mode` ('constant' with `cval`, 'nearest',
    'reflect' or 'wrap'). Sampling is nearest-neighbour, as in Keras 2.1.6."""
    try:
        from scipy import ndimage
    except ImportError:
        raise ImportError("Image transformations require SciPy. Install SciPy.")
    x = np.rollaxis(x, channel_axis, 0)
    affine = transform_matrix[:2, :2]
    offset = transform_matrix[:2, 2]
    channels = [ndimage.affine_transform(channel, affine, offset, order=0, mode=fill_mode, cval=cval)
                for channel in x]
    return np.rollaxis(np.stack(channels, axis=0), 0, channel_axis + 1)


def rotation_matrix(theta):
    return np.array([[np.cos(theta), -np.sin(theta), 0],
                     [np.sin(theta), np.cos(theta), 0],
                     [0, 0, 1]])


def shift_matrix(tx, ty):
    return np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]])


def shear_matrix(shear):
    return np.array([[1, -np.sin(shear), 0], [0, np.cos(shear), 0], [0, 0, 1]])


def zoom_matrix(zx, zy):
    return np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]])


def random_rotation(x, rg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.):
    """Rotate the image by an angle drawn uniformly in [-rg, rg] degrees."""
    theta = np.deg2rad(np.random.uniform(-rg, rg))
    h, w = x.shape[row_axis], x.shape[col_axis]
    matrix = transform_matrix_offset_center(rotation_matrix(theta), h, w)
    return apply_transform(x, matrix, channel_axis, fill_mode, cval)


def random_shift(x, wrg, hrg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.):
    """Shift the image by fractions drawn in [-hrg, hrg] of its height and [-wrg, wrg]
    of its width."""
    h, w = x.shape[row_axis], x.shape[col_axis]
    tx = np.random.uniform(-hrg, hrg) * h
    ty = np.random.uniform(-wrg, wrg) * w
    return apply_transform(x, shift_matrix(tx, ty), channel_axis, fill_mode, cval)


def random_shear(x, intensity, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.):
    """Shear the image by an angle drawn in [-intensity, intensity] degrees."""
    shear = np.deg2rad(np.random.uniform(-intensity, intensity))
    h, w = x.shape[row_axis], x.shape[col_axis]
    matrix = transform_matrix_offset_center(shear_matrix(shear), h, w)
    return apply_transform(x, matrix, channel_axis, fill_mode, cval)


def random_zoom(x, zoom_range, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.):
    """Zoom each axis by a factor drawn in `zoom_range` = (lower, upper) (a factor
    above 1 shows a smaller part of the image)."""
    if len(zoom_range) != 2:
        raise ValueError("`zoom_range` should be a tuple or list of two floats. Received arg: ", zoom_range)
    if zoom_range[0] == 1 and zoom_range[1] == 1:
        zx, zy = 1, 1
    else:
        zx, zy = np.random.uniform(zoom_range[0], zoom_range[1], 2)
    h, w = x.shape[row_axis], x.shape[col_axis]
    matrix = transform_matrix_offset_center(zoom_matrix(zx, zy), h, w)
    return apply_transform(x, matrix, channel_axis, fill_mode, cval)


def random_channel_shift(x, intensity, channel_axis=0):
    """Add to each channel its own offset drawn in [-intensity, intensity], clipped to
    the image's original value range."""
    x = np.rollaxis(x, channel_axis, 0)
    min_x, max_x = np.min(x), np.max(x)
    channels = [np.clip(channel + np.random.uniform(-intensity, intensity), min_x, max_x) for channel in x]
    return np.rollaxis(np.stack(channels, axis=0), 0, channel_axis + 1)


def random_brightness(x, brightness_range):
    """Scale the image by a factor drawn in `brightness_range` (1 keeps it), clipped
    to [0, 255] as PIL's brightness enhancer does for 8-bit images."""
    if len(brightness_range) != 2:
        raise ValueError("`brightness_range should be tuple or list of two floats. Received: %s"
                         % (brightness_range,))
    factor = np.random.uniform(brightness_range[0], brightness_range[1])
    return np.clip(x * factor, 0, 255).astype(x.dtype)


def flip_axis(x, axis):
    """The image mirrored along `axis`."""
    return np.flip(np.asarray(x), axis)
