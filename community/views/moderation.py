"""The moderators' pages (community moderators and agents): the queue, the action log and
the POST actions on posts, flags and threads."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from community import services
from community.forms import MergeForm, ModerationForm, MoveForm
from community.models import Category, Flag, ModerationAction, Post, Thread
from community.services import CommunityError
from knowledgebase.models import CategoryPage
from portal.decorators import moderator_required

A = ModerationAction.Action


@moderator_required
@require_GET
def queue(request):
    pending = (
        Post.objects.filter(status=Post.Status.PENDING, is_deleted=False)
        .select_related("thread", "thread__category", "author")
        .order_by("created_at")[:100]
    )
    flags = (
        Flag.objects.filter(status=Flag.Status.OPEN)
        .select_related("post", "post__thread", "post__author", "reporter")
        .order_by("created_at")[:100]
    )
    return render(request, "community/moderation/queue.html", {"pending": pending, "flags": flags})


@moderator_required
@require_GET
def action_log(request):
    actions = ModerationAction.objects.select_related("actor", "thread", "post")
    page = Paginator(actions, 50).get_page(request.GET.get("page"))
    return render(request, "community/moderation/log.html", {"page_obj": page})


@moderator_required
@require_POST
def post_action(request, pk: int):
    post = get_object_or_404(Post.objects.select_related("thread"), pk=pk)
    form = ModerationForm(request.POST)
    if not form.is_valid():
        return _fail(request, _("Choose an action."), post.get_absolute_url())
    action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
    user = request.user
    try:
        if action == A.APPROVE:
            services.post_approve(post=post, moderator=user)
        elif action == A.REJECT:
            services.post_reject(post=post, moderator=user, reason=reason)
        elif action in (A.HIDE, A.UNHIDE):
            services.post_hide(post=post, moderator=user, hidden=action == A.HIDE, reason=reason)
        elif action in (A.DELETE, A.RESTORE):
            services.post_delete(post=post, actor=user, reason=reason, restore=action == A.RESTORE)
        else:
            raise CommunityError(_("Unknown moderation action."))
    except CommunityError as exc:
        return _fail(request, exc.message, reverse_queue(), status=exc.status_code)
    messages.success(request, _("Done."))
    return redirect((request.POST.get("next") == "queue" and "community:moderation") or post.thread)


def reverse_queue() -> str:
    from django.urls import reverse

    return reverse("community:moderation")


def _fail(request, message: str, back: str, *, status: int = 400):
    return render(
        request, "community/error.html", {"message": message, "back": back}, status=status
    )


@moderator_required
@require_POST
def flag_action(request, pk: int):
    flag = get_object_or_404(Flag.objects.select_related("post"), pk=pk)
    uphold = request.POST.get("action") == "uphold"
    services.flag_resolve(
        flag=flag,
        moderator=request.user,
        uphold=uphold,
        reason=request.POST.get("reason", "")[:500],
    )
    messages.success(request, _("The flag is closed."))
    return redirect("community:moderation")


def _thread(pk: int) -> Thread:
    return get_object_or_404(Thread, pk=pk)


def _reason(request) -> str:
    return request.POST.get("reason", "")[:500]


def _refused(request, exc: CommunityError, thread: Thread):
    return _fail(request, exc.message, thread.get_absolute_url(), status=exc.status_code)


THREAD_STATES = (A.HIDE, A.UNHIDE, A.LOCK, A.UNLOCK, A.PIN, A.UNPIN)


@moderator_required
@require_POST
def thread_action(request, pk: int):
    """Pin, lock or hide a thread (``action``), or undo that."""
    thread = _thread(pk)
    action = request.POST.get("action", "")
    try:
        if action not in THREAD_STATES:
            raise CommunityError(_("Unknown moderation action."))
        services.thread_moderate(
            thread=thread, moderator=request.user, action=action, reason=_reason(request)
        )
    except CommunityError as exc:
        return _refused(request, exc, thread)
    messages.success(request, _("Done."))
    return redirect(thread)


@moderator_required
@require_POST
def thread_delete(request, pk: int):
    thread = _thread(pk)
    try:
        services.thread_delete(thread=thread, actor=request.user, reason=_reason(request))
    except CommunityError as exc:
        return _refused(request, exc, thread)
    messages.success(request, _("Done."))
    return redirect("community:moderation")


@moderator_required
@require_POST
def thread_restore(request, pk: int):
    thread = _thread(pk)
    try:
        services.thread_delete(
            thread=thread, actor=request.user, reason=_reason(request), restore=True
        )
    except CommunityError as exc:
        return _refused(request, exc, thread)
    messages.success(request, _("Done."))
    return redirect(thread)


@moderator_required
@require_POST
def thread_move(request, pk: int):
    thread = _thread(pk)
    form = MoveForm(request.POST)
    try:
        if not form.is_valid():
            raise CommunityError(_("Choose a category to move the thread to."))
        services.thread_move(
            thread=thread,
            moderator=request.user,
            category=form.cleaned_data["category"],
            reason=_reason(request),
        )
    except CommunityError as exc:
        return _refused(request, exc, thread)
    messages.success(request, _("Done."))
    return redirect(thread)


@moderator_required
@require_POST
def thread_merge(request, pk: int):
    thread = _thread(pk)
    form = MergeForm(request.POST)
    try:
        if not form.is_valid():
            raise CommunityError(_("Give the number of the thread to merge into."))
        into = Thread.objects.filter(pk=form.cleaned_data["into"]).first()
        if into is None:
            raise CommunityError(_("There is no thread with that number."))
        services.thread_merge(
            thread=thread, into=into, moderator=request.user, reason=_reason(request)
        )
    except CommunityError as exc:
        return _refused(request, exc, thread)
    messages.success(request, _("Done."))
    return redirect(thread)


@moderator_required
@require_POST
def thread_to_ticket(request, pk: int):
    thread = _thread(pk)
    try:
        ticket = services.thread_to_ticket(thread=thread, moderator=request.user)
    except CommunityError as exc:
        return _refused(request, exc, thread)
    messages.success(
        request, _("Ticket %(number)s is open for the asker.") % {"number": ticket.number}
    )
    return redirect(thread)


@moderator_required
@require_POST
def thread_to_article(request, pk: int):
    thread = _thread(pk)
    parent_id = request.POST.get("parent", "")
    try:
        parent = None
        if parent_id:
            parent = CategoryPage.objects.filter(
                pk=parent_id if parent_id.isdigit() and len(parent_id) < 12 else 0
            ).first()
            if parent is None:
                raise CommunityError(_("Choose a knowledge-base category."))
        article = services.answer_promote(thread=thread, moderator=request.user, parent=parent)
    except CommunityError as exc:
        return _refused(request, exc, thread)
    messages.success(
        request,
        _("A draft article “%(title)s” is waiting for the editors.") % {"title": article.title},
    )
    return redirect(thread)


def moderation_context() -> dict:
    """What the thread page's moderator tools need (categories, KB categories)."""
    return {
        "move_categories": Category.objects.all(),
        # real categories of every language (an answer may become an Italian article), not
        # the aliases standing in for missing translations
        "kb_categories": CategoryPage.objects.live()
        .filter(alias_of__isnull=True)
        .select_related("locale")
        .order_by("path"),
    }
