"""samestory.minhash gives datasketch's MinHash values, so stores and LSH buckets keep."""

from __future__ import annotations

import pickle
import random

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash, MinHashLSH

from samestory.minhash import Signature, from_values, signature


def shingle_set(rng: random.Random, n: int) -> list[bytes]:
    words = ["storm", "mayor", "said", "fire", "étude", "北京", "7.1", "the", "of", "rescue"]
    return [
        " ".join(rng.choice(words) + str(rng.randrange(50)) for _ in range(5)).encode()
        for _ in range(n)
    ]


@pytest.mark.parametrize("n", [0, 1, 2, 17, 400, 3000])
@pytest.mark.parametrize(("num_perm", "seed"), [(128, 1), (64, 7)])
def test_values_are_datasketchs(n: int, num_perm: int, seed: int) -> None:
    items = shingle_set(random.Random(n * 31 + seed), n)
    reference = MinHash(num_perm=num_perm, seed=seed)
    if items:
        reference.update_batch(items)
    ours = signature(items, num_perm, seed)
    assert ours.hashvalues.dtype == reference.hashvalues.dtype
    assert np.array_equal(ours.hashvalues, reference.hashvalues)
    assert ours.scheme == reference.scheme


def test_jaccard_estimate_and_mixing_with_datasketch() -> None:
    rng = random.Random(3)
    shared = shingle_set(rng, 300)
    a = shared + shingle_set(rng, 100)
    b = shared + shingle_set(rng, 100)
    true = len(set(a) & set(b)) / len(set(a) | set(b))
    sa, sb = signature(a), signature(b)
    assert abs(sa.jaccard(sb) - true) < 0.15  # standard error sqrt(J(1-J)/128) ~ 0.04
    lean = MinHash(num_perm=128, seed=1)
    lean.update_batch(b)
    assert LeanMinHash(lean).jaccard(sa) == sa.jaccard(LeanMinHash(lean)) == sa.jaccard(sb)
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    lsh.insert("a", sa)
    assert lsh.query(signature(a)) == ["a"]


def test_signature_round_trips() -> None:
    sig = signature(shingle_set(random.Random(5), 20))
    again = pickle.loads(pickle.dumps(sig))
    assert isinstance(again, Signature) and again.jaccard(sig) == 1.0
    stored = from_values(np.frombuffer(sig.hashvalues.tobytes(), dtype="<u4"), seed=sig.seed)
    assert stored.jaccard(sig) == 1.0
    with pytest.raises(ValueError):
        sig.jaccard(signature([], seed=2))
