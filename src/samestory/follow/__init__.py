"""Live ingestion: follow feeds, sitemaps, URL lists and folders into the store.

- :mod:`~samestory.follow.urls`: canonical URLs (the identity of an item);
- :mod:`~samestory.follow.fetch`: the polite, bounded HTTP fetcher;
- :mod:`~samestory.follow.listing`: feeds, sitemaps and URL files as entries;
- :mod:`~samestory.follow.extract`: a page's article (trafilatura), listing fields as fallback;
- :mod:`~samestory.follow.folder`: new and changed files of a folder;
- :mod:`~samestory.follow.state`: sources, items and cursors in the store (the only
  module touching its connection);
- :mod:`~samestory.follow.runner`: the :class:`Follower` loop.

See docs/follow.md for the command and the reliability guarantees.
"""

from samestory.follow.fetch import FetchPolicy
from samestory.follow.runner import Follower, FollowOptions, source_kind

__all__ = ["FetchPolicy", "FollowOptions", "Follower", "source_kind"]
