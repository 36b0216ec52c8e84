"""Made-up Chinese request texts for the demo work orders: a few templates per category family,
filled with the subclass name, one of its keywords and a generated place.

Every text is written for the demo; none is taken from real requests or from evaluation data.
"""

from __future__ import annotations

import random

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国海燕志红"
_STREETS = [
    "工农路",
    "人民中路",
    "青年西路",
    "濠河路",
    "崇川路",
    "世纪大道",
    "长江中路",
    "通富路",
    "星湖大道",
    "钟秀路",
    "城山路",
    "永兴大道",
    "园林路",
    "文峰路",
    "桃坞路",
    "跃龙路",
    "南大街",
    "北大街",
    "姚港路",
    "任港路",
]
_ESTATES = [
    "文峰花园",
    "紫琅苑",
    "濠东新村",
    "和平新村",
    "永兴佳苑",
    "城港小区",
    "虹桥新村",
    "天安花园",
    "星光域",
    "钟秀新村",
    "五一新村",
    "观音山花苑",
    "八里庙小区",
    "新城桥小区",
    "十里坊小区",
    "景瑞望府",
]
_LANDMARKS = [
    "菜市场",
    "小学",
    "公交站",
    "公园",
    "超市",
    "社区卫生服务站",
    "幼儿园",
    "商业街",
    "地铁站",
    "医院",
]


def person_name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choices(_GIVEN, k=rng.choice((1, 2))))


def mobile(rng: random.Random) -> str:
    return f"1{rng.choice('35789')}{rng.randrange(10**9):09d}"


def place(rng: random.Random) -> str:
    """A street, an estate or a landmark, as a citizen would name it."""
    street = rng.choice(_STREETS)
    kind = rng.randrange(3)
    if kind == 0:
        return f"{rng.choice(_ESTATES)}{rng.randint(1, 40)}幢"
    if kind == 1:
        return f"{street}{rng.randint(1, 300)}号"
    return f"{street}{rng.choice(_LANDMARKS)}"


# Family templates, by top-level category code. {p} place, {n} number, {name} subclass name,
# {kw} one of its keywords, {d} days.
_FAMILY: dict[str, list[str]] = {
    "E01": [
        "{p}门口的{kw}已经堆了{d}天没人清理，气味很大，请尽快处理。",
        "{p}附近{name}问题反复出现，晚上尤其严重，希望环卫部门加强保洁。",
        "路过{p}时看到{kw}，影响市容，麻烦派人来看一下。",
    ],
    "E02": [
        "{p}墙面和电线杆上贴满了{kw}，清理后没几天又贴上了，请查处。",
        "{p}有人在路口{kw}，影响行人通行，希望管一管。",
    ],
    "E03": [
        "{p}的工地晚上十点以后还在施工，{kw}严重影响休息，已经持续{d}天了。",
        "{p}旁边工地{kw}，车辆经过灰很大，请督促文明施工。",
    ],
    "E04": [
        "{p}长期有{kw}，占用人行道，行人只能走机动车道，很危险。",
        "每天傍晚{p}都有{name}现象，附近居民意见很大，请城管来处理。",
        "{p}{kw}问题一直没解决，投诉过{n}次了，希望这次能彻底整治。",
    ],
    "E05": [
        "{p}发生{kw}，现场情况比较危险，请相关部门马上到场处置。",
        "刚才{p}出现{name}，已经有车辆和行人受影响，请尽快派人。",
    ],
    "E06": [
        "{p}存在{kw}问题，担心有安全隐患，请相关部门检查。",
        "{p}的{name}情况比较严重，希望社区和有关部门一起处理。",
    ],
    "C01": [
        "{p}的{name}损坏了，晚上看不清容易出事，请尽快维修。",
        "{p}路边{kw}松动缺失，已经有人差点摔倒，麻烦派人更换。",
    ],
    "C02": [
        "{p}的{name}坏了{d}天了，影响通行，请维修。",
        "{p}{kw}破损严重，老人和小孩走路不安全，希望尽快修复。",
    ],
    "C03": [
        "{p}的{name}损坏，使用不便，请安排维修。",
        "{p}{kw}长期没人维护，又脏又破，请管理单位处理。",
    ],
    "C04": [
        "{p}的{name}有损坏，{kw}需要修剪或更换，请园林部门处理。",
        "台风过后{p}的{kw}歪倒了，存在安全隐患。",
    ],
    "C05": [
        "{p}的{name}破损，存在安全隐患，请有关单位排查。",
    ],
    "C06": [
        "{p}的{name}出现故障，已经{d}天没人来修。",
        "{p}附近{kw}损坏，请相关部门尽快修复。",
    ],
    "H01": [
        "我住在{p}，小区{kw}问题一直得不到解决，物业推诿，请住建部门协调。",
        "想咨询一下{name}方面的政策，{kw}需要准备哪些材料，在哪里办理？",
    ],
    "H02": [
        "{p}附近的{kw}很严重，尤其是晚上，影响周边居民生活，请环保部门检查。",
        "{p}一家店铺{name}问题突出，邻居们多次反映没有改善。",
    ],
    "H03": [
        "建议调整{p}附近的{kw}，早晚高峰等车时间太长。",
        "{p}一带{name}问题比较突出，希望交通部门加强管理。",
    ],
    "H04": [
        "孩子明年上学，想咨询{kw}的具体政策，{p}属于哪个学区？",
        "反映{p}附近一家机构{name}问题，收费不透明，请教育部门核查。",
    ],
    "H05": [
        "反映{p}附近一家单位在{name}方面损害职工权益，希望人社部门调查处理。",
        "咨询{name}的办理流程，需要带什么材料，能否网上办理？",
    ],
    "H06": [
        "在{p}一家店办了{kw}，现在店铺关门联系不上老板，卡里还有{m}元，请帮忙维权。",
        "{p}的{name}存在欺诈消费者的情况，请相关部门调查。",
    ],
    "H07": [
        "在{p}附近医院就诊时遇到{kw}问题，希望卫健部门调查处理。",
        "咨询{name}相关事宜，社区卫生服务站的{kw}时间是怎样安排的？",
    ],
    "H08": [
        "{p}从今天早上开始{kw}，一直没有通知，家里老人孩子生活不便，请尽快恢复。",
        "{p}{name}问题已经持续{d}天，请供水、供电或燃气单位派人检修。",
        "闻到{p}楼道里有{kw}的味道，担心有危险，请马上派人检查。",
    ],
    "H09": [
        "在{p}一家超市买到过期食品，商家拒绝退换，请市场监管部门处理。",
        "{p}有商户{kw}，价格明显不合理，请查处。",
    ],
    "H10": [
        "{p}附近{kw}问题，晚上经常有人聚集喧哗，影响休息。",
        "发现{p}存在{name}情况，希望有关部门尽快排查。",
    ],
    "H11": [
        "家里老人行动不便，想咨询{p}附近{kw}的申请条件和流程。",
        "我想了解{name}方面的政策，需要到哪里办理？",
    ],
    "H12": [
        "村里{kw}问题存在纠纷，希望农业农村部门帮忙调解。",
        "咨询今年{name}的发放标准和时间。",
    ],
    "H13": [
        "咨询{kw}相关政策，网上办理时一直提示材料不全，请问该怎么处理？",
        "想了解{name}的最新规定，去哪个窗口办理？",
    ],
    "H14": [
        "{p}一带{kw}信号很差，打电话经常断线，请运营商改善。",
        "{p}附近{name}网点服务态度差，快递丢失无人处理。",
    ],
}
# Subclasses whose requests read differently from the rest of their family.
_SUBCLASS: dict[str, list[str]] = {
    "欠薪": [
        "我在{p}附近一家公司打工，老板拖欠{n}个月工资共{m}元，多次讨要无果，请求帮助。",
        "{p}的工地拖欠我们{n}个工人的工资，包工头联系不上，请劳动监察部门处理。",
    ],
    "社保缴纳": [
        "单位一直没有给我缴纳社保，入职已经{n}个月了，我该怎么维权？",
        "咨询灵活就业人员社保缴纳的标准和办理渠道。",
    ],
    "停水": [
        "{p}从今天早上开始停水，一直没有通知，家里老人孩子生活不便，请尽快恢复供水。",
    ],
    "燃气泄漏": [
        "闻到{p}楼道里有很重的燃气味道，担心有危险，请马上派人检查。",
    ],
    "物业管理": [
        "我住在{p}，物业公司长期不作为，电梯坏了{d}天没人修，请住建部门督促。",
    ],
}
_GENERIC = [
    "{p}存在{name}问题，希望有关部门尽快处理。",
    "反映{p}的{kw}情况，已经有一段时间了，请相关单位核实。",
]
# Openings and endings by request type, so praise and suggestions do not read like complaints.
_PREFIX = {
    "consultation": ["您好，", "请问一下，", ""],
    "help": ["求助：", "麻烦帮帮忙，", ""],
    "complaint": ["投诉：", "我要投诉，", ""],
    "report": ["举报：", "实名举报，", ""],
    "suggestion": ["建议：", "提个建议，", ""],
    "praise": ["表扬：", ""],
}
_PRAISE = "前几天反映的{p}{name}问题，处理得又快又好，特别感谢工作人员！"


def request_text(
    rng: random.Random, *, family: str, name: str, keywords: list[str], request_type: str
) -> tuple[str, str]:
    """A (description, address) pair for a request of subclass ``name`` in ``family``."""
    where = place(rng)
    values = {
        "p": where,
        "name": name,
        "kw": rng.choice(keywords) if keywords else name,
        "n": rng.randint(2, 6),
        "d": rng.randint(2, 15),
        "m": rng.randrange(1000, 30000, 100),
    }
    if request_type == "praise":
        return _PRAISE.format(**values), where
    templates = _SUBCLASS.get(name) or _FAMILY.get(family) or _GENERIC
    # Questions read as consultations; everything else as the request it is.
    asking = [t for t in templates if "咨询" in t]
    telling = [t for t in templates if "咨询" not in t]
    if request_type == "consultation" and asking:
        templates = asking
    elif request_type != "consultation" and telling:
        templates = telling
    template = rng.choice(templates)
    if "咨询" in template:
        return template.format(**values), where
    prefix = rng.choice(_PREFIX.get(request_type, [""]))
    return prefix + template.format(**values), where
