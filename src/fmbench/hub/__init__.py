"""The hub: submissions, review and live leaderboards over a SQL store.

Layering: this package imports ``fmbench.records``, ``fmbench.catalog``,
``fmbench.leaderboard`` and ``fmbench.errors`` only, never the evaluation stack. Nothing is
built at import; :func:`fmbench.hub.app.create_app` builds the app from
:class:`fmbench.hub.settings.HubSettings`.
"""
