"""Agents' URLs under /desk/ (agents and admins only)."""

from __future__ import annotations

from django.urls import path

from tickets.views import desk_queue, desk_ticket

app_name = "desk"

urlpatterns = [
    path("", desk_queue.desk_index, name="index"),
    path("bulk/", desk_queue.desk_bulk, name="bulk"),
    path("views/", desk_queue.saved_view_save, name="view_save"),
    path("views/<int:pk>/delete/", desk_queue.saved_view_remove, name="view_delete"),
    path("tickets/<int:pk>/", desk_ticket.desk_ticket, name="ticket"),
    path("tickets/<int:pk>/claim/", desk_ticket.desk_claim, name="claim"),
    path("tickets/<int:pk>/compose/", desk_ticket.desk_compose, name="compose"),
    path("tickets/<int:pk>/properties/", desk_ticket.desk_properties, name="properties"),
    path("tickets/<int:pk>/merge/", desk_ticket.desk_merge, name="merge"),
]
