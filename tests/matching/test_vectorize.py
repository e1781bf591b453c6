"""The TF-IDF of goals and bios: scikit-learn's, with each distinct text tokenised once."""

from __future__ import annotations

from functools import partial

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from matching import vectorize
from matching.vectorize import TextVectorizer, meaningful_terms


def test_tfidf_is_scikit_learns_with_the_engines_analyser():
    goals = ["Learn linked data and BIBFRAME; then RDA.", "", "Python for metadata cleanup",
             "learn linked data and BIBFRAME; then RDA.", "the and of", "Dublin Core, MARC 21"]
    texts = goals * 3 + ["Digital preservation"]
    queries = ["linked data python", "", "unknown words"]
    expected = TfidfVectorizer(analyzer=partial(meaningful_terms, longest=2),
                               sublinear_tf=True, dtype=np.float64).fit(texts)
    ours = TextVectorizer().fit(texts)
    assert ours.terms().tolist() == expected.get_feature_names_out().tolist()
    assert (ours.transform(queries) != expected.transform(queries)).nnz == 0


def test_fit_transform_is_fit_then_transform_to_the_last_bit():
    """The pool's goals and bios come from `fit_transform`; scores must not depend on it."""
    texts = ["Linked data, BIBFRAME and RDA", "RDA then linked data", "", "Python; MARC 21",
             "digital preservation of linked data", "Python for RDA records"] * 4
    together = TextVectorizer().fit_transform(texts)
    apart = TextVectorizer().fit(texts).transform(texts)
    assert together.has_sorted_indices
    assert together.indptr.tolist() == apart.indptr.tolist()
    assert together.indices.tolist() == apart.indices.tolist()
    assert together.data.tolist() == apart.data.tolist()  # equal floats, not merely close


def test_each_distinct_text_is_tokenised_once(monkeypatch):
    calls = []

    def counted(text, *, longest):
        calls.append(text)
        return meaningful_terms(text, longest=longest)

    monkeypatch.setattr(vectorize, "meaningful_terms", counted)
    texts = ["linked data", "linked data", "digital preservation"] * 10
    TextVectorizer().fit(texts).transform(texts)
    assert sorted(calls) == ["digital preservation", "linked data"]


def test_texts_without_terms_learn_nothing():
    vectorizer = TextVectorizer().fit(["", "the and of", "21 years"])
    assert vectorizer.tfidf_ is None
    assert vectorizer.transform(["linked data"]).shape == (1, 1)
    assert vectorizer.terms().tolist() == ["-"]
