from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.run_event_output_type import RunEventOutputType
from ..types import UNSET, Unset

T = TypeVar("T", bound="RunEventOutput")


@_attrs_define
class RunEventOutput:
    """
    Attributes:
        seq (int): Equal to the frame's id.
        run_id (str):
        timestamp (datetime.datetime):
        type_ (RunEventOutputType): Always `output`.
        filename (str): The output's file name.
        download_url (None | str | Unset):
        file_content (None | str | Unset):
        generation_status (str | Unset): success, in_progress, failed, ...; open string.
        content_type (None | str | Unset):
        size (int | None | Unset): Size of the file behind download_url in bytes, when known.
    """

    seq: int
    run_id: str
    timestamp: datetime.datetime
    type_: RunEventOutputType
    filename: str
    download_url: None | str | Unset = UNSET
    file_content: None | str | Unset = UNSET
    generation_status: str | Unset = UNSET
    content_type: None | str | Unset = UNSET
    size: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        seq = self.seq

        run_id = self.run_id

        timestamp = self.timestamp.isoformat()

        type_ = self.type_.value

        filename = self.filename

        download_url: None | str | Unset
        if isinstance(self.download_url, Unset):
            download_url = UNSET
        else:
            download_url = self.download_url

        file_content: None | str | Unset
        if isinstance(self.file_content, Unset):
            file_content = UNSET
        else:
            file_content = self.file_content

        generation_status = self.generation_status

        content_type: None | str | Unset
        if isinstance(self.content_type, Unset):
            content_type = UNSET
        else:
            content_type = self.content_type

        size: int | None | Unset
        if isinstance(self.size, Unset):
            size = UNSET
        else:
            size = self.size

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "seq": seq,
                "run_id": run_id,
                "timestamp": timestamp,
                "type": type_,
                "filename": filename,
            }
        )
        if download_url is not UNSET:
            field_dict["download_url"] = download_url
        if file_content is not UNSET:
            field_dict["file_content"] = file_content
        if generation_status is not UNSET:
            field_dict["generation_status"] = generation_status
        if content_type is not UNSET:
            field_dict["content_type"] = content_type
        if size is not UNSET:
            field_dict["size"] = size

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        seq = d.pop("seq")

        run_id = d.pop("run_id")

        timestamp = datetime.datetime.fromisoformat(d.pop("timestamp"))

        type_ = RunEventOutputType(d.pop("type"))

        filename = d.pop("filename")

        def _parse_download_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        download_url = _parse_download_url(d.pop("download_url", UNSET))

        def _parse_file_content(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        file_content = _parse_file_content(d.pop("file_content", UNSET))

        generation_status = d.pop("generation_status", UNSET)

        def _parse_content_type(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        content_type = _parse_content_type(d.pop("content_type", UNSET))

        def _parse_size(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        size = _parse_size(d.pop("size", UNSET))

        run_event_output = cls(
            seq=seq,
            run_id=run_id,
            timestamp=timestamp,
            type_=type_,
            filename=filename,
            download_url=download_url,
            file_content=file_content,
            generation_status=generation_status,
            content_type=content_type,
            size=size,
        )

        run_event_output.additional_properties = d
        return run_event_output

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
