from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from portal.api import api
from portal.pagecache import csrf_for_signed_in
from portal.views import health, language, notifications, pages

api.add_router("/kb/", "knowledgebase.api.router")
api.add_router("/tickets", "tickets.api.router")
api.add_router("/", "outages.api.router")  # /status, /incidents
api.add_router("/", "catalogue.api.router")  # /catalogue, /requests
api.add_router("/community", "community.api.router")
api.add_router("/", "insights.api.router")  # /surveys, /metrics
api.add_router("/loyalty", "loyalty.api.router")

portal_patterns = (
    [
        path("", pages.home, name="home"),
        path("me/", pages.me, name="me"),
        path("me/tokens/", pages.token_create, name="token_create"),
        path("me/tokens/<id:pk>/revoke/", pages.token_revoke, name="token_revoke"),
        path("me/notifications/", notifications.notification_list, name="notifications"),
        path(
            "me/notifications/settings/",
            notifications.notification_settings,
            name="notification_settings",
        ),
        path("me/notifications/read/", notifications.notifications_read, name="notifications_read"),
        path(
            "me/notifications/<id:pk>/",
            notifications.notification_open,
            name="notification_open",
        ),
    ],
    "portal",
)
# The same everywhere, in no language: machines, the admin, files (portal/languages.py).
urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    # Anonymous visitors switch language without a CSRF token, so public pages can be cached.
    path("i18n/setlang/", csrf_for_signed_in(language.set_language), name="set_language"),
    path("api/v1/", api.urls),
    # email service providers post received messages here (EMAIL_INBOUND_ESP; issue 16)
    path("tickets/mail/", include("tickets.inbound_urls")),
    # The Wagtail admin signs in through allauth (rate limits, MFA): no side door.
    path(
        "admin/login/",
        RedirectView.as_view(pattern_name="account_login", query_string=True),
        name="admin_login_redirect",
    ),
    path("admin/", include(wagtailadmin_urls)),
    # Wagtail's own login form for private pages would be a second, unthrottled sign-in.
    path(
        "_util/login/",
        RedirectView.as_view(pattern_name="account_login", query_string=True),
        name="wagtail_login_redirect",
    ),
    path("documents/", include(wagtaildocs_urls)),
    # Public pages only: ArticlePage.get_sitemap_urls leaves out restricted audiences.
    path("sitemap.xml", sitemap, name="sitemap"),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Every page people read, in each language: English unprefixed, Italian under /it/
# (docs/i18n.md). Wagtail's page serving is last: it matches any path.
urlpatterns += i18n_patterns(
    path("", include(portal_patterns)),
    path("", include("knowledgebase.urls")),
    path("tickets/", include("tickets.urls")),
    path("desk/incidents/", include("outages.desk_urls")),
    path("desk/insights/", include("insights.desk_urls")),
    path("desk/", include("tickets.desk_urls")),
    path("status/", include("outages.urls")),
    path("", include("catalogue.urls")),  # /catalogue/..., /requests/...
    path("community/", include("community.urls")),
    path("", include("insights.urls")),  # /surveys/<token>/
    path("", include("loyalty.urls")),  # /me/loyalty/..., /r/<code>/
    path("accounts/", include("allauth.urls")),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)

# Server errors: 503 with Retry-After while the database is unavailable, else 500; JSON
# under /api/; the request id as the reference (portal/views/errors.py).
handler500 = "portal.views.errors.server_error"
