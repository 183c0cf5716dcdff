"""Agents' incident pages under /desk/incidents/ (agents and admins only)."""

from __future__ import annotations

from django.urls import path

from outages import desk_views as views

app_name = "outages_desk"

urlpatterns = [
    path("", views.incident_list, name="list"),
    path("new/", views.incident_new, name="new"),
    path("<id:pk>/", views.incident_detail, name="detail"),
    path("<id:pk>/publish/", views.incident_publish_view, name="publish"),
    path("<id:pk>/updates/", views.incident_update_view, name="update"),
    path("<id:pk>/resolve/", views.incident_resolve_view, name="resolve"),
    path("<id:pk>/italian/", views.incident_italian_view, name="italian"),
    path("<id:pk>/tickets/", views.incident_link_view, name="link"),
    path("<id:pk>/tickets/<id:ticket_pk>/unlink/", views.incident_unlink_view, name="unlink"),
    path("<id:pk>/proactive/", views.incident_proactive_view, name="proactive"),
]
