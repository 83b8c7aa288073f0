"""electra_options: every tunable of the library, typed and checked by it."""

import contextlib
import numbers
from ctypes import byref, c_double, c_int64

from ._handles import HandleState, Resource
from ._library import OptionsP, lib, text
from .constants import FLOAT_OPTIONS, Option, Truncation, pick
from .errors import check


class Options(Resource):
    """An electra_options handle. Keys are Option members, their values or
    their names ("max_length"); values are checked by the library
    (InvalidArgumentError with its message when out of range)::

        with Options(threads=2, truncation=Truncation.LONGEST_FIRST) as o:
            o.get("threads")  # 2
    """

    def __init__(self, **values):
        ptr = OptionsP()
        check(lib.electra_options_create(byref(ptr)))
        self._own(HandleState("options", ptr, lib.electra_options_free))
        for key, value in values.items():
            self.set(key, value)

    def _error(self):
        return text(lib.electra_options_last_error(self._state.ptr))

    def set_int(self, key, value):
        key = pick(Option, key, "option")
        with self._state as ptr:
            check(lib.electra_options_set_int(ptr, key, int(value)), self._error)

    def set_float(self, key, value):
        key = pick(Option, key, "option")
        with self._state as ptr:
            check(lib.electra_options_set_float(ptr, key, float(value)), self._error)

    def get_int(self, key):
        key = pick(Option, key, "option")
        value = c_int64()
        with self._state as ptr:
            check(lib.electra_options_get_int(ptr, key, byref(value)))
        return value.value

    def get_float(self, key):
        key = pick(Option, key, "option")
        value = c_double()
        with self._state as ptr:
            check(lib.electra_options_get_float(ptr, key, byref(value)))
        return value.value

    def set(self, key, value):
        """Set an option; the float one (THRESHOLD) takes a float, the rest
        an int (True/False are 1/0)."""
        key = pick(Option, key, "option")
        if key in FLOAT_OPTIONS:
            self.set_float(key, value)
        else:
            if not isinstance(value, numbers.Integral):
                raise TypeError("option %s takes an int, not %s"
                                % (key.name.lower(), type(value).__name__))
            self.set_int(key, value)
        return self

    def get(self, key):
        """The value set, or the library's default."""
        key = pick(Option, key, "option")
        return self.get_float(key) if key in FLOAT_OPTIONS else self.get_int(key)


def truncation_value(truncation):
    """transformers' spelling: False/None = none, True = longest_first, or a
    strategy name."""
    if truncation is None or truncation is False:
        return Truncation.NONE
    if truncation is True:
        return Truncation.LONGEST_FIRST
    return pick(Truncation, truncation, "truncation")


@contextlib.contextmanager
def scoped(**values):
    """An options pointer holding the values that are not None (NULL, the
    library's defaults, when there are none), freed after the block."""
    values = {k: v for k, v in values.items() if v is not None}
    if not values:
        yield None
        return
    options = Options(**values)
    try:
        yield options._state.ptr
    finally:
        options.close()
