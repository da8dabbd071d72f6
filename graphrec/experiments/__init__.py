"""Online experiments: impressions, layered A/B arms, team-draft interleaving and their report."""
