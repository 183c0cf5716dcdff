"""Service catalogue: items with admin-defined request forms, fulfilled by automations
(a registry of handlers) or by agents through tickets."""
