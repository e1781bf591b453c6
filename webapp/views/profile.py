"""My profile: skills by category with named levels, what I want to learn and can teach."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from mentorship.core.errors import InvalidInput
from mentorship.mail.preferences import set_mail_reminders
from mentorship.people.models import Person
from mentorship.profiles.limits import (
    LEVEL_NAMES,
    MAX_CAPACITY,
    MAX_LEVEL,
    MAX_TEXT,
    MAX_YEARS,
    MIN_LEVEL,
)
from mentorship.profiles.mapping import blank_record, stored_record
from mentorship.profiles.operations import check_profile, update_profile
from mentorship.taxonomy import Taxonomy
from webapp.auth import actor
from webapp.database import get_db, get_taxonomy

bp = Blueprint("profile", __name__, url_prefix="/profile")

LEVEL_CHOICES = frozenset(str(level) for level in range(MIN_LEVEL, MAX_LEVEL + 1))

ROLES = (("mentee", "Mentee: I want to learn"), ("mentor", "Mentor: I want to teach"),
         ("both", "Both: learn some things, teach others"))
FORMATS = (("either", "Either"), ("in_person", "In person"), ("remote", "Remote"))
#: The form's fields in the order the page shows them, by the words it shows them under: the
#: error summary lists problems this way.
FIELD_LABELS = {
    "role": "Role", "capacity": "How many mentees you can take",
    "format_preference": "Meeting format", "goals": "Your goals", "bio": "About you",
    "years_experience": "Years of library experience", "institution": "Library or institution",
    "location": "Location", "time_zone": "Time zone", "skills": "Your level",
    "learn": "Want to learn", "teach": "Can teach",
}
#: The factor fields of the form, typed as text (empty: not given).
FACTOR_FIELDS = ("years_experience", "institution", "location", "time_zone")


def stored_form(person: Person) -> dict[str, Any]:
    """The person's stored profile in the form's own terms (field name -> value)."""
    record = stored_record(person.profile) if person.profile is not None else blank_record()
    years = record["years_experience"]
    return {**record, "capacity": str(record["capacity"]), "levels": record["skills"],
            "teach": set(record["teach"] or ()),
            "years_experience": "" if years is None else str(years),
            "learn_ranks": {skill: str(rank) for rank, skill in enumerate(record["learn"], 1)}}


def ranked_wants(ranks: dict[str, str], previous: list[str], skill_ids: list[str]
                 ) -> tuple[list[str], list[str]]:
    """Return the wants in the order their priority numbers give, and the skills whose number
    is not a whole number of 1 or more.

    Equal numbers keep the earlier order of the person's wants, then the taxonomy's, so a
    form that only ticks (every number 1) keeps the order the person had.
    """
    bad = [s for s, raw in ranks.items() if not (raw.isdecimal() and raw.isascii() and int(raw))]
    earlier = {skill: position for position, skill in enumerate(previous)}
    column = {skill: position for position, skill in enumerate(skill_ids)}
    good = [s for s in ranks if s not in bad]
    good.sort(key=lambda s: (int(ranks[s]), earlier.get(s, len(earlier)), column[s]))
    return good, bad


def submitted_form(taxonomy: Taxonomy, previous_learn: list[str]) -> dict[str, Any]:
    """The form as submitted, kept whole so nothing typed is lost when a field is wrong."""
    form = request.form
    levels = {}
    for skill in taxonomy.skill_ids:
        raw = form.get(f"level-{skill}", "0")
        levels[skill] = int(raw) if raw in LEVEL_CHOICES else raw
    ranks = {s: form.get(f"learn-{s}", "").strip()[:8] for s in taxonomy.skill_ids}
    ranks = {s: raw for s, raw in ranks.items() if raw}
    learn, bad = ranked_wants(ranks, previous_learn, list(taxonomy.skill_ids))
    return {
        "learn_ranks": ranks, "bad_ranks": [taxonomy.name(s) for s in bad],
        "role": form.get("role", ""), "capacity": form.get("capacity", ""),
        "format_preference": form.get("format_preference", ""),
        "goals": form.get("goals", ""), "bio": form.get("bio", ""),
        **{key: form.get(key, "") for key in FACTOR_FIELDS},
        "levels": {s: v for s, v in levels.items() if v != 0},
        "learn": learn,
        "teach": {s for s in taxonomy.skill_ids if form.get(f"teach-{s}")},
    }


def payload(values: dict[str, Any]) -> dict[str, Any]:
    """The service's profile body from the form's values."""
    return {
        "role": values["role"], "capacity": values["capacity"],
        "format_preference": values["format_preference"], "goals": values["goals"],
        "bio": values["bio"], "skills": dict(values["levels"]), "learn": list(values["learn"]),
        **{key: values[key] for key in FACTOR_FIELDS},
        # No skill ticked under "can teach" means: offer what I rate proficient or expert.
        "teach": sorted(values["teach"]) or None,
    }


@bp.route("", methods=["GET", "POST"])
@login_required
def edit():
    """Show and save the signed-in person's own profile."""
    db, taxonomy = get_db(), get_taxonomy()
    person = actor()
    values = stored_form(person)
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = submitted_form(taxonomy, values["learn"])
        # The form always sends these: a post without them (a script, a broken page) must not
        # quietly reset the profile to its defaults.
        errors = {key: "choose one" for key in ("role", "format_preference")
                  if not request.form.get(key)}
        if values["bad_ranks"]:
            errors["learn"] = ("the priority to learn " + ", ".join(values["bad_ranks"])
                               + " must be a whole number, 1 for the most wanted, or empty")
        try:
            if errors:  # not saved: still check the rest, so every problem is told at once
                check_profile(payload(values), taxonomy)
            else:
                update_profile(db, person, person.email, payload(values), taxonomy)
        except InvalidInput as error:
            db.rollback()
            for problem in error.errors:
                errors[problem.column] = "; ".join(filter(None, [errors.get(problem.column),
                                                                 problem.reason]))
        else:
            if not errors:
                flash("Your profile is saved.")
                return redirect(url_for("profile.edit"), code=303)
        order = list(FIELD_LABELS)
        errors = dict(sorted(errors.items(), key=lambda item: (
            order.index(item[0]) if item[0] in order else len(order))))
    return render_template("profile/edit.html", person=person, values=values, errors=errors,
                           taxonomy=taxonomy, levels=LEVEL_NAMES, roles=ROLES, formats=FORMATS,
                           max_capacity=MAX_CAPACITY, max_years=MAX_YEARS, max_text=MAX_TEXT,
                           field_labels=FIELD_LABELS), (422 if errors else 200)


@bp.post("/mail")
@login_required
def mail():
    """Turn the signed-in person's reminder mail on or off."""
    wanted = request.form.get("reminders") == "1"
    set_mail_reminders(get_db(), actor(), actor().id, wanted)
    flash("Reminder mail is on." if wanted else "Reminder mail is off: no more reminders.")
    return redirect(url_for("profile.edit", _anchor="mail"), code=303)
