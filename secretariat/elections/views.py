"""Elections: the phases, nominations, the secret ballot, results and certification."""

from secretariat.elections import bp, models  # noqa: F401  (the pages come next)
