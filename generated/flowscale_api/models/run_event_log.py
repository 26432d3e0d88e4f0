from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.run_event_log_type import RunEventLogType
from ..types import UNSET, Unset

T = TypeVar("T", bound="RunEventLog")


@_attrs_define
class RunEventLog:
    """
    Attributes:
        seq (int): Equal to the frame's id.
        run_id (str):
        timestamp (datetime.datetime):
        type_ (RunEventLogType): Always `log`.
        message (str):
        level (str | Unset): debug, info, warning, error
        node_id (None | str | Unset):
    """

    seq: int
    run_id: str
    timestamp: datetime.datetime
    type_: RunEventLogType
    message: str
    level: str | Unset = UNSET
    node_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        seq = self.seq

        run_id = self.run_id

        timestamp = self.timestamp.isoformat()

        type_ = self.type_.value

        message = self.message

        level = self.level

        node_id: None | str | Unset
        if isinstance(self.node_id, Unset):
            node_id = UNSET
        else:
            node_id = self.node_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "seq": seq,
                "run_id": run_id,
                "timestamp": timestamp,
                "type": type_,
                "message": message,
            }
        )
        if level is not UNSET:
            field_dict["level"] = level
        if node_id is not UNSET:
            field_dict["node_id"] = node_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        seq = d.pop("seq")

        run_id = d.pop("run_id")

        timestamp = datetime.datetime.fromisoformat(d.pop("timestamp"))

        type_ = RunEventLogType(d.pop("type"))

        message = d.pop("message")

        level = d.pop("level", UNSET)

        def _parse_node_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        node_id = _parse_node_id(d.pop("node_id", UNSET))

        run_event_log = cls(
            seq=seq,
            run_id=run_id,
            timestamp=timestamp,
            type_=type_,
            message=message,
            level=level,
            node_id=node_id,
        )

        run_event_log.additional_properties = d
        return run_event_log

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
