"""Coordinators' people pages: search and filters, CSV import and export, invites, deactivation."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from mentorship.core.errors import InvalidInput
from mentorship.core.spreadsheet import decode_upload
from mentorship.people.accounts import create_invites, invite_link, invite_uninvited, set_active
from mentorship.people.directory import PeopleFilter, departments, search_people
from mentorship.people.overview import person_overview
from mentorship.profiles.csv_export import export_profiles_csv
from mentorship.profiles.csv_io import COLUMNS, read_profiles_csv
from mentorship.profiles.limits import LEVEL_NAMES
from mentorship.profiles.operations import import_profiles
from mentorship.programmes.queries import list_programmes
from webapp.auth import actor, coordinator_required
from webapp.database import get_db, get_taxonomy
from webapp.forms import form_ids
from webapp.mail import send_invites
from webapp.views.rounds import programme_asked

bp = Blueprint("people", __name__, url_prefix="/coordinator/people")


def _filters() -> PeopleFilter:
    args = request.args
    return PeopleFilter(text=args.get("q", ""), role=args.get("role", ""),
                        status=args.get("status", ""), department=args.get("department", ""),
                        programme=programme_asked())


@bp.get("")
@coordinator_required
def index():
    """The people list, 50 to a page, with search and filters (a programme's people too)."""
    db, wanted = get_db(), _filters()
    page = search_people(db, actor(), wanted, page=request.args.get("page", 1, type=int))
    return render_template("people/index.html", page=page, wanted=wanted,
                           departments=departments(db), programmes=list_programmes(db, actor()))


@bp.route("/import", methods=["GET", "POST"])
@coordinator_required
def import_csv():
    """Upload a profile CSV: every bad row is listed, and nothing is saved unless all are good.

    With "import the good rows", the bad rows are left out and listed instead.
    """
    db, taxonomy = get_db(), get_taxonomy()
    programmes = list_programmes(db, actor())
    if request.method == "GET":
        return render_template("people/import.html", columns=COLUMNS, programmes=programmes,
                               programme=programme_asked())
    programme = programme_asked(request.form)
    upload = request.files.get("file")
    partial = bool(request.form.get("partial"))
    if upload is None or not upload.filename:
        return render_template("people/import.html", columns=COLUMNS, partial=partial,
                               programmes=programmes, programme=programme,
                               problem="Choose a CSV file to import."), 422
    try:  # the app's MAX_CONTENT_LENGTH has refused an oversized upload already (413)
        table = read_profiles_csv(decode_upload(upload.read()), taxonomy, partial=partial)
        report = import_profiles(db, actor(), table, taxonomy, programme_id=programme)
    except InvalidInput as error:
        db.rollback()
        count = len(error.errors)
        problem = (f"Nothing was imported: {upload.filename} has {count} "
                   f"problem{'s' if count != 1 else ''}.")
        return render_template("people/import.html", columns=COLUMNS, partial=partial,
                               programmes=programmes, programme=programme,
                               problem=problem, errors=error.errors,
                               filename=upload.filename), 422
    return render_template("people/imported.html", report=report, skipped=table.errors,
                           filename=upload.filename)


@bp.get("/export.csv")
@coordinator_required
def export_csv():
    """Every active person and profile (of ?programme=) as a CSV file the import reads back."""
    text = export_profiles_csv(get_db(), actor(), get_taxonomy(), programme_id=programme_asked())
    return Response(text, mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=library-staff.csv"})


@bp.post("/invite")
@coordinator_required
def invite():
    """Make one-time password links for the people ticked (or everyone not yet signed up)."""
    db = get_db()
    if request.form.get("scope") == "uninvited":
        issued = invite_uninvited(db, actor())
    else:
        issued = create_invites(db, actor(), form_ids("person_id"),
                                programme_id=programme_asked(request.form))
    if not issued:
        flash("There is no one to invite: tick people who have not signed up yet.")
        return redirect(request.referrer or url_for("people.index"), code=303)
    # Committed before mailing, so that every link sent already works.
    db.commit()
    links = [(i.person, invite_link(i.token, current_app.config["BASE_URL"]), i.expires_at)
             for i in issued]
    mailed, sent = send_invites(links)
    if not mailed:
        # Without mail the coordinator passes the links on; the log keeps them too.
        for person, link, _ in links:
            current_app.logger.info("invite link for %s: %s", person.email, link)
    return render_template("people/invites.html", links=links, sent=sent)


@bp.get("/<int:person_id>")
@coordinator_required
def person(person_id: int):
    """One person: profile, pairs in every round, what was done to their record."""
    overview = person_overview(get_db(), actor(), person_id)
    return render_template("people/person.html", overview=overview, taxonomy=get_taxonomy(),
                           levels=LEVEL_NAMES)


@bp.post("/<int:person_id>/deactivate")
@coordinator_required
def deactivate(person_id: int):
    """Deactivate a person: their sessions end and rounds leave them out."""
    return _set_active(person_id, False, "is deactivated")


@bp.post("/<int:person_id>/activate")
@coordinator_required
def activate(person_id: int):
    """Reactivate a person."""
    return _set_active(person_id, True, "is active again")


def _set_active(person_id: int, active: bool, done: str):
    db = get_db()
    person = set_active(db, actor(), person_id, active)
    flash(f"{person.name} {done}.")
    return redirect(request.referrer or url_for("people.index"), code=303)
