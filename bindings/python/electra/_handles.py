"""Lifetime of C handles: deterministic close(), close on garbage
collection, no use after close, and per-thread scratch handles.

A loaded model or tokenizer may be used by many threads at once; what a
call writes (an electra_context, an electra_encoding) must belong to one
thread. Each thread therefore gets its own scratch handle on first use; it
is freed when the thread ends or when the owner is closed.
"""

import threading
import weakref


class _Slot:
    """One per-thread scratch handle, freed exactly once."""

    __slots__ = ("ptr", "_free", "_lock", "__weakref__")

    def __init__(self, ptr, free):
        self.ptr = ptr
        self._free = free
        self._lock = threading.Lock()

    def release(self):
        with self._lock:
            ptr, self.ptr = self.ptr, None
        if ptr:
            self._free(ptr)

    # The thread that owned it ended (its threading.local dict went away).
    __del__ = release


class HandleState:
    """Everything a wrapper owns, kept apart from the wrapper itself so that
    weakref.finalize can free it without keeping the wrapper alive.

    ``free`` is None for a borrowed handle (a model's tokenizer); ``parent``
    is the owner's state: using the child uses the parent too, so closing
    the parent waits for the child's calls and then forbids them.
    """

    def __init__(self, kind, ptr, free, parent=None):
        self.kind = kind
        self.ptr = ptr
        self._free = free
        self._parent = parent
        self._cond = threading.Condition()
        self._busy = 0
        self.closed = False
        self._local = threading.local()
        self._slots = weakref.WeakSet()

    def acquire(self):
        if self._parent is not None:
            self._parent.acquire()
        with self._cond:
            if self.closed:
                if self._parent is not None:
                    self._parent.release()
                raise ValueError("this %s is closed" % self.kind)
            self._busy += 1
        return self.ptr

    def release(self):
        with self._cond:
            self._busy -= 1
            if not self._busy:
                self._cond.notify_all()
        if self._parent is not None:
            self._parent.release()

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()

    def scratch(self, key, create, free):
        """This thread's scratch handle `key` (call while acquired):
        create() makes it the first time, free(ptr) frees it later."""
        slots = self._local.__dict__
        slot = slots.get(key)
        if slot is None or slot.ptr is None:
            slot = _Slot(create(), free)
            with self._cond:
                self._slots.add(slot)
            slots[key] = slot
        return slot.ptr

    def close(self):
        """Wait for calls in flight, then free the scratch handles and the
        handle. Idempotent."""
        with self._cond:
            if self.closed:
                return
            self.closed = True
            self._cond.wait_for(lambda: self._busy == 0)
            slots = list(self._slots)
        for slot in slots:
            slot.release()
        ptr, self.ptr = self.ptr, None
        if self._free is not None and ptr:
            self._free(ptr)


class Resource:
    """Base of the wrappers: close(), `with`, and freeing on collection."""

    def _own(self, state):
        self._state = state
        self._finalizer = weakref.finalize(self, state.close)

    def close(self):
        """Free the C handle now (later calls raise ValueError). Safe to call
        more than once; also done when the object is garbage-collected."""
        self._finalizer()

    @property
    def closed(self):
        return self._state.closed

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
