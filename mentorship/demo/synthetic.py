"""Seeded generator of realistic synthetic library technology staff.

The rows use the profile CSV interchange format (see ``CSV_COLUMNS``): every value is a
string, skills are written ``skill_id=level; skill_id=level`` and skill lists are
``"; "``-separated. Levels follow the taxonomy scale: 0 none, 1 aware, 2 working knowledge,
3 proficient, 4 expert.

Each person gets a department and a job title; the title decides which skills they hold
and at what level, so a Metadata Librarian rates MARC 21 and RDA highly and a Systems
Librarian rates an ILS, single sign-on and Linux highly. Mentees skew lower, mentors higher.
What people ask to learn follows their job: mostly what people in that job ask for, or a
skill of the job they do not know yet; now and then something else that caught their eye.

The org chart is a tree: a Dean of Libraries; in pools of ``ASSOCIATES_FROM`` people or more,
an Associate Dean per division (data/staff.json ``DIVISIONS``); one Head per department, who
reports to their division's associate (or the dean); and within a department, teams: nobody
has more than ``SPAN`` direct reports, so a department larger than that gets Team Leads
(each a post of its own, named after a team), who report to the head or to another team lead.
Everyone appears after their manager, so the reporting graph never has a cycle. Leaders also
ask to learn what leaders do (the ``leadership`` job).
"""

from __future__ import annotations

import bisect
import csv
import functools
import json
import os
import random
import string
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from itertools import accumulate
from pathlib import Path
from statistics import NormalDist
from typing import NamedTuple, TypeVar

import yaml

from mentorship.taxonomy import DEFAULT_TAXONOMY_PATH

_T = TypeVar("_T")

__all__ = ["Post", "generate_staff", "generate_staff_with_posts", "write_staff_csv"]

CSV_COLUMNS = (
    "email",
    "name",
    "department",
    "manager_email",
    "role",
    "capacity",
    "skills",
    "learn",
    "teach",
    "goals",
    "bio",
    "years_experience",
    "format_preference",
    "location",
    "time_zone",
    "institution",
)


EMAIL_DOMAIN = "westbrook.edu"

MIN_SKILLS = 6
MAX_SKILLS = 15
LEVELS = (1, 2, 3, 4)
# Standard deviation of a person's level around the mean for their job, role and experience.
LEVEL_SPREAD = 0.6

# About one department per this many people (every department has one head).
HEAD_SHARE = 1 / 8
#: The most people who report directly to one manager within a department.
SPAN = 8
#: Pools this large get an associate dean per division between the dean and the heads.
ASSOCIATES_FROM = 40
#: The chances that a want is one people in the job often ask for, or else a skill of the job
#: the person does not know yet; the rest is curiosity (any skill, emerging ones favoured).
JOB_WANT_SHARE = 0.55
GROWTH_WANT_SHARE = 0.4

# Heads are mostly mentors. The weights for everyone else are set so that the whole
# population comes out near 30% mentor, 35% mentee and 35% both.
ROLES = ("mentor", "mentee", "both")
HEAD_ROLE_WEIGHTS = (0.45, 0.10, 0.45)
STAFF_ROLE_WEIGHTS = (0.279, 0.386, 0.336)
HEAD_ROLE_CUM_WEIGHTS = tuple(accumulate(HEAD_ROLE_WEIGHTS))
STAFF_ROLE_CUM_WEIGHTS = tuple(accumulate(STAFF_ROLE_WEIGHTS))

MENTOR_CAPACITY_WEIGHTS = {1: 0.45, 2: 0.40, 3: 0.15}

# Mean levels of a person's core and secondary skills, by role.
ROLE_LEVEL_BASES = {"mentor": (3.4, 2.4), "both": (3.0, 2.1), "mentee": (2.2, 1.6)}
# Years in libraries, by role, for people who are not department heads.
ROLE_YEARS = {"mentor": (7, 30), "both": (3, 20), "mentee": (0, 8)}
# Years in libraries of the people who lead, by post.
LEADER_YEARS = {"director": (18, 35), "associate": (15, 32), "head": (10, 32), "lead": (6, 25)}

# Topics the field is moving toward; people ask to learn these more often.
EMERGING_SKILLS = frozenset(
    {
        "bibframe", "rdf", "sparql", "wikidata", "json_ld", "linked_data_vocabularies",
        "machine_learning", "llms", "nlp", "vector_search", "automated_indexing",
        "prompt_engineering", "ai_ethics", "ai_literacy", "aws", "azure", "google_cloud",
        "docker", "kubernetes", "infrastructure_as_code", "python", "folio", "iiif",
        "fair_data", "power_bi", "web_accessibility",
    }
)
EMERGING_WEIGHT = 4.0

# Alternatives within one profile slot: a person uses one of these, the first most often.
ILS_CHOICES = ("alma", "folio", "sierra", "koha", "evergreen", "symphony", "worldshare")
DISCOVERY_CHOICES = ("primo", "vufind", "eds", "blacklight", "summon")
REPOSITORY_CHOICES = ("dspace", "samvera", "islandora", "digital_commons", "contentdm", "fedora_commons")
CLOUD_CHOICES = ("aws", "azure", "google_cloud")
DASHBOARD_CHOICES = ("tableau", "power_bi")
CMS_CHOICES = ("drupal", "wordpress")
DATA_LANGUAGE_CHOICES = ("python", "r")
APP_LANGUAGE_CHOICES = ("python", "java", "php")
SEARCH_UI_CHOICES = ("blacklight", "vufind")
SERVER_CHOICES = ("linux", "windows_server")
PROXY_CHOICES = ("ezproxy", "openathens")

Slot = str | tuple[str, ...]


class Profile(NamedTuple):
    """The skills and stories that go with one kind of job."""

    core: tuple[Slot, ...]  # the first two slots are always held; they name the bio's systems
    secondary: tuple[Slot, ...]
    wants: tuple[str, ...]  # what people in this job most often ask to learn
    feats: tuple[str, ...]  # bio phrases; {core0}, {core1} and {prev0} are skill names


def _tuples(value):
    """JSON's lists back as the tuples the generator uses (dicts keep their order)."""
    if isinstance(value, list):
        return tuple(_tuples(item) for item in value)
    if isinstance(value, dict):
        return {key: _tuples(item) for key, item in value.items()}
    return value


def _load_tables() -> dict:
    """Read the generator's data tables."""
    return json.loads((Path(__file__).resolve().parent / "data" / "staff.json")
                      .read_text(encoding="utf-8"))


# The tables the generator draws from (jobs with their skills and bio phrases, departments,
# names, goal phrases) are data: data/staff.json beside this module.
_TABLES = _load_tables()
PROFILES: dict[str, Profile] = {job: Profile(**_tuples(entry))
                                for job, entry in _TABLES["PROFILES"].items()}
DEPARTMENTS = _tuples(_TABLES["DEPARTMENTS"])
DEPARTMENT_WEIGHTS: dict[str, int] = _TABLES["DEPARTMENT_WEIGHTS"]
FIRST_NAMES = _tuples(_TABLES["FIRST_NAMES"])
LAST_NAMES = _tuples(_TABLES["LAST_NAMES"])
# Bio phrases for people in their first few years, whatever their job.
JUNIOR_FEATS = _tuples(_TABLES["JUNIOR_FEATS"])
BIO_BACKGROUNDS = _tuples(_TABLES["BIO_BACKGROUNDS"])
LEARN_VERBS = _tuples(_TABLES["LEARN_VERBS"])
CATEGORY_REASONS: dict[str, tuple[str, ...]] = _tuples(_TABLES["CATEGORY_REASONS"])
SKILL_REASONS: dict[str, tuple[str, ...]] = _tuples(_TABLES["SKILL_REASONS"])
DEFAULT_REASONS = _tuples(_TABLES["DEFAULT_REASONS"])
GOAL_CLOSERS = _tuples(_TABLES["GOAL_CLOSERS"])
MENTOR_GOALS = _tuples(_TABLES["MENTOR_GOALS"])
BOTH_OFFERS = _tuples(_TABLES["BOTH_OFFERS"])
# The divisions an associate dean leads, each with its departments; team names by department.
DIVISIONS: dict[str, tuple[str, ...]] = _tuples(_TABLES["DIVISIONS"])
TEAMS: dict[str, tuple[str, ...]] = _tuples(_TABLES["TEAMS"])
LEADERSHIP: dict[str, str] = _TABLES["LEADERSHIP"]
# Where each department works, and the institution with its time zone and meeting formats.
SITES: dict[str, str] = {k: v for k, v in _TABLES["SITES"].items() if not k.startswith("_")}
PLACE = _TABLES["PLACE"]
#: The job whose skills and wants leaders add to their own.
LEADERSHIP_JOB = "leadership"






# Words that stay capitalized mid-sentence even though they look like ordinary words.
PROPER_WORDS = frozenset({"Linux", "Ruby", "Microsoft", "Google", "Windows", "Apache", "Alma"})
# Single-word skill names that are ordinary nouns.
COMMON_WORDS = frozenset(
    {
        "Statistics", "Spreadsheets", "Digitization", "Networking", "Triplestores",
        "Classification", "Screencasting",
    }
)


class _Taxonomy(NamedTuple):
    """Skill names and category ids, by skill id."""

    names: dict[str, str]
    categories: dict[str, str]


def _load_taxonomy(path: Path) -> _Taxonomy:
    """Read skill names and categories from a taxonomy YAML file."""
    with open(path, encoding="utf-8") as taxonomy_file:
        document = yaml.safe_load(taxonomy_file)
    names: dict[str, str] = {}
    categories: dict[str, str] = {}
    for category in document["categories"]:
        for skill in category["skills"]:
            names[skill["id"]] = skill["name"]
            categories[skill["id"]] = category["id"]
    return _Taxonomy(names, categories)


def _phrase(name: str) -> str:
    """Return a skill name as it reads mid-sentence ("Machine learning" -> "machine learning")."""
    words = name.split()
    first = words[0]
    looks_common = first[:1].isupper() and first[1:].islower() and first not in PROPER_WORDS
    if looks_common and (name in COMMON_WORDS or (len(words) > 1 and words[1][:1].islower())):
        return first[0].lower() + name[1:]
    return name


def _join(items: Sequence[str]) -> str:
    """Join phrases as English prose: "a", "a and b", "a, b and c"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


@functools.cache
def _email_local_part(name: str) -> str:
    """Return the ASCII "first.last" form of a name."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    first, _, last = ascii_name.lower().partition(" ")
    keep = "abcdefghijklmnopqrstuvwxyz-"
    first = "".join(ch for ch in first if ch in keep)
    last = "".join(ch for ch in last if ch in keep)
    return f"{first}.{last}"


class _QuickRandom(random.Random):
    """A seeded ``random.Random`` with cheap single draws.

    ``int(random() * n)`` is several times faster than ``randrange(n)``, and its bias (about
    n / 2**53) does not matter for synthetic data; 30,000 rows take about a million draws.
    """

    def pick(self, items: Sequence[_T]) -> _T:
        """Return one of `items`, uniformly."""
        return items[int(self.random() * len(items))]

    def between(self, low: int, high: int) -> int:
        """Return an integer from `low` to `high` inclusive."""
        return low + int(self.random() * (high - low + 1))

    def draw(self, items: Sequence[_T], cum_weights: Sequence[float]) -> _T:
        """Return one of `items`, chosen by cumulative weights."""
        return items[bisect.bisect(cum_weights, self.random() * cum_weights[-1])]

    def pick_distinct(self, items: Sequence[_T], count: int) -> list[_T]:
        """Return `count` items drawn without replacement, in random order."""
        pool = list(items)
        for position in range(count):
            swap = position + int(self.random() * (len(pool) - position))
            pool[position], pool[swap] = pool[swap], pool[position]
        return pool[:count]


@functools.cache
def _level_cum_weights(base: float) -> tuple[float, float, float, float]:
    """Return the cumulative chances of levels 1-4 for `base` plus normal noise, rounded."""
    cdf = NormalDist(base, LEVEL_SPREAD).cdf
    return (cdf(1.5), cdf(2.5), cdf(3.5), 1.0)


def _level(rng: _QuickRandom, base: float) -> int:
    """Draw a skill level from 1 to 4 around `base`."""
    # Bases are multiples of 0.05, so a handful of tables serve every draw.
    return rng.draw(LEVELS, _level_cum_weights(round(base, 2)))


def _years_phrase(years: int) -> str:
    """Describe a career length as it follows a job title."""
    if years == 0:
        return ", new to libraries this year"
    if years == 1:
        return " with 1 year in libraries"
    return f" with {years} years in libraries"


class _Generator:
    """Build rows one at a time from a seeded random stream."""

    def __init__(self, rng: _QuickRandom, skill_ids: Sequence[str], taxonomy: _Taxonomy) -> None:
        self.rng = rng
        self.skill_ids = list(dict.fromkeys(skill_ids))
        self.available = set(self.skill_ids)
        self.taxonomy = taxonomy
        self.phrases = {skill: _phrase(self.name_of(skill)) for skill in self.skill_ids}
        learn_weights = [
            EMERGING_WEIGHT if skill in EMERGING_SKILLS else 1.0 for skill in self.skill_ids
        ]
        self.learn_cum_weights = list(accumulate(learn_weights))
        self.used_locals: set[str] = set()
        self.merged: dict[tuple[str, tuple[str, ...]], list[str]] = {}
        self.name_counts: dict[str, int] = {}
        # Profiles reduced to the skills on offer, so custom taxonomies work too.
        self.core_slots = {key: self._usable(profile.core) for key, profile in PROFILES.items()}
        self.optional_core = {
            key: [position for position in range(2, len(slots)) if slots[position]]
            for key, slots in self.core_slots.items()
        }
        self.secondary_slots = {
            key: [slot for slot in self._usable(profile.secondary) if slot]
            for key, profile in PROFILES.items()
        }
        self.wants = {
            key: [skill for skill in profile.wants if skill in self.available]
            for key, profile in PROFILES.items()
        }
        # A job's skills: what its holders use (every alternative of every slot) and ask for.
        self.job_skills = {
            key: list(dict.fromkeys(
                [skill for slot in self.core_slots[key] for skill in slot]
                + [skill for slot in self.secondary_slots[key] for skill in slot]
                + self.wants[key]))
            for key in PROFILES
        }

    def _usable(self, slots: Sequence[Slot]) -> list[tuple[str, ...]]:
        """Return each slot's alternatives that exist in the taxonomy (possibly none)."""
        usable = []
        for slot in slots:
            alternatives = (slot,) if isinstance(slot, str) else slot
            usable.append(tuple(skill for skill in alternatives if skill in self.available))
        return usable

    def _pick(self, alternatives: tuple[str, ...]) -> str:
        """Choose one of a slot's alternatives, favouring the earlier ones."""
        if len(alternatives) == 1:
            return alternatives[0]
        weights = range(len(alternatives), 0, -1)
        return self.rng.choices(alternatives, weights=weights)[0]

    def name_of(self, skill_id: str) -> str:
        """Return a skill's display name (its id, spaced, when the taxonomy lacks it)."""
        return self.taxonomy.names.get(skill_id) or skill_id.replace("_", " ")

    def phrase_of(self, skill_id: str) -> str:
        """Return a skill's name as it reads mid-sentence."""
        return self.phrases.get(skill_id) or _phrase(self.name_of(skill_id))

    def person_name_and_email(self) -> tuple[str, str]:
        """Return a new person's name and an email address no one else has."""
        rng = self.rng
        first, last = rng.pick(FIRST_NAMES), rng.pick(LAST_NAMES)
        while last == first:  # "Ahmed Ahmed": some names are in both lists
            last = rng.pick(LAST_NAMES)
        name = f"{first} {last}"
        local = _email_local_part(name)
        # Local parts are built from letters only, so "name" + a number never collides with
        # another person's un-numbered local part.
        count = self.name_counts.get(local, 0) + 1
        candidate = local if count == 1 else f"{local}{count}"
        while candidate in self.used_locals:
            count += 1
            candidate = f"{local}{count}"
        self.name_counts[local] = count
        self.used_locals.add(candidate)
        return name, f"{candidate}@{EMAIL_DOMAIN}"

    def skills_for(
        self, profile_key: str, role: str, years: int
    ) -> tuple[dict[str, int], list[str | None], str | None]:
        """Return levels by skill id, the held skill of each core slot, and a past system."""
        rng = self.rng
        core_base, secondary_base = ROLE_LEVEL_BASES[role]
        experience = max(-0.5, min(0.5, (years - 8) / 20))
        target = min(len(self.skill_ids), round(rng.triangular(MIN_SKILLS, MAX_SKILLS, 9)))

        core_slots = self.core_slots[profile_key]
        optional = self.optional_core[profile_key]
        positions = [position for position in (0, 1) if position < len(core_slots)]
        positions += rng.pick_distinct(optional, min(len(optional), rng.between(2, 4)))
        core: list[str | None] = [None] * len(core_slots)
        levels: dict[str, int] = {}
        for position in positions:
            if core_slots[position] and len(levels) < target:
                skill = self._pick(core_slots[position])
                if skill not in levels:
                    core[position] = skill
                    levels[skill] = _level(rng, core_base + experience)

        secondary_slots = self.secondary_slots[profile_key]
        for slot in rng.pick_distinct(secondary_slots, min(len(secondary_slots), rng.between(2, 5))):
            if len(levels) >= target:
                break
            levels.setdefault(self._pick(slot), _level(rng, secondary_base + experience))

        previous = None
        has_alternatives = core[0] is not None and len(core_slots[0]) > 1
        if has_alternatives and len(levels) < MAX_SKILLS and rng.random() < 0.5:
            previous = rng.pick([skill for skill in core_slots[0] if skill != core[0]])
            levels[previous] = max(levels.get(previous, 0), rng.pick((2, 2, 3)))

        attempts = 0
        while len(levels) < target and attempts < 10 * MAX_SKILLS:
            attempts += 1
            skill = rng.pick(self.skill_ids)
            if skill not in levels:
                levels[skill] = rng.draw((1, 2, 3), (0.6, 0.95, 1.0))

        if role != "mentee":
            # Someone who offers to mentor is proficient at something.
            for skill in sorted(levels, key=levels.__getitem__, reverse=True)[:2]:
                levels[skill] = max(levels[skill], 3)
        return levels, core, previous

    def learn_for(self, jobs: Sequence[str], role: str, levels: Mapping[str, int]) -> list[str]:
        """Return the skills a person asks to learn, most wanted first.

        `jobs` are the profile keys of the person's job (a leader's include leadership): a
        want is one people in those jobs often ask for, or a skill of those jobs the person
        does not know yet, or now and then any skill (emerging ones favoured).
        """
        rng = self.rng
        if role == "mentor":
            wanted = 1 if rng.random() < 0.15 else 0
        elif role == "both":
            wanted = rng.draw((1, 2, 3), (0.4, 0.8, 1.0))
        else:
            wanted = rng.draw((1, 2, 3, 4), (0.2, 0.55, 0.85, 1.0))
        wants = self.wants[jobs[0]] if len(jobs) == 1 else self._merged("wants", jobs)
        growth = self.job_skills[jobs[0]] if len(jobs) == 1 else self._merged("job_skills", jobs)
        learn: list[str] = []
        attempts = 0
        while len(learn) < wanted and attempts < 50:
            attempts += 1
            draw = rng.random()
            if wants and draw < JOB_WANT_SHARE:
                skill = rng.pick(wants)
            elif growth and draw < JOB_WANT_SHARE + GROWTH_WANT_SHARE:
                skill = rng.pick(growth)
            else:
                skill = rng.draw(self.skill_ids, self.learn_cum_weights)
            if skill not in learn and levels.get(skill, 0) <= 1:
                learn.append(skill)
        return learn

    def _merged(self, table: str, jobs: Sequence[str]) -> list[str]:
        """Return the union of a per-job table's lists over `jobs`, in order (kept)."""
        key = (table, tuple(jobs))
        if key not in self.merged:
            lists = getattr(self, table)
            self.merged[key] = list(dict.fromkeys(skill for job in jobs for skill in lists[job]))
        return self.merged[key]

    def goals_for(self, role: str, learn: Sequence[str], strengths: Sequence[str]) -> str:
        """Write one or two sentences about what the person wants from mentoring."""
        rng = self.rng
        fill = {"core0": strengths[0], "core1": strengths[1]}
        if not learn:
            return rng.pick(MENTOR_GOALS).format(**fill)
        phrases = [self.phrase_of(skill) for skill in learn]
        categories = [self.taxonomy.categories.get(skill, "") for skill in learn]
        reasons = SKILL_REASONS.get(learn[0]) or CATEGORY_REASONS.get(categories[0], DEFAULT_REASONS)
        reason = rng.pick(reasons)
        verb = rng.pick(LEARN_VERBS)
        if len(phrases) == 1:
            first = f"{verb} {phrases[0]} {reason}."
        elif len(phrases) == 2 and categories[0] == categories[1] and learn[0] not in SKILL_REASONS:
            # Only skills of one kind share a reason.
            first = f"{verb} {phrases[0]} and {phrases[1]} {reason}."
        else:
            first = f"{verb} {phrases[0]} {reason}; after that, {_join(phrases[1:])}."
        if role == "both" and rng.random() < 0.5:
            return f"{first} {rng.pick(BOTH_OFFERS).format(**fill)}"
        if rng.random() < 0.4:
            return f"{first} {rng.pick(GOAL_CLOSERS)}"
        return first

    def bio_for(
        self,
        title: str,
        years: int,
        profile: Profile,
        core: Sequence[str | None],
        previous: str | None,
    ) -> str:
        """Write a short bio: title, years in libraries and something the person has done."""
        rng = self.rng
        fill = {
            f"core{position}": self.phrase_of(skill)
            for position, skill in enumerate(core)
            if skill is not None
        }
        if previous:
            fill["prev0"] = self.phrase_of(previous)
        feats = JUNIOR_FEATS if years < 4 else profile.feats
        usable = [feat for feat in feats if _fits(feat, fill)]
        if not usable:
            usable = [feat for feat in JUNIOR_FEATS if _fits(feat, fill)]
        feat = rng.pick(usable).format(**fill) if usable else "works across our library systems"
        bio = f"{title}{_years_phrase(years)}; {feat}."
        if rng.random() < 0.35:
            bio += " " + rng.pick(BIO_BACKGROUNDS)
        return bio


@functools.cache
def _placeholders(template: str) -> frozenset[str]:
    """Return the names of the ``{placeholders}`` in a template."""
    return frozenset(field for _, field, _, _ in string.Formatter().parse(template) if field)


def _fits(template: str, fill: Mapping[str, str]) -> bool:
    """Tell whether every placeholder of `template` has a value in `fill`."""
    return _placeholders(template) <= fill.keys()


def _active_departments(rng: _QuickRandom, count: int) -> list[str]:
    """Choose enough departments that about one person in eight can head one."""
    wanted = max(1, min(len(DEPARTMENTS), round(count * HEAD_SHARE)))
    remaining = list(DEPARTMENTS)
    chosen: list[str] = []
    while len(chosen) < wanted:
        weights = [DEPARTMENT_WEIGHTS[name] for name in remaining]
        department = rng.choices(remaining, weights=weights)[0]
        remaining.remove(department)
        chosen.append(department)
    return chosen


class Post(NamedTuple):
    """A person's place in the org chart and the jobs whose skills are theirs.

    level : "director", "associate", "head", "lead" (a team lead) or "staff".
    jobs : profile keys (data/staff.json PROFILES); a leader's end with ``LEADERSHIP_JOB``.
    """

    title: str
    level: str
    department: str
    jobs: tuple[str, ...]


def generate_staff(
    count: int, *, seed: int = 0, skill_ids: Sequence[str] | None = None
) -> list[dict[str, str]]:
    """Return `count` synthetic staff rows in the profile CSV format (all values are strings)."""
    return [row for row, _ in generate_staff_with_posts(count, seed=seed, skill_ids=skill_ids)]


def _team_title(department: str, number: int) -> str:
    """Return the title of a department's `number`-th team lead (0 first): one post each."""
    names = TEAMS.get(department) or (department,)
    name = names[number % len(names)]
    rounds = number // len(names)
    return f"{name} {rounds + 1} Team Lead" if rounds else f"{name} Team Lead"


def generate_staff_with_posts(
    count: int, *, seed: int = 0, skill_ids: Sequence[str] | None = None
) -> list[tuple[dict[str, str], Post]]:
    """Return `generate_staff`'s rows, each with the person's `Post` (title, level, jobs)."""
    if count < 0:
        raise ValueError(f"count must be zero or more, got {count}")
    try:
        taxonomy = _load_taxonomy(DEFAULT_TAXONOMY_PATH)
    except OSError:
        if skill_ids is None:
            raise
        # A caller with its own skill ids does not need the default file; names fall back to ids.
        taxonomy = _Taxonomy({}, {})
    if skill_ids is None:
        skill_ids = list(taxonomy.names)
    if not skill_ids:
        raise ValueError("skill_ids must not be empty")

    rng = _QuickRandom(seed)
    generator = _Generator(rng, skill_ids, taxonomy)
    departments = _active_departments(rng, count)
    department_weights = list(accumulate(DEPARTMENT_WEIGHTS[name] for name in departments))
    title_weights = {
        name: list(accumulate(weight for *_, weight in titles))
        for name, titles in DEPARTMENTS.items()
    }
    capacities = list(MENTOR_CAPACITY_WEIGHTS)
    capacity_weights = list(accumulate(MENTOR_CAPACITY_WEIGHTS.values()))

    # The posts above the departments, then everyone's department drawn up front: a
    # department's size decides which of its people lead a team.
    posts: list[tuple[Post, str | None]] = []  # (post, manager's position in `posts`)
    if count:
        posts.append((Post(LEADERSHIP["director"], "director", LEADERSHIP["department"],
                           (LEADERSHIP_JOB,)), None))
    associate_of: dict[str, int] = {}
    if count >= ASSOCIATES_FROM:
        for division, members in DIVISIONS.items():
            if any(name in departments for name in members):
                associate_of.update((name, len(posts)) for name in members)
                posts.append((Post(LEADERSHIP["associate"].format(division=division),
                                   "associate", LEADERSHIP["department"], (LEADERSHIP_JOB,)), 0))
    drawn = [rng.draw(departments, department_weights) for _ in range(count - len(posts))]
    sizes = dict.fromkeys(departments, 0)
    for department in drawn:
        sizes[department] += 1
    members: dict[str, list[int]] = {name: [] for name in departments}
    leads = dict.fromkeys(departments, 0)
    for department in drawn:
        rank = len(members[department])  # 0 heads the department
        titles = DEPARTMENTS[department]
        if rank == 0:
            post = Post(f"Head of {department}", "head", department,
                        (titles[0][1], LEADERSHIP_JOB))
            manager = associate_of.get(department, 0)
        else:
            # A tree of fan-out SPAN within the department: the people of ranks
            # SPAN*rank+1 ... SPAN*rank+SPAN report to the person of `rank`.
            manager = members[department][(rank - 1) // SPAN]
            title, profile_key, _ = rng.draw(titles, title_weights[department])
            if SPAN * rank + 1 < sizes[department]:
                post = Post(_team_title(department, leads[department]), "lead", department,
                            (profile_key, LEADERSHIP_JOB))
                leads[department] += 1
            else:
                post = Post(title, "staff", department, (profile_key,))
        members[department].append(len(posts))
        posts.append((post, manager))

    rows: list[tuple[dict[str, str], Post]] = []
    emails: list[str] = []
    # The factor fields draw from their own stream, so the rest of a seed's output stays as
    # it was before they existed.
    place = _Place(_QuickRandom(seed * 7919 + 17))
    for post, manager in posts:
        if post.level == "staff":
            role = rng.draw(ROLES, STAFF_ROLE_CUM_WEIGHTS)
            years = rng.between(*ROLE_YEARS[role])
        else:
            role = rng.draw(ROLES, HEAD_ROLE_CUM_WEIGHTS)
            years = rng.between(*LEADER_YEARS[post.level])
        profile_key = post.jobs[0]

        name, email = generator.person_name_and_email()
        levels, core, previous = generator.skills_for(profile_key, role, years)
        learn = generator.learn_for(post.jobs, role, levels)
        ranked = sorted(levels, key=lambda skill: (-levels[skill], skill))
        strengths = [generator.phrase_of(skill) for skill in [*filter(None, core), *ranked][:2]]
        strengths += strengths[:1] * (2 - len(strengths))

        teach = ""
        capacity = ""
        if role != "mentee":
            capacity = str(rng.draw(capacities, capacity_weights))
            strong = [skill for skill in ranked if levels[skill] >= 3]
            if strong and rng.random() < 0.3:
                teach = "; ".join(strong[: rng.between(1, min(4, len(strong)))])

        row = {
            "email": email,
            "name": name,
            "department": post.department,
            "manager_email": "" if manager is None else emails[manager],
            "role": role,
            "capacity": capacity,
            "skills": "; ".join(f"{skill}={levels[skill]}" for skill in ranked),
            "learn": "; ".join(learn),
            "teach": teach,
            "goals": generator.goals_for(role, learn, strengths),
            "bio": generator.bio_for(post.title, years, PROFILES[profile_key], core, previous),
            "years_experience": str(years),
            **place.fields_for(post.department),
        }
        emails.append(email)
        rows.append((row, post))
    return rows


class _Place:
    """Draws the meeting format, location, time zone and institution of each person.

    Everyone works for the one institution; most meet either way; some remote staff live in
    another time zone (and have no campus location).
    """

    def __init__(self, rng: _QuickRandom) -> None:
        self.rng = rng
        self.formats = list(PLACE["formats"])
        self.format_weights = list(accumulate(PLACE["formats"].values()))
        zones = PLACE["remote_time_zones"]
        self.zones, self.zone_weights = zones, list(accumulate([1] * len(zones)))

    def fields_for(self, department: str) -> dict[str, str]:
        """Return the person's format_preference, location, time_zone and institution."""
        chosen = self.rng.draw(self.formats, self.format_weights)
        location = SITES.get(department, PLACE["main_site"])
        time_zone = PLACE["time_zone"]
        if chosen == "remote" and self.rng.random() < PLACE["remote_elsewhere"]:
            location, time_zone = "", self.rng.draw(self.zones, self.zone_weights)
        return {"format_preference": chosen, "location": location, "time_zone": time_zone,
                "institution": PLACE["institution"]}


def write_staff_csv(path: str | os.PathLike[str], rows: Iterable[Mapping[str, str]]) -> None:
    """Write `rows` to `path` as UTF-8 CSV with the header `CSV_COLUMNS`."""
    with open(path, "w", encoding="utf-8", newline="") as csv_file:
        writer = csv.DictWriter(csv_file, fieldnames=CSV_COLUMNS, extrasaction="raise")
        writer.writeheader()
        writer.writerows(rows)
