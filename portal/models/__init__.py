from portal.models.accounts import Customer, Organisation, Team, User
from portal.models.badges import Badge, BadgeAward
from portal.models.idempotency import IdempotencyKey
from portal.models.interactions import Channel, Interaction, InteractionKind
from portal.models.notifications import Notification, NotificationDelivery
from portal.models.pagecache import TableVersion
from portal.models.products import Product, Subscription
from portal.models.purchases import Purchase
from portal.models.tokens import ApiToken
from portal.models.workers import WorkerHeartbeat

__all__ = [
    "ApiToken",
    "Badge",
    "BadgeAward",
    "Channel",
    "Customer",
    "IdempotencyKey",
    "Interaction",
    "InteractionKind",
    "Notification",
    "NotificationDelivery",
    "Organisation",
    "Product",
    "Purchase",
    "Subscription",
    "TableVersion",
    "Team",
    "User",
    "WorkerHeartbeat",
]
