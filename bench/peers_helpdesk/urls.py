"""URLs of the peer project: django-helpdesk at the root (as its standalone setup does)."""

from django.urls import include, path

urlpatterns = [path("", include("helpdesk.urls", namespace="helpdesk"))]
