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
    path("t/<id:pk>/", pages.thread, name="thread"),
    path("t/<id:pk>/answer/", pages.answer, name="answer"),
    path("t/<id:pk>/seen/", pages.seen, name="seen"),
    path("t/<id:pk>/follow/", pages.follow, name="follow"),
    path("t/<id:pk>/accept/", pages.accept, name="accept"),
    path("posts/<id:pk>/vote/", pages.vote, name="vote"),
    path("posts/<id:pk>/edit/", pages.edit, name="edit"),
    path("posts/<id:pk>/history/", pages.history, name="history"),
    path("posts/<id:pk>/flag/", pages.flag, name="flag"),
    path("posts/<id:pk>/delete/", pages.delete, name="delete"),
    path("members/<slug:handle>/", pages.member, name="member"),
    path("images/<slug:key>/", pages.image, name="image"),
    path("moderation/", moderation.queue, name="moderation"),
    path("moderation/log/", moderation.action_log, name="moderation_log"),
    path("moderation/posts/<id:pk>/", moderation.post_action, name="moderate_post"),
    path("moderation/flags/<id:pk>/", moderation.flag_action, name="moderate_flag"),
    path("moderation/t/<id:pk>/", moderation.thread_action, name="moderate_thread"),
    path("moderation/t/<id:pk>/delete/", moderation.thread_delete, name="moderate_thread_delete"),
    path(
        "moderation/t/<id:pk>/restore/", moderation.thread_restore, name="moderate_thread_restore"
    ),
    path("moderation/t/<id:pk>/move/", moderation.thread_move, name="moderate_thread_move"),
    path("moderation/t/<id:pk>/merge/", moderation.thread_merge, name="moderate_thread_merge"),
    path(
        "moderation/t/<id:pk>/ticket/", moderation.thread_to_ticket, name="moderate_thread_ticket"
    ),
    path(
        "moderation/t/<id:pk>/article/",
        moderation.thread_to_article,
        name="moderate_thread_article",
    ),
]
