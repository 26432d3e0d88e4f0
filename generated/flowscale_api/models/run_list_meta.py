from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="RunListMeta")


@_attrs_define
class RunListMeta:
    """
    Attributes:
        sort_by (str | Unset):
        sort_order (str | Unset):
        page (int | Unset):
        page_size (int | Unset):
        group_id (None | str | Unset):
        total_count (int | Unset):
        total_pages (int | Unset):
    """

    sort_by: str | Unset = UNSET
    sort_order: str | Unset = UNSET
    page: int | Unset = UNSET
    page_size: int | Unset = UNSET
    group_id: None | str | Unset = UNSET
    total_count: int | Unset = UNSET
    total_pages: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        sort_by = self.sort_by

        sort_order = self.sort_order

        page = self.page

        page_size = self.page_size

        group_id: None | str | Unset
        if isinstance(self.group_id, Unset):
            group_id = UNSET
        else:
            group_id = self.group_id

        total_count = self.total_count

        total_pages = self.total_pages

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if sort_by is not UNSET:
            field_dict["sort_by"] = sort_by
        if sort_order is not UNSET:
            field_dict["sort_order"] = sort_order
        if page is not UNSET:
            field_dict["page"] = page
        if page_size is not UNSET:
            field_dict["page_size"] = page_size
        if group_id is not UNSET:
            field_dict["group_id"] = group_id
        if total_count is not UNSET:
            field_dict["total_count"] = total_count
        if total_pages is not UNSET:
            field_dict["total_pages"] = total_pages

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        sort_by = d.pop("sort_by", UNSET)

        sort_order = d.pop("sort_order", UNSET)

        page = d.pop("page", UNSET)

        page_size = d.pop("page_size", UNSET)

        def _parse_group_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        group_id = _parse_group_id(d.pop("group_id", UNSET))

        total_count = d.pop("total_count", UNSET)

        total_pages = d.pop("total_pages", UNSET)

        run_list_meta = cls(
            sort_by=sort_by,
            sort_order=sort_order,
            page=page,
            page_size=page_size,
            group_id=group_id,
            total_count=total_count,
            total_pages=total_pages,
        )

        run_list_meta.additional_properties = d
        return run_list_meta

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
