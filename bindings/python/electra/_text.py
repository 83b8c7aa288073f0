"""Text going into the library, and offsets coming back.

The library takes UTF-8 bytes and reports byte offsets. A str is encoded
here and its offsets are turned back into str indices (code points, as
transformers' offset mappings are), so that text[start:end] is the span.
bytes go in as they are (invalid UTF-8 reaches the library's own check)
and keep byte offsets.
"""

from itertools import accumulate


class Text:
    __slots__ = ("data", "_is_str", "_index")

    def __init__(self, value, name="text"):
        if isinstance(value, str):
            # surrogatepass: a lone surrogate becomes bytes the library
            # rejects as invalid UTF-8, like any other malformed input.
            self.data = value.encode("utf-8", "surrogatepass")
            self._is_str = not self.data.isascii()
        elif isinstance(value, (bytes, bytearray, memoryview)):
            self.data = bytes(value)
            self._is_str = False
        else:
            raise TypeError("%s must be str or bytes, not %s" % (name, type(value).__name__))
        self._index = None

    def __len__(self):
        return len(self.data)

    def offset(self, byte_offset):
        """A library byte offset as an index into what the caller gave."""
        if not self._is_str:
            return byte_offset
        if self._index is None:
            # code points before each byte: count the bytes that start a
            # UTF-8 sequence (everything but 10xxxxxx continuation bytes)
            self._index = list(accumulate(((b & 0xC0) != 0x80 for b in self.data), initial=0))
        return self._index[byte_offset]


def optional(value, name):
    return None if value is None else Text(value, name)


def c_args(text):
    """(pointer, length) arguments for an optional Text."""
    return (None, 0) if text is None else (text.data, len(text.data))
