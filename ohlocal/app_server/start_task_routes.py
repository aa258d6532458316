"""`/api/v1/app-conversations/start-tasks`: the tasks that start app conversations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter

from ohlocal.app_server.params import PAGE_ID_HELP
from ohlocal.models.app_conversation import (
    AppConversationStartTask,
    AppConversationStartTaskPage,
    AppConversationStartTaskSortOrder,
)
from ohlocal.services.conversation_service import parse_conversation_id
from ohlocal.services.start_task_service import StartTaskService


def _hex(value: str | None, loc: str) -> str | None:
    return parse_conversation_id(value, loc).hex if value is not None else None


class StartTaskController(Controller):
    path = "/api/v1/app-conversations/start-tasks"
    tags = ["App Conversations"]

    @get("/search")
    async def search_app_conversation_start_tasks(
        self,
        start_task_service: NamedDependency[StartTaskService],
        conversation_id__eq: FromQuery[str | None] = None,
        created_at__gte: FromQuery[datetime | None] = None,
        sort_order: FromQuery[AppConversationStartTaskSortOrder] = (
            AppConversationStartTaskSortOrder.CREATED_AT_DESC
        ),
        page_id: Annotated[str | None, QueryParameter(description=PAGE_ID_HELP)] = None,
        limit: Annotated[int, QueryParameter(gt=0, le=100)] = 100,
    ) -> AppConversationStartTaskPage:
        """List start tasks, newest first unless `sort_order` says otherwise."""
        cid = _hex(conversation_id__eq, "conversation_id__eq")
        return await start_task_service.search_start_tasks(
            cid, created_at__gte, sort_order, page_id, limit
        )

    @get("/count")
    async def count_app_conversation_start_tasks(
        self,
        start_task_service: NamedDependency[StartTaskService],
        conversation_id__eq: FromQuery[str | None] = None,
        created_at__gte: FromQuery[datetime | None] = None,
    ) -> int:
        """How many start tasks match the filters."""
        cid = _hex(conversation_id__eq, "conversation_id__eq")
        return await start_task_service.count_start_tasks(cid, created_at__gte)

    @get("/")
    async def batch_get_app_conversation_start_tasks(
        self,
        start_task_service: NamedDependency[StartTaskService],
        ids: FromQuery[list[str]],
    ) -> list[AppConversationStartTask | None]:
        """Get up to 100 start tasks by id; null where an id is unknown."""
        keys = [parse_conversation_id(value, "ids").hex for value in ids]
        return await start_task_service.batch_get_start_tasks(keys)
