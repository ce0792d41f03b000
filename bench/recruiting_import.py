"""Benchmark: candidate import from CSV — ours (the admin's code path) vs django-import-export's default.

Writes a CSV of N candidates (13 columns, as fixtures/recruiting/candidates.csv) on a throwaway
database holding 1,000 candidates per tenant already: 1% of the file's rows are those candidates
(updates, matched by e-mail), 2% share a phone with an earlier row or a stored
candidate (flagged as possible duplicates). Each importer runs in a fresh subprocess, in its own
tenant with the same starting data, and prints rows/s and peak memory (the subprocess's peak RSS
during the import, `/proc/self/clear_refs` + VmHWM on Linux):

  ours           CandidateAdmin's resource (recruiting.resources.CandidateResource) as the
                 background import task runs it for a large file: `large_file=True`, the CSV read
                 by import-export's CSV format, `import_data(..., use_transactions=True,
                 rollback_on_validation_errors=True)`: every row validated (the model's field
                 validation and clean(), people.resources.hr_base.ModelChecks), duplicate detection,
                 bulk writes with history rows and the importing user (on PostgreSQL by COPY,
                 people/resources/bulk.py), no per-row result kept for a valid row
  import-export  modelresource_factory(Candidate) with import_id_fields=("email",) and the package's
                 defaults (row by row: a lookup, a save and its history row per row), in one
                 transaction, without the tags column (its JSON widget cannot read "a, b"). It runs on the first --baseline-rows rows of the same file (its
                 rows/s does not depend on the file's length; 100,000 rows would take minutes)

Targets (issue 4): ours >= 5,000 rows/s on PostgreSQL and >= 10x import-export's, peak < 500 MB.

    .venv/bin/python bench/recruiting_import.py [--rows 100000] [--baseline-rows 10000]
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from recruiting_export import current_rss_mb, peak_rss_mb

HERE = Path(__file__).resolve().parent
HEADERS = [
    "email",
    "first_name",
    "last_name",
    "phone",
    "location",
    "current_title",
    "current_company",
    "employment_status",
    "visa_sponsorship_status",
    "source",
    "tags",
    "consent_given_at",
    "retention_until",
]
STORED = 1000  # candidates each tenant holds before the import


def stored_candidate(i):
    return {
        "email": f"stored{i}@mail.example",
        "first_name": f"Stored{i}",
        "last_name": "Person",
        "phone": f"+44 20 {5000000 + i}",
    }


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(HEADERS)
        for i in range(rows):
            if i % 100 == 0 and i // 100 < STORED:  # 1%: a stored candidate (an update)
                email, phone = f"stored{i // 100}@mail.example", f"0044 20 {5000000 + i // 100}"
            else:
                email = f"c{i}@mail.example"
                phone = f"+49 30 {1000000 + i - 1}" if i % 50 == 1 else f"+49 30 {1000000 + i}"  # 2%: dup
            writer.writerow(
                [
                    email,
                    f"First{i}",
                    f"Last{i}",
                    phone,
                    "Berlin" if i % 3 else "Remote",
                    "Engineer",
                    f"Company {i % 997}",
                    "actively_looking" if i % 4 else "employed_open_to_offers",
                    "not_required",
                    "linkedin" if i % 2 else "job_board",
                    "python, django" if i % 5 else "",
                    "2026-10-01 09:30",
                    "2027-10-01",
                ]
            )


def build():
    from people.models import Membership, Tenant, User
    from people.roles import Role
    from people.tenancy import tenant_context
    from recruiting.models import Candidate

    user = User.objects.create_user(email="importer@bench.example", password="x")
    tenants = {}
    for mode in ("ours", "import-export"):
        tenant = Tenant.objects.create(name=f"Import {mode}", slug=f"import-{mode}")
        with tenant_context(tenant):
            Membership.objects.create(user=user, role=Role.OWNER)
            Candidate.objects.bulk_create([Candidate(**stored_candidate(i)) for i in range(STORED)])
        tenants[mode] = tenant.pk
    return tenants, user.pk


def run_child(mode, db_name, tenant_id, user_id, csv_path, rows) -> dict:
    command = [sys.executable, str(HERE / "recruiting_import.py"), "--child", mode, db_name]
    command += [str(tenant_id), str(user_id), str(csv_path), str(rows)]
    done = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy(), check=False)
    if done.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--baseline-rows", type=int, default=10_000, help="rows import-export imports")
    parser.add_argument("--child", nargs=6, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(*args.child)

    from _setup import throwaway_database
    from django.db import connection

    with tempfile.TemporaryDirectory() as tmp:
        full, baseline = Path(tmp) / "candidates.csv", Path(tmp) / "baseline.csv"
        write_csv(full, args.rows)
        write_csv(baseline, min(args.rows, args.baseline_rows))
        if connection.vendor == "sqlite":
            connection.settings_dict["TEST"]["NAME"] = str(Path(tmp) / "bench_import.sqlite3")
        with throwaway_database():
            tenants, user_id = build()
            connection.close()
            db_name = connection.settings_dict["NAME"]
            results = {
                "ours": run_child("ours", db_name, tenants["ours"], user_id, full, args.rows),
                "import-export": run_child(
                    "import-export", db_name, tenants["import-export"], user_id, baseline, args.baseline_rows
                ),
            }

    print(
        f"\ndatabase: {connection.vendor}; candidates x 13 columns from CSV; each importer in a fresh "
        "subprocess; memory = peak RSS of that subprocess during the import (VmHWM reset just before it)"
    )
    print(f"{'importer':<14} {'rows':>9} {'seconds':>8} {'rows/s':>9} {'peak MB':>8} {'+MB':>7}  result")
    for mode, r in results.items():
        print(
            f"{mode:<14} {r['rows']:>9,} {r['seconds']:>8.2f} {r['rows'] / r['seconds']:>9,.0f} "
            f"{r['peak_mb']:>8.1f} {r['peak_mb'] - r['base_mb']:>7.1f}  {r['summary']}"
        )
    rate = {mode: r["rows"] / r["seconds"] for mode, r in results.items()}
    print(f"ours:                  {rate['ours']:,.0f} rows/s (target >= 5,000)")
    print(f"ours vs import-export: {rate['ours'] / rate['import-export']:.1f}x (target >= 10x)")
    print(f"ours peak memory:      {results['ours']['peak_mb']:.0f} MB (target < 500 MB)")


def child(mode, db_name, tenant_id, user_id, csv_path, rows):
    sys.path.insert(0, str(HERE))
    import _setup  # noqa: F401  (Django set up)
    from django.db import connection

    connection.settings_dict["NAME"] = db_name
    from import_export.formats.base_formats import CSV
    from import_export.resources import modelresource_factory

    from people.models import Tenant, User
    from people.tenancy import tenant_context
    from recruiting.models import Candidate
    from recruiting.resources import CandidateResource

    tenant, user = Tenant.objects.get(pk=int(tenant_id)), User.objects.get(pk=int(user_id))
    with tenant_context(tenant):
        Candidate.objects.count()  # connection open
        base = current_rss_mb()
        started = time.perf_counter()
        dataset = CSV(encoding="utf-8").create_dataset(Path(csv_path).read_text(encoding="utf-8"))
        if mode == "ours":
            resource = CandidateResource(tenant=tenant, large_file=True)
        else:
            # Its JSON widget cannot read "python, django": the tags column is left out (less work).
            options = {"import_id_fields": ("email",), "fields": [h for h in HEADERS if h != "tags"]}
            resource = modelresource_factory(Candidate, meta_options=options)()
        result = resource.import_data(
            dataset, dry_run=False, use_transactions=True, rollback_on_validation_errors=True, user=user
        )
        seconds = time.perf_counter() - started
        if result.has_errors() or result.has_validation_errors():
            errors = [(row.number, row.error_dict) for row in result.invalid_rows[:3]]
            errors += [(n, [str(e.error) for e in errs]) for n, errs in result.row_errors()[:3]]
            errors += [str(e.error) for e in result.base_errors[:3]]
            raise SystemExit(f"{mode}: the import failed: {errors}")
        flagged = Candidate.objects.filter(possible_duplicate_of__isnull=False).count()
        history = Candidate.history.filter(history_user=user).count()
    summary = f"new {result.totals['new']:,}, updated {result.totals['update']:,}, flagged {flagged:,}, history {history:,}"
    print(
        json.dumps(
            {
                "rows": int(rows),
                "seconds": seconds,
                "peak_mb": peak_rss_mb(),
                "base_mb": base,
                "summary": summary,
            }
        )
    )


if __name__ == "__main__":
    main()
