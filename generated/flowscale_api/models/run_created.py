from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.run_created_node_errors import RunCreatedNodeErrors


T = TypeVar("T", bound="RunCreated")


@_attrs_define
class RunCreated:
    """
    Attributes:
        run_id (str):
        workflow_id (str | Unset):
        output_names (list[str] | Unset): Older server generation only.
        number (int | Unset): Older server generation only (ComfyUI's queue number).
        node_errors (RunCreatedNodeErrors | Unset): Older server generation only (ComfyUI's node_errors).
    """

    run_id: str
    workflow_id: str | Unset = UNSET
    output_names: list[str] | Unset = UNSET
    number: int | Unset = UNSET
    node_errors: RunCreatedNodeErrors | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        run_id = self.run_id

        workflow_id = self.workflow_id

        output_names: list[str] | Unset = UNSET
        if not isinstance(self.output_names, Unset):
            output_names = self.output_names

        number = self.number

        node_errors: dict[str, Any] | Unset = UNSET
        if not isinstance(self.node_errors, Unset):
            node_errors = self.node_errors.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "run_id": run_id,
            }
        )
        if workflow_id is not UNSET:
            field_dict["workflow_id"] = workflow_id
        if output_names is not UNSET:
            field_dict["output_names"] = output_names
        if number is not UNSET:
            field_dict["number"] = number
        if node_errors is not UNSET:
            field_dict["node_errors"] = node_errors

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.run_created_node_errors import RunCreatedNodeErrors

        d = dict(src_dict)
        run_id = d.pop("run_id")

        workflow_id = d.pop("workflow_id", UNSET)

        output_names = cast(list[str], d.pop("output_names", UNSET))

        number = d.pop("number", UNSET)

        _node_errors = d.pop("node_errors", UNSET)
        node_errors: RunCreatedNodeErrors | Unset
        if isinstance(_node_errors, Unset):
            node_errors = UNSET
        else:
            node_errors = RunCreatedNodeErrors.from_dict(_node_errors)

        run_created = cls(
            run_id=run_id,
            workflow_id=workflow_id,
            output_names=output_names,
            number=number,
            node_errors=node_errors,
        )

        run_created.additional_properties = d
        return run_created

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
