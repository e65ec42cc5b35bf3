"""The account page's data download (GDPR Art. 15/20, DP-04).

``GET /t/{tenant}/account/data`` returns the signed-in user's own data as a JSON download:
profile, sessions, consents and recent security events, never a hash. Only the universal
login session cookie authenticates it; without a live session the answer is 401. The
response is ``no-store`` (it is personal data) and the download is an audited
``export.completed`` event with the user as actor.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import JSONResponse, Response

from tier0.audit.event import Actor
from tier0.domain import Tenant
from tier0.web.deps import container_of, path_tenant
from tier0.web.login_http import session_cookie_of

router = APIRouter()
TenantDep = Annotated[Tenant, Depends(path_tenant)]


@router.get("/t/{tenant}/account/data", include_in_schema=False)
async def download_my_data(request: Request, tenant: TenantDep) -> Response:
    container = container_of(request)
    session = await container.sessions.current(tenant, session_cookie_of(request, tenant))
    if session is None:
        return JSONResponse(
            {"error": "login_required", "error_description": "sign in to download your data"},
            status_code=401,
            headers={"Cache-Control": "no-store"},
        )
    document = await container.privacy.exporter.user(
        tenant, session.user_id, actor=Actor.user(session.user_id)
    )
    return Response(
        json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2),
        media_type="application/json",
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": 'attachment; filename="my-data.json"',
        },
    )
