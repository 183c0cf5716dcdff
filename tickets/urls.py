"""Customers' URLs: /tickets/, /tickets/new/, /tickets/<id>/ and their actions."""

from __future__ import annotations

from django.urls import path

from tickets.views import customer

app_name = "tickets"

urlpatterns = [
    path("", customer.ticket_list, name="list"),
    path("new/", customer.ticket_new, name="new"),
    path("new/suggest/", customer.ticket_suggest, name="suggest"),
    path("new/answered/", customer.ticket_deflect, name="deflect"),
    path("<id:pk>/", customer.ticket_detail, name="detail"),
    path("<id:pk>/reply/", customer.ticket_reply_view, name="reply"),
    path("<id:pk>/close/", customer.ticket_close_view, name="close"),
    path("<id:pk>/reopen/", customer.ticket_reopen_view, name="reopen"),
    path(
        "<id:pk>/attachments/<id:attachment_id>/",
        customer.attachment_download,
        name="attachment",
    ),
]
