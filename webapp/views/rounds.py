"""The coordinator's rounds: the history, a new round, and the review of one round.

The review shows the preview job's progress, the proposed pairs (by page), the unmatched, three
charts with their numbers, and the actions of each state: run the preview, lock, unlock,
remove or swap pairs (applied by the next preview), publish, close and export.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from mentorship.core.errors import InvalidInput, NotFound, PermissionDenied
from mentorship.programmes.queries import list_programmes, programme_in_view
from mentorship.rounds.choice import choice_window, close_choice, is_choice_round, open_choice
from mentorship.rounds.jobs import start_preview
from mentorship.rounds.operations import (
    EDITABLE,
    close_round,
    create_round,
    lock_pair,
    publish_round,
    remove_pair,
    swap_pairs,
    unlock_pair,
)
from mentorship.rounds.queries import (
    declined_pairs,
    get_round,
    list_rounds,
    locks_of,
    pairs_csv,
    round_charts,
    round_counts,
    round_pairs,
    round_progress,
    settings_text,
    unmatched_people,
)
from mentorship.rounds.settings import default_settings
from webapp.auth import actor, coordinator_required
from webapp.database import get_db, get_taxonomy
from webapp.forms import form_id, is_id

bp = Blueprint("rounds", __name__, url_prefix="/coordinator/rounds")

MODES = (
    ("mentor", "Mentor mode", "mentors teach mentees the skills they want to learn"),
    ("peer", "Peer mode", "people pair up to learn from each other"),
)
NUMBER_FIELDS = ("text_weight", "min_score", "close_call_margin", "preference_weight",
                 "experience_weight", "department_weight", "institution_weight",
                 "max_time_zone_hours")
#: Number fields that may be left empty: the default (for the time zones, no limit).
OPTIONAL_NUMBERS = NUMBER_FIELDS[2:]
#: The factor settings: (setting, label, {value: what it does}).
#: How a mentee's ranked wants weigh: (value, text, hint).
PRIORITY_CHOICES = (
    ("strict", "Strict", "a mentor for a mentee's earlier want always beats one for later "
                         "wants only"),
    ("soft", "Soft", "two later wants covered may outweigh an earlier one"),
)
CHOICE_FIELDS = (
    ("experience", "Experience", {"prefer": "prefer a mentor with more years than the mentee",
                                  "ignore": "ignore"}),
    ("department", "Department", {"prefer": "prefer another department",
                                  "require": "require another department", "ignore": "ignore"}),
    ("institution", "Library or institution", {
        "auto": "prefer another one when the pool has more than one",
        "prefer": "prefer another one", "require": "require another one", "ignore": "ignore"}),
    ("meeting_format", "Meeting format", {
        "require": "respect it: in person needs the same location", "ignore": "ignore"}),
    ("management_chain", "Management chain", {
        "chain": "never pair anyone with a manager above them",
        "direct": "exclude the direct manager only"}),
)
FLAG_FIELDS = (
    ("fair", "Fair", "Raise the worst-off mentee's score first, then the total (mentor mode only)."),
    ("allow_repeat", "Allow repeat pairs", "Otherwise pairs from earlier rounds are not "
     "proposed again."),
    ("trios", "Circles of three (peer mode)", "Three people who teach each other in a cycle "
     "may form a circle where no pair places them all."),
)
#: The same-manager rule's choices: (form value, stored setting, label). The default follows
#: the mode: a mentor evaluates a teammate, a peer swap has no evaluation in it.
SAME_MANAGER_CHOICES = (
    ("", None, "The mode's default: refused in mentor mode, allowed in peer mode"),
    ("allow", True, "Allow pairs of people with the same manager"),
    ("refuse", False, "Refuse pairs of people with the same manager"),
)
#: The summary figures of a preview that the review shows, in this order.
SUMMARY_LABELS = {
    "people": "People in the pool",
    "mentees_seeking": "Mentees seeking a mentor",
    "mentors_offering": "Mentors offering",
    "capacity": "Mentee places offered",
    "matched": "Pairs",
    "pairs": "Pairs",
    "circles": "Circles of three",
    "matched_people": "People in a pair or circle",
    "unmatched_mentees": "Mentees left unmatched",
    "unmatched": "People left unmatched",
    "mentored_elsewhere": "Mentees with a mentor elsewhere (not matched again, not listed "
                          "as unmatched)",
    "locked": "Locked pairs kept",
    "mean_score": "Mean score",
    "min_score": "Lowest score",
    "blocking_pairs": "Blocking pairs",
}
#: Who picks the pairs: (value, label, hint).
SELECTION_CHOICES = (
    ("coordinator", "Coordinator-led", "the engine proposes every pair; you review and publish"),
    ("choice", "Mentees choose", "each mentee requests one of their best mentors, who accepts "
     "or declines; when you close the window the engine fills in everyone else"),
)
CHOICE_NUMBERS = ("suggestions", "accept_days")
#: Every field of the new-round form in the order it shows them, by the words it shows them
#: under (its labels come from here, and its error summary follows this order).
FORM_LABELS = {
    "name": "Name", "programme": "Programme", "mode": "Mode", "selection": "Who chooses",
    "suggestions": "Suggestions per mentee (mentees choose)",
    "accept_days": "Days a mentor has to answer (mentees choose)",
    "settings": "Scoring", "priority": "Priority of a mentee's wants",
    "text_weight": "Text weight", "min_score": "Lowest score to propose a pair",
    "close_call_margin": "Close-call margin",
    **{key: text for key, text, _ in FLAG_FIELDS},
    "allow_same_manager": "Same manager",
    **{key: text for key, text, _ in CHOICE_FIELDS},
    "max_time_zone_hours": "Largest time-zone difference, in hours",
    "preference_weight": "Weight of the preferences beside the text",
    "experience_weight": "Share of experience in the preferences",
    "department_weight": "Share of department in the preferences",
    "institution_weight": "Share of institution in the preferences",
}
KEPT_ARGS = ("page", "q", "upage")
APPLY_LATER = "re-run the preview to apply it (the pairs change only when the preview runs)."


def programme_asked(source=None) -> int | None:
    """The ?programme= (or form) id, None when absent; a value that is no id does not exist."""
    value = (source if source is not None else request.args).get("programme", "").strip()
    if not value:
        return None
    if not is_id(value):
        raise NotFound("no such programme")
    return int(value)


@bp.get("")
@coordinator_required
def index():
    """Every round the coordinator may see (of one programme with ?programme=), newest first,
    with its settings and number of pairs."""
    rounds = list_rounds(get_db(), actor(), programme_id=programme_asked())
    return render_template("rounds/index.html", rounds=rounds, settings_text=settings_text)


# --- a new round --------------------------------------------------------------------------


def default_form(programme=None) -> dict[str, Any]:
    """The new-round form's starting values: the programme's mode and default settings, over
    the engine's own defaults."""
    mode = programme.mode if programme is not None else "mentor"
    defaults = {**default_settings(),
                **((programme.round_settings or {}) if programme is not None else {})}
    programme_id = str(programme.id) if programme else ""
    return {"name": "", "mode": mode, "programme": programme_id, "defaults_of": programme_id,
            **{key: ("" if value is None else str(value))
               if key in NUMBER_FIELDS or key in CHOICE_NUMBERS else value
               for key, value in defaults.items() if key != "allow_same_manager"},
            "allow_same_manager": _same_manager_choice(defaults["allow_same_manager"])}


def with_programme_defaults(values: dict[str, Any]) -> str | None:
    """Give every setting left as the form showed it the chosen programme's default, when the
    coordinator chose another programme than the one the form was filled for (no script
    reloads the form); return the chosen programme's name if it did."""
    db, who = get_db(), actor()
    try:
        shown = programme_in_view(db, who, programme_asked({"programme": values["defaults_of"]}))
        chosen = programme_in_view(db, who, programme_asked(request.form))
    except (NotFound, PermissionDenied):  # an unknown programme is reported when creating
        return None
    values["defaults_of"] = str(chosen.id)
    if not values.get("programme") or shown.id == chosen.id:
        return None
    before, after = default_form(shown), default_form(chosen)
    for key in before.keys() - {"name", "programme", "defaults_of"}:
        if str(values.get(key)) == str(before[key]):
            values[key] = after[key]
    return chosen.name


def _same_manager_choice(setting: bool | None) -> str:
    return next(choice for choice, value, _ in SAME_MANAGER_CHOICES if value is setting)


def submitted_form() -> dict[str, Any]:
    """The new-round form as submitted, kept whole so nothing typed is lost on an error."""
    form = request.form
    values: dict[str, Any] = {"name": form.get("name", ""), "mode": form.get("mode", ""),
                              "programme": form.get("programme", ""),
                              "defaults_of": form.get("defaults_of", "")}
    values.update({key: form.get(key, "").strip() for key in NUMBER_FIELDS})
    values.update({key: bool(form.get(key)) for key, _, _ in FLAG_FIELDS})
    values.update({key: form.get(key, "") for key, _, _ in CHOICE_FIELDS})
    values["priority"] = form.get("priority", "")
    values["allow_same_manager"] = form.get("allow_same_manager", "")
    values["selection"] = form.get("selection", "")
    values.update({key: form.get(key, "").strip() for key in CHOICE_NUMBERS})
    return values


def _whole(text: str) -> int | str:
    """A typed whole number as a number; anything else as typed, for the schema to refuse."""
    return int(text) if text.isdigit() and len(text) < 6 else text


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


@bp.route("/new", methods=["GET", "POST"])
@coordinator_required
def new():
    """The new-round form, in a programme (?programme=, else the default one); a valid round
    is created as a draft and its review shown."""
    db = get_db()
    programmes = list_programmes(db, actor())
    errors = {}
    if request.method == "GET":
        values = default_form(programme_in_view(db, actor(), programme_asked()))
    else:
        values = submitted_form()
        # Only a form that says whose defaults it showed can tell what was left as shown.
        switched_to = with_programme_defaults(values) if values["defaults_of"] else None
        settings = {key: values[key] for key in NUMBER_FIELDS
                    if values[key] or key not in OPTIONAL_NUMBERS}
        settings.update({key: values[key] for key, _, _ in FLAG_FIELDS})
        settings.update({key: values[key] for key, _, _ in CHOICE_FIELDS if values[key]})
        if values["priority"]:
            settings["priority"] = values["priority"]
        # A coordinator-led round keeps no choice settings: the default needs none.
        if values["selection"] not in ("", "coordinator"):
            settings["selection"] = values["selection"]
            settings.update({key: _whole(values[key]) for key in CHOICE_NUMBERS
                             if values[key]})
        same_manager = {choice: value for choice, value, _ in SAME_MANAGER_CHOICES}
        if values["allow_same_manager"] not in same_manager:
            settings["allow_same_manager"] = values["allow_same_manager"]  # refused as invalid
        elif same_manager[values["allow_same_manager"]] is not None:
            settings["allow_same_manager"] = same_manager[values["allow_same_manager"]]
        try:
            created = create_round(db, actor(), values["name"], mode=values["mode"],
                                   settings=settings,
                                   programme_id=programme_asked(request.form))
        except InvalidInput as error:
            db.rollback()
            errors = {problem.column: _sentence(problem.reason) for problem in error.errors}
            order = list(FORM_LABELS)
            errors = dict(sorted(errors.items(), key=lambda item: (
                order.index(item[0]) if item[0] in order else len(order))))
        else:
            flash(f"Round “{created.name}” is created as a draft. "
                  + (f"The settings you left as the form showed them are the defaults of "
                     f"“{switched_to}”. " if switched_to else "")
                  + ("Open its choice window when mentees should choose."
                     if is_choice_round(created) else "Run the preview to see its pairs."))
            return redirect(url_for("rounds.review", round_id=created.id), code=303)
    return render_template("rounds/new.html", values=values, errors=errors, modes=MODES,
                           programmes=programmes, labels=FORM_LABELS,
                           defaults=default_settings(),
                           flags=FLAG_FIELDS, choices=CHOICE_FIELDS,
                           priorities=PRIORITY_CHOICES, same_manager=SAME_MANAGER_CHOICES,
                           selections=SELECTION_CHOICES), (
                               422 if errors else 200)


# --- the review ---------------------------------------------------------------------------


def _page_arg(name: str) -> int:
    # Bounded, so that a silly page number cannot overflow the database's OFFSET.
    return min(max(1, request.args.get(name, 1, type=int)), 1_000_000)


def _review(round_id: int, *, errors: dict[str, str] | None = None,
            values: dict[str, Any] | None = None, status: int = 200):
    """Render a round's review; a form's errors and values are shown beside its fields."""
    db, who = get_db(), actor()
    current = get_round(db, who, round_id, with_report=True)
    text = request.args.get("q", "").strip()[:200]
    page, upage = _page_arg("page"), _page_arg("upage")
    summary = (current.diagnostics or {}).get("summary", {})
    page_html = render_template(
        "rounds/review.html",
        current=current,
        progress=round_progress(db, who, round_id),
        settings=settings_text(current.settings, current.mode),
        summary=[(label, summary[key]) for key, label in SUMMARY_LABELS.items()
                 if isinstance(summary.get(key), int | float)],
        pairs=round_pairs(db, who, round_id, page=page, text=text,
                          taxonomy=get_taxonomy()),
        unmatched=unmatched_people(db, who, round_id, page=upage,
                                   taxonomy=get_taxonomy()),
        locks=locks_of(db, who, round_id),
        declined=declined_pairs(db, who, round_id),
        charts=round_charts(db, who, round_id, get_taxonomy()),
        editable=current.status in EDITABLE,
        peer=current.mode == "peer",
        q=text, page=page, upage=upage,
        kept={key: request.args[key] for key in KEPT_ARGS if request.args.get(key)},
        errors=errors or {}, values=values or {},
        window=choice_window(db, who, round_id) if is_choice_round(current) else None,
    )
    return page_html, status


@bp.get("/<int:round_id>")
@coordinator_required
def review(round_id: int):
    """A round: its state and actions, pairs, unmatched, locks and charts."""
    return _review(round_id)


@bp.get("/<int:round_id>/status")
@coordinator_required
def status(round_id: int):
    """The round's status and job progress as JSON, for the progress bar to poll."""
    progress = round_progress(get_db(), actor(), round_id)
    return jsonify(status=progress.status, stage=progress.stage, percent=progress.percent,
                   stalled=progress.stalled)


def _back(round_id: int, anchor: str | None = None):
    """Back to the review, on the page of pairs the form was sent from."""
    kept = {key: request.args[key] for key in KEPT_ARGS if request.args.get(key)}
    return redirect(url_for("rounds.review", round_id=round_id, _anchor=anchor, **kept), code=303)


@bp.post("/<int:round_id>/preview")
@coordinator_required
def preview(round_id: int):
    """Run the round's preview as a background job (again, after adjustments or a failure)."""
    start_preview(get_db(), actor(), round_id, url=current_app.config["DATABASE_URL"],
                  taxonomy_path=current_app.config["TAXONOMY_PATH"])
    flash("The preview is running. This page shows how far it has got.")
    return _back(round_id)


@bp.get("/<int:round_id>/publish")
@coordinator_required
def confirm_publish(round_id: int):
    """Ask to confirm publishing, with what it will show to whom."""
    return _confirm(round_id, "publish")


@bp.get("/<int:round_id>/close")
@coordinator_required
def confirm_close(round_id: int):
    """Ask to confirm closing, with how many live pairs end."""
    return _confirm(round_id, "close")


def _confirm(round_id: int, action: str):
    counts = round_counts(get_db(), actor(), round_id)
    return render_template("rounds/confirm.html", current=counts.round, action=action,
                           counts=counts)


@bp.post("/<int:round_id>/publish")
@coordinator_required
def publish(round_id: int):
    """Publish a previewed round: every pair becomes visible to its people at once."""
    db = get_db()
    publish_round(db, actor(), round_id, taxonomy=get_taxonomy())
    flash("The round is published: everyone in a pair can now see it, and is mailed their match "
          "(the outbox shows each mail).")
    return _back(round_id)


@bp.post("/<int:round_id>/close")
@coordinator_required
def close(round_id: int):
    """Close a published round: its live pairs end."""
    db = get_db()
    close_round(db, actor(), round_id)
    flash("The round is closed: its pairs have ended.")
    return _back(round_id)


@bp.get("/<int:round_id>/export.csv")
@coordinator_required
def export(round_id: int):
    """The round's pairs as a CSV file for a spreadsheet."""
    text = pairs_csv(get_db(), actor(), round_id, taxonomy=get_taxonomy())
    return Response(text, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="round-{round_id}-pairs.csv"'})


@bp.post("/<int:round_id>/lock")
@coordinator_required
def lock(round_id: int):
    """Lock a pair (from the table, or two emails typed in) into the next preview."""
    db = get_db()
    mentor, mentee = request.form.get("mentor", "").strip(), request.form.get("mentee", "").strip()
    below_minimum = bool(request.form.get("below_minimum"))
    errors = {}
    if not mentor:
        errors["lock_mentor"] = "Enter an email address."
    if not mentee:
        errors["lock_mentee"] = "Enter an email address."
    if not errors:
        try:
            lock_pair(db, actor(), round_id, mentor, mentee, taxonomy=get_taxonomy(),
                      below_minimum=below_minimum)
        except InvalidInput as error:
            for problem in error.errors:  # columns "mentor" and "mentee" (or the rules broken)
                field = {"mentor": "lock_mentor", "below_minimum": "lock_below_minimum"}.get(
                    problem.column, "lock_mentee")
                errors[field] = " ".join(filter(None, [errors.get(field),
                                                       _sentence(problem.reason)]))
    if errors:
        db.rollback()
        return _review(round_id, errors=errors, status=422,
                       values={"lock_mentor": mentor, "lock_mentee": mentee,
                               "lock_below_minimum": below_minimum})
    flash(f"The pair {mentor} and {mentee} is locked: {APPLY_LATER}")
    return _back(round_id, "locks")


@bp.post("/<int:round_id>/unlock")
@coordinator_required
def unlock(round_id: int):
    """Take a lock off; the next preview is free to pair these people otherwise."""
    db = get_db()
    mentor, mentee = request.form.get("mentor", ""), request.form.get("mentee", "")
    unlock_pair(db, actor(), round_id, mentor, mentee)
    flash(f"The pair {mentor} and {mentee} is unlocked: {APPLY_LATER}")
    return _back(round_id, "locks")


@bp.post("/<int:round_id>/remove")
@coordinator_required
def remove(round_id: int):
    """Remove a proposed pair: the next preview will not propose it again."""
    db = get_db()
    match_id = form_id("match_id")
    if match_id is None:
        abort(400, "Say which pair to remove.")
    remove_pair(db, actor(), round_id, match_id)
    flash(f"Pair {match_id} is removed: {APPLY_LATER}")
    return _back(round_id, "pairs")


@bp.post("/<int:round_id>/swap")
@coordinator_required
def swap(round_id: int):
    """Swap the mentors of two pairs (ticked in the table or numbers typed in) and lock both."""
    db = get_db()
    ticked = request.form.getlist("pair")
    below_minimum = bool(request.form.get("below_minimum"))
    typed = [request.form.get(key, "").strip() for key in ("first", "second")]
    chosen = list(dict.fromkeys(value for value in ticked + typed if value))
    errors = {}
    if not all(is_id(value) for value in chosen):
        errors["swap"] = "Pair numbers are whole numbers, as in the table's first column."
    elif len(chosen) != 2:
        errors["swap"] = f"Choose exactly two different pairs to swap; you chose {len(chosen)}."
    else:
        try:
            swap_pairs(db, actor(), round_id, int(chosen[0]), int(chosen[1]),
                       taxonomy=get_taxonomy(), below_minimum=below_minimum)
        except InvalidInput as error:
            errors["swap"] = " ".join(_sentence(e.reason) for e in error.errors) or _sentence(
                str(error))
        except NotFound as error:
            errors["swap"] = _sentence(str(error))
    if errors:
        db.rollback()
        return _review(round_id, errors=errors, status=422,
                       values={"first": typed[0], "second": typed[1], "pairs": ticked,
                               "below_minimum": below_minimum})
    flash(f"Pairs {chosen[0]} and {chosen[1]} swap mentors and are locked: {APPLY_LATER}")
    return _back(round_id, "pairs")


@bp.post("/<int:round_id>/open-choice")
@coordinator_required
def open_window(round_id: int):
    """Open a choice round's window: each mentee sees their suggested mentors."""
    opened = open_choice(get_db(), actor(), round_id, taxonomy=get_taxonomy())
    flash(f"The choice window of “{opened.name}” is open: mentees can request a mentor now.")
    return _back(round_id)


@bp.post("/<int:round_id>/close-choice")
@coordinator_required
def close_window(round_id: int):
    """Close the choice window and fill the round around the accepted pairs (locked)."""
    close_choice(get_db(), actor(), round_id, taxonomy=get_taxonomy())
    flash("The choice window is closed and the round is filled around the accepted pairs. "
          "Review the pairs, then publish.")
    return _back(round_id)
