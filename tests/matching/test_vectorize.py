"""The TF-IDF of goals and bios: the same numbers, to the last bit, as scikit-learn's.

matching/ computes it itself (importing scikit-learn costs the command line about a second);
these tests pin it to `TfidfVectorizer` with the engine's analyser, so a pair's text
tie-breaker, and therefore every result, stays what it was.
"""

from __future__ import annotations

import random
from functools import partial

import numpy as np
import pytest

from matching.vectorize import ENGLISH_STOP_WORDS, TextVectorizer, meaningful_terms

text = pytest.importorskip("sklearn.feature_extraction.text")

WORDS = ("marc", "linked", "data", "python", "sql", "the", "and", "of", "cataloguing",
         "metadata", "bibframe", "dspace", "a", "an", "21", "-", "library", "years",
         "preservation", "digital", "repository", "rda", "dublin", "core")


def reference(texts, min_df=1):
    """Return scikit-learn's fitted vectorizer, or None when it finds no terms to keep."""
    tfidf = text.TfidfVectorizer(analyzer=partial(meaningful_terms, longest=2),
                                 sublinear_tf=True, min_df=min_df, dtype=np.float64)
    try:
        return tfidf.fit(texts)
    except ValueError:
        return None


def assert_same(texts, queries, min_df=1):
    expected = reference(texts, min_df)
    ours = TextVectorizer(min_df=min_df).fit(texts)
    if expected is None:
        assert ours.vocabulary_ is None
        assert ours.transform(queries).nnz == 0
        return
    assert ours.terms().tolist() == expected.get_feature_names_out().tolist()
    assert ours.idf_.tobytes() == expected.idf_.tobytes()
    for batch in (texts, queries, sorted(set(texts))):
        want, got = expected.transform(batch).tocsr(), ours.transform(batch)
        assert type(got) is type(want) and got.shape == want.shape
        assert got.indptr.tolist() == want.indptr.tolist()
        assert got.indices.tolist() == want.indices.tolist()
        assert got.data.tobytes() == want.data.tobytes()  # bit for bit, not approximately


def test_the_stop_words_are_scikit_learns():
    assert ENGLISH_STOP_WORDS == text.ENGLISH_STOP_WORDS


def test_tfidf_is_scikit_learns_bit_for_bit():
    goals = ["Learn linked data and BIBFRAME; then RDA.", "", "Python for metadata cleanup",
             "learn linked data and BIBFRAME; then RDA.", "the and of", "Dublin Core, MARC 21"]
    assert_same(goals * 3 + ["Digital preservation"], ["linked data python", "", "unknown words"])


@pytest.mark.parametrize("seed", range(40))
def test_tfidf_is_scikit_learns_on_random_texts(seed):
    rng = random.Random(seed)
    texts = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 40)))
             for _ in range(rng.randint(0, 60))]
    queries = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 40))) for _ in range(9)]
    assert_same(texts, queries, min_df=rng.choice([1, 1, 2, 4]))


def test_texts_without_terms_learn_nothing():
    vectorizer = TextVectorizer().fit(["", "the and of", "21 years"])
    assert vectorizer.vocabulary_ is None
    assert vectorizer.transform(["linked data"]).shape == (1, 1)
    assert vectorizer.terms().tolist() == ["-"]
