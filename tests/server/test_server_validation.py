"""The API key on every route, and FastAPI-style 422s for bad parameters and forms."""

from __future__ import annotations

import httpx
import pytest

from flowscale.server import LocalServer, Workflow

from .helpers import IMAGE_TO_IMAGE, TEXT_TO_IMAGE, http

pytestmark = pytest.mark.timeout(30)

ROUTES = [
    ("GET", "/api/v1/comfy/health"),
    ("GET", "/api/v1/comfy/queue"),
    ("GET", "/api/v1/comfy/workflows"),
    ("POST", f"/api/v1/runs?workflow_id={TEXT_TO_IMAGE}"),
    ("GET", "/api/v1/runs"),
    ("GET", "/api/v1/runs/output?filename=x"),
    ("GET", "/api/v1/runs/some-run"),
    ("POST", "/api/v1/runs/some-run/cancel"),
    ("GET", "/api/v1/runs/some-run/events"),
    ("GET", "/_admin/counters"),
    ("POST", "/_admin/reset"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_missing_key_is_401_and_wrong_key_403(server: LocalServer, method: str, path: str) -> None:
    with httpx.Client(base_url=server.base_url, timeout=10) as client:
        missing = client.request(method, path)
        assert missing.status_code == 401
        assert missing.json() == {
            "status": "error",
            "errors": "Missing API key: send it in the X-API-KEY header",
        }
        wrong = client.request(method, path, headers={"X-API-KEY": "nope"})
        assert wrong.status_code == 403
        assert wrong.json() == {"status": "error", "errors": "Invalid API key"}
        # Header names are case-insensitive.
        right = client.request(method, path, headers={"x-api-key": server.api_key})
        assert right.status_code not in (401, 403)


def test_explicit_api_key_is_used() -> None:
    with (
        LocalServer(api_key="secret-key", step_delay=0.001) as server,
        httpx.Client(base_url=server.base_url) as client,
    ):
        assert server.api_key == "secret-key"
        assert client.get("/api/v1/comfy/health", headers={"X-API-KEY": "secret-key"}).is_success


def test_generated_keys_differ() -> None:
    with LocalServer() as one, LocalServer() as two:
        assert one.api_key.startswith("fs-local-")
        assert one.api_key != two.api_key
        assert one.base_url != two.base_url


def detail(response: httpx.Response) -> list[tuple[tuple[str | int, ...], str]]:
    assert response.status_code == 422, response.text
    return [(tuple(item["loc"]), item["type"]) for item in response.json()["detail"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"sort_by": "name"}, [(("query", "sort_by"), "enum")]),
        ({"sort_order": "up"}, [(("query", "sort_order"), "enum")]),
        ({"page": "0"}, [(("query", "page"), "greater_than_equal")]),
        ({"page": "x"}, [(("query", "page"), "int_parsing")]),
        ({"page_size": "0"}, [(("query", "page_size"), "greater_than_equal")]),
        ({"page_size": "101"}, [(("query", "page_size"), "less_than_equal")]),
        (
            {"page_size": "1.5", "sort_by": "x"},
            [(("query", "sort_by"), "enum"), (("query", "page_size"), "int_parsing")],
        ),
    ],
)
def test_run_list_parameters(
    server: LocalServer, query: dict[str, str], expected: list[object]
) -> None:
    with http(server) as client:
        assert detail(client.get("/api/v1/runs", params=query)) == expected


def test_other_parameters(server: LocalServer) -> None:
    with http(server) as client:
        assert detail(client.get("/api/v1/runs/output")) == [(("query", "filename"), "missing")]
        assert detail(client.get("/api/v1/runs/output", params={"filename": ""})) == [
            (("query", "filename"), "string_too_short")
        ]
        assert detail(client.post("/api/v1/runs", data={"text_51536": "x"})) == [
            (("query", "workflow_id"), "missing")
        ]
        run_id = client.post(
            "/api/v1/runs", params={"workflow_id": TEXT_TO_IMAGE}, data={"text_51536": "x"}
        ).json()["data"]["run_id"]
        for bad in ("-1", "one"):
            response = client.get(f"/api/v1/runs/{run_id}/events", params={"from_seq": bad})
            assert detail(response)[0][0] == ("query", "from_seq")


def test_form_validation(server: LocalServer) -> None:
    execute = f"/api/v1/runs?workflow_id={IMAGE_TO_IMAGE}"
    with http(server) as client:
        # missing fields (urlencoded)
        assert detail(client.post(execute, data={"prompt": "p"})) == [
            (("body", "image_input"), "missing")
        ]
        # text where a file is required (urlencoded cannot carry files at all)
        assert detail(client.post(execute, data={"prompt": "p", "image_input": "text"})) == [
            (("body", "image_input"), "value_error")
        ]
        # text where a file is required, multipart
        assert detail(
            client.post(execute, files={"prompt": (None, b"p"), "image_input": (None, b"t")})
        ) == [(("body", "image_input"), "value_error")]
        # unknown field
        assert detail(
            client.post(
                execute,
                files={
                    "prompt": (None, b"p"),
                    "image_input": ("a.png", b"x", "image/png"),
                    "extra": (None, b"e"),
                },
            )
        ) == [(("body", "extra"), "extra_forbidden")]
        # no body at all
        assert detail(client.post(execute)) == [
            (("body", "image_input"), "missing"),
            (("body", "prompt"), "missing"),
        ]
        # not a form
        assert detail(client.post(execute, json={"prompt": "p"})) == [(("body",), "value_error")]
        # a file part where text is expected is read as its text (lenient)
        lenient = client.post(
            execute,
            files={
                "prompt": ("prompt.txt", b"from a file", "text/plain"),
                "image_input": ("a.png", b"x", "image/png"),
            },
        )
        assert lenient.status_code == 200
        run = client.get(f"/api/v1/runs/{lenient.json()['data']['run_id']}").json()["data"]
        assert {i["path"]: i["value"] for i in run["inputs"]}["prompt"] == "from a file"


def test_number_and_boolean_inputs(server: LocalServer) -> None:
    server.register_workflow(
        Workflow(
            id="typed",
            name="Typed",
            inputs={"n": "number", "b": "boolean"},
            outputs={},
            fn=lambda ctx: {"echo.txt": f"{ctx.inputs['n']}|{ctx.inputs['b']}"},
        )
    )
    with http(server) as client:
        ok = client.post("/api/v1/runs?workflow_id=typed", data={"n": "3.5", "b": "True"})
        assert ok.status_code == 200
        bad = client.post("/api/v1/runs?workflow_id=typed", data={"n": "three", "b": "maybe"})
        assert detail(bad) == [(("body", "n"), "float_parsing"), (("body", "b"), "bool_parsing")]


def test_unknown_path_and_method(server: LocalServer) -> None:
    with http(server) as client:
        missing = client.get("/api/v1/nothing")
        assert missing.status_code == 404
        assert missing.json()["status"] == "error"
        wrong = client.delete("/api/v1/runs")
        assert wrong.status_code == 405
        assert wrong.json()["status"] == "error"
