"""A summit: its dates, agenda, delegations and attendance, and the checklist that prepares it."""
