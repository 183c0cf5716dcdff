"""Customers' URLs: /catalogue/, /catalogue/<slug>/, /requests/, /requests/<id>/ and actions."""

from __future__ import annotations

from django.urls import path

from catalogue import views

app_name = "catalogue"

urlpatterns = [
    path("catalogue/", views.catalogue_index, name="index"),
    path("catalogue/<slug:slug>/", views.item_request, name="item"),
    path("requests/", views.request_list, name="requests"),
    path("requests/<id:pk>/", views.request_detail, name="request"),
    path("requests/<id:pk>/approve/", views.request_approve_view, name="approve"),
    path("requests/<id:pk>/reject/", views.request_reject_view, name="reject"),
    path("requests/<id:pk>/result/", views.result_download, name="result"),
    path(
        "requests/<id:pk>/confirm-email/<str:token>/",
        views.email_confirm,
        name="email_confirm",
    ),
]
