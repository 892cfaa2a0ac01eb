"""Bylines: who wrote an article, without roles or outlet names.

Usage::

    parse_authors("□ 平安时报记者 董文琪 全媒体记者 陈聪") == ("董文琪", "陈聪")
    split_lead("本报讯（记者李铮通讯员王飞李永）给母校…")[1] == "（记者李铮通讯员王飞李永）"

Shapes we meet: a ``□`` line near the headline, an inline lead ``湖北日报讯 （记者张三、
通讯员李四）``, a trailing ``（布琳  张伟杰）``, unspaced ``□本报记者张靖本报通讯员郜敏``,
photo credits ``文/摄``. Unspaced runs of names are split on common surnames.
"""

from __future__ import annotations

import re

# Roles and outlet prefixes; each is removed and acts as a separator between names.
_OUTLET = (
    r"(?:本报|本台|本刊|新华社|人民日报|中新社|[\u4e00-\u9fff]{2,6}?(?:日报|晚报|商报|时报|早报"
    r"|报社|电视台|融媒体中心|新闻网))?"
)
_RANK = r"(?:全媒体|全媒|融媒体|融媒|见习|特约|首席|实习|摄影|驻[\u4e00-\u9fff]{1,3})?"
_ROLE_WORDS = r"(?:记者|通讯员|评论员|实习生|编辑|特约撰稿人|撰稿人|执笔)"
_ROLE = re.compile(_OUTLET + _RANK + _ROLE_WORDS + r"|文\s*/\s*摄|文\s*/\s*图|图\s*/\s*文|摄影")
# Credits glued to a name ("程全摄"); a lone 文 or 图 is split off by spaces or "/" instead,
# since 文 also ends names (向祖文).
_CREDIT_TAIL = re.compile(
    r"(?:摄|报道|整理|整合|编译|综合|供图|制图|发自[\u4e00-\u9fff]{0,4}|[①-⑳]\d*)$"
)
_SEPARATORS = re.compile(r"[\s、，,；;|/·&＆︱｜]+|和|及|与")
# A two-character name padded to the width of three ("方  敏" beside "王乐文"): one name.
_PADDED_NAME = re.compile(
    r"(?<![\u4e00-\u9fff])([\u4e00-\u9fff])[ \u3000\u00a0]+([\u4e00-\u9fff])(?![\u4e00-\u9fff])"
)
_NAME = re.compile(r"^[\u4e00-\u9fff]{2,4}$|^[A-Za-z][A-Za-z.\- ]{1,30}$")
_EDITOR_CODE = re.compile(r"[①-⑳]\d*")
_LEAD = re.compile(
    r"^(?P<marker>本报讯|[\u4e00-\u9fff]{2,10}讯(?=[\s（(]|记者)"
    # "本报太原11月5日讯", "本报北京3月1日电": a place and a date before 讯/电.
    r"|[\u4e00-\u9fff]{2,14}?\d{1,2}月\d{1,2}日(?:讯|电)"
    r"|(?:据)?[\u4e00-\u9fff]{2,14}\d{1,2}月\d{1,2}日电)?\s*"
    r"(?P<paren>[（(][^）)]{1,60}[）)])?"
)
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞"
    "左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕"
    "屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧"
    "闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝郜楼傅晓楚"
)
_COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "长孙",
)


def _split_run(run: str) -> list[str]:
    """Split an unspaced run of names ("王飞李永") into names, preferring surname starts."""
    if len(run) <= 3 or (run.startswith(_COMPOUND_SURNAMES) and len(run) <= 4):
        return [run]
    if len(run) == 4 and run[2] not in SURNAMES:
        return [run]  # "李小飞刀" is one (pen) name; "王飞李永" is two
    best: list[str] | None = None
    best_score = -1
    for first in (2, 3):
        rest = run[first:]
        if len(rest) < 2:
            continue
        tail = _split_run(rest)
        pieces = [run[:first], *tail]
        score = sum(2 if p[0] in SURNAMES else 0 for p in pieces) - len(pieces)
        score += sum(1 for p in pieces if len(p) in (2, 3))
        if score > best_score:
            best, best_score = pieces, score
    return best or [run]


def _clean_piece(piece: str) -> str:
    piece = _EDITOR_CODE.sub("", piece).strip("（）() □■:：")
    previous = None
    while previous != piece:
        previous = piece
        piece = _CREDIT_TAIL.sub("", piece).strip()
    return piece


def parse_authors(byline: str) -> tuple[str, ...]:
    """The people named in ``byline``, in order, without duplicates, roles or outlets."""
    text = byline.strip().lstrip("□■").strip()
    text = _PADDED_NAME.sub(r"\1\2", text.strip("（）()"))
    names: list[str] = []
    for chunk in _ROLE.split(text):
        for raw_piece in _SEPARATORS.split(chunk):
            piece = _clean_piece(raw_piece)
            if not piece:
                continue
            candidates = _split_run(piece) if re.fullmatch(r"[\u4e00-\u9fff]+", piece) else [piece]
            for name in candidates:
                if _NAME.match(name) and name not in names and not _ROLE.fullmatch(name):
                    names.append(name)
    return tuple(names)


def is_byline_text(text: str) -> bool:
    """True for text that is only roles and names ("湖北日报全媒记者 左晨"), nothing else."""
    text = text.strip().lstrip("□■").strip()
    if not text or len(text) > 60 or any(ch in text for ch in "。，！？；：,"):
        return False
    if not _ROLE.search(text) and not text.endswith("摄"):
        return False
    leftover = _ROLE.sub(" ", text)
    pieces = [_clean_piece(p) for p in _SEPARATORS.split(leftover)]
    pieces = [p for p in pieces if p]
    return all(len(p) <= 9 for p in pieces)


def is_trailing_byline(text: str) -> bool:
    """True for a closing "（布琳  张伟杰）" or "（记者 张三）": names in brackets, nothing else."""
    stripped = text.strip()
    if not (stripped[:1] in "（(" and stripped[-1:] in "）)") or len(stripped) > 40:
        return False
    inner = stripped[1:-1]
    if any(ch in inner for ch in "。，！？；：,"):
        return False
    return bool(parse_authors(inner)) and (bool(_ROLE.search(inner)) or " " in inner.strip())


def split_lead(paragraph: str) -> tuple[str, str | None, str]:
    """Split a lead into (marker such as 本报讯, bracketed byline or None, the rest)."""
    match = _LEAD.match(paragraph)
    if not match or not (match.group("marker") or match.group("paren")):
        return "", None, paragraph
    paren = match.group("paren")
    if paren and not (_ROLE.search(paren) or match.group("marker")):
        return "", None, paragraph  # "（一）…" is not a byline
    if paren and not parse_authors(paren):
        paren = None
        rest = paragraph[len(match.group("marker") or "") :]
    else:
        rest = paragraph[match.end() :]
    return match.group("marker") or "", paren, rest.strip()


def is_lead(paragraph: str) -> bool:
    """True when a paragraph opens an article (本报讯, XX讯, 新华社…电, （记者…）)."""
    marker, paren, _ = split_lead(paragraph)
    return bool(marker) or paren is not None


_NAME_RUN = r"(?!责任|责编|编辑|来源)(?:[\u4e00-\u9fff][ \u3000\u00a0]+[\u4e00-\u9fff]|[\u4e00-\u9fff·]{2,4}?)(?=$|[\s、，,;；|&＆)）]|来源|编辑|责编|时间|日期|发布|通讯员|摄影)"
_FIELD_BYLINE = re.compile(
    r"(?:(?:作者|记者|撰文|文字|执笔|(?<![\u4e00-\u9fff])文)\s*[:：︱｜|/／]|记者\s+|(?:文\s*[/／]\s*图|图\s*[/／]\s*文)\s*[:：︱｜|]?)\s*"
    rf"(?P<names>{_NAME_RUN}(?:[\s、，,&＆]+{_NAME_RUN})*)"
)


def field_byline(text: str) -> str | None:
    """The names of a labelled byline field ("作者：王小明", "来源：某报 记者：张三 李四")."""
    match = _FIELD_BYLINE.search(text)
    if match is None or not parse_authors(match.group("names")):
        return None
    return match.group("names").strip()
