"""Reads for the forum pages, each in a constant number of queries."""

from __future__ import annotations

from django.db.models import Case, Count, IntegerField, OuterRef, Q, Subquery, Value, When

from community.models import (
    Category,
    MemberProfile,
    ModerationAction,
    Post,
    Thread,
    ThreadFollow,
    Vote,
)
from community.services.common import is_moderator
from portal.badges import badges_of as badges_of_user

SORTS = {
    "activity": ("-is_pinned", "-last_activity_at", "-id"),
    "votes": ("-is_pinned", "-score", "-id"),
    "new": ("-is_pinned", "-created_at", "-id"),
}


def categories_with_counts(user) -> list[Category]:
    visible = Thread.objects.visible_to(user).listed()
    counts = dict(
        visible.values_list("category").annotate(n=Count("id")).values_list("category", "n")
    )
    categories = list(Category.objects.visible_to(user))
    for category in categories:
        category.thread_count = counts.get(category.pk, 0)
    return categories


def threads_listed(user):
    return Thread.objects.visible_to(user).listed().for_list()


def recent_threads(user, *, limit: int = 10) -> list[Thread]:
    return list(threads_listed(user).order_by("-last_activity_at", "-id")[:limit])


def unanswered_threads(user, *, limit: int = 8) -> list[Thread]:
    return list(
        threads_listed(user)
        .filter(kind=Thread.Kind.QUESTION, answer_count=0)
        .order_by("-created_at", "-id")[:limit]
    )


def unsolved_threads(user, *, limit: int = 8) -> list[Thread]:
    return list(
        threads_listed(user)
        .filter(kind=Thread.Kind.QUESTION, is_solved=False, answer_count__gt=0)
        .order_by("-last_activity_at", "-id")[:limit]
    )


def solved_threads(user, *, limit: int = 5) -> list[Thread]:
    return list(
        threads_listed(user)
        .filter(kind=Thread.Kind.QUESTION, is_solved=True)
        .order_by("-last_activity_at", "-id")[:limit]
    )


def category_threads(category: Category, user, *, sort: str, show: str):
    """One category's threads, for its page. No joins (the rows show no author, and the
    category is the page's own: ``category_page_rows``), so a deep page's OFFSET walks the
    index (``thread_cat_listed``) only."""
    threads = (
        Thread.objects.visible_to(user).listed().filter(category=category).prefetch_related("tags")
    )
    if show == "unanswered":
        threads = threads.filter(kind=Thread.Kind.QUESTION, answer_count=0)
    elif show == "unsolved":
        threads = threads.filter(kind=Thread.Kind.QUESTION, is_solved=False)
    return threads.order_by(*SORTS.get(sort, SORTS["activity"]))


def thread_answers(thread: Thread, user, *, rejected: bool = True):
    """Answers the reader may see: accepted first, then by score, then oldest first; posts
    that are not published (waiting, hidden, rejected) after the published ones.

    Moderators see every answer; a member sees the published ones and their own waiting or
    (with ``rejected``) rejected ones. A rejected answer carries ``rejected_reason``, the
    moderator's reason (or ""). None of them counts as an answer: the count is
    ``Thread.answer_count`` (published answers only)."""
    answers = Post.objects.filter(thread=thread, is_question=False, is_deleted=False)
    if not rejected:
        answers = answers.exclude(status=Post.Status.REJECTED)
    if not is_moderator(user):
        shown = Q(is_hidden=False, status=Post.Status.PUBLISHED)
        if user.is_authenticated:
            own = [Post.Status.PENDING, Post.Status.REJECTED] if rejected else [Post.Status.PENDING]
            shown |= Q(is_hidden=False, status__in=own, author=user)
        answers = answers.filter(shown)
    rank = Case(
        When(pk=thread.accepted_answer_id or 0, then=Value(0)),
        When(status=Post.Status.PUBLISHED, is_hidden=False, then=Value(1)),
        When(status=Post.Status.REJECTED, then=Value(3)),
        default=Value(2),
        output_field=IntegerField(),
    )
    reason = (
        ModerationAction.objects.filter(post=OuterRef("pk"), action=ModerationAction.Action.REJECT)
        .order_by("-created_at", "-pk")
        .values("reason")[:1]
    )
    return (
        answers.select_related("author", "author__community_profile")
        .annotate(accepted_first=rank, rejected_reason=Subquery(reason))
        .order_by("accepted_first", "-score", "created_at", "pk")
    )


def votes_by(user, posts) -> dict[int, int]:
    if not user.is_authenticated:
        return {}
    ids = [p.pk for p in posts]
    return dict(Vote.objects.filter(voter=user, post_id__in=ids).values_list("post_id", "value"))


def is_following(thread: Thread, user) -> bool:
    return user.is_authenticated and ThreadFollow.objects.filter(thread=thread, user=user).exists()


def similar_threads(text: str, user, *, limit: int = 5) -> list[Thread]:
    from community.search import threads_matching

    return list(threads_matching(text, user=user, any_word=True)[:limit])


# --- profiles and badges ------------------------------------------------------------------------
def badges_of(profile: MemberProfile) -> list:
    """The member's badges (every app's: ``portal.badges``), newest first."""
    return badges_of_user(profile.user)


def member_posts(profile: MemberProfile, user, *, limit: int = 20) -> list[Post]:
    """The member's latest posts the reader may see; rejected posts are not the member's
    posts (they were never published)."""
    return list(
        Post.objects.visible_to(user)
        .filter(author_id=profile.user_id)
        .exclude(status=Post.Status.REJECTED)
        .select_related("thread")
        .order_by("-created_at", "-pk")[:limit]
    )


def member_counts(profile: MemberProfile) -> dict[str, int]:
    """The member's questions and answers that readers see (published, in a thread that is
    neither waiting, hidden nor deleted), counted in one query: never a rejected, waiting,
    hidden or deleted post."""
    posts = Post.objects.published().filter(
        author_id=profile.user_id,
        thread__is_deleted=False,
        thread__is_hidden=False,
        thread__is_pending=False,
    )
    return posts.aggregate(
        questions=Count("pk", filter=Q(is_question=True)),
        answers=Count("pk", filter=Q(is_question=False)),
    )
