"""Benchmark: XLSX export of N applications (12 columns) — ours vs bare openpyxl vs import-export.

Builds one tenant with N applications on a throwaway database (bulk inserts: one candidate per
application, one job per 1,000 applications), then runs each exporter in a fresh subprocess and
prints rows/s and peak memory: the subprocess's peak RSS during the export (on Linux the peak is
reset to the current RSS just before it, `/proc/self/clear_refs`, and read from VmHWM; elsewhere
`getrusage(RUSAGE_SELF).ru_maxrss`), and its growth over the RSS before the export:

  bare           openpyxl Workbook(write_only=True) fed from values_list(...).iterator(): the
                 same 12 columns, no formula escaping, no choice labels (the ceiling)
  ours           people.exporting.xlsx_export_response with ApplicationAdmin's columns (its own
                 streamed SpreadsheetML writer: inline strings built row by row into a deflated
                 zip), the response drained as a client would (what the admin action and URL run)
  import-export  modelresource_factory(Application) + resource.export(queryset) +
                 XLSX().export_data(dataset) (django-import-export's default configuration)

All three run in the same interpreter with the same installed packages (whatever the lock
installs; run it with lxml importable and openpyxl uses lxml's writer for bare and import-export).

Targets (issue 4): ours >= 80% of bare's rows/s, >= 3x import-export's, peak memory < 150 MB.
Measured on SQLite, 100,000 rows, on a shared 2-core machine (rows/s and peak MB, same run):
                                  bare           ours           import-export  ours vs bare / i-e
  ours on openpyxl, no lxml       4,358   78     3,760   82     2,435  560     86% / 1.5x
  ours on openpyxl, lxml added    4,625   87     3,135   93     2,281  570     68% / 1.4x
  ours own writer (now), no lxml  3,104   82    28,418   90     1,717  566     915% / 16.6x
(lxml speeds none of them up much: their time is openpyxl's per-cell objects and import-export's
per-field export, not the XML serialiser.)

    .venv/bin/python bench/recruiting_export.py [--rows 100000] [--only bare,ours,import-export]
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODES = ("bare", "ours", "import-export")


def current_rss_mb() -> float:
    """The RSS now; on Linux it also resets the peak (VmHWM) to it, so the peak read after the
    export is the export's own (the Django start-up peak no longer counts)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return _proc_status_mb("VmRSS")
    except OSError:
        return peak_rss_mb()


def peak_rss_mb() -> float:
    try:
        return _proc_status_mb("VmHWM")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def _proc_status_mb(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) / 1024
    raise OSError(key)


# --- the parent: data, then one subprocess per exporter ------------------------------------------
def build(rows: int):
    from django.db.models import Max, Min
    from django.utils import timezone

    from people.models import Tenant
    from people.tenancy import tenant_context
    from recruiting.models import Application, ApplicationStatus, Candidate, JobPosting, Source

    tenant = Tenant.objects.create(name="Export Co", slug="export-co")
    statuses, sources = list(ApplicationStatus.values), list(Source.values)
    now = timezone.now()
    with tenant_context(tenant):
        jobs = JobPosting.objects.bulk_create(
            [
                JobPosting(title=f"Engineer {j}", reference_code=f"JOB-{j:04d}")
                for j in range(max(1, rows // 1000))
            ]
        )
        batch = 5000
        for start in range(0, rows, batch):
            stop = min(start + batch, rows)
            candidates = Candidate.objects.bulk_create(
                [
                    Candidate(
                        first_name=f"First{i}" if i % 500 else f'=HYPERLINK("x","{i}")',
                        last_name=f"Last{i}",
                        email=f"c{i}@mail.example",
                        phone=f"+49 30 {1000000 + i}" if i % 2 else f"030 {1000000 + i}",
                    )
                    for i in range(start, stop)
                ]
            )
            Application.objects.bulk_create(
                [
                    Application(
                        candidate=candidate,
                        job=jobs[i // 1000 % len(jobs)],
                        status=statuses[i % len(statuses)],
                        source=sources[i % len(sources)],
                        hired_at=now if statuses[i % len(statuses)] == ApplicationStatus.HIRED else None,
                    )
                    for i, candidate in zip(range(start, stop), candidates, strict=True)
                ]
            )
            print(f"  {stop:,}/{rows:,} applications", end="\r", flush=True)
        # auto_now_add stamped every row now: spread the dates so "days in status" varies.
        bounds = Application.objects.aggregate(first=Min("pk"), last=Max("pk"))
        first, step = bounds["first"], max(1, (bounds["last"] - bounds["first"] + 1) // 10)
        for k in range(10):
            Application.objects.filter(pk__gte=first + k * step, pk__lt=first + (k + 1) * step).update(
                applied_at=now - timedelta(days=30 + 7 * k), status_changed_at=now - timedelta(days=3 * k)
            )
    print()
    return tenant


def run_child(mode: str, db_name: str, tenant_id: int) -> dict:
    command = [sys.executable, str(HERE / "recruiting_export.py"), "--child", mode, db_name, str(tenant_id)]
    done = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy(), check=False)
    if done.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--only", default=",".join(MODES), help="comma-separated: " + ", ".join(MODES))
    parser.add_argument("--child", nargs=3, metavar=("MODE", "DB", "TENANT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(*args.child)

    from _setup import throwaway_database
    from django.db import connection

    modes = [mode for mode in args.only.split(",") if mode]
    with tempfile.TemporaryDirectory() as tmp:
        if connection.vendor == "sqlite":
            # The children open the database by name: a file, not the default in-memory one.
            connection.settings_dict["TEST"]["NAME"] = str(Path(tmp) / "bench_export.sqlite3")
        with throwaway_database():
            started = time.perf_counter()
            tenant = build(args.rows)
            print(f"built {args.rows:,} applications in {time.perf_counter() - started:.1f} s")
            connection.close()  # the children read it; SQLite must not be locked
            db_name = connection.settings_dict["NAME"]
            results = {mode: run_child(mode, db_name, tenant.pk) for mode in modes}

    print(
        f"\ndatabase: {connection.vendor}; {args.rows:,} applications x 12 columns; each exporter "
        "in a fresh subprocess; memory = peak RSS of that subprocess during the export (VmHWM reset "
        "just before it; getrusage ru_maxrss where that is impossible) and its growth over the RSS "
        "before the export"
    )
    print(
        f"{'exporter':<14} {'rows':>9} {'seconds':>8} {'rows/s':>9} {'peak MB':>8} {'+MB':>7} {'file MB':>8}"
    )
    for mode, r in results.items():
        print(
            f"{mode:<14} {r['rows']:>9,} {r['seconds']:>8.2f} {r['rows'] / r['seconds']:>9,.0f} "
            f"{r['peak_mb']:>8.1f} {r['peak_mb'] - r['base_mb']:>7.1f} {r['bytes'] / 1e6:>8.1f}"
        )
    rate = {mode: r["rows"] / r["seconds"] for mode, r in results.items()}
    if "ours" in rate and "bare" in rate:
        print(f"ours vs bare openpyxl:   {rate['ours'] / rate['bare']:.0%} of its rows/s (target >= 80%)")
    if "ours" in rate and "import-export" in rate:
        print(f"ours vs import-export:   {rate['ours'] / rate['import-export']:.1f}x (target >= 3x)")
    if "ours" in results:
        print(f"ours peak memory:        {results['ours']['peak_mb']:.0f} MB (target < 150 MB)")


# --- a child: one exporter, timed, on the parent's database --------------------------------------
def child(mode: str, db_name: str, tenant_id: str):
    sys.path.insert(0, str(HERE))
    import _setup  # noqa: F401  (Django set up)
    from django.db import connection

    connection.settings_dict["NAME"] = db_name
    from django.contrib.admin.sites import site
    from django.test import RequestFactory

    from people.models import Tenant, User
    from people.tenancy import tenant_context
    from recruiting.models import Application

    tenant = Tenant.objects.get(pk=int(tenant_id))
    admin = site._registry[Application]
    with tenant_context(tenant):
        list(Application.objects.values_list("pk")[:1])  # connection open, caches warm
        base = current_rss_mb()
        started = time.perf_counter()
        if mode == "bare":
            size = bare(Application.objects.order_by("-applied_at", "-pk"))
        elif mode == "ours":
            request = RequestFactory().get("/")
            request.user, request.tenant = User(pk=0), tenant
            response = admin._xlsx_response(request, Application.objects.order_by("-applied_at", "-pk"))
            size = sum(len(chunk) for chunk in response.streaming_content)  # what a client reads
            response.close()
        else:
            size = import_export(Application.objects.order_by("-applied_at", "-pk"))
        seconds = time.perf_counter() - started
        rows = Application.objects.count()
    print(
        json.dumps(
            {"rows": rows, "seconds": seconds, "bytes": size, "peak_mb": peak_rss_mb(), "base_mb": base}
        )
    )


def bare(queryset):
    from django.utils import timezone
    from openpyxl import Workbook

    today = timezone.localdate()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Applications")
    sheet.append(
        ["Job reference", "Job title", "First name", "Last name", "E-mail", "Phone", "Source"]
        + ["Status", "Applied at", "In status since", "Days in status", "Hired at"]
    )
    naive = timezone.localtime
    for ref, title, first, last, email, phone, source, status, applied, since, hired in queryset.values_list(
        "job__reference_code",
        "job__title",
        "candidate__first_name",
        "candidate__last_name",
        "candidate__email",
        "candidate__phone",
        "source",
        "status",
        "applied_at",
        "status_changed_at",
        "hired_at",
    ).iterator(chunk_size=2000):
        since_local = naive(since)
        sheet.append(
            [
                ref,
                title,
                first,
                last,
                email,
                phone,
                source,
                status,
                naive(applied).replace(tzinfo=None),
                since_local.replace(tzinfo=None),
                (today - since_local.date()).days,
                naive(hired).replace(tzinfo=None) if hired else None,
            ]
        )
    with tempfile.TemporaryFile() as output:
        workbook.save(output)
        return output.tell()


def import_export(queryset):
    from import_export.formats.base_formats import XLSX
    from import_export.resources import modelresource_factory

    from recruiting.models import Application

    dataset = modelresource_factory(Application)().export(queryset)
    content = XLSX().export_data(dataset)
    return len(content)


if __name__ == "__main__":
    main()
