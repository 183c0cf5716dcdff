"""Mail plumbing shared by the apps (pre-rendered bulk notices)."""
