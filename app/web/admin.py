"""User administration for admins: the accounts with their second-factor state, and a 2FA reset (audited)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from app.db import db
from app.models import User
from app.services import twofactor
from app.web.errors import Refused

bp = Blueprint("admin", __name__, url_prefix="/beheer")


def _require_admin() -> None:
    if current_user.role != "admin":
        raise Refused("Alleen een beheerder mag gebruikers beheren.")


@bp.get("/gebruikers")
def users():
    _require_admin()
    rows = db.session.scalars(select(User).order_by(User.email))
    return render_template("admin/users.html", users=list(rows), enrolled=twofactor.is_enrolled)


@bp.post("/gebruikers/<int:user_id>/tweestaps-reset")
def reset_second_factor(user_id: int):
    _require_admin()
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    twofactor.reset(user, by=current_user)
    return redirect(url_for("admin.users"))
