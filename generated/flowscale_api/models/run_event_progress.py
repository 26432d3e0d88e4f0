from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.run_event_progress_type import RunEventProgressType
from ..types import UNSET, Unset

T = TypeVar("T", bound="RunEventProgress")


@_attrs_define
class RunEventProgress:
    """
    Attributes:
        seq (int): Equal to the frame's id.
        run_id (str):
        timestamp (datetime.datetime):
        type_ (RunEventProgressType): Always `progress`.
        node_id (str):
        value (float):
        max_ (float):
        node_type (None | str | Unset):
    """

    seq: int
    run_id: str
    timestamp: datetime.datetime
    type_: RunEventProgressType
    node_id: str
    value: float
    max_: float
    node_type: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        seq = self.seq

        run_id = self.run_id

        timestamp = self.timestamp.isoformat()

        type_ = self.type_.value

        node_id = self.node_id

        value = self.value

        max_ = self.max_

        node_type: None | str | Unset
        if isinstance(self.node_type, Unset):
            node_type = UNSET
        else:
            node_type = self.node_type

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "seq": seq,
                "run_id": run_id,
                "timestamp": timestamp,
                "type": type_,
                "node_id": node_id,
                "value": value,
                "max": max_,
            }
        )
        if node_type is not UNSET:
            field_dict["node_type"] = node_type

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        seq = d.pop("seq")

        run_id = d.pop("run_id")

        timestamp = datetime.datetime.fromisoformat(d.pop("timestamp"))

        type_ = RunEventProgressType(d.pop("type"))

        node_id = d.pop("node_id")

        value = d.pop("value")

        max_ = d.pop("max")

        def _parse_node_type(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        node_type = _parse_node_type(d.pop("node_type", UNSET))

        run_event_progress = cls(
            seq=seq,
            run_id=run_id,
            timestamp=timestamp,
            type_=type_,
            node_id=node_id,
            value=value,
            max_=max_,
            node_type=node_type,
        )

        run_event_progress.additional_properties = d
        return run_event_progress

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
