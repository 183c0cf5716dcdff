from __future__ import annotations

from django.urls import path

from knowledgebase import views

app_name = "knowledgebase"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("search/suggest/", views.search_suggest, name="search_suggest"),
    path("search/click/", views.search_click, name="search_click"),
    path("kb/feedback/<id:page_id>/", views.feedback, name="feedback"),
    path("kb/beacon/", views.beacon, name="beacon"),
]
