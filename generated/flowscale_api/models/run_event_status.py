from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.run_event_status_type import RunEventStatusType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.run_error import RunError


T = TypeVar("T", bound="RunEventStatus")


@_attrs_define
class RunEventStatus:
    """
    Attributes:
        seq (int): Equal to the frame's id.
        run_id (str):
        timestamp (datetime.datetime):
        type_ (RunEventStatusType): Always `status`.
        status (str): queued, running, completed, failed, cancelled, ...
        queue_position (int | None | Unset): 0-based position among waiting runs while queued.
        error (None | RunError | Unset):
    """

    seq: int
    run_id: str
    timestamp: datetime.datetime
    type_: RunEventStatusType
    status: str
    queue_position: int | None | Unset = UNSET
    error: None | RunError | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.run_error import RunError

        seq = self.seq

        run_id = self.run_id

        timestamp = self.timestamp.isoformat()

        type_ = self.type_.value

        status = self.status

        queue_position: int | None | Unset
        if isinstance(self.queue_position, Unset):
            queue_position = UNSET
        else:
            queue_position = self.queue_position

        error: dict[str, Any] | None | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        elif isinstance(self.error, RunError):
            error = self.error.to_dict()
        else:
            error = self.error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "seq": seq,
                "run_id": run_id,
                "timestamp": timestamp,
                "type": type_,
                "status": status,
            }
        )
        if queue_position is not UNSET:
            field_dict["queue_position"] = queue_position
        if error is not UNSET:
            field_dict["error"] = error

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.run_error import RunError

        d = dict(src_dict)
        seq = d.pop("seq")

        run_id = d.pop("run_id")

        timestamp = datetime.datetime.fromisoformat(d.pop("timestamp"))

        type_ = RunEventStatusType(d.pop("type"))

        status = d.pop("status")

        def _parse_queue_position(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        queue_position = _parse_queue_position(d.pop("queue_position", UNSET))

        def _parse_error(data: object) -> None | RunError | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                error_type_0 = RunError.from_dict(data)

                return error_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RunError | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        run_event_status = cls(
            seq=seq,
            run_id=run_id,
            timestamp=timestamp,
            type_=type_,
            status=status,
            queue_position=queue_position,
            error=error,
        )

        run_event_status.additional_properties = d
        return run_event_status

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
