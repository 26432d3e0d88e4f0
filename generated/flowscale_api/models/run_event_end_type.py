from enum import StrEnum


class RunEventEndType(StrEnum):
    END = "end"

    def __str__(self) -> str:
        return str(self.value)
