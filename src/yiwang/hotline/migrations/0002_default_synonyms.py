"""Starting synonym groups: the colloquial and official names citizens and documents use for
the same thing. Data stewards maintain them in the admin from here on."""

from django.db import migrations

GROUPS = [
    "公积金 住房公积金",
    "社保 社会保险",
    "社保卡 社会保障卡",
    "医保 医疗保险",
    "失业金 失业保险金",
    "养老金 退休金",
    "户口 户籍",
    "积分入户 积分制入户 积分落户",
    "电动车 电动自行车",
    "驾照 驾驶证",
    "年审 年检",
    "补交 补缴",
    "创业贷款 创业担保贷款",
    "低保 最低生活保障",
    "残疾证 残疾人证",
    "噪音 噪声",
    "网约车 网络预约出租汽车",
]


def add(apps, schema_editor):
    SynonymGroup = apps.get_model("hotline", "SynonymGroup")
    for terms in GROUPS:
        SynonymGroup.objects.get_or_create(terms=terms)


def remove(apps, schema_editor):
    apps.get_model("hotline", "SynonymGroup").objects.filter(terms__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [("hotline", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
