"""The plain records an Odoo security source yields, one NamedTuple per entity.

The PostgreSQL reader (:mod:`odoo_db`) and the mock-file reader (:mod:`odoo_mock`) both yield
these, field for field, so the sync never knows which one it reads. The store's fact tables use
the same field names (:mod:`odoobridge.access.models`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple


class CompanyRecord(NamedTuple):
    odoo_id: int
    name: str
    parent_id: int | None = None
    active: bool = True


class CategoryRecord(NamedTuple):
    """An application category (``ir_module_category``), e.g. "Sales"."""

    odoo_id: int
    name: str
    parent_id: int | None = None


class PrivilegeRecord(NamedTuple):
    """Odoo 19+: ``res_groups_privilege``, the level a group belongs to within a category."""

    odoo_id: int
    name: str
    category_id: int | None = None


class GroupRecord(NamedTuple):
    odoo_id: int
    name: str
    category_id: int | None = None
    privilege_id: int | None = None
    share: bool = False
    comment: str | None = None


class UserRecord(NamedTuple):
    odoo_id: int
    login: str
    active: bool = True
    share: bool = False
    partner_id: int | None = None
    name: str | None = None
    email: str | None = None
    company_id: int | None = None
    create_date: datetime | None = None
    write_date: datetime | None = None


class LoginRecord(NamedTuple):
    """The last sign-in of a user: ``max(res_users_log.create_date)`` per ``create_uid``."""

    user_id: int
    last_login: datetime


class UserCompanyRecord(NamedTuple):
    user_id: int
    company_id: int


class MembershipRecord(NamedTuple):
    user_id: int
    group_id: int


class ImplicationRecord(NamedTuple):
    """``group_id`` implies ``implied_group_id`` (``res_groups_implied_rel`` gid → hid)."""

    group_id: int
    implied_group_id: int


class AclRecord(NamedTuple):
    odoo_id: int
    name: str
    model: str
    model_name: str | None = None
    group_id: int | None = None
    perm_read: bool = False
    perm_write: bool = False
    perm_create: bool = False
    perm_unlink: bool = False
    active: bool = True


class RuleRecord(NamedTuple):
    odoo_id: int
    model: str
    name: str | None = None
    domain: str | None = None
    perm_read: bool = True
    perm_write: bool = True
    perm_create: bool = True
    perm_unlink: bool = True
    is_global: bool = False
    active: bool = True


class RuleGroupRecord(NamedTuple):
    rule_id: int
    group_id: int


class EmployeeRecord(NamedTuple):
    """An hr employee (only where the hr module is installed and readable)."""

    odoo_id: int
    user_id: int | None = None
    name: str | None = None
    department_id: int | None = None
    department_name: str | None = None
    job_title: str | None = None
    manager_id: int | None = None
    work_email: str | None = None
    company_id: int | None = None
    active: bool = True


class XmlIdRecord(NamedTuple):
    """The external id (``module.name``) of a group, ACL row, rule or category: stable across
    databases and languages, so PREPROD and PROD can be matched and base groups recognised."""

    model: str
    res_id: int
    module: str
    name: str


@dataclass(frozen=True)
class EntitySpec:
    """One kind of fact: its name (also the stats key), record type and natural key."""

    name: str
    record: type[Any]
    key: tuple[str, ...]
    optional: bool = False

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(self.record._fields)

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(f for f in self.fields if f not in self.key)


ENTITIES: tuple[EntitySpec, ...] = (
    EntitySpec("companies", CompanyRecord, ("odoo_id",)),
    EntitySpec("categories", CategoryRecord, ("odoo_id",)),
    EntitySpec("privileges", PrivilegeRecord, ("odoo_id",), optional=True),
    EntitySpec("groups", GroupRecord, ("odoo_id",)),
    EntitySpec("users", UserRecord, ("odoo_id",)),
    EntitySpec("logins", LoginRecord, ("user_id",)),
    EntitySpec("user_companies", UserCompanyRecord, ("user_id", "company_id")),
    EntitySpec("memberships", MembershipRecord, ("user_id", "group_id")),
    EntitySpec("implications", ImplicationRecord, ("group_id", "implied_group_id")),
    EntitySpec("acls", AclRecord, ("odoo_id",)),
    EntitySpec("rules", RuleRecord, ("odoo_id",)),
    EntitySpec("rule_groups", RuleGroupRecord, ("rule_id", "group_id")),
    EntitySpec("employees", EmployeeRecord, ("odoo_id",), optional=True),
    EntitySpec("xml_ids", XmlIdRecord, ("model", "res_id"), optional=True),
)

ENTITY_BY_NAME = {spec.name: spec for spec in ENTITIES}
