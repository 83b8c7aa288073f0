"""Python binding of libelectra (ELECTRA models in C) over ctypes.

    import electra
    model = electra.Model.from_pretrained("electra-small-generator")
    model.fill_mask("The capital of France is [MASK].")

The shared library is libelectra.so.1, found by the dynamic loader or named
by $ELECTRA_LIBRARY. Nothing here needs a compiler; numpy is optional (used
for arrays when importable).
"""

from ctypes import c_void_p

from ._library import LogFn, lib
from ._library import path as library_path
from ._library import text as _c_string
from .constants import (Aggregation, ClassifyFunction, Head, Info, Kernels, LogLevel, Option,
                        Output, Padding, Precision, SpecialToken, Status, Truncation,
                        WeightFormat)
from .errors import (BufferTooSmallError, ConfigError, ElectraError, ElectraIOError,
                     FormatError, InternalError, InvalidArgumentError, InvalidUTF8Error,
                     MissingTensorError, NoMaskError, OutOfMemoryError, ShapeError,
                     TooLongError, TruncationError, UnexpectedTensorError, UnsafePickleError,
                     UnsupportedError, WrongHeadError)
from .model import Model, ModelOutput
from .options import Options
from .tokenizer import BatchEncoding, Encoding, Tokenizer

__version__ = "1.0.0"


def version():
    """The version of the loaded library ("1.0.0")."""
    return _c_string(lib.electra_version_string())


def version_number():
    """MAJOR * 10000 + MINOR * 100 + PATCH of the loaded library."""
    return lib.electra_version_number()


def status_string(status):
    """The library's text for a status value."""
    return _c_string(lib.electra_status_string(int(status)))


def last_error():
    """The message of this thread's most recent failed library call."""
    return _c_string(lib.electra_last_error())


_log_callback = None  # the ctypes thunk must outlive its use by the library


def set_log_callback(fn, max_level=LogLevel.WARNING):
    """Receive the library's log messages as fn(level, message) for levels
    at or below max_level; None silences it (the default). Process-wide:
    call it before loading anything. Exceptions in fn are ignored."""
    global _log_callback
    if fn is None:
        lib.electra_set_log_callback(LogFn(), 0, None)
        _log_callback = None
        return

    def thunk(level, message, user):
        try:
            fn(level, _c_string(message))
        except Exception:  # never unwind into C
            pass
    new = LogFn(thunk)
    lib.electra_set_log_callback(new, int(max_level), c_void_p())
    _log_callback = new


__all__ = [
    "Aggregation", "BatchEncoding", "BufferTooSmallError", "ClassifyFunction", "ConfigError",
    "ElectraError", "ElectraIOError", "Encoding", "FormatError", "Head", "Info",
    "InternalError", "InvalidArgumentError", "InvalidUTF8Error", "Kernels", "LogLevel",
    "MissingTensorError", "Model", "ModelOutput", "NoMaskError", "Option", "Options",
    "OutOfMemoryError", "Output", "Padding", "Precision", "ShapeError", "SpecialToken",
    "Status", "Tokenizer", "TooLongError", "Truncation", "TruncationError",
    "UnexpectedTensorError", "UnsafePickleError", "UnsupportedError", "WeightFormat",
    "WrongHeadError", "last_error", "library_path", "set_log_callback", "status_string",
    "version", "version_number",
]
