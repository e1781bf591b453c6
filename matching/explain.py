"""Reasons as data: the registry of reason codes and the one renderer from code to sentence.

The engine's pairs and unmatched reports carry reasons as JSON-able dicts, a ``code`` and
its parameters, e.g. ``{"code": "skill", "skill": "marc21", "mentor_level": 4,
"mentee_level": 1, "rank": 1}``. Words are made only when a reason is shown, by `render`:
skill ids become names through the taxonomy, person references become display names through
a lookup the caller passes (the engine's ids are emails; the database stores person ids), and
a person the lookup does not know is "a former participant". Adding a code is one entry in
`REASONS` (a `ReasonCode`).

>>> from matching.taxonomy import Taxonomy
>>> render({"code": "locked"})
'locked by the coordinator'
>>> render({"code": "close_call", "other": "ann@lib.edu", "score": 0.61, "other_score": 0.6},
...        person_name={"ann@lib.edu": "Ann Lee"}.get)
'close call: Ann Lee fits within 0.010 (0.600 against 0.610)'
>>> render({"code": "close_call", "other": "ann@lib.edu", "score": 0.61, "other_score": 0.6101},
...        person_name={"ann@lib.edu": "Ann Lee"}.get)
'close call: Ann Lee fits as well (0.610 against 0.610)'
>>> render("an old stored sentence")
'an old stored sentence'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from matching.taxonomy import LEVEL_NAMES, Taxonomy

__all__ = [
    "COORDINATOR",
    "COORDINATOR_ONLY",
    "FORMER_PARTICIPANT",
    "LEGACY",
    "PARTICIPANT",
    "REASONS",
    "ReasonCode",
    "forget_person",
    "map_people",
    "normalize",
    "people_in",
    "reason",
    "render",
    "shown",
]

#: Who reads a rendered reason: coordinators see every name, participants only their pair's.
COORDINATOR, PARTICIPANT = "coordinator", "participant"
#: Codes that are notes for the coordinator's review, never shown to the people in the pair.
COORDINATOR_ONLY = frozenset({"close_call"})
#: How a person the name lookup does not know (deleted since) is written.
FORMER_PARTICIPANT = "a former participant"
#: The code a stored reason written as an English string (before reasons were data) reads as.
LEGACY = "text"

Reason = dict[str, Any]


@dataclass(frozen=True)
class _Words:
    """What a renderer may use: skill names, person names, the audience."""

    skill_name: Callable[[str], str]
    person_name: Callable[[Any], str | None]
    audience: str

    def skill(self, skill_id: str) -> str:
        return self.skill_name(skill_id)

    def skills(self, skill_ids: Iterable[str]) -> str:
        return ", ".join(self.skill(s) for s in skill_ids)

    def person(self, key: Any, *, private: bool = False, stand_in: str = "a colleague") -> str:
        """A person's display name; `stand_in` for participants when the name is private."""
        if private and self.audience != COORDINATOR:
            return stand_in
        if key is None:
            return FORMER_PARTICIPANT
        return self.person_name(key) or FORMER_PARTICIPANT


@dataclass(frozen=True)
class ReasonCode:
    """One kind of reason: its code, how it reads, and which parameters name people.

    people : parameters holding a person reference (or a list of them); the storage layer
        maps these from engine ids to its own, and deleting a person clears them.
    private : those of `people` that only coordinators may see (a participant gets a
        stand-in such as "another mentor", and the reference is dropped from what they get).
    """

    code: str
    words: Callable[[Mapping[str, Any], _Words], str]
    people: tuple[str, ...] = ()
    private: tuple[str, ...] = ()


def _level(level: int) -> str:
    return f"{LEVEL_NAMES[level]} ({level})" if 0 <= level < len(LEVEL_NAMES) else str(level)


def _rules(counts: Mapping[str, int]) -> str:
    # Rule names are the engine's enum names in lower case; the Rule enum holds their words.
    from matching.rules import Rule

    def word(name: str) -> str:
        member = Rule.__members__.get(name.upper())
        return str(member) if member is not None else name.replace("_", " ")

    return ", ".join(f"{word(name)} {n}" for name, n in counts.items())


def _places(p: Mapping[str, Any]) -> str:
    return f"{p['free']} of {p['capacity']} places free"


def _seat_taken(p, w):
    holder = w.person(p["holder"], private=True, stand_in="another mentee")
    how = "locked by the coordinator, " if p.get("locked") else ""
    return (f"every eligible mentor ({p['candidates']}) is full; the best fit, "
            f"{w.person(p['mentor'])} ({p['score']:.3f}), has their last place taken by "
            f"{holder} ({how}{p['holder_score']:.3f})")


def _placed_elsewhere(p, w):
    mentee = w.person(p["mentee"], private=True, stand_in="a mentee")
    if p.get("their_mentor") is None:
        where = "has no mentor (the fairness threshold or a lock kept them out)"
    else:
        where = (f"has {w.person(p['their_mentor'], private=True, stand_in='another mentor')} "
                 f"({p['their_score']:.3f})")
    if p["candidates"] == 1:
        return (f"{_places(p)}; the one other mentee who could learn from them, {mentee} "
                f"({p['score']:.3f} here), {where}")
    return (f"{_places(p)}; all {p['candidates']} other mentees who could learn from them have "
            f"a mentor they fit as well or better: the closest, {mentee} "
            f"({p['score']:.3f} here), {where}")


def _not_taking_part(p, w):
    if p["capacity"] == 0:
        mentoring = "capacity 0: not taking mentees this round"
    elif p["role"] == "mentee":
        mentoring = "role mentee: not taking mentees"
    else:
        mentoring = "offers nothing to teach (no teach list and no skill rated 3 or more)"
    if p["wants"] and p["role"] == "mentor":
        learning = "role mentor, so their learning goals are not matched in mentor mode"
    elif p["wants"]:
        learning = f"{p['wants']} learning goals"
    else:
        learning = "no learning goals"
    return f"{mentoring}; {learning}"


def _untaught(p, w):
    who = w.person(p["person"], private=True)
    why = "did not offer it" if p["why"] == "not_offered" else "is not taking mentees"
    return f"{who} rates {w.skill(p['skill'])} {p['level']} but {why}"


def _trio(p, w):
    first, second = (w.person(x) for x in p["people"])
    return (f"no mutual swap, but a trio would work: {first} teaches them, {second} teaches "
            f"{first}, and they teach {second}")


def _entry(code: str, words, *, people: tuple[str, ...] = (), private: tuple[str, ...] = ()):
    return code, ReasonCode(code, words, people, private)


#: Every reason code, in one place. Pair reasons, unmatched reports and their details.
REASONS: dict[str, ReasonCode] = dict([
    # -- why a pair
    _entry("skill", lambda p, w: (
        f"{w.skill(p['skill'])} (want {p['rank']}): mentor {_level(p['mentor_level'])}, "
        f"mentee {_level(p['mentee_level'])}")),
    _entry("peer_skill", lambda p, w: (
        f"{w.person(p['teacher'])} teaches {w.person(p['learner'])} {w.skill(p['skill'])} "
        f"(want {p['rank']}): {_level(p['teacher_level'])} vs {_level(p['learner_level'])}"),
        people=("teacher", "learner")),
    _entry("shared_terms", lambda p, w: (
        "goals match the mentor's background: " + ", ".join(p["terms"]))),
    _entry("locked", lambda p, w: "locked by the coordinator"),
    _entry("reverse_mentoring", lambda p, w: (
        f"reverse mentoring: the mentor has fewer years of experience "
        f"({p['mentor_years']:g}) than the mentee ({p['mentee_years']:g})")),
    _entry("close_call", lambda p, w: (
        f"close call: {w.person(p['other'], private=True, stand_in='another mentor')} fits "
        + ("as well" if round(p["score"], 3) == round(p["other_score"], 3) else
           f"within {abs(p['score'] - p['other_score']):.3f}")
        + f" ({p['other_score']:.3f} against {p['score']:.3f})"),
        people=("other",), private=("other",)),
    # -- why a mentee (or peer) has no pair
    _entry("no_teacher", lambda p, w: (
        f"nobody {'taking mentees' if p.get('mode', 'mentor') == 'mentor' else 'in the pool'} "
        f"teaches what they want ({w.skills(p['wants'])}) above their level")),
    _entry("excluded", lambda p, w: (
        f"all {p['total']} eligible candidates excluded ({_rules(p['rules'])})")),
    _entry("below_threshold", lambda p, w: (
        f"all {p['candidates']} candidates score below the threshold {p['threshold']:g} "
        f"(best {p['best']:.3f})")),
    _entry("below_fair_threshold", lambda p, w: (
        f"every candidate scores below {p['threshold']:.3f}, the lowest score the fair "
        "assignment gives any mentee it places (locked pairs aside)")),
    _entry("seat_taken", _seat_taken, people=("mentor", "holder"), private=("holder",)),
    _entry("not_placed", lambda p, w: (
        f"left out although {p['candidates']} candidates had room (locks or the fairness "
        "threshold)")),
    _entry("partner_taken", lambda p, w: (
        f"all {p['candidates']} possible partners were paired: the best, "
        f"{w.person(p['partner'])} ({p['score']:.3f}), is paired with "
        f"{w.person(p['holder'], private=True, stand_in='someone else')} "
        f"({p['holder_score']:.3f})"),
        people=("partner", "holder"), private=("holder",)),
    _entry("circles_taken", lambda p, w: (
        "no mutual swap, and every circle of three they could join was left for others (more "
        "people placed, or a better score)")),
    _entry("no_mutual_swap", lambda p, w: (
        f"nobody who can teach them ({p['teachers']}) wants to learn anything they teach")),
    _entry("no_goals", lambda p, w: (
        "no learning goals: a peer swap needs something to learn" if p.get("mode") == "peer"
        else "no learning goals: they listed nothing to learn")),
    _entry("not_taking_part", _not_taking_part),
    _entry("live_pair", lambda p, w: "already has a mentor: a live pair from an earlier round"),
    # -- details under an unmatched report: what could be done about a want
    _entry("untaught_colleague", _untaught, people=("person",), private=("person",)),
    _entry("nobody_has", lambda p, w: (
        f"nobody in the pool rates {w.skill(p['skill'])} 3 or more above their level: "
        "look outside (training, another library)")),
    _entry("only_manager_chain", lambda p, w: (
        f"only their manager or someone above them in their management chain teaches "
        f"{w.skill(p['skill'])}"
        + ("" if w.audience != COORDINATOR
           else " (" + ", ".join(w.person(x) for x in p["people"]) + ")")),
        people=("people",), private=("people",)),
    _entry("trio_possible", _trio, people=("people",)),
    # -- why a mentor's offer is idle (side "mentor"); every offer with a free place is listed
    _entry("no_demand", lambda p, w: (
        f"{_places(p)}: no mentee in the pool wants what they teach above the mentee's level")),
    _entry("mentees_excluded", lambda p, w: (
        f"{_places(p)}: all {p['total']} mentees who could learn from them are excluded "
        "by the rules" + (f" ({_rules(p['rules'])})" if p.get("rules") else ""))),
    _entry("mentees_below_threshold", lambda p, w: (
        f"{_places(p)}: all {p['candidates']} candidate mentees score below the threshold "
        f"{p['threshold']:g} (best {p['best']:.3f})")),
    _entry("mentees_placed_elsewhere", _placed_elsewhere, people=("mentee", "their_mentor"),
           private=("mentee", "their_mentor")),
    _entry("no_more_mentees", lambda p, w: (
        f"{_places(p)}: every mentee who could learn from them is already theirs")),
    # -- a stored reason from before reasons were data: its text as it was written
    _entry(LEGACY, lambda p, w: str(p.get("text", ""))),
])


def reason(code: str, **params: Any) -> Reason:
    """Return a reason dict, checking that `code` is registered.

    >>> reason("nobody_has", skill="sparql")
    {'code': 'nobody_has', 'skill': 'sparql'}
    """
    if code not in REASONS:
        raise KeyError(f"unknown reason code {code!r}")
    if "text" in params and code != LEGACY:
        raise ValueError("'text' is the rendered sentence, not a parameter")
    return {"code": code, **params}


def normalize(value: Any) -> Reason:
    """Return a stored reason as a dict: an old string becomes ``{"code": "text", "text": s}``."""
    if isinstance(value, str):
        return {"code": LEGACY, "text": value}
    if isinstance(value, Mapping) and isinstance(value.get("code"), str):
        return dict(value)
    return {"code": LEGACY, "text": str(value)}


def _person_keys(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def people_in(value: Any) -> list[Any]:
    """Return the person references a reason holds (None for an erased one left out)."""
    found = normalize(value)
    entry = REASONS.get(found["code"])
    keys: list[Any] = []
    for name in entry.people if entry else ():
        keys += [k for k in _person_keys(found.get(name)) if k is not None]
    return keys


def map_people(value: Any, convert: Callable[[Any], Any]) -> Reason:
    """Return a reason with every person reference passed through `convert` (e.g. email -> id)."""
    found = normalize(value)
    entry = REASONS.get(found["code"])
    for name in entry.people if entry else ():
        if name in found:
            current = found[name]
            if isinstance(current, list | tuple):
                found[name] = [None if k is None else convert(k) for k in current]
            elif current is not None:
                found[name] = convert(current)
    return found


def forget_person(value: Any, person: Any) -> Reason:
    """Return a reason with references to `person` erased (they then read "a former participant")."""
    return map_people(value, lambda key: None if key == person else key)


def render(
    value: Any, *, taxonomy: Taxonomy | None = None,
    person_name: Callable[[Any], str | None] | None = None, audience: str = COORDINATOR,
) -> str:
    """Return a reason as a sentence.

    Parameters
    ----------
    value : a reason dict, or a string stored before reasons were data (shown as it is).
    taxonomy : names skills; without it a skill reads as its id.
    person_name : maps a person reference to a display name (None: not known, which reads
        as "a former participant").
    audience : COORDINATOR sees every name; PARTICIPANT gets stand-ins for private ones.
    """
    found = normalize(value)
    words = _Words(
        # A skill since removed from the taxonomy reads as its id.
        skill_name=((lambda s: taxonomy.name(s) if s in taxonomy else str(s))
                    if taxonomy is not None else str),
        person_name=person_name or (lambda key: None),
        audience=audience,
    )
    entry = REASONS.get(found["code"])
    if entry is None:  # written by a newer engine: show the data rather than fail
        params = ", ".join(f"{k} {v}" for k, v in found.items() if k != "code")
        return f"{found['code']}: {params}" if params else found["code"]
    return entry.words(found, words)


def shown(value: Any, *, taxonomy: Taxonomy | None = None,
          person_name: Callable[[Any], str | None] | None = None,
          audience: str = COORDINATOR) -> Reason:
    """Return a reason as pages, exports and the API carry it: code, parameters and ``text``.

    For a participant, private person references are left out of the parameters too.
    """
    found = normalize(value)
    text = render(found, taxonomy=taxonomy, person_name=person_name, audience=audience)
    entry = REASONS.get(found["code"])
    if audience != COORDINATOR and entry is not None:
        for name in entry.private:
            found.pop(name, None)
    return {**found, "text": text}
