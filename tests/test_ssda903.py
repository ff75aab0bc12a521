"""SSDA903 readers: several years, restated episodes, open DECs, year-aware codes, bad rows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from kit.core.errors import KitError
from kit.region.ssda903 import (
    annotate_episodes,
    collection_year,
    outward_code,
    parse_903_dates,
    read_903_file,
    read_la_903,
)

EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    return path


@pytest.fixture
def two_years(tmp_path):
    """Child 0045123: an episode open at the end of 2024-25, restated (and closed) in 2025-26."""
    root = tmp_path / "ssda903" / "Z03"
    files = {"header": [], "episodes": [], "uasc": []}
    files["episodes"].append(
        _write(
            root / "2024-25" / "episodes.csv",
            f"""{EPISODES}
0045123,01/06/2024,S,V2,N1,U6,PR1,15/01/2025,X1,CARPL,QQ3 4AB,QQ5 1XY,SC912345
0045123,15/01/2025,P,V2,N1,K2,PR4,,,,QQ3 4AB,QQ9 2ZZ,SC954321
0077777,03/03/2025,S,C1,N4,U3,PR1,,,,qq12ab,,
,01/01/2025,S,C1,N1,U6,PR1,,,,QQ1 1AA,QQ1 1AB,
0088888,31/02/2025,S,C1,N1,U6,PR1,,,,QQ1 1AA,QQ1 1AB,
,,,,,,,,,,,,
""",
        )
    )
    files["episodes"].append(
        _write(
            root / "2025-26" / "episodes.csv",
            f"""{EPISODES}
45123,15/01/2025,P,V2,N1,K2,PR4,20/02/2025,X1,CARPL,QQ3 4AB,QQ9 2ZZ,SC954321
0045123,20/02/2025,L,C1,N1,K2,PR4,,,,QQ3 4AB,QQ9 2ZZ,SC954321
""",
        )
    )
    files["header"].append(
        _write(
            root / "2024-25" / "header.csv",
            """CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB
0045123,1,14/05/2009,WBRI,A123456789012,,
0077777,2,02/02/2020,mwbc,UN1,0,
""",
        )
    )
    files["header"].append(
        _write(
            root / "2025-26" / "header.csv",
            """CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB
0045123,M,14/05/2009,WBRI,A123456789012,,
""",
        )
    )
    files["uasc"].append(
        _write(
            root / "2025-26" / "uasc.csv",
            """CHILD,SEX,DOB,DUC
0045123,M,14/05/2009,14/05/2027
""",
        )
    )
    return files


def test_collection_year_from_folders_and_names():
    assert collection_year(Path("ssda903/Z01/2024-25/episodes.csv")) == "2024-25"
    assert collection_year(Path("903/episodes_2425.csv")) == "2024-25"
    assert collection_year(Path("903/2025/episodes.csv")) == "2024-25"  # a return year ends in March
    assert collection_year(Path("903/episodes.csv")) is None


def test_dates_postcodes_and_codes_are_read_the_903_way():
    dates = parse_903_dates(pd.Series(["01/06/2024", "2024-06-01", "31/02/2024", "", "6/1/2024"]))
    assert dates.iloc[0] == dates.iloc[1] == pd.Timestamp("2024-06-01")
    assert dates.iloc[2:4].isna().all()
    assert outward_code(pd.Series(["QK3 4AB", "qk34ab", "QK3", "", "QK1A 1AB"])).tolist() == [
        "QK3", "QK3", "QK3", pd.NA, "QK1A"
    ]  # fmt: skip


def test_restated_episodes_are_kept_once_from_the_latest_year(two_years):
    ssda = read_la_903(two_years, "Z03")
    ep = ssda.episodes
    kids = ep[ep["child_key"] == "45123"].sort_values("DECOM")
    assert len(kids) == 3  # S, P (restated in 2025-26) and L
    placement = kids.iloc[1]
    assert placement["year"] == "2025-26" and placement["DEC"] == pd.Timestamp("2025-02-20")
    assert placement["REC"] == "X1"
    last = kids.iloc[2]
    assert pd.isna(last["DEC"]) and bool(last["open"])
    s = ssda.stats
    assert s["episodes_restated"] == 1
    assert s["episodes_rows_in"] == s["episodes"] + s["episodes_restated"] + s["episodes_blank_or_rejected"]
    assert s["years"] == ["2024-25", "2025-26"]


def test_an_open_episode_of_a_child_missing_from_later_years_is_closed_and_flagged(two_years):
    ep = read_la_903(two_years, "Z03").episodes
    gone = ep[ep["child_key"] == "77777"].iloc[0]
    assert gone["DEC"] == pd.Timestamp("2025-03-31") and gone["dec_repaired"] and not gone["open"]


def test_postcodes_are_cut_to_districts_and_identifiers_not_read(two_years):
    ssda = read_la_903(two_years, "Z03")
    assert set(ssda.episodes["HOME_POST"].dropna()) == {"QQ3", "QQ1"}
    assert "QQ3 4AB" not in ssda.episodes.to_string()
    assert "UPN" not in ssda.header.columns and "MC_DOB" not in ssda.header.columns
    assert "A123456789012" not in ssda.header.to_string()


def test_bad_rows_become_findings_with_file_row_and_column(two_years):
    ssda = read_la_903(two_years, "Z03")
    f = ssda.findings
    missing = f[f["rule"] == "903_missing_child"].iloc[0]
    assert (missing["source_file"], missing["source_row"], missing["source_column"]) == (
        "2024-25/episodes.csv",
        5,
        "A",
    )
    bad = f[f["rule"] == "903_bad_date"].iloc[0]
    assert (bad["source_row"], bad["source_column"], bad["value"], bad["severity"]) == (
        6,
        "B",
        "31/02/2025",
        "error",
    )


def test_sex_is_coded_1_2_in_every_year_and_uasc_follows_duc(two_years):
    ssda = read_la_903(two_years, "Z03")
    head = ssda.header.set_index("child_key")
    assert head.loc["45123", "SEX"] == "1" and head.loc["77777", "SEX"] == "2"
    assert head.loc["77777", "ETHNIC"] == "MWBC"
    ep = annotate_episodes(ssda)
    assert ep.loc[ep["child_key"] == "45123", "uasc"].all()
    assert not ep.loc[ep["child_key"] == "77777", "uasc"].any()
    assert ep.loc[ep["child_key"] == "45123", "dob"].iloc[0] == pd.Timestamp("2009-05-14")


def test_no_903_placeholder_urn_is_missing(tmp_path):
    path = _write(
        tmp_path / "2025-26" / "episodes.csv",
        f"{EPISODES}\n1,01/01/2026,S,C1,N1,P1,PR0,,,,QQ1 1AA,,XXXXXXX\n",
    )
    frame, _, _ = read_903_file(path, "episodes")
    assert frame["URN"].isna().all()


def test_a_file_that_is_not_the_table_named_is_one_sentence(tmp_path):
    path = _write(tmp_path / "2025-26" / "episodes.csv", "CHILD,SEX,DOB\n1,1,01/01/2010\n")
    with pytest.raises(KitError, match="has no DECOM column"):
        read_903_file(path, "episodes")


def test_excel_and_windows_1252_files_are_read(tmp_path):
    frame = pd.DataFrame({"Child": ["7"], "decom": ["01/04/2025"], "RNE": ["S"], "HOME_POST": ["QQ1 1AA"]})
    xlsx = tmp_path / "2025-26" / "episodes.xlsx"
    xlsx.parent.mkdir(parents=True)
    frame.to_excel(xlsx, index=False)
    out, _, n = read_903_file(xlsx, "episodes")
    assert n == 1 and out["DECOM"].iloc[0] == pd.Timestamp("2025-04-01")
    cp = tmp_path / "2024-25" / "header.csv"
    cp.parent.mkdir(parents=True)
    cp.write_bytes(
        "CHILD,SEX,DOB,ETHNIC\n7,1,01/01/2010,WBRI\n".encode("cp1252")
        + "8,2,01/01/2011,\xa3\n".encode("cp1252")
    )
    out, _, _ = read_903_file(cp, "header")
    assert len(out) == 2
