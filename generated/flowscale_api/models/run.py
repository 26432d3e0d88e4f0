from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.run_error import RunError
    from ..models.run_input import RunInput
    from ..models.run_output import RunOutput


T = TypeVar("T", bound="Run")


@_attrs_define
class Run:
    """
    Attributes:
        field_id (str): The run id.
        status (str): queued, running, completed, failed, cancelled, ...; open string.
        team_id (str | Unset):
        workflow_id (str | Unset):
        group_id (None | str | Unset):
        inputs (list[RunInput] | Unset):
        output_names (list[str] | Unset): Names of the outputs the run will produce; may fill in while it runs.
        outputs (list[RunOutput] | Unset):
        created_at (datetime.datetime | None | Unset):
        started_at (datetime.datetime | None | Unset):
        completed_at (datetime.datetime | None | Unset):
        error (None | RunError | Unset):
    """

    field_id: str
    status: str
    team_id: str | Unset = UNSET
    workflow_id: str | Unset = UNSET
    group_id: None | str | Unset = UNSET
    inputs: list[RunInput] | Unset = UNSET
    output_names: list[str] | Unset = UNSET
    outputs: list[RunOutput] | Unset = UNSET
    created_at: datetime.datetime | None | Unset = UNSET
    started_at: datetime.datetime | None | Unset = UNSET
    completed_at: datetime.datetime | None | Unset = UNSET
    error: None | RunError | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.run_error import RunError

        field_id = self.field_id

        status = self.status

        team_id = self.team_id

        workflow_id = self.workflow_id

        group_id: None | str | Unset
        if isinstance(self.group_id, Unset):
            group_id = UNSET
        else:
            group_id = self.group_id

        inputs: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.inputs, Unset):
            inputs = []
            for inputs_item_data in self.inputs:
                inputs_item = inputs_item_data.to_dict()
                inputs.append(inputs_item)

        output_names: list[str] | Unset = UNSET
        if not isinstance(self.output_names, Unset):
            output_names = self.output_names

        outputs: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.outputs, Unset):
            outputs = []
            for outputs_item_data in self.outputs:
                outputs_item = outputs_item_data.to_dict()
                outputs.append(outputs_item)

        created_at: None | str | Unset
        if isinstance(self.created_at, Unset):
            created_at = UNSET
        elif isinstance(self.created_at, datetime.datetime):
            created_at = self.created_at.isoformat()
        else:
            created_at = self.created_at

        started_at: None | str | Unset
        if isinstance(self.started_at, Unset):
            started_at = UNSET
        elif isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        completed_at: None | str | Unset
        if isinstance(self.completed_at, Unset):
            completed_at = UNSET
        elif isinstance(self.completed_at, datetime.datetime):
            completed_at = self.completed_at.isoformat()
        else:
            completed_at = self.completed_at

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
                "_id": field_id,
                "status": status,
            }
        )
        if team_id is not UNSET:
            field_dict["team_id"] = team_id
        if workflow_id is not UNSET:
            field_dict["workflow_id"] = workflow_id
        if group_id is not UNSET:
            field_dict["group_id"] = group_id
        if inputs is not UNSET:
            field_dict["inputs"] = inputs
        if output_names is not UNSET:
            field_dict["output_names"] = output_names
        if outputs is not UNSET:
            field_dict["outputs"] = outputs
        if created_at is not UNSET:
            field_dict["created_at"] = created_at
        if started_at is not UNSET:
            field_dict["started_at"] = started_at
        if completed_at is not UNSET:
            field_dict["completed_at"] = completed_at
        if error is not UNSET:
            field_dict["error"] = error

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.run_error import RunError
        from ..models.run_input import RunInput
        from ..models.run_output import RunOutput

        d = dict(src_dict)
        field_id = d.pop("_id")

        status = d.pop("status")

        team_id = d.pop("team_id", UNSET)

        workflow_id = d.pop("workflow_id", UNSET)

        def _parse_group_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        group_id = _parse_group_id(d.pop("group_id", UNSET))

        _inputs = d.pop("inputs", UNSET)
        inputs: list[RunInput] | Unset = UNSET
        if _inputs is not UNSET:
            inputs = []
            for inputs_item_data in _inputs:
                inputs_item = RunInput.from_dict(inputs_item_data)

                inputs.append(inputs_item)

        output_names = cast(list[str], d.pop("output_names", UNSET))

        _outputs = d.pop("outputs", UNSET)
        outputs: list[RunOutput] | Unset = UNSET
        if _outputs is not UNSET:
            outputs = []
            for outputs_item_data in _outputs:
                outputs_item = RunOutput.from_dict(outputs_item_data)

                outputs.append(outputs_item)

        def _parse_created_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                created_at_type_0 = datetime.datetime.fromisoformat(data)

                return created_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        created_at = _parse_created_at(d.pop("created_at", UNSET))

        def _parse_started_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)

                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        started_at = _parse_started_at(d.pop("started_at", UNSET))

        def _parse_completed_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                completed_at_type_0 = datetime.datetime.fromisoformat(data)

                return completed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        completed_at = _parse_completed_at(d.pop("completed_at", UNSET))

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

        run = cls(
            field_id=field_id,
            status=status,
            team_id=team_id,
            workflow_id=workflow_id,
            group_id=group_id,
            inputs=inputs,
            output_names=output_names,
            outputs=outputs,
            created_at=created_at,
            started_at=started_at,
            completed_at=completed_at,
            error=error,
        )

        run.additional_properties = d
        return run

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
