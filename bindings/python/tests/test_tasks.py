"""The task methods on the fixture models: their scores follow from
transformers' logits (expected .f32) as the pipelines compute them, their
spans index the text that was passed (str indices for str, bytes for
bytes), and their dicts have the CLI's --json keys."""

import math

import numpy
import pytest

import electra
from conftest import expected_arrays, read_inputs, shared_model

TOL = 1e-4


def softmax(x):
    e = numpy.exp(numpy.asarray(x, dtype=numpy.float64) - numpy.max(x))
    return e / e.sum()


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


def test_fill_mask_follows_the_logits():
    m = shared_model("tiny-generator")
    inputs = read_inputs("tiny-generator")
    text = inputs["texts"][0]["text"]
    assert text == "The capital of France is [MASK]."
    pos = inputs["input_ids"][0].index(103)
    p = softmax(expected_arrays("tiny-generator")["logits.f32"][0, pos])
    out = m.fill_mask(text, top_k=5)
    assert [c["token_id"] for c in out] == list(numpy.argsort(-p)[:5])
    for c in out:
        assert set(c) == {"token", "token_id", "score", "sequence", "start", "end"}
        assert c["score"] == pytest.approx(p[c["token_id"]], rel=TOL)
        assert c["token"] == m.tokenizer.id_to_token(c["token_id"])
        assert text[c["start"]:c["end"]] == "[MASK]"
        assert c["sequence"].startswith("the capital of france is")
    t = m.fill_mask(text, targets=["paris", "London"])
    assert {c["token"] for c in t} == {"paris", "london"}
    assert t[0]["score"] >= t[1]["score"]
    assert m.fill_mask(text, targets="paris")[0]["token_id"] == 3000
    two = m.fill_mask("[MASK] capital of France is [MASK].", top_k=3)
    assert len(two) == 2 and all(len(g) == 3 for g in two)
    assert (two[0][0]["start"], two[1][0]["start"]) == (0, 28)


def test_fill_mask_spans_for_str_and_bytes():
    m = shared_model("tiny-generator")
    s = "Zoë and Jürgen visit [MASK]."
    a, b = m.fill_mask(s, top_k=1)[0], m.fill_mask(s.encode(), top_k=1)[0]
    assert s[a["start"]:a["end"]] == "[MASK]"
    assert s.encode()[b["start"]:b["end"]] == b"[MASK]"
    assert b["start"] == a["start"] + 2  # ë and ü take two bytes
    assert a["token_id"] == b["token_id"] and a["score"] == b["score"]


def test_detect_follows_the_logits():
    m = shared_model("tiny-discriminator")
    inputs = read_inputs("tiny-discriminator")
    text = inputs["texts"][1]["text"]
    logits = expected_arrays("tiny-discriminator")["logits.f32"][1]
    out = m.detect(text)
    n = sum(inputs["attention_mask"][1])
    assert len(out["tokens"]) == n - 2
    for i, tok in enumerate(out["tokens"]):
        assert set(tok) == {"token", "start", "end", "logit", "probability", "replaced"}
        assert tok["logit"] == pytest.approx(logits[i + 1], abs=TOL)
        assert tok["probability"] == pytest.approx(sigmoid(logits[i + 1]), abs=TOL)
        assert tok["replaced"] == (tok["probability"] > 0.5)
    words = out["words"]
    assert [w["word"] for w in words[:3]] == ["Crème", "brûlée", "and"]
    for w in words:
        assert set(w) == {"word", "start", "end", "probability", "replaced"}
        assert text[w["start"]:w["end"]] == w["word"]
    none = m.detect(text, threshold=1.0)
    assert not any(t["replaced"] for t in none["tokens"] + none["words"])
    assert m.detect("") == {"tokens": [], "words": []}


def test_classify_follows_the_logits():
    m = shared_model("tiny-classifier")
    inputs = read_inputs("tiny-classifier")
    logits = expected_arrays("tiny-classifier")["logits.f32"]
    for row in (0, 3):  # a single text and a pair
        t = inputs["texts"][row]
        p = softmax(logits[row])
        out = m.classify(t["text"], t["pair"])
        assert [set(d) for d in out] == [{"label", "score"}] * 3
        for d in out:
            assert d["score"] == pytest.approx(p[m.labels.index(d["label"])], abs=TOL)
        assert out[0]["score"] >= out[1]["score"] >= out[2]["score"]
    sig = m.classify(inputs["texts"][0]["text"], function_to_apply="sigmoid")
    for d in sig:
        assert d["score"] == pytest.approx(sigmoid(logits[0][m.labels.index(d["label"])]),
                                           abs=TOL)
    raw = m.classify(inputs["texts"][0]["text"], function_to_apply="none")
    assert max(d["score"] for d in raw) == pytest.approx(float(max(logits[0])), abs=TOL)


def test_tag_follows_the_logits():
    m = shared_model("tiny-tagger")
    inputs = read_inputs("tiny-tagger")
    text = inputs["texts"][0]["text"]
    logits = expected_arrays("tiny-tagger")["logits.f32"][0]
    n = sum(inputs["attention_mask"][0])
    want = []
    for pos in range(1, n - 1):
        p = softmax(logits[pos])
        best = int(numpy.argmax(p))
        if best:
            want.append((pos, m.labels[best], p[best]))
    out = m.tag(text, aggregation="none")
    assert [(d["index"], d["entity"]) for d in out] == [(w[0], w[1]) for w in want]
    for d, w in zip(out, want):
        assert set(d) == {"entity", "score", "index", "word", "start", "end"}
        assert d["score"] == pytest.approx(w[2], abs=TOL)
    for d in m.tag(text):
        assert set(d) == {"entity_group", "score", "word", "start", "end"}
        assert "-" not in d["entity_group"] and d["start"] < d["end"] <= len(text)
    for agg in ("first", "average", "max", electra.Aggregation.SIMPLE):
        assert isinstance(m.tag(text, aggregation=agg), list)


def test_answer_follows_the_logits():
    m = shared_model("tiny-qa")
    inputs = read_inputs("tiny-qa")
    q, c = inputs["texts"][0]["text"], inputs["texts"][0]["pair"]
    arrays = expected_arrays("tiny-qa")
    n = sum(inputs["attention_mask"][0])
    types = inputs["token_type_ids"][0]
    ok = [i == 0 or (types[i] == 1 and i + 1 < n) for i in range(n)]
    ps = softmax([arrays["start_logits.f32"][0][i] if ok[i] else -10000.0 for i in range(n)])
    pe = softmax([arrays["end_logits.f32"][0][i] if ok[i] else -10000.0 for i in range(n)])
    best, span = -1, None
    for i in range(1, n):
        for j in range(i, min(n, i + 15)):
            if ok[i] and ok[j] and ps[i] * pe[j] > best:
                best, span = ps[i] * pe[j], (i, j)
    out = m.answer(q, c)
    assert len(out) == 1 and set(out[0]) == {"answer", "score", "start", "end"}
    assert out[0]["score"] == pytest.approx(best, abs=TOL)
    enc = m.tokenizer.encode(q, c)
    assert (out[0]["start"], out[0]["end"]) == (enc.offsets[span[0]][0], enc.offsets[span[1]][1])
    assert c[out[0]["start"]:out[0]["end"]] == out[0]["answer"]


def test_answer_spans_index_the_context_given():
    m = shared_model("tiny-qa")
    q = "Where does Zoë live?"
    c = "Zoë Müller, a pastry chef from Zürich, now lives in São Paulo."
    for a in m.answer(q, c, top_k=3):
        assert c[a["start"]:a["end"]] == a["answer"]
    for a in m.answer(q.encode(), c.encode(), top_k=3):
        assert c.encode()[a["start"]:a["end"]].decode() == a["answer"]
    long = " ".join("Sentence %d tells of Zoë in São Paulo." % i for i in range(300))
    out = m.answer(q, long, top_k=4, allow_no_answer=True, doc_stride=64,
                   max_answer_length=10)
    assert len(out) == 4
    assert out == sorted(out, key=lambda a: -a["score"])
    for a in out:
        assert long[a["start"]:a["end"]] == a["answer"] or a["answer"] == ""
