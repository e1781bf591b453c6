"""Turn profiles into sparse matrices: skill levels, weighted learning wants, teaching offers, text."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from matching.profiles import Profile

__all__ = ["DOMAIN_STOP_WORDS", "ENGLISH_STOP_WORDS", "ProfileVectorizer", "SkillMatrices",
           "TextVectorizer", "meaningful_terms"]

#: scikit-learn's English stop words (`sklearn.feature_extraction.text.ENGLISH_STOP_WORDS`),
#: copied so that matching does not import scikit-learn (about a second of start-up, for
#: pandas and scipy.stats); a test checks the copy against scikit-learn's list.
ENGLISH_STOP_WORDS = frozenset((
    "a", "about", "above", "across", "after", "afterwards", "again", "against", "all", "almost",
    "alone", "along", "already", "also", "although", "always", "am", "among", "amongst",
    "amoungst", "amount", "an", "and", "another", "any", "anyhow", "anyone", "anything", "anyway",
    "anywhere", "are", "around", "as", "at", "back", "be", "became", "because", "become",
    "becomes", "becoming", "been", "before", "beforehand", "behind", "being", "below", "beside",
    "besides", "between", "beyond", "bill", "both", "bottom", "but", "by", "call", "can",
    "cannot", "cant", "co", "con", "could", "couldnt", "cry", "de", "describe", "detail", "do",
    "done", "down", "due", "during", "each", "eg", "eight", "either", "eleven", "else",
    "elsewhere", "empty", "enough", "etc", "even", "ever", "every", "everyone", "everything",
    "everywhere", "except", "few", "fifteen", "fifty", "fill", "find", "fire", "first", "five",
    "for", "former", "formerly", "forty", "found", "four", "from", "front", "full", "further",
    "get", "give", "go", "had", "has", "hasnt", "have", "he", "hence", "her", "here", "hereafter",
    "hereby", "herein", "hereupon", "hers", "herself", "him", "himself", "his", "how", "however",
    "hundred", "i", "ie", "if", "in", "inc", "indeed", "interest", "into", "is", "it", "its",
    "itself", "keep", "last", "latter", "latterly", "least", "less", "ltd", "made", "many", "may",
    "me", "meanwhile", "might", "mill", "mine", "more", "moreover", "most", "mostly", "move",
    "much", "must", "my", "myself", "name", "namely", "neither", "never", "nevertheless", "next",
    "nine", "no", "nobody", "none", "noone", "nor", "not", "nothing", "now", "nowhere", "of",
    "off", "often", "on", "once", "one", "only", "onto", "or", "other", "others", "otherwise",
    "our", "ours", "ourselves", "out", "over", "own", "part", "per", "perhaps", "please", "put",
    "rather", "re", "same", "see", "seem", "seemed", "seeming", "seems", "serious", "several",
    "she", "should", "show", "side", "since", "sincere", "six", "sixty", "so", "some", "somehow",
    "someone", "something", "sometime", "sometimes", "somewhere", "still", "such", "system",
    "take", "ten", "than", "that", "the", "their", "them", "themselves", "then", "thence",
    "there", "thereafter", "thereby", "therefore", "therein", "thereupon", "these", "they",
    "thick", "thin", "third", "this", "those", "though", "three", "through", "throughout", "thru",
    "thus", "to", "together", "too", "top", "toward", "towards", "twelve", "twenty", "two", "un",
    "under", "until", "up", "upon", "us", "very", "via", "was", "we", "well", "were", "what",
    "whatever", "when", "whence", "whenever", "where", "whereafter", "whereas", "whereby",
    "wherein", "whereupon", "wherever", "whether", "which", "while", "whither", "who", "whoever",
    "whole", "whom", "whose", "why", "will", "with", "within", "without", "would", "yet", "you",
    "your", "yours", "yourself", "yourselves",
))

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


class ProfileVectorizer:
    """Encode profiles as sparse skill matrices over a fixed skill vocabulary (scikit-learn's
    estimator conventions: keyword-only parameters, `fit` returns self, fitted `name_`s).

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


class TextVectorizer:
    """TF-IDF vectors of free text (goals and bios), L2-normalised so a dot product is a cosine.

    The same numbers, bit for bit, as scikit-learn's ``TfidfVectorizer(analyzer=
    meaningful_terms, sublinear_tf=True, min_df=min_df)`` (a test compares them): a term's
    weight in a text is ``(1 + log count) * idf``, ``idf = log((1 + n) / (1 + df)) + 1`` over
    the n texts of `fit`, and each row is divided by its L2 norm. Written here because importing
    scikit-learn costs the command line about a second; and each distinct text is tokenised
    once, however many people share it and whether `fit` or `transform` sees it.

    Parameters
    ----------
    ngram_range : tuple of int
        Word n-grams to use; bigrams catch phrases such as "linked data".
    min_df : int
        Ignore terms used by fewer texts than this.

    Attributes
    ----------
    vocabulary_ : dict of str to int or None
        The column of each term, in sorted order; None when the texts held no terms at all.
    idf_ : ndarray of float or None
        The inverse document frequency of each column.
    """

    def __init__(self, *, ngram_range: tuple[int, int] = (1, 2), min_df: int = 1) -> None:
        self.ngram_range = ngram_range
        self.min_df = min_df

    def fit(self, texts: Sequence[str], y: None = None) -> TextVectorizer:
        """Learn the vocabulary and idf weights of `texts` and return self."""
        self._counts: dict[str, Counter[str]] = {}
        documents: Counter[str] = Counter()
        for text, copies in Counter(texts).items():
            for term in self._count(text):
                documents[term] += copies
        terms = sorted(term for term, count in documents.items() if count >= self.min_df)
        if not terms or self.min_df > len(texts):  # nothing to compare
            self.vocabulary_, self.idf_ = None, None
            return self
        self.vocabulary_ = {term: column for column, term in enumerate(terms)}
        # The operations of scikit-learn's TfidfTransformer.fit, in its order (smooth idf).
        frequency = np.array([documents[term] for term in terms], np.int64).astype(np.float64)
        frequency += 1.0
        idf = np.full_like(frequency, fill_value=len(texts) + 1, dtype=np.float64)
        idf /= frequency
        np.log(idf, out=idf)
        idf += 1.0
        self.idf_ = idf
        return self

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Return the TF-IDF rows of `texts` (all zero when nothing was learned)."""
        if self.vocabulary_ is None:
            return sp.csr_matrix((len(texts), 1))
        vocabulary = self.vocabulary_
        indptr, indices, counts = [0], [], []
        for text in texts:
            # Columns in increasing order, as scikit-learn's sorted indices have them.
            row = sorted((vocabulary[term], count) for term, count in self._count(text).items()
                         if term in vocabulary)
            indices += [column for column, _ in row]
            counts += [count for _, count in row]
            indptr.append(len(indices))
        indptr_array = np.asarray(indptr, np.int32)
        indices_array = np.asarray(indices, np.int32)
        data = np.asarray(counts, np.intc).astype(np.float64)
        np.log(data, data)  # sublinear tf: 1 + log(count)
        data += 1.0
        data *= self.idf_[indices_array]
        _normalize_rows(data, indptr_array)
        return sp.csr_matrix((data, indices_array, indptr_array),
                             shape=(len(texts), len(vocabulary)))

    def terms(self) -> np.ndarray:
        """Return the learned terms, indexed by column."""
        if self.vocabulary_ is None:
            return np.array(["-"])
        return np.asarray(list(self.vocabulary_), dtype=object)

    def _count(self, text: str) -> Counter[str]:
        """Return the term counts of `text`, tokenising it once."""
        counts = self._counts.get(text)
        if counts is None:
            counts = self._counts[text] = Counter(meaningful_terms(text,
                                                                   longest=self.ngram_range[1]))
        return counts


def _normalize_rows(data: np.ndarray, indptr: np.ndarray) -> None:
    """Divide each CSR row's values by their L2 norm, in place; rows of zeros stay.

    The squares are added in each row's order, one position at a time across all rows, which
    is the sum scikit-learn's `normalize` computes (one value after the other), so the norms
    agree to the last bit.
    """
    lengths = np.diff(indptr)
    starts = indptr[:-1].astype(np.int64)
    squares = data * data
    sums = np.zeros(len(lengths))
    for position in range(int(lengths.max(initial=0))):
        rows = np.flatnonzero(lengths > position)
        sums[rows] += squares[starts[rows] + position]
    norms = np.sqrt(sums)
    norms[sums == 0.0] = 1.0
    data /= np.repeat(norms, lengths)
