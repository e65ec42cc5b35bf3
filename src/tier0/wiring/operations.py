"""Operations around the directory: tenants and their lifecycle (privacy: export, erasure,
archive, destruction), account self-service, bulk jobs, log streams, incident response."""

from __future__ import annotations

from dataclasses import dataclass

from tier0.audit.incident import IncidentService
from tier0.audit.streams.service import StreamService
from tier0.jobs import JobRunner, JobService
from tier0.login.accounts import AccountLifecycle, build_account_lifecycle
from tier0.privacy.assembly import Privacy, build_privacy
from tier0.services.tenants import TenantService
from tier0.services.user_import import UserImportService
from tier0.storage.sql.repos.account_tickets import sql_ticket_store
from tier0.storage.sql.repos.inventory import tenant_row_counts
from tier0.storage.sql.repos.jobs import sql_job_repo
from tier0.users.bulk_export import BulkExporter
from tier0.wiring.flows import Login
from tier0.wiring.foundation import Foundation
from tier0.wiring.policies import node_id
from tier0.wiring.services import Services


@dataclass(frozen=True)
class Operations:
    tenants: TenantService
    accounts: AccountLifecycle
    user_import: UserImportService
    jobs: JobService
    job_runner: JobRunner
    streams: StreamService
    incident: IncidentService
    privacy: Privacy


def build_operations(f: Foundation, s: Services, login: Login) -> Operations:
    db, clock = f.db, f.clock
    tenants = TenantService(db, f.keyring, clock, f.changes, provisioners=(s.management_api,))
    accounts = build_account_lifecycle(
        f.settings,
        db=db,
        keyring=f.keyring,
        clock=clock,
        users=s.users,
        passwords=s.passwords,
        hasher=s.hasher,
        mailer=s.mail.mailer,
        audit=f.audit,
        counters=s.protection.counters,
        brute_force=s.protection.brute_force,
        suspicious_ip=s.protection.suspicious_ip,
        guard=login.guard,
        ticket_store=sql_ticket_store,
    )
    user_import = UserImportService(s.users)
    exporter = BulkExporter(db, f.audit, clock)
    jobs = JobService(db, sql_job_repo, f.keyring, exporter, user_import, clock, f.changes)
    return Operations(
        tenants=tenants,
        accounts=accounts,
        user_import=user_import,
        jobs=jobs,
        job_runner=JobRunner(jobs, node_id=node_id()),
        streams=StreamService(
            db,
            f.keyring,
            f.audit,
            clock,
            secrets=s.mail.secrets,
            mail=s.mail.sender,
            mail_from=f.settings.mail_from,
        ),
        incident=IncidentService(db, f.audit, s.keys, clock),
        privacy=_privacy(f, s, tenants),
    )


def _privacy(f: Foundation, s: Services, tenants: TenantService) -> Privacy:
    return build_privacy(
        f.settings,
        db=f.db,
        kms=f.kms,
        keyring=f.keyring,
        tenants=tenants,
        keys=s.keys,
        audit=f.audit,
        inventory=tenant_row_counts,
        clock=f.clock,
        secrets=s.mail.secrets,
        forget_counters=s.protection.forget_user,
    )
