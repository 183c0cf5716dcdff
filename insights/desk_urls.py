"""Agents' insights pages under /desk/insights/ (agents and admins only)."""

from __future__ import annotations

from django.urls import path

from insights import desk_views as views
from insights.followup_views import followup_close_view

app_name = "insights_desk"

urlpatterns = [
    path("at-risk/", views.at_risk_list, name="at_risk"),
    path("at-risk/<str:customer_ref>/ticket/", views.at_risk_ticket, name="at_risk_ticket"),
    path("customers/<str:customer_ref>/", views.customer_timeline, name="timeline"),
    path("clv-fit/", views.clv_fit_now, name="clv_fit"),
    path("followups/<id:pk>/close/", followup_close_view, name="followup_close"),
]
