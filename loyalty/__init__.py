"""The loyalty programme (issue 15): points ledger, earn rules, tiers with benefits, badges,
referrals, rewards and the wallet. Floor 4: a peer of catalogue, community and outages; it
reads their events from the interaction log only."""
