"""Turn profiles into sparse matrices: skill levels, weighted learning wants, teaching offers, text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer, TfidfTransformer

from matching.profiles import Profile

__all__ = ["DOMAIN_STOP_WORDS", "ProfileVectorizer", "SkillMatrices",
           "TextVectorizer", "meaningful_terms"]


#: Words nearly every library goal or bio uses, which say nothing about a match: the
#: workplace, time and experience, wanting and learning, and job-title words. Removed with
#: scikit-learn's English stop words; numbers are never terms ("21" of MARC 21 would meet
#: "21 years").
DOMAIN_STOP_WORDS = frozenset((
    "library", "libraries", "librarian", "librarians", "librarianship", "academic", "public",
    "university", "college", "institution", "campus", "branch", "department", "departments",
    "unit", "office", "year", "years", "month", "months", "week", "weeks", "day", "days",
    "time", "experience", "experienced", "career", "learn", "learning", "learned", "learnt",
    "want", "wants", "wanted", "wanting", "like", "hope", "hoping", "hopes", "goal", "goals",
    "interested", "interest", "interests", "help", "helping", "helped", "improve", "improving",
    "better", "grow", "growing", "develop", "developing", "development", "build", "building",
    "understand", "understanding", "knowledge", "skill", "skills", "know", "new", "get",
    "getting", "make", "making", "use", "using", "used", "good", "great", "really", "also",
    "currently", "work", "working", "worked", "works", "job", "jobs", "role", "roles", "task",
    "tasks", "daily", "practice", "practical", "mentor", "mentors", "mentee",
    "mentees", "mentoring", "mentorship", "programme", "program", "colleague", "colleagues",
    "team", "teams", "staff", "people", "person", "someone", "head", "heads", "manager",
    "managers", "director", "directors", "assistant", "associate", "senior", "junior", "lead",
    "leader", "coordinator", "officer", "specialist", "technician", "chief", "deputy", "dean",
))


@dataclass(frozen=True)
class SkillMatrices:
    """Row-aligned sparse matrices for a list of profiles (one row per profile).

    proficiency : int levels 0-4.
    want : the rank of each learning want, 1 for the most wanted (`matching.scoring.rank_weight`
        weighs it).
    teach : 1.0 where the person offers to teach the skill.
    """

    proficiency: sp.csr_matrix
    want: sp.csr_matrix
    teach: sp.csr_matrix

    def take(self, rows: np.ndarray) -> SkillMatrices:
        """Return the matrices restricted to `rows`, in that order."""
        return SkillMatrices(self.proficiency[rows], self.want[rows], self.teach[rows])


class ProfileVectorizer(BaseEstimator):
    """Encode profiles as sparse skill matrices over a fixed skill vocabulary.

    Parameters
    ----------
    skill_ids : sequence of str, optional
        Column order. When None, `fit` uses the sorted skills the profiles mention.

    Attributes
    ----------
    skills_ : list of str
        The column order.
    skill_index_ : dict of str to int
        Column of each skill.
    """

    def __init__(self, *, skill_ids: Sequence[str] | None = None) -> None:
        self.skill_ids = skill_ids

    def fit(self, profiles: Sequence[Profile], y: None = None) -> ProfileVectorizer:
        """Fix the skill vocabulary and return self."""
        if self.skill_ids is not None:
            skills = list(self.skill_ids)
        else:
            mentioned: set[str] = set()
            for profile in profiles:
                mentioned.update(profile.levels, profile.learn, profile.teaching)
            skills = sorted(mentioned)
        if len(set(skills)) != len(skills):
            raise ValueError("skill_ids contains duplicates")
        self.skills_ = skills
        self.skill_index_ = {skill: column for column, skill in enumerate(skills)}
        return self

    def transform(self, profiles: Sequence[Profile]) -> SkillMatrices:
        """Return the skill matrices of `profiles`; unknown skills raise KeyError."""
        index = self.skill_index_
        shape = (len(profiles), len(self.skills_))
        level_rows, level_cols, level_vals = [], [], []
        want_rows, want_cols, want_vals = [], [], []
        teach_rows, teach_cols = [], []
        for row, profile in enumerate(profiles):
            for skill, level in profile.levels.items():
                if level:
                    level_rows.append(row)
                    level_cols.append(index[skill])
                    level_vals.append(level)
            for rank, skill in enumerate(dict.fromkeys(profile.learn), start=1):
                want_rows.append(row)
                want_cols.append(index[skill])
                want_vals.append(rank)
            for skill in profile.teaching:
                teach_rows.append(row)
                teach_cols.append(index[skill])
        return SkillMatrices(
            proficiency=_csr(level_rows, level_cols, level_vals, shape, np.int8),
            want=_csr(want_rows, want_cols, want_vals, shape, np.float64),
            teach=_csr(teach_rows, teach_cols, np.ones(len(teach_rows)), shape, np.float64),
        )

    def fit_transform(self, profiles: Sequence[Profile], y: None = None) -> SkillMatrices:
        """Fit, then transform the same profiles."""
        return self.fit(profiles).transform(profiles)


def _csr(rows, cols, values, shape, dtype) -> sp.csr_matrix:
    matrix = sp.csr_matrix(
        (np.asarray(values, dtype=dtype), (np.asarray(rows, np.int64), np.asarray(cols, np.int64))),
        shape=shape,
    )
    matrix.sum_duplicates()
    return matrix


_STOP_WORDS = ENGLISH_STOP_WORDS | DOMAIN_STOP_WORDS
# Runs of letters, runs of digits, or one other visible character.
_TOKEN = re.compile(r"[^\W\d_]+|\d+|[^\w\s]")


def meaningful_terms(text: str, *, longest: int = 2) -> list[str]:
    """Return the terms of a text: its words and phrases of up to `longest` words, without
    stop words, numbers or one-letter words; a phrase is words next to each other in the text
    (a hyphen joins them: "linked-data"), so punctuation, a number or a stop word breaks it.

    >>> meaningful_terms("I want to learn MARC 21 and linked-data after 21 years")
    ['marc', 'linked', 'data', 'linked data']
    >>> meaningful_terms("Cataloguing: MARC21, BIBFRAME")
    ['cataloguing', 'marc', 'bibframe']
    """
    runs: list[list[str]] = []
    run: list[str] = []
    stop_words = _STOP_WORDS
    for token in _TOKEN.findall(text.casefold()):
        if token == "-":
            continue
        if len(token) < 2 or token in stop_words or not token.isalpha():
            if run:
                runs.append(run)
                run = []
        else:
            run.append(token)
    if run:
        runs.append(run)
    terms = [word for run in runs for word in run]
    for size in range(2, longest + 1):
        terms += [" ".join(run[i:i + size]) for run in runs for i in range(len(run) - size + 1)]
    return terms


class TextVectorizer(BaseEstimator):
    """TF-IDF vectors of free text (goals and bios), L2-normalised so a dot product is a cosine.

    scikit-learn's TF-IDF (a ``CountVectorizer`` with `meaningful_terms` as its analyser, then a
    ``TfidfTransformer`` with sublinear tf: what its ``TfidfVectorizer`` is made of), computing
    the same numbers. The analyser remembers what it made of each text, so a text many people
    share (or one that `fit` and then `transform` see) is tokenised once.

    Parameters
    ----------
    ngram_range : tuple of int
        Word n-grams to use; bigrams catch phrases such as "linked data".
    min_df : int
        Ignore terms used by fewer texts than this.

    Attributes
    ----------
    counts_ : CountVectorizer or None
        The fitted term counter; None when the texts held no terms at all.
    tfidf_ : TfidfTransformer or None
        The fitted idf weights; None when the texts held no terms at all.
    """

    def __init__(self, *, ngram_range: tuple[int, int] = (1, 2), min_df: int = 1) -> None:
        self.ngram_range = ngram_range
        self.min_df = min_df

    def fit(self, texts: Sequence[str], y: None = None) -> TextVectorizer:
        """Learn the vocabulary and idf weights of `texts` and return self."""
        self.fit_transform(texts)
        return self

    def fit_transform(self, texts: Sequence[str], y: None = None) -> sp.csr_matrix:
        """Learn from `texts` and return their TF-IDF rows: exactly what
        `fit(texts).transform(texts)` returns, with each text's terms counted once, not twice."""
        counts = CountVectorizer(analyzer=_RememberedTerms(self.ngram_range[1]),
                                 min_df=self.min_df, dtype=np.float64)
        try:
            matrix = counts.fit_transform(texts)
        except ValueError:  # every text empty or only stop words: there is nothing to compare
            self.counts_ = self.tfidf_ = None
            return sp.csr_matrix((len(texts), 1))
        # Fitting renumbers the terms in alphabetical order without re-sorting each row; in
        # sorted order each row's norm sums exactly as `transform` sums it.
        matrix.sort_indices()
        self.counts_ = counts
        self.tfidf_ = TfidfTransformer(sublinear_tf=True)
        return self.tfidf_.fit_transform(matrix).tocsr()

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Return the TF-IDF rows of `texts` (all zero when nothing was learned)."""
        if self.tfidf_ is None:
            return sp.csr_matrix((len(texts), 1))
        return self.tfidf_.transform(self.counts_.transform(texts)).tocsr()

    def terms(self) -> np.ndarray:
        """Return the learned terms, indexed by column."""
        if self.counts_ is None:
            return np.array(["-"])
        return self.counts_.get_feature_names_out()


class _RememberedTerms:
    """`meaningful_terms` as an analyser that computes each distinct text's terms once."""

    def __init__(self, longest: int) -> None:
        self.longest = longest
        self.seen: dict[str, list[str]] = {}

    def __call__(self, text: str) -> list[str]:
        terms = self.seen.get(text)
        if terms is None:
            terms = self.seen[text] = meaningful_terms(text, longest=self.longest)
        return terms


