from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.comfy_queue import ComfyQueue


T = TypeVar("T", bound="ContainerQueue")


@_attrs_define
class ContainerQueue:
    """
    Attributes:
        queue (ComfyQueue): ComfyUI's own /queue payload. Entries are arrays whose first two items are the queue
            number and the prompt id (native ComfyUI sends five items).
        container (str | Unset):
        comfy_uri (str | Unset):
    """

    queue: ComfyQueue
    container: str | Unset = UNSET
    comfy_uri: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        queue = self.queue.to_dict()

        container = self.container

        comfy_uri = self.comfy_uri

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "queue": queue,
            }
        )
        if container is not UNSET:
            field_dict["container"] = container
        if comfy_uri is not UNSET:
            field_dict["comfy_uri"] = comfy_uri

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.comfy_queue import ComfyQueue

        d = dict(src_dict)
        queue = ComfyQueue.from_dict(d.pop("queue"))

        container = d.pop("container", UNSET)

        comfy_uri = d.pop("comfy_uri", UNSET)

        container_queue = cls(
            queue=queue,
            container=container,
            comfy_uri=comfy_uri,
        )

        container_queue.additional_properties = d
        return container_queue

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
