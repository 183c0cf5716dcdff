"""/community/: the forum's pages and their POST actions."""

from __future__ import annotations

from django.urls import path

from community.views import moderation, pages

app_name = "community"

urlpatterns = [
    path("", pages.index, name="index"),
    path("ask/", pages.ask, name="ask"),
    path("ask/similar/", pages.similar, name="similar"),
    path("c/<slug:slug>/", pages.category, name="category"),
    path("t/<int:pk>/", pages.thread, name="thread"),
    path("t/<int:pk>/answer/", pages.answer, name="answer"),
    path("t/<int:pk>/seen/", pages.seen, name="seen"),
    path("t/<int:pk>/follow/", pages.follow, name="follow"),
    path("t/<int:pk>/accept/", pages.accept, name="accept"),
    path("posts/<int:pk>/vote/", pages.vote, name="vote"),
    path("posts/<int:pk>/edit/", pages.edit, name="edit"),
    path("posts/<int:pk>/history/", pages.history, name="history"),
    path("posts/<int:pk>/flag/", pages.flag, name="flag"),
    path("posts/<int:pk>/delete/", pages.delete, name="delete"),
    path("members/<slug:handle>/", pages.member, name="member"),
    path("images/<slug:key>/", pages.image, name="image"),
    path("moderation/", moderation.queue, name="moderation"),
    path("moderation/log/", moderation.action_log, name="moderation_log"),
    path("moderation/posts/<int:pk>/", moderation.post_action, name="moderate_post"),
    path("moderation/flags/<int:pk>/", moderation.flag_action, name="moderate_flag"),
    path("moderation/t/<int:pk>/", moderation.thread_action, name="moderate_thread"),
]
