"""Error paths: every failure is a Python exception carrying the library's
message, bad arguments are refused before they reach C, and closed or
collected objects can neither crash nor leak."""

import gc
import shutil
import weakref

import numpy
import pytest

import electra
from conftest import fixture_path, model_dir, shared_model


def test_missing_directory_and_files(tmp_path):
    with pytest.raises(electra.ElectraIOError) as e:
        electra.Model(tmp_path / "nope")
    assert str(tmp_path / "nope") in str(e.value) and e.value.status == electra.Status.IO
    assert isinstance(e.value, OSError)
    with pytest.raises(electra.ElectraIOError):
        electra.Tokenizer(tmp_path / "nope" / "vocab.txt")
    # config.json but no weights
    shutil.copy(model_dir("tiny-classifier") / "config.json", tmp_path)
    with pytest.raises(electra.ElectraError) as e:
        electra.Model(tmp_path)
    assert "safetensors" in str(e.value) or "pytorch_model.bin" in str(e.value)


def test_malformed_files(tmp_path):
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises((electra.ConfigError, electra.FormatError)):
        electra.Model(tmp_path)
    shutil.copy(model_dir("tiny-classifier") / "config.json", tmp_path)
    (tmp_path / "model.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{garbage")
    with pytest.raises(electra.FormatError):
        electra.Model(tmp_path)


def test_invalid_utf8_given_as_bytes(vocab_tokenizer):
    bad = b"caf\xc3 \xff"
    with pytest.raises(electra.InvalidUTF8Error) as e:
        vocab_tokenizer.encode(bad)
    assert e.value.status == electra.Status.INVALID_UTF8 and e.value.message
    with pytest.raises(electra.InvalidUTF8Error):
        vocab_tokenizer.encode("fine", bad)
    with pytest.raises(electra.InvalidUTF8Error):
        vocab_tokenizer.encode_batch(["ok", bad])
    with pytest.raises(electra.InvalidUTF8Error):
        vocab_tokenizer.encode("lone \ud800 surrogate")
    with pytest.raises(electra.InvalidUTF8Error):
        shared_model("tiny-generator").fill_mask(b"\xff[MASK]")
    with pytest.raises(electra.InvalidUTF8Error):
        shared_model("tiny-classifier").classify("ok", b"\xc0\x80")
    with pytest.raises(electra.InvalidUTF8Error):
        shared_model("tiny-qa").answer(b"\xed\xa0\x80?", "context")
    # the tokenizer is still fine afterwards
    assert vocab_tokenizer.encode("café").ids == [101, 7668, 102]


def test_wrong_types_and_shapes_are_refused_before_c():
    m = shared_model("tiny-discriminator")
    ids = numpy.array([[101, 7592, 102]])
    with pytest.raises(TypeError, match="input_ids must hold integers, not float64"):
        m.forward(ids.astype(numpy.float64))
    with pytest.raises(TypeError, match="integers"):
        m.forward(numpy.array([[True, False]]))
    with pytest.raises(TypeError, match="integers"):
        m.forward([[101, 7592.0, 102]])
    with pytest.raises(TypeError):
        m.forward("101 102")
    with pytest.raises(ValueError, match="3-D"):
        m.forward(ids.reshape(1, 1, 3))
    with pytest.raises(ValueError, match="differ in length"):
        m.forward([[101, 102], [101]])
    with pytest.raises(ValueError, match="empty"):
        m.forward(numpy.zeros((1, 0), dtype=numpy.int32))
    with pytest.raises(ValueError, match="attention_mask has shape"):
        m.forward(ids, numpy.ones((1, 4), dtype=numpy.int32))
    with pytest.raises(ValueError, match="token_type_ids has shape"):
        m.forward(ids, None, [[0, 0]])
    with pytest.raises(ValueError, match="outside int32"):
        m.forward(numpy.array([[101, 1 << 40]]))
    with pytest.raises(ValueError, match="outside int32"):
        m.forward([[101, -(1 << 31) - 1]])
    with pytest.raises(TypeError, match="text must be str or bytes"):
        m.detect(42)
    with pytest.raises(ValueError, match="aggregation"):
        shared_model("tiny-tagger").tag("x", aggregation="median")
    with pytest.raises(ValueError, match="truncation"):
        m.detect("x", truncation="sideways")
    with pytest.raises(TypeError):
        shared_model("tiny-generator").fill_mask("[MASK]", top_k=2.5)
    with pytest.raises(ValueError, match="NUL"):
        shared_model("tiny-generator").fill_mask("[MASK]", targets=["a\0b"])
    with pytest.raises(ValueError):
        electra.Model(model_dir("tiny-generator"), threads=0)
    with pytest.raises(ValueError, match="weight_format"):
        electra.Model(model_dir("tiny-generator"), weight_format="onnx")


def test_library_checks_reach_python_with_their_messages():
    m = shared_model("tiny-discriminator")
    with pytest.raises(electra.InvalidArgumentError) as e:  # id beyond the vocabulary
        m.forward([[101, 40000, 102]])
    assert "40000" in str(e.value)
    with pytest.raises(electra.TooLongError):
        m.forward(numpy.full((1, 129), 1000))
    with pytest.raises(electra.InvalidArgumentError, match="THREADS"):
        electra.Model(model_dir("tiny-generator"), threads=5000)
    g = shared_model("tiny-generator")
    with pytest.raises(electra.NoMaskError, match=r"\[MASK\]"):
        g.fill_mask("no mask here")
    with pytest.raises(electra.WrongHeadError):
        g.detect("x")
    with pytest.raises(electra.WrongHeadError):
        shared_model("tiny-base-model").classify("x")
    with pytest.raises(electra.TooLongError):
        g.fill_mask("word " * 200 + "[MASK]")
    assert g.fill_mask("[MASK] " + "word " * 200, truncation=True)
    with pytest.raises(electra.TruncationError):
        g.tokenizer.encode("a b c d e f", "x", truncation="only_second", max_length=4)


def test_closed_objects_refuse_calls():
    m = electra.Model(model_dir("tiny-generator"))
    tok = m.tokenizer
    assert m.fill_mask("[MASK].")
    with m:
        pass
    assert m.closed and tok.closed
    for call in (lambda: m.fill_mask("[MASK]"), lambda: m.forward([[101, 102]]),
                 lambda: m.info, lambda: tok.encode("x"), lambda: tok.vocab_size,
                 lambda: m.forward_text("x")):
        with pytest.raises(ValueError, match="closed"):
            call()
    m.close()
    t = electra.Tokenizer(fixture_path("tokenizer", "vocab.txt"))
    t.close()
    with pytest.raises(ValueError, match="tokenizer is closed"):
        t.decode([101])
    # a borrowed tokenizer closed on its own leaves the model working
    m2 = electra.Model(model_dir("tiny-generator"))
    m2.tokenizer.close()
    assert m2.fill_mask("[MASK].")
    m2.close()


def test_garbage_collection_frees_everything():
    m = electra.Model(model_dir("tiny-generator"))
    m.fill_mask("[MASK].")
    m.forward([[101, 102]], output_hidden_states=True)
    state = m._state
    assert len(state._slots) == 2  # this thread's plain and hidden-state contexts
    ref = weakref.ref(m)
    del m
    gc.collect()
    assert ref() is None and state.closed and state.ptr is None
    assert all(s.ptr is None for s in list(state._slots))
    t = electra.Tokenizer(fixture_path("tokenizer", "vocab.txt"))
    t.encode("x")
    tstate = t._state
    del t
    gc.collect()
    assert tstate.closed
