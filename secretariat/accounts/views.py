"""Sign-in, invitations, password resets, the profile, and the staff's user pages."""

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from markupsafe import Markup

from secretariat import cache
from secretariat.accounts import bp, operations, queries
from secretariat.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    InviteForm,
    NewPasswordForm,
    ProfileForm,
    RoleForm,
    SignInForm,
)
from secretariat.accounts.models import TokenPurpose, UserState
from secretariat.errors import attempt
from secretariat.extensions import db, limiter
from secretariat.security import (
    PUBLIC,
    SIGNED_IN,
    STAFF,
    Role,
    access,
    clear_allowance,
    safe_next,
    take_allowance,
)
from secretariat.text import normalise_email


def _sign_in_failed(response) -> bool:
    return g.get("sign_in_failed", False)


def _new_session() -> None:
    """Nothing from the previous session survives a sign-in or sign-out but the language."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language


def _tries_of(email: str) -> tuple[str, str, str]:
    """The key that counts sign-in attempts on one account from one address: a guesser locks
    out only itself, never the account's owner signing in from elsewhere."""
    email = normalise_email(email)[:320]
    return ("LOGIN_ATTEMPTS_PER_ACCOUNT_AND_ADDRESS", "sign-in", f"{email}|{get_remote_address()}")


def _authenticated(form: SignInForm):
    """The user the form's email and password open, counted against the account's attempts from
    this address (429 once they are used up); None with the refusal next to the password."""
    if not take_allowance(*_tries_of(form.email.data)):
        abort(429)
    user = operations.authenticate(form.email.data, form.password.data)
    if user is None:
        form.password.errors.append(_("The email address or password is not correct."))
    return user


def _open_session(user, form: SignInForm):
    operations.open_session(user)
    db.session.commit()  # the response sets the cookie of the session just recorded
    clear_allowance(*_tries_of(form.email.data))
    _new_session()
    login_user(user)
    return redirect(safe_next(form.next.data) or url_for("site.show_home"))


@bp.route("/sign-in", methods=["GET", "POST"])
@access(PUBLIC)
@limiter.limit(
    lambda: current_app.config["LOGIN_FAILURES_PER_ADDRESS"],
    methods=["POST"],
    deduct_when=_sign_in_failed,
)
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("site.show_home"))
    form = SignInForm(next=request.args.get("next", ""))
    if form.validate_on_submit() and (user := _authenticated(form)) is not None:
        return _open_session(user, form)
    g.sign_in_failed = form.is_submitted()
    return render_template("accounts/sign_in.html", form=form)


@bp.route("/sign-out", methods=["POST"])
@access(SIGNED_IN)
def sign_out():
    if attempt(operations.end_session, current_user)[0]:
        logout_user()
        _new_session()
        flash(_("You have signed out."), "success")
    return redirect(url_for("site.show_home"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@access(PUBLIC)
@limiter.limit(lambda: current_app.config["RESET_REQUESTS_PER_ADDRESS"], methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit() and attempt(operations.request_password_reset, form.email.data)[0]:
        flash(
            _("If an account uses this address, a link to reset its password is on its way."),
            "success",
        )
        return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/forgot_password.html", form=form)


def _set_password_page(raw: str, purpose: TokenPurpose, operation, template: str, done: str):
    token = queries.valid_token(raw, purpose)
    if token is None:
        return render_template("accounts/link_invalid.html"), 404
    form = NewPasswordForm(owner=token.user)
    if form.validate_on_submit() and attempt(operation, raw, **form.values("password"))[0]:
        flash(done, "success")
        return redirect(url_for("accounts.sign_in"))
    return render_template(template, form=form, user=token.user)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@access(PUBLIC)
def accept_invitation(token):
    return _set_password_page(
        token,
        TokenPurpose.INVITATION,
        operations.accept_invitation,
        "accounts/accept_invitation.html",
        _("Your account is ready. Please sign in."),
    )


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@access(PUBLIC)
def reset_password(token):
    return _set_password_page(
        token,
        TokenPurpose.PASSWORD_RESET,
        operations.reset_password,
        "accounts/reset_password.html",
        _("Your password has been changed. Please sign in."),
    )


@bp.route("/profile", methods=["GET", "POST"])
@access(SIGNED_IN)
def edit_profile():
    form = ProfileForm(obj=current_user)
    password_form = ChangePasswordForm(prefix="pw")
    if (
        form.validate_on_submit()
        and attempt(operations.update_profile, current_user, **form.values())[0]
    ):
        session["lang"] = current_user.language
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("accounts.edit_profile"))
    return render_template("accounts/profile.html", form=form, password_form=password_form)


@bp.route("/profile/password", methods=["POST"])
@access(SIGNED_IN)
def change_password():
    form = ProfileForm(obj=current_user, formdata=None)
    password_form = ChangePasswordForm(prefix="pw", owner=current_user)
    if (
        password_form.validate_on_submit()
        and attempt(
            operations.change_password,
            current_user,
            **password_form.values("current_password", "password"),
        )[0]
    ):
        logout_user()
        flash(_("Your password has been changed. Please sign in with the new one."), "success")
        return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/profile.html", form=form, password_form=password_form)


# The secretariat's user management


@bp.route("/staff/users")
@access(STAFF)
def list_users():
    # the table shows nothing of its reader: kept for every staff member alike; it is our own
    # template's output, escaped when it was rendered, so the layout takes it as markup
    table = Markup(cache.kept(cache.USERS_LISTING, _users_table, anyone=True))  # noqa: S704  # nosec B704
    return render_template("accounts/users.html", table=table)


def _users_table() -> str:
    query = request.args.get("q", "").strip()[:100]
    role = request.args.get("role", "")
    state = request.args.get("state", "")
    page = queries.users_listing(query, role, state)
    role_names = {each.value: str(each.label) for each in Role}  # translated once, not per row
    state_names = {each.value: str(each.label) for each in UserState}
    return render_template(
        "accounts/users_table.html",
        page=page,
        role_choices=list(role_names.items()),
        state_choices=list(state_names.items()),
        role_names=role_names,
        state_names=state_names,
        q=query,
        role=role,
        state=state,
    )


@bp.route("/staff/users/invite", methods=["GET", "POST"])
@access(STAFF)
def invite_user():
    form = InviteForm()
    if form.validate_on_submit():
        ok, user = attempt(operations.invite_user, current_user, **form.values())
        if ok:
            flash(_("The invitation to %(email)s is in the outbox.", email=user.email), "success")
            return redirect(url_for("accounts.show_user", user_id=user.id))
    return render_template("accounts/invite.html", form=form)


@bp.route("/staff/users/<int:user_id>", methods=["GET", "POST"])
@access(STAFF)
def show_user(user_id):
    user = queries.user_or_404(user_id)
    form = RoleForm(obj=user)
    if (
        form.validate_on_submit()
        and attempt(operations.change_role, current_user, user, **form.values())[0]
    ):
        flash(_("The role has been changed."), "success")
        return redirect(url_for("accounts.show_user", user_id=user.id))
    return render_template("accounts/user.html", user=user, form=form)


USER_ACTIONS = {
    "deactivate": (operations.deactivate_user, _l("The account has been deactivated.")),
    "reactivate": (operations.reactivate_user, _l("The account has been reactivated.")),
    "invitation": (operations.send_invitation, _l("A new invitation is in the outbox.")),
}


@bp.route(
    "/staff/users/<int:user_id>/<any(deactivate, reactivate, invitation):action>",
    methods=["POST"],
)
@access(STAFF)
def act_on_user(user_id, action):
    user = queries.user_or_404(user_id)
    operation, done = USER_ACTIONS[action]
    if attempt(operation, current_user, user)[0]:
        flash(str(done), "success")
    return redirect(url_for("accounts.show_user", user_id=user.id))
