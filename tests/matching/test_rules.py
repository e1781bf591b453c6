"""Rules applied block by block give what the whole-matrix functions give."""

import numpy as np
import pytest
import scipy.sparse as sp

from matching.diagnose import count_by_rule
from matching.rules import Rule, allowed_blocks, without_rules


@pytest.mark.parametrize("block_rows", [1, 3, 50])
def test_blockwise_rules_match_the_whole_matrix(block_rows):
    rng = np.random.default_rng(3)
    raw = sp.random(40, 30, density=0.3, random_state=3, format="csr")
    raw.data = np.round(raw.data, 6) + 1e-6
    raw.sort_indices()
    rules = {
        Rule.SAME_MANAGER: (rng.integers(0, 40, 200), rng.integers(0, 30, 200)),
        Rule.AVOID: (np.array([0, 0, 39]), np.array([0, 0, 29])),  # a duplicate pair counts once
    }
    blocks = ((start, raw[start:start + block_rows]) for start in range(0, 40, block_rows))
    allowed, figures = allowed_blocks(blocks, rules, raw.shape)
    expected = without_rules(raw, rules)
    assert (allowed != expected).nnz == 0 and allowed.nnz == expected.nnz
    assert figures["eligible"] == raw.nnz
    assert figures["raw_rows"].tolist() == np.diff(raw.indptr).tolist()
    assert figures["raw_cols"].tolist() == np.bincount(raw.indices, minlength=30).tolist()
    counts = count_by_rule(raw, rules)
    assert {r: c.tolist() for r, c in figures["rule_counts"].items()} == {
        r: c.tolist() for r, c in counts.items()}
