"""serve, submit, and the `hub` sub-app: add-user, review, export, import."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fmbench.cli.options import CatalogOption

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="FMBENCH_HUB_DB",
        help="Database URL (sqlite:///FILE or postgresql+psycopg://…); default a SQLite file in "
        "$FMBENCH_DATA or ~/.cache/fmbench.",
    ),
]
TokenOption = Annotated[
    str | None, typer.Option("--token", envvar="FMBENCH_TOKEN", help="API token (or set FMBENCH_TOKEN).")
]

hub_app = typer.Typer(
    name="hub",
    help="Administer a hub: users, review, export and import of records.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)


def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port.")] = 8000,
    catalog: CatalogOption = None,
    evals: Annotated[
        Path | None, typer.Option("--evals", help="Folder of records to import into an empty store.")
    ] = None,
    log_level: Annotated[str, typer.Option("--log-level", help="uvicorn log level.")] = "info",
    behind_proxy: Annotated[bool, typer.Option(
        "--behind-proxy",
        help="Behind a TLS-terminating proxy: trust X-Forwarded-Proto/-For (Secure cookies, HSTS, rate limits).",
    )] = False,
) -> None:
    """Run the hub server (FastAPI under uvicorn); the schema is created or migrated on start."""
    import uvicorn

    from fmbench.hub.app import create_app
    from fmbench.hub.service import Hub
    from fmbench.hub.settings import HubSettings

    settings = HubSettings(db=db, catalog=catalog or [], evals_dir=evals, behind_proxy=behind_proxy)
    hub = Hub.open(settings)  # fail fast, before binding the port, on a bad --db or catalog
    print(f"fmbench hub on http://{host}:{port}/ (store: {settings.db_url.split('@')[-1]})", flush=True)
    try:
        uvicorn.run(
            create_app(settings, hub=hub),
            host=host,
            port=port,
            log_level=log_level,
            proxy_headers=False,
            server_header=False,
        )
    finally:
        hub.close()


def submit(
    path: Annotated[Path, typer.Argument(help="An eval.yaml (or its folder) to submit.")],
    hub: Annotated[
        str, typer.Option("--hub", envvar="FMBENCH_HUB", help="Hub URL, e.g. http://127.0.0.1:8000.")
    ],
    token: TokenOption = None,
) -> None:
    """Submit an eval record to a hub; it waits as pending until a maintainer reviews it."""
    from fmbench.hub.client import submit_file

    sub, created = submit_file(path, hub, token=token)
    what = "submitted" if created else "already submitted"
    print(f"{what}: submission {sub['id']} ({sub['eval_id']}) is {sub['status']}")


def add_user(
    name: Annotated[str, typer.Argument(help="User name (no spaces).")],
    maintainer: Annotated[
        bool, typer.Option("--maintainer", help="May accept and reject submissions.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Create a user and print their API token once (only a salted hash is stored)."""
    from fmbench.hub.admin import add_user as do_add

    user, token = do_add(db, name, maintainer=maintainer)
    role = "maintainer" if user.is_maintainer else "submitter"
    print(token)
    import sys

    print(f"created {role} {user.name!r}; the token above is shown only once", file=sys.stderr)


def new_token(
    name: Annotated[str, typer.Argument(help="An existing user.")],
    db: DbOption = None,
) -> None:
    """Issue another API token for a user and print it once (their other tokens stay valid)."""
    import sys

    from fmbench.hub.admin import new_token as do_new

    print(do_new(db, name))
    print(f"new token for {name!r}; it is shown only once", file=sys.stderr)


def revoke_tokens(
    name: Annotated[str, typer.Argument(help="An existing user.")],
    db: DbOption = None,
) -> None:
    """Revoke every token of a user, at once (also for running servers on the same store)."""
    from fmbench.hub.admin import revoke_tokens as do_revoke

    n = do_revoke(db, name)
    print(f"revoked {n} token(s) of {name!r}; issue a new one with `fmbench hub new-token {name}`")


def review(
    sub_id: Annotated[int, typer.Argument(metavar="ID", help="Submission id.")],
    accept: Annotated[
        bool, typer.Option("--accept", help="Accept: the record joins the leaderboards.")
    ] = False,
    reject: Annotated[bool, typer.Option("--reject", help="Reject (needs --reason).")] = False,
    reason: Annotated[str | None, typer.Option("--reason", help="Why; shown to the submitter.")] = None,
    hub: Annotated[
        str | None,
        typer.Option("--hub", envvar="FMBENCH_HUB", help="Review through this hub's API instead of --db."),
    ] = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Accept or reject a submission (maintainer token required)."""
    from fmbench.errors import ConfigError

    if accept == reject:
        raise ConfigError("give exactly one of --accept or --reject")
    if hub:
        from fmbench.hub.client import review_remote

        sub = review_remote(sub_id, hub, accept=accept, reason=reason, token=token)
    else:
        from fmbench.hub.admin import review_local
        from fmbench.hub.client import resolve_token

        sub = review_local(db, sub_id, accept=accept, reason=reason, token=resolve_token(token)).to_api()
    print(f"submission {sub['id']} ({sub['eval_id']}) is {sub['status']}")


def export(
    evals: Annotated[Path, typer.Option("--evals", help="Folder to write accepted records to.")],
    db: DbOption = None,
) -> None:
    """Write accepted records as DIR/<benchmark>/<eval_id>.yaml (for a git-kept hub)."""
    from fmbench.hub.admin import export_evals

    written = export_evals(db, evals)
    print(f"wrote {len(written)} record(s) to {evals}")


def import_(
    paths: Annotated[list[Path], typer.Argument(help="Record files or folders.")],
    db: DbOption = None,
    catalog: CatalogOption = None,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Import the valid records and list the invalid files.")
    ] = False,
) -> None:
    """Load records as accepted (same digest is skipped). An invalid file is an error (exit 2)
    and nothing is imported, unless --skip-invalid."""
    from fmbench.cli import fail
    from fmbench.hub.admin import import_evals

    result = import_evals(db, paths, catalog or [], skip_invalid=skip_invalid)
    for p in result.problems:
        print(f"skipped: {p}")
    print(f"imported {result.added} record(s), {result.unchanged} already present")
    if result.problems and not result.added and not result.unchanged:
        fail(f"no valid record among {len(result.problems)} file(s)")


hub_app.command("add-user")(add_user)
hub_app.command("new-token")(new_token)
hub_app.command("revoke-tokens")(revoke_tokens)
hub_app.command("review")(review)
hub_app.command("export")(export)
hub_app.command("import")(import_)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("submit")(submit)
    app.add_typer(hub_app, name="hub")
