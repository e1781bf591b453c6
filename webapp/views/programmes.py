"""Coordinators' programmes: the list, a new programme, one programme's page, and its edit."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from mentorship.core.errors import InvalidInput
from mentorship.programmes.operations import create_programme, update_programme
from mentorship.programmes.overview import programme_overview
from mentorship.programmes.queries import get_programme, list_programmes
from mentorship.programmes.schemas import DATES
from mentorship.rounds.queries import settings_text
from mentorship.rounds.settings import MODES
from webapp.auth import actor, coordinator_required
from webapp.database import get_db
from webapp.forms import is_id

bp = Blueprint("programmes", __name__, url_prefix="/coordinator/programmes")

FIELDS = ("name", "description", "mode", "round_settings", *DATES)
#: The fields in the order the form shows them: its error summary follows it.
FORM_ORDER = ("name", "description", "mode", *DATES, "round_settings")


def _submitted() -> dict[str, Any]:
    """The programme form as submitted, kept whole so that nothing typed is lost on an error."""
    return {key: request.form.get(key, "") for key in FIELDS}


def _errors(error: InvalidInput) -> dict[str, str]:
    found: dict[str, str] = {}
    for problem in error.errors:
        field = problem.column.split(".")[0] if problem.column.startswith("round_settings") \
            else problem.column
        reason = (f"{problem.column.split('.', 1)[1]}: {problem.reason}"
                  if "." in problem.column else problem.reason)
        found[field] = "; ".join(filter(None, (found.get(field), reason)))
    return dict(sorted(found.items(), key=lambda item: (
        FORM_ORDER.index(item[0]) if item[0] in FORM_ORDER else len(FORM_ORDER))))


def _form_values(programme) -> dict[str, Any]:
    values = {key: getattr(programme, key) for key in FIELDS if key != "round_settings"}
    values.update({key: value.isoformat() if value else "" for key, value in values.items()
                   if key in DATES})
    values["round_settings"] = json.dumps(programme.round_settings or {}, sort_keys=True)
    return values


@bp.get("")
@coordinator_required
def index():
    """The programmes the coordinator may see, with their participants and rounds."""
    return render_template("programmes/index.html", rows=list_programmes(get_db(), actor()))


@bp.route("/new", methods=["GET", "POST"])
@coordinator_required
def new():
    """The new-programme form."""
    values, errors = {key: "" for key in FIELDS} | {"mode": "mentor"}, {}
    if request.method == "POST":
        db, values = get_db(), _submitted()
        try:
            created = create_programme(db, actor(), values)
        except InvalidInput as error:
            db.rollback()
            errors = _errors(error)
        else:
            flash(f"Programme “{created.name}” is created. Import or invite its people.")
            return redirect(url_for("programmes.show", programme_id=created.id), code=303)
    return render_template("programmes/form.html", values=values, errors=errors, modes=MODES,
                           programme=None), 422 if errors else 200


@bp.get("/<int:programme_id>")
@coordinator_required
def show(programme_id: int):
    """One programme: its dates and settings, its participants (by page), rounds and reports."""
    overview = programme_overview(get_db(), actor(), programme_id,
                                  text=request.args.get("q", ""),
                                  page=request.args.get("page", 1, type=int))
    return render_template("programmes/show.html", overview=overview,
                           programme=overview.programme, page=overview.participants,
                           settings_text=settings_text, q=request.args.get("q", ""))


@bp.route("/<int:programme_id>/edit", methods=["GET", "POST"])
@coordinator_required
def edit(programme_id: int):
    """The programme's form, filled in; a change made meanwhile by someone else is refused."""
    db, errors = get_db(), {}
    if request.method == "GET":
        programme = get_programme(db, actor(), programme_id)
        return render_template("programmes/form.html", values=_form_values(programme),
                               errors={}, modes=MODES, programme=programme)
    values = _submitted()
    # A version that is not an id goes as it is, for the service to refuse (never skipped).
    version = request.form.get("version", "").strip()
    try:
        changed = update_programme(db, actor(), programme_id, values,
                                   version=int(version) if is_id(version) else version or None)
    except InvalidInput as error:
        db.rollback()
        errors = _errors(error)
    else:
        flash(f"Programme “{changed.name}” is saved.")
        return redirect(url_for("programmes.show", programme_id=changed.id), code=303)
    programme = get_programme(db, actor(), programme_id)
    return render_template("programmes/form.html", values=values, errors=errors, modes=MODES,
                           programme=programme), 422
