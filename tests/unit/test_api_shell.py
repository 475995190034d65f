"""The API's shape without servers: errors, headers, docs, CORS."""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from voice_platform.api import create_api
from voice_platform.api.security import API_CSP, DOCS_CSP, UI_CSP, content_security_policy
from voice_platform.config import Settings


class Echo(BaseModel):
    count: int


@pytest.fixture
def api() -> FastAPI:
    app = create_api(Settings(_env_file=None))

    @app.post("/probe/echo")
    def echo(body: Echo) -> Echo:
        return body

    @app.get("/probe/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    return app


def test_unknown_api_path_is_a_json_404(api: FastAPI) -> None:
    response = TestClient(api).get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": "No API endpoint at /api/no-such-thing"}
    }


def test_validation_errors_name_the_field(api: FastAPI) -> None:
    response = TestClient(api).post("/probe/echo", json={"count": "many"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["message"].startswith("body.count:")
    assert error["details"][0]["field"] == "body.count"


def test_unexpected_errors_are_500_without_internals(api: FastAPI) -> None:
    response = TestClient(api, raise_server_exceptions=False).get("/probe/boom")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_server_error"
    assert "secret" not in response.text


def test_wrong_method_keeps_the_error_shape(api: FastAPI) -> None:
    response = TestClient(api).delete("/api/health")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert response.json()["error"] == {
        "code": "method_not_allowed",
        "message": "DELETE is not allowed on /api/health; use GET",
    }


def test_security_headers_on_api_responses(api: FastAPI) -> None:
    response = TestClient(api).get("/api/nope")
    assert response.headers["content-security-policy"] == API_CSP
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "strict-transport-security" not in response.headers


def test_hsts_when_the_public_url_is_https() -> None:
    api = create_api(Settings(_env_file=None, public_base_url="https://voice.example"))
    response = TestClient(api).get("/api/nope")
    assert response.headers["strict-transport-security"].startswith("max-age=31536000")


def test_hsts_on_direct_https_requests(api: FastAPI) -> None:
    response = TestClient(api, base_url="https://testserver").get("/api/nope")
    assert "strict-transport-security" in response.headers


def test_csp_by_path() -> None:
    assert content_security_policy("/api/health") == API_CSP
    assert content_security_policy("/api/docs") == DOCS_CSP
    assert content_security_policy("/") == UI_CSP
    assert "connect-src 'self' ws: wss:" in UI_CSP


def test_docs_are_served_without_a_cdn(api: FastAPI) -> None:
    client = TestClient(api)
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert "/api/docs-static/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower()
    assert client.get("/api/docs-static/swagger-ui-bundle.js").status_code == 200
    spec = client.get("/api/openapi.json").json()
    assert "/api/health" in spec["paths"]
    assert spec["info"]["title"] == "Voice Platform API"


def test_every_endpoint_documents_who_may_call_it() -> None:
    spec = create_api(Settings(_env_file=None)).openapi()
    undocumented = [
        f"{method.upper()} {path}"
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if "**Auth:**" not in operation.get("description", "")
    ]
    assert undocumented == []
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


def test_cors_allows_only_configured_origins() -> None:
    api = create_api(Settings(_env_file=None, cors_origins="https://ok.example"))
    client = TestClient(api)
    preflight = {"Access-Control-Request-Method": "GET"}
    allowed = client.options("/api/health", headers={"Origin": "https://ok.example", **preflight})
    assert allowed.headers["access-control-allow-origin"] == "https://ok.example"
    refused = client.options("/api/health", headers={"Origin": "https://evil.example", **preflight})
    assert "access-control-allow-origin" not in refused.headers
