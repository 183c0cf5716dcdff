"""The community forum: categories, threads (questions and discussions), posts, votes,
follows, flags, the moderator log and the reputation ledger.

Who may read what is decided in one place per model (``visible_to(user)``):

- a category is public, for signed-in members, for one group, or for one organisation;
  agents and moderators see every category;
- a thread is visible when its category is, it is not deleted, and (unless the reader is
  a moderator or agent) it is neither hidden nor waiting for pre-moderation; authors still
  see their own pending threads;
- a post follows its thread, with the same rules for hidden, deleted and pending posts.

Counters on ``Thread`` (answer_count, score, view_count, last_activity_at) and on
``MemberProfile`` are denormalised: the services in ``community.services`` keep them right
in the same transaction as the write that changes them.
"""

from __future__ import annotations

import uuid
from html import unescape

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from wagtail.search import index

from portal import roles
from portal.i18n import TranslatedFields
from portal.selectors import person_or_none


def _is_staffish(user) -> bool:
    """Moderators and agents (and admins) see everything in the forum."""
    return roles.is_moderator(user) or roles.is_agent(user)


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Everyone")
    MEMBERS = "members", _("Signed-in members")
    GROUP = "group", _("One group")
    ORGANISATION = "organisation", _("One organisation")


class CategoryQuerySet(models.QuerySet):
    def visible_to(self, user) -> CategoryQuerySet:
        user = person_or_none(user)
        if user is None:
            return self.filter(visibility=Visibility.PUBLIC)
        if _is_staffish(user):
            return self
        condition = Q(visibility__in=(Visibility.PUBLIC, Visibility.MEMBERS))
        condition |= Q(visibility=Visibility.GROUP, group__in=user.groups.all())
        customer = getattr(user, "customer", None)
        if customer is not None and customer.organisation_id is not None:
            condition |= Q(
                visibility=Visibility.ORGANISATION, organisation_id=customer.organisation_id
            )
        return self.filter(condition)


class Category(TranslatedFields, models.Model):
    """A forum category. ``name``/``description`` are English, ``*_it`` Italian (optional:
    ``portal.i18n``; readers use ``category.tr.name``, English when the Italian is empty).
    Search may index ``portal.i18n.column(field, code)`` for each of ``translated_fields``."""

    translated_fields = ("name", "description")

    name = models.CharField(_("name"), max_length=100)
    name_it = models.CharField(
        _("name (Italian)"),
        max_length=100,
        blank=True,
        help_text=_("Empty: Italian pages show the English text."),
    )
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    description_it = models.CharField(
        _("description (Italian)"),
        max_length=300,
        blank=True,
        help_text=_("Empty: Italian pages show the English text."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    visibility = models.CharField(
        _("visible to"), max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    group = models.ForeignKey(
        "auth.Group",
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("For categories visible to one group only."),
    )
    organisation = models.ForeignKey(
        "portal.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("For categories visible to one organisation only."),
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = CategoryQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("forum category")
        verbose_name_plural = _("forum categories")
        constraints = [
            models.CheckConstraint(
                condition=~Q(visibility="group") | Q(group__isnull=False),
                name="community_category_group_needs_group",
            ),
            models.CheckConstraint(
                condition=~Q(visibility="organisation") | Q(organisation__isnull=False),
                name="community_category_org_needs_org",
            ),
        ]

    def __str__(self) -> str:
        return self.tr.name  # form selects (ask, move) in the reader's language

    def get_absolute_url(self) -> str:
        return reverse("community:category", args=[self.slug])

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.visibility == Visibility.GROUP and self.group_id is None:
            raise ValidationError({"group": _("Choose the group that may see this category.")})
        if self.visibility == Visibility.ORGANISATION and self.organisation_id is None:
            raise ValidationError(
                {"organisation": _("Choose the organisation that may see this category.")}
            )


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=40, unique=True)
    slug = models.SlugField(_("slug"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("forum tag")
        verbose_name_plural = _("forum tags")

    def __str__(self) -> str:
        return self.name


class ThreadQuerySet(models.QuerySet):
    def visible_to(self, user) -> ThreadQuerySet:
        threads = self.filter(category__in=Category.objects.visible_to(user), is_deleted=False)
        user = person_or_none(user)
        if user is not None and _is_staffish(user):
            return threads
        public = Q(is_hidden=False, is_pending=False)
        if user is not None:
            public |= Q(is_hidden=False, author=user)
        return threads.filter(public)

    def listed(self) -> ThreadQuerySet:
        """What lists show: not merged away, not waiting for moderation."""
        return self.filter(merged_into__isnull=True, is_pending=False)

    def for_list(self) -> ThreadQuerySet:
        return self.select_related("category", "author", "last_poster").prefetch_related("tags")


#: How much of a thread's answers goes into its search index entry.
SEARCH_ANSWERS_MAX, SEARCH_TEXT_MAX = 100, 60_000


class Thread(index.Indexed, models.Model):
    """A question or a discussion. Searchable (Wagtail's search backend, ``community.search``):
    the title (boosted) and the text of its published posts; the services update the index
    entry (``community.search.thread_reindex``) whenever that text or the thread changes."""

    class Kind(models.TextChoices):
        QUESTION = "question", _("Question")
        DISCUSSION = "discussion", _("Discussion")

    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="threads"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.QUESTION)
    title = models.CharField(_("title"), max_length=200)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="community_threads",
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="threads")
    products = models.ManyToManyField(
        "portal.Product",
        verbose_name=_("products and services"),
        blank=True,
        related_name="community_threads",
    )
    # --- status -----------------------------------------------------------------------------
    is_pinned = models.BooleanField(_("pinned"), default=False)
    is_locked = models.BooleanField(_("locked"), default=False)
    is_hidden = models.BooleanField(_("hidden"), default=False)
    is_pending = models.BooleanField(
        _("waiting for moderation"), default=False, help_text=_("Pre-moderated first post.")
    )
    is_deleted = models.BooleanField(_("deleted"), default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    is_solved = models.BooleanField(_("solved"), default=False)
    accepted_answer = models.ForeignKey(
        "community.Post",
        verbose_name=_("accepted answer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_threads",
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("converted to ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kb_article = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("promoted to article"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # --- denormalised counters (community.services keep them) --------------------------------
    answer_count = models.PositiveIntegerField(_("answers"), default=0)
    score = models.IntegerField(_("votes"), default=0)
    view_count = models.PositiveIntegerField(_("views"), default=0)
    follower_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(_("asked"), default=timezone.now)
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)
    last_poster = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_answer_at = models.DateTimeField(_("first answer"), null=True, blank=True)

    objects = ThreadQuerySet.as_manager()

    # Not Wagtail's save/delete signals: the services know when the indexed text changes
    # (an answer published, edited, hidden or deleted changes no Thread row).
    search_auto_update = False
    search_fields = [
        index.SearchField("title", boost=5),
        index.SearchField("search_text"),
        index.FilterField("id"),
    ]

    class Meta:
        ordering = ["-last_activity_at", "-pk"]
        verbose_name = _("thread")
        verbose_name_plural = _("threads")
        indexes = [
            models.Index(
                fields=["category", "-is_pinned", "-last_activity_at", "-id"],
                name="thread_cat_activity",
            ),
            # What members and visitors list (the default order): a deep page's OFFSET walks
            # this index only, with no filter on the table's rows.
            models.Index(
                fields=["category", "-is_pinned", "-last_activity_at", "-id"],
                condition=Q(
                    is_deleted=False, is_hidden=False, is_pending=False, merged_into__isnull=True
                ),
                name="thread_cat_listed",
            ),
            models.Index(
                fields=["category", "-is_pinned", "-score", "-id"], name="thread_cat_score"
            ),
            models.Index(
                fields=["category", "-is_pinned", "-created_at", "-id"], name="thread_cat_new"
            ),
            models.Index(fields=["-last_activity_at", "-id"], name="thread_activity"),
            models.Index(
                fields=["-created_at"],
                condition=Q(answer_count=0, kind="question"),
                name="thread_unanswered",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("community:thread", args=[self.pk])

    @property
    def is_question(self) -> bool:
        return self.kind == self.Kind.QUESTION

    @classmethod
    def get_indexed_objects(cls):
        return cls.objects.filter(is_deleted=False)

    def search_text(self) -> str:
        """The question's text, then the published answers' (what readers see), as plain text.
        Hidden, deleted and pending posts stay out of the index."""
        bodies = Post.objects.filter(thread_id=self.pk).published().order_by("-is_question", "pk")
        html = bodies.values_list("body_html", flat=True)[:SEARCH_ANSWERS_MAX]
        return " ".join(unescape(strip_tags(h)) for h in html)[:SEARCH_TEXT_MAX]


class PostQuerySet(models.QuerySet):
    def visible_to(self, user) -> PostQuerySet:
        posts = self.filter(thread__in=Thread.objects.visible_to(user), is_deleted=False)
        user = person_or_none(user)
        if user is not None and _is_staffish(user):
            return posts
        public = Q(is_hidden=False, status=Post.Status.PUBLISHED)
        if user is not None:
            public |= Q(is_hidden=False, status=Post.Status.PENDING, author=user)
        return posts.filter(public)

    def published(self) -> PostQuerySet:
        return self.filter(status=Post.Status.PUBLISHED, is_hidden=False, is_deleted=False)


class Post(models.Model):
    """The question (``is_question``) or an answer / reply in a thread."""

    class Status(models.TextChoices):
        PUBLISHED = "published", _("Published")
        PENDING = "pending", _("Waiting for moderation")
        REJECTED = "rejected", _("Rejected")

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="community_posts",
    )
    is_question = models.BooleanField(default=False, editable=False)
    body_markdown = models.TextField(_("text"))
    body_html = models.TextField(editable=False, blank=True)
    score = models.IntegerField(_("votes"), default=0)
    is_staff_answer = models.BooleanField(_("staff answer"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PUBLISHED
    )
    is_hidden = models.BooleanField(_("hidden"), default=False)
    is_deleted = models.BooleanField(_("deleted"), default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    edit_count = models.PositiveIntegerField(default=0)

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        indexes = [
            models.Index(
                fields=["thread", "is_question", "-score", "id"], name="post_thread_score"
            ),
            models.Index(fields=["author", "-created_at"], name="post_author_time"),
            models.Index(fields=["created_at"], condition=Q(status="pending"), name="post_pending"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["thread"], condition=Q(is_question=True), name="post_one_question"
            )
        ]

    def __str__(self) -> str:
        return f"{self.thread_id}#{self.pk}"

    def get_absolute_url(self) -> str:
        return f"{self.thread.get_absolute_url()}#post-{self.pk}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED and not self.is_hidden and not self.is_deleted


def post_image_path(instance: PostImage, filename: str) -> str:
    """A random storage name: nothing of the uploaded name reaches the file system."""
    return f"community/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


def new_image_key() -> str:
    return uuid.uuid4().hex


class PostImageQuerySet(models.QuerySet):
    def visible_to(self, user) -> PostImageQuerySet:
        """Images of the posts ``user`` may read (so a private category's images are a 404
        for everyone else, whatever they know of the URL)."""
        return self.filter(post__in=Post.objects.visible_to(user))


class PostImage(models.Model):
    """An image uploaded with a post (checked like a ticket attachment), referenced from the
    post's Markdown as ``![name](/community/images/<key>/)`` and served only through
    ``community.views.pages.image`` to readers of the thread."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="images")
    key = models.CharField(max_length=32, unique=True, default=new_image_key, editable=False)
    file = models.FileField(upload_to=post_image_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = PostImageQuerySet.as_manager()

    class Meta:
        ordering = ["post", "pk"]
        verbose_name = _("post image")
        verbose_name_plural = _("post images")

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("community:image", args=[self.key])


class PostRevision(models.Model):
    """The text of a post before an edit (the edit history shown on the thread)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200, blank=True)
    body_markdown = models.TextField()
    body_html = models.TextField(blank=True)
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["post", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["post", "number"], name="post_revision_number")
        ]

    def __str__(self) -> str:
        return f"{self.post_id} r{self.number}"


class Vote(models.Model):
    class Value(models.IntegerChoices):
        UP = 1, _("Up")
        DOWN = -1, _("Down")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_votes"
    )
    value = models.SmallIntegerField(choices=Value.choices)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "voter"], name="vote_one_per_member"),
            models.CheckConstraint(condition=Q(value__in=(1, -1)), name="vote_value_pm1"),
        ]

    def __str__(self) -> str:
        return f"{self.voter_id} {self.value:+d} on {self.post_id}"


class ThreadFollow(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_follows"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["thread", "user"], name="thread_follow_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.thread_id}"


class ThreadView(models.Model):
    """One row per reader per thread per day (the FORUM_VIEW de-duplication)."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    viewer = models.CharField(max_length=40)  # "u<user id>" or "v<visitor hash>"
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["thread", "viewer", "day"], name="thread_view_daily")
        ]

    def __str__(self) -> str:
        return f"{self.viewer} read {self.thread_id} on {self.day}"


class Flag(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam or advertising")
        OFFENSIVE = "offensive", _("Rude or offensive")
        OFF_TOPIC = "off_topic", _("Off topic")
        PERSONAL_DATA = "personal_data", _("Shares personal data")
        WRONG = "wrong", _("Wrong or dangerous advice")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        UPHELD = "upheld", _("Action taken")
        DISMISSED = "dismissed", _("Dismissed")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="flags")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["post", "reporter"], name="flag_once_per_member")
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="flag_status_time")]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} on {self.post_id}"


class ModerationAction(models.Model):
    """The moderator action log (append-only audit)."""

    class Action(models.TextChoices):
        HIDE = "hide", _("Hidden")
        UNHIDE = "unhide", _("Shown again")
        LOCK = "lock", _("Locked")
        UNLOCK = "unlock", _("Unlocked")
        PIN = "pin", _("Pinned")
        UNPIN = "unpin", _("Unpinned")
        MOVE = "move", _("Moved")
        MERGE = "merge", _("Merged")
        DELETE = "delete", _("Deleted")
        RESTORE = "restore", _("Restored")
        APPROVE = "approve", _("Approved")
        REJECT = "reject", _("Rejected")
        FLAG_UPHOLD = "flag_uphold", _("Flag upheld")
        FLAG_DISMISS = "flag_dismiss", _("Flag dismissed")
        EDIT = "edit", _("Edited someone else's post")
        ACCEPT = "accept", _("Accepted an answer for the asker")
        TO_TICKET = "to_ticket", _("Converted into a ticket")
        TO_ARTICLE = "to_article", _("Promoted into a KB draft")
        REPUTATION = "reputation", _("Reputation recomputed")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    thread = models.ForeignKey(
        Thread, null=True, blank=True, on_delete=models.SET_NULL, related_name="moderation_log"
    )
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("moderation action")
        verbose_name_plural = _("moderation actions")

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("The moderation log is append-only.")
        super().save(*args, **kwargs)


class ReputationEntry(models.Model):
    """The reputation ledger: every gain and every reversal is a row; a member's reputation is
    the sum. ``reputation_recompute`` rebuilds it from the votes and accepted answers."""

    class Reason(models.TextChoices):
        UPVOTE_ANSWER = "upvote_answer", _("Answer upvoted")
        UPVOTE_QUESTION = "upvote_question", _("Question upvoted")
        DOWNVOTE = "downvote", _("Post downvoted")
        ACCEPTED = "accepted", _("Answer accepted")
        REVERSAL = "reversal", _("Reversed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reputation_entries"
    )
    amount = models.IntegerField()
    reason = models.CharField(max_length=16, choices=Reason.choices)
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "created_at"], name="reputation_user_time")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.amount:+d} {self.reason}"


class MemberProfile(models.Model):
    """A member's forum identity (the @handle) and denormalised totals."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_profile"
    )
    handle = models.SlugField(_("handle"), max_length=40, unique=True)
    reputation = models.IntegerField(default=0)
    question_count = models.PositiveIntegerField(default=0)
    answer_count = models.PositiveIntegerField(default=0)
    accepted_count = models.PositiveIntegerField(default=0)
    approved_post_count = models.PositiveIntegerField(
        default=0, help_text=_("Published posts; new members' first posts are pre-moderated.")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["handle"]
        verbose_name = _("member profile")
        verbose_name_plural = _("member profiles")

    def __str__(self) -> str:
        return f"@{self.handle}"

    def get_absolute_url(self) -> str:
        return reverse("community:member", args=[self.handle])


class DigestItem(models.Model):
    """A new answer in a followed thread, waiting for a member's email digest (members who
    chose the digest for topic ``community_digest``). ``community.services.digest`` sends one
    email per member with every pending item, exactly once: the items are marked with the
    email's event key in the transaction that writes that email's delivery row."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the next digest")
        SENT = "sent", _("Sent in a digest")
        DROPPED = "dropped", _("Dropped (no longer readable or followed)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_digest_items"
    )
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    event_key = models.CharField(max_length=100, blank=True)  # the digest email it went out in
    created_at = models.DateTimeField(default=timezone.now)
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["user", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "post"], name="digest_item_once"),
        ]
        indexes = [
            models.Index(fields=["user"], condition=Q(status="pending"), name="digest_pending"),
            models.Index(fields=["user", "-handled_at"], name="digest_user_handled"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.post_id} ({self.status})"
