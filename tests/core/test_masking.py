import pytest

from yiwang.core.masking import mask_id_number, mask_name, mask_phone, reveal
from yiwang.org.services import assign_role


def test_masks_follow_the_national_patterns() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("张三丰") == "张*丰"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧**娜"
    assert mask_id_number("320602199001011234") == "320602********1234"


@pytest.mark.django_db
def test_reveal_depends_on_role_and_ownership(make_user) -> None:
    agent = make_user("agent")
    assign_role(agent, "hotline_agent", actor=None)
    steward = make_user("steward")
    assign_role(steward, "data_steward", actor=None)
    citizen = make_user("citizen1", phone="13912345678")
    assign_role(citizen, "citizen", actor=None)

    assert reveal(agent, "phone", "13912345678") == "13912345678"
    assert reveal(steward, "phone", "13912345678") == "139****5678"
    assert reveal(steward, "name", "王小明") == "王*明"
    assert reveal(citizen, "phone", "13912345678", owner_id=citizen.pk) == "13912345678"
    assert reveal(agent, "id_number", "320602199001011234") == "320602********1234"
