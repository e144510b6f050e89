"""Features to the store's columns and back."""

from __future__ import annotations

import json

import numpy as np

from samestory.features import featurize
from samestory.store.codec import decode_features, encode_features


def test_feature_encoding_round_trip(seed_articles):
    f = featurize([seed_articles["002"]])[0]
    g = decode_features(*encode_features(f))
    assert g.minhash.jaccard(f.minhash) == 1.0 and g.minhash.seed == f.minhash.seed
    assert np.array_equal(g.sentence_vectors, f.sentence_vectors)
    assert np.array_equal(g.vector, f.vector) and g.vector.dtype == np.float32
    assert g.n_shingles == f.n_shingles and g.fingerprint == f.fingerprint


def test_name_roles_round_trip_and_older_features_read_them_when_scored(seed_articles):
    f = featurize([seed_articles["002"]])[0]
    assert f.roles is not None
    doc, sentences, vector, minhash = encode_features(f)
    assert decode_features(doc, sentences, vector, minhash).roles == f.roles
    # Features stored before roles were kept: None, and pair scoring reads the sentences.
    older = json.loads(doc)
    del older["roles"]
    assert decode_features(json.dumps(older), sentences, vector, minhash).roles is None
