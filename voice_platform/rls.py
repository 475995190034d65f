"""SQL for the row-level-security walls, used by the migrations.

Each tenant-owned table gets two policies:
- `tenant_isolation`, for the application role: rows whose tenant is the one set with
  `set_config('app.tenant_id', ..., true)` by `tenant_session`; with none set, no rows.
- `platform_access`, for the schema owner that ran the migration (`platform_session`).
FORCE makes the owner obey the policies too, so nothing but a policy ever grants access.
"""

from __future__ import annotations

import re

CURRENT_TENANT = "nullif(current_setting('app.tenant_id', true), '')::uuid"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _ident(name: str) -> str:
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return name


def create_app_role(role: str) -> list[str]:
    """Create the login role for tenant work, refusing one that could bypass RLS."""
    role = _ident(role)
    return [
        f"""
        DO $$
        BEGIN
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
            CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
          ELSIF EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}'
                        AND (rolsuper OR rolbypassrls)) THEN
            RAISE EXCEPTION 'role {role} is a superuser or has BYPASSRLS; tenant isolation '
                            'needs a role without either';
          END IF;
          EXECUTE format('GRANT CONNECT ON DATABASE %I TO {role}', current_database());
        END
        $$""",
        f"GRANT USAGE ON SCHEMA public TO {role}",
    ]


def set_role_password(role: str) -> str:
    """Set the password from the transaction setting `voice_platform.app_password`."""
    role = _ident(role)
    return f"""
        DO $$
        BEGIN
          EXECUTE format('ALTER ROLE {role} PASSWORD %L',
                         current_setting('voice_platform.app_password'));
        END
        $$"""


def tenant_table(table: str, role: str, column: str = "tenant_id") -> list[str]:
    """Enable RLS on a tenant-owned table and give the app role full DML within its tenant."""
    table, role, column = _ident(table), _ident(role), _ident(column)
    match = f"{column} = {CURRENT_TENANT}"
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY tenant_isolation ON {table} TO {role} USING ({match}) WITH CHECK ({match})",
        f"CREATE POLICY platform_access ON {table} TO CURRENT_USER USING (true) WITH CHECK (true)",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {role}",
    ]


def platform_table(table: str) -> list[str]:
    """A table only the platform path may touch: RLS forced, no policy for the app role."""
    table = _ident(table)
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY platform_access ON {table} TO CURRENT_USER USING (true) WITH CHECK (true)",
    ]
