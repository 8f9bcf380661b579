#!/usr/bin/env python3
"""Generates the 滕州 demo ledger (catalog/demo/tengzhou-demo.json with its simulator scenario) and, with
--scale, a generated ledger the size of a county, a city or a province (design.md §6) as import files with a
matching simulator scenario. Deterministic for a seed.

    python3 scripts/generate_demo.py                                    # the demo ledger and scenario
    python3 scripts/generate_demo.py --scale city --seed 7 --out /tmp/ybz-city
        # units.csv projects.csv systems.csv resources.csv data-items.csv scenario.json
    ybz import /tmp/ybz-city/*.csv && ybz simulate --scenario /tmp/ybz-city/scenario.json

Scales: county 500 systems / 20,000 resources; city (枣庄, 6 counties) 5,000 / 100,000; province (山东,
136 counties) 50,000 / 1,000,000; about 20 data items per resource.
"""
import argparse, csv, datetime, json, os, random, sys

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
DIVISION = "370481"  # 滕州市


def uscc(rng, kind_digit, division=DIVISION):
    """A valid 统一社会信用代码 (GB 32100-2015) for an organ (11…) or institution (12…) of a division."""
    body = "1" + kind_digit + division + "".join(rng.choice("0123456789") for _ in range(8)) + rng.choice(CHARSET[:10])
    total = sum(CHARSET.index(c) * w for c, w in zip(body, WEIGHTS))
    return body + CHARSET[(31 - total % 31) % 31]


# (name, kind, department classification item code of codelists.yaml)
CITY_UNITS = [
    ("滕州市大数据中心", "事业单位", "24"), ("滕州市行政审批服务局", "行政机关", "23"),
    ("滕州市公安局", "行政机关", "04"), ("滕州市人力资源和社会保障局", "行政机关", "08"),
    ("滕州市自然资源局", "行政机关", "09"), ("滕州市卫生健康局", "行政机关", "17"),
    ("滕州市教育和体育局", "行政机关", "02"), ("滕州市民政局", "行政机关", "05"),
    ("滕州市市场监督管理局", "行政机关", "20"), ("滕州市住房和城乡建设局", "行政机关", "11"),
    ("滕州市应急管理局", "行政机关", "19"), ("滕州市医疗保障局", "行政机关", "22"),
    ("枣庄市生态环境局滕州分局", "垂直管理驻滕单位", "10"), ("滕州市交通运输局", "行政机关", "12"),
    ("滕州市水利局", "行政机关", "13"), ("滕州市农业农村局", "行政机关", "14"),
    ("滕州市财政局", "行政机关", "07"), ("滕州市统计局", "行政机关", "21"),
    ("滕州市综合行政执法局", "行政机关", "25"), ("滕州市退役军人事务局", "行政机关", "18"),
    ("滕州市司法局", "行政机关", "06"), ("滕州市文化和旅游局", "行政机关", "16"),
    ("滕州市商务局", "行政机关", "15"), ("滕州市发展和改革局", "行政机关", "01"),
]
TOWNS = ["荆河街道", "龙泉街道", "北辛街道", "善南街道", "东沙河街道", "洪绪镇", "南沙河镇", "大坞镇", "滨湖镇",
         "级索镇", "西岗镇", "姜屯镇", "鲍沟镇", "张汪镇", "官桥镇", "柴胡店镇", "羊庄镇", "木石镇", "界河镇",
         "龙阳镇", "东郭镇"]

# (system name, owner unit name, app categories, resource subjects)
SYSTEMS = [
    ("滕州市不动产登记信息管理平台", "滕州市自然资源局", ["政务服务类"], ["不动产登记", "不动产权证书", "抵押登记", "查封登记", "宗地"]),
    ("滕州市国土空间基础信息平台", "滕州市自然资源局", ["辅助决策类"], ["国土空间规划", "土地利用现状", "耕地保护", "地名地址"]),
    ("滕州市一网通办政务服务平台", "滕州市行政审批服务局", ["政务服务类"], ["办件", "行政许可", "电子证照", "事项目录", "好差评"]),
    ("滕州市工程建设项目审批管理系统", "滕州市行政审批服务局", ["政务服务类"], ["工程建设项目", "施工许可", "联合验收"]),
    ("滕州市社会保障卡一卡通服务系统", "滕州市人力资源和社会保障局", ["政务服务类"], ["社会保障卡", "养老保险参保", "失业保险", "就业登记"]),
    ("滕州市人才服务管理平台", "滕州市人力资源和社会保障局", ["政务服务类"], ["人才认定", "人才补贴", "职称评审"]),
    ("滕州市全民健康信息平台", "滕州市卫生健康局", ["政务服务类", "辅助决策类"], ["电子健康档案", "出生医学证明", "疫苗接种", "医疗机构"]),
    ("滕州市智慧教育云平台", "滕州市教育和体育局", ["政务服务类"], ["学籍", "教师资格", "招生入学", "学校基本"]),
    ("滕州市社会救助信息管理系统", "滕州市民政局", ["政务服务类"], ["低保对象", "特困供养", "临时救助", "婚姻登记"]),
    ("滕州市养老服务综合管理平台", "滕州市民政局", ["政务服务类"], ["养老机构", "高龄津贴", "居家养老服务"]),
    ("滕州市市场监管综合业务系统", "滕州市市场监督管理局", ["政务服务类"], ["市场主体登记", "行政处罚", "食品经营许可", "特种设备"]),
    ("滕州市智慧住建综合管理平台", "滕州市住房和城乡建设局", ["数字机关类", "辅助决策类"], ["商品房预售", "物业服务企业", "建筑企业资质", "城镇燃气"]),
    ("滕州市智慧应急指挥平台", "滕州市应急管理局", ["辅助决策类"], ["应急物资", "危险化学品企业", "安全生产许可", "灾害事件"]),
    ("滕州市医保智能监管系统", "滕州市医疗保障局", ["政务服务类", "辅助决策类"], ["医保参保", "医保结算", "定点医药机构", "医保基金监管"]),
    ("滕州市生态环境监测监控平台", "枣庄市生态环境局滕州分局", ["辅助决策类"], ["空气质量监测", "水质监测", "排污许可", "环境执法"]),
    ("滕州市智慧交通管理平台", "滕州市交通运输局", ["辅助决策类"], ["道路运输许可", "公交线路", "交通流量", "出租车"]),
    ("滕州市智慧水利管理平台", "滕州市水利局", ["辅助决策类"], ["河湖长制", "水雨情监测", "取水许可"]),
    ("滕州市农业农村综合信息平台", "滕州市农业农村局", ["政务服务类"], ["农业经营主体", "农村集体资产", "耕地地力补贴", "动物防疫"]),
    ("滕州市预算管理一体化系统", "滕州市财政局", ["数字机关类"], ["预算指标", "国库支付", "政府采购合同", "非税收入"]),
    ("滕州市统计数据管理系统", "滕州市统计局", ["辅助决策类"], ["国民经济指标", "规模以上企业", "人口抽样"]),
    ("滕州市城市运行管理服务平台", "滕州市综合行政执法局", ["辅助决策类"], ["城市部件", "案件办理", "环卫作业", "违法建设"]),
    ("滕州市退役军人服务管理系统", "滕州市退役军人事务局", ["政务服务类"], ["退役军人", "优抚对象", "安置就业"]),
    ("滕州市公共法律服务平台", "滕州市司法局", ["政务服务类"], ["法律援助", "人民调解", "社区矫正"]),
    ("滕州市全域旅游服务平台", "滕州市文化和旅游局", ["政务服务类"], ["旅游景区", "文化市场经营", "游客流量"]),
    ("滕州市商贸流通监测系统", "滕州市商务局", ["辅助决策类"], ["外贸企业", "商贸企业", "成品油流通"]),
    ("滕州市投资项目在线审批监管平台", "滕州市发展和改革局", ["政务服务类"], ["投资项目", "价格监测", "信用信息"]),
    ("滕州市政务协同办公系统", "滕州市大数据中心", ["数字机关类"], ["公文流转", "督查督办", "会议管理"]),
    ("滕州市城市大脑数据中台", "滕州市大数据中心", ["辅助决策类"], ["城市体征指标", "人口画像", "企业画像", "事件中心"]),
    ("滕州市12345政务服务便民热线系统", "滕州市大数据中心", ["政务服务类"], ["热线工单", "知识库", "满意度回访"]),
    ("滕州市公安综合信息应用平台", "滕州市公安局", ["辅助决策类"], ["户籍人口", "流动人口", "机动车登记"]),
]
TOWN_SYSTEMS = ["荆河街道", "龙泉街道", "北辛街道", "善南街道", "洪绪镇", "官桥镇", "界河镇", "龙阳镇", "东郭镇", "级索镇"]
TOWN_SUBJECTS = ["网格员", "网格事件", "重点人员", "实有房屋", "特殊人群", "矛盾纠纷"]

ITEM_POOL = [
    ("姓名", "C", 50), ("公民身份号码", "C", 18), ("性别", "C", 2), ("出生日期", "D", None), ("民族", "C", 20),
    ("联系电话", "C", 20), ("住址", "C", 200), ("统一社会信用代码", "C", 18), ("单位名称", "C", 200),
    ("法定代表人", "C", 50), ("登记日期", "D", None), ("办理时间", "T", None), ("金额", "Y", None),
    ("数量", "N", 12), ("面积", "N", 14), ("经度", "B", None), ("纬度", "B", None), ("状态", "C", 10),
    ("备注", "M", None), ("是否有效", "L", None), ("所属镇街", "C", 50), ("行政区划代码", "C", 12),
    ("证照编号", "C", 64), ("业务编号", "C", 32), ("审批结果", "C", 20), ("有效期至", "D", None),
    ("经办人", "C", 50), ("经办机构", "C", 100), ("更新时间", "T", None), ("附件", "G", None),
    ("序号", "I", None), ("比例", "F", 8),
]
CONDITION = ["仅限相关业务部门履职使用，需经提供方审核", "仅向公安、民政、人社等部门共享，用于身份核验",
             "按最小必要原则共享，需签订数据使用协议", "仅提供核验接口，不提供批量数据"]
NO_SHARE_BASIS = ["《中华人民共和国个人信息保护法》第二十八条，涉及敏感个人信息",
                  "《中华人民共和国保守国家秘密法》，涉及工作秘密"]
# The as-of date the demo is evaluated at (ybz funding --year 2027 --as-of 2026-10-31).
AS_OF = "2026-10-31"
# The quality tier of each generated system, which the scenario follows.
QUALITY = {}
CYCLES = ["实时"] * 2 + ["每日"] * 4 + ["每周"] * 2 + ["每月"] * 3 + ["每季度", "每年", "每半年"]


def date(y, m, d):
    return f"{y:04d}-{m:02d}-{d:02d}"


def add_days(ymd, days):
    return (datetime.date.fromisoformat(ymd) + datetime.timedelta(days=days)).isoformat()


def add_months(ymd, months):
    y, m, d = map(int, ymd.split("-"))
    total = y * 12 + m - 1 + months
    return date(total // 12, total % 12 + 1, min(d, 28))


def build(rng):
    units, unit_by_name = [], {}
    for name, kind, dept in CITY_UNITS:
        u = {"uscc": uscc(rng, "2" if kind == "事业单位" else "1"), "name": name, "kind": kind, "region": "市直",
             "dataOfficer": rng.choice("王李张刘陈杨赵黄周吴") + rng.choice(["敏", "伟", "芳", "强", "静", "磊", "洋", "娜"])}
        units.append(u)
        unit_by_name[name] = (u, dept)
    for town in TOWNS:
        name = f"滕州市{town}{'办事处' if town.endswith('街道') else '人民政府'}"
        u = {"uscc": uscc(rng, "1"), "name": name, "kind": "行政机关", "region": town}
        units.append(u)
        unit_by_name[name] = (u, "26")

    specs = [(n, o, c, s) for n, o, c, s in SYSTEMS]
    for town in TOWN_SYSTEMS:
        owner = f"滕州市{town}{'办事处' if town.endswith('街道') else '人民政府'}"
        specs.append((f"滕州市{town}基层治理信息平台", owner, ["辅助决策类"], TOWN_SUBJECTS))

    projects, systems, resources = [], [], []
    sequence = {}
    for index, (name, owner, categories, subjects) in enumerate(specs, start=1):
        unit, dept = unit_by_name[owner]
        made_projects, system, made_resources = make_system(rng, DemoIds(index), name, owner, unit, dept, categories,
                                                            subjects, sequence, lambda: rng.randint(12, 20))
        projects += made_projects
        systems.append(system)
        resources += made_resources
    return units, projects, systems, resources


class DemoIds:
    """Codes and platform ids of the demo's system number `index` (滕州 only)."""
    def __init__(self, index):
        self.index = index

    def project(self, year):
        return f"TZXM-{year}-{self.index:03d}"

    def om_project(self):
        return f"TZYW-2027-{self.index:03d}"

    def system(self):
        return f"TZ-SYS-{self.index:03d}"

    def platform(self, name, k=0):
        i = self.index
        return {"sharing": f"TZGX{i:04d}", "app": f"sdt-app-{i:04d}", "node": f"XJJD-370481-{i:04d}",
                "item": f"37048100{i:02d}{k:03d}", "feed": f"cb-feed-{i:03d}-{k}"}[name]


class ScaleIds:
    """Codes and platform ids of system number `index` of the county `division` in a generated ledger."""
    def __init__(self, division, index):
        self.division, self.index = division, index

    def project(self, year):
        return f"XM-{self.division}-{year}-{self.index:04d}"

    def om_project(self):
        return f"YW-{self.division}-2027-{self.index:04d}"

    def system(self):
        return f"SYS-{self.division}-{self.index:04d}"

    def platform(self, name, k=0):
        d, i = self.division, self.index
        return {"sharing": f"GX{d}{i:04d}", "app": f"sdt-{d}-{i:04d}", "node": f"XJJD-{d}-{i:04d}",
                "item": f"{d}{i:05d}{k:03d}", "feed": f"cb-{d}-{i:04d}-{k}"}[name]


def make_system(rng, ids, name, owner, unit, dept, categories, subjects, sequence, resource_count, item_range=(5, 20)):
    """One system with its construction project (and an O&M request when due) and its catalog resources, of a
    quality tier (good, fair, poor) that the dates, security results and platform integration follow.
    `resource_count()` is drawn after the system, so the demo's sequence of random numbers stays as it was."""
    projects = []
    year = rng.choice([2020, 2021, 2022, 2023, 2024])
    amount_yuan = rng.choice([380000, 650000, 980000, 1200000, 1850000, 2600000, 4200000])
    contract = date(year, rng.randint(3, 6), rng.randint(1, 28))
    trial_start = add_months(contract, 6)
    trial_end = add_months(trial_start, rng.choice([1, 2, 3]))
    accepted = add_months(trial_end, 2)
    # How well the unit keeps the rules: good systems should come out eligible for O&M funds, poor ones not.
    quality = rng.choices(["good", "fair", "poor"], [4, 4, 2])[0]
    status = "运行" if quality == "good" else rng.choices(["运行", "试运行", "建设中", "停用"], [30, 4, 3, 3])[0]
    m = {"demandFiled": date(year - 1, 9, 15), "demandReviewed": date(year - 1, 10, 20),
         "projectFiled": date(year - 1, 11, 10), "jointReviewed": date(year - 1, 12, 5),
         "approved": date(year, 1, 15), "contractSigned": contract,
         "procurementFiled": add_days(contract, rng.choice([3, 20]) if quality == "poor" else 3)}
    if status != "建设中":
        m.update({"initialAccepted": add_months(contract, 5), "trialStarted": trial_start, "trialEnded": trial_end})
    if status in ("运行", "停用"):
        m.update({"acceptanceApplied": add_months(trial_end, 1), "completionAccepted": accepted,
                  "acceptanceFiled": add_days(accepted, 5)})
    project = {"code": ids.project(year), "name": name + "建设项目",
               "unitUSCC": unit["uscc"], "category": "建设", "fundingSource": rng.choices(["财政预算", "上级扶持", "自筹"], [8, 1, 1])[0],
               "approvedAmount": f"{amount_yuan}.00", "preAssessmentReport": amount_yuan > 1000000,
               "milestones": m, "changes": []}
    # 绩效评价 12-24 months after going live (Art. 20): good units evaluate on time; fair ones mostly.
    if "completionAccepted" in m and add_months(accepted, 14) < AS_OF and (
            quality == "good" or (quality == "fair" and rng.random() < 0.7)):
        m["performanceEvaluated"] = add_months(accepted, 14)
        project["performanceResult"] = "合格" if quality == "good" or rng.random() < 0.7 else "不合格"
        if project["performanceResult"] == "不合格":
            project["performanceRectified"] = rng.random() < 0.5
    if rng.random() < 0.2:
        delta = amount_yuan * rng.choice([5, 10, 20]) // 100
        project["changes"].append({"date": add_months(contract, 3), "description": "调整建设内容，增加数据接口模块",
                                   "amountDelta": f"{delta}.00", "filed": rng.random() < 0.8,
                                   "reReviewed": delta * 100 > amount_yuan * 15 and rng.random() < 0.6})
    projects.append(project)
    project_codes = [project["code"]]
    # An O&M request for 2027 once the three free years (Art. 21) are over by then, near the 10 % cap.
    if "completionAccepted" in m and add_months(accepted, 36) <= date(2027, 12, 31) and rng.random() < 0.7:
        share = rng.choice([6, 8, 10, 12])
        om = {"code": ids.om_project(), "name": name + "2027年度运维项目", "unitUSCC": unit["uscc"],
              "category": "运维", "fundingSource": "财政预算", "approvedAmount": f"{amount_yuan * share // 100}.00",
              "fiscalYear": 2027, "preAssessmentReport": False,
              "milestones": {"demandFiled": date(2026, 8, 10), "projectFiled": date(2026, 9, 15)}, "changes": []}
        projects.append(om)
        project_codes.append(om["code"])

    code = ids.system()
    integrated = 1.0 if quality == "good" else rng.random()
    platform = {"aishandongItems": [], "citybrainFeeds": []}
    if integrated > 0.15:
        platform["sharingOrgCode"] = ids.platform("sharing")
        if "数字机关类" in categories:
            platform["shandongtongAppId"] = ids.platform("app")
        platform["countyNodeId"] = ids.platform("node")
    if integrated > 0.3:
        if "政务服务类" in categories:
            platform["aishandongItems"] = [ids.platform("item", k) for k in range(1, rng.randint(2, 5))]
        if "辅助决策类" in categories:
            platform["citybrainFeeds"] = [ids.platform("feed", k) for k in range(1, rng.randint(2, 4))]
    crypto = {"good": rng.choice(["通过", "通过", "基本符合"]), "poor": rng.choice(["不通过", "未开展"]),
              "fair": rng.choices(["通过", "基本符合", "不通过", "未开展"], [5, 2, 1, 2])[0]}[quality]
    recent = quality == "good" or (quality == "fair" and rng.random() < 0.6)
    system = {
        "code": code, "name": name, "unitUSCC": unit["uscc"], "projectCodes": project_codes,
        "status": status, "appCategories": categories, "summary": f"{name}，支撑{owner}相关业务办理与数据共享。",
        "deployment": {"govCloud": quality == "good" or rng.random() < 0.85, "cloudNative": rng.random() < 0.4},
        "networks": rng.choice([["政务外网"], ["政务外网", "互联网"], ["政务内网"]]),
        "security": {"mlpsLevel": rng.choice([2, 2, 3]),
                     "mlpsAssessedOn": date(2026, rng.randint(1, 9), 10) if recent else date(rng.choice([2023, 2024]), rng.randint(1, 12), 10),
                     "classifiedProtection": False, "cryptoResult": crypto,
                     "openMajorHazards": 0 if quality == "good" else rng.choices([0, 1], [8, 2])[0]},
        "xinchuang": {"good": rng.choice(["已建成", "已适配"]), "poor": rng.choice(["适配中", "未适配"]),
                      "fair": rng.choice(["已建成", "已适配", "适配中", "未适配"])}[quality],
        "cloudResources": {"allocatedVCPU": 16, "usedVCPU": rng.randint(2, 16), "allocatedMemoryGB": 64,
                           "usedMemoryGB": rng.randint(8, 64), "allocatedStorageGB": 2000, "usedStorageGB": rng.randint(100, 2000)},
        "platformIds": platform,
        "materials": ["项目建设方案", "采购合同", "采购备案材料"] + (["初验报告", "试运行报告"] if "trialEnded" in m else [])
                     + (["竣工验收申请", "政务信息资源目录"] if "completionAccepted" in m else []),
        "ledgerUpdatedOn": date(2026, rng.randint(6, 10), rng.randint(1, 28)) if quality == "good"
                           else date(rng.choice([2024, 2025, 2026]), rng.randint(1, 10), rng.randint(1, 28)),
    }
    if quality == "good" and rng.random() < 0.4:
        del system["security"]["cryptoResult"]  # the 密评 is done but not yet entered: evidence is pending
    elif crypto != "未开展":
        system["security"]["cryptoAssessedOn"] = (date(2026, rng.randint(1, 9), 20) if recent
                                                  else date(rng.choice([2024, 2025]), rng.randint(1, 9), 20))
    if "completionAccepted" in m:
        system["wentLiveOn"] = accepted
    QUALITY[code] = quality
    resources = make_resources(rng, system, dept, subjects, sequence, resource_count(), quality == "good", item_range)
    return projects, system, resources


def make_resources(rng, system, dept, subjects, sequence, count, tidy, item_range=(5, 20)):
    """Catalog resources of a system; a tidy one has every resource published and described item by item."""
    out = []
    suffixes = ["信息", "登记信息", "办件信息", "统计信息", "台账", "明细", "目录", "变更信息"]
    for n in range(count):
        subject = subjects[n % len(subjects)]
        name = (subject + suffixes[(n // len(subjects)) % len(suffixes)]).replace("登记登记", "登记")
        if subject == "不动产登记" and n < len(subjects):
            name = "不动产登记信息"
        prefix = "3" + dept + rng.choice(["001", "002", "003", "004", "005"])
        sequence[prefix] = sequence.get(prefix, 0) + 1
        fmt = rng.choices(["数据库", "服务接口", "电子表格", "电子文件"], [7, 1, 1, 1])[0]
        share = rng.choices(["无条件共享", "有条件共享", "不予共享"], [6, 3, 1])[0]
        r = {"code": f"{prefix}/{sequence[prefix]:06d}", "name": name, "systemCode": system["code"],
             "summary": f"{system['name']}产生的{name}，用于{subject}相关业务办理、统计分析和跨部门共享。",
             "format": fmt, "shareType": share, "updateCycle": rng.choice(CYCLES), "openToPublic": False,
             "relatedCodes": [], "state": "已发布" if tidy else rng.choices(["已发布", "待审核", "待提交", "已退回"], [14, 3, 2, 1])[0]}
        r["formatType"] = {"数据库": rng.choice(["MySQL", "达梦", "人大金仓", "Oracle"]), "服务接口": "RESTful",
                           "电子表格": "XLSX", "电子文件": "PDF"}[fmt]
        if share == "有条件共享":
            r["shareCondition"] = rng.choice(CONDITION)
        if share == "不予共享":
            r["shareCondition"] = rng.choice(NO_SHARE_BASIS)
        else:
            r["shareMethod"] = {"数据库": rng.choice(["数据库", "接口"]), "服务接口": "接口", "电子表格": "文件", "电子文件": "文件"}[fmt]
        if share == "无条件共享" and rng.random() < 0.25:
            r["openToPublic"] = True
            r["openType"] = rng.choice(["无条件开放", "有条件开放"])
            if r["openType"] == "有条件开放":
                r["openCondition"] = "需实名注册并签署数据开放使用协议"
        if r["state"] == "已退回":
            r["returnReason"] = "信息项数据类型不完整，请补充数据长度"
        if r["state"] == "已发布":
            r["publishedOn"] = date(rng.choice([2024, 2025, 2026]), rng.randint(1, 9), rng.randint(1, 28))
        records = rng.randint(1000, 900000)
        r["records"] = records
        r["storageMB"] = max(1, records // 800)
        if share != "不予共享":
            r["sharedRecords"] = rng.randint(0, records)
        if r["openToPublic"]:
            r["openedRecords"] = rng.randint(0, records)
        items = rng.sample(ITEM_POOL, rng.randint(*item_range))
        if fmt in ("电子文件",) and rng.random() < 0.5 and not tidy:
            items = []
        r["items"] = [dict({"name": i[0], "type": i[1]}, **({"length": i[2]} if i[2] else {})) for i in items]
        out.append(r)
    return out


CYCLE_DAYS = {"实时": 1, "每日": 1, "每周": 7, "每月": 31, "每季度": 92, "每半年": 183, "每年": 366}


def build_scenario(rng, systems, resources):
    """What the simulated platforms know about the demo ledger: a mix of integrated, half-integrated and
    missing systems (times are relative to the request, so the scenario never ages)."""
    scenario = {"secrets": {p: f"demo-secret-{p}" for p in
                            ["aishandong", "shandongtong", "citybrain", "county-node", "sharing-platform"]},
                "aishandongItems": {}, "shandongtongApps": {}, "citybrainFeeds": {}, "countyNodeSystems": {},
                "countyNodeResources": {}, "sharingOrgs": {}, "sharingResources": {}, "faults": []}
    by_system = {}
    for r in resources:
        by_system.setdefault(r["systemCode"], []).append(r)
    for system in systems:
        level = "integrated" if QUALITY.get(system["code"]) == "good" else rng.choices(["integrated", "half", "missing"], [6, 3, 1])[0]
        ids = system["platformIds"]
        for item in ids.get("aishandongItems", []):
            roll = rng.random()
            if level != "missing" and roll < 0.9:
                scenario["aishandongItems"][item] = {"online": roll < 0.8 or level == "integrated"}
        if ids.get("shandongtongAppId") and level != "missing":
            scenario["shandongtongApps"][ids["shandongtongAppId"]] = {
                "online": True, "activeUsers30d": 0 if level == "half" and rng.random() < 0.5 else rng.randint(20, 600)}
        for feed in ids.get("citybrainFeeds", []):
            if level != "missing":
                late = level == "half" and rng.random() < 0.5
                # Each feed has its own interval; a separate generator keeps the rest of the demo data unchanged.
                feed_rng = random.Random(feed)
                interval, hours = feed_rng.choice([("PT1H", 1), ("P1D", 24), ("P1D", 24), ("P7D", 168)])
                pushed = hours * (feed_rng.uniform(1.5, 4) if late else feed_rng.uniform(0.05, 0.9))
                scenario["citybrainFeeds"][feed] = {"active": True, "hoursSinceLastPush": round(pushed, 1), "interval": interval}
        if ids.get("countyNodeId") and level != "missing":
            scenario["countyNodeSystems"][ids["countyNodeId"]] = {"registered": True}
        mounted = 0
        for r in by_system.get(system["code"], []):
            if level == "missing" or (level == "half" and rng.random() < 0.5):
                continue
            cycle = CYCLE_DAYS.get(r["updateCycle"], 30)
            stale = rng.random() < (0.03 if level == "integrated" else 0.3)
            days = cycle + rng.randint(3, 30) if stale else rng.randint(0, max(0, cycle - 1))
            records = 0 if rng.random() < 0.04 else r.get("records", 1000)
            entry = {"mounted": True, "records": records, "daysSinceUpdate": days}
            scenario["countyNodeResources"][r["code"]] = entry
            if r["shareType"] != "不予共享":
                scenario["sharingResources"][r["code"]] = dict(entry, calls30d=rng.randint(0, 5000))
                mounted += 1
        if ids.get("sharingOrgCode") and level != "missing":
            scenario["sharingOrgs"][ids["sharingOrgCode"]] = {"mountedResources": mounted}
    return scenario


def write_json(path, units, projects, systems, resources):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"format": "ybz-ledger/1", "units": units, "projects": projects, "systems": systems,
                   "resources": resources}, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.write("\n")


# Generated ledgers (--scale): counties, their systems, resources and data items, as design.md §6 sizes them.
SCALES = {  # counties, systems, resources; about 20 data items per resource
    "county": (1, 500, 20000),
    "city": (6, 5000, 100000),
    "province": (136, 50000, 1000000),
}
# The county-level divisions of 枣庄 (city scale) and the number of them in each city of 山东 (province scale).
ZAOZHUANG = [("370481", "滕州市"), ("370402", "枣庄市市中区"), ("370403", "枣庄市薛城区"), ("370404", "枣庄市峄城区"),
             ("370405", "枣庄市台儿庄区"), ("370406", "枣庄市山亭区")]
SHANDONG = [("3701", "济南", 12), ("3702", "青岛", 10), ("3703", "淄博", 8), ("3704", "枣庄", 6), ("3705", "东营", 5),
            ("3706", "烟台", 11), ("3707", "潍坊", 12), ("3708", "济宁", 11), ("3709", "泰安", 6), ("3710", "威海", 4),
            ("3711", "日照", 4), ("3713", "临沂", 12), ("3714", "德州", 11), ("3715", "聊城", 8), ("3716", "滨州", 7),
            ("3717", "菏泽", 9)]
DISTRICTS = ["市中区", "东城区", "西城区", "南城区", "北城区", "新城区", "高新区", "经济开发区", "东县", "西县", "南县", "北县"]
SYSTEM_KINDS = ["管理系统", "服务平台", "监管平台", "信息系统", "数据平台", "业务系统", "综合平台", "应用系统"]

# The import files' columns (the Chinese headers of `ybz export --format csv`) by the record's field path.
COLUMNS = {
    "units": [("uscc", "统一社会信用代码"), ("name", "单位名称"), ("kind", "单位类型"), ("region", "所属区域"),
              ("dataOfficer", "数据专员")],
    "projects": [("code", "项目编号"), ("name", "项目名称"), ("unitUSCC", "建设单位代码"), ("category", "项目类别"),
                 ("fundingSource", "资金来源"), ("approvedAmount", "批复金额（元）"), ("preAssessmentReport", "事前绩效评估报告")]
                + [(f"milestones.{k}", f"{label}日期") for k, label in [
                    ("demandFiled", "需求申报"), ("demandReviewed", "需求审核"), ("projectFiled", "项目申报"),
                    ("jointReviewed", "联合评审"), ("approved", "批复"), ("contractSigned", "合同签订"),
                    ("initialAccepted", "初步验收"), ("trialStarted", "试运行开始"), ("trialEnded", "试运行结束"),
                    ("acceptanceApplied", "验收申请"), ("completionAccepted", "竣工验收"), ("acceptanceFiled", "验收备案"),
                    ("performanceEvaluated", "绩效评价")]]
                + [("milestones.procurementFiled", "采购备案日期"), ("performanceResult", "绩效评价结果"),
                   ("performanceRectified", "绩效整改到位"), ("changes", "变更记录"), ("fiscalYear", "运维财政年度")],
    "systems": [("code", "系统编号"), ("name", "系统名称"), ("unitUSCC", "建设单位代码"), ("projectCodes", "项目编号"),
                ("status", "系统状态"), ("appCategories", "应用类别"), ("summary", "系统简介"),
                ("deployment.govCloud", "部署于政务云"), ("deployment.cloudNative", "云原生"), ("networks", "部署网络"),
                ("security.mlpsLevel", "等保级别"), ("security.mlpsAssessedOn", "等保测评日期"),
                ("security.classifiedProtection", "分级保护"), ("security.cryptoResult", "密评结果"),
                ("security.cryptoAssessedOn", "密评日期"), ("security.openMajorHazards", "重大安全隐患数"),
                ("xinchuang", "信创情况"), ("cloudResources.allocatedVCPU", "分配vCPU"), ("cloudResources.usedVCPU", "使用vCPU"),
                ("cloudResources.allocatedMemoryGB", "分配内存GB"), ("cloudResources.usedMemoryGB", "使用内存GB"),
                ("cloudResources.allocatedStorageGB", "分配存储GB"), ("cloudResources.usedStorageGB", "使用存储GB"),
                ("platformIds.aishandongItems", "爱山东事项编码"), ("platformIds.shandongtongAppId", "山东通应用ID"),
                ("platformIds.citybrainFeeds", "城市大脑数据源"), ("platformIds.countyNodeId", "县级节点标识"),
                ("platformIds.sharingOrgCode", "共享平台机构编码"), ("materials", "验收材料"), ("wentLiveOn", "上线日期"),
                ("ledgerUpdatedOn", "一本账维护日期")],
    "resources": [("code", "信息资源代码"), ("name", "信息资源名称"), ("systemCode", "来源系统编号"), ("summary", "信息资源摘要"),
                  ("format", "信息资源格式"), ("formatType", "格式类型"), ("shareType", "共享类型"), ("shareCondition", "共享条件"),
                  ("shareMethod", "共享方式"), ("openToPublic", "是否向社会开放"), ("openType", "开放类型"),
                  ("openCondition", "开放条件"), ("updateCycle", "更新周期"), ("publishedOn", "发布日期"),
                  ("storageMB", "数据存储总量MB"), ("records", "结构化记录总数"), ("sharedRecords", "已共享记录数"),
                  ("openedRecords", "已开放记录数"), ("state", "目录状态"), ("returnReason", "退回原因")],
    "data-items": [("resourceCode", "信息资源代码"), ("seq", "序号"), ("name", "信息项名称"), ("type", "数据类型"),
                   ("length", "数据长度")],
}


def cell(record, path):
    """A record's field as import text: lists joined by “;”, 是/否, change filings as JSON."""
    value = record
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False) if path == "changes" else ";".join(value)
    return str(value)


def counties(scale):
    """(division code, place name) of each county-level division at a scale."""
    if scale == "county":
        return ZAOZHUANG[:1]
    if scale == "city":
        return ZAOZHUANG
    return [(f"{code}{k + 1:02d}", f"{city}市{DISTRICTS[k]}") for code, city, n in SHANDONG for k in range(n)]


def county_ledger(rng, division, place, n_systems, n_resources, sequence):
    """One county's units, projects, systems and resources: the demo's bureaus and towns under the county's name,
    the demo's systems and as many more built on their subjects, resources split evenly with some spread."""
    units, owners = [], []
    for name, kind, dept in CITY_UNITS:
        unit = {"uscc": uscc(rng, "2" if kind == "事业单位" else "1", division), "kind": kind, "region": "市直",
                "name": name.replace("滕州市", place).replace("枣庄市生态环境局滕州分局", f"{place}生态环境分局"),
                "dataOfficer": rng.choice("王李张刘陈杨赵黄周吴") + rng.choice(["敏", "伟", "芳", "强", "静", "磊", "洋", "娜"])}
        units.append(unit)
        owners.append((unit, dept, name))
    town_units = []
    for town in TOWNS:
        unit = {"uscc": uscc(rng, "1", division), "kind": "行政机关", "region": town,
                "name": f"{place}{town}{'办事处' if town.endswith('街道') else '人民政府'}"}
        units.append(unit)
        town_units.append(unit)
    by_demo_owner = {demo_name: (unit, dept) for unit, dept, demo_name in owners}
    counts = [n_resources // n_systems + (1 if i < n_resources % n_systems else 0) for i in range(n_systems)]
    for i in range(0, n_systems - 1, 2):  # spread, keeping the total
        shift = rng.randint(0, counts[i + 1] // 2)
        counts[i], counts[i + 1] = counts[i] + shift, counts[i + 1] - shift
    names = set()
    projects, systems, resources = [], [], []
    for index in range(n_systems):
        if index < len(SYSTEMS):
            demo_name, owner, categories, subjects = SYSTEMS[index]
            name = demo_name.replace("滕州市", place)
            unit, dept = by_demo_owner[owner]
        elif index < len(SYSTEMS) + len(town_units):
            unit, dept = town_units[index - len(SYSTEMS)], "26"
            name, categories, subjects = unit["name"][:-3] + "基层治理信息平台", ["辅助决策类"], TOWN_SUBJECTS
        else:
            _, owner, categories, subjects = rng.choice(SYSTEMS)
            unit, dept = by_demo_owner[owner]
            subjects = rng.sample(subjects, len(subjects))
            name = f"{place}{subjects[0]}{rng.choice(SYSTEM_KINDS)}"
        stem, phase = name, 1
        while name in names:
            phase += 1
            name = f"{stem}（{phase}期）"
        names.add(name)
        made_projects, system, made_resources = make_system(
            rng, ScaleIds(division, index + 1), name, unit["name"], unit, dept, categories, subjects, sequence,
            lambda: counts[index], item_range=(10, 30))
        projects += made_projects
        systems.append(system)
        resources += made_resources
    return units, projects, systems, resources


def write_scale(rng, out, scale):
    """A generated ledger of a scale as import files (UTF-8 CSV with BOM) and a matching simulator scenario,
    written county by county so that memory stays small at province scale."""
    os.makedirs(out, exist_ok=True)
    places = counties(scale)
    _, total_systems, total_resources = SCALES[scale]
    files = {kind: open(os.path.join(out, f"{kind}.csv"), "w", encoding="utf-8-sig", newline="") for kind in COLUMNS}
    writers = {kind: csv.writer(f) for kind, f in files.items()}
    for kind, columns in COLUMNS.items():
        writers[kind].writerow([header for _, header in columns])
    scenario, sequence = None, {}
    scenario_rng = random.Random(rng.random())
    for number, (division, place) in enumerate(places):
        n_systems = total_systems // len(places) + (1 if number < total_systems % len(places) else 0)
        n_resources = total_resources // len(places) + (1 if number < total_resources % len(places) else 0)
        units, projects, systems, resources = county_ledger(rng, division, place, n_systems, n_resources, sequence)
        for kind, records in [("units", units), ("projects", projects), ("systems", systems), ("resources", resources)]:
            for record in records:
                writers[kind].writerow([cell(record, path) for path, _ in COLUMNS[kind]])
        items = writers["data-items"]
        for r in resources:
            for seq, item in enumerate(r["items"], start=1):
                items.writerow([r["code"], seq, item["name"], item["type"], item.get("length", "")])
        part = build_scenario(scenario_rng, systems, resources)
        if scenario is None:
            scenario = part
        else:
            for key, value in part.items():
                if isinstance(value, dict) and key != "secrets":
                    scenario[key].update(value)
        QUALITY.clear()
        print(f"{number + 1}/{len(places)} {place}: {len(systems)} systems, {len(resources)} resources", file=sys.stderr)
    for f in files.values():
        f.close()
    with open(os.path.join(out, "scenario.json"), "w", encoding="utf-8") as f:
        json.dump(scenario, f, ensure_ascii=False, sort_keys=True)
        f.write("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=370481)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "catalog", "demo", "tengzhou-demo.json"))
    parser.add_argument("--scale", choices=SCALES, help="write a generated ledger of this size as CSV files to --out")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    if args.scale:
        write_scale(rng, args.out, args.scale)
    else:
        units, projects, systems, resources = build(rng)
        write_json(args.out, units, projects, systems, resources)
        scenario_path = os.path.join(os.path.dirname(args.out), "tengzhou-scenario.json")
        with open(scenario_path, "w", encoding="utf-8") as f:
            json.dump(build_scenario(random.Random(args.seed + 1), systems, resources), f, ensure_ascii=False, indent=1, sort_keys=True)
            f.write("\n")


if __name__ == "__main__":
    main()
