"""The console while the database does not answer (a restart, an outage): a clear 503,
not a 500 with a traceback. The page shows the error and the person tries again."""

from __future__ import annotations

import structlog
from aiohttp import web
from aiohttp.typedefs import Handler

from core.platform.database import UNAVAILABLE
from core.platform.errors import DatabaseUnavailable
from webhooks.responses import refuse

log = structlog.get_logger(__name__)

#: The console's own routes; the ingress (/webhooks/...) answers for itself.
PATHS = ("/sandbox/", "/console")


@web.middleware
async def database_unavailable(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith(PATHS) and request.path != "/":
        return await handler(request)
    try:
        return await handler(request)
    except (DatabaseUnavailable, *UNAVAILABLE) as exc:
        log.warning("console request: database unavailable", path=request.path,
                    error=type(exc).__name__)
        return refuse(503, "the database is not answering (it may be restarting): try again in a "
                           "moment; if you were sending, look at the chat first, as the message may "
                           "have gone through")
