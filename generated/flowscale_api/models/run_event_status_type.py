from enum import StrEnum


class RunEventStatusType(StrEnum):
    STATUS = "status"

    def __str__(self) -> str:
        return str(self.value)
