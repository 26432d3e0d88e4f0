from enum import StrEnum


class RunEventProgressType(StrEnum):
    PROGRESS = "progress"

    def __str__(self) -> str:
        return str(self.value)
