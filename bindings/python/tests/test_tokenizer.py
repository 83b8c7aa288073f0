"""The tokenizer through Python against the slow BertTokenizer cases
(tokenizer/cases.jsonl), the fast tokenizer's offsets (offsets.jsonl) and
the option/decode variants."""

import pytest

import electra
from conftest import FIXTURES, fixture_path, model_dir, read_jsonl

CASES = read_jsonl(FIXTURES / "tokenizer" / "cases.jsonl") if FIXTURES.exists() else []
OFFSETS = read_jsonl(FIXTURES / "tokenizer" / "offsets.jsonl") if FIXTURES.exists() else []
VARIANTS = read_jsonl(FIXTURES / "tokenizer" / "variants.jsonl") if FIXTURES.exists() else []


def by_kind(kind):
    return [v for v in VARIANTS if v["kind"] == kind]


def ids_from(fn):
    """Test ids from a variant record (and something printable for the
    placeholder pytest passes when there are no fixtures)."""
    return lambda v: fn(v) if isinstance(v, dict) else str(v)


def test_there_are_350_cases():
    fixture_path("tokenizer", "cases.jsonl")
    assert len(CASES) == 350 and len(OFFSETS) == 350


@pytest.mark.parametrize("i", range(350))
def test_case(vocab_tokenizer, i):
    if not CASES:
        pytest.skip("fixtures not found (set ELECTRA_FIXTURES)")
    case, fast = CASES[i], OFFSETS[i]
    e = vocab_tokenizer.encode(case["text"], case.get("pair"))
    assert e.input_ids == case["ids"]
    assert e.token_type_ids == case["token_type_ids"]
    pieces = [t for t, s in zip(e.tokens, e.sequence_ids) if s is not None]
    assert pieces == case["tokens"] + case.get("pair_tokens", [])
    assert e.attention_mask == [1] * len(e)
    if not fast["slow_ids_equal"]:
        return
    assert e.special_tokens_mask == fast["special_tokens_mask"]
    assert e.sequence_ids == fast["sequence_ids"]
    # bytes in: byte offsets, exactly the fixture's
    b = vocab_tokenizer.encode(case["text"].encode("utf-8", "surrogatepass"),
                               None if case.get("pair") is None
                               else case["pair"].encode("utf-8", "surrogatepass"))
    assert b.input_ids == e.input_ids
    assert [list(o) for o in b.offsets] == fast["offsets"]
    # str in: the same spans as str indices
    for (cs, ce), (bs, be), s in zip(e.offsets, b.offsets, e.sequence_ids):
        if s is None:
            assert (cs, ce) == (0, 0)
            continue
        src = case["text"] if s == 0 else case["pair"]
        raw = src.encode("utf-8", "surrogatepass")
        assert src[cs:ce].encode("utf-8", "surrogatepass") == raw[bs:be]


def test_the_three_ways_to_load_agree():
    texts = [c["text"] for c in CASES[:60]] or pytest.skip("no fixtures")
    a = electra.Tokenizer(fixture_path("tokenizer", "vocab.txt"))
    b = electra.Tokenizer.from_pretrained(fixture_path("tokenizer", "tokenizer.json"))
    c = electra.Tokenizer.from_pretrained(model_dir("tiny-generator"))
    for t in texts:
        assert a.encode(t).ids == b.encode(t).ids == c.encode(t).ids
    for t in (a, b, c):
        t.close()


@pytest.mark.parametrize("v", by_kind("options"), ids=ids_from(lambda v: v["variant"]))
def test_loading_options(v):
    o = v["options"]
    with electra.Tokenizer(fixture_path("tokenizer", "vocab.txt"),
                           do_lower_case=o["do_lower_case"], strip_accents=o["strip_accents"],
                           tokenize_chinese_chars=o["tokenize_chinese_chars"]) as t:
        assert t.encode(v["text"]).ids == v["ids"]
        assert t.tokenize(v["text"]) == v["tokens"]


@pytest.mark.parametrize("v", by_kind("truncation"),
                         ids=ids_from(lambda v: "%s-%d" % (v["options"]["truncation"],
                                                           v["options"]["max_length"])))
def test_truncation(vocab_tokenizer, v):
    o = v["options"]
    if v["logged_error"]:
        with pytest.raises(electra.TruncationError):
            vocab_tokenizer.encode(v["text"], v["pair"], truncation=o["truncation"],
                                   max_length=o["max_length"])
        return
    e = vocab_tokenizer.encode(v["text"], v["pair"], truncation=o["truncation"],
                               max_length=o["max_length"])
    assert e.input_ids == v["input_ids"] and e.token_type_ids == v["token_type_ids"]


@pytest.mark.parametrize("v", by_kind("overflow"),
                         ids=ids_from(lambda v: str(v["options"]["stride"])))
def test_overflow_windows(vocab_tokenizer, v):
    o = v["options"]
    e = vocab_tokenizer.encode(v["text"], truncation=True, max_length=o["max_length"],
                               stride=o["stride"], return_overflowing_tokens=True)
    assert [e.ids] + [w.ids for w in e.overflowing] == v["fast_windows"]
    b = vocab_tokenizer.encode_batch(["x", v["text"]], truncation=True,
                                     max_length=o["max_length"], stride=o["stride"],
                                     return_overflowing_tokens=True)
    assert b.overflow_to_sample_mapping == [0] + [1] * len(v["fast_windows"])


@pytest.mark.parametrize("v", by_kind("decode"), ids=ids_from(lambda v: str(v["options"])))
def test_decode(vocab_tokenizer, v):
    o = v["options"]
    got = vocab_tokenizer.decode(v["ids"], skip_special_tokens=o["skip_special_tokens"],
                                 clean_up_tokenization_spaces=o["clean_up_tokenization_spaces"])
    assert got == v["text"]


def test_decode_grows_its_buffer_and_takes_numpy(vocab_tokenizer):
    import numpy
    ids = [998] * 3000  # "[unused993]": 12 bytes a token with its space
    text = vocab_tokenizer.decode(ids)
    assert text == " ".join(["[unused993]"] * 3000)
    assert len(text) > 8 * 3000 + 64  # more than the first buffer
    assert vocab_tokenizer.decode(numpy.array(ids, dtype=numpy.int64)) == text
    assert vocab_tokenizer.decode([]) == ""
    assert vocab_tokenizer.batch_decode([[7592], [2088]]) == ["hello", "world"]
    with pytest.raises(TypeError):
        vocab_tokenizer.decode([1.5])
    with pytest.raises(ValueError):
        vocab_tokenizer.decode([[1, 2]])


def test_vocabulary_accessors(vocab_tokenizer):
    t = vocab_tokenizer
    assert t.vocab_size == len(t) == 30522
    assert (t.pad_token_id, t.unk_token_id, t.cls_token_id, t.sep_token_id,
            t.mask_token_id) == (0, 100, 101, 102, 103)
    assert t.special_token_id("mask") == 103
    assert t.token_to_id("hello") == 7592 and t.token_to_id(b"hello") == 7592
    assert t.token_to_id("no-such-token") is None
    assert t.id_to_token(7592) == "hello"
    assert t.id_to_token(30522) is None and t.id_to_token(-1) is None
    assert t.id_to_token(1 << 40) is None
    assert t.convert_ids_to_tokens([101, 7592]) == ["[CLS]", "hello"]
    import numpy
    assert t.convert_ids_to_tokens(numpy.array([101, 7592])) == ["[CLS]", "hello"]
    assert t.id_to_token(numpy.int64(7592)) == "hello"
    assert t.convert_tokens_to_ids(["[SEP]", "hello"]) == [102, 7592]
    assert t.tokenize("Hello, world!") == ["hello", ",", "world", "!"]


def test_batches_padding_and_tensors(vocab_tokenizer):
    import numpy
    t = vocab_tokenizer
    texts = ["Hello, world!", "a much longer sentence than the first one", b"bytes too"]
    b = t(texts, padding=True)
    assert isinstance(b, electra.BatchEncoding) and len(b) == 3
    lengths = {len(r) for r in b}
    assert lengths == {len(t.encode(texts[1]))}
    assert b[0].attention_mask.count(1) == len(t.encode(texts[0]))
    assert b[0].input_ids[len(t.encode(texts[0])):] == [0] * (len(b[0]) - 6)
    assert b["input_ids"][2] == b[2].input_ids
    assert dict(b).keys() == {"input_ids", "token_type_ids", "attention_mask"}
    arr = t(texts, padding=True, return_tensors="np")["input_ids"]
    assert arr.dtype == numpy.int32 and arr.shape == (3, len(b[1]))
    with pytest.raises(ValueError, match="padding"):
        t(texts, return_tensors="np")["input_ids"]
    # pairs, with a row without one
    p = t.encode_batch(["q1", "q2"], ["ctx one", None])
    assert p[0].tokens[4:7] == ["ct", "##x", "one"] and p[0].sequence_ids.count(1) == 3
    assert 1 not in p[1].sequence_ids
    # max_length padding and multiples
    assert len(t.encode("hi", padding="max_length", max_length=10)) == 10
    assert len(t.encode("hi there you", padding=True, pad_to_multiple_of=8)) == 8
    assert t.encode("hi", add_special_tokens=False).ids == [7632]
    assert t.encode("hi", return_offsets=False).offsets is None
    e = t.encode("hi")
    assert e["input_ids"] == e.ids and e["offset_mapping"] == e.offsets
    with pytest.raises(KeyError):
        e["nope"]
    with pytest.raises(TypeError):
        t.encode_batch("not a list")
    with pytest.raises(ValueError):
        t.encode_batch(["a", "b"], ["only one"])
    assert len(t.encode_batch([])) == 0
