from enum import StrEnum


class RunEventOutputType(StrEnum):
    OUTPUT = "output"

    def __str__(self) -> str:
        return str(self.value)
