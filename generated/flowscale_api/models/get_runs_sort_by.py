from enum import StrEnum


class GetRunsSortBy(StrEnum):
    COMPLETED_AT = "completed_at"
    CREATED_AT = "created_at"
    STARTED_AT = "started_at"

    def __str__(self) -> str:
        return str(self.value)
