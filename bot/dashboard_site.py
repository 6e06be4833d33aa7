"""The dashboard's own pages, as a Datasette plugin: a home page with the stats chart and links
to the canned queries, and the chart itself as a PNG drawn from the log on each request.

Run by ``newsdesk dashboard`` as ``python -m bot.dashboard_site serve ...``: :func:`main`
registers this module with Datasette's plugin manager in-process (nothing is installed as
an entry point, so a plain ``datasette`` run elsewhere is unaffected) and hands over to
Datasette's own command line. With a password, or the one-time link's token, it registers
the dashboard's login (:mod:`bot.dashboard_auth`: throttled, hashing off the event loop, a
hardened cookie) in place of datasette-auth-passwords, which it always unloads.

Guarantees:
- Both pages ask Datasette whether the visitor may view the instance, so with a password
  (or without one, before the one-time link is opened) they show nothing before login: the home page sends the visitor
  to the login form, the chart answers 403.
- In the canned pages, a question's id links to the "One question" page (everything the log
  keeps about it: articles, passages and scores, why it got no answer, votes).
- The page loads nothing from another host: the chart is a server-side PNG, the styles are
  Datasette's own, and no script is added.
- Aggregating reads through Datasette's read-only connection; drawing happens in a worker
  thread, so neither blocks the event loop.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup
from sqlite_utils import Database

from bot import charts
from bot.querylog.queries import headline as headline_figures
from bot.dashboard import HASH_ENV

log = logging.getLogger(__name__)

PLUGIN = "newsdesk"
LOGIN_PLUGIN = "datasette_auth_passwords"
DEFAULT_DAYS = "30"
PERIODS: dict[str, int | None] = {"7": 7, "30": 30, "90": 90, "365": 365, "all": None}
CHART_ALT = "Charts: questions per day with the answered share, feedback per day, and the top unanswered questions"

HOME = """{% extends "base.html" %}
{% block title %}newsdesk query log{% endblock %}
{% block extra_head %}<style>
.newsdesk-periods a { margin-right: 0.8em; }
.newsdesk-periods a[aria-current] { font-weight: bold; text-decoration: none; }
.newsdesk-chart { max-width: 100%; height: auto; border: 1px solid #ddd; background: #fff; }
.newsdesk-headline { display: flex; flex-wrap: wrap; gap: 0.6em 2.5em; margin: 1em 0; padding: 0; list-style: none; }
.newsdesk-headline strong { display: block; font-size: 1.8em; }
</style>{% endblock %}
{% block content %}
<h1>newsdesk query log</h1>
<p>Questions asked of the news archive, drawn from the log now. The pages show times in {{ zone }} time (<code>newsdesk dashboard --timezone</code>); the chart's days are UTC days. The log is read-only here.</p>
<p class="newsdesk-periods">Period:
{% for key, label in periods %}<a href="?days={{ key }}"{% if key == days %} aria-current="page"{% endif %}>{{ label }}</a>{% endfor %}
</p>
<ul class="newsdesk-headline" id="newsdesk-headline" aria-label="The {{ period }} at a glance">
{% for figure, label in headline %}<li><strong>{{ figure }}</strong>{{ label }}</li>
{% endfor %}</ul>
<p><img class="newsdesk-chart" id="newsdesk-chart" src="{{ chart_url }}" alt="{{ chart_alt }}" width="800"></p>
<h2>Canned queries</h2>
<ul>
{% for query in queries %}<li><a href="{{ query.url }}{{ query_period }}">{{ query.title }}</a>: {{ query.description }}</li>
{% endfor %}</ul>
<h2>Everything else</h2>
<ul>
<li><a href="{{ database_url }}">The {{ database }} database</a>: its tables and a SQL box</li>
<li><a href="{{ database_url }}/queries">All questions</a> and <a href="{{ database_url }}/feedback">all feedback</a></li>
</ul>
{% endblock %}
"""


def database_of(datasette: Any) -> str:
    """The log's database name, as ``newsdesk dashboard`` put it in the plugin's metadata."""
    config = datasette.plugin_config(PLUGIN) or {}
    return str(config.get("database") or next(name for name in datasette.databases if not name.startswith("_")))


def period_of(request: Any) -> tuple[str, int | None]:
    """The ``days`` query parameter, checked: one of PERIODS (an unknown value gets the default)."""
    key = request.args.get("days") or DEFAULT_DAYS
    key = key if key in PERIODS else DEFAULT_DAYS
    return key, PERIODS[key]


def period_label(days: int | None) -> str:
    return "all time" if days is None else f"last {days} days"


async def _allowed(datasette: Any, request: Any) -> bool:
    return bool(await datasette.permission_allowed(request.actor, "view-instance", default=True))


async def home(datasette: Any, request: Any) -> Response:
    if not await _allowed(datasette, request):
        return Response.redirect(datasette.urls.path("/-/login"))
    name = database_of(datasette)
    key, days = period_of(request)
    since = None if days is None else dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)
    figures = await datasette.get_database(name).execute_fn(lambda conn: headline_figures(Database(conn), since))
    canned = await datasette.get_canned_queries(name, request.actor)
    database_url = datasette.urls.database(name)
    queries = [
        {"url": f"{database_url}/{slug}", "title": query.get("title") or slug, "description": query.get("description") or ""}
        for slug, query in canned.items()
    ]
    context = {
        "database": name,
        "database_url": database_url,
        "queries": queries,
        "days": key,
        "periods": [(k, period_label(v)) for k, v in PERIODS.items()],
        "chart_url": datasette.urls.path(f"/-/{PLUGIN}/chart.png?days={key}"),
        "headline": figures.items(),
        "period": period_label(days),
        # Pages opened from a period the moderator chose open on it (their days box; empty:
        # all time); from the bare home page they show everything.
        "query_period": "" if days is None or "days" not in request.args else f"?days={days}",
        "chart_alt": CHART_ALT,
        "zone": (datasette.plugin_config(PLUGIN) or {}).get("timezone") or "UTC",
    }
    template = datasette.jinja_env.from_string(HOME)
    return Response.html(await datasette.render_template(template, context, request=request))


async def chart(datasette: Any, request: Any) -> Response:
    if not await _allowed(datasette, request):
        return Response.text("Forbidden: log in at /-/login first", status=403)
    _key, days = period_of(request)
    since = None if days is None else dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)
    database = datasette.get_database(database_of(datasette))
    data = await database.execute_fn(lambda conn: charts.chart_data(Database(conn), since, period=period_label(days)))
    png = await asyncio.to_thread(lambda: charts.render_png(charts.build_figure(data)))
    return Response(png, content_type="image/png", headers={"cache-control": "no-store"})


QUESTION_COLUMNS = ("id", "query_id")  # a question's id in the canned pages: a link to its page


@hookimpl
def render_cell(value: Any, column: str, table: str | None, database: str, datasette: Any) -> Markup | None:
    """In the canned pages (no table), a question's id links to the page with all the log keeps about it."""
    if table is not None or column not in QUESTION_COLUMNS or not isinstance(value, int) or isinstance(value, bool):
        return None
    if database != database_of(datasette):
        return None
    url = datasette.urls.database(database) + f"/question?id={value}"
    return Markup('<a href="{}">{}</a>').format(url, value)


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    # Plugin routes are matched before Datasette's own, so "/" replaces its index page.
    return [(r"^/$", home), (rf"^/-/{PLUGIN}/chart\.png$", chart)]


def register(*, login: bool) -> None:
    """Register this module with Datasette's plugin manager, and with ``login`` the dashboard's
    own login (:mod:`bot.dashboard_auth`). datasette-auth-passwords is always unloaded: the
    login replaces its routes (its password tool and its checks on the event loop), and
    without a password no page should offer a login form that has no account."""
    from datasette.plugins import pm

    import bot.dashboard_auth as auth
    import bot.dashboard_site as site  # the importable module, not __main__

    if not pm.is_registered(site):
        pm.register(site, name="newsdesk-dashboard")
    if login and not pm.is_registered(auth):
        pm.register(auth, name="newsdesk-login")
    for plugin in list(pm.get_plugins()):
        if getattr(plugin, "__name__", "") == LOGIN_PLUGIN:
            pm.unregister(plugin)


def main(argv: Sequence[str] | None = None) -> None:
    """Datasette's command line with this module registered as a plugin."""
    from datasette.cli import cli

    from bot.dashboard_auth import arm_token_from_environment

    link = arm_token_from_environment()  # before Datasette starts anything that could inherit it
    register(login=bool(os.environ.get(HASH_ENV)) or link)
    cli.main(args=list(argv) if argv is not None else sys.argv[1:], prog_name="datasette")


if __name__ == "__main__":  # pragma: no cover - what `newsdesk dashboard` runs
    main()
