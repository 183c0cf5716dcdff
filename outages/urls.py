"""Public URLs at /status/: the status page, incidents, claims and status follows."""

from __future__ import annotations

from django.urls import path

from outages import views

app_name = "outages"

urlpatterns = [
    path("", views.status_page, name="status"),
    path("incidents/<id:pk>/", views.incident_detail, name="incident"),
    path("incidents/<id:pk>/claim/", views.incident_claim, name="claim"),
    path("services/<slug:slug>/follow/", views.service_follow, name="follow"),
    path("services/<slug:slug>/unfollow/", views.service_unfollow, name="unfollow"),
]
