"""Fulfilment handlers for catalogue items (see ``base`` for the interface).

The built-in automations register themselves on import; another app can add its own with
``@registry.register`` on an ``Automation`` subclass (imported from its ``AppConfig.ready``).
"""

from catalogue.automations import account, cards, documents, subscriptions, webhook
from catalogue.automations.base import (
    Automation,
    AutomationInputError,
    Registry,
    Result,
    ResultFile,
    registry,
)

__all__ = [
    "Automation",
    "AutomationInputError",
    "Registry",
    "Result",
    "ResultFile",
    "account",
    "cards",
    "documents",
    "registry",
    "subscriptions",
    "webhook",
]
