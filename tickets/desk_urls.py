"""Agents' URLs under /desk/ (agents and admins only)."""

from __future__ import annotations

from django.urls import path

from tickets.views import desk_queue, desk_ticket

app_name = "desk"

urlpatterns = [
    path("", desk_queue.desk_index, name="index"),
    path("bulk/", desk_queue.desk_bulk, name="bulk"),
    path("views/", desk_queue.saved_view_save, name="view_save"),
    path("views/<id:pk>/delete/", desk_queue.saved_view_remove, name="view_delete"),
    path("tickets/<id:pk>/", desk_ticket.desk_ticket, name="ticket"),
    path("tickets/<id:pk>/claim/", desk_ticket.desk_claim, name="claim"),
    path("tickets/<id:pk>/compose/", desk_ticket.desk_compose, name="compose"),
    path(
        "tickets/<id:pk>/compose/canned/",
        desk_ticket.desk_compose_canned,
        name="compose_canned",
    ),
    path(
        "tickets/<id:pk>/compose/search/",
        desk_ticket.desk_compose_search,
        name="compose_search",
    ),
    path(
        "tickets/<id:pk>/compose/article/",
        desk_ticket.desk_compose_article,
        name="compose_article",
    ),
    path("tickets/<id:pk>/properties/", desk_ticket.desk_properties, name="properties"),
    path("tickets/<id:pk>/merge/", desk_ticket.desk_merge, name="merge"),
]
