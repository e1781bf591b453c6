"""Admin: who is a coordinator and who is an admin."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from mentorship.people.accounts import set_roles
from mentorship.people.directory import PeopleFilter, search_people
from webapp.auth import actor, admin_required
from webapp.database import get_db
from webapp.errors import page_it_came_from

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/roles")
@admin_required
def roles():
    """People with their roles, searchable, 50 to a page."""
    wanted = PeopleFilter(text=request.args.get("q", ""))
    page = search_people(get_db(), actor(), wanted, page=request.args.get("page", 1, type=int))
    return render_template("admin/roles.html", page=page, wanted=wanted)


@bp.post("/people/<int:person_id>/roles")
@admin_required
def set_person_roles(person_id: int):
    """Grant or withdraw the coordinator and admin roles."""
    db = get_db()
    person = set_roles(db, actor(), person_id, coordinator=bool(request.form.get("coordinator")),
                       admin=bool(request.form.get("admin")))
    held = [name for name, on in (("coordinator", person.is_coordinator),
                                  ("admin", person.is_admin)) if on]
    flash(f"{person.name} is now {' and '.join(held) if held else 'staff only'}.")
    return redirect(page_it_came_from() or url_for("admin.roles"), code=303)
