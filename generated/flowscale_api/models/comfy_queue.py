from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ComfyQueue")


@_attrs_define
class ComfyQueue:
    """ComfyUI's own /queue payload. Entries are arrays whose first two items are the queue
    number and the prompt id (native ComfyUI sends five items).

        Attributes:
            queue_running (list[list[Any]] | Unset):
            queue_pending (list[list[Any]] | Unset):
    """

    queue_running: list[list[Any]] | Unset = UNSET
    queue_pending: list[list[Any]] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        queue_running: list[list[Any]] | Unset = UNSET
        if not isinstance(self.queue_running, Unset):
            queue_running = []
            for queue_running_item_data in self.queue_running:
                queue_running_item = queue_running_item_data

                queue_running.append(queue_running_item)

        queue_pending: list[list[Any]] | Unset = UNSET
        if not isinstance(self.queue_pending, Unset):
            queue_pending = []
            for queue_pending_item_data in self.queue_pending:
                queue_pending_item = queue_pending_item_data

                queue_pending.append(queue_pending_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if queue_running is not UNSET:
            field_dict["queue_running"] = queue_running
        if queue_pending is not UNSET:
            field_dict["queue_pending"] = queue_pending

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        _queue_running = d.pop("queue_running", UNSET)
        queue_running: list[list[Any]] | Unset = UNSET
        if _queue_running is not UNSET:
            queue_running = []
            for queue_running_item_data in _queue_running:
                queue_running_item = cast(list[Any], queue_running_item_data)

                queue_running.append(queue_running_item)

        _queue_pending = d.pop("queue_pending", UNSET)
        queue_pending: list[list[Any]] | Unset = UNSET
        if _queue_pending is not UNSET:
            queue_pending = []
            for queue_pending_item_data in _queue_pending:
                queue_pending_item = cast(list[Any], queue_pending_item_data)

                queue_pending.append(queue_pending_item)

        comfy_queue = cls(
            queue_running=queue_running,
            queue_pending=queue_pending,
        )

        comfy_queue.additional_properties = d
        return comfy_queue

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
