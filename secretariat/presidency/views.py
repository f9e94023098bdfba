"""Terms, summits and their preparation: the public pages, the host's dashboard, staff tools."""

from secretariat.presidency import bp, models  # noqa: F401  (the pages come next)
