"""Search, click tracking, suggestions as you type, feedback and the engagement beacon."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.core import signing
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from knowledgebase import search as kb_search
from knowledgebase import services
from knowledgebase.forms import BeaconForm, FeedbackForm, SearchForm
from knowledgebase.models import ArticlePage, CategoryPage, SearchQuery, public_pages
from knowledgebase.selectors import help_links, popular_articles
from knowledgebase.text import QUERY_MAX_LENGTH, normalise_query
from portal.pagecache import csrf_for_signed_in
from portal.ratelimit import RateLimited
from portal.services.memo import run_memo
from portal.usercache import cache_signed_in, repeat_on_hit

PER_PAGE = 10
CLICK_SALT = "knowledgebase.search-click"
CLICK_MAX_AGE = 24 * 60 * 60


def _params(request) -> tuple[kb_search.SearchParams, int]:
    """The search parameters from the query string (bad values are dropped, never a 500)."""
    form = SearchForm(request.GET)
    form.is_valid()  # invalid fields are simply absent from cleaned_data
    data = form.cleaned_data
    raw_q = (request.GET.get("q") or "")[: QUERY_MAX_LENGTH * 10]
    source = data.get("type") or None
    params = kb_search.SearchParams(
        query=normalise_query(raw_q),
        category=data.get("category"),
        product=data.get("product") or None,
        source=source if source and kb_search.get_source(source) else None,
        language=get_language() or "",
    )
    page = request.GET.get("page", "1")
    return params, int(page) if page.isdigit() and len(page) < 7 else 1


def _search_url(params: kb_search.SearchParams, query: str, *, exact: bool = False) -> str:
    """/search/ for ``query`` with the same filters (the links "search instead for" and
    "did you mean")."""
    args = {"q": query, **params.filters, **({"exact": "1"} if exact else {})}
    return f"{reverse('knowledgebase:search')}?{urlencode(args)}"


# run_memo: the articles searched and the filters' categories and products read the page view
# restrictions once (``public_pages``).
@require_GET
@cache_signed_in
@run_memo()
def search(request):
    params, page_number = _params(request)
    exact = request.GET.get("exact") == "1"  # "search instead for" the query as typed
    results, corrected, suggestion = kb_search.search_tolerant(
        params, request=request, correct=not exact
    )
    page = Paginator(results, PER_PAGE).get_page(page_number)
    context = {
        "params": params,
        "corrected": corrected.query if corrected else "",
        "suggestion": suggestion.query if suggestion else "",
        "exact": exact,
        "exact_url": _search_url(params, params.query, exact=True),
        "suggestion_url": _search_url(params, suggestion.query) if suggestion else "",
        "page_obj": page,
        "hits": page.object_list,
        "result_count": page.paginator.count,
        "result_cap": kb_search.COUNT_CAP if results.capped else None,
        "sources": kb_search.sources(),
        "categories": public_pages(CategoryPage.objects.live()).filter(depth__lte=4),
        "products": ArticlePage.products.field.related_model.objects.filter(
            kb_articles__in=ArticlePage.objects.visible_to(request.user)
        ).distinct(),
    }
    if params.query:
        logged_as = {
            "query": params.query,
            "corrected": context["corrected"],
            "filters": params.filters,
            "page": page.number,
            "result_count": page.paginator.count,
            "shown": [[hit.source, hit.object_id] for hit in page.object_list],
            "start": page.start_index(),
        }
        # Served again from the signed-in page cache, it is one more search all the same, and
        # its result links name that search (portal.usercache.repeat_on_hit).
        context["click_tokens"] = repeat_on_hit(request, search_logged, logged_as)
        context["results"] = list(zip(page.object_list, context["click_tokens"], strict=True))
    if not params.query or not page.paginator.count:
        context["popular"] = popular_articles(user=request.user, limit=6)
        context["help_links"] = help_links()
    return render(request, "knowledgebase/search.html", context)


def search_logged(request, logged_as: dict) -> list[str]:
    """Log a search of ``request``'s visitor (``logged_as``: the query, correction, filters,
    page and result count ``services.search_log`` takes, the results shown and the position of
    the first) and return the click token of each result shown, URL-encoded as the page
    shows it: the click is attributed to this search and position."""
    logged = services.search_log(
        **{key: logged_as[key] for key in ("query", "corrected", "filters", "page")},
        result_count=logged_as["result_count"],
        user=request.user,
        session_key=services.session_key_for(request),
    )
    return [
        quote(
            signing.dumps([logged.pk, source, object_id, logged_as["start"] + i], salt=CLICK_SALT),
            safe="",
        )
        for i, (source, object_id) in enumerate(logged_as["shown"])
    ]


@require_GET
def search_click(request):
    """Record which result (and position) a search led to, then go there."""
    try:
        search_id, source_key, object_id, position = signing.loads(
            request.GET.get("t", ""), salt=CLICK_SALT, max_age=CLICK_MAX_AGE
        )
    except (signing.BadSignature, ValueError, TypeError):
        return HttpResponseBadRequest(_("This search link has expired. Search again."))
    source = kb_search.get_source(str(source_key))
    url = source.url_for(str(object_id), request=request) if source else None
    search_row = SearchQuery.objects.filter(pk=search_id).first()
    if url is None or search_row is None:
        raise Http404
    services.search_click_record(
        search=search_row, source=source.key, object_id=str(object_id), position=int(position)
    )
    return redirect(url)


@require_GET
def search_suggest(request):
    """Titles as you type (htmx partial under the search box), in the visitor's language,
    tolerating one typo."""
    text = normalise_query(request.GET.get("q", ""))
    terms = kb_search.search_terms(text)[:6]
    articles = kb_search.suggest_titles(text, user=request.user, language=get_language() or "")
    return render(
        request, "knowledgebase/includes/suggestions.html", {"articles": articles, "terms": terms}
    )


@require_POST
@csrf_for_signed_in
def feedback(request, page_id: int):
    article = get_object_or_404(ArticlePage.objects.visible_to(request.user), pk=page_id)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        return _feedback_response(request, article, form, status=400)
    try:
        vote = services.feedback_submit(
            article=article,
            user=request.user,
            session_key=services.session_key_for(request),
            helpful=form.cleaned_data["helpful"],
            comment=form.cleaned_data["comment"],
        )
    except RateLimited:
        return HttpResponse(_("Too many votes; try again in a few minutes."), status=429)
    if request.htmx:
        return _feedback_response(request, article, None, my_feedback=vote, thanked=True)
    messages.success(request, _("Thank you for your feedback."))
    return redirect(f"{article.get_url(request=request)}#feedback")


def _feedback_response(request, article, form, *, status=200, my_feedback=None, thanked=False):
    if not request.htmx and status >= 400:
        return HttpResponseBadRequest(_("Choose yes or no; comments are up to 1000 characters."))
    context = {"page": article, "form": form, "my_feedback": my_feedback, "thanked": thanked}
    return render(request, "knowledgebase/includes/feedback.html", context, status=status)


@require_POST
@csrf_for_signed_in
def beacon(request):
    """Views (anonymous visitors only: signed-in views are logged when the page is served),
    time on page and related-article clicks, from the article page's beacon script."""
    form = BeaconForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("invalid beacon")
    visible = ArticlePage.objects.visible_to(request.user)
    article = visible.filter(pk=form.cleaned_data["article"]).first()
    target = None
    if form.cleaned_data.get("target"):
        target = visible.filter(pk=form.cleaned_data["target"]).first()
        if target is None:
            return HttpResponseBadRequest("invalid beacon")
    if article is None:
        return HttpResponseBadRequest("invalid beacon")
    try:
        if form.cleaned_data["event"] == "view":
            if not request.user.is_authenticated:
                services.visitor_view_record(
                    article=article,
                    session_key=services.session_key_for(request),
                    via=form.cleaned_data["via"],
                )
            return HttpResponse(status=204)
        services.engagement_record(
            article=article,
            user=request.user,
            session_key=services.session_key_for(request),
            kind=form.cleaned_data["event"],
            seconds=form.cleaned_data.get("seconds"),
            target=target,
        )
    except RateLimited:
        return HttpResponse(status=429)
    return HttpResponse(status=204)
