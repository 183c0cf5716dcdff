"""Knowledge-base pages (index, nested categories, articles) and the rows that measure them.

Who may read an article is decided in one place, ``ArticlePage.objects.visible_to(user)``
(and ``ArticlePage.is_visible_to`` for a page already in hand); pages, search, the API,
suggestions and the sitemap all go through it.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import models
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page, PageManager
from wagtail.query import PageQuerySet
from wagtail.search import index

from knowledgebase.blocks import ArticleBodyBlock
from knowledgebase.text import reading_minutes, stream_plain_text
from knowledgebase.translation import is_missing_translation, locale_for, source_language
from portal import roles
from portal.pagecache import mark_cacheable
from portal.selectors import person_or_none
from portal.services.memo import memoized

RELATED_LIMIT = 5


class Audience(models.TextChoices):
    PUBLIC = "public", _("Everyone")
    CUSTOMERS = "customers", _("Signed-in customers")
    AGENTS = "agents", _("Agents only (internal)")


def audiences_for(user) -> list[str]:
    user = person_or_none(user)
    if user is None:
        return [Audience.PUBLIC]
    if roles.is_agent(user):
        return [Audience.PUBLIC, Audience.CUSTOMERS, Audience.AGENTS]
    return [Audience.PUBLIC, Audience.CUSTOMERS]


VISITOR_CACHE_SECONDS = 120  # publishing or unpublishing any page clears the cache at once


class VisitorCachedPage(Page):
    """A page anonymous visitors may be served from the page cache (``portal.pagecache``).

    Its context says whether it stands in for a missing translation (an alias of the page in
    another language: ``knowledgebase/includes/translation_note.html``)."""

    class Meta:
        abstract = True

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["translation_missing"] = is_missing_translation(self)
        return context

    def get_sitemap_urls(self, request=None):
        """The English page and its published translations (not the aliases standing in for
        missing ones), each naming the others as hreflang alternates. Wagtail's sitemap
        walks the English tree; a page of another tree is listed by its English source."""
        if self.locale.language_code != source_language():
            return []
        versions = [self, *self.get_translations().live().public().filter(alias_of__isnull=True)]
        if len(versions) == 1:
            return super().get_sitemap_urls(request)
        entries = [
            {
                "location": version.get_full_url(request),
                "lastmod": version.last_published_at or version.latest_revision_created_at,
                "lang_code": version.locale.language_code,
            }
            for version in versions
        ]
        alternates = [{"lang_code": e["lang_code"], "location": e["location"]} for e in entries]
        return [{**entry, "alternates": alternates} for entry in entries]

    def serve(self, request, *args, **kwargs):
        response = super().serve(request, *args, **kwargs)
        if not request.user.is_authenticated and not getattr(request, "is_preview", False):
            mark_cacheable(response, VISITOR_CACHE_SECONDS)
        return response


class KnowledgeBaseIndexPage(VisitorCachedPage):
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["knowledgebase.CategoryPage", "knowledgebase.ArticlePage"]
    max_count = 1
    template = "knowledgebase/index_page.html"

    class Meta:
        verbose_name = _("knowledge base")

    def get_context(self, request, *args, **kwargs):
        from knowledgebase.selectors import popular_articles

        context = super().get_context(request, *args, **kwargs)
        context["categories"] = CategoryPage.objects.child_of(self).live().public()
        context["popular"] = popular_articles(user=request.user, limit=8)
        return context


class CategoryPage(VisitorCachedPage):
    intro = models.TextField(_("introduction"), blank=True, max_length=500)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["knowledgebase.KnowledgeBaseIndexPage", "knowledgebase.CategoryPage"]
    subpage_types = ["knowledgebase.CategoryPage", "knowledgebase.ArticlePage"]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    template = "knowledgebase/category_page.html"

    class Meta:
        verbose_name = _("knowledge-base category")
        verbose_name_plural = _("knowledge-base categories")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["subcategories"] = CategoryPage.objects.child_of(self).live().public()
        context["articles"] = (
            ArticlePage.objects.visible_to(request.user).child_of(self).order_by("title")
        )
        context["breadcrumbs"] = kb_breadcrumbs(self)
        return context


def category_key(path: str) -> str:
    """The search token standing for "below the page at ``path``": digits only (a tree path
    in base 36 as a decimal number), so no stemmer or tokenizer changes it."""
    return f"kbc{int(path, 36)}"


def kb_breadcrumbs(page: Page) -> list[Page]:
    """Ancestors from the knowledge-base index down to (not including) ``page``."""
    return list(
        Page.objects.ancestor_of(page)
        .filter(depth__gte=3)
        .type(KnowledgeBaseIndexPage, CategoryPage)
        .live()
        .order_by("depth")
    )


class ArticleTag(TaggedItemBase):
    content_object = ParentalKey(
        "knowledgebase.ArticlePage", on_delete=models.CASCADE, related_name="tagged_items"
    )

    @property
    def title(self) -> str:
        """The tag's name, indexed as a *title* field of its article: Wagtail's database
        backends rank words of fields named "title" above the body, so a tag weighs as much
        as a word of the article's title (see ``knowledgebase.search_backend``)."""
        return self.tag.name


def public_pages[Pages: PageQuerySet](pages: Pages) -> Pages:
    """``pages.public()``: Wagtail reads every page view restriction each time; inside a
    ``run_memo()`` (the search page asks for articles and categories) once."""
    return pages.exclude(memoized("wagtail.private_q", pages.private_q))


class ArticlePageQuerySet(PageQuerySet):
    def visible_to(self, user) -> ArticlePageQuerySet:
        """Live, unrestricted articles whose audience includes ``user``."""
        return public_pages(self.live()).filter(audience__in=audiences_for(user))

    def in_language(self, language: str | None = None) -> ArticlePageQuerySet:
        """The articles of one language's tree (translations and aliases standing in for
        missing ones; ``knowledgebase.translation``): ``language`` or the active one. Lists
        read through it so that a reader sees each article once, in their language;
        reads by id (feedback, the beacon, the API's detail) do not."""
        locale = locale_for(language)
        return self.filter(locale=locale) if locale is not None else self.none()


class ArticlePageManager(PageManager.from_queryset(ArticlePageQuerySet)):
    pass


class ArticlePage(VisitorCachedPage):
    summary = models.TextField(
        _("summary"), max_length=300, help_text=_("One or two sentences shown in search results.")
    )
    body = StreamField(ArticleBodyBlock(), verbose_name=_("body"))
    tags = ClusterTaggableManager(through=ArticleTag, blank=True)
    products = ParentalManyToManyField(
        "portal.Product", blank=True, related_name="kb_articles", verbose_name=_("applies to")
    )
    audience = models.CharField(
        _("audience"), max_length=16, choices=Audience.choices, default=Audience.PUBLIC
    )
    content_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("content owner"),
        help_text=_("Who keeps this article correct."),
    )
    last_reviewed = models.DateField(_("last reviewed"), null=True, blank=True)
    review_interval_days = models.PositiveSmallIntegerField(_("review every (days)"), default=180)
    next_review = models.DateField(_("next review"), null=True, blank=True, editable=False)
    body_text = models.TextField(editable=False, blank=True)
    reading_time = models.PositiveSmallIntegerField(editable=False, default=1)

    objects = ArticlePageManager()

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("tags"), FieldPanel("products"), FieldPanel("audience")],
            heading=_("Classification"),
        ),
        InlinePanel("related_links", label=_("Related articles"), max_num=8),
        MultiFieldPanel(
            [
                FieldPanel("content_owner"),
                FieldPanel("last_reviewed"),
                FieldPanel("review_interval_days"),
            ],
            heading=_("Review"),
        ),
    ]
    parent_page_types = ["knowledgebase.KnowledgeBaseIndexPage", "knowledgebase.CategoryPage"]
    subpage_types: list[str] = []
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body_text"),
        # Tags rank like title words: indexed as a "title" field (see ArticleTag.title).
        index.RelatedFields("tagged_items", [index.SearchField("title", boost=2)]),
        index.AutocompleteField("summary"),
        index.FilterField("audience"),
        index.SearchField("category_keys"),
    ]
    template = "knowledgebase/article_page.html"

    class Meta:
        verbose_name = _("knowledge-base article")
        verbose_name_plural = _("knowledge-base articles")

    def category_keys(self) -> str:
        """One search token per page above this article (its categories), so that a search
        within a category is one more term of the full-text query, answered by the same
        index (see ``category_key``), instead of a test on every match's tree path."""
        steps = Page.steplen
        return " ".join(
            category_key(self.path[:end]) for end in range(steps * 2, len(self.path), steps)
        )

    def save(self, *args, **kwargs):
        self.body_text = stream_plain_text(self.body)
        self.reading_time = reading_minutes(f"{self.summary} {self.body_text}")
        self.next_review = (
            self.last_reviewed + timedelta(days=self.review_interval_days)
            if self.last_reviewed
            else None
        )
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {
                *kwargs["update_fields"],
                "body_text",
                "reading_time",
                "next_review",
            }
        return super().save(*args, **kwargs)

    # --- single-row behaviour ---------------------------------------------------------------
    def is_visible_to(self, user) -> bool:
        return self.live and self.audience in audiences_for(user)

    @property
    def review_overdue(self) -> bool:
        return self.next_review is None or self.next_review < timezone.localdate()

    @cached_property
    def toc(self) -> list[dict[str, str]]:
        """The headings of the body with the unique anchors the page renders (``kb_toc``)."""
        from knowledgebase.templatetags.kb_toc import article_toc

        return [
            {"text": entry.text, "anchor": entry.anchor, "level": entry.level}
            for entry in article_toc(self.body).entries
        ]

    def get_sitemap_urls(self, request=None):
        if self.audience != Audience.PUBLIC:
            return []
        return super().get_sitemap_urls(request)

    # --- serving ----------------------------------------------------------------------------
    def serve(self, request, *args, **kwargs):
        if not getattr(request, "is_preview", False):
            if not self.is_visible_to(request.user):
                if not request.user.is_authenticated and self.audience == Audience.CUSTOMERS:
                    return redirect_to_login(request.get_full_path())
                raise Http404
            if request.user.is_authenticated:
                from knowledgebase import services

                services.article_view_record(
                    article=self, user=request.user, via=request.GET.get("via", "")
                )
            # Anonymous views are logged by the page's beacon ("view" event), so that a page
            # served from the visitor cache still counts (and robots without JS do not).
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        from knowledgebase.selectors import feedback_of, help_links, related_articles

        context = super().get_context(request, *args, **kwargs)
        context["breadcrumbs"] = kb_breadcrumbs(self)
        context["related"] = related_articles(self, user=request.user)
        context["help_links"] = help_links()
        context["my_feedback"] = feedback_of(self, request)
        return context

    def related_automatic(self, *, user, exclude: list[int], limit: int = RELATED_LIMIT):
        tag_ids = list(self.tags.values_list("pk", flat=True))
        product_ids = list(self.products.values_list("pk", flat=True))
        if not tag_ids and not product_ids:
            return ArticlePage.objects.none()
        return (
            ArticlePage.objects.visible_to(user)
            .filter(locale_id=self.locale_id)
            .exclude(pk__in=[self.pk, *exclude])
            .filter(Q(tags__in=tag_ids) | Q(products__in=product_ids))
            .annotate(
                shared=Count("tags", filter=Q(tags__in=tag_ids), distinct=True)
                + Count("products", filter=Q(products__in=product_ids), distinct=True)
            )
            .order_by("-shared", "title")[:limit]
        )


class RelatedArticle(Orderable):
    page = ParentalKey(ArticlePage, on_delete=models.CASCADE, related_name="related_links")
    article = models.ForeignKey(
        ArticlePage, on_delete=models.CASCADE, related_name="+", verbose_name=_("article")
    )

    panels = [FieldPanel("article")]


# --- feedback and measurement ---------------------------------------------------------------
class ArticleFeedback(models.Model):
    """One "was this helpful?" answer per signed-in user or anonymous session; changeable."""

    article = models.ForeignKey(ArticlePage, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    visitor = models.CharField(max_length=32, blank=True)
    helpful = models.BooleanField(_("helpful"))
    comment = models.TextField(_("comment"), blank=True, max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("article feedback")
        verbose_name_plural = _("article feedback")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "user"],
                condition=Q(user__isnull=False),
                name="kb_feedback_one_per_user",
            ),
            models.UniqueConstraint(
                fields=["article", "visitor"],
                condition=Q(user__isnull=True),
                name="kb_feedback_one_per_visitor",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(visitor=""), name="kb_feedback_has_voter"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article_id}: {'yes' if self.helpful else 'no'}"


class SearchQuery(models.Model):
    """One search as typed (normalised), its filters and how many results it found."""

    query = models.CharField(max_length=200, blank=True)
    corrected = models.CharField(
        max_length=200,
        blank=True,
        help_text="What was searched instead, when the query found nothing and a spelling "
        "correction did.",
    )
    filters = models.JSONField(default=dict, blank=True)
    page = models.PositiveIntegerField(default=1)
    result_count = models.PositiveIntegerField(default=0)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    visitor = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("search")
        verbose_name_plural = _("searches")
        indexes = [
            models.Index(fields=["created_at"], name="kb_search_time"),
            models.Index(fields=["query", "created_at"], name="kb_search_query_time"),
        ]

    def __str__(self) -> str:
        return f"{self.query!r} ({self.result_count})"


class SearchClick(models.Model):
    search = models.ForeignKey(SearchQuery, on_delete=models.CASCADE, related_name="clicks")
    source = models.CharField(max_length=32)
    object_id = models.CharField(max_length=64)
    position = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("search click")
        verbose_name_plural = _("search clicks")

    def __str__(self) -> str:
        return f"{self.search_id} → {self.source}:{self.object_id} @{self.position}"


class EngagementEvent(models.Model):
    """What the article beacon reports: time on page, clicks on related articles."""

    class Kind(models.TextChoices):
        TIME_ON_PAGE = "time", _("Time on page")
        RELATED_CLICK = "related", _("Related article click")

    article = models.ForeignKey(ArticlePage, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    seconds = models.PositiveIntegerField(null=True, blank=True)
    target = models.ForeignKey(
        ArticlePage, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    visitor = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("engagement event")
        verbose_name_plural = _("engagement events")
        indexes = [models.Index(fields=["article", "kind"], name="kb_engagement_article_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.article_id}"


class SuggestionView(models.Model):
    """A suggested article opened from the ticket form; settles into a deflection or a ticket."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DEFLECTED = "deflected", _("Deflected")
        TICKET = "ticket", _("Ticket filed anyway")

    article = models.ForeignKey(ArticlePage, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    visitor = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("suggested-article view")
        verbose_name_plural = _("suggested-article views")
        indexes = [models.Index(fields=["status", "created_at"], name="kb_suggestion_status")]

    def __str__(self) -> str:
        return f"{self.article_id} {self.status}"


class Recontact(models.Model):
    """A deflection reversed: the customer who read the suggested article came back within
    ``KB_RECONTACT_DAYS`` with a ticket or a service request on the article's product or about
    the same thing (``knowledgebase.recontacts``). At most one per deflection."""

    class Reason(models.TextChoices):
        PRODUCT = "product", _("Same product")
        SUBJECT = "subject", _("Similar subject")

    deflection = models.OneToOneField(
        "portal.Interaction", on_delete=models.CASCADE, related_name="+"
    )
    contact = models.ForeignKey("portal.Interaction", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey("portal.Customer", on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey(
        ArticlePage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    deflected_at = models.DateTimeField(_("article read at"))
    recontacted_at = models.DateTimeField(_("came back at"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("re-contact after a deflection")
        verbose_name_plural = _("re-contacts after a deflection")
        indexes = [
            models.Index(fields=["article", "deflected_at"], name="kb_recontact_article"),
            models.Index(fields=["deflected_at"], name="kb_recontact_time"),
        ]

    def __str__(self) -> str:
        return f"{self.deflection_id} → {self.contact_id} ({self.reason})"
