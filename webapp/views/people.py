"""Coordinators' people pages: search and filters, CSV import and export, invites, deactivation."""

from __future__ import annotations

from itertools import islice

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
from mentorship.core.settings import mail_settings
from mentorship.mail.messages import invite_and_mail
from mentorship.people.accounts import set_active
from mentorship.people.directory import PeopleFilter, departments, search_people
from mentorship.people.overview import person_overview
from mentorship.profiles.column_map import (
    FIELDS,
    ColumnMap,
    column_map_from_choices,
    dump_values,
    guess_column_map,
    whole_number,
)
from mentorship.profiles.csv_export import export_profiles_csv
from mentorship.profiles.csv_io import COLUMNS, ProfileTable, read_profiles, read_sheet
from mentorship.profiles.import_jobs import (
    ImportProgress,
    import_progress,
    retry_import,
    start_import,
    wait_for_import,
)
from mentorship.profiles.limits import LEVEL_NAMES
from mentorship.profiles.models import ImportStatus
from mentorship.profiles.operations import programme_column_map
from mentorship.programmes.queries import list_programmes
from webapp.auth import actor, coordinator_required
from webapp.database import get_db, get_taxonomy
from webapp.errors import page_it_came_from
from webapp.forms import form_ids
from webapp.uploads import KeptUpload, drop_upload, keep_upload, kept_upload
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
    db = get_db()
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
    if request.form.get("format") == "map":
        return _keep_for_mapping(upload.read(), upload.filename,
                                 request.form.get("sheet", "").strip() or None, partial,
                                 programme)
    # The app's MAX_CONTENT_LENGTH has refused an oversized upload already (413); the file is
    # read and imported by a job, whose page shows how far it got.
    import_id = start_import(db, actor(), upload.read(), upload.filename, partial=partial,
                             programme_id=programme, **_job_settings())
    progress = wait_for_import(db, actor(), import_id, current_app.config["IMPORT_WAIT_SECONDS"])
    if progress.status in (ImportStatus.DONE, ImportStatus.REFUSED) and not progress.stalled:
        return _import_outcome(progress)  # a small file: its result at once, as ever
    return redirect(url_for("people.import_job", import_id=import_id), code=303)


def _job_settings() -> dict:
    """Where an import job finds the database and the taxonomy: the app's own."""
    return {"url": current_app.config["DATABASE_URL"],
            "taxonomy_path": current_app.config["TAXONOMY_PATH"]}


#: The status a refused import's POST answers with, by kind of refusal.
REFUSAL_STATUS = {"invalid": 422, "denied": 403, "conflict": 409, "not_found": 404}


def _import_outcome(progress: ImportProgress, token: str | None = None,
                    refused: int | None = None):
    """The page of a finished import: its report, or every problem with the form again
    (answered with the status `refused`, else the one of its kind of refusal)."""
    if progress.status == ImportStatus.DONE:
        report = progress.report
        # The rows read that neither added nor changed anyone (a file imported again): said,
        # so that "0 added, 0 updated" does not read as an import that did nothing.
        unchanged = max(progress.rows_imported - report.created - report.updated, 0)
        return render_template("people/imported.html", report=report, unchanged=unchanged,
                               skipped=progress.skipped, filename=progress.filename)
    count = len(progress.errors)
    if count:
        problem = (f"Nothing was imported: {progress.filename} has {count} "
                   f"problem{'s' if count != 1 else ''}.")
    else:
        problem = f"Nothing was imported: {progress.message}."
    kept = kept_upload(token, actor().id) if token is not None else None
    return render_template(
        "people/import.html", columns=COLUMNS, partial=progress.partial,
        programmes=list_programmes(get_db(), actor()), programme=progress.programme_id,
        problem=problem, errors=progress.errors, filename=progress.filename,
        format="map" if progress.mapped else "csv",
        mapping=url_for("people.map_columns", token=token, partial=progress.partial or None,
                        programme=progress.programme_id) if kept is not None else None), (
        refused or REFUSAL_STATUS.get(progress.refusal, 422))


@bp.get("/import/<int:import_id>")
@coordinator_required
def import_job(import_id: int):
    """An import's page: how far its job got (the page reloads itself), then its result."""
    progress = import_progress(get_db(), actor(), import_id)
    token = request.args.get("upload")
    if progress.status in (ImportStatus.DONE, ImportStatus.REFUSED) and not progress.stalled:
        return _import_outcome(progress, token, refused=200)  # a result read later
    return render_template("people/import_job.html", progress=progress, upload=token,
                           may_retry=progress.owner_id == actor().id or actor().is_admin)


@bp.post("/import/<int:import_id>/retry")
@coordinator_required
def retry_import_job(import_id: int):
    """Run a failed or stalled import again, from the upload it kept."""
    retry_import(get_db(), actor(), import_id, **_job_settings())
    return redirect(url_for("people.import_job", import_id=import_id,
                            upload=request.form.get("upload") or None), code=303)


#: Our fields as the mapping page names them (the profile form's words).
FIELD_LABELS = {
    "email": "Email", "name": "Name", "department": "Department",
    "manager_email": "Manager's email", "role": "Role",
    "capacity": "How many mentees they can take", "skills": "Skill levels",
    "learn": "Skills to learn", "teach": "Skills to teach", "goals": "Goals", "bio": "About them",
    "format_preference": "Meeting format", "years_experience": "Years of experience",
    "institution": "Library or institution", "location": "Location", "time_zone": "Time zone",
}

#: How many rows the mapping page previews.
PREVIEW_ROWS = 5


def _keep_for_mapping(data: bytes, filename: str, sheet: str | None, partial: bool,
                      programme: int | None):
    """Keep a form export for the mapping step, once it is known to be readable."""
    try:  # the app's MAX_CONTENT_LENGTH has refused an oversized upload already (413)
        header, _ = read_sheet(data, sheet=sheet)
        if not any(h.strip() for h in header):
            raise InvalidInput("the file is empty", [])
    except InvalidInput as error:
        return render_template("people/import.html", columns=COLUMNS, partial=partial,
                               problem=f"{filename} cannot be read: {error}.",
                               errors=error.errors, filename=filename), 422
    token = keep_upload(data, filename, sheet, actor().id)
    return redirect(url_for("people.map_columns", token=token, partial=partial or None,
                            programme=programme), code=303)


@bp.route("/import/map/<token>", methods=["GET", "POST"])
@coordinator_required
def map_columns(token: str):
    """The mapping step of a form export: the file's headers with our fields guessed (or the
    map saved last time), a preview of the first rows as they will be read, then the import."""
    kept = kept_upload(token, actor().id)
    if kept is None:
        return render_template("people/import.html", columns=COLUMNS,
                               problem="That upload is no longer kept (an upload waits an "
                                       "hour): choose the file again."), 404
    db, taxonomy = get_db(), get_taxonomy(coordinators=True)
    try:  # it was read when uploaded; a failure now is a file changed on disk
        header, rows = read_sheet(kept.data, sheet=kept.sheet)
    except InvalidInput as error:
        return render_template("people/import.html", columns=COLUMNS,
                               problem=f"{kept.filename} cannot be read: {error}."), 422
    header = [h.strip() for h in header]
    partial = bool(request.values.get("partial"))
    programme = programme_asked(request.values)
    if request.method == "GET":
        # The answers of the first thousand rows are enough to guess the role's values.
        column_map = _fitting(programme_column_map(db, actor(), programme), header) or guess_column_map(
            header, [row for _, row in islice(rows, 1000)])
        return _mapping_page(kept, header, column_map, taxonomy, partial)
    form = request.form
    try:
        column_map = column_map_from_choices(
            header, {name: form.get(f"column-{name}", "") for name in FIELDS},
            values_text=form.get("values", ""), teach_level=form.get("teach_level", ""),
            timestamp=form.get("timestamp", ""))
    except InvalidInput as error:
        return _mapping_page(kept, header, None, taxonomy, partial, error=error), 422
    if form.get("action") != "import":
        return _mapping_page(kept, header, column_map, taxonomy, partial)
    # The kept upload stays until the import is done: a refused one comes back to this step.
    import_id = start_import(db, actor(), kept.data, kept.filename, partial=partial,
                             programme_id=programme, column_map=column_map, sheet=kept.sheet,
                             **_job_settings())
    progress = wait_for_import(db, actor(), import_id, current_app.config["IMPORT_WAIT_SECONDS"])
    if progress.status == ImportStatus.REFUSED and progress.refusal != "invalid":
        return _import_outcome(progress, kept.token)  # not the map's fault: no map to mend
    if progress.status == ImportStatus.REFUSED:
        error = InvalidInput(progress.message, progress.errors)
        return _mapping_page(kept, header, column_map, taxonomy, partial, error=error), 422
    if progress.status == ImportStatus.DONE:
        drop_upload(kept.token)  # imported: the kept copy goes (else it expires in an hour)
        return _import_outcome(progress)
    return redirect(url_for("people.import_job", import_id=import_id, upload=kept.token),
                    code=303)


def _fitting(column_map: ColumnMap | None, header: list[str]) -> ColumnMap | None:
    """The saved map, when this file has every header it names."""
    if column_map is None:
        return None
    named = {*column_map.columns.values(), *filter(None, [column_map.timestamp])}
    return column_map if named <= set(header) else None


def _mapping_page(kept: KeptUpload, header: list[str], column_map: ColumnMap | None,
                  taxonomy, partial: bool, error: InvalidInput | None = None):
    """Render the mapping page: the choices, and the preview or what stops the file."""
    table: ProfileTable | None = None
    if column_map is not None and error is None:
        try:
            table = read_profiles(kept.data, taxonomy, column_map=column_map, sheet=kept.sheet,
                                  partial=True)
        except InvalidInput as problem:
            error = problem
    if column_map is not None:
        chosen = {name: header.index(h) for name, h in column_map.columns.items()
                  if h in header}
        timestamp = (header.index(column_map.timestamp)
                     if column_map.timestamp in header else None)
        teach_level, values = column_map.teach_level, dump_values(column_map)
    else:  # the choices did not make a map: show them as posted, to correct the one wrong
        chosen = {name: position for name in FIELDS
                  if (position := _position(request.form.get(f"column-{name}"))) is not None}
        timestamp = _position(request.form.get("timestamp"))
        teach_level = _position(request.form.get("teach_level")) or 3
        values = request.form.get("values", "")
    # A wrong choice (not a file's problem) is shown beside its control.
    field_errors = {problem.column: problem.reason for problem in error.errors
                    if problem.row == 0} if error is not None and column_map is None else {}
    preview = list(table.records.items())[:PREVIEW_ROWS] if table is not None else []
    return render_template(
        "people/map.html", kept=kept, header=header, fields=FIELDS, chosen=chosen,
        timestamp=timestamp, teach_level=teach_level, values=values,
        field_errors=field_errors, field_labels=FIELD_LABELS,
        partial=partial, table=table, preview=preview, taxonomy=taxonomy, error=error,
        level_names=LEVEL_NAMES, programme=programme_asked(request.values))


def _position(text: str | None) -> int | None:
    """A posted header position, or None for none (or one that is not a short whole number)."""
    return whole_number(text or "")


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
    ids = None if request.form.get("scope") == "uninvited" else form_ids("person_id")
    links = invite_and_mail(get_db(), actor(), ids, base=current_app.config["BASE_URL"],
                            programme_id=programme_asked(request.form))
    if not links:
        flash("There is no one to invite: tick people who have not signed up yet.")
        return redirect(page_it_came_from() or url_for("people.index"), code=303)
    # The mail is sent once the request commits, so every link mailed already works.
    return render_template("people/invites.html", links=links,
                           mailing=bool(mail_settings(current_app.config).host))


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
    return redirect(page_it_came_from() or url_for("people.index"), code=303)
