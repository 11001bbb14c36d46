"""Notifications once the ERP accepted an order: a mail through SMTP (a Jinja2 template) or a webhook."""

from __future__ import annotations

import smtplib
from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any

import httpx

from conveyor.orders.formats import TEMPLATES, render_template
from conveyor.orders.rules import Email, Notify, Webhook

EMAIL_TEMPLATE = TEMPLATES / "notify_email.txt.j2"


def _fill(text: str, order: Mapping[str, Any]) -> str:
    """``{increment_id}``-style fields of the order in a recipient or subject."""
    return text.format_map(
        {key: "" if value is None else value for key, value in order.items() if isinstance(key, str)}
    )


def send_email(email: Email, context: Mapping[str, Any]) -> str:
    order = context["order"]
    recipient = _fill(email.to, order)
    message = EmailMessage()
    message["From"] = email.sender
    message["To"] = recipient
    message["Subject"] = _fill(email.subject, order)
    message.set_content(render_template(email.template or EMAIL_TEMPLATE, context, order=str(order["increment_id"])))
    with smtplib.SMTP(email.host, email.port, timeout=email.timeout) as smtp:
        if email.starttls:
            smtp.starttls()
        if email.username is not None:
            smtp.login(email.username, email.password or "")
        smtp.send_message(message)
    return f"mail to {recipient}"


def post_webhook(webhook: Webhook, context: Mapping[str, Any], key: str) -> str:
    order = context["order"]
    body = {
        "event": "order.accepted",
        "increment_id": order["increment_id"],
        "target": context["target"],
        "erp_order_id": context.get("erp_order_id"),
    }
    answer = httpx.post(
        webhook.url, json=body, headers={"Idempotency-Key": key, **webhook.headers}, timeout=webhook.timeout
    )
    answer.raise_for_status()
    return f"webhook {webhook.url}"


def notify(config: Notify, context: Mapping[str, Any], *, key: str) -> str:
    """Send the one notification ``config`` names; where it went."""
    if config.email is not None:
        return send_email(config.email, context)
    assert config.webhook is not None
    return post_webhook(config.webhook, context, key)
