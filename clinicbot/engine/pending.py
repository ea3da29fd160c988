"""What a pending question waits for: the yes/no's meaning and the waiting-list wish.

Both are small frozen values kept in the dialogue's context (:class:`~clinicbot.engine.state.Context`)
and stored as the plain JSON objects they always were.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class YesMeans:
    """What a plain "sim" answers when the assistant asked a yes/no while collecting.

    An empty instance is a yes/no question with nothing to accept (it still differs from
    no question at all, which is ``None``).
    """

    insurance: str = ""
    doctor: str = ""
    waitlist: bool = False

    def __bool__(self) -> bool:
        return bool(self.insurance or self.doctor or self.waitlist)

    def to_dict(self) -> dict[str, Any]:
        """Only the keys that are set, as stored before this type existed."""
        return {f.name: v for f in dataclasses.fields(self) if (v := getattr(self, f.name))}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> YesMeans:
        """Read a stored ``yes_means`` object."""
        return cls(
            insurance=str(data.get("insurance") or ""),
            doctor=str(data.get("doctor") or ""),
            waitlist=bool(data.get("waitlist")),
        )


@dataclass(frozen=True)
class WaitlistWish:
    """The day (and period) the patient may wait for, offered beside the alternatives.

    ``offered``/``option``: the slot keys shown and the number of the waiting-list choice
    among them (``None`` when the list was offered as a plain yes/no).
    """

    date: str  # ISO date
    period: str = ""
    offered: tuple[str, ...] | None = None
    option: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The stored shape (``offered``/``option`` only when set)."""
        data: dict[str, Any] = {"date": self.date, "period": self.period}
        if self.offered is not None:
            data["offered"] = list(self.offered)
        if self.option is not None:
            data["option"] = self.option
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WaitlistWish:
        """Read a stored ``waitlist_wish`` object."""
        offered = data.get("offered")
        option = data.get("option")
        return cls(
            date=str(data.get("date") or ""),
            period=str(data.get("period") or ""),
            offered=tuple(str(k) for k in offered) if isinstance(offered, list) else None,
            option=int(option) if isinstance(option, int) else None,
        )
