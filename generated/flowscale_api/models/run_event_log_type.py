from enum import StrEnum


class RunEventLogType(StrEnum):
    LOG = "log"

    def __str__(self) -> str:
        return str(self.value)
