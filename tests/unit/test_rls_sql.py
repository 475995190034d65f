import pytest

from voice_platform import rls


def test_tenant_table_forces_rls_and_scopes_the_app_role() -> None:
    statements = rls.tenant_table("memberships", "voice_app")
    joined = "\n".join(statements)
    assert "ALTER TABLE memberships FORCE ROW LEVEL SECURITY" in statements
    assert "TO voice_app USING (tenant_id = " in joined
    assert "WITH CHECK (tenant_id = " in joined
    assert "current_setting('app.tenant_id', true)" in joined


@pytest.mark.parametrize("name", ["x; DROP TABLE users", "Upper", "1abc", "a" * 64, ""])
def test_identifiers_that_are_not_plain_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="identifier"):
        rls.tenant_table(name, "voice_app")
    with pytest.raises(ValueError, match="identifier"):
        rls.create_app_role(name)
