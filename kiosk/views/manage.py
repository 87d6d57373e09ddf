"""Facilitator pages for learners (rename, PIN, merge, export, erase, assisted mode) and groups."""
from __future__ import annotations

import json
import time
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import catalog, groups, learner_admin, progress
from ..i18n import request_language
from ..learners import FormError
from ..models import Learner, LearnerGroup, Progress
from .facilitator import facilitator_required

bp = Blueprint("manage", __name__, url_prefix="/facilitator")


def init_app(app) -> None:
    app.register_blueprint(bp)


def _learner(uuid: str) -> Learner:
    return Learner.get_or_none(Learner.uuid == uuid) or abort(404)


@bp.get("/learners")
@facilitator_required
def learners():
    return render_template("facilitator/learners.html",
                           learners=Learner.select().order_by(Learner.name))


@bp.get("/learners/<uuid>")
@facilitator_required
def learner(uuid: str):
    person = _learner(uuid)
    lang = request_language()
    rows = list(Progress.select().where(Progress.learner == person).order_by(Progress.last_seen.desc()))
    titles = {row.lesson_key: (catalog.lesson_by_key(row.lesson_key, lang) or None) for row in rows}
    others = Learner.select().where(Learner.id != person.id).order_by(Learner.name)
    return render_template("facilitator/learner.html", person=person, rows=rows, titles=titles,
                           others=others, errors={})


@bp.post("/learners/<uuid>/rename")
@facilitator_required
def rename(uuid: str):
    person = _learner(uuid)
    try:
        learner_admin.rename(person, request.form.get("name", ""))
    except FormError as error:
        flash(str(error.message), "error")
    else:
        flash(_("The name was changed."), "ok")
    return redirect(url_for(".learner", uuid=uuid))


@bp.post("/learners/<uuid>/pin")
@facilitator_required
def reset_pin(uuid: str):
    person = _learner(uuid)
    try:
        learner_admin.reset_pin(person, request.form.get("pin", ""))
    except FormError as error:
        flash(str(error.message), "error")
    else:
        flash(_("The secret code was changed.") if request.form.get("pin") else
              _("The secret code was removed."), "ok")
    return redirect(url_for(".learner", uuid=uuid))


@bp.post("/learners/<uuid>/help")
@facilitator_required
def mark_help(uuid: str):
    """Assisted mode: record that a lesson was done with a facilitator's help."""
    person = _learner(uuid)
    progress.set_with_help(person, request.form.get("lesson", ""), request.form.get("with_help") == "1")
    flash(_("Saved."), "ok")
    return redirect(url_for(".learner", uuid=uuid))


@bp.post("/learners/<uuid>/merge")
@facilitator_required
def merge(uuid: str):
    keep = _learner(uuid)
    other = _learner(request.form.get("other", ""))
    if other.id == keep.id:
        flash(_("Choose another learner's card: a card cannot be merged with itself."), "error")
        return redirect(url_for(".learner", uuid=uuid))
    if request.form.get("confirm") != "1":
        flash(_("Tick the box to confirm the merge."), "error")
        return redirect(url_for(".learner", uuid=uuid))
    learner_admin.merge(keep, other)
    flash(_("The two cards are now one."), "ok")
    return redirect(url_for(".learner", uuid=uuid))


@bp.get("/learners/<uuid>/export.json")
@facilitator_required
def export(uuid: str):
    data = json.dumps(learner_admin.export(_learner(uuid)), ensure_ascii=False, indent=2)
    return Response(data, mimetype="application/json", headers={
        "Content-Disposition": f"attachment; filename=relais-learner-{uuid}.json"})


@bp.post("/learners/<uuid>/erase")
@facilitator_required
def erase(uuid: str):
    person = _learner(uuid)
    if request.form.get("confirm_name", "").strip() != person.name:
        flash(_("To erase this learner, type their name exactly as shown."), "error")
        return redirect(url_for(".learner", uuid=uuid))
    learner_admin.erase(person)
    flash(_("The learner and everything they did were erased."), "ok")
    return redirect(url_for(".learners"))


@bp.route("/groups", methods=["GET", "POST"])
@facilitator_required
def group_list():
    if request.method == "POST":
        try:
            group = groups.create(request.form.get("name", ""))
        except groups.GroupError as error:
            flash(_("Please type a name for the group.") if str(error) == "empty" else
                  _("A group with this name already exists."), "error")
        else:
            return redirect(url_for(".group", group_id=group.id))
    return render_template("facilitator/groups.html", groups=LearnerGroup.select().order_by(LearnerGroup.name))


@bp.route("/groups/<int:group_id>", methods=["GET", "POST"])
@facilitator_required
def group(group_id: int):
    item = groups.get(group_id) or abort(404)
    if request.method == "POST":
        groups.set_members(item, request.form.getlist("learner", type=int))
        groups.set_courses(item, request.form.getlist("course"))
        flash(_("The group was saved."), "ok")
        return redirect(url_for(".group", group_id=group_id))
    lang = request_language()
    courses = catalog.courses(lang)
    members = groups.members(item)
    assigned = groups.course_ids(item)
    done = {(p.learner_id, p.lesson_key) for p in Progress.select().where(Progress.status == "completed")}
    table = [{"learner": m, "courses": {c.id: sum((m.id, les.key) in done for les in c.lessons)
                                        for c in courses if c.id in assigned}} for m in members]
    return render_template("facilitator/group.html", group=item, courses=courses, members=members,
                           assigned=assigned, table=table, everyone=Learner.select().order_by(Learner.name))


@bp.get("/groups/<int:group_id>/attendance")
@facilitator_required
def attendance(group_id: int):
    item = groups.get(group_id) or abort(404)
    try:
        day = date.fromisoformat(request.args.get("day", ""))
    except ValueError:              # none given, or not a date: today's sheet
        day = date.today()
    return render_template("facilitator/attendance.html", group=item, members=groups.members(item), day=day,
                           now=time.time())
