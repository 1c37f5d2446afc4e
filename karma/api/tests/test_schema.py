"""The OpenAPI schema is valid, complete and served with its docs page."""

from __future__ import annotations

import re

import pytest
import yaml
from django.core.management import call_command
from django.urls import URLPattern, URLResolver
from openapi_spec_validator import validate

from karma.api import urls as api_urls

# Routes that serve the API's description or its 404, not operations.
NOT_OPERATIONS = {"schema", "docs", "not_found"}
PREFIX = "/api/v1/"


@pytest.fixture
def schema(client, db) -> dict:
    response = client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def _routes(patterns, prefix: str = "") -> dict[str, URLPattern]:
    """Map every route under /api/v1 to its pattern, as OpenAPI paths."""
    routes = {}
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            routes |= _routes(pattern.url_patterns, route)
        elif pattern.name not in NOT_OPERATIONS:
            openapi_path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
            routes[PREFIX + openapi_path] = pattern
    return routes


def _methods(pattern: URLPattern) -> set[str]:
    view = pattern.callback.cls()
    return {
        method for method in view.allowed_methods if method not in ("OPTIONS", "HEAD")
    }


def test_validates_as_openapi(schema):
    validate(schema)


def test_yaml_and_json_formats_agree(client, schema):
    response = client.get("/api/v1/schema/")

    assert yaml.safe_load(response.content) == schema


def test_generates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"

    call_command("spectacular", "--fail-on-warn", "--validate", "--file", target)

    assert target.read_text().startswith("openapi:")


def test_lists_every_route_and_only_routes(schema):
    routes = _routes(api_urls.urlpatterns)

    assert set(schema["paths"]) == set(routes)


def test_lists_every_method_of_every_route(schema):
    for path, pattern in _routes(api_urls.urlpatterns).items():
        documented = {method.upper() for method in schema["paths"][path]}
        assert documented == _methods(pattern), path


def test_describes_bearer_jwt_security(schema):
    scheme = schema["components"]["securitySchemes"]["bearerAuth"]
    assert scheme == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    assert schema["paths"]["/api/v1/users"]["get"]["security"] == [{"bearerAuth": []}]


def test_describes_success_envelope_of_user(schema):
    components = schema["components"]["schemas"]
    operation = schema["paths"]["/api/v1/users/{public_id}"]["get"]
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]

    assert body == {"$ref": "#/components/schemas/UserEnvelope"}
    envelope = components["UserEnvelope"]
    assert envelope["required"] == ["data", "meta", "error"]
    assert envelope["properties"]["data"] == {"$ref": "#/components/schemas/User"}
    assert "temporary_password" not in components["User"]["properties"]


def test_describes_list_envelope_with_page_meta(schema):
    operation = schema["paths"]["/api/v1/users"]["get"]
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    page = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]

    assert page["properties"]["data"]["type"] == "array"
    assert set(page["properties"]["meta"]["properties"]) == {
        "total",
        "page",
        "per_page",
    }
    parameters = {parameter["name"] for parameter in operation["parameters"]}
    assert {"page", "per_page", "search", "role", "status", "sort"} <= parameters


def test_describes_error_envelope_on_every_operation(schema):
    error = schema["components"]["schemas"]["ErrorEnvelope"]["properties"]["error"]
    assert set(error["properties"]) == {"code", "message", "details"}
    assert "VALIDATION_ERROR" in error["properties"]["code"]["enum"]

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert {"429", "500"} <= set(operation["responses"]), (path, method)


def test_describes_422_and_401_for_creating_users(schema):
    responses = schema["paths"]["/api/v1/users"]["post"]["responses"]

    assert {"201", "400", "401", "403", "422"} <= set(responses)
    assert responses["422"] == {"$ref": "#/components/responses/ValidationError"}


def test_describes_rate_limit_headers_and_reset_in_seconds(schema):
    headers = schema["components"]["headers"]
    responses = schema["paths"]["/api/v1/users/me"]["get"]["responses"]

    assert set(responses["200"]["headers"]) == {
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
    }
    assert "not an epoch" in headers["X-RateLimit-Reset"]["description"]
    assert "seconds from now" in schema["info"]["description"].lower()


def test_serves_docs_from_own_static_files(client, db):
    response = client.get("/api/v1/docs/")

    html = response.content.decode()
    assert response.status_code == 200
    assert (
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    )
    assert not re.search(r"(src|href)=\"(https?:)?//", html)


def test_serves_docs_assets(client, db):
    bundle = client.get(
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"
    )
    script = client.get("/api/v1/docs/?script=")

    assert bundle.status_code == 200
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/v1/schema/" in script.content.decode()


def test_docs_page_allows_only_its_own_scripts(client, db):
    response = client.get("/api/v1/docs/")

    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'self'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "<script>" not in response.content.decode()
    assert re.fullmatch(r"'self' 'sha256-[A-Za-z0-9+/]+=*'", policy["style-src"])


def test_describes_json_bodies_only_except_where_a_file_is_taken(schema):
    uploads = {
        ("/api/v1/courses", "post"),
        ("/api/v1/courses/{course_id}", "patch"),
        ("/api/v1/modules/{module_id}/lessons", "post"),
        ("/api/v1/lessons/{lesson_id}", "patch"),
        ("/api/v1/courses/{course_id}/bulk-enrollments", "post"),
    }
    bodies = {
        (path, method): set(operation["requestBody"]["content"])
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation
    }

    for operation, media_types in bodies.items():
        if operation in uploads:
            expected = {"application/json", "multipart/form-data"}
            assert media_types == expected, operation
        else:
            assert media_types == {"application/json"}, operation
    assert uploads <= set(bodies)
