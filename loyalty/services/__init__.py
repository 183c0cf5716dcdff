"""Loyalty services: ``ledger`` (earn, reverse, adjust, accounts), ``earning`` (the rules and
the catch-up pass over the interaction log), ``tiers``, ``badges``; referrals, rewards,
codes and expiry beside them."""
