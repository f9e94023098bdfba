"""Scheduled jobs of the presidency: the handover at the end of each summit."""

from secretariat.presidency.operations import hand_over_due_summits


def hand_over() -> int:
    """Every summit whose end has come hands over: its term starts, the one before it ends."""
    return len(hand_over_due_summits())


JOBS = [
    {"id": "presidency.handover", "func": hand_over, "trigger": "interval", "minutes": 1},
]
