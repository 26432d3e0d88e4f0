from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types
from ..types import File

T = TypeVar("T", bound="WorkflowInputsMultipart")


@_attrs_define
class WorkflowInputsMultipart:
    """The workflow's input fields: a text value (numbers and booleans as text) is a plain
    field, a file is a file part with a file name and a content type.

    """

    additional_properties: dict[str, File | str] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:

        field_dict: dict[str, Any] = {}
        for prop_name, prop in self.additional_properties.items():
            if isinstance(prop, File):
                field_dict[prop_name] = prop.to_tuple()

            else:
                field_dict[prop_name] = prop

        return field_dict

    def to_multipart(self) -> types.RequestFiles:
        files: types.RequestFiles = []

        for prop_name, prop in self.additional_properties.items():
            if isinstance(prop, File):
                files.append((prop_name, prop.to_tuple()))
            else:
                files.append((prop_name, (None, str(prop).encode(), "text/plain")))

        return files

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        workflow_inputs_multipart = cls()

        additional_properties = {}
        for prop_name, prop_dict in d.items():

            def _parse_additional_property(data: object) -> File | str:
                try:
                    if not isinstance(data, bytes):
                        raise TypeError()
                    additional_property_type_0 = File(payload=BytesIO(data))

                    return additional_property_type_0
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                return cast(File | str, data)

            additional_property = _parse_additional_property(prop_dict)

            additional_properties[prop_name] = additional_property

        workflow_inputs_multipart.additional_properties = additional_properties
        return workflow_inputs_multipart

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> File | str:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: File | str) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
