"""`/api/keys`: API keys for `Authorization: Bearer` on the App Server routes."""

from __future__ import annotations

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from ohlocal.models.api_key import ApiKeyCreated, ApiKeyInfo, CreateApiKeyRequest
from ohlocal.models.base import Success
from ohlocal.services.api_key_service import ApiKeyService


# NOTE: the 1.11.0 App Server document has no key routes; this is the path Cloud clients use.
class ApiKeyController(Controller):
    path = "/api/keys"
    tags = ["API keys"]

    @post("/", status_code=200)
    async def create_api_key(
        self,
        api_key_service: NamedDependency[ApiKeyService],
        data: JSONBody[CreateApiKeyRequest],
    ) -> ApiKeyCreated:
        """Create a key; the answer is the only place the key is ever shown."""
        return await api_key_service.create_api_key(data.name)

    @get("/")
    async def search_api_keys(
        self, api_key_service: NamedDependency[ApiKeyService]
    ) -> list[ApiKeyInfo]:
        """Every key with its name, prefix and times; never the key itself."""
        return await api_key_service.search_api_keys()

    @delete("/{key_id:str}", status_code=200)
    async def delete_api_key(
        self, api_key_service: NamedDependency[ApiKeyService], key_id: FromPath[str]
    ) -> Success:
        """Revoke a key; requests with it are refused from now on."""
        await api_key_service.delete_api_key(key_id)
        return Success()
