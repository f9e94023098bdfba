"""The outbox: every message is rendered in its recipient's language, stored, then sent."""

import logging
from datetime import datetime, timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_mailman import EmailMessage
from sqlalchemy import CheckConstraint, Index, String, Text, select, update
from sqlalchemy.orm import Mapped, mapped_column

from secretariat.database import UTCDateTime, claim_by_id, utcnow
from secretariat.extensions import db
from secretariat.i18n import LabelledEnum

log = logging.getLogger("secretariat.mail")


class MailStatus(LabelledEnum):
    QUEUED = "queued", _l("Queued")
    SENDING = "sending", _l("Sending")
    SENT = "sent", _l("Sent")
    FAILED = "failed", _l("Failed")


MAX_ATTEMPTS = 5
STALE_CLAIM = timedelta(minutes=15)


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'sending', 'sent', 'failed')", name="status_known"),
        Index("ix_outbox_messages_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    recipient: Mapped[str] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(5))
    template: Mapped[str] = mapped_column(String(80))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    attachment_name: Mapped[str] = mapped_column(String(100), default="")  # an .ics invitation
    attachment_type: Mapped[str] = mapped_column(String(100), default="")
    attachment: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default=MailStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def status_label(self):
        return MailStatus(self.status).label


def queue(
    recipient: str,
    subject,
    template: str,
    language: str,
    attachment: tuple[str, str, str] | None = None,
    **context,
) -> OutboxMessage:
    """Render templates/mail/<template>.txt and the subject in language, and store the message,
    with an optional (file name, MIME type, text) attachment.

    Nothing leaves the portal here: the outbox job sends it after the transaction commits.
    """
    name, mimetype, content = attachment or ("", "", "")
    with force_locale(language):
        message = OutboxMessage(
            recipient=recipient,
            language=language,
            template=template,
            subject=str(subject)[:300],
            body=render_template(f"mail/{template}.txt", **context),
            attachment_name=name,
            attachment_type=mimetype,
            attachment=content,
        )
    db.session.add(message)
    db.session.flush()
    return message


def sending_enabled() -> bool:
    backend = current_app.config.get("MAIL_BACKEND") or ""
    return bool(current_app.config.get("MAIL_SERVER")) or backend.endswith("locmem")


def _claim(message_id: int) -> bool:
    """Take one queued message for this worker; a second scheduler's claim then matches no row."""
    claimed = claim_by_id(
        db.session,
        OutboxMessage,
        message_id,
        OutboxMessage.status == MailStatus.QUEUED,
        status=MailStatus.SENDING,
        attempts=OutboxMessage.attempts + 1,
        claimed_at=utcnow(),
    )
    db.session.commit()
    return claimed


def requeue_interrupted() -> int:
    """Messages whose sender died mid-send go back to the queue (sending is at least once)."""
    requeued = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == MailStatus.SENDING,
            OutboxMessage.claimed_at < utcnow() - STALE_CLAIM,
        )
        .values(status=MailStatus.QUEUED)
    )
    db.session.commit()
    return requeued.rowcount


def send_pending() -> int:
    """Send what is queued when SMTP is configured; otherwise the outbox keeps it for staff."""
    if not sending_enabled():
        return 0
    requeue_interrupted()
    ids = db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == MailStatus.QUEUED)
        .order_by(OutboxMessage.id)
        .limit(current_app.config["MAIL_BATCH_SIZE"])
    ).all()
    sent = 0
    for message_id in ids:
        if not _claim(message_id):
            continue
        message = db.session.get(OutboxMessage, message_id)
        try:
            email = EmailMessage(
                subject=message.subject,
                body=message.body,
                to=[message.recipient],
                from_email=current_app.config["MAIL_DEFAULT_SENDER"],
            )
            if message.attachment_name:
                email.attach(message.attachment_name, message.attachment, message.attachment_type)
            email.send()
        except Exception as error:  # an SMTP failure must not stop the rest of the batch
            log.warning("outbox message %s not sent: %s", message_id, error)
            message.status = (
                MailStatus.FAILED if message.attempts >= MAX_ATTEMPTS else MailStatus.QUEUED
            )
            message.last_error = str(error)[:500]
        else:
            message.status = MailStatus.SENT
            message.sent_at = utcnow()
            sent += 1
        db.session.commit()
    return sent
