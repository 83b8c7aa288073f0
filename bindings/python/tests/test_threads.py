"""One Model and one Tokenizer used from several Python threads at once
(ctypes releases the GIL during calls, so the C code really runs in
parallel): every thread gets the single-threaded results exactly, and each
thread's context goes away with the thread."""

import gc
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy

from conftest import read_inputs, shared_model

THREADS = 4
ROUNDS = 12


def run_threads(fn):
    barrier = threading.Barrier(THREADS)

    def body(i):
        barrier.wait()
        return [fn(i, r) for r in range(ROUNDS)]
    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(body, range(THREADS)))


def test_tasks_from_several_threads_match_one_thread():
    g, d = shared_model("tiny-generator"), shared_model("tiny-discriminator")
    texts = ["The capital of France is [MASK].", "Zoë eats [MASK] in São Paulo.",
             "[MASK] [MASK] and more [MASK].", "A [MASK] day."]
    want_fill = [g.fill_mask(t, top_k=4) for t in texts]
    want_detect = [d.detect(t.replace("[MASK]", "soup")) for t in texts]

    def job(i, r):
        k = (i + r) % len(texts)
        return (k, g.fill_mask(texts[k], top_k=4), d.detect(texts[k].replace("[MASK]", "soup")))
    for results in run_threads(job):
        for k, fill, det in results:
            assert fill == want_fill[k] and det == want_detect[k]


def test_forward_and_tokenizer_from_several_threads():
    name = "tiny-qa"
    m = shared_model(name)
    inputs = read_inputs(name)
    ids, mask, types = (numpy.array(inputs[k]) for k in
                        ("input_ids", "attention_mask", "token_type_ids"))
    want = m.forward(ids, mask, types)
    pairs = [(t["text"], t["pair"]) for t in inputs["texts"]]
    want_enc = [m.tokenizer.encode(q, c).to_dict() for q, c in pairs]

    def job(i, r):
        rows = slice(r % 4, r % 4 + 1 + i % 2)
        out = m.forward(ids[rows], mask[rows], types[rows])
        q, c = pairs[(i + r) % 4]
        enc = m.tokenizer.encode(q, c).to_dict()
        return rows, out, (i + r) % 4, enc
    for results in run_threads(job):
        for rows, out, k, enc in results:
            for key in ("start_logits", "end_logits", "last_hidden_state"):
                assert numpy.array_equal(out[key], want[key][rows])
            assert enc == want_enc[k]


def test_each_thread_context_is_freed_with_its_thread():
    m = shared_model("tiny-classifier")
    before = len(m._state._slots)

    def use():
        m.classify("a thread of its own")
    threads = [threading.Thread(target=use) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    gc.collect()
    assert len(m._state._slots) == before
