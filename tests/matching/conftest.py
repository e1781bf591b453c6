"""Shared strategies and fixtures for engine tests."""

from hypothesis import strategies as st

from matching import Profile, Role

SKILLS = ("marc21", "rda", "bibframe", "python", "sparql", "alma")


@st.composite
def pools(draw, min_size=2, max_size=9, with_managers=True):
    """Small pools of random profiles over a few skills, with managers forming no cycle."""
    size = draw(st.integers(min_size, max_size))
    ids = [f"p{i:02d}@lib.edu" for i in range(size)]
    profiles = []
    for position, person in enumerate(ids):
        levels = draw(st.dictionaries(st.sampled_from(SKILLS), st.integers(0, 4), max_size=5))
        learn = tuple(draw(st.lists(st.sampled_from(SKILLS), unique=True, max_size=3)))
        teach = draw(st.none() | st.lists(st.sampled_from(SKILLS), unique=True, max_size=3))
        manager = None
        if with_managers and position and draw(st.booleans()):
            manager = ids[draw(st.integers(0, position - 1))]  # earlier people only: no cycle
        profiles.append(Profile(
            id=person,
            levels=levels,
            learn=learn,
            teach=tuple(teach) if teach is not None else None,
            role=draw(st.sampled_from(list(Role))),
            capacity=draw(st.integers(0, 3)),
            manager=manager,
            goals=draw(st.sampled_from(["", "learn linked data", "catalogue in BIBFRAME"])),
            bio=draw(st.sampled_from(["", "linked data lead", "BIBFRAME cataloguer"])),
        ))
    return profiles
