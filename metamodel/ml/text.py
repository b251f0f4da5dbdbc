"""Exercise text as evidence: how hard an exercise nobody has tried yet will be, and how related two are.

An exercise's text is compared with the texts of exercises that have been tried: TF-IDF over lower-case
word 1- to 4-grams (scikit-learn), cosine similarity, the ``NEIGHBOURS`` most similar. The estimate for
the untried exercise is the similarity-weighted mean of those neighbours' learned values (a difficulty
offset, in logit units), shrunk towards a fallback (what its skills say) with the weight of
``SHRINKAGE`` neighbours of similarity 1:

    estimate = (sum_j s_j v_j + SHRINKAGE * fallback) / (sum_j s_j + SHRINKAGE)

Word n-grams make texts that share a phrase, or an identifier path such as ``tutor_08_10_q2_C`` and
``tutor_08_10_q2_D`` (the steps of one problem), closer than texts that share single words only. Both
constants were set before any measurement, not tuned (docs/benchmarks.md).

The model's text-transfer term (``metamodel.ml.model``) reads how similar the exercise asked is to each
of the learner's last answers' exercises (:func:`lagged_similarity`). Those vectors are hashed, not
fitted (:func:`text_vectors`), so an exercise's vector depends on its text alone: serving one learner
gives the same similarities as a whole data set vectorised at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer, TfidfVectorizer

NEIGHBOURS = 10
SHRINKAGE = 1.0
TOKENS = r"[^\W_]+"
BUCKETS = 2**20
# A set of texts up to this size keeps its similarities in a dense table (4 MB at the limit).
TABLE_LIMIT = 1000
# Unit-length vectors of binary word 1- to 4-gram counts, hashed into BUCKETS (no vocabulary to fit).
_HASHER = HashingVectorizer(
    lowercase=True,
    token_pattern=TOKENS,
    ngram_range=(1, 4),
    binary=True,
    alternate_sign=False,
    n_features=BUCKETS,
)


def text_vectors(texts: Sequence[str]) -> sp.csr_matrix:
    """One unit-length row per text (a zero row for a text without words), depending on the text alone."""
    return _HASHER.transform(texts) if texts else sp.csr_matrix((0, BUCKETS))


def lagged_similarity(
    similarity: Callable[[np.ndarray, np.ndarray], np.ndarray],
    ids: np.ndarray,
    position: np.ndarray,
    lags: int,
) -> np.ndarray:
    """(N, lags) cosine similarity of each of N attempts' text with that of the attempt k = 1 .. ``lags``
    before it in the same sequence (0 where there is none): ``ids`` index the attempts' texts (-1 for no
    text), ``similarity`` compares texts pair by pair (:meth:`SimilarityAmong.pairs` of those texts), and
    ``position`` counts from 1 within each sequence, whose attempts are contiguous."""
    n = len(ids)
    lag = np.arange(1, lags + 1)
    earlier = ids[np.maximum(np.arange(n)[:, None] - lag, 0)]
    here = np.broadcast_to(ids[:, None], earlier.shape)
    valid = (position[:, None] > lag) & (here >= 0) & (earlier >= 0)
    out = np.zeros((n, lags), dtype=np.float32)
    if valid.any():
        out[valid] = similarity(here[valid], earlier[valid])
    return out


class SimilarityAmong:
    """The cosine similarities among a fixed set of texts, the rows of their ``vectors``
    (:func:`text_vectors`). A set of at most TABLE_LIMIT texts keeps them all in a dense table, computed
    once and then read by look-up (serving reads a course's candidates' similarities at every choice); a
    larger one computes those asked from the sparse vectors."""

    def __init__(self, vectors: sp.csr_matrix) -> None:
        self.vectors = vectors
        self.table = (
            np.asarray((vectors @ vectors.T).toarray(), dtype=np.float32)
            if vectors.shape[0] <= TABLE_LIMIT
            else None
        )
        self._to = SimilarityTo(vectors) if self.table is None else None

    def pairs(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The similarity of text ``a[i]`` with text ``b[i]`` for each i (from the vectors: each distinct
        pair once)."""
        if self.table is not None:
            return self.table[a, b]
        size = np.int64(self.vectors.shape[0])
        pairs, inverse = np.unique(a * size + b, return_inverse=True)
        similarity = self.vectors[pairs // size].multiply(self.vectors[pairs % size]).sum(axis=1)
        return np.asarray(similarity, dtype=np.float32).ravel()[inverse]

    def columns(self, rows: Sequence[int]) -> np.ndarray:
        """(n, len(rows)): the similarity of each of the set's n texts with each of the texts at ``rows``."""
        if self.table is not None:
            return self.table[:, rows]
        return self._to(self.vectors[rows])


class SimilarityTo:
    """The cosine similarities of a fixed set of text vectors (the rows of ``vectors``) with a few others,
    in a fraction of a millisecond: the set is kept on the few thousand buckets its texts use, rather than
    the 2^20 of :func:`text_vectors`, and the others are looked up there (a bucket the set does not use
    adds nothing to a dot product)."""

    def __init__(self, vectors: sp.csr_matrix) -> None:
        self.buckets, columns = np.unique(vectors.indices, return_inverse=True)
        self.vectors = sp.csr_matrix(
            (vectors.data, columns, vectors.indptr), shape=(vectors.shape[0], len(self.buckets))
        )

    def __call__(self, others: sp.csr_matrix) -> np.ndarray:
        """(n, m): the similarity of each of the set's n texts with each of the m rows of ``others``."""
        dense = np.zeros((len(self.buckets), others.shape[0]))
        if not len(self.buckets):  # the set's texts have no words
            return self.vectors @ dense
        position = np.minimum(np.searchsorted(self.buckets, others.indices), len(self.buckets) - 1)
        found = self.buckets[position] == others.indices
        rows = np.repeat(np.arange(others.shape[0]), np.diff(others.indptr))
        dense[position[found], rows[found]] = others.data[found]
        return self.vectors @ dense


class TextNeighbours:
    """The most similar other texts of each of ``keys``; keys with an empty text have no neighbours."""

    def __init__(self, keys: Sequence[str], texts: Mapping[str, str]) -> None:
        documents = [texts.get(key, "") for key in keys]
        n = len(documents)
        self.similarity = sp.csr_matrix((n, n))
        vectorizer = TfidfVectorizer(lowercase=True, token_pattern=TOKENS, ngram_range=(1, 4), binary=True)
        try:
            vectors = vectorizer.fit_transform(documents)
        except ValueError:  # not one word in any text (empty, or symbols only): no neighbours
            return
        similarity = (vectors @ vectors.T).tocsr()
        similarity.setdiag(0.0)
        similarity.eliminate_zeros()
        self.similarity = _top_k(similarity, NEIGHBOURS)

    def estimate(
        self, rows: np.ndarray, values: np.ndarray, known: np.ndarray, fallback: np.ndarray
    ) -> np.ndarray:
        """For the keys at indices ``rows``: the shrunk mean of ``values`` over their neighbours that are
        ``known`` (boolean per key), or ``fallback`` (per row) where none is."""
        weights = self.similarity[rows].multiply(known[None, :]).tocsr()
        total = np.asarray(weights.sum(axis=1)).ravel()
        return (weights @ values + SHRINKAGE * fallback) / (total + SHRINKAGE)


def _top_k(matrix: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """Keep the ``k`` largest entries of each row."""
    rows, columns, data = [], [], []
    for row in range(matrix.shape[0]):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        keep = np.argsort(-matrix.data[start:end], kind="stable")[:k]
        rows.extend([row] * len(keep))
        columns.extend(matrix.indices[start:end][keep].tolist())
        data.extend(matrix.data[start:end][keep].tolist())
    return sp.csr_matrix((data, (rows, columns)), shape=matrix.shape)
