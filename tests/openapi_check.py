"""Checking real answers against the committed OpenAPI document (docs/openapi.json)."""

import json
from functools import lru_cache
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker

DOCUMENT = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"


@lru_cache(maxsize=1)
def openapi() -> dict:
    return json.loads(DOCUMENT.read_text())


def schema_validator(ref: str) -> Draft202012Validator:
    """A validator for `#/components/...`, resolving references inside the document."""
    return Draft202012Validator({**openapi(), "$ref": ref}, format_checker=FormatChecker())


def response_spec(path: str, method: str, status: int) -> dict:
    responses = openapi()["paths"][path][method]["responses"]
    assert str(status) in responses, f"{method.upper()} {path}: {status} is not documented"
    return responses[str(status)]


def assert_documented(path: str, method: str, response) -> None:
    """The answer's status is documented for the operation and its body fits the schema."""
    spec = response_spec(path, method, response.status_code)
    content = spec.get("content")
    if content is None:
        return
    assert response["Content-Type"].startswith("application/json")
    schema = content["application/json"]["schema"]
    body = json.loads(response.content)
    validator = Draft202012Validator({**openapi(), **schema}, format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(body), key=str)
    assert not errors, f"{method.upper()} {path} {response.status_code}: {errors[0].message}"
