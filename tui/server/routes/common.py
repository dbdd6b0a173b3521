"""What the route modules share: the URL prefix, the namespace query parameter, and the
request body convention (camelCase keys, unknown keys refused)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

API = "/api/kubernetes"

Namespace = Annotated[str | None, Query(description="defaults to the configured namespace")]


class CamelBody(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")
