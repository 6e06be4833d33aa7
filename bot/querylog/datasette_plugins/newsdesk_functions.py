"""Datasette plugin (loaded with ``--plugins-dir``): the query log's SQL functions.

``newsdesk dashboard`` passes this folder to Datasette, so the canned queries can group and
search exactly as ``newsdesk logs`` does.
"""

from datasette import hookimpl

from bot.querylog.functions import register_functions


@hookimpl
def prepare_connection(conn):  # type: ignore[no-untyped-def]
    register_functions(conn)
