"""The running hub: settings, store, catalog and page cache, held by the app."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from fmbench.catalog.registry import Catalog, load_catalog
from fmbench.hub.auth import FailureLimiter
from fmbench.hub.intake import load_record_folder
from fmbench.hub.settings import HubSettings
from fmbench.hub.store import ImportResult, Store
from fmbench.hub.views import LeaderboardCache

log = logging.getLogger("fmbench.hub")


@dataclass
class Hub:
    settings: HubSettings
    store: Store
    catalog: Catalog
    cache: LeaderboardCache = field(init=False)
    failures: FailureLimiter = field(init=False)

    def __post_init__(self) -> None:
        self.cache = LeaderboardCache(self.store, self.catalog)
        self.failures = FailureLimiter()

    @classmethod
    def open(cls, settings: HubSettings) -> Hub:
        """Connect, migrate the schema, and import ``evals_dir`` into an empty store."""
        catalog = load_catalog(settings.catalog)
        hub = cls(settings, Store.open(settings.db_url), catalog)
        if settings.evals_dir is not None and hub.store.count_submissions() == 0:
            result = hub.import_dir([settings.evals_dir])
            log.info(
                "imported %d record(s) from %s (%d problem(s))",
                result.added,
                settings.evals_dir,
                len(result.problems),
            )
        return hub

    def import_dir(self, paths: list) -> ImportResult:  # noqa: ANN001
        records, problems = load_record_folder(paths, self.catalog)
        result = self.store.import_records(records)
        result.problems[:0] = problems
        self.cache.invalidate()
        return result

    def close(self) -> None:
        self.store.close()
