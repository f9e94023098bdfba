"""The outbox keeps every message; the scheduler sends each exactly once; staff can read both logs."""

from datetime import timedelta

from sqlalchemy import func, select, update

from secretariat import create_app, mail, scheduler
from secretariat.accounts import operations
from secretariat.audit import AuditEntry
from secretariat.database import utcnow
from secretariat.extensions import db as _db
from secretariat.mail import MailStatus, OutboxMessage
from secretariat.security import Role
from tests.test_i18n import turkish


def _queue_reset(app, email):
    with app.test_request_context():
        operations.request_password_reset(email)
        _db.session.commit()


def test_mail_is_rendered_in_the_recipients_language(app, create_user):
    user = create_user(Role.DELEGATE, language="tr")
    _queue_reset(app, user.email)
    with app.app_context():
        message = _db.session.scalars(select(OutboxMessage)).one()
    assert message.subject == turkish("Reset your B40 portal password")
    assert turkish("Dear %(name)s,") % {"name": user.name} in message.body
    assert "/password/reset/" in message.body


def test_without_smtp_the_outbox_keeps_messages_queued(app, create_user):
    user = create_user(Role.DELEGATE)
    _queue_reset(app, user.email)
    with app.app_context():
        assert mail.send_pending() == 0
        assert _db.session.scalar(select(OutboxMessage.status)) == MailStatus.QUEUED


def test_the_job_sends_each_message_once(app, create_user):
    user = create_user(Role.DELEGATE)
    _queue_reset(app, user.email)
    # Flask-Mailman's in-memory backend stands in for the SMTP server
    sending = create_app({**app.config, "MAIL_BACKEND": "locmem"})
    with sending.app_context():
        sent_box = sending.extensions["mailman"].outbox = []
        assert mail.send_pending() == 1
        assert mail.send_pending() == 0  # a second scheduler run finds nothing left
        message = _db.session.scalars(select(OutboxMessage)).one()
        assert message.status == MailStatus.SENT
        assert message.sent_at is not None
    assert [m.to for m in sent_box] == [[user.email]]


def test_a_claimed_message_cannot_be_claimed_again(app, create_user):
    user = create_user(Role.DELEGATE)
    _queue_reset(app, user.email)
    with app.app_context():
        message_id = _db.session.scalar(select(OutboxMessage.id))
        assert mail._claim(message_id) is True
        assert mail._claim(message_id) is False


def test_the_scheduler_registers_the_outbox_job(app):
    jobs = scheduler.build(app).get_jobs()
    assert "outbox.send" in [job.id for job in jobs]


def test_a_failing_job_rolls_back_and_does_not_stop_the_scheduler(app, db):
    def half_done_then_fails():
        _db.session.add(
            AuditEntry(actor_label="system", action="half", target_type="t", target_id="1")
        )
        _db.session.flush()
        raise RuntimeError("boom")

    scheduler.run_job(app, half_done_then_fails)
    with app.app_context():
        assert _db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_staff_read_the_outbox_and_a_message(app, client, create_user, sign_in_as):
    user = create_user(Role.DELEGATE)
    _queue_reset(app, user.email)
    sign_in_as(Role.SECRETARIAT)
    html = client.get("/staff/outbox?status=queued").get_data(as_text=True)
    assert user.email in html
    with app.app_context():
        message_id = _db.session.scalar(select(OutboxMessage.id))
    assert "/password/reset/" in client.get(f"/staff/outbox/{message_id}").get_data(as_text=True)
    assert user.email not in client.get("/staff/outbox?status=sent").get_data(as_text=True)


def test_a_delegate_cannot_read_the_outbox(app, client, create_user, sign_in_as):
    user = create_user(Role.DELEGATE)
    _queue_reset(app, user.email)
    sign_in_as(Role.DELEGATE)
    with app.app_context():
        message_id = _db.session.scalar(select(OutboxMessage.id))
    assert client.get(f"/staff/outbox/{message_id}").status_code == 403


def test_the_audit_log_filters_by_action_and_target(app, client, sign_in_as, create_user):
    target = create_user(Role.DELEGATE, name="Filtered Person")
    sign_in_as(Role.ADMIN)
    client.post_form(f"/staff/users/{target.id}/deactivate", page=f"/staff/users/{target.id}")
    html = client.get("/staff/audit?action=user.deactivate").get_data(as_text=True)
    assert "Filtered Person" in html
    assert "user.create" not in html.split("<tbody>", 1)[1]
    history = client.get(f"/staff/audit?target_type=users&target_id={target.id}").get_data(
        as_text=True
    )
    assert "user.create" in history and "user.deactivate" in history
    assert "Filtered Person" not in client.get(
        "/staff/audit?from=2000-01-01&to=2000-01-02"
    ).get_data(as_text=True)


def test_a_message_interrupted_mid_send_is_sent_later(app, create_user):
    user = create_user(Role.DELEGATE)
    _queue_reset(app, user.email)
    with app.app_context():
        message_id = _db.session.scalar(select(OutboxMessage.id))
        mail._claim(message_id)  # a scheduler claimed it, then its process was killed
        _db.session.execute(
            update(OutboxMessage).values(claimed_at=utcnow() - timedelta(minutes=16))
        )
        _db.session.commit()
    sending = create_app({**app.config, "MAIL_BACKEND": "locmem"})
    with sending.app_context():
        sending.extensions["mailman"].outbox = []
        assert mail.send_pending() == 1
        assert _db.session.get(OutboxMessage, message_id).status == MailStatus.SENT


def test_a_fresh_claim_is_left_to_its_sender(app, create_user):
    user = create_user(Role.DELEGATE)
    _queue_reset(app, user.email)
    with app.app_context():
        message_id = _db.session.scalar(select(OutboxMessage.id))
        mail._claim(message_id)
        assert mail.requeue_interrupted() == 0
