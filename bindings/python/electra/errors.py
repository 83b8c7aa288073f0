"""Exceptions: one class per electra_status, under ElectraError.

Where a status has an obvious Python counterpart the class derives from it
too (InvalidArgumentError is a ValueError, ElectraIOError an OSError, ...),
so generic handlers keep working.
"""

from ._library import lib, text


class ElectraError(Exception):
    """A libelectra call failed. ``status`` is the electra_status value,
    ``message`` the library's explanation (electra_*_last_error())."""

    status = None

    def __init__(self, message, status=None):
        if status is not None:
            self.status = status
        self.message = message
        super().__init__(message)

    @property
    def status_name(self):
        """The library's name for the status (electra_status_string())."""
        return text(lib.electra_status_string(self.status or 0))


def _status_class(name, value, *bases, doc):
    return type(name, (ElectraError,) + bases, {"status": value, "__doc__": doc})


InvalidArgumentError = _status_class("InvalidArgumentError", 1, ValueError,
                                     doc="NULL handle, bad option, bad value.")
OutOfMemoryError = _status_class("OutOfMemoryError", 2, MemoryError,
                                 doc="An allocation failed.")
ElectraIOError = _status_class("ElectraIOError", 3, OSError,
                               doc="A file is missing or unreadable.")
InvalidUTF8Error = _status_class("InvalidUTF8Error", 4, UnicodeError,
                                 doc="Input text is not valid UTF-8.")
FormatError = _status_class("FormatError", 5, doc="A file is malformed.")
UnsafePickleError = _status_class("UnsafePickleError", 6,
                                  doc="A pickle goes beyond a state dict.")
UnsupportedError = _status_class("UnsupportedError", 7,
                                 doc="Valid, but not supported by libelectra.")
ConfigError = _status_class("ConfigError", 8, doc="config.json has an invalid value.")
MissingTensorError = _status_class("MissingTensorError", 9,
                                   doc="A weight the model needs is absent.")
UnexpectedTensorError = _status_class("UnexpectedTensorError", 10,
                                      doc="A weight file has an extra key.")
ShapeError = _status_class("ShapeError", 11, ValueError,
                           doc="A tensor or input has the wrong shape.")
TooLongError = _status_class("TooLongError", 12, ValueError,
                             doc="Input longer than the model allows.")
TruncationError = _status_class("TruncationError", 13, ValueError,
                                doc="The truncation asked for is impossible.")
BufferTooSmallError = _status_class("BufferTooSmallError", 14,
                                    doc="A caller buffer is too small.")
WrongHeadError = _status_class("WrongHeadError", 15,
                               doc="The model has no head for this task.")
NoMaskError = _status_class("NoMaskError", 16, ValueError,
                            doc="Fill-mask text has no [MASK].")
InternalError = _status_class("InternalError", 17, RuntimeError,
                              doc="A bug in libelectra: please report it.")

_BY_STATUS = {cls.status: cls for cls in (
    InvalidArgumentError, OutOfMemoryError, ElectraIOError, InvalidUTF8Error, FormatError,
    UnsafePickleError, UnsupportedError, ConfigError, MissingTensorError,
    UnexpectedTensorError, ShapeError, TooLongError, TruncationError, BufferTooSmallError,
    WrongHeadError, NoMaskError, InternalError)}


def error_for(status, message=None):
    """The exception for a status (ElectraError itself for a status this
    binding does not know: statuses are only ever appended)."""
    if not message:
        message = text(lib.electra_status_string(status))
    cls = _BY_STATUS.get(status)
    if cls is None:
        return ElectraError(message, status)
    return cls(message)


def check(status, handle_error=None):
    """Raise for a failed status. handle_error() gives the per-handle
    message (electra_context_last_error() ...); without one, or when it is
    empty, the thread's electra_last_error() is used."""
    if status == 0:
        return
    message = handle_error() if handle_error else None
    if not message:
        message = text(lib.electra_last_error())
    raise error_for(status, message)
