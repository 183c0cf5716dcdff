from __future__ import annotations

app_name = "outages"
urlpatterns: list = []
