"""The store's on-disk form of features: JSON + little-endian NumPy bytes, no pickle.

The scalar, set and sentence fields go to ``doc_json``; sentence vectors and the
document vector are float32 bytes; the MinHash is its hash values (dtype in the JSON)
with its seed and scheme. Unpickling runs arbitrary code, so a pickled store could not
be safely opened when it came from someone else; this layout also stays readable from
other languages. A relation with a kind is stored as :func:`relation_row` (its evidence
as JSON, and which end of a derivation is the source).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import numpy as np

from samestory import minhash, provenance
from samestory.dates import WrittenDate
from samestory.features import SENTENCE_DTYPE, DocFeatures
from samestory.models import Relation
from samestory.store.reading import parse_date as parse_date


def iso_date(date: dt.date | None) -> str | None:
    return date.isoformat() if date else None


def scalar_doc(f: DocFeatures) -> dict[str, Any]:
    """The JSON of the fields a story is built from (ids, dates, title, lengths,
    sentences): part of every stored article's ``doc_json``."""
    return {
        "id": f.id,
        "lang": f.lang,
        "date": iso_date(f.date),
        "date_from_text": f.date_from_text,
        "title": f.title,
        "fingerprint": f.fingerprint,
        "n_words": f.n_words,
        "sentences": f.sentences,
        "n_shingles": f.n_shingles,
    }


def scalar_fields(doc: dict[str, Any]) -> dict[str, Any]:
    """Inverse of :func:`scalar_doc`: those :class:`DocFeatures` fields, from ``doc``."""
    return {
        "id": doc["id"],
        "lang": doc["lang"],
        "date": parse_date(doc["date"]),
        "date_from_text": doc["date_from_text"],
        "title": doc["title"],
        "fingerprint": doc["fingerprint"],
        "n_words": doc["n_words"],
        "sentences": list(doc["sentences"]),
        "n_shingles": doc["n_shingles"],
    }


def encode_features(f: DocFeatures) -> tuple[str, bytes, bytes, bytes]:
    """``(doc_json, sentence_vectors, vector, minhash)`` columns of one article."""
    hashvalues = np.asarray(f.minhash.hashvalues)
    doc = {
        **scalar_doc(f),
        "dim": int(f.vector.shape[0]),
        "entities": sorted(f.entities),
        "numbers": sorted(f.numbers),
        "quotes": list(f.quotes),
        "terms": [f.terms[0].tolist(), f.terms[1].tolist()],
        "written_date": f.written_date.to_dict() if f.written_date else None,
        "number_contexts": sorted(f.number_contexts),
        "latest_year": f.latest_year,
        "roles": None if f.roles is None else [sorted(f.roles[0]), sorted(f.roles[1])],
        "minhash": {
            "seed": int(f.minhash.seed),
            "scheme": getattr(f.minhash, "scheme", None),
            "dtype": hashvalues.dtype.str,
        },
    }
    return (
        json.dumps(doc, ensure_ascii=False),
        np.ascontiguousarray(f.sentence_vectors, dtype="<f4").tobytes(),
        np.ascontiguousarray(f.vector, dtype="<f4").tobytes(),
        hashvalues.tobytes(),
    )


def decode_features(doc_json: str, sentences: bytes, vector: bytes, minhash: bytes) -> DocFeatures:
    """Inverse of :func:`encode_features`."""
    doc = json.loads(doc_json)
    dim = doc["dim"]
    return DocFeatures(
        **scalar_fields(doc),
        sentence_vectors=np.frombuffer(sentences, dtype="<f4")
        .reshape(-1, dim)
        .astype(SENTENCE_DTYPE),
        vector=np.frombuffer(vector, dtype="<f4").astype(np.float32),
        minhash=stored_minhash(doc["minhash"], minhash),
        entities=frozenset(doc["entities"]),
        numbers=frozenset(doc["numbers"]),
        quotes=tuple(doc["quotes"]),
        terms=(
            np.array(doc["terms"][0], dtype=np.int64),
            np.array(doc["terms"][1], dtype=np.float32),
        ),
        # Absent from features stored before 2026-12-02.
        written_date=WrittenDate.from_dict(doc.get("written_date")),
        # Absent from features stored before 2026-12-02 (afternoon): no disagreement read.
        number_contexts=frozenset(doc.get("number_contexts", ())),
        latest_year=doc.get("latest_year"),
        # Absent from features stored before 2026-12-03 (evening): read when scored.
        roles=_roles(doc.get("roles")),
    )


def _roles(value: list[list[str]] | None) -> tuple[frozenset[str], frozenset[str]] | None:
    """``DocFeatures.roles`` from its JSON (``[places, people]``, or None)."""
    return None if value is None else (frozenset(value[0]), frozenset(value[1]))


def stored_minhash(scheme: dict[str, Any], hashvalues: bytes) -> Any:
    """The stored MinHash of one article (``scheme`` is its ``doc_json["minhash"]``).

    The scheme features have (:mod:`samestory.minhash`, datasketch's "affine32") comes
    back as a :class:`~samestory.minhash.Signature`, without importing datasketch; any
    other as datasketch's ``LeanMinHash``.
    """
    values = np.frombuffer(hashvalues, dtype=np.dtype(scheme["dtype"])).copy()
    if scheme["scheme"] == minhash.SCHEME and values.dtype == np.uint32:
        return minhash.from_values(values, seed=scheme["seed"])
    from datasketch import LeanMinHash

    kwargs = {"scheme": scheme["scheme"]} if scheme["scheme"] else {}
    return LeanMinHash(seed=scheme["seed"], hashvalues=values, **kwargs)


def relation_row(
    r: Relation, features: Mapping[str, DocFeatures]
) -> tuple[str, str, str, float, str, str | None]:
    """The row of a relation with a kind; ``features`` holds (at least) both ends."""
    assert r.kind is not None
    return (
        r.a,
        r.b,
        r.kind.value,
        float(r.score),
        json.dumps(r.evidence.to_dict(), ensure_ascii=False),
        source_of(r, features),
    )


def source_of(r: Relation, features: Mapping[str, DocFeatures]) -> str | None:
    """Which end of a derivation is the source (:func:`provenance.orient`), else None.

    Stored with the relation, so a story's first version is found in SQL (see
    ``TransactionWork._refresh_story``, :mod:`samestory.store.transaction`) without reading the
    evidence of every relation.
    """
    if r.kind is None or not r.kind.is_derivation:
        return None
    a, b = features[r.a], features[r.b]
    oriented, _ = provenance.orient(
        r, {a.id: a.date, b.id: b.date}, {a.id: a.n_words, b.id: b.n_words}
    )
    return oriented.a
