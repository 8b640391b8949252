"""User management (admin) and settings.

Every change is audited with the admin's name (by the accounts module, in the same transaction).
Secrets appear once in a response (a new API token), never in the audit chain or a listing.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response, status
from pydantic import BaseModel, ConfigDict, Field, JsonValue

from ...errors import InputError
from ...store import Store
from ...store import accounts as acc
from ..deps import get_store
from ..security import Principal, require

router = APIRouter()

StoreDep = Annotated[Store, Depends(get_store)]
Admin = Annotated[Principal, Depends(require("admin"))]
UserName = Annotated[str, Path(min_length=1, max_length=64)]


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=64, pattern=acc.NAME_RE.pattern)
    role: str = Field(pattern="^(admin|analyst|viewer|ingest)$")
    password: str | None = Field(default=None, min_length=acc.PASSWORD_MIN, max_length=acc.PASSWORD_MAX)


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: str | None = Field(default=None, pattern="^(admin|analyst|viewer|ingest)$")
    password: str | None = Field(default=None, min_length=acc.PASSWORD_MIN, max_length=acc.PASSWORD_MAX)


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field(min_length=1, max_length=200)


class SettingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: JsonValue


@router.get("/api/users")
def users_list(store: StoreDep, _admin: Admin) -> list[dict[str, Any]]:
    return acc.list_users(store)


@router.post("/api/users", status_code=status.HTTP_201_CREATED)
def users_add(body: UserIn, store: StoreDep, admin: Admin) -> dict[str, Any]:
    """Add a user. People (admin, analyst, viewer) need a password; an ingest machine gets an API
    token instead, returned here once."""
    uid = acc.create_user(store, body.name, body.role, body.password, actor=admin.name)
    out: dict[str, Any] = {"id": uid, "name": body.name, "role": body.role}
    if body.role == "ingest":
        out["token"] = acc.create_token(store, body.name, "created with the user", actor=admin.name)
    return out


@router.patch("/api/users/{name}")
def users_patch(name: UserName, body: UserPatch, store: StoreDep, admin: Admin) -> dict[str, Any]:
    """Change a user's role and/or reset their password (their sessions end)."""
    if body.role is None and body.password is None:
        raise InputError("nothing to change: give role and/or password")
    if body.password is not None:
        acc.set_password(store, name, body.password, actor=admin.name)
    if body.role is not None:
        acc.set_role(store, name, body.role, actor=admin.name)
    user = acc.get_user(store, name)
    if user is None:
        raise InputError(f"no user named {name!r}")
    return user


@router.delete("/api/users/{name}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def users_remove(name: UserName, store: StoreDep, admin: Admin) -> None:
    acc.remove_user(store, name, actor=admin.name)


@router.get("/api/users/{name}/tokens")
def tokens_list(name: UserName, store: StoreDep, _admin: Admin) -> list[dict[str, Any]]:
    return acc.list_tokens(store, name)


@router.post("/api/users/{name}/tokens", status_code=status.HTTP_201_CREATED)
def tokens_add(name: UserName, body: TokenIn, store: StoreDep, admin: Admin) -> dict[str, str]:
    """Issue an API token (shown once: store it now)."""
    return {"token": acc.create_token(store, name, body.label, actor=admin.name)}


@router.delete("/api/users/{name}/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT,
               response_class=Response)
def tokens_revoke(name: UserName, token_id: Annotated[str, Path(max_length=64)], store: StoreDep,
                  admin: Admin) -> None:
    if not any(t["id"] == token_id for t in acc.list_tokens(store, name)):
        raise InputError(f"{name!r} has no token {token_id!r}")
    acc.revoke_token(store, token_id, actor=admin.name)


@router.get("/api/settings")
def settings_list(store: StoreDep, _admin: Admin) -> dict[str, Any]:
    return acc.get_settings(store)


@router.put("/api/settings/{key}")
def settings_put(key: Annotated[str, Path(max_length=128)], body: SettingIn, store: StoreDep,
                 admin: Admin) -> dict[str, Any]:
    acc.set_setting(store, key, body.value, actor=admin.name)
    return {"key": key, "value": body.value}


@router.delete("/api/settings/{key}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def settings_delete(key: Annotated[str, Path(max_length=128)], store: StoreDep, admin: Admin) -> None:
    acc.set_setting(store, key, None, actor=admin.name)
