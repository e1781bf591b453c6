"""The default taxonomy and the loader's checks."""

import re

import pytest

from matching import TaxonomyError, load_taxonomy, parse_level
from matching.taxonomy import LEVEL_NAMES, Taxonomy

SLUG = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)*$")


def test_default_taxonomy_covers_the_field(taxonomy):
    assert len(taxonomy.categories) >= 12
    assert len(taxonomy) >= 60
    for category in taxonomy.categories:
        assert SLUG.match(category.id)
    for skill in taxonomy.skills.values():
        assert SLUG.match(skill.id)
    for named in ("Alma", "FOLIO", "Koha", "MARC 21", "BIBFRAME", "DSpace", "PREMIS", "SPARQL",
                  "KBART", "COUNTER", "OAI-PMH", "Python"):
        assert taxonomy.resolve(named), named


@pytest.mark.parametrize(("spelling", "skill"), [
    ("marc21", "marc21"), ("MARC 21", "marc21"), ("marc", "marc21"), ("  Dublin core ", "dublin_core"),
])
def test_resolve_by_id_name_or_alias(taxonomy, spelling, skill):
    assert taxonomy.resolve(spelling) == skill


def test_unknown_skill_suggests_close_names(taxonomy):
    assert taxonomy.resolve("MARK 21") is None
    assert "MARC 21" in taxonomy.suggest("MARK 21")
    assert "did you mean 'MARC 21'" in taxonomy.unknown_skill_message("MARK 21")
    assert "see the taxonomy" in taxonomy.unknown_skill_message("zzzzqqq")


@pytest.mark.parametrize(("value", "level"), [
    (0, 0), ("4", 4), ("expert", 4), ("Working Knowledge", 2), ("working", 2), ("AWARE", 1),
])
def test_parse_level_accepts_numbers_and_names(value, level):
    assert parse_level(value) == level


@pytest.mark.parametrize("value", [5, -1, "-1", "7", "great", "", "2.5", True])
def test_parse_level_rejects_other_values(value):
    with pytest.raises(ValueError, match="not one of 0-4"):
        parse_level(value)


def test_level_names():
    assert LEVEL_NAMES == ("none", "aware", "working knowledge", "proficient", "expert")


@pytest.mark.parametrize(("text", "message"), [
    ("skills: []", "expected a mapping with a 'categories' list"),
    ("categories:\n  - id: Bad Id\n    name: X\n    skills: [{id: a, name: A}]", "not a lowercase slug"),
    ("categories:\n  - id: a\n    name: A\n    skills: []", "must be a non-empty list"),
    ("categories:\n  - id: a\n    name: A\n    skills: [{id: x, name: X}, {id: x, name: Y}]",
     "duplicate skill id 'x'"),
    ("categories:\n  - id: a\n    name: A\n    skills: [{id: x, name: X}, {id: y, name: x}]",
     "names both 'x' and 'y'"),
    ("categories: [", "not valid YAML"),
])
def test_bad_taxonomy_files_say_what_is_wrong(tmp_path, text, message):
    path = tmp_path / "skills.yaml"
    path.write_text(text)
    with pytest.raises(TaxonomyError, match=re.escape(message)):
        load_taxonomy(path)


def test_missing_taxonomy_file(tmp_path):
    with pytest.raises(TaxonomyError, match="cannot read taxonomy"):
        load_taxonomy(tmp_path / "nope.yaml")


def test_custom_taxonomy_round_trip():
    taxonomy = Taxonomy.from_dict({"categories": [
        {"id": "local", "name": "Local systems", "skills": [
            {"id": "our_ils", "name": "Our ILS", "aliases": ["Homegrown"]}]}]})
    assert taxonomy.skill_ids == ("our_ils",)
    assert taxonomy.resolve("homegrown") == "our_ils"
