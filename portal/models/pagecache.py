"""Table versions: what the signed-in page cache checks its entries against (portal.usercache).

One row per database table that has been written since the versions began: a random token
that changes after every committed write to the table. A cached page remembers the tokens of
the tables it read; it is served again only while all of them are unchanged.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TableVersion(models.Model):
    name = models.CharField(_("table"), max_length=100, primary_key=True)
    token = models.CharField(_("version"), max_length=32)

    class Meta:
        verbose_name = _("table version")
        verbose_name_plural = _("table versions")

    def __str__(self) -> str:
        return f"{self.name}: {self.token}"
