"""Issue 15, finding 8: a directive dated after the build's date is not in force before that date
(unless the department writes `apply_early: true`), and `check` and `build` say so."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from campaign_kit import cli
from campaign_kit.errors import KitError
from campaign_kit.materials import BUILD_DATE, load_project

LETTER = "directives/2026-12-20-999-btttt-thh.md"
FRONT = """---
number: "999/BTTTT-THH"
date: {date}
issuer: Bộ Thông tin và Truyền thông
issuer_short: Bộ TTTT
scope: {scope}
title: "V/v thay đổi đường dây nóng"
{extra}settings:
  hotline: "1900 1234"
---
Đường dây nóng mới từ ngày 20/12/2026.
"""
DEFAULT_HOTLINE = "1900 9095"
"""campaign.yml's: no bundled letter sets the hotline."""
WAITS = "write apply_early: true to apply it now"


def write_letter(materials: Path, date: str = "2026-12-20", scope: str = "national", extra: str = "") -> None:
    (materials / LETTER).write_text(FRONT.format(date=date, scope=scope, extra=extra), encoding="utf-8")


# (front matter, build's date, hotline in force, notices)
CASES = [
    ({}, dt.date(2026, 12, 1), DEFAULT_HOTLINE,
     [f"line 3, date: dated 2026-12-20: not applied before that date (the build's date is 2026-12-01; {WAITS})"]),
    ({}, dt.date(2026, 12, 19), DEFAULT_HOTLINE,
     [f"line 3, date: dated 2026-12-20: not applied before that date (the build's date is 2026-12-19; {WAITS})"]),
    ({}, dt.date(2026, 12, 20), "1900 1234", []),
    ({}, dt.date(2027, 3, 1), "1900 1234", []),
    # The department applies it before its date.
    ({"extra": "apply_early: true\n"}, dt.date(2026, 12, 1), "1900 1234", []),
    # Dated only by month: it may be of the 1st, so it waits only for the month to begin.
    ({"date": "2026-12"}, dt.date(2026, 11, 30), DEFAULT_HOTLINE,
     [f"line 3, date: dated 2026-12: not applied before 2026-12-01 (the build's date is 2026-11-30; {WAITS})"]),
    ({"date": "2026-12"}, dt.date(2026, 12, 1), "1900 1234", []),
    # Not in force anyway: nothing to wait for, nothing said.
    ({"extra": "in_force: false\n"}, dt.date(2026, 12, 1), DEFAULT_HOTLINE, []),
]


@pytest.mark.parametrize("front, today, hotline, notices", CASES)
def test_a_letter_dated_after_the_build_waits_for_its_date(materials: Path, front: dict[str, str], today: dt.date,
                                                           hotline: str, notices: list[str]) -> None:
    write_letter(materials, **front)
    project = load_project(materials, today=today)
    letter = next(d for d in project.directives if d.number == "999/BTTTT-THH")
    assert project.as_of == today
    assert project.settings.hotline == hotline
    assert [str(n) for n in project.notices] == [f"materials/{LETTER}, {n}" for n in notices]
    assert letter.deferred == bool(notices) and letter.in_force == (hotline != DEFAULT_HOTLINE)
    # What items cite follows: a waiting letter is named by nothing.
    cited = project.cite({"hotline"})
    assert (cited is letter) == letter.in_force


def test_a_waiting_letter_is_said_by_the_kit_it_would_govern_only(materials: Path) -> None:
    write_letter(materials, scope="Bình Phước")
    other = load_project(materials, today=dt.date(2026, 12, 1))  # Lạng Sơn's kit
    assert other.notices == () and LETTER not in {d.file.removeprefix("materials/") for d in other.directives}
    project = load_project(materials, kit="binh-phuoc", today=dt.date(2026, 12, 1))
    assert [str(n) for n in project.notices] == [
        f"materials/{LETTER}, line 3, date: dated 2026-12-20: not applied before that date "
        f"(the build's date is 2026-12-01; {WAITS})"]
    assert project.settings.hotline == DEFAULT_HOTLINE


def test_the_build_date_comes_from_the_environment(materials: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """CAMPAIGN_KIT_DATE sets the build's date (reproducible rebuilds, previews); `check` says
    what waits, and still says OK."""
    write_letter(materials)
    monkeypatch.setenv(BUILD_DATE, "2026-12-01")
    assert load_project(materials).settings.hotline == DEFAULT_HOTLINE
    assert cli.main(["check", "--materials", str(materials)]) == 0
    out, err = capsys.readouterr()
    assert f"{LETTER}, line 3, date: dated 2026-12-20: not applied before that date " \
           f"(the build's date is 2026-12-01; {WAITS})\n" in err
    assert out.startswith("OK: kit lang-son")
    monkeypatch.setenv(BUILD_DATE, "2026-12-20")
    assert load_project(materials).settings.hotline == "1900 1234"


@pytest.mark.parametrize("value, expected", [
    ("20/12/2026", "CAMPAIGN_KIT_DATE='20/12/2026' is not a date: write YYYY-MM-DD"),
    ("2026-13-01", "CAMPAIGN_KIT_DATE='2026-13-01' is not a date: write YYYY-MM-DD"),
    ("2026-12-01\x1b[2J", "CAMPAIGN_KIT_DATE='2026-12-01\\u001b[2J' is not a date: write YYYY-MM-DD"),
])
def test_a_build_date_that_is_no_date_is_one_line(materials: Path, monkeypatch: pytest.MonkeyPatch, value: str,
                                                  expected: str) -> None:
    monkeypatch.setenv(BUILD_DATE, value)
    with pytest.raises(KitError) as info:
        load_project(materials)
    assert str(info.value) == expected


def test_a_waiting_letter_applies_on_its_day_without_any_other_change(small_materials: Path,
                                                                      tmp_path: Path) -> None:
    """A build that left a letter waiting is up to date only until the letter's date: the first
    build on that day applies it (even though no file changed), and replayed stages follow."""
    from campaign_kit.pipeline import Options, build

    write_letter(small_materials)
    out = tmp_path / "site"

    def press(date: dt.date) -> tuple[bool, str]:
        report = build(small_materials, out, Options(only=("messages",), date=date))
        return report.up_to_date, (out / "downloads/messages/vi/press.txt").read_text(encoding="utf-8")

    before = press(dt.date(2026, 12, 1))
    assert not before[0] and DEFAULT_HOTLINE in before[1] and "1900 1234" not in before[1]
    assert press(dt.date(2026, 12, 19)) == (True, before[1])  # still waiting: nothing to do
    up_to_date, text = press(dt.date(2026, 12, 20))
    assert not up_to_date and "1900 1234" in text
    assert press(dt.date(2026, 12, 21)) == (True, text)
