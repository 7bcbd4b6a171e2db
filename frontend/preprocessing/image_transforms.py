"""Random affine transforms of one image array (keras.preprocessing.image's
random_rotation, random_shift, random_shear, random_zoom, ...), applied with SciPy.

An image is a 3D array; row_axis, col_axis and channel_axis say which axis is which.
"""
import numpy as np


def transform_matrix_offset_center(matrix, x, y):
    """Re-centres a 3x3 homogeneous transform so it acts about the image's centre.

    Rotations, shears and zooms are written about the origin, which is the image's
    corner; centring keeps the picture in view. The centre is that of the pixel grid,
    `(x - 1) / 2`: Keras 2.1.6 used `x / 2 + 0.5`, which moved rotated images by a pixel
    (later Keras releases fixed it the same way).

    # Arguments
        matrix: 3x3 Numpy array, the transform about the origin.
        x: the image's size along the first transformed axis.
        y: its size along the second.

    # Returns
        3x3 Numpy array.
    """
    o_x = float(x) / 2 - 0.5
    o_y = float(y) / 2 - 0.5
    offset_matrix = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
    reset_matrix = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
    return np.dot(np.dot(offset_matrix, matrix), reset_matrix)


def apply_transform(x, transform_matrix, channel_axis=0, fill_mode="nearest", cval=0.):
    """Applies a 3x3 affine matrix to each channel of an image.

    The matrix maps output coordinates (row, col) to input coordinates. Sampling is
    nearest-neighbour, as in Keras 2.1.6.

    # Arguments
        x: 3D Numpy array, one image.
        transform_matrix: 3x3 Numpy array.
        channel_axis: the index of the channels axis in `x`.
        fill_mode: how points outside the input are filled: `'constant'` (with
            `cval`), `'nearest'`, `'reflect'` or `'wrap'`.
        cval: the fill value for `'constant'`.

    # Returns
        The transformed image, of the shape of `x`.

    # Raises
        ImportError: when SciPy is not installed.
    """
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
    """The 3x3 homogeneous matrix of a rotation by `theta` radians, about the origin.

    Combine with `transform_matrix_offset_center` to act about the image's centre.

    # Arguments
        theta: the angle in radians.

    # Returns
        3x3 Numpy array.
    """
    return np.array([[np.cos(theta), -np.sin(theta), 0],
                     [np.sin(theta), np.cos(theta), 0],
                     [0, 0, 1]])


def shift_matrix(tx, ty):
    """The 3x3 homogeneous matrix of a translation by `(tx, ty)` pixels, about the origin.

    Combine with `transform_matrix_offset_center` to act about the image's centre.

    # Arguments
        tx: the shift along rows.
        ty: the shift along columns.

    # Returns
        3x3 Numpy array.
    """
    return np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]])


def shear_matrix(shear):
    """The 3x3 homogeneous matrix of a shear by the angle `shear` in radians, about the origin.

    Combine with `transform_matrix_offset_center` to act about the image's centre.

    # Arguments
        shear: the angle in radians.

    # Returns
        3x3 Numpy array.
    """
    return np.array([[1, -np.sin(shear), 0], [0, np.cos(shear), 0], [0, 0, 1]])


def zoom_matrix(zx, zy):
    """The 3x3 homogeneous matrix of a zoom by `zx` and `zy`, about the origin.

    Combine with `transform_matrix_offset_center` to act about the image's centre.

    # Arguments
        zx: the factor along rows (above 1 shows a smaller part).
        zy: the factor along columns.

    # Returns
        3x3 Numpy array.
    """
    return np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]])


def random_rotation(x, rg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.):
    """Rotates an image by an angle drawn uniformly in `[-rg, rg]` degrees.

    Data augmentation: the model sees tilted copies, so it does not learn that objects
    are always upright.

    # Arguments
        x: 3D Numpy array, one image.
        rg: the largest rotation, in degrees.
        row_axis: the index of the rows axis in `x`.
        col_axis: the index of the columns axis.
        channel_axis: the index of the channels axis.
        fill_mode: how points outside the image are filled: `'constant'` (with
            `cval`), `'nearest'`, `'reflect'` or `'wrap'`.
        cval: the fill value for `'constant'`.

    # Returns
        The rotated image.
    """
    theta = np.deg2rad(np.random.uniform(-rg, rg))
    h, w = x.shape[row_axis], x.shape[col_axis]
    matrix = transform_matrix_offset_center(rotation_matrix(theta), h, w)
    return apply_transform(x, matrix, channel_axis, fill_mode, cval)


def random_shift(x, wrg, hrg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.):
    """Shifts an image by random fractions of its height and width.

    # Arguments
        x: 3D Numpy array, one image.
        wrg: the largest shift as a fraction of the width.
        hrg: the largest shift as a fraction of the height.
        row_axis: the index of the rows axis in `x`.
        col_axis: the index of the columns axis.
        channel_axis: the index of the channels axis.
        fill_mode: how points outside the image are filled: `'constant'` (with
            `cval`), `'nearest'`, `'reflect'` or `'wrap'`.
        cval: the fill value for `'constant'`.

    # Returns
        The shifted image.
    """
    h, w = x.shape[row_axis], x.shape[col_axis]
    tx = np.random.uniform(-hrg, hrg) * h
    ty = np.random.uniform(-wrg, wrg) * w
    return apply_transform(x, shift_matrix(tx, ty), channel_axis, fill_mode, cval)


def random_shear(x, intensity, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.):
    """Shears an image by an angle drawn in `[-intensity, intensity]` degrees.

    # Arguments
        x: 3D Numpy array, one image.
        intensity: the largest shear angle, in degrees.
        row_axis: the index of the rows axis in `x`.
        col_axis: the index of the columns axis.
        channel_axis: the index of the channels axis.
        fill_mode: how points outside the image are filled: `'constant'` (with
            `cval`), `'nearest'`, `'reflect'` or `'wrap'`.
        cval: the fill value for `'constant'`.

    # Returns
        The sheared image.
    """
    shear = np.deg2rad(np.random.uniform(-intensity, intensity))
    h, w = x.shape[row_axis], x.shape[col_axis]
    matrix = transform_matrix_offset_center(shear_matrix(shear), h, w)
    return apply_transform(x, matrix, channel_axis, fill_mode, cval)


def random_zoom(x, zoom_range, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.):
    """Zooms each axis of an image by a factor drawn in `zoom_range`.

    A factor above 1 shows a smaller part of the image (zooms in).

    # Arguments
        x: 3D Numpy array, one image.
        zoom_range: tuple `(lower, upper)` of the factors.
        row_axis: the index of the rows axis in `x`.
        col_axis: the index of the columns axis.
        channel_axis: the index of the channels axis.
        fill_mode: how points outside the image are filled: `'constant'` (with
            `cval`), `'nearest'`, `'reflect'` or `'wrap'`.
        cval: the fill value for `'constant'`.

    # Returns
        The zoomed image.

    # Raises
        ValueError: when `zoom_range` does not hold two values.
    """
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
    """Adds to each channel its own offset drawn in `[-intensity, intensity]`.

    Values are clipped to the image's original range. Makes a model less sensitive to
    colour casts.

    # Arguments
        x: 3D Numpy array, one image.
        intensity: the largest offset.
        channel_axis: the index of the channels axis.

    # Returns
        The shifted image.
    """
    x = np.rollaxis(x, channel_axis, 0)
    min_x, max_x = np.min(x), np.max(x)
    channels = [np.clip(channel + np.random.uniform(-intensity, intensity), min_x, max_x) for channel in x]
    return np.rollaxis(np.stack(channels, axis=0), 0, channel_axis + 1)


def random_brightness(x, brightness_range):
    """Scales an image by a factor drawn in `brightness_range` (1 keeps it).

    Values are clipped to [0, 255], as PIL's brightness enhancer does for 8-bit images.

    # Arguments
        x: Numpy array, one image with values in [0, 255].
        brightness_range: tuple `(lower, upper)` of the factors.

    # Returns
        The image, in the dtype of `x`.

    # Raises
        ValueError: when `brightness_range` does not hold two values.
    """
    if len(brightness_range) != 2:
        raise ValueError("`brightness_range should be tuple or list of two floats. Received: %s"
                         % (brightness_range,))
    factor = np.random.uniform(brightness_range[0], brightness_range[1])
    return np.clip(x * factor, 0, 255).astype(x.dtype)


def flip_axis(x, axis):
    """Mirrors an image along one axis (horizontal or vertical flip).

    # Arguments
        x: Numpy array.
        axis: the axis to reverse.

    # Returns
        The flipped array.
    """
    return np.flip(np.asarray(x), axis)
