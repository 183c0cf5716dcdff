from __future__ import annotations

from django.conf import settings


class AdminContentSecurityPolicyMiddleware:
    """The Wagtail admin and the API docs use inline scripts and styles; give them the relaxed
    policy (``SECURE_CSP_RELAXED``) while every other page keeps the strict ``SECURE_CSP``.

    Listed after Django's CSP middleware, so it sets the per-response override before that
    middleware writes the header.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefixes = tuple(settings.SECURE_CSP_RELAXED_PREFIXES)

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(self.prefixes) and not hasattr(response, "_csp_config"):
            response._csp_config = settings.SECURE_CSP_RELAXED
        return response
