from __future__ import annotations

app_name = "outages_desk"
urlpatterns: list = []
