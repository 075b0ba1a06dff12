"""Build the gold annotation of the seed article ``corpus/gx-industry-2021.txt`` (guidelines v1.5).

The annotation is the explicit ordered list ``MENTIONS`` below: one entry per mention, located by its surface
plus optional left/right context, and (where the same context recurs) by ``occ=(k, n)``: the k-th of exactly
n matches.  Offsets are computed by searching the text; anything not found, ambiguous, out of order or
overlapping fails loudly.  ``NOT_ANNOTATED`` lists deliberate non-spans (checked to exist and to stay
uncovered), and every occurrence of an annotated surface must be annotated, lie inside another span, or be
listed there.  Project decisions are explained in ``annotations/GUIDELINES.md``.

    python scripts/annotate_seed.py [--out annotations/gx-industry-2021.jsonl] [--show]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pipeline import LABELS
from pipeline.corpus.gold import GoldDoc, write_jsonl
from pipeline.corpus.validate import check_spans

ROOT = Path(__file__).resolve().parent.parent
DOC_ID = "gx-industry-2021"
SOURCE = "corpus/gx-industry-2021.txt"
META = {
    "source": SOURCE,
    "title": "壮工业“筋骨” 挺发展“脊梁”",
    "region": "广西壮族自治区",
    "year": 2021,
    "kind": "regional-news",
    "guidelines": "v1.5",
}


class AnnotationError(ValueError):
    """An entry of the annotation list does not resolve to exactly one place in the text."""


@dataclass(frozen=True)
class Mention:
    """``surface`` with ``left``/``right`` context; ``occ=(k, n)``: the k-th of exactly n matches."""

    surface: str
    label: str = ""
    left: str = ""
    right: str = ""
    occ: tuple[int, int] | None = None
    why: str = ""

    def describe(self) -> str:
        return f"{self.left}[{self.surface}]{self.right}" + (f" occ={self.occ}" if self.occ else "")


def M(
    surface: str, label: str, left: str = "", right: str = "", occ: tuple[int, int] | None = None
) -> Mention:
    return Mention(surface, label, left, right, occ)


def NOT(
    surface: str, why: str, left: str = "", right: str = "", occ: tuple[int, int] | None = None
) -> Mention:
    return Mention(surface, "", left, right, occ, why)


# fmt: off
MENTIONS: list[Mention] = [
    # photo captions
    M("全国人大", "ORG", occ=(1, 2)),                      # 全国人大代表: 代表 is a title (rule 2, 23)
    M("柳州市委", "ORG", occ=(1, 2)),                      # 柳州市委书记 (rule 2)
    M("央视新闻", "ORG"),
    M("柳州市", "GPE", right="东风柳汽"),                  # rule 14 example
    M("东风柳汽", "ORG"),
    # body
    M("北京", "GPE", right="人民大会堂"),
    M("人民大会堂", "LOC"),
    M("广西代表团", "ORG"),
    M("全国人大", "ORG", occ=(2, 2)),
    M("柳州市委", "ORG", occ=(2, 2)),
    M("20 万辆", "QUANTITY"),                              # 突破 20 万辆: verb outside (rule 7), spaces kept (rule 26)
    M("广西", "GPE", right="工业振兴增添"),                # rule 3
    M("桂", "GPE", left="工业强", right="战略"),           # rule 12/13
    M("自治区党委", "ORG", occ=(1, 2)),                    # 自治区党委、政府 (rule 6)
    M("广西", "GPE", right="工业高质量发展迈上新台阶", occ=(1, 2)),
    M("粤桂智能家电产业集聚区", "LOC"),
    M("柳州津晶公司", "ORG"),                              # 新生产基地 outside (rule 14)
    M("津晶", "ORG", left="以", right="等龙头企业"),       # short name (rule 5)
    M("100 亿元", "MONEY", occ=(1, 2)),
    M("超 20 亿元", "MONEY"),
    M("100 亿元", "MONEY", occ=(2, 2)),
    M("柳州市柳江区工业和信息化局", "ORG"),                # rule 1
    M("广西", "GPE", left="作为", right="工业的龙头"),
    M("柳州市", "GPE", right=" 2020 年传统产业"),          # rule 2 example
    M("187.3 万辆", "QUANTITY"),
    M("柳钢", "ORG"),                                      # 柳钢本部: 本部 is a generic head
    M("1700 万吨", "QUANTITY"),
    M("柳工", "ORG"),                                      # 柳工挖掘机 (rule 14)
    M("18.7 万辆", "QUANTITY"),
    M("198.2%", "PERCENT"),
    M("柳州市工业和信息化局", "ORG"),
    M("柳州", "GPE", left="介绍", right="要培育"),
    M("两个", "QUANTITY", right="万亿级产业集群"),         # count before a scale class (rule 10)
    M("贺州市", "GPE", right="智能制造"),
    M("贺州市高新技术产业开发区", "LOC"),
    M("祥云亿航智能科技", "ORG", right="工厂"),            # company + generic facility word (rule 14)
    M("贺州市政府", "ORG"),                                # rule 20
    M("广西祥云亿航智能科技有限公司", "ORG"),
    M("贺州市", "GPE", right="亿航智能(健康)项目"),        # rule 12 example
    M("亿航", "ORG", right="智能(健康)项目"),
    M("祥云亿航", "ORG", right="就生"),
    M("4000多台", "QUANTITY"),
    M("一万台", "QUANTITY"),                               # rule 16: 一 inside a larger numeral
    M("3万台", "QUANTITY"),
    M("3个", "QUANTITY", right="城市"),                    # rule 8 example
    M("祥云亿航", "ORG", right="决定"),
    M("贺州", "GPE", left="落户", right="，航站楼"),
    M("亿航", "ORG", right="智能自动驾驶飞行器技术"),      # maker before a product/technology noun (rule 14)
    M("贺州", "GPE", right="旅游资源"),
    M("贺州", "GPE", left="从", right="辐射"),
    M("广西玉柴集团", "ORG"),
    M("约370辆", "QUANTITY"),
    M("玉柴", "ORG", right="发动机"),                      # rule 14 example
    M("90%以上", "PERCENT"),
    M("玉柴", "ORG", right="的销售"),
    M("玉柴", "ORG", right="仍创造"),
    M("450亿元", "MONEY"),
    M("近10%", "PERCENT"),
    M("玉林市", "GPE", right="坚持"),
    M("三个", "QUANTITY", right="千亿级临港产业链"),       # rule 10
    M("粤港澳大湾区", "LOC"),
    M("世界银行", "ORG"),
    M("三项", "QUANTITY", right="机制"),                   # count outside the quoted names (ruling on slogans)
    M("30条", "QUANTITY"),                                 # rule 8 example
    M("大湾区", "LOC", left="打造与"),                     # short form of 粤港澳大湾区
    M("玉林市委", "ORG"),
    M("11.4%", "PERCENT"),
    M("19.7%", "PERCENT"),
    M("133家", "QUANTITY"),
    M("玉林市", "GPE", right="工业发展路径"),
    M("桂", "GPE", left="“工业强", right="”的嘹亮号角"),
    M("广西", "GPE", left="“", right="制造”"),             # rule 3 example
    M("10个", "QUANTITY"),                                 # rule 10 example
    M("2个", "QUANTITY"),
    M("超2000亿元", "MONEY"),                              # an amount reached, not a class threshold
    M("8个", "QUANTITY"),
    M("超1000亿元", "MONEY"),
    M("北海市", "GPE"),
    M("江西省", "GPE"),
    M("贵港市", "GPE"),
    M("两张", "QUANTITY"),                                 # rule 16: figurative count 两张牌
    M("800多个", "QUANTITY"),
    M("约84亿元", "MONEY"),
    M("526家", "QUANTITY"),
    M("827家", "QUANTITY"),
    M("崇左市", "GPE"),
    M("南国铜业", "ORG", occ=(1, 2)),
    M("南国铜业", "ORG", occ=(2, 2)),
    M("118亿元", "MONEY"),
    M("川\n\n恒集团", "ORG"),                               # name broken by a layout line break (rule 26)
    M("广西", "GPE", right="现代化进程"),
    M("自治区党委", "ORG", occ=(2, 2)),
    M("自治区人大常委会", "ORG"),                          # rule 23: level + body
    M("自治区工业和信息化厅", "ORG", occ=(1, 2)),
    M("桂", "GPE", left="做好“工业强"),
    M("20%", "PERCENT"),
    M("8%以上", "PERCENT"),
    M("广西", "GPE", right="工业高质量发展迈上新台阶", occ=(2, 2)),
    M("自治区工业和信息化厅", "ORG", occ=(2, 2)),
    M("桂", "GPE", left="阐述了“工业强"),
    M("五项", "QUANTITY"),                                 # spec example
]

NOT_ANNOTATED: list[Mention] = [
    NOT("五菱宏光 MINIEV", "product name (rule 14)"),
    NOT("螺蛳粉", "product (out of scope)"),
    NOT("五菱宏光 MNEV", "product name (rule 14)", occ=(1, 2)),
    NOT("五菱宏光 MNEV", "product name (rule 14)", occ=(2, 2)),
    NOT("两会", "event (out of scope)", left="上", right="，向总理"),
    NOT("全国两会", "event (out of scope)", left="深入学习贯彻落实"),
    NOT("全国两会", "event (out of scope)", left="3月6日，"),
    NOT("200 天", "time (rule 11)"),
    NOT("自治区两会", "event; bare 自治区 is not annotated (rule 4)"),
    NOT("政府", "bare 政府 (rule 6)", left="自治区党委、"),
    NOT("全区推进工业振兴大会", "event", occ=(1, 3)),
    NOT("10 秒钟", "time (rule 11)"),
    NOT("2021 年", "date"),
    NOT("千亿产业", "scale class (rule 10)", left="打造成"),
    NOT("万亿级", "scale class (rule 10)"),
    NOT("铜循环经济产业园", "descriptive facility phrase (rule 14)"),
    NOT("几个月", "time (rule 11)"),
    NOT("亿航", "inside the model name 亿航ED3.1 (rule 14)", right="**ED3.1**"),
    NOT("两个多月", "time (rule 11)"),
    NOT("全国两会", "event", left="在今年的"),
    NOT("第18次", "ordinal"),
    NOT("四大", "numeral + 大 (rule 16)", right="千亿产业"),
    NOT("一个", "article-like 一 (rule 16)", right="生动实践"),
    NOT("全区工业高质量发展大会", "event"),
    NOT("近三年", "time (rule 11)", left="经过"),
    NOT("全国前五", "ranking without a measure word"),
    NOT("七大", "numeral + 大 (rule 16)"),
    NOT("《产业树全景图》", "document title"),
    NOT("六大", "numeral + 大 (rule 16)"),
    NOT("全市第一家", "ordinal"),
    NOT("超百亿元", "scale class in 超百亿元工业企业 (rule 10, class thresholds)"),
    NOT("三年行动", "programme name with a duration", left="推进工业振兴", right="，抓项目"),
    NOT("四大行动", "numeral + 大 (rule 16)"),
    NOT("两大", "numeral + 大 (rule 16)", right="平台"),
    NOT("一张", "article-like 一 (rule 16)"),
    NOT("第一", "ordinal", right="，坚持"),
]
# fmt: on


def _matches(text: str, m: Mention) -> list[int]:
    """Start offsets of ``m.surface`` wherever its left and right contexts also match."""
    found: list[int] = []
    pos = text.find(m.surface)
    while pos != -1:
        end = pos + len(m.surface)
        if text[max(0, pos - len(m.left)) : pos] == m.left and text[end : end + len(m.right)] == m.right:
            found.append(pos)
        pos = text.find(m.surface, pos + 1)
    return found


def locate(text: str, m: Mention) -> tuple[int, int]:
    """The (start, end) of one entry; raise :class:`AnnotationError` unless it resolves to exactly one place."""
    found = _matches(text, m)
    if not found:
        raise AnnotationError(f"{m.describe()}: not found in the text")
    if m.occ is None:
        if len(found) > 1:
            raise AnnotationError(f"{m.describe()}: ambiguous, {len(found)} matches at {found}")
        start = found[0]
    else:
        k, n = m.occ
        if len(found) != n or not 1 <= k <= n:
            raise AnnotationError(f"{m.describe()}: expected {n} matches, found {len(found)} at {found}")
        start = found[k - 1]
    return start, start + len(m.surface)


def build_spans(text: str) -> list[tuple[int, int, str]]:
    """Resolve ``MENTIONS`` to spans and run every consistency check; raise on the first problem."""
    spans: list[tuple[int, int, str]] = []
    for m in MENTIONS:
        if m.label not in LABELS:
            raise AnnotationError(f"{m.describe()}: unknown label {m.label!r}")
        start, end = locate(text, m)
        if spans and start < spans[-1][1]:
            prev = spans[-1]
            raise AnnotationError(
                f"{m.describe()} at {start} is out of order or overlaps {text[prev[0] : prev[1]]!r} at {prev[0]}"
            )
        spans.append((start, end, m.label))
    problems = check_spans(text, spans)
    if problems:
        raise AnnotationError("; ".join(problems))
    excluded = []
    for m in NOT_ANNOTATED:
        start, end = locate(text, m)
        hit = [s for s in spans if s[0] < end and start < s[1]]
        if hit:
            raise AnnotationError(f"non-span {m.describe()} ({m.why}) overlaps span {hit}")
        excluded.append((start, end))
    _check_coverage(text, spans, excluded)
    return spans


def _check_coverage(text: str, spans: list[tuple[int, int, str]], excluded: list[tuple[int, int]]) -> None:
    """Every occurrence of an annotated surface is a span, inside a span, or a listed non-span."""
    for surface in sorted({text[s:e] for s, e, _ in spans}):
        pos = text.find(surface)
        while pos != -1:
            end = pos + len(surface)
            inside = any(s <= pos and end <= e for s, e, _ in spans)
            declared = any(s <= pos and end <= e for s, e in excluded)
            if not inside and not declared:
                raise AnnotationError(
                    f"occurrence of {surface!r} at {pos} ({text[max(0, pos - 8) : end + 8]!r}) is neither "
                    "annotated, inside a span, nor listed in NOT_ANNOTATED"
                )
            pos = text.find(surface, pos + 1)


def build_doc(text_path: Path) -> GoldDoc:
    text = text_path.read_text(encoding="utf-8")
    return GoldDoc(id=DOC_ID, text=text, spans=build_spans(text), meta=dict(META))


def show(doc: GoldDoc, width: int = 10) -> None:
    """Print every span with ``width`` characters of context, then the counts per label."""
    for start, end, label in doc.spans:
        left = doc.text[max(0, start - width) : start].replace("\n", "⏎")
        right = doc.text[end : end + width].replace("\n", "⏎")
        surface = doc.text[start:end].replace("\n", "⏎")
        print(f"{start:5d} {end:5d} {label:9s} {left:>{width}}【{surface}】{right}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text", type=Path, default=ROOT / SOURCE, help="the seed article (UTF-8 text)")
    parser.add_argument("--out", type=Path, default=ROOT / "annotations" / f"{DOC_ID}.jsonl")
    parser.add_argument("--show", action="store_true", help="print every span with 10 characters of context")
    args = parser.parse_args(argv)
    try:
        doc = build_doc(args.text)
    except (AnnotationError, OSError) as exc:
        print(f"{args.text}: {exc}", file=sys.stderr)
        return 1
    write_jsonl([doc], args.out)
    if args.show:
        show(doc)
    counts = Counter(label for _, _, label in doc.spans)
    summary = " ".join(f"{lab}={counts.get(lab, 0)}" for lab in LABELS)
    print(f"wrote {args.out}: {len(doc.spans)} spans ({summary})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
