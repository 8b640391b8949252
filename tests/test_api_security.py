"""Every route of the FULL app, walked generically (routes other helpers add later are covered too):

- no write route (POST/PUT/PATCH/DELETE) accepts an anonymous caller, except an explicit allow-list
  (login; the SMS gateway, which authenticates with its own secret), and the allow-listed routes reject
  bad credentials;
- no write route accepts a viewer; the machine role "ingest" passes only routes that ask for it;
- a browser session without the CSRF header (or with a wrong one) is refused on every write route;
- every /api GET needs a caller; HTML pages send anonymous visitors to /login;
- none of the refused requests changed anything (users, settings, audit chain).

Plus login, sessions and cookies on SQLite and PostgreSQL, rate limiting, and hypothesis-generated
malformed bodies against the login and user routes (KHRONIKA_HYPOTHESIS_EXAMPLES, default 25).
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import Depends, FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from khronika.store import Store
from khronika.store import accounts as acc
from khronika.web.app import create_app
from khronika.web.routes.users import UserIn, UserPatch
from khronika.web.security import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, LoginLimiter, Principal, require

WRITE = ("POST", "PUT", "PATCH", "DELETE")
# Write routes an anonymous caller may reach, each with its own credential check (tested below).
ANONYMOUS_WRITES = {("POST", "/api/auth/login"), ("POST", "/api/sms")}
ANONYMOUS_PAGES = {"/login"}
PASSWORDS = {"admin": "admin passphrase 1", "analyst": "analyst passphrase 2",
             "viewer": "viewer passphrase 3"}
EXAMPLES = int(os.environ.get("KHRONIKA_HYPOTHESIS_EXAMPLES", "25"))


@dataclass
class Env:
    app: FastAPI
    store: Store
    tokens: dict[str, str]  # role -> API token of a user with that role


def _make_env(url: str) -> tuple[Env, Store]:
    store = Store(url)
    tokens = {}
    for role, pw in PASSWORDS.items():
        acc.create_user(store, f"{role}1", role, pw, actor="test")
        tokens[role] = acc.create_token(store, f"{role}1", "test", actor="test")
    acc.create_user(store, "gateway1", "ingest", None, actor="test")
    tokens["ingest"] = acc.create_token(store, "gateway1", "test", actor="test")
    return Env(app=create_app(store=store), store=store, tokens=tokens), store


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    e, store = _make_env(f"sqlite:///{tmp_path_factory.mktemp('sec') / 'k.db'}")
    yield e
    store.close()


@pytest.fixture(autouse=True)
def _fresh_limiter(request: pytest.FixtureRequest) -> None:
    """Each test starts with no failed logins on record (the limiter is per app, in memory)."""
    if "env" in request.fixturenames:
        request.getfixturevalue("env").app.state.login_limiter = LoginLimiter()


def snapshot(store: Store) -> tuple[Any, ...]:
    return (acc.list_users(store), acc.get_settings(store), len(store.audit_entries()))


# -- the walk ----------------------------------------------------------------------------------------

_DUMMY = {"int": "1", "float": "1.5", "uuid": str(uuid.UUID(int=1)), "path": "x/y", "str": "x"}


@dataclass(frozen=True)
class Walked:
    path: str  # the template without convertors, e.g. /api/users/{name}
    route: APIRoute  # the route as declared (its dependencies)
    convertors: dict[str, Any]


def _api_routes(app: FastAPI) -> Iterator[Walked]:
    """Every API route with its effective path. Newer FastAPI keeps included routers lazily
    (`iter_route_contexts` flattens them); older versions list APIRoutes in `app.routes` directly."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:
        for r in app.routes:
            if isinstance(r, APIRoute):
                yield Walked(r.path_format, r, dict(r.param_convertors))
        return
    for ctx in iter_route_contexts(app.routes):
        if isinstance(ctx.original_route, APIRoute):
            yield Walked(str(ctx.path_format), ctx.original_route, dict(ctx.param_convertors))


def _fill(w: Walked) -> str:
    """The route's path with every parameter replaced by a value its type accepts (the annotation when
    the handler declares one, else the path convertor)."""
    types = {f.name: getattr(f.field_info, "annotation", None) for f in w.route.dependant.path_params}
    path = w.path
    for name, conv in w.convertors.items():
        kind = type(conv).__name__.replace("Convertor", "").lower()
        annotation = types.get(name)
        if isinstance(annotation, type) and annotation.__name__.lower() in _DUMMY:
            kind = annotation.__name__.lower()
        path = re.sub(r"\{" + name + r"(:[a-z]+)?\}", _DUMMY.get(kind, "x"), path)
    return path


def routes(app: FastAPI, methods: tuple[str, ...]) -> list[tuple[str, str, Walked]]:
    """(method, filled path, route) for every API route with one of these methods, hidden ones too."""
    return [(m, _fill(w), w) for w in _api_routes(app) for m in sorted(w.route.methods) if m in methods]


def _declared_roles(w: Walked) -> set[str]:
    """Roles the route's dependency tree asks for, from the names `require()` gives its dependencies."""
    roles, todo = set(), list(w.route.dependant.dependencies)
    while todo:
        d = todo.pop()
        name = getattr(d.call, "__name__", "")
        if name.startswith("require_"):
            roles.add(name.removeprefix("require_"))
        todo += d.dependencies
    return roles


def call(client: TestClient, method: str, path: str, **kw: Any) -> int:
    """Status of a request with a well-formed body, so that a refusal is the auth check and not the body
    parser: JSON, or a form for routes that refuse JSON as the wrong media type (415)."""
    status = client.request(method, path, json={}, **kw).status_code
    if status == 415:
        status = client.request(method, path, data={"field": "value"}, **kw).status_code
    return status


def test_the_walk_sees_every_route(env: Env) -> None:
    walked = {(m, r.path) for m, _, r in routes(env.app, (*WRITE, "GET"))}
    documented = {(m.upper(), p) for p, ops in env.app.openapi()["paths"].items() for m in ops}
    assert documented <= walked
    assert {("POST", "/api/users"), ("DELETE", "/api/users/{name}"), ("POST", "/api/auth/logout"),
            ("PUT", "/api/settings/{key}"), ("GET", "/api/users")} <= walked


# Each check returns the routes that break the rule, so a test can also plant a bad route and see it caught.


def anonymous_offenders(app: FastAPI, headers: dict[str, str] | None = None,
                        cookies: dict[str, str] | None = None) -> list[str]:
    """Write routes outside the allow-list that do not answer 401 to a caller without valid credentials."""
    client = TestClient(app, headers=headers or {}, cookies=cookies or {})
    return [f"{m} {w.path} ({status})" for m, path, w in routes(app, WRITE)
            if (m, w.path) not in ANONYMOUS_WRITES and (status := call(client, m, path)) != 401]


def role_offenders(app: FastAPI, client: TestClient, skip: Callable[[str, Walked], bool]) -> list[str]:
    """Write routes that do not answer 403 (or 401) to this authenticated caller."""
    return [f"{m} {w.path} ({status})" for m, path, w in routes(app, WRITE)
            if not skip(m, w) and (status := call(client, m, path)) not in (401, 403)]


def _own_account(method: str, w: Walked) -> bool:
    # Logging in and out, and changing one's own password (checked against the current one), are not
    # writes to the record; the SMS gateway checks its own secret (tested below with a viewer's token).
    return w.path.startswith("/api/auth/") or (method, w.path) in ANONYMOUS_WRITES


def csrf_offenders(app: FastAPI, client: TestClient) -> list[str]:
    """Write routes that let this session through without a correct X-CSRF-Token header."""
    bad = []
    for m, path, w in routes(app, WRITE):
        if (m, w.path) in ANONYMOUS_WRITES:
            continue
        for headers in ({}, {CSRF_HEADER: "forged-" + client.cookies[CSRF_COOKIE]}, {CSRF_HEADER: ""}):
            resp = client.request(m, path, json={}, headers=headers)
            if resp.status_code == 415:
                resp = client.request(m, path, data={"field": "value"}, headers=headers)
            if resp.status_code != 403 or "CSRF" not in resp.text:
                bad.append(f"{m} {w.path} ({resp.status_code}, headers {sorted(headers)})")
    return bad


def _session(app: FastAPI, name: str, role: str) -> TestClient:
    client = TestClient(app)
    assert client.post("/api/auth/login", json={"name": name, "password": PASSWORDS[role]}).status_code == 200
    return client


def test_anonymous_writes_are_refused(env: Env) -> None:
    before = snapshot(env.store)
    assert len(routes(env.app, WRITE)) >= 10
    assert anonymous_offenders(env.app) == []
    assert snapshot(env.store) == before


@pytest.mark.parametrize("scheme", ["Bearer khr_not-a-real-token", "Bearer", "Basic dXNlcjpwYXNz", "khr_x"])
def test_bad_credentials_are_refused_on_writes(env: Env, scheme: str) -> None:
    before = snapshot(env.store)
    assert anonymous_offenders(env.app, headers={"Authorization": scheme}) == []
    unknown = {SESSION_COOKIE: "a-session-id-that-was-never-issued-by-us"}
    assert anonymous_offenders(env.app, cookies=unknown) == []
    assert snapshot(env.store) == before


def test_viewers_cannot_write(env: Env) -> None:
    before = snapshot(env.store)
    viewer = TestClient(env.app, headers={"Authorization": f"Bearer {env.tokens['viewer']}"})
    assert role_offenders(env.app, viewer, _own_account) == []
    assert snapshot(env.store) == before


def test_viewer_session_cannot_write_either(env: Env) -> None:
    client = _session(env.app, "viewer1", "viewer")
    client.headers[CSRF_HEADER] = client.cookies[CSRF_COOKIE]  # a proper session: only the role refuses
    before = snapshot(env.store)
    assert role_offenders(env.app, client, _own_account) == []
    assert snapshot(env.store) == before


def test_ingest_passes_only_routes_that_ask_for_it(env: Env) -> None:
    before = snapshot(env.store)
    machine = TestClient(env.app, headers={"Authorization": f"Bearer {env.tokens['ingest']}"})
    assert role_offenders(env.app, machine,
                          lambda m, w: _own_account(m, w) or "ingest" in _declared_roles(w)) == []
    assert snapshot(env.store) == before


def test_session_writes_need_the_csrf_header(env: Env) -> None:
    client = _session(env.app, "admin1", "admin")
    before = snapshot(env.store)
    assert csrf_offenders(env.app, client) == []
    assert snapshot(env.store) == before
    # The same session with the header goes through: the refusals above were the CSRF check.
    ok = client.put("/api/settings/test.csrf", json={"value": 1},
                    headers={CSRF_HEADER: client.cookies[CSRF_COOKIE]})
    assert ok.status_code == 200
    assert acc.get_setting(env.store, "test.csrf") == 1
    acc.set_setting(env.store, "test.csrf", None)


def test_the_checks_catch_planted_routes(env: Env) -> None:
    """The walk is only worth something if it fails: plant an open route and a viewer-level write route
    (with a path parameter, as later routes will have) in a copy of the app, and see both reported."""
    app = create_app(store=env.store)

    @app.post("/api/planted/{item_id}")
    def planted_open(item_id: int) -> dict[str, int]:
        return {"ok": item_id}

    @app.delete("/api/planted-viewer/{name}")
    def planted_viewer(name: str, _p: Principal = Depends(require("viewer"))) -> dict[str, str]:
        return {"ok": name}

    assert anonymous_offenders(app) == ["POST /api/planted/{item_id} (200)"]
    viewer = TestClient(app, headers={"Authorization": f"Bearer {env.tokens['viewer']}"})
    assert sorted(role_offenders(app, viewer, _own_account)) == ["DELETE /api/planted-viewer/{name} (200)",
                                                                 "POST /api/planted/{item_id} (200)"]
    assert [o.split(" (")[0] for o in csrf_offenders(app, _session(app, "admin1", "admin"))] == \
        ["POST /api/planted/{item_id}"] * 3


def test_api_reads_need_a_caller_and_pages_redirect(env: Env) -> None:
    anon = TestClient(env.app, follow_redirects=False)
    for _, path, route in routes(env.app, ("GET",)):
        if route.path in ANONYMOUS_PAGES:
            continue
        status = anon.get(path).status_code
        if route.path.startswith("/api/"):
            assert status == 401, f"GET {route.path} answers an anonymous caller ({status})"
        else:
            assert status in (302, 303, 307, 401), f"page {route.path} shown to anonymous ({status})"


# -- the allow-list rejects bad credentials ----------------------------------------------------------


def test_login_rejects_bad_credentials(env: Env) -> None:
    client = TestClient(env.app)
    for name, pw in [("admin1", "wrong passphrase"), ("nobody", PASSWORDS["admin"]), ("admin1", "")]:
        r = client.post("/api/auth/login", json={"name": name, "password": pw})
        assert r.status_code in (401, 422)
        assert SESSION_COOKIE not in r.cookies
    r = client.post("/api/auth/login", json={"name": "gateway1", "password": "anything at all"})
    assert r.status_code == 401  # machines have no password


def test_sms_gateway_rejects_bad_secrets(env: Env) -> None:
    before = snapshot(env.store)
    client = TestClient(env.app)
    form = {"from": "+77015550000", "message": "ALMATY INTERNET DOWN", "message_id": "m1",
            "sent_timestamp": "1641470400000"}
    for secret in ("", "khr_wrong", env.tokens["viewer"], env.tokens["analyst"]):
        r = client.post("/api/sms", data={**form, "secret": secret})
        assert r.status_code in (401, 403), (secret[:6], r.status_code)
    for bad in ("Bearer khr_wrong", f"Bearer {env.tokens['viewer']}"):
        r = client.post("/api/sms", data=form, headers={"Authorization": bad})
        assert r.status_code in (401, 403)
    assert snapshot(env.store) == before


# -- login, sessions, logout, rate limit -------------------------------------------------------------


def _auth_basics(app: FastAPI) -> None:
    client = TestClient(app)
    assert client.get("/api/auth/me").status_code == 401
    r = client.post("/api/auth/login", json={"name": "analyst1", "password": PASSWORDS["analyst"]})
    assert r.status_code == 200 and r.json()["role"] == "analyst"
    cookies = r.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith(SESSION_COOKIE + "="))
    csrf = next(c for c in cookies if c.startswith(CSRF_COOKIE + "="))
    assert "httponly" in session.lower() and "samesite=strict" in session.lower()
    assert "httponly" not in csrf.lower() and "samesite=strict" in csrf.lower()
    assert r.json()["csrf"] == client.cookies[CSRF_COOKIE]
    assert client.get("/api/auth/me").json()["name"] == "analyst1"
    assert client.post("/api/auth/logout").status_code == 403  # CSRF applies to logout too
    out = client.post("/api/auth/logout", headers={CSRF_HEADER: client.cookies[CSRF_COOKIE]})
    assert out.status_code == 204
    client.cookies.set(SESSION_COOKIE, session.split(";")[0].split("=", 1)[1])  # replay the old cookie
    assert client.get("/api/auth/me").status_code == 401


def test_auth_basics_sqlite(env: Env) -> None:
    _auth_basics(env.app)


@pytest.mark.pg
def test_auth_basics_postgresql(pg_schema_url: str) -> None:
    e, store = _make_env(pg_schema_url)
    try:
        _auth_basics(e.app)
        admin = TestClient(e.app, headers={"Authorization": f"Bearer {e.tokens['admin']}"})
        assert admin.post("/api/users", json={"name": "dana", "role": "viewer",
                                              "password": "dana passphrase"}).status_code == 201
        viewer = TestClient(e.app, headers={"Authorization": f"Bearer {e.tokens['viewer']}"})
        eve = {"name": "eve", "role": "admin", "password": "eve passphrase!"}
        assert viewer.post("/api/users", json=eve).status_code == 403
        names = [u["name"] for u in acc.list_users(store)]
        assert names == ["admin1", "analyst1", "dana", "gateway1", "viewer1"]
        assert store.audit_verify().ok
    finally:
        store.close()


def test_login_rate_limit(env: Env) -> None:
    client = TestClient(env.app)
    codes = [client.post("/api/auth/login", json={"name": "analyst1", "password": f"wrong {i}"}).status_code
             for i in range(7)]
    assert codes == [401] * 5 + [429] * 2
    # Locked out now even with the right password: the limit stops guessing, not just wrong guesses.
    r = client.post("/api/auth/login", json={"name": "analyst1", "password": PASSWORDS["analyst"]})
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1


def test_rate_limit_is_per_address_too(env: Env) -> None:
    """Spraying many names from one address: the address's own (larger) allowance runs out."""
    limiter = env.app.state.login_limiter
    client = TestClient(env.app)
    codes = [client.post("/api/auth/login", json={"name": f"guess{i}", "password": "x"}).status_code
             for i in range(limiter.addr_limit + 1)]
    assert codes == [401] * limiter.addr_limit + [429]
    assert limiter.addr_limit > limiter.limit


def test_limiter_window_expires() -> None:
    limiter = LoginLimiter(limit=2, window=0.0)  # a zero window forgets every failure at once
    limiter.failed("k")
    limiter.failed("k")
    assert limiter.blocked("k") == 0.0
    strict = LoginLimiter(limit=2, window=3600)
    strict.failed("k")
    assert strict.blocked("k") == 0.0
    strict.failed("k")
    assert strict.blocked("k") > 3500
    assert strict.blocked("other") == 0.0


def test_change_own_password(env: Env) -> None:
    client = _session(env.app, "viewer1", "viewer")
    h = {CSRF_HEADER: client.cookies[CSRF_COOKIE]}
    r = client.post("/api/auth/password", json={"current": "not my password", "new": "a new passphrase"},
                    headers=h)
    assert r.status_code == 403
    assert acc.authenticate(env.store, "viewer1", PASSWORDS["viewer"]) is not None
    r = client.post("/api/auth/password", json={"current": PASSWORDS["viewer"], "new": "a new passphrase"},
                    headers=h)
    assert r.status_code == 204
    assert client.get("/api/auth/me").status_code == 200  # this session survives
    assert acc.authenticate(env.store, "viewer1", "a new passphrase") is not None
    acc.set_password(env.store, "viewer1", PASSWORDS["viewer"], actor="test")


# -- admin API ---------------------------------------------------------------------------------------


def test_admin_user_api(env: Env) -> None:
    admin = TestClient(env.app, headers={"Authorization": f"Bearer {env.tokens['admin']}"})
    n = len(env.store.audit_entries())
    r = admin.post("/api/users", json={"name": "olzhas", "role": "viewer", "password": "olzhas passphrase"})
    assert r.status_code == 201
    r = admin.post("/api/users", json={"name": "sms2", "role": "ingest"})
    assert r.status_code == 201 and acc.principal_for_token(env.store, r.json()["token"]) is not None
    assert admin.post("/api/users", json={"name": "olzhas", "role": "viewer",
                                          "password": "olzhas passphrase"}).status_code == 400
    assert admin.patch("/api/users/olzhas", json={"role": "analyst"}).json()["role"] == "analyst"
    assert admin.patch("/api/users/nobody", json={"role": "analyst"}).status_code == 400
    tok = admin.post("/api/users/olzhas/tokens", json={"label": "laptop"}).json()["token"]
    [listed] = admin.get("/api/users/olzhas/tokens").json()
    assert listed["label"] == "laptop" and tok not in json.dumps(listed)
    assert admin.delete(f"/api/users/olzhas/tokens/{listed['id']}").status_code == 204
    assert acc.principal_for_token(env.store, tok) is None
    assert admin.delete("/api/users/olzhas").status_code == 204
    assert admin.delete("/api/users/sms2").status_code == 204
    users = [u["name"] for u in admin.get("/api/users").json()]
    assert "olzhas" not in users and "password_hash" not in json.dumps(admin.get("/api/users").json())
    kinds = [e["kind"] for e in env.store.audit_entries()[n:]]
    assert kinds == ["user.add", "user.add", "token.create", "user.role", "token.create", "token.revoke",
                     "user.remove", "user.remove"]
    assert all(json.loads(e["payload"])["by"] == "admin1" for e in env.store.audit_entries()[n:])


def test_admin_settings_api(env: Env) -> None:
    admin = TestClient(env.app, headers={"Authorization": f"Bearer {env.tokens['admin']}"})
    analyst = TestClient(env.app, headers={"Authorization": f"Bearer {env.tokens['analyst']}"})
    assert admin.put("/api/settings/map.zoom", json={"value": 11}).status_code == 200
    assert admin.get("/api/settings").json()["map.zoom"] == 11
    assert analyst.get("/api/settings").status_code == 403
    assert admin.put("/api/settings/Bad Key", json={"value": 1}).status_code == 400
    assert admin.delete("/api/settings/map.zoom").status_code == 204
    assert "map.zoom" not in admin.get("/api/settings").json()
    kinds = [e["kind"] for e in env.store.audit_entries()[-2:]]
    assert kinds == ["setting", "setting"]


# -- malformed bodies (hypothesis) -------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=10,
)
login_like = st.fixed_dictionaries({}, optional={"name": json_values, "password": json_values,
                                                 "extra": json_values})
user_like = st.fixed_dictionaries({}, optional={"name": json_values, "role": json_values,
                                                "password": json_values, "admin": json_values})
raw_bodies = st.binary(max_size=200)


def _valid(model: type[Any], body: Any) -> bool:
    try:
        model.model_validate(body)
    except ValidationError:
        return False
    return True


SETTINGS = settings(max_examples=EXAMPLES, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@SETTINGS
@given(body=st.one_of(json_values, login_like))
def test_login_malformed_json(env: Env, body: Any) -> None:
    env.app.state.login_limiter = LoginLimiter()
    before = snapshot(env.store)
    r = TestClient(env.app).post("/api/auth/login", json=body)
    assert 400 <= r.status_code < 500
    assert SESSION_COOKIE not in r.cookies
    assert snapshot(env.store) == before


@SETTINGS
@given(raw=raw_bodies, path=st.sampled_from(["/api/auth/login", "/api/users", "/api/users/viewer1",
                                             "/api/auth/password", "/api/settings/x"]))
def test_raw_garbage_bodies(env: Env, raw: bytes, path: str) -> None:
    assume(not raw.strip().startswith(b"{"))  # an object may be valid JSON for the route; the rest is not
    before = snapshot(env.store)
    admin = TestClient(env.app, headers={"Authorization": f"Bearer {env.tokens['admin']}",
                                         "Content-Type": "application/json"})
    method = {"/api/users/viewer1": "PATCH", "/api/settings/x": "PUT"}.get(path, "POST")
    r = admin.request(method, path, content=raw)
    assert 400 <= r.status_code < 500
    assert snapshot(env.store) == before


@SETTINGS
@given(body=st.one_of(json_values, user_like))
def test_users_malformed_json(env: Env, body: Any) -> None:
    assume(not _valid(UserIn, body) and not _valid(UserPatch, body))
    before = snapshot(env.store)
    admin = TestClient(env.app, headers={"Authorization": f"Bearer {env.tokens['admin']}"})
    assert 400 <= admin.post("/api/users", json=body).status_code < 500
    assert 400 <= admin.patch("/api/users/viewer1", json=body).status_code < 500
    assert snapshot(env.store) == before



def test_security_headers_and_no_cdn_docs(env: Env) -> None:
    client = TestClient(env.app)
    for path in ("/login", "/api/auth/me", "/static/app.css"):
        h = client.get(path).headers
        assert h["x-frame-options"] == "DENY" and h["x-content-type-options"] == "nosniff"
        assert h["referrer-policy"] == "no-referrer"
    # FastAPI's /docs and /redoc pull Swagger UI and ReDoc from a CDN: they must not exist.
    assert client.get("/docs").status_code == 404 and client.get("/redoc").status_code == 404
