"""The default taxonomy and the loader's checks."""

import dataclasses
import re

import pytest

from matching import TaxonomyError, load_taxonomy, parse_level
from matching.taxonomy import LEVEL_NAMES, LEVEL_WORDS, Ambiguity, Taxonomy

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


def test_a_guide_names_where_to_look_instead_of_the_file(taxonomy):
    guided = dataclasses.replace(taxonomy, guide="the Skills page")
    assert guided.unknown_skill_message("zzzzqqq") == \
        "unknown skill 'zzzzqqq'; see the Skills page for the skill names"
    assert taxonomy.source not in guided.unknown_skill_message("zzzzqqq")
    assert guided == taxonomy and guided.resolve("MARC 21") == taxonomy.resolve("MARC 21")


@pytest.mark.parametrize(("value", "level"), [
    (0, 0), ("4", 4), ("expert", 4), ("Working Knowledge", 2), ("working", 2), ("AWARE", 1),
    ("working-knowledge", 2),
])
def test_parse_level_accepts_numbers_and_names(value, level):
    assert parse_level(value) == level


@pytest.mark.parametrize(("word", "level"), [
    ("beginner", 1), ("novice", 1), ("basic", 1), ("intermediate", 2), ("Intermediate", 2),
    ("advanced", 3), ("fluent", 3), ("Fluent ", 3), ("EXPERT", 4), ("none", 0),
])
def test_parse_level_accepts_the_level_words_people_use(word, level):
    assert parse_level(word) == level


def test_every_level_word_is_documented_with_its_level():
    assert LEVEL_WORDS == {
        "none": 0, "aware": 1, "beginner": 1, "novice": 1, "basic": 1,
        "working knowledge": 2, "working": 2, "intermediate": 2,
        "proficient": 3, "advanced": 3, "fluent": 3, "expert": 4,
    }
    for level, name in enumerate(LEVEL_NAMES):
        assert LEVEL_WORDS[name] == level


def test_a_refused_level_lists_the_words_accepted():
    with pytest.raises(ValueError) as caught:
        parse_level("great")
    assert str(caught.value) == (
        "level 'great' is not one of 0-4 or a level word (0 none, 1 aware/beginner/novice/basic, "
        "2 working knowledge/working/intermediate, 3 proficient/advanced/fluent, 4 expert)")


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
    ("categories:\n  - id: a\n    name: A\n    skills: [{id: x, name: X, aliases: [Q]}, {id: y, name: Y}]"
     "\nambiguous: [{spelling: q, skills: [x, y]}]", "ambiguous spelling 'q' is also a name of 'x'"),
    ("categories:\n  - id: a\n    name: A\n    skills: [{id: x, name: X}]"
     "\nambiguous: [{spelling: q, skills: [x, zz]}]", "names unknown skill(s) zz"),
    ("categories:\n  - id: a\n    name: A\n    skills: [{id: x, name: X}]"
     "\nambiguous: [{spelling: q, skills: [x]}]", "must name at least two skills"),
    ("categories:\n  - id: a\n    name: A\n    skills: [{id: x, name: X}, {id: y, name: Y}]"
     "\nambiguous: [{spelling: q, skills: [x, y], prefer: z}]", "prefer 'z' is not one of its skills"),
    ("categories:\n  - id: a\n    name: A\n    skills: [{id: x, name: X}, {id: y, name: Y}]"
     "\nambiguous: [{spelling: q, skills: [x, y]}, {spelling: Q, skills: [x, y]}]", "is listed twice"),
    ("categories:\n  - id: a\n    name: A\n    skills: [{id: x, name: X, replaces: [y]}, {id: y, name: Y}]",
     "'x' replaces 'y', which is still a skill"),
    ("categories:\n  - id: a\n    name: A\n    skills: [{id: x, name: X, replaces: [Bad Id]}]",
     "replaces 'Bad Id' is not a lowercase slug"),
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


def test_hyphenated_ids_are_accepted_in_profiles_and_in_taxonomy_files(taxonomy, tmp_path):
    assert taxonomy.resolve("dublin-core") == "dublin_core"
    assert taxonomy.resolve("ils-migration") == "ils_migration"
    path = tmp_path / "skills.yaml"
    path.write_text("categories:\n  - id: local-systems\n    name: Local\n    skills:\n"
                    "      - {id: dublin-core, name: Dublin Core}\n")
    custom = load_taxonomy(path)
    assert custom.skill_ids == ("dublin_core",)
    assert custom.categories[0].id == "local_systems"


def test_lcc_and_dewey_are_two_skills(taxonomy):
    assert "classification" not in taxonomy
    assert taxonomy.resolve("LCC") == "lcc"
    assert taxonomy.resolve("Library of Congress Classification") == "lcc"
    assert taxonomy.resolve("Dewey") == taxonomy.resolve("DDC") == "dewey"
    assert taxonomy.replaced["classification"] == ("lcc", "dewey")


def test_the_id_of_a_split_skill_is_ambiguous_between_its_successors(taxonomy):
    assert taxonomy.resolve("classification") is None
    assert taxonomy.ambiguity("Classification") == Ambiguity("classification", ("lcc", "dewey"))
    assert taxonomy.ambiguous_skill_message("Classification") == (
        "'Classification' could name 'LC Classification' or 'Dewey Decimal Classification'")


def test_a_renamed_id_keeps_naming_its_skill():
    taxonomy = Taxonomy.from_dict({"categories": [{"id": "a", "name": "A", "skills": [
        {"id": "new_name", "name": "New name", "replaces": ["old_name"]}]}]})
    assert taxonomy.resolve("old_name") == taxonomy.resolve("old-name") == "new_name"
    assert taxonomy.replaced == {"old_name": ("new_name",)}


def test_ror_is_the_registry_in_a_library_and_says_it_could_be_rails(taxonomy):
    entry = taxonomy.ambiguity("ROR")
    assert entry == taxonomy.ambiguity("RoR")
    assert entry.prefer == "ror_registry"
    assert set(entry.skills) == {"ror_registry", "ruby_on_rails"}
    assert taxonomy.resolve("ROR") is None
    assert taxonomy.resolve("Research Organization Registry") == "ror_registry"
    assert taxonomy.resolve("Ruby on Rails") == "ruby_on_rails"
    assert taxonomy.ambiguous_skill_message("RoR") == (
        "'RoR' could name 'Research Organization Registry' or 'Ruby on Rails'")


def test_no_ambiguous_spelling_is_a_name_or_alias_of_the_default_taxonomy(taxonomy):
    for entry in taxonomy.ambiguities:
        assert taxonomy.resolve(entry.spelling) is None, entry.spelling
        assert all(skill in taxonomy for skill in entry.skills)


@pytest.mark.parametrize(("spelling", "skill"), [
    ("supervision", "supervision"), ("budgeting", "budgeting"),
    ("project management", "project_management"), ("change management", "change_management"),
    ("OCLC Connexion", "oclc_connexion"), ("Record Manager", "record_manager"), ("NACO", "naco"),
    ("SACO", "saco"), ("BIBCO", "bibco"), ("CONSER", "conser"), ("MARC authority", "marc_authority"),
    ("EAD", "ead"), ("DACS", "dacs"), ("ArchivesSpace", "archivesspace"), ("Polaris", "polaris"),
    ("BiblioCommons", "bibliocommons"), ("public computing", "public_computing"), ("ILL", "ill"),
    ("ILLiad", "illiad"), ("acquisitions", "acquisitions"), ("copyright", "copyright"),
    ("OER", "oer"), ("GIS", "gis"), ("ArcGIS", "arcgis"), ("PDF remediation", "document_accessibility"),
    ("screen readers", "assistive_technology"), ("WCAG", "web_accessibility"),
])
def test_the_widened_domains_are_covered(taxonomy, spelling, skill):
    assert taxonomy.resolve(spelling) == skill
