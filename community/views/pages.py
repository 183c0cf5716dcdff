"""Members' pages: /community/, categories, threads, asking, answering, votes, accept,
follow, edit history, flags and member profiles."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from community import selectors, services
from community.forms import AnswerForm, AskForm, EditForm, FlagForm, SortForm, VoteForm
from community.models import Category, MemberProfile, Post, PostImage, Thread
from community.services import CommunityError
from community.services.common import is_moderator
from community.services.images import ImageRejected
from community.views.moderation import moderation_context
from knowledgebase import services as kb
from portal.badges import badges_by_user
from portal.clientip import client_ip
from portal.idempotency import submit_once
from portal.pagecache import csrf_for_signed_in, mark_cacheable
from portal.services.idempotency import IdempotencyConflict
from portal.usercache import cache_signed_in

THREADS_PER_PAGE = 20
ANSWERS_PER_PAGE = 30
SUGGESTIONS = 5
AUTHOR_BADGES = 3  # the latest few badges next to an author's name
#: How long anonymous visitors may be served the forum's public pages from the page cache
#: (``portal.pagecache``): a new answer reaches them within this time; members see it at once.
VISITOR_CACHE_SECONDS = 60


def _for_visitors(request, response):
    """Let the visitor page cache keep this page for anonymous visitors (what they see is
    the public forum, the same for all of them)."""
    if not request.user.is_authenticated:
        mark_cacheable(response, VISITOR_CACHE_SECONDS)
    return response


def _fingerprint(request) -> str:
    return f"{client_ip(request) or ''}|{request.META.get('HTTP_USER_AGENT', '')[:200]}"


def _error(request, exc: CommunityError, *, back: str, partial: str | None = None, context=None):
    """A service said no: the htmx partial with the message, or a small page with a way back."""
    if request.htmx and partial:
        return render(
            request, partial, {**(context or {}), "error": exc.message}, status=exc.status_code
        )
    return render(
        request,
        "community/error.html",
        {"message": exc.message, "back": back},
        status=exc.status_code,
    )


def _error_field(exc: CommunityError, default: str | None) -> str | None:
    """Which form field a service's refusal belongs to."""
    return "images" if isinstance(exc, ImageRejected) else default


@require_GET
def image(request, key: str):
    """A post's image, only for people who may read the post (a private category's images
    are a 404 for everyone else); shown inline, never sniffed or scripted."""
    picture = get_object_or_404(PostImage.objects.visible_to(request.user), key=key)
    try:
        handle = picture.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=picture.content_type)
    response["Content-Disposition"] = content_disposition_header(False, picture.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_GET
@cache_signed_in
def index(request):
    user = request.user
    context = {
        "categories": selectors.categories_with_counts(user),
        "recent": selectors.recent_threads(user),
        "unanswered": selectors.unanswered_threads(user),
        "unsolved": selectors.unsolved_threads(user),
        "is_moderator": is_moderator(user),
    }
    return _for_visitors(request, render(request, "community/index.html", context))


@require_GET
@cache_signed_in
def category(request, slug: str):
    category = get_object_or_404(Category.objects.visible_to(request.user), slug=slug)
    form = SortForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    sort, show = data.get("sort") or "activity", data.get("show") or ""
    threads = selectors.category_threads(category, request.user, sort=sort, show=show)
    page = Paginator(threads, THREADS_PER_PAGE).get_page(data.get("page") or 1)
    rows = list(page.object_list)
    for row in rows:
        row.category = category  # the page's own (no join per row)
    context = {
        "category": category,
        "page_obj": page,
        "threads": rows,
        "sort": sort,
        "show": show,
        "sorts": SortForm.SORTS,
        "shows": SortForm.SHOW,
    }
    return _for_visitors(request, render(request, "community/category.html", context))


def _thread_for(request, pk: int) -> Thread:
    return get_object_or_404(
        Thread.objects.visible_to(request.user).select_related("category", "author"), pk=pk
    )


def _thread_context(request, thread: Thread, *, answer_form=None) -> dict:
    user = request.user
    question = (
        Post.objects.filter(thread=thread, is_question=True)
        .select_related("author", "author__community_profile")
        .first()
    )
    page = Paginator(selectors.thread_answers(thread, user), ANSWERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    answers = list(page.object_list)
    moderator = is_moderator(user)
    posts = [question, *answers] if question else answers
    votes = selectors.votes_by(user, posts)
    badges = badges_by_user(post.author_id for post in posts)  # one query, next to names
    for post in posts:
        post.my_vote = votes.get(post.pk, 0)
        post.author_badges = badges.get(post.author_id, [])[-AUTHOR_BADGES:]
    return {
        "thread": thread,
        "question": question,
        "answers": answers,
        "page_obj": page,
        "following": selectors.is_following(thread, user),
        "can_accept": thread.is_question
        and user.is_authenticated
        and (thread.author_id == user.pk or moderator),
        "can_answer": user.is_authenticated
        and not thread.is_pending
        and (not thread.is_locked or moderator),
        "is_moderator": moderator,
        "answer_form": answer_form or AnswerForm(),
        "flag_reasons": FlagForm.base_fields["reason"].choices,
        **(moderation_context() if moderator else {}),
    }


def _view_record(request, thread: Thread) -> None:
    session = getattr(request, "session", None)
    services.thread_view_record(
        thread=thread,
        user=request.user,
        session_key=(session.session_key or "") if session is not None else "",
        fingerprint=_fingerprint(request),
    )


@require_GET
@cache_signed_in
def thread(request, pk: int):
    thread = _thread_for(request, pk)
    if thread.merged_into_id is not None and not is_moderator(request.user):
        messages.info(request, _("This question was merged into another thread."))
        return redirect("community:thread", pk=thread.merged_into_id)
    _view_record(request, thread)
    response = render(request, "community/thread.html", _thread_context(request, thread))
    return _for_visitors(request, response)


@csrf_for_signed_in
@require_POST
def seen(request, pk: int):
    """The thread page's beacon: counts an anonymous visitor's view when the page came from
    the visitor page cache (the view did not run). Signed-in views are counted when served."""
    thread = _thread_for(request, pk)
    if not request.user.is_authenticated:
        _view_record(request, thread)  # once per visitor and day, whoever comes first
    return HttpResponse(status=204)


@login_required
@require_POST
def answer(request, pk: int):
    thread = _thread_for(request, pk)
    form = AnswerForm(request.POST, request.FILES)
    status = 400
    if form.is_valid():
        try:
            post, created = submit_once(
                form,
                scope=f"community.post_answer:{thread.pk}",
                user=request.user,
                create=lambda: services.post_answer(
                    thread=thread,
                    author=request.user,
                    body=form.cleaned_data["body"],
                    images=form.cleaned_data["images"],
                ),
            )
        except CommunityError as exc:
            form.add_error(_error_field(exc, "body"), exc.message)
            status = exc.status_code
        except IdempotencyConflict as exc:
            form.add_error(None, exc.message)
        else:
            if not created:
                messages.info(request, _("You already posted this answer."))
            elif post.status == Post.Status.PENDING:
                messages.info(
                    request, _("Thanks! A moderator will publish your first answer soon.")
                )
            else:
                messages.success(request, _("Your answer is posted."))
            return HttpResponseRedirect(f"{thread.get_absolute_url()}#post-{post.pk}")
    context = _thread_context(request, thread, answer_form=form)
    return render(request, "community/thread.html", context, status=status)


@login_required
@require_POST
def vote(request, pk: int):
    post = get_object_or_404(Post.objects.visible_to(request.user).select_related("thread"), pk=pk)
    form = VoteForm(request.POST)
    back = post.get_absolute_url()
    context = {"post": post, "my_vote": 0}
    if not form.is_valid():
        return _error(
            request,
            CommunityError(_("Choose up or down.")),
            back=back,
            partial="community/includes/vote.html",
            context=context,
        )
    value = form.cleaned_data["value"]
    try:
        post = services.vote_cast(post=post, voter=request.user, value=value)
    except CommunityError as exc:
        return _error(
            request,
            exc,
            back=back,
            partial="community/includes/vote.html",
            context={
                **context,
                "my_vote": selectors.votes_by(request.user, [post]).get(post.pk, 0),
            },
        )
    if request.htmx:
        return render(request, "community/includes/vote.html", {"post": post, "my_vote": value})
    return HttpResponseRedirect(back)


@login_required
@require_POST
def accept(request, pk: int):
    thread = _thread_for(request, pk)
    post_id = request.POST.get("post", "")
    try:
        if post_id == "none":
            services.answer_unaccept(thread=thread, user=request.user)
        else:
            if not post_id.isdigit() or len(post_id) > 12:
                raise CommunityError(_("Choose an answer."))
            post = get_object_or_404(Post, pk=int(post_id), thread=thread)
            services.answer_accept(thread=thread, post=post, user=request.user)
    except CommunityError as exc:
        return _error(request, exc, back=thread.get_absolute_url())
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    messages.success(request, _("The accepted answer is updated."))
    return redirect(thread)


@login_required
@require_POST
def follow(request, pk: int):
    thread = _thread_for(request, pk)
    following = request.POST.get("follow", "1") != "0"
    if following:
        services.thread_follow(thread=thread, user=request.user)
    else:
        services.thread_unfollow(thread=thread, user=request.user)
    if request.htmx:
        return render(
            request, "community/includes/follow.html", {"thread": thread, "following": following}
        )
    messages.success(
        request, _("You follow this thread.") if following else _("You no longer follow it.")
    )
    return redirect(thread)


def _own_or_moderated(request, pk: int) -> Post:
    post = get_object_or_404(Post.objects.visible_to(request.user).select_related("thread"), pk=pk)
    if post.author_id != request.user.pk and not is_moderator(request.user):
        raise PermissionDenied
    return post


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, pk: int):
    post = _own_or_moderated(request, pk)
    status = 200
    if request.method == "POST":
        form = EditForm(request.POST, request.FILES)
        status = 400
        if form.is_valid():
            try:
                services.post_edit(
                    post=post,
                    editor=request.user,
                    body=form.cleaned_data["body"],
                    title=form.cleaned_data["title"] or None if post.is_question else None,
                    images=form.cleaned_data["images"],
                )
            except CommunityError as exc:
                form.add_error(_error_field(exc, "body"), exc.message)
                status = exc.status_code
            else:
                messages.success(request, _("Your changes are saved."))
                return HttpResponseRedirect(post.get_absolute_url())
    else:
        form = EditForm(initial={"body": post.body_markdown, "title": post.thread.title})
    return render(request, "community/edit.html", {"post": post, "form": form}, status=status)


@require_GET
def history(request, pk: int):
    post = get_object_or_404(Post.objects.visible_to(request.user).select_related("thread"), pk=pk)
    revisions = post.revisions.select_related("editor").order_by("-number")
    return render(request, "community/history.html", {"post": post, "revisions": revisions})


@login_required
@require_http_methods(["GET", "POST"])
def flag(request, pk: int):
    posts = Post.objects.visible_to(request.user).exclude(status=Post.Status.REJECTED)
    post = get_object_or_404(posts.select_related("thread"), pk=pk)
    status = 200
    if request.method == "POST":
        form = FlagForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                services.flag_create(post=post, reporter=request.user, **form.cleaned_data)
            except CommunityError as exc:
                form.add_error(None, exc.message)
                status = exc.status_code
            else:
                messages.success(request, _("Thank you. A moderator will look at it."))
                return HttpResponseRedirect(post.get_absolute_url())
    else:
        form = FlagForm()
    return render(request, "community/flag.html", {"post": post, "form": form}, status=status)


@login_required
@require_POST
def delete(request, pk: int):
    post = _own_or_moderated(request, pk)
    try:
        services.post_delete(post=post, actor=request.user, reason=request.POST.get("reason", ""))
    except CommunityError as exc:
        return _error(request, exc, back=post.get_absolute_url())
    messages.success(request, _("Deleted."))
    if post.is_question:
        return redirect("community:category", slug=post.thread.category.slug)
    return redirect(post.thread)


@login_required
@require_http_methods(["GET", "POST"])
def ask(request):
    user = request.user
    status = 200
    if request.method == "POST":
        form = AskForm(request.POST, request.FILES, user=user)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                thread, created = submit_once(
                    form,
                    scope="community.thread_ask",
                    user=user,
                    create=lambda: services.thread_ask(
                        author=user,
                        category=data["category"],
                        title=data["title"],
                        body=data["body"],
                        kind=data["kind"],
                        tags=data["tags"],
                        products=data["products"],
                        images=data["images"],
                    ),
                )
            except CommunityError as exc:
                form.add_error(_error_field(exc, None), exc.message)
                status = exc.status_code
            except IdempotencyConflict as exc:
                form.add_error(None, exc.message)
            else:
                if not created:
                    messages.info(request, _("You already posted this question."))
                elif thread.is_pending:
                    messages.info(
                        request, _("Thanks! A moderator will publish your first question soon.")
                    )
                else:
                    messages.success(request, _("Your question is posted."))
                return redirect(thread)
        title = request.POST.get("title", "")
    else:
        title = request.GET.get("title", "")[:200]
        initial = {"title": title}
        category_slug = request.GET.get("category", "")[:80]
        if category_slug:
            initial["category"] = (
                Category.objects.visible_to(user).filter(slug=category_slug).first()
            )
        form = AskForm(user=user, initial=initial)
    return render(
        request, "community/ask.html", {"form": form, **_similar(request, title)}, status=status
    )


def _similar(request, title: str) -> dict:
    title = (title or "")[:200]
    if len(title.strip()) < 4:
        return {"title": title, "similar": [], "articles": []}
    return {
        "title": title,
        "similar": selectors.similar_threads(title, request.user, limit=SUGGESTIONS),
        "articles": kb.articles_suggest(text=title, user=request.user, limit=SUGGESTIONS),
    }


@require_GET
def similar(request):
    """Similar questions and matching articles for the title typed so far (htmx partial)."""
    return render(
        request, "community/includes/similar.html", _similar(request, request.GET.get("title", ""))
    )


@require_GET
def member(request, handle: str):
    profile = get_object_or_404(MemberProfile.objects.select_related("user"), handle=handle)
    if not profile.user.is_active:
        raise Http404
    return render(
        request,
        "community/member.html",
        {
            "profile": profile,
            "badges": selectors.badges_of(profile),
            "posts": selectors.member_posts(profile, request.user),
            "counts": selectors.member_counts(profile),
        },
    )
