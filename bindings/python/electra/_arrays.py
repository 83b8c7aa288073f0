"""Integer inputs in, float outputs out: numpy arrays when numpy can be
imported, nested lists otherwise. Inputs are checked here, before any C
call, so that a float array or a ragged list gives a TypeError/ValueError
naming the argument instead of garbage ids."""

import numbers
from ctypes import POINTER, c_float, c_int32

try:
    import numpy
except ImportError:  # pragma: no cover - exercised on systems without numpy
    numpy = None

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1


class IntMatrix:
    """A C-contiguous int32 matrix and a pointer to it (kept alive here)."""

    __slots__ = ("rows", "cols", "ptr", "_keep")

    def __init__(self, rows, cols, ptr, keep):
        self.rows, self.cols, self.ptr, self._keep = rows, cols, ptr, keep


def _from_numpy(a, name, allow_bool):
    kind = a.dtype.kind
    if kind not in "iu" and not (allow_bool and kind == "b"):
        raise TypeError("%s must hold integers, not %s" % (name, a.dtype))
    if a.ndim == 1:
        a = a.reshape(1, -1)
    elif a.ndim != 2:
        raise ValueError("%s must be 1-D or 2-D (batch, seq), not %d-D" % (name, a.ndim))
    if a.size and kind != "b" and (a.dtype.itemsize > 4 or kind == "u"):
        lo, hi = int(a.min()), int(a.max())
        if lo < INT32_MIN or hi > INT32_MAX:
            raise ValueError("%s holds values outside int32" % name)
    a = numpy.ascontiguousarray(a, dtype=numpy.int32)
    return a.shape[0], a.shape[1], a.ctypes.data_as(POINTER(c_int32)), a


def _is_int(x, allow_bool):
    return isinstance(x, numbers.Integral) and (allow_bool or not isinstance(x, bool))


def _from_lists(value, name, allow_bool):
    rows = list(value)
    if rows and not isinstance(rows[0], (list, tuple)) and not (
            numpy is not None and isinstance(rows[0], numpy.ndarray)):
        rows = [rows]  # one sequence
    cols = len(rows[0]) if rows else 0
    flat = []
    for i, row in enumerate(rows):
        if not isinstance(row, (list, tuple)) and not (
                numpy is not None and isinstance(row, numpy.ndarray)):
            raise TypeError("%s row %d is a %s, not a list" % (name, i, type(row).__name__))
        if len(row) != cols:
            raise ValueError("%s rows differ in length (%d and %d): pad them"
                             % (name, cols, len(row)))
        for x in row:
            if not _is_int(x, allow_bool):
                raise TypeError("%s must hold integers, not %s" % (name, type(x).__name__))
            if not INT32_MIN <= x <= INT32_MAX:
                raise ValueError("%s holds %d, outside int32" % (name, x))
        flat.extend(int(x) for x in row)
    buf = (c_int32 * len(flat))(*flat)
    return len(rows), cols, buf, buf


def int_matrix(value, name, shape=None, allow_bool=False):
    """value (a (batch, seq) or (seq,) integer array or nested list) as an
    IntMatrix; shape, when given, is the (batch, seq) it must have."""
    if numpy is not None and isinstance(value, numpy.ndarray):
        rows, cols, ptr, keep = _from_numpy(value, name, allow_bool)
    elif isinstance(value, (list, tuple)):
        rows, cols, ptr, keep = _from_lists(value, name, allow_bool)
    else:
        raise TypeError("%s must be a list or a numpy array of integers, not %s"
                        % (name, type(value).__name__))
    if not rows or not cols:
        raise ValueError("%s is empty" % name)
    if shape is not None and (rows, cols) != shape:
        raise ValueError("%s has shape (%d, %d), input_ids (%d, %d)"
                         % ((name, rows, cols) + shape))
    return IntMatrix(rows, cols, ptr, keep)


def int_vector(value, name):
    """A 1-D sequence of ints (token ids) as (count, pointer, keep-alive)."""
    nested = (getattr(value, "ndim", 1) != 1 if numpy is not None
              and isinstance(value, numpy.ndarray)
              else isinstance(value, (list, tuple)) and len(value)
              and isinstance(value[0], (list, tuple)))
    if nested:
        raise ValueError("%s must be 1-D" % name)
    if not len(value):
        return 0, None, None
    m = int_matrix(value, name)
    return m.cols, m.ptr, m


def _nest(flat, shape):
    if len(shape) == 1:
        return flat
    step = len(flat) // shape[0]
    return [_nest(flat[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]


def float_array(shape, fill, as_numpy):
    """An array of shape filled by fill(pointer, count): numpy float32 when
    as_numpy (None: when numpy is importable), else nested lists."""
    count = 1
    for n in shape:
        count *= n
    if as_numpy is None:
        as_numpy = numpy is not None
    if as_numpy:
        if numpy is None:
            raise RuntimeError("numpy is not installed")
        out = numpy.empty(shape, dtype=numpy.float32)
        fill(out.ctypes.data_as(POINTER(c_float)), count)
        return out
    buf = (c_float * count)()
    fill(buf, count)
    return _nest(buf[:], list(shape))
